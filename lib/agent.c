/*
 * The time-sync agent: policy engine, sampler, decision and clock behind
 * one TCLO poll step. Everything with a side effect that vmbd-time's
 * daemon used to do itself lives here, so the daemon, the benchmarks and
 * the tests run the same code.
 */
#include <string.h>

#include <vmbackdoor/agent.h>

#define NS_PER_S INT64_C(1000000000)

static void emit(struct vmbd_agent *a, struct vmbd_agent_event *ev)
{
	if (a->on_event != NULL)
		a->on_event(a->event_arg, ev);
}

int vmbd_agent_init(struct vmbd_agent *a, struct vmbd_ctx *ctx,
		    struct vmbd_clock *guest, struct vmbd_clock *act,
		    const struct vmbd_policy_local *local)
{
	if (a == NULL || ctx == NULL || guest == NULL || act == NULL)
		return VMBD_EINVAL;
	memset(a, 0, sizeof(*a));
	a->ctx = ctx;
	a->guest = guest;
	a->act = act;
	a->poll_idle_ns = VMBD_AGENT_POLL_IDLE_NS;
	a->next_poll_ns = INT64_MIN;
	a->period_s = VMBD_POLICY_DEFAULT_PERIOD_S;
	a->percent = VMBD_POLICY_DEFAULT_PERCENT;
	vmbd_ts_estimator_init(&a->est);
	return vmbd_policy_init(&a->policy, local);
}

int vmbd_agent_set_poll_interval(struct vmbd_agent *a, int64_t idle_ns)
{
	if (a == NULL || idle_ns < VMBD_AGENT_POLL_MIN_NS ||
	    idle_ns > VMBD_AGENT_POLL_MAX_NS)
		return VMBD_EINVAL;
	a->poll_idle_ns = idle_ns;
	return VMBD_OK;
}

void vmbd_agent_set_events(struct vmbd_agent *a, vmbd_agent_event_fn fn,
			   void *arg)
{
	if (a == NULL)
		return;
	a->on_event = fn;
	a->event_arg = arg;
}

void vmbd_agent_set_external_clock(struct vmbd_agent *a, int on)
{
	if (a != NULL)
		a->external_clock = on != 0;
}

void vmbd_agent_drop_reply(struct vmbd_agent *a)
{
	if (a == NULL)
		return;
	a->reply_len = 0;
	a->next_poll_ns = INT64_MIN; /* a new channel: poll at once */
}

/* ---- sampling and one correction ------------------------------------- */

static int read_host(void *arg, struct vmbd_host_time *t)
{
	struct vmbd_agent *a = arg;

	return vmbd_read_host_time(a->ctx, t);
}

static int read_guest(void *arg, int64_t *guest_ns)
{
	struct vmbd_agent *a = arg;

	return vmbd_clock_now(a->guest, guest_ns);
}

static int sample(struct vmbd_agent *a, struct vmbd_ts_sample *s)
{
	struct vmbd_ts_source src = {read_host, read_guest, a};

	a->stats.syncs++;
	return vmbd_ts_sample(&src, s);
}

static int sync_failed(struct vmbd_agent *a, int cause, int rc)
{
	struct vmbd_agent_event ev = {.type = VMBD_AGENT_EV_SYNC_FAILED,
				      .cause = cause, .rc = rc};

	a->stats.sync_failures++;
	emit(a, &ev);
	return rc;
}

/* Step, then STOPCATCHUP (the host would replay the ticks it thinks the
 * guest missed on top of the step); a dry run stepped nothing. */
static int step(struct vmbd_agent *a, const struct vmbd_ts_sample *s,
		int64_t delta, int backward, int cause)
{
	struct vmbd_agent_event ev = {.type = VMBD_AGENT_EV_STEP,
				      .cause = cause, .backward = backward};
	int rc = vmbd_clock_step(a->act, delta);

	if (rc == VMBD_OK && !(a->act->ops->flags & VMBD_CLOCK_DRY))
		rc = vmbd_stop_catchup(a->ctx);
	if (rc != VMBD_OK)
		return sync_failed(a, cause, rc);
	a->stats.steps++;
	if (delta < 0)
		a->stats.backward_steps++;
	ev.delta_ns = delta;
	ev.offset_ns = s->guest_ns + delta - s->host_ns;
	emit(a, &ev);
	return VMBD_OK;
}

static void in_sync(struct vmbd_agent *a, const struct vmbd_ts_sample *s,
		    int cause, int why)
{
	struct vmbd_agent_event ev = {.type = VMBD_AGENT_EV_IN_SYNC,
				      .cause = cause, .in_sync = why};

	ev.offset_ns = s->guest_ns - s->host_ns;
	emit(a, &ev);
}

