/* Strict bool and unsigned parsers for host-supplied values. */
#include "strict_parse.h"

#include <vmbackdoor/common.h>

int vmbd__parse_bool(const char *s, size_t len, uint32_t *out)
{
	if (s == NULL || len != 1 || (s[0] != '0' && s[0] != '1'))
		return VMBD_ESYNTAX;
	*out = (uint32_t)(s[0] - '0');
	return VMBD_OK;
}

int vmbd__parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s == NULL || len == 0)
		return VMBD_ESYNTAX;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return VMBD_ESYNTAX;
	for (i = 0; i < len; i++) {
		v = v * 10u + (uint64_t)(s[i] - '0');
		/* Checked every digit, so v never exceeds 10 * UINT32_MAX + 9
		 * and cannot wrap however many leading digits follow. */
		if (v > UINT32_MAX)
			return VMBD_ERANGE;
	}
	*out = (uint32_t)v;
	return VMBD_OK;
}
