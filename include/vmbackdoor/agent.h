/*
 * libvmbackdoor: the time-sync agent, the loop vmbd-time's daemon runs.
 *
 * It ties the layers together so every user of the library (the daemon,
 * the benchmarks, your own tool) runs the same code path:
 *
 *   TCLO poll step (tclo.h) -> policy engine (policy.h) -> actions
 *   periodic loop due (vmbd_policy_tick) -> sampler + decision with the
 *   frequency estimator (timesync.h) -> clock (clock.h) -> STOPCATCHUP
 *
 * The agent never sleeps, reads no clock of its own (the caller passes its
 * monotonic time in), allocates nothing and prints nothing: what happens is
 * reported through an optional event callback, and vmbd_agent_poll() says
 * when it wants to be called again. It owns the pending TCLO reply: the
 * answer to a command goes out with the next poll, which is due at once.
 *
 * An idle poll costs what the TCLO layer needs and nothing more: 2 backdoor
 * calls when the host has nothing (no DORECV), 3 when it says so with an
 * empty message. A periodic sync adds the sampler's host reads (2 when the
 * first pair is tight) and STOPCATCHUP after a step.
 *
 * Host actions the agent does not carry out itself (STATE_CHANGE,
 * CAPABILITIES, RESYNC_UNSUPPORTED: they need RPCI or the guest's own
 * scripts) come to the caller as VMBD_AGENT_EV_ACTION events, in order,
 * before the command's reply is final.
 *
 * Single-threaded like every object; independent agents may run on
 * different threads.
 */
#ifndef VMBACKDOOR_AGENT_H
#define VMBACKDOOR_AGENT_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/backdoor.h>
#include <vmbackdoor/clock.h>
#include <vmbackdoor/policy.h>
#include <vmbackdoor/tclo.h>
#include <vmbackdoor/timesync.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Poll interval when the host has nothing for us. A command the host
 * queues just after an idle poll waits one whole interval, then the few
 * backdoor calls that fetch it and carry the reply. The interval leaves
 * VMBD_AGENT_REPLY_BUDGET_NS of the VMBD_AGENT_REPLY_LATENCY_NS target for
 * those calls (microseconds each, even as VM exits) and for the wake-up's
 * timer slack (50 us by default on Linux), so the worst case stays within
 * the target. At 2 calls per idle poll that is about 7,207 calls an hour
 * (7,200 at a whole second, which would answer in 1 s + the calls).
 */
#define VMBD_AGENT_REPLY_LATENCY_NS INT64_C(1000000000)
#define VMBD_AGENT_REPLY_BUDGET_NS INT64_C(1000000)
#define VMBD_AGENT_POLL_IDLE_NS \
	(VMBD_AGENT_REPLY_LATENCY_NS - VMBD_AGENT_REPLY_BUDGET_NS)
/* Bounds for vmbd_agent_set_poll_interval(): 1 ms to 1 h. */
#define VMBD_AGENT_POLL_MIN_NS INT64_C(1000000)
#define VMBD_AGENT_POLL_MAX_NS (INT64_C(3600) * INT64_C(1000000000))

/* Why a sync ran. The first three are enum vmbd_sync_cause. */
enum vmbd_agent_cause {
	VMBD_AGENT_CAUSE_HOST_REQUEST = VMBD_SYNC_HOST_REQUEST,
	VMBD_AGENT_CAUSE_STARTUP = VMBD_SYNC_STARTUP,
	VMBD_AGENT_CAUSE_LOOP_ENABLE = VMBD_SYNC_LOOP_ENABLE,
	VMBD_AGENT_CAUSE_LOOP = 16, /* the periodic loop */
	VMBD_AGENT_CAUSE_LOCAL      /* the guest's own request (command line) */
};

/* Why a sync was not done. */
enum vmbd_agent_skip {
	VMBD_AGENT_SKIP_VETO = 1,   /* local veto; action->reason says which */
	VMBD_AGENT_SKIP_DISALLOWED, /* the host's time.synchronize.allow 0 */
	VMBD_AGENT_SKIP_EXTERNAL    /* another program owns the clock */
};

/* Why a sync changed nothing. */
enum vmbd_agent_in_sync {
	VMBD_AGENT_WITHIN_LAG = 1,     /* error within the host's max lag */
	VMBD_AGENT_AHEAD_NO_BACKWARD,  /* guest ahead; backward not allowed */
	VMBD_AGENT_AHEAD_LOOP          /* guest ahead; the loop never steps back */
};

