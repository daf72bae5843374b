/*
 * libFuzzer target for the simulator host-script parser (script.h): any
 * bytes must give OK, ESCRIPT or EFULL, never a crash or an overflow, and
 * an accepted script must satisfy the parser's promises.
 */
#include <stdlib.h>
#include <string.h>

#include <vmbackdoor/script.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct vmbd_script_event ev[32];
	struct vmbd_script_error err;
	size_t n = 0, i;
	int rc;

	rc = vmbd_script_parse((const char *)data, size, ev, 32, &n, &err);
	if (rc != VMBD_OK) {
		if ((rc != VMBD_ESCRIPT && rc != VMBD_EFULL) || n != 0 || !err.reason)
			abort();
		return 0;
	}
	if (n == 0 || ev[n - 1].kind != VMBD_SCRIPT_END)
		abort();
	for (i = 0; i < n; i++) {
		if (ev[i].at_ns < 0 || (i && ev[i].at_ns < ev[i - 1].at_ns))
			abort();
		if (!memchr(ev[i].text, '\0', sizeof(ev[i].text)))
			abort();
		if (ev[i].kind == VMBD_SCRIPT_END && i + 1 != n)
			abort();
	}
	return 0;
}
