/* Private: logging through a context's caller-supplied callback. */
#ifndef VMBD_LIB_LOG_H
#define VMBD_LIB_LOG_H

#include <vmbackdoor/common.h>

/* Format and deliver one line to fn (nothing when fn is NULL). The line is
 * truncated to 255 bytes; no allocation. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 4, 5)))
#endif
void vmbd__log(vmbd_log_fn fn, void *arg, int level, const char *fmt, ...);

#endif
