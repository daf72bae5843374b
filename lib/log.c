/* Logging helper shared by the layers: the library never prints; it hands
 * formatted lines to the callback the caller put in its context. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

void vmbd__log(vmbd_log_fn fn, void *arg, int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fn(arg, level, line);
}