enum vmbd_agent_event_type {
	VMBD_AGENT_EV_TCLO = 1,    /* a host command arrived: cmd, cmd_len */
	VMBD_AGENT_EV_REPLY,       /* its final reply: reply, reply_len, and
				    * the command again: cmd, cmd_len */
	VMBD_AGENT_EV_STEP,        /* delta_ns, backward, offset_ns, cause */
	VMBD_AGENT_EV_SLEW,        /* delta_ns over period_ns, freq_ppb,
				    * offset_ns (before it), cause LOOP */
	VMBD_AGENT_EV_IN_SYNC,     /* offset_ns, in_sync, cause */
	VMBD_AGENT_EV_SYNC_FAILED, /* rc, cause */
	VMBD_AGENT_EV_LOOP_START,  /* period_ns */
	VMBD_AGENT_EV_LOOP_STOP,
	VMBD_AGENT_EV_SKIPPED,     /* skip, cause, backward; action: the
				    * policy's SKIPPED_* action, or the
				    * SYNC_ONCE itself for SKIP_EXTERNAL */
	VMBD_AGENT_EV_ACTION       /* action for the caller to carry out */
};

/* One event. Fields not named for a type are 0 / NULL. Pointers are valid
 * only during the callback. */
struct vmbd_agent_event {
	int type;                 /* enum vmbd_agent_event_type */
	const char *cmd;
	size_t cmd_len;
	const char *reply;
	size_t reply_len;
	int cause;                /* enum vmbd_agent_cause */
	int backward;             /* STEP, SKIPPED: backward allowed */
	int64_t delta_ns;         /* STEP: the step; SLEW: offset slewed */
	int64_t offset_ns;        /* guest - host: after a STEP, at the
				   * sample for SLEW and IN_SYNC */
	int64_t period_ns;        /* SLEW, LOOP_START */
	int64_t freq_ppb;         /* SLEW */
	int in_sync;              /* IN_SYNC: enum vmbd_agent_in_sync */
	int skip;                 /* SKIPPED: enum vmbd_agent_skip */
	int rc;                   /* SYNC_FAILED: the error */
	const struct vmbd_policy_action *action; /* SKIPPED, ACTION */
};

typedef void (*vmbd_agent_event_fn)(void *arg,
				    const struct vmbd_agent_event *ev);

/* What the agent did, for status output, tests and benchmarks. */
struct vmbd_agent_stats {
	uint64_t polls;          /* TCLO poll steps */
	uint64_t commands;       /* host commands handled */
	uint64_t syncs;          /* samples taken for a sync */
	uint64_t steps;
	uint64_t backward_steps;
	uint64_t slews;
	uint64_t sync_failures;
};

/* Caller-allocated. Treat as opaque: use the functions. */
struct vmbd_agent {
	struct vmbd_ctx *ctx;       /* host time, STOPCATCHUP */
	struct vmbd_clock *guest;   /* reads the guest clock */
	struct vmbd_clock *act;     /* where corrections go */
	struct vmbd_policy policy;
	struct vmbd_ts_estimator est;
	uint32_t period_s;          /* loop mode, from the policy */
	int slew_on;
	uint32_t percent;
	int slewing;                /* a slew or frequency is in effect */
	int external_clock;         /* see vmbd_agent_set_external_clock */
	int64_t poll_idle_ns;
	int64_t next_poll_ns;       /* vmbd_agent_step: next TCLO poll
				     * (INT64_MIN: at once) */
	vmbd_agent_event_fn on_event;
	void *event_arg;
	char reply[VMBD_POLICY_REPLY_MAX]; /* answer for the next poll */
	size_t reply_len;
	struct vmbd_agent_stats stats;
};

/* Bind the backdoor context, the clock to read and the clock to change
 * (the same one, or a dry run around it), and start the policy engine in
 * its initial state with the local veto (NULL = none). VMBD_EINVAL for
 * NULL a/ctx/guest/act. */
VMBD_API int vmbd_agent_init(struct vmbd_agent *a, struct vmbd_ctx *ctx,
			     struct vmbd_clock *guest, struct vmbd_clock *act,
			     const struct vmbd_policy_local *local);
/* Event callback (NULL: none). */
VMBD_API void vmbd_agent_set_events(struct vmbd_agent *a,
				    vmbd_agent_event_fn fn, void *arg);
/* on != 0: another program owns the clock (vmbd-time --refclock-sock hands
 * host time to chronyd): syncs are reported as SKIPPED with
 * VMBD_AGENT_SKIP_EXTERNAL, the loop changes nothing. */
VMBD_API void vmbd_agent_set_external_clock(struct vmbd_agent *a, int on);

/* Poll interval when idle (default VMBD_AGENT_POLL_IDLE_NS): what
 * vmbd_agent_poll() adds to now for *wake_ns when nothing was waiting.
 * Shorter answers the host sooner at 2-3 backdoor calls per poll (vmtoolsd
 * polls every ~100 ms). VMBD_EINVAL for NULL a or idle_ns outside
 * [VMBD_AGENT_POLL_MIN_NS, VMBD_AGENT_POLL_MAX_NS]; the interval is then
 * unchanged. */
VMBD_API int vmbd_agent_set_poll_interval(struct vmbd_agent *a,
					  int64_t idle_ns);