int vmbd_agent_sync_once(struct vmbd_agent *a, int backward, int cause)
{
	struct vmbd_ts_mode mode = {0, backward, 0, 0, 0};
	struct vmbd_ts_sample s;
	struct vmbd_ts_decision d;
	int rc;

	if (a == NULL)
		return VMBD_EINVAL;
	rc = sample(a, &s);
	if (rc == VMBD_OK)
		rc = vmbd_ts_decide(&s, &mode, NULL, &d);
	if (rc != VMBD_OK)
		return sync_failed(a, cause, rc);
	if (d.action == VMBD_TS_STEP) {
		rc = step(a, &s, d.step_ns, backward, cause);
		if (rc != VMBD_OK)
			return rc;
		/* As a loop step: the offset still being slewed was measured
		 * before the step and would put the error back, and the step
		 * is no rate for the estimator to learn. */
		if (a->slewing)
			vmbd_clock_slew(a->act, 0, 0, a->est.freq_ppb);
		a->est.have_last = 0;
		return VMBD_OK;
	}
	in_sync(a, &s, cause,
		s.guest_ns > s.host_ns && !backward
			? VMBD_AGENT_AHEAD_NO_BACKWARD
			: VMBD_AGENT_WITHIN_LAG);
	return VMBD_OK;
}

void vmbd_agent_nominal(struct vmbd_agent *a)
{
	if (a == NULL)
		return;
	if (a->slewing)
		vmbd_clock_slew(a->act, 0, 0, 0);
	a->slewing = 0;
	vmbd_ts_estimator_init(&a->est);
}

static int sync_loop(struct vmbd_agent *a)
{
	struct vmbd_ts_mode mode = {1, 0, a->slew_on, a->percent, a->period_s};
	struct vmbd_agent_event ev = {.type = VMBD_AGENT_EV_SLEW,
				      .cause = VMBD_AGENT_CAUSE_LOOP};
	struct vmbd_ts_sample s;
	struct vmbd_ts_decision d;
	int rc;

	rc = sample(a, &s);
	if (rc == VMBD_OK)
		rc = vmbd_ts_decide(&s, &mode, &a->est, &d);
	if (rc != VMBD_OK)
		return sync_failed(a, VMBD_AGENT_CAUSE_LOOP, rc);
	/* No slew this time (slewCorrection off, or the host no longer
	 * reports the interrupt lag): back to nominal, as open-vm-tools'
	 * TimeSyncSetSlewState(apparentErrorValid && slewCorrection). The
	 * Linux tick stays changed until told otherwise. */
	if (!mode.slew_on || !s.has_interrupt_lag)
		vmbd_agent_nominal(a);
	switch (d.action) {
	case VMBD_TS_STEP:
		rc = step(a, &s, d.step_ns, 0, VMBD_AGENT_CAUSE_LOOP);
		/* Cancel what was still being slewed, keep the frequency. */
		if (rc == VMBD_OK && a->slewing)
			vmbd_clock_slew(a->act, 0, 0, d.freq_ppb);
		return rc;
	case VMBD_TS_SLEW:
		rc = vmbd_clock_slew(a->act, d.slew_offset_ns, d.slew_period_ns,
				     d.freq_ppb);
		if (rc != VMBD_OK)
			return sync_failed(a, VMBD_AGENT_CAUSE_LOOP, rc);
		a->slewing = 1;
		a->stats.slews++;
		ev.delta_ns = d.slew_offset_ns;
		ev.period_ns = d.slew_period_ns;
		ev.freq_ppb = d.freq_ppb;
		ev.offset_ns = s.guest_ns - s.host_ns;
		emit(a, &ev);
		return VMBD_OK;
	default:
		in_sync(a, &s, VMBD_AGENT_CAUSE_LOOP,
			s.guest_ns > s.host_ns + s.max_lag_ns
				? VMBD_AGENT_AHEAD_LOOP
				: VMBD_AGENT_WITHIN_LAG);
		return VMBD_OK;
	}
}

int vmbd_agent_tick(struct vmbd_agent *a, int64_t now_mono_ns,
		    int64_t *next_due_ns)
{
	struct vmbd_policy_tick tick;
	int rc = VMBD_OK;

	if (next_due_ns != NULL)
		*next_due_ns = VMBD_POLICY_NEVER;
	if (a == NULL)
		return VMBD_EINVAL;
	vmbd_policy_tick(&a->policy, now_mono_ns, &tick);
	if (tick.due) {
		a->period_s = tick.period_s;
		a->slew_on = tick.slew_on;
		a->percent = tick.percent;
		if (!a->external_clock)
			rc = sync_loop(a);
	}
	if (next_due_ns != NULL)
		*next_due_ns = tick.next_due_ns;
	return rc;
}

