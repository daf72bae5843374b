/*
 * libvmbackdoor: the time-sync policy engine.
 *
 * A pure state machine that turns host TCLO commands into the exact reply
 * text and a short list of clock actions. It performs no I/O, reads no
 * clock (the caller passes monotonic time in), allocates nothing and uses
 * no libc beyond mem and string-length functions: it can run in a kernel.
 * The daemon owns all side effects: it performs the actions (with the
 * timesync.h decision functions), sends the reply and logs.
 *
 * Semantics follow the open-vm-tools timeSync plugin (12.x; the reference is
 * services/plugins/timeSync/timeSync.c) and the replies Debian's vmtoolsd
 * 12.2 gives, with these DELIBERATE DIFFERENCES:
 *
 *  1. Set_Option errors. vmtoolsd 12.2 answers `OK ` to every Set_Option,
 *     even bad values, unknown names and a missing value (for which it reads
 *     stale bytes as the value). We answer `ERROR Unknown or invalid option`
 *     and change nothing, which is what its source (toolsRpc.c) intends: the
 *     host can see the setting did not take.
 *  2. slewCorrection is strict. open-vm-tools treats anything but "0" as on
 *     ("yes", "2", "" all enable slewing); we accept only "0" and "1" like
 *     every other boolean.
 *  3. Numbers are strict decimal. open-vm-tools parses with strtoul/strtol
 *     base 0, so " 5", "+5", "-1" (as 4294967295), "0x3c" and "074" are
 *     accepted; we accept only 1-10 decimal digits that fit in 32 bits.
 *     A negative percentCorrection (open-vm-tools: "use 50") is rejected,
 *     and `Time_Synchronize 0x1` (a backward-allowed sync in
 *     open-vm-tools) gets the tokenize error. As in open-vm-tools,
 *     Time_Synchronize reads only its first space-separated token.
 *  4. time.synchronize.allow is handled. open-vm-tools names it in its
 *     headers but no 12.x plugin handles it; we take "0" as "the host
 *     forbids time sync": every sync action is suppressed (reported as
 *     VMBD_ACT_SKIPPED_DISALLOWED) and a running loop is paused until
 *     "allow 1". The default is allowed.
 *  5. Guest-side veto (struct vmbd_policy_local): disable-all and
 *     disable-periodic as open-vm-tools 13.1's tools.conf [timeSync]
 *     (its issue 302), plus never-backward. The host still gets the same
 *     `OK`; each suppression is a VMBD_ACT_SKIPPED_VETO action to log.
 *  6. A failed startup sync still uses up the startup chance. In
 *     open-vm-tools a startup sync that fails leaves it open, so a later
 *     `startup 1` could step the clock long after boot.
 *  7. Command framing is byte-exact. A command is a length-delimited byte
 *     string; one trailing NUL is tolerated, any other NUL or junk makes the
 *     name or value not match. The command name is everything before the
 *     first space (vmtoolsd skips leading spaces and then mis-offsets the
 *     arguments); an empty or all-space command gets `ERROR Bad command`
 *     as in vmtoolsd.
 *  8. Not a difference, for the record: Broadcast_IP (a TCLO command of
 *     old hosts that OpenBSD's vmt answers) is not registered by
 *     open-vm-tools, so it gets `ERROR Unknown Command` here too;
 *     Set_Option broadcastIP (guestInfo's, not time sync) gets the option
 *     error; TimeInfo_Update gets `ERROR TimeInfo not enabled` as from
 *     Linux vmtoolsd with its default tools.conf; OS_* answer `OK ` as
 *     powerOps does when no power script is configured.
 *  9. time.synchronize.guest.resync[.timeout] are parsed and kept, as in
 *     open-vm-tools' POSIX build, which has no native time service to
 *     hand steps to; the first "resync 1" yields
 *     VMBD_ACT_RESYNC_UNSUPPORTED once so the daemon can say in its log
 *     that it steps the clock itself.
 *
 * Initial state (as open-vm-tools): loop INITIALIZING, slew off, percent
 * 50, period 60 s, startup.backward off, tools.enable off, startup not yet
 * decided; plus allow on. Nothing syncs at init, attach or resume unless
 * the host asks.
 */
#ifndef VMBACKDOOR_POLICY_H
#define VMBACKDOOR_POLICY_H

#include <vmbackdoor/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMBD_POLICY_MAX_ACTIONS 6     /* actions one command can yield */
#define VMBD_POLICY_REPLY_MAX 64      /* reply buffer, NUL included */
#define VMBD_POLICY_DEFAULT_PERIOD_S 60u
#define VMBD_POLICY_DEFAULT_PERCENT 50u
#define VMBD_POLICY_NEVER INT64_MAX   /* "no periodic sync scheduled" */

