/*
 * libvmbackdoor: common definitions (export macro, error codes, logging,
 * version).
 *
 * Thread-safety rule for the whole library: the library has no global
 * mutable state. Every call works on caller-provided objects (a context, a
 * channel, a policy, a simulator). Calls on *different* objects may run
 * concurrently on any number of threads; calls on the *same* object must be
 * serialised by the caller (simplest: one context per thread). One piece of
 * state is the kernel's and per thread: the port access vmbd_open() asks
 * for reaches only the calling thread and threads it creates afterwards
 * (see vmbd_io_request_access()).
 *
 * Memory rule: the library never allocates. Every struct is provided by the
 * caller, every buffer comes with an explicit size.
 */
#ifndef VMBACKDOOR_COMMON_H
#define VMBACKDOOR_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(VMBD_STATIC_DEFINE)
#define VMBD_API
#elif defined(__GNUC__) || defined(__clang__)
#define VMBD_API __attribute__((visibility("default")))
#else
#define VMBD_API
#endif

/*
 * Error codes. 0 is success; every failure is a negative VMBD_E* value.
 * Ranges are reserved per layer so that layers can grow independently:
 *   -1 .. -19   io, backdoor, detection
 *   -20 .. -39  message channel, RPCI, TCLO
 *   -40 .. -59  policy engine, time-sync decision
 *   -60 .. -79  clock interface, simulator scripts, tools
 * The X-macro keeps the enum and vmbd_strerror() in one table.
 */
#define VMBD_ERROR_TABLE(X)                                                    \
	X(VMBD_OK, 0, "success")                                               \
	X(VMBD_EINVAL, -1, "invalid argument")                                 \
	X(VMBD_ENOTVMWARE, -2, "not running on VMware (use force to override)") \
	X(VMBD_EPERM, -3, "backdoor port access not permitted")                \
	X(VMBD_ENOTSUP, -4, "operation not supported by this io backend")     \
	X(VMBD_EUNSUPPORTED, -5, "host does not support this command")         \
	X(VMBD_EPROTO, -6, "malformed or unexpected reply from host")          \
	X(VMBD_EBADTIME, -7, "host returned an invalid time")                  \
	X(VMBD_EUNKNOWN, -8, "host does not know this value")                  \
	X(VMBD_ENOBACKEND, -9, "no io backend for this platform")             \
	X(VMBD_EOPEN, -20, "host refused to open a message channel")          \
	X(VMBD_ECLOSED, -21, "message channel closed by host")                 \
	X(VMBD_EUNSENT, -22, "message not sent (host reported UNSENT)")        \
	X(VMBD_ETIMEOUT, -23, "message channel timed out")                     \
	X(VMBD_EPOWEROFF, -24, "virtual machine is powering off")              \
	X(VMBD_ENOSUCCESS, -25, "host reply lacks the success status")        \
	X(VMBD_ECPT, -26, "message interrupted by checkpoints too often")      \
	X(VMBD_ETOOBIG, -27, "message larger than the host accepts (64 KiB)") \
	X(VMBD_ENOSPC, -28, "incoming message larger than the buffer; refused") \
	X(VMBD_ENOTOPEN, -29, "message channel is not open")                   \
	X(VMBD_ENOMSG, -30, "no message waiting")                              \
	X(VMBD_ERPC, -31, "host answered the RPC with failure")                \
	X(VMBD_ESYNTAX, -40, "malformed command or value")                     \
	X(VMBD_ERANGE, -41, "value out of range")                              \
	X(VMBD_EFULL, -42, "action list or buffer full")                       \
	X(VMBD_ECLOCK, -60, "clock operation failed")                          \
	X(VMBD_ESCRIPT, -61, "malformed simulator script")                     \
	X(VMBD_EIO, -62, "input/output error")                                 \
	X(VMBD_ECLOCKPERM, -63, "not permitted to set the clock (needs CAP_SYS_TIME)")

enum vmbd_error {
#define VMBD_ERROR_ENUM(name, value, text) name = value,
	VMBD_ERROR_TABLE(VMBD_ERROR_ENUM)
#undef VMBD_ERROR_ENUM
};

/* Human-readable text for an error code; never NULL ("unknown error" for
 * codes not in the table). */
VMBD_API const char *vmbd_strerror(int err);

/* Symbolic name of an error code ("VMBD_EPROTO"); never NULL. */
VMBD_API const char *vmbd_errname(int err);

/* Library version at run time, e.g. "0.1.0"; and as a number
 * major * 10000 + minor * 100 + patch. */
VMBD_API const char *vmbd_version(void);
VMBD_API unsigned vmbd_version_number(void);

/* Log levels for the caller-supplied log callback. */
enum vmbd_log_level {
	VMBD_LOG_ERROR = 0,
	VMBD_LOG_WARNING = 1,
	VMBD_LOG_INFO = 2,
	VMBD_LOG_DEBUG = 3
};

/* Log callback: called synchronously from the thread that made the library
 * call; msg is a NUL-terminated line without trailing newline. */
typedef void (*vmbd_log_fn)(void *arg, int level, const char *msg);

#ifdef __cplusplus
}
#endif

#endif
