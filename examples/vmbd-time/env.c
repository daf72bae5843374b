/*
 * Where vmbd-time runs: the real machine (backdoor opened safely, real or
 * dry-run clock) or the in-process simulator (virtual time driven by a
 * host script; with --refclock-sock it follows the real clock instead).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vt.h"

static int64_t real_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * VT_NS_PER_SEC + ts.tv_nsec;
}

static int64_t real_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * VT_NS_PER_SEC + ts.tv_nsec;
}

void vt_log_cb(void *arg, int level, const char *msg)
{
	struct vt_env *env = arg;
	struct vt_event ev = {.event = "log", .message = msg};

	if (level > VMBD_LOG_INFO)
		return;
	vt_emit(env->out, vt_elapsed(env), &ev);
}

/* Read a whole script file; the caller frees *text. */
static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	int err = EIO;
	char *buf;

	if (!f)
		return -errno;
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap) {
			/* Say why (a directory reads as EISDIR), not just EIO. */
			if (ferror(f) && errno)
				err = errno;
			break;
		}
		if (cap >= (64u << 20)) { /* a script is text, not a disk image */
			free(buf);
			fclose(f);
			return -EFBIG;
		}
		cap *= 2;
		char *bigger = realloc(buf, cap);
		if (!bigger) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
	}
	if (!buf || ferror(f)) {
		free(buf);
		fclose(f);
		return buf ? -err : -ENOMEM;
	}
	fclose(f);
	*text = buf;
	*len = n;
	return 0;
}

static int load_script(struct vt_env *env)
{
	const char *name = env->opts->script_path;
	struct vmbd_script_error err;
	char *text = NULL;
	const char *src;
	size_t len = 0, i, lines = 1;
	int rc;

	if (name) {
		rc = read_file(name, &text, &len);
		if (rc < 0) {
			fprintf(stderr, "vmbd-time: %s: %s\n", name, strerror(-rc));
			return -1;
		}
	} else {
		name = "built-in demo";
		len = strlen(vmbd_script_demo());
	}
	src = text ? text : vmbd_script_demo();
	for (i = 0; i < len; i++)
		lines += src[i] == '\n';
	env->events = calloc(lines, sizeof(*env->events));
	if (!env->events) {
		free(text);
		fprintf(stderr, "vmbd-time: out of memory\n");
		return -1;
	}
	rc = vmbd_script_parse(src, len, env->events, lines, &env->n_events,
			       &err);
	free(text);
	if (rc != VMBD_OK) {
		if (err.line)
			fprintf(stderr, "vmbd-time: %s:%u: %s\n", name, err.line,
				err.reason);
		else
			fprintf(stderr, "vmbd-time: %s: %s\n", name, err.reason);
		return -1;
	}
	vmbd_script_runner_init(&env->runner, env->events, env->n_events);
	return 0;
}

int vt_env_open(struct vt_env *env, struct vt_opts *opts, struct vt_out *out,
		volatile sig_atomic_t *stop, int need_script)
{
	int rc;

	memset(env, 0, sizeof(*env));
	env->opts = opts;
	env->out = out;
	env->stop = stop;
	env->sim_realtime = opts->sim && opts->refclock_path;
	rc = vmbd_time_host_open(&env->host, opts->sim     ? VMBD_TIME_SIM
					     : opts->force ? VMBD_TIME_FORCED
							   : VMBD_TIME_REAL);
	if (rc != VMBD_TIME_EXIT_OK)
		return rc;
	env->ctx = &env->host.ctx;
	env->sim = env->host.sim;
	env->guest = &env->host.guest;
	if (env->sim_realtime) {
		/* chronyd stamps samples with the real clock: the simulated
		 * guest is the real clock, the host the real clock plus the
		 * scripted offsets, and time runs at the real pace. */
		int64_t now = real_wall();

		vmbd_sim_host_set(env->sim, now);
		vmbd_sim_guest_set(env->sim, now);
		env->rt_base_mono = real_mono();
	}
	if (opts->sim && need_script && load_script(env) != 0) {
		vt_env_close(env);
		return VMBD_TIME_EXIT_ERROR;
	}
	if (opts->dry_run) {
		vmbd_clock_dry_init(&env->dry, env->guest, vt_log_cb, env);
		vmbd_clock_init(&env->act, vmbd_clock_dry_run(), &env->dry);
	} else {
		env->act = *env->guest;
	}
	env->t0 = vt_mono(env);
	return VMBD_TIME_EXIT_OK;
}

void vt_env_close(struct vt_env *env)
{
	vmbd_time_host_close(&env->host);
	free(env->events);
	env->sim = NULL;
	env->events = NULL;
}

int64_t vt_mono(struct vt_env *env)
{
	if (env->sim && !env->sim_realtime)
		return vmbd_sim_now(env->sim);
	if (env->sim) {
		/* Keep the simulator in step with real time first. */
		int64_t target = real_mono() - env->rt_base_mono;

		if (target > vmbd_sim_now(env->sim))
			vmbd_sim_advance_to(env->sim, target);
		return vmbd_sim_now(env->sim);
	}
	return real_mono();
}