/* The periodic loop's state as open-vm-tools keeps it. INITIALIZING is
 * neither: a `synctime 1` from it starts the loop without the one-shot
 * sync that tools.enable asks for on a stopped -> running change (at
 * start the host sends synctime before tools.enable). */
enum vmbd_loop_state {
	VMBD_LOOP_INITIALIZING = 0,
	VMBD_LOOP_STOPPED = 1,
	VMBD_LOOP_RUNNING = 2
};

enum vmbd_policy_action_type {
	/* Sync once now: step per the one-shot rule (timesync.h), backward
	 * only if .backward; .cause says which command asked. */
	VMBD_ACT_SYNC_ONCE = 1,
	/* The periodic loop starts with .period_s; its first sync is due at
	 * once (vmbd_policy_tick says so). Reset slew/frequency to nominal
	 * first, as open-vm-tools does. */
	VMBD_ACT_LOOP_START,
	/* The periodic loop stops: stop slewing, frequency back to nominal. */
	VMBD_ACT_LOOP_STOP,
	/* The running loop restarts with a new .period_s (stop + start:
	 * nominal slew, first sync due at once). */
	VMBD_ACT_LOOP_PERIOD,
	/* Slew settings changed: .slew_on, .percent (1..100). */
	VMBD_ACT_SET_SLEW,
	/* A local setting suppressed action .what (VMBD_ACT_SYNC_ONCE or
	 * VMBD_ACT_LOOP_START) for .reason (enum vmbd_veto_reason); for a
	 * SYNC_ONCE, .backward/.cause say what was asked. With
	 * VMBD_VETO_NEVER_BACKWARD the sync itself still happens forward-only
	 * (a SYNC_ONCE with backward 0 precedes this action). */
	VMBD_ACT_SKIPPED_VETO,
	/* The host's `time.synchronize.allow 0` suppressed action .what. */
	VMBD_ACT_SKIPPED_DISALLOWED,
	/* OS_Halt/Reboot/PowerOn/Resume/Suspend: run the guest's handler for
	 * .os_state, then send RPCI `tools.os.statechange.status 1 N` with
	 * N = .os_state (open-vm-tools' powerOps numbers). No time sync. */
	VMBD_ACT_STATE_CHANGE,
	/* Capabilities_Register: send tools.capability.* / tools.set.version. */
	VMBD_ACT_CAPABILITIES,
	/* First `guest.resync 1`: no native time service is driven; log once
	 * that this daemon steps the clock itself. */
	VMBD_ACT_RESYNC_UNSUPPORTED
};

/* Which host command asked for a one-shot sync. */
enum vmbd_sync_cause {
	VMBD_SYNC_HOST_REQUEST = 1, /* Time_Synchronize N */
	VMBD_SYNC_STARTUP,          /* time.synchronize.tools.startup 1 */
	VMBD_SYNC_LOOP_ENABLE       /* synctime 0 -> 1 with tools.enable 1 */
};

enum vmbd_veto_reason {
	VMBD_VETO_DISABLE_ALL = 1,
	VMBD_VETO_DISABLE_PERIODIC,
	VMBD_VETO_NEVER_BACKWARD
};

/* GuestOsState numbers of open-vm-tools' powerops.h. */
enum vmbd_os_state {
	VMBD_OS_HALT = 1,
	VMBD_OS_REBOOT = 2,
	VMBD_OS_POWERON = 3,
	VMBD_OS_RESUME = 4,
	VMBD_OS_SUSPEND = 5
};

/* One action. Fields not named for a type are 0. */
struct vmbd_policy_action {
	int type;          /* enum vmbd_policy_action_type */
	int what;          /* SKIPPED_*: the suppressed action type */
	int reason;        /* SKIPPED_VETO: enum vmbd_veto_reason */
	int backward;      /* SYNC_ONCE (and its SKIPPED_*): may step back */
	int cause;         /* SYNC_ONCE (and its SKIPPED_*): vmbd_sync_cause */
	uint32_t period_s; /* LOOP_START, LOOP_PERIOD */
	int slew_on;       /* SET_SLEW */
	uint32_t percent;  /* SET_SLEW */
	int os_state;      /* STATE_CHANGE: enum vmbd_os_state */
};

/* What one command produced. */
struct vmbd_policy_result {
	/* Exact TCLO reply: "OK " or "OK <text>" or "ERROR <reason>";
	 * reply_len bytes, plus a NUL that is not part of the reply. */
	char reply[VMBD_POLICY_REPLY_MAX];
	size_t reply_len;
	size_t n_actions;
	struct vmbd_policy_action actions[VMBD_POLICY_MAX_ACTIONS];
	/* When the command produced a SYNC_ONCE whose failure open-vm-tools
	 * reports to the host: the reply to send if the sync fails
	 * (see vmbd_policy_sync_failed). NULL otherwise. */
	const char *fail_reply;
};

/* Guest-side veto, set by the local administrator (config file, command
 * line); the host cannot change it. All zero = no veto. open-vm-tools
 * 13.1 re-reads it before every sync; here vmbd_policy_set_local()
 * changes it. */
