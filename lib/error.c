/* Error texts and library version: table-driven from VMBD_ERROR_TABLE. */
#include <vmbackdoor/common.h>

struct error_row {
	int code;
	const char *name;
	const char *text;
};

static const struct error_row error_rows[] = {
#define VMBD_ERROR_ROW(name, value, text) {value, #name, text},
	VMBD_ERROR_TABLE(VMBD_ERROR_ROW)
#undef VMBD_ERROR_ROW
};

static const struct error_row *error_find(int err)
{
	size_t i;

	for (i = 0; i < sizeof(error_rows) / sizeof(error_rows[0]); i++)
		if (error_rows[i].code == err)
			return &error_rows[i];
	return NULL;
}

const char *vmbd_strerror(int err)
{
	const struct error_row *row = error_find(err);

	return row ? row->text : "unknown error";
}

const char *vmbd_errname(int err)
{
	const struct error_row *row = error_find(err);

	return row ? row->name : "VMBD_E?";
}

const char *vmbd_version(void)
{
	return VMBD_VERSION_STRING;
}

unsigned vmbd_version_number(void)
{
	return VMBD_VERSION_MAJOR * 10000u + VMBD_VERSION_MINOR * 100u +
	       VMBD_VERSION_PATCH;
}