int64_t vt_elapsed(struct vt_env *env)
{
	return vt_mono(env) - env->t0;
}

/* "host" event: text, a number, unit text. */
static void emit_host(struct vt_env *env, const char *what, double v,
		      const char *unit)
{
	char msg[128];
	struct vt_event ev = {.event = "host", .message = msg};

	snprintf(msg, sizeof(msg), "%s %+.6f%s", what, v, unit);
	vt_emit(env->out, vt_elapsed(env), &ev);
}

/* Apply one due script event to the simulator. 0, or 1 when held back. */
static int apply_event(struct vt_env *env, const struct vmbd_script_event *e)
{
	switch (e->kind) {
	case VMBD_SCRIPT_TCLO:
		if (env->no_tclo)
			break;
		if (vmbd_sim_tclo_push(env->sim, e->text, strlen(e->text)) != VMBD_OK)
			return 1; /* queue full: retry once the guest drained it */
		break;
	case VMBD_SCRIPT_HOST_STEP:
		vmbd_sim_host_step(env->sim, e->value);
		emit_host(env, "host clock jumps", (double)e->value / 1e9, " s");
		break;
	case VMBD_SCRIPT_GUEST_DRIFT:
		vmbd_sim_guest_set_drift(env->sim, e->value);
		emit_host(env, "guest oscillator rate error now",
			  (double)e->value / 1e3, " ppm");
		break;
	case VMBD_SCRIPT_SUSPEND:
		emit_host(env, "VM suspended (guest clock stands still) for",
			  (double)e->value / 1e9, " s");
		vmbd_sim_suspend(env->sim, e->value);
		if (env->sim_realtime)
			env->rt_base_mono -= e->value;
		emit_host(env, "VM resumed after", (double)e->value / 1e9, " s");
		break;
	case VMBD_SCRIPT_HOST_RESET: {
		struct vt_event ev = {.event = "host", .message =
				      "host drops every GuestRPC channel (reset)"};

		vmbd_sim_rpc_close_all(env->sim);
		vt_emit(env->out, vt_elapsed(env), &ev);
		break;
	}
	case VMBD_SCRIPT_HOST_CHANNELS: {
		char msg[96];
		struct vt_event ev = {.event = "host", .message = msg};

		vmbd_sim_rpc_set_channels(env->sim, (unsigned)e->value);
		if (e->value == 0)
			snprintf(msg, sizeof(msg),
				 "host refuses every GuestRPC channel open");
		else
			snprintf(msg, sizeof(msg),
				 "host offers %u GuestRPC channels",
				 (unsigned)e->value);
		vt_emit(env->out, vt_elapsed(env), &ev);
		break;
	}
	case VMBD_SCRIPT_TCLO_IDLE: {
		struct vt_event ev = {.event = "host", .message =
				      e->value ? "host answers an idle TCLO poll "
						 "with an empty message"
					       : "host answers an idle TCLO poll "
						 "without DORECV"};

		env->sim->rpc.tclo_empty_dorecv = e->value != 0;
		vt_emit(env->out, vt_elapsed(env), &ev);
		break;
	}
	case VMBD_SCRIPT_END:
		env->script_ended = 1;
		break;
	default:
		break;
	}
	return 0;
}

static int real_sleep_until(struct vt_env *env, int64_t until)
{
	for (;;) {
		int64_t now = vt_mono(env);
		struct timespec ts;

		if (*env->stop)
			return 1;
		if (now >= until)
			return 0;
		ts.tv_sec = (time_t)((until - now) / VT_NS_PER_SEC);
		ts.tv_nsec = (long)((until - now) % VT_NS_PER_SEC);
		/* A signal ends the sleep early (no SA_RESTART): stop at once. */
		if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
			return 0;
	}
}

int vt_wait(struct vt_env *env, int64_t until)
{
	if (!env->sim)
		return real_sleep_until(env, until);
	for (;;) {
		int64_t at, now;
		const struct vmbd_script_event *e;

		if (*env->stop || env->script_ended)
			return 1;
		if (env->held) {
			if (apply_event(env, env->held) != 0) {
				/* Still full: let the guest poll first. */
				goto advance;
			}
			env->held = NULL;
		}
		at = vmbd_script_next_at(&env->runner);
		if (at != INT64_MAX && env->t0 + at <= until) {
			now = vt_mono(env);
			if (env->t0 + at > now) {
				if (env->sim_realtime) {
					if (real_sleep_until(env, env->t0 + at))
						return 1;
				} else {
					vmbd_sim_advance_to(env->sim, env->t0 + at);
				}
			}
			while ((e = vmbd_script_take_due(&env->runner,
							 vt_elapsed(env))) != NULL) {
				if (apply_event(env, e) != 0) {
					env->held = e;
					break;
				}
				if (env->script_ended)
					return 1;
			}
			continue;
		}
advance:
		if (env->sim_realtime)
			return real_sleep_until(env, until);
		if (until > vmbd_sim_now(env->sim))
			vmbd_sim_advance_to(env->sim, until);
		return 0;
	}
}
