/*
 * Sampling for the program's own reports, and the agent's events as
 * vmbd-time output. Every correction is the library's agent (agent.h):
 * sampler, decision, clock and STOPCATCHUP are not repeated here.
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

static const char *veto_reason(int reason)
{
	switch (reason) {
	case VMBD_VETO_DISABLE_ALL: return "disable-all";
	case VMBD_VETO_DISABLE_PERIODIC: return "disable-periodic";
	case VMBD_VETO_NEVER_BACKWARD: return "never-backward";
	default: return "vetoed";
	}
}

/* The program's names: a local sync is the command line's, a clock owned
 * elsewhere is chronyd's (refclock mode). */
static const char *cause_name(int cause)
{
	return cause == VMBD_AGENT_CAUSE_LOCAL ? "command-line"
					       : vmbd_agent_cause_name(cause);
}

static const char *skip_reason(const struct vmbd_agent_event *ev)
{
	switch (ev->skip) {
	case VMBD_AGENT_SKIP_VETO: return veto_reason(ev->action->reason);
	case VMBD_AGENT_SKIP_EXTERNAL: return "refclock-mode";
	default: return vmbd_agent_skip_name(ev->skip);
	}
}

void vt_agent_event(void *arg, const struct vmbd_agent_event *ev)
{
	struct vt_env *env = arg;
	struct vt_event out = {.cause = NULL};
	int once;

	switch (ev->type) {
	case VMBD_AGENT_EV_TCLO:
	case VMBD_AGENT_EV_REPLY:
		out.event = ev->type == VMBD_AGENT_EV_TCLO ? "tclo" : "reply";
		out.command = ev->cmd;
		out.command_len = ev->cmd_len;
		out.reply = ev->reply;
		out.reply_len = ev->reply_len;
		break;
	case VMBD_AGENT_EV_STEP:
		out.event = "step";
		out.cause = cause_name(ev->cause);
		out.has_delta = 1;
		out.delta_us = ev->delta_ns / 1000;
		out.has_backward = 1;
		out.backward = ev->backward;
		out.has_offset = 1;
		out.offset_us = ev->offset_ns / 1000;
		break;
	case VMBD_AGENT_EV_SLEW:
		out.event = "slew";
		out.cause = cause_name(ev->cause);
		out.has_delta = 1;
		out.delta_us = ev->delta_ns / 1000;
		out.has_period = 1;
		out.period_s = (uint32_t)(ev->period_ns / VT_NS_PER_SEC);
		out.has_freq = 1;
		out.freq_ppb = ev->freq_ppb;
		out.has_offset = 1;
		out.offset_us = ev->offset_ns / 1000;
		break;
	case VMBD_AGENT_EV_IN_SYNC:
		out.event = "in-sync";
		out.cause = cause_name(ev->cause);
		out.reason = vmbd_agent_in_sync_text(ev->in_sync);
		out.has_offset = 1;
		out.offset_us = ev->offset_ns / 1000;
		break;
	case VMBD_AGENT_EV_SYNC_FAILED:
		out.event = "sync-failed";
		out.cause = cause_name(ev->cause);
		out.reason = vmbd_strerror(ev->rc);
		break;
	case VMBD_AGENT_EV_LOOP_START:
		out.event = "loop-start";
		out.has_period = 1;
		out.period_s = (uint32_t)(ev->period_ns / VT_NS_PER_SEC);
		break;
	case VMBD_AGENT_EV_LOOP_STOP:
		out.event = "loop-stop";
		break;
	case VMBD_AGENT_EV_SKIPPED:
		out.event = "sync-skipped";
		out.reason = skip_reason(ev);
		once = ev->action->type == VMBD_ACT_SYNC_ONCE ||
		       ev->action->what == VMBD_ACT_SYNC_ONCE;
		out.cause = once ? cause_name(ev->cause) : "loop";
		out.has_backward = once;
		out.backward = ev->backward;
		break;
	default:
		return; /* ACTION: the daemon's business */
	}
	vt_emit(env->out, vt_elapsed(env), &out);
}