struct vmbd_policy_local {
	int disable_all;      /* never change the clock, whatever the host says */
	int disable_periodic; /* one-shot syncs only; no periodic loop */
	int never_backward;   /* no backward step even when the host allows it */
};

/* Current host-set state, for logs, status output and tests. */
struct vmbd_policy_settings {
	int loop_state;          /* enum vmbd_loop_state, as the host set it */
	int loop_active;         /* periodic syncs actually run: RUNNING, allowed,
				  * not vetoed */
	uint32_t period_s;       /* synctime.period (0 already mapped to 60) */
	int slew_on;             /* slewCorrection */
	uint32_t percent;        /* percentCorrection, 1..100 */
	int tools_enable;        /* one-shot sync on stopped -> running */
	int startup_backward;    /* startup sync may step backward */
	int startup_done;        /* the startup option was seen */
	int allow;               /* time.synchronize.allow (default 1) */
	int guest_resync;        /* kept, not acted upon (see difference 9) */
	uint32_t guest_resync_timeout_s;
};

/* Caller-allocated engine state. Treat as opaque: use the functions. */
struct vmbd_policy {
	struct vmbd_policy_local local;
	struct vmbd_policy_settings s;
	int64_t next_due_ns;    /* next periodic sync, VMBD_POLICY_NEVER if none */
	int resync_noted;       /* VMBD_ACT_RESYNC_UNSUPPORTED already given */
};

/* Initialise p to the open-vm-tools initial state with the local veto
 * (NULL = none). Returns VMBD_EINVAL if p is NULL. */
VMBD_API int vmbd_policy_init(struct vmbd_policy *p,
			      const struct vmbd_policy_local *local);

/* Change the local veto at run time (the daemon re-read its
 * configuration). Fills *out with no reply (reply_len 0) and the loop
 * actions the change causes: LOOP_STOP when the new veto stops a running
 * loop, LOOP_START when lifting it lets the host's loop run (first sync due
 * at now_mono_ns). Host-set state and the startup chance are kept.
 * Returns 0, or VMBD_EINVAL for NULL p/out (local NULL = no veto). */
VMBD_API int vmbd_policy_set_local(struct vmbd_policy *p,
				   const struct vmbd_policy_local *local,
				   int64_t now_mono_ns,
				   struct vmbd_policy_result *out);

/* Feed one TCLO command: len bytes at cmd (any bytes; need not be
 * NUL-terminated; cmd may be NULL when len is 0). now_mono_ns is the
 * caller's monotonic clock; it schedules the loop. Fills *out completely
 * (reply, actions, fail_reply). Returns 0 whenever a reply was produced,
 * including ERROR replies; VMBD_EINVAL only for NULL p/out or NULL cmd with
 * len > 0 (out is then left with an empty reply and no actions when out is
 * not NULL). */
VMBD_API int vmbd_policy_feed(struct vmbd_policy *p, const char *cmd,
			      size_t len, int64_t now_mono_ns,
			      struct vmbd_policy_result *out);

/* What the periodic loop wants at now_mono_ns. */
struct vmbd_policy_tick {
	int due;               /* 1: do one loop sync now (consumed by this call) */
	int64_t next_due_ns;   /* when to call again; VMBD_POLICY_NEVER if the
				* loop is not active */
	uint32_t period_s;     /* loop mode for the decision function */
	int slew_on;
	uint32_t percent;
};

/* Ask whether a periodic sync is due. When due, the next one is scheduled
 * one period after now (a late caller gets one sync, not a burst). Returns
 * 0, or VMBD_EINVAL for NULL arguments. */
VMBD_API int vmbd_policy_tick(struct vmbd_policy *p, int64_t now_mono_ns,
			      struct vmbd_policy_tick *t);

/* The daemon's one-shot sync for this result failed: replace the reply by
 * out->fail_reply (what open-vm-tools answers then: `ERROR Unable to sync
 * time` for Time_Synchronize, `ERROR Unknown or invalid option` for the
 * startup option). Returns 0 if the reply changed, VMBD_EINVAL if the
 * result has no fail_reply. */
VMBD_API int vmbd_policy_sync_failed(struct vmbd_policy_result *out);

/* Copy the current settings. */
VMBD_API void vmbd_policy_get_settings(const struct vmbd_policy *p,
				       struct vmbd_policy_settings *s);

/* Upper-case name of an action type, veto reason or sync cause, for logs
 * and test tables ("SYNC_ONCE", "DISABLE_ALL", "STARTUP"); "?" if unknown. */
VMBD_API const char *vmbd_policy_action_name(int type);
VMBD_API const char *vmbd_policy_veto_name(int reason);
VMBD_API const char *vmbd_policy_cause_name(int cause);

#ifdef __cplusplus
}
#endif

#endif
