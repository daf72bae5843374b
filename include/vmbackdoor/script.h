/*
 * libvmbackdoor: simulator host scripts (`vmbd-time --sim --script FILE`).
 *
 * A script is text, one event per line; `#` starts a comment, blank lines
 * are ignored, fields are separated by spaces or tabs:
 *
 *   at SECONDS tclo COMMAND...        the host queues a TCLO command
 *   at SECONDS host-step MICROSECONDS the host clock jumps (signed)
 *   at SECONDS guest-drift PPM        the guest clock's rate error from now
 *   at SECONDS suspend SECONDS        the VM is paused that long: the guest
 *                                     clock stops, the host's does not
 *   at SECONDS host-reset             the host drops every GuestRPC channel
 *                                     (VMX restart, vMotion); the guest
 *                                     must reopen them
 *   at SECONDS host-channels N        the host offers N GuestRPC channels
 *                                     from now (0..8, default 8); 0 refuses
 *                                     every OPEN (a VMX not taking tools
 *                                     connections for a while)
 *   at SECONDS tclo-idle empty|none   how the host tells a TCLO poll it has
 *                                     no command: an empty message (DORECV
 *                                     with length 0) or no DORECV (default)
 *   at SECONDS end                    the run ends
 *
 * SECONDS is a decimal with up to 9 fraction digits (`1.5`), at most
 * VMBD_SCRIPT_MAX_SECONDS; PPM a signed decimal with up to 3 fraction
 * digits, |PPM| <= VMBD_SCRIPT_MAX_PPM; MICROSECONDS a signed integer,
 * |us| <= VMBD_SCRIPT_MAX_STEP_US. Event times must not decrease, a script
 * must end with exactly one `end`, and nothing may follow it. The COMMAND
 * of `tclo` is the rest of the line with surrounding blanks removed
 * (printable ASCII, at most VMBD_SCRIPT_TEXT_MAX - 1 bytes).
 *
 * The parser is strict and total: any bad line makes the whole parse fail
 * with the first offending line number and a reason, and nothing is
 * returned to run. It reads exactly `len` bytes (a NUL byte is an error),
 * allocates nothing and writes only into the caller's event array.
 */
#ifndef VMBACKDOOR_SCRIPT_H
#define VMBACKDOOR_SCRIPT_H

#include <vmbackdoor/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vmbd_sim;

#define VMBD_SCRIPT_TEXT_MAX 128
#define VMBD_SCRIPT_MAX_SECONDS INT64_C(1000000000)     /* ~31 years */
#define VMBD_SCRIPT_MAX_STEP_US INT64_C(1000000000000000) /* ~31 years */
#define VMBD_SCRIPT_MAX_PPM 100000                      /* 10 % */
#define VMBD_SCRIPT_MAX_CHANNELS 8                      /* GUESTMSG_MAX_CHANNEL */

enum vmbd_script_kind {
	VMBD_SCRIPT_TCLO = 1,
	VMBD_SCRIPT_HOST_STEP,   /* value: ns */
	VMBD_SCRIPT_GUEST_DRIFT, /* value: ppb */
	VMBD_SCRIPT_SUSPEND,     /* value: ns */
	VMBD_SCRIPT_END,
	VMBD_SCRIPT_HOST_RESET,
	VMBD_SCRIPT_HOST_CHANNELS, /* value: channels offered, 0..8 */
	VMBD_SCRIPT_TCLO_IDLE      /* value: 1 empty message, 0 no DORECV */
};

struct vmbd_script_event {
	int64_t at_ns;                   /* since the start of the run */
	int kind;                        /* enum vmbd_script_kind */
	int64_t value;                   /* see the kind */
	unsigned line;                   /* 1-based source line */
	char text[VMBD_SCRIPT_TEXT_MAX]; /* TCLO command, NUL-terminated */
};

/* Where and why a parse failed. reason is a static string. */
struct vmbd_script_error {
	unsigned line;  /* 1-based; 0 when the error is not about a line */
	const char *reason;
};

/*
 * Parse len bytes of text into events[0..max_events). On success returns 0
 * and sets *n_events (the `end` event included). On failure returns
 * VMBD_ESCRIPT (bad line, err says which), VMBD_EFULL (more events than
 * max_events; err->line is the first that did not fit) or VMBD_EINVAL
 * (NULL pointers); *n_events is then 0. err may be NULL.
 */
VMBD_API int vmbd_script_parse(const char *text, size_t len,
			       struct vmbd_script_event *events,
			       size_t max_events, size_t *n_events,
			       struct vmbd_script_error *err);

/* Event keyword ("tclo", "host-step", ...) or "?". */
VMBD_API const char *vmbd_script_kind_name(int kind);

/*
 * The built-in demo script (NUL-terminated text): the host resets the
 * tools, sends the usual Set_Option sequence with synctime 0, suspends the
 * VM, sends Time_Synchronize 0 after the resume, then turns synctime on.
 */
VMBD_API const char *vmbd_script_demo(void);

/*
 * A runner walks parsed events in time order. The caller owns the time
 * base: it asks when the next event is due, advances its clock, then takes
 * each due event and applies it (to a simulator, a log, ...).
 */
struct vmbd_script_runner {
	const struct vmbd_script_event *events;
	size_t n_events;
	size_t next;
	int ended;  /* the `end` event was taken */
};

VMBD_API void vmbd_script_runner_init(struct vmbd_script_runner *r,
				      const struct vmbd_script_event *events,
				      size_t n_events);
/* Time (ns since start) of the next event, or INT64_MAX when none is left. */
VMBD_API int64_t vmbd_script_next_at(const struct vmbd_script_runner *r);
/* The next event if it is due at elapsed_ns (at_ns <= elapsed_ns), else
 * NULL. Each event is returned once. */
VMBD_API const struct vmbd_script_event *
vmbd_script_take_due(struct vmbd_script_runner *r, int64_t elapsed_ns);

#ifdef __cplusplus
}
#endif

#endif