/* ---- host commands ----------------------------------------------------- */

static void skipped(struct vmbd_agent *a, const struct vmbd_policy_action *act,
		    int skip)
{
	struct vmbd_agent_event ev = {.type = VMBD_AGENT_EV_SKIPPED,
				      .skip = skip, .action = act};

	if (act->what == VMBD_ACT_SYNC_ONCE) {
		ev.cause = act->cause;
		ev.backward = act->backward;
	} else {
		ev.cause = VMBD_AGENT_CAUSE_LOOP;
	}
	emit(a, &ev);
}

static void loop_started(struct vmbd_agent *a, uint32_t period_s)
{
	struct vmbd_agent_event ev = {.type = VMBD_AGENT_EV_LOOP_START};

	vmbd_agent_nominal(a);
	a->period_s = period_s;
	ev.period_ns = (int64_t)period_s * NS_PER_S;
	emit(a, &ev);
}

static void perform(struct vmbd_agent *a, struct vmbd_policy_result *res,
		    const struct vmbd_policy_action *act)
{
	struct vmbd_agent_event ev = {.type = VMBD_AGENT_EV_ACTION,
				      .action = act};

	switch (act->type) {
	case VMBD_ACT_SYNC_ONCE:
		if (a->external_clock) {
			ev.type = VMBD_AGENT_EV_SKIPPED;
			ev.skip = VMBD_AGENT_SKIP_EXTERNAL;
			ev.cause = act->cause;
			ev.backward = act->backward;
			emit(a, &ev);
			break;
		}
		if (vmbd_agent_sync_once(a, act->backward, act->cause) !=
		    VMBD_OK)
			vmbd_policy_sync_failed(res);
		break;
	case VMBD_ACT_LOOP_START:
	case VMBD_ACT_LOOP_PERIOD:
		loop_started(a, act->period_s);
		break;
	case VMBD_ACT_LOOP_STOP:
		vmbd_agent_nominal(a);
		ev.type = VMBD_AGENT_EV_LOOP_STOP;
		ev.action = NULL;
		emit(a, &ev);
		break;
	case VMBD_ACT_SET_SLEW:
		a->slew_on = act->slew_on;
		a->percent = act->percent;
		break;
	case VMBD_ACT_SKIPPED_VETO:
		skipped(a, act, VMBD_AGENT_SKIP_VETO);
		break;
	case VMBD_ACT_SKIPPED_DISALLOWED:
		skipped(a, act, VMBD_AGENT_SKIP_DISALLOWED);
		break;
	default:
		/* STATE_CHANGE, CAPABILITIES, RESYNC_UNSUPPORTED: RPCI and
		 * the guest's own business. */
		emit(a, &ev);
		break;
	}
}

int vmbd_agent_set_local(struct vmbd_agent *a,
			 const struct vmbd_policy_local *local,
			 int64_t now_mono_ns)
{
	struct vmbd_policy_result res;
	size_t i;
	int rc;

	if (a == NULL)
		return VMBD_EINVAL;
	rc = vmbd_policy_set_local(&a->policy, local, now_mono_ns, &res);
	if (rc != VMBD_OK)
		return rc;
	/* LOOP_STOP / LOOP_START: the clock back to nominal, the loop's
	 * first sync at once, as when the host starts or stops it. */
	for (i = 0; i < res.n_actions; i++)
		perform(a, &res, &res.actions[i]);
	return VMBD_OK;
}

int vmbd_agent_command(struct vmbd_agent *a, const char *cmd, size_t len,
		       int64_t now_mono_ns, struct vmbd_policy_result *res)
{
	struct vmbd_agent_event ev = {.type = VMBD_AGENT_EV_TCLO, .cmd = cmd,
				      .cmd_len = len};
	struct vmbd_policy_result local;
	size_t i;

	if (res == NULL)
		res = &local;
	if (a == NULL || (cmd == NULL && len > 0)) {
		memset(res, 0, sizeof(*res));
		return VMBD_EINVAL;
	}
	a->stats.commands++;
	emit(a, &ev);
	vmbd_policy_feed(&a->policy, cmd, len, now_mono_ns, res);
	for (i = 0; i < res->n_actions; i++)
		perform(a, res, &res->actions[i]);
	memcpy(a->reply, res->reply, res->reply_len);
	a->reply_len = res->reply_len;
	ev.type = VMBD_AGENT_EV_REPLY;
	ev.reply = a->reply;
	ev.reply_len = a->reply_len;
	emit(a, &ev);
	return VMBD_OK;
}

