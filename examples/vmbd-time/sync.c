/*
 * One correction: sample host and guest with the library's sampler, let
 * vmbd_ts_decide() pick none/step/slew by open-vm-tools' rules, and carry
 * it out through the clock interface, with STOPCATCHUP after every real
 * step (the host would otherwise replay the ticks it thinks were missed).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "vt.h"

static int read_host(void *arg, struct vmbd_host_time *t)
{
	struct vt_env *env = arg;

	return vmbd_read_host_time(env->ctx, t);
}

static int read_guest(void *arg, int64_t *guest_ns)
{
	struct vt_env *env = arg;

	return vmbd_clock_now(env->guest, guest_ns);
}

int vt_sample(struct vt_env *env, struct vmbd_ts_sample *s)
{
	struct vmbd_ts_source src = {read_host, read_guest, env};

	return vmbd_ts_sample(&src, s);
}

static int64_t offset_us(const struct vmbd_ts_sample *s, int64_t delta)
{
	return (s->guest_ns + delta - s->host_ns) / 1000;
}

static void emit_fail(struct vt_env *env, const char *cause, int rc)
{
	struct vt_event ev = {.event = "sync-failed", .cause = cause,
			      .reason = vmbd_strerror(rc)};

	vt_emit(env->out, vt_elapsed(env), &ev);
}

static int do_step(struct vt_env *env, const struct vmbd_ts_sample *s,
		   int64_t delta, int backward, const char *cause)
{
	struct vt_event ev = {.event = "step", .cause = cause};
	int rc;

	rc = vmbd_clock_step(&env->act, delta);
	/* A dry run stepped nothing, so there is no catch-up to stop. */
	if (rc == VMBD_OK && !(env->act.ops->flags & VMBD_CLOCK_DRY))
		rc = vmbd_stop_catchup(env->ctx);
	if (rc != VMBD_OK) {
		emit_fail(env, cause, rc);
		return rc;
	}
	ev.has_delta = 1;
	ev.delta_us = delta / 1000;
	ev.has_backward = 1;
	ev.backward = backward;
	ev.has_offset = 1;
	ev.offset_us = offset_us(s, delta);
	vt_emit(env->out, vt_elapsed(env), &ev);
	return VMBD_OK;
}

static void emit_in_sync(struct vt_env *env, const struct vmbd_ts_sample *s,
			 const char *cause, const char *why)
{
	struct vt_event ev = {.event = "in-sync", .cause = cause, .reason = why};

	ev.has_offset = 1;
	ev.offset_us = offset_us(s, 0);
	vt_emit(env->out, vt_elapsed(env), &ev);
}

int vt_sync_once(struct vt_env *env, int backward, const char *cause)
{
	struct vmbd_ts_mode mode = {0, backward, 0, 0, 0};
	struct vmbd_ts_sample s;
	struct vmbd_ts_decision d;
	int rc;

	rc = vt_sample(env, &s);
	if (rc == VMBD_OK)
		rc = vmbd_ts_decide(&s, &mode, NULL, &d);
	if (rc != VMBD_OK) {
		emit_fail(env, cause, rc);
		return rc;
	}
	if (d.action == VMBD_TS_STEP)
		return do_step(env, &s, d.step_ns, backward, cause);
	emit_in_sync(env, &s, cause,
		     s.guest_ns > s.host_ns && !backward
			     ? "guest ahead; backward step not allowed"
			     : "within the host's max lag");
	return VMBD_OK;
}

void vt_slew_nominal(struct vt_env *env, struct vt_loop *loop)
{
	if (loop->slewing)
		vmbd_clock_slew(&env->act, 0, 0, 0);
	loop->slewing = 0;
	vmbd_ts_estimator_init(&loop->est);
}

int vt_sync_loop(struct vt_env *env, struct vt_loop *loop)
{
	struct vmbd_ts_mode mode = {1, 0, loop->slew_on, loop->percent,
				    loop->period_s};
	struct vt_event ev = {.event = "slew", .cause = "loop"};
	struct vmbd_ts_sample s;
	struct vmbd_ts_decision d;
	int rc;

	rc = vt_sample(env, &s);
	if (rc == VMBD_OK)
		rc = vmbd_ts_decide(&s, &mode, &loop->est, &d);
	if (rc != VMBD_OK) {
		emit_fail(env, "loop", rc);
		return rc;
	}
	switch (d.action) {
	case VMBD_TS_STEP:
		rc = do_step(env, &s, d.step_ns, 0, "loop");
		/* Cancel what was still being slewed, keep the frequency. */
		if (rc == VMBD_OK && loop->slewing)
			vmbd_clock_slew(&env->act, 0, 0, d.freq_ppb);
		return rc;
	case VMBD_TS_SLEW:
		rc = vmbd_clock_slew(&env->act, d.slew_offset_ns,
				     d.slew_period_ns, d.freq_ppb);
		if (rc != VMBD_OK) {
			emit_fail(env, "loop", rc);
			return rc;
		}
		loop->slewing = 1;
		ev.has_delta = 1;
		ev.delta_us = d.slew_offset_ns / 1000;
		ev.has_period = 1;
		ev.period_s = (uint32_t)(d.slew_period_ns / VT_NS_PER_SEC);
		ev.has_freq = 1;
		ev.freq_ppb = d.freq_ppb;
		ev.has_offset = 1;
		ev.offset_us = offset_us(&s, 0);
		vt_emit(env->out, vt_elapsed(env), &ev);
		return VMBD_OK;
	default:
		emit_in_sync(env, &s, "loop",
			     s.guest_ns > s.host_ns + s.max_lag_ns
				     ? "guest ahead; the loop never steps back"
				     : "within the host's max lag");
		return VMBD_OK;
	}
}
