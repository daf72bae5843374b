/*
 * vmbd-time internals shared by its source files. The program is a thin
 * shell around libvmbackdoor: an environment (real machine or simulator),
 * an output stream (text timeline or JSON lines), and the subcommands.
 */
#ifndef VMBD_TIME_VT_H
#define VMBD_TIME_VT_H

#include <signal.h>
#include <stdio.h>

#include "vmbd_time.h"

#define VT_NS_PER_SEC INT64_C(1000000000)

struct vt_opts {
	int sim;
	int json;
	int dry_run;
	int force;
	int backward;
	const char *script_path;
	const char *refclock_path;
	struct vmbd_policy_local veto;
};

/* ---- output: one event, printed as a timeline line or a JSON object ---- */

struct vt_event {
	const char *event;   /* "tclo", "reply", "step", ... */
	const char *command;
	const char *reply;
	size_t reply_len;    /* reply may hold any bytes */
	size_t command_len;
	const char *cause;
	const char *reason;
	const char *message;
	int has_delta;
	int64_t delta_us;
	int has_backward;
	int backward;
	int has_period;
	uint32_t period_s;
	int has_freq;
	int64_t freq_ppb;
	int has_offset;
	int64_t offset_us;
	int has_calls;
	uint64_t calls;      /* backdoor calls so far (stop) */
};

struct vt_out {
	FILE *f;
	int json;
};

void vt_emit(struct vt_out *o, int64_t t_ns, const struct vt_event *ev);
/* JSON string literal of len bytes (escaped, bytes >= 0x80 as \u00XX). */
void vt_json_string(FILE *f, const char *s, size_t len);

/* ---- environment: where the backdoor and the clock are ---------------- */

struct vt_env {
	struct vt_opts *opts;
	struct vt_out *out;
	struct vmbd_time_host host;   /* backdoor context, guest clock, sim */
	struct vmbd_ctx *ctx;         /* &host.ctx */
	struct vmbd_sim *sim;         /* host.sim: NULL on real hardware */
	int sim_realtime;             /* --sim with --refclock-sock */
	int64_t rt_base_mono;         /* real monotonic at start (realtime sim) */
	struct vmbd_clock *guest;     /* &host.guest: reads the guest clock */
	struct vmbd_clock act;        /* where corrections go */
	struct vmbd_clock_dry dry;
	struct vmbd_script_event *events;
	size_t n_events;
	struct vmbd_script_runner runner;
	const struct vmbd_script_event *held; /* TCLO waiting for queue room */
	int no_tclo;                  /* status, sync: no TCLO loop reads the
				       * host's queue, so tclo lines are
				       * skipped (held, they would stop every
				       * later host event) */
	int script_ended;
	int64_t t0;                   /* monotonic ns at start */
	volatile sig_atomic_t *stop;
};

/* Returns VMBD_TIME_EXIT_OK or the exit status to leave with (the reason
 * is already printed). */
int vt_env_open(struct vt_env *env, struct vt_opts *opts, struct vt_out *out,
		volatile sig_atomic_t *stop, int need_script);
void vt_env_close(struct vt_env *env);
/* Monotonic ns: virtual under --sim, CLOCK_MONOTONIC otherwise. */
int64_t vt_mono(struct vt_env *env);
/* Seconds-since-start stamp for events. */
int64_t vt_elapsed(struct vt_env *env);
/* Wait until monotonic `until` (never past the script's next event
 * handling): real sleep, or virtual time with script events applied.
 * Returns 1 when the script has ended or a stop was requested. */
int vt_wait(struct vt_env *env, int64_t until);
/* Log callback printing through the output as "log" events. */
void vt_log_cb(void *arg, int level, const char *msg);

/* ---- sampling and the agent's events (sync.c) -------------------------- */

/* Host-guest-host sample through the library's sampler (timesync.h), for
 * the program's own reports (refclock samples, the final offset). */
int vt_sample(struct vt_env *env, struct vmbd_ts_sample *s);

/* Event callback for a struct vmbd_agent (arg: the env): prints step,
 * slew, in-sync, sync-failed, loop-start/stop, sync-skipped, tclo and
 * reply events; ACTION events are ignored (the daemon handles them). */
void vt_agent_event(void *arg, const struct vmbd_agent_event *ev);

/* ---- options shared by sync and daemon (opts.c) -------------------------- */

enum {
	VT_OPT_SYNC = 1u << 0,
	VT_OPT_DAEMON = 1u << 1
};

/* Parse a subcommand's argv (argv[0] is its name) into opts, accepting the
 * options whose row names `which`. Returns -1 to go on, or the exit status
 * to leave with (0 after --help, 2 for a bad command line). */
int vt_parse_opts(const char *cmd, unsigned which, int argc, char **argv,
		  struct vt_opts *opts, void (*usage)(FILE *));

/* chrony SOCK refclock (PROTOCOL.md section 8). The socket is addressed
 * on every send, so chronyd may start (or restart) after us. */
struct vt_refclock {
	int fd;
	char path[108];
};
int vt_refclock_open(struct vt_refclock *rc, const char *path);
int vt_refclock_send(struct vt_refclock *rc, int64_t guest_ns,
		     int64_t offset_ns);
void vt_refclock_close(struct vt_refclock *rc);

#endif