/* Change the local veto at run time (the administrator's configuration
 * was re-read) and carry out what it causes: a veto that stops a running
 * loop returns the clock to nominal (LOOP_STOP event), lifting it lets the
 * host's loop run again (LOOP_START, first sync due at now_mono_ns). Use
 * this, not vmbd_policy_set_local() on the agent's policy, which would
 * leave a slew in effect. VMBD_EINVAL for NULL a (local NULL = no veto). */
VMBD_API int vmbd_agent_set_local(struct vmbd_agent *a,
				  const struct vmbd_policy_local *local,
				  int64_t now_mono_ns);

/* Feed one host command: policy engine, then its actions in order (syncs,
 * loop start/stop, slew settings; the rest as ACTION events). The reply
 * is kept for the next poll and, if res is not NULL, copied there with
 * the actions. Emits TCLO first and REPLY last. VMBD_EINVAL for NULL a or
 * NULL cmd with len > 0. */
VMBD_API int vmbd_agent_command(struct vmbd_agent *a, const char *cmd,
				size_t len, int64_t now_mono_ns,
				struct vmbd_policy_result *res);

/* Run the periodic loop if a sync is due at now_mono_ns; *next_due_ns
 * (may be NULL) gets when it is next due (VMBD_POLICY_NEVER when the loop
 * is not active). A loop sync that cannot slew (slewCorrection off, or
 * the host gives no interrupt lag) first returns the clock to nominal.
 * Returns 0, or the failed sync's error (already reported as SYNC_FAILED;
 * the loop goes on). */
VMBD_API int vmbd_agent_tick(struct vmbd_agent *a, int64_t now_mono_ns,
			     int64_t *next_due_ns);

/* A one-shot sync by the one-shot rule (timesync.h): step forward when
 * behind by more than the host's max lag, backward only if backward.
 * STOPCATCHUP follows a real step; a step while the loop slews cancels
 * the offset still being slewed (the frequency stays). Emits STEP, IN_SYNC or SYNC_FAILED with
 * cause. Returns 0 or the error. */
VMBD_API int vmbd_agent_sync_once(struct vmbd_agent *a, int backward,
				  int cause);

/* Back to the nominal clock rate and forget the frequency (loop start and
 * stop, exit), as open-vm-tools does. Touches the clock only if a slew or
 * frequency was in effect. */
VMBD_API void vmbd_agent_nominal(struct vmbd_agent *a);

/*
 * One TCLO poll: send the pending reply on t, take the next command into
 * cmd (size bytes). A command is handled (vmbd_agent_command) and
 * *wake_ns = now: poll again at once, which sends its reply. With nothing
 * waiting the periodic loop runs if due, and *wake_ns is the earlier of
 * now + the idle interval and the loop's next sync. Returns
 *   0             (a command was handled, or nothing was waiting)
 *   VMBD_ENOSPC   a command too large for cmd was refused; the channel
 *                 stays usable and *wake_ns is as when idle
 *   other errors  from vmbd_tclo_poll (the channel is lost: reopen it);
 *                 *wake_ns is as when idle
 * VMBD_EINVAL for NULL arguments.
 */
VMBD_API int vmbd_agent_poll(struct vmbd_agent *a, struct vmbd_tclo *t,
			     char *cmd, size_t size, int64_t now_mono_ns,
			     int64_t *wake_ns);

/*
 * The daemon's schedule in one call, so every caller (vmbd-time daemon,
 * the benchmarks) runs the same one. At now_mono_ns: a TCLO poll when one
 * is due (the first call, at once after a command, then each idle
 * interval after the last poll), else the periodic loop when its sync is
 * due (vmbd_agent_tick: a loop sync between polls costs no TCLO calls).
 * *wake_ns: when to call again, the earlier of the next poll and the next
 * loop sync; now_mono_ns after a command. Returns what vmbd_agent_poll()
 * returns when it polled, else 0 (a loop sync's failure is reported as
 * its SYNC_FAILED event). After an error from the poll the channel is the
 * caller's to reopen; the next poll is due an idle interval later.
 * VMBD_EINVAL for NULL arguments.
 */
VMBD_API int vmbd_agent_step(struct vmbd_agent *a, struct vmbd_tclo *t,
			     char *cmd, size_t size, int64_t now_mono_ns,
			     int64_t *wake_ns);

/* Forget the pending reply (a new channel starts with an empty one); the
 * next vmbd_agent_step() polls at once. */
VMBD_API void vmbd_agent_drop_reply(struct vmbd_agent *a);

/* Lower-case names for logs and JSON ("host-request", "startup",
 * "loop-enable", "loop", "local"; "external-clock", "host-disallowed",
 * "veto"; "within the host's max lag", ...); "?" if unknown. */
VMBD_API const char *vmbd_agent_cause_name(int cause);
VMBD_API const char *vmbd_agent_skip_name(int skip);
VMBD_API const char *vmbd_agent_in_sync_text(int in_sync);

#ifdef __cplusplus
}
#endif

#endif