int vmbd_agent_poll(struct vmbd_agent *a, struct vmbd_tclo *t, char *cmd,
		    size_t size, int64_t now_mono_ns, int64_t *wake_ns)
{
	size_t reply_len, len = 0;
	int64_t due, wake;
	int rc;

	if (wake_ns != NULL)
		*wake_ns = now_mono_ns;
	if (a == NULL || t == NULL || cmd == NULL || size == 0 ||
	    wake_ns == NULL)
		return VMBD_EINVAL;
	wake = now_mono_ns + a->poll_idle_ns;
	*wake_ns = wake;
	/* The reply goes out with this poll whatever happens next. */
	reply_len = a->reply_len;
	a->reply_len = 0;
	a->stats.polls++;
	rc = vmbd_tclo_poll(t, a->reply, reply_len, cmd, size, &len);
	if (rc == VMBD_OK && len > 0) {
		vmbd_agent_command(a, cmd, len, now_mono_ns, NULL);
		*wake_ns = now_mono_ns; /* poll again at once: the reply */
		return VMBD_OK;
	}
	if (rc != VMBD_OK && rc != VMBD_ENOMSG && rc != VMBD_ENOSPC)
		return rc;
	vmbd_agent_tick(a, now_mono_ns, &due);
	if (due < wake)
		*wake_ns = due;
	return rc == VMBD_ENOSPC ? VMBD_ENOSPC : VMBD_OK;
}

int vmbd_agent_step(struct vmbd_agent *a, struct vmbd_tclo *t, char *cmd,
		    size_t size, int64_t now_mono_ns, int64_t *wake_ns)
{
	int64_t due;
	int rc;

	if (wake_ns != NULL)
		*wake_ns = now_mono_ns;
	if (a == NULL || t == NULL || cmd == NULL || size == 0 ||
	    wake_ns == NULL)
		return VMBD_EINVAL;
	if (now_mono_ns >= a->next_poll_ns) {
		rc = vmbd_agent_poll(a, t, cmd, size, now_mono_ns, wake_ns);
		/* A command: poll again at once (its reply goes with it);
		 * otherwise an idle interval from this poll, whatever the
		 * loop's wake. */
		a->next_poll_ns = *wake_ns <= now_mono_ns && rc == VMBD_OK
					  ? now_mono_ns
					  : now_mono_ns + a->poll_idle_ns;
		return rc;
	}
	/* Woken for a loop sync between polls: no TCLO poll needed. */
	vmbd_agent_tick(a, now_mono_ns, &due);
	*wake_ns = due < a->next_poll_ns ? due : a->next_poll_ns;
	return VMBD_OK;
}

/* ---- names ------------------------------------------------------------- */

struct agent_name {
	int value;
	const char *name;
};

static const char *lookup(const struct agent_name *t, size_t n, int value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return "?";
}

#define LOOKUP(table, v) lookup(table, sizeof(table) / sizeof(table[0]), v)

static const struct agent_name cause_names[] = {
	{VMBD_AGENT_CAUSE_HOST_REQUEST, "host-request"},
	{VMBD_AGENT_CAUSE_STARTUP, "startup"},
	{VMBD_AGENT_CAUSE_LOOP_ENABLE, "loop-enable"},
	{VMBD_AGENT_CAUSE_LOOP, "loop"},
	{VMBD_AGENT_CAUSE_LOCAL, "local"},
};

static const struct agent_name skip_names[] = {
	{VMBD_AGENT_SKIP_VETO, "veto"},
	{VMBD_AGENT_SKIP_DISALLOWED, "host-disallowed"},
	{VMBD_AGENT_SKIP_EXTERNAL, "external-clock"},
};

static const struct agent_name in_sync_texts[] = {
	{VMBD_AGENT_WITHIN_LAG, "within the host's max lag"},
	{VMBD_AGENT_AHEAD_NO_BACKWARD, "guest ahead; backward step not allowed"},
	{VMBD_AGENT_AHEAD_LOOP, "guest ahead; the loop never steps back"},
};

const char *vmbd_agent_cause_name(int cause)
{
	return LOOKUP(cause_names, cause);
}

const char *vmbd_agent_skip_name(int skip)
{
	return LOOKUP(skip_names, skip);
}

const char *vmbd_agent_in_sync_text(int in_sync)
{
	return LOOKUP(in_sync_texts, in_sync);
}
