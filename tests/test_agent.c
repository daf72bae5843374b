/*
 * The time-sync agent (agent.h) on the simulator: what one poll costs in
 * backdoor calls, that a command's reply goes out with the next poll,
 * the one-shot and loop syncs with their events, STOPCATCHUP after a
 * step, sync failure replies, the external-clock mode, and the names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/vmbackdoor.h>

#define NS_PER_S INT64_C(1000000000)
#define NS_PER_MS INT64_C(1000000)
#define MAX_EVENTS 64

struct rig {
	struct vmbd_sim *sim;
	struct vmbd_ctx ctx;
	struct vmbd_clock clock;
	struct vmbd_tclo tclo;
	struct vmbd_agent agent;
	char cmd[256];
	struct vmbd_agent_event ev[MAX_EVENTS];
	struct vmbd_policy_action act[MAX_EVENTS]; /* ev[i].action, kept */
	unsigned n_ev;
};

static void record(void *arg, const struct vmbd_agent_event *ev)
{
	struct rig *r = arg;

	assert_true(r->n_ev < MAX_EVENTS);
	r->ev[r->n_ev] = *ev;
	/* Pointers in an event are valid only during the callback. */
	if (ev->action != NULL) {
		r->act[r->n_ev] = *ev->action;
		r->ev[r->n_ev].action = &r->act[r->n_ev];
	}
	r->ev[r->n_ev].cmd = NULL;
	r->ev[r->n_ev].reply = NULL;
	r->n_ev++;
}

static int setup(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->sim = calloc(1, vmbd_sim_size());
	assert_non_null(r->sim);
	vmbd_sim_init(r->sim);
	assert_int_equal(vmbd_ctx_init(&r->ctx, vmbd_sim_io_ops(), r->sim), 0);
	assert_int_equal(vmbd_clock_init(&r->clock, vmbd_clock_sim(), r->sim), 0);
	assert_int_equal(vmbd_tclo_open(&r->tclo, &r->ctx, 0), 0);
	assert_int_equal(vmbd_agent_init(&r->agent, &r->ctx, &r->clock,
					 &r->clock, NULL), 0);
	vmbd_agent_set_events(&r->agent, record, r);
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct rig *r = *state;

	free(r->sim);
	free(r);
	return 0;
}

static void push(struct rig *r, const char *cmd)
{
	assert_int_equal(vmbd_sim_tclo_push(r->sim, cmd, strlen(cmd)), 0);
}

/* Poll until the host queue is empty and the last reply went out. */
static void drain(struct rig *r)
{
	int64_t now = vmbd_sim_now(r->sim), wake = now;
	int guard = 0;

	do {
		assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
						 sizeof(r->cmd), now, &wake), 0);
		assert_true(++guard < 100);
	} while (wake <= now);
}

static const struct vmbd_agent_event *find(struct rig *r, int type,
					   unsigned nth)
{
	unsigned i;

	for (i = 0; i < r->n_ev; i++)
		if (r->ev[i].type == type && nth-- == 0)
			return &r->ev[i];
	return NULL;
}

static const struct vmbd_sim_tclo_record *last_record(struct rig *r)
{
	unsigned n = vmbd_sim_tclo_record_count(r->sim);

	assert_true(n > 0);
	return vmbd_sim_tclo_record(r->sim, n - 1);
}

static void test_init_rejects_null(void **state)
{
	struct rig *r = *state;
	struct vmbd_agent a;
	int64_t wake = 0;

	assert_int_equal(vmbd_agent_init(NULL, &r->ctx, &r->clock, &r->clock,
					 NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_agent_init(&a, NULL, &r->clock, &r->clock, NULL),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_agent_init(&a, &r->ctx, NULL, &r->clock, NULL),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_agent_init(&a, &r->ctx, &r->clock, NULL, NULL),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_agent_poll(&r->agent, NULL, r->cmd, 8, 0, &wake),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd, 0, 0,
					 &wake), VMBD_EINVAL);
	assert_int_equal(vmbd_agent_command(&r->agent, NULL, 3, 0, NULL),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_agent_tick(NULL, 0, &wake), VMBD_EINVAL);
	assert_int_equal(wake, VMBD_POLICY_NEVER);
	assert_int_equal(vmbd_agent_sync_once(NULL, 0, 0), VMBD_EINVAL);
	vmbd_agent_nominal(NULL);
	vmbd_agent_drop_reply(NULL);
	vmbd_agent_set_external_clock(NULL, 1);
	vmbd_agent_set_events(NULL, NULL, NULL);
	/* Nothing but the channel's OPEN reached the host. */
	assert_int_equal(r->sim->calls_total, 1);
}

/* The protocol's minimum: SENDSIZE of the empty reply and RECVSIZE; with
 * a host that says "nothing" as DORECV + length 0, RECVSTATUS too. */
static void test_idle_poll_costs(void **state)
{
	struct rig *r = *state;
	uint64_t before = r->sim->calls_total;
	int64_t wake = 0;

	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), 5 * NS_PER_S, &wake), 0);
	assert_int_equal(r->sim->calls_total - before, 2);
	assert_int_equal(wake, 5 * NS_PER_S + VMBD_AGENT_POLL_IDLE_NS);

	r->sim->rpc.tclo_empty_dorecv = 1;
	before = r->sim->calls_total;
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), 6 * NS_PER_S, &wake), 0);
	assert_int_equal(r->sim->calls_total - before, 3);
	assert_int_equal(wake, 6 * NS_PER_S + VMBD_AGENT_POLL_IDLE_NS);
	assert_int_equal(r->agent.stats.polls, 2);
	assert_int_equal(r->n_ev, 0);
}

static void test_poll_interval(void **state)
{
	struct rig *r = *state;
	static const int64_t bad[] = {INT64_MIN, -1, 0,
				      VMBD_AGENT_POLL_MIN_NS - 1,
				      VMBD_AGENT_POLL_MAX_NS + 1, INT64_MAX};
	int64_t wake = 0;
	size_t i;

	assert_int_equal(vmbd_agent_set_poll_interval(NULL, NS_PER_S),
			 VMBD_EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vmbd_agent_set_poll_interval(&r->agent, bad[i]),
				 VMBD_EINVAL);
	/* Refused values left the default in place. */
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), NS_PER_S, &wake), 0);
	assert_int_equal(wake, NS_PER_S + VMBD_AGENT_POLL_IDLE_NS);

	assert_int_equal(vmbd_agent_set_poll_interval(&r->agent,
						      100 * NS_PER_MS), 0);
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), 2 * NS_PER_S, &wake), 0);
	assert_int_equal(wake, 2 * NS_PER_S + 100 * NS_PER_MS);
	assert_int_equal(vmbd_agent_set_poll_interval(&r->agent,
						      VMBD_AGENT_POLL_MIN_NS), 0);
	assert_int_equal(vmbd_agent_set_poll_interval(&r->agent,
						      VMBD_AGENT_POLL_MAX_NS), 0);
}

/* The default interval's promise (agent.h): a command the host queues
 * just after an idle poll is answered within VMBD_AGENT_REPLY_LATENCY_NS,
 * with the calls that fetch it and carry the reply costing simulated
 * time (far more per call than the 2 us a real VM exit takes). */
static void test_worst_reply_latency(void **state)
{
	struct rig *r = *state;
	int64_t wake = 0, queued, now;
	unsigned replies;
	int guard = 0;

	r->sim->call_cost_ns = 20000; /* 20 us per backdoor call */
	now = vmbd_sim_now(r->sim);
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), now, &wake), 0);
	assert_true(wake > vmbd_sim_now(r->sim));
	queued = vmbd_sim_now(r->sim); /* just after the idle poll asked */
	push(r, "Set_Option synctime 0");
	replies = (unsigned)r->sim->rpc.tclo_replies;
	while ((unsigned)r->sim->rpc.tclo_replies == replies) {
		assert_true(++guard < 10);
		if (wake > vmbd_sim_now(r->sim))
			vmbd_sim_advance_to(r->sim, wake);
		now = vmbd_sim_now(r->sim);
		assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
						 sizeof(r->cmd), now, &wake), 0);
	}
	assert_string_equal(last_record(r)->reply, "OK ");
	assert_true(vmbd_sim_now(r->sim) - queued <= VMBD_AGENT_REPLY_LATENCY_NS);
	/* ... and it did wait (almost) a whole interval. */
	assert_true(vmbd_sim_now(r->sim) - queued >=
		    VMBD_AGENT_POLL_IDLE_NS - NS_PER_MS);
}

/* vmbd_agent_step(), the daemon's schedule: polls when a poll is due,
 * runs a loop sync that falls between polls without any TCLO call, and
 * polls at once after a command and after a new channel. */
static void test_step_schedule(void **state)
{
	struct rig *r = *state;
	const int64_t idle = VMBD_AGENT_POLL_IDLE_NS;
	int64_t wake = -1, t0, t, due;
	uint64_t calls, reads;

	assert_int_equal(vmbd_agent_step(NULL, &r->tclo, r->cmd, 8, 0, &wake),
			 VMBD_EINVAL);
	assert_int_equal(wake, 0);
	assert_int_equal(vmbd_agent_step(&r->agent, &r->tclo, r->cmd, 8, 0,
					 NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_agent_step(&r->agent, &r->tclo, NULL, 8, 0,
					 &wake), VMBD_EINVAL);
	assert_int_equal(r->agent.stats.polls, 0);

	/* Loop on, period 7 s; the commands arrive with the first poll. */
	push(r, "Set_Option synctime.period 7");
	push(r, "Set_Option synctime 1");
	t0 = vmbd_sim_now(r->sim);
	t = t0;
	do { /* one poll per command and one to send the last reply */
		assert_int_equal(vmbd_agent_step(&r->agent, &r->tclo, r->cmd,
						 sizeof(r->cmd), t, &wake), 0);
	} while (wake == t && r->agent.stats.polls < 10);
	assert_int_equal(r->agent.stats.polls, 3);
	assert_int_equal(wake, t0 + idle); /* the loop is due in 7 s */

	/* Idle polls every interval until the loop sync falls between two:
	 * that wake runs the sync and no TCLO poll. */
	while (wake < t0 + 7 * NS_PER_S) {
		t = wake;
		vmbd_sim_advance_to(r->sim, t);
		assert_int_equal(vmbd_agent_step(&r->agent, &r->tclo, r->cmd,
						 sizeof(r->cmd), t, &wake), 0);
	}
	assert_int_equal(r->agent.stats.polls, 3 + 7);
	assert_int_equal(wake, t0 + 7 * NS_PER_S);
	vmbd_sim_advance_to(r->sim, wake);
	calls = r->sim->calls_total;
	reads = r->sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL_WITH_LAG];
	assert_int_equal(vmbd_agent_step(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), wake, &wake), 0);
	assert_int_equal(r->agent.stats.polls, 3 + 7);
	assert_true(r->sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL_WITH_LAG] > reads);
	assert_int_equal(r->sim->calls_total - calls,
			 r->sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL_WITH_LAG] -
				 reads);
	/* Next: the poll on the grid (polls were at t0 + 1..7 intervals), not
	 * a poll an interval after the sync. */
	assert_int_equal(wake, t0 + 8 * idle);
	assert_int_equal(vmbd_agent_tick(&r->agent, vmbd_sim_now(r->sim), &due),
			 0);
	assert_true(due >= t0 + 14 * NS_PER_S - NS_PER_MS);

	/* A new channel: the next step polls at once. */
	vmbd_agent_drop_reply(&r->agent);
	t = vmbd_sim_now(r->sim);
	assert_int_equal(vmbd_agent_step(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), t, &wake), 0);
	assert_int_equal(r->agent.stats.polls, 3 + 8);
	assert_int_equal(wake, t + idle);
}

static void test_reply_goes_with_next_poll(void **state)
{
	struct rig *r = *state;
	int64_t wake = -1;

	push(r, "ping");
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), NS_PER_S, &wake), 0);
	assert_int_equal(wake, NS_PER_S); /* at once */
	assert_int_equal(vmbd_sim_tclo_record_count(r->sim), 0);
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), NS_PER_S, &wake), 0);
	assert_int_equal(wake, NS_PER_S + VMBD_AGENT_POLL_IDLE_NS);
	assert_string_equal(last_record(r)->cmd, "ping");
	assert_string_equal(last_record(r)->reply, "OK ");
	assert_int_equal(r->n_ev, 2);
	assert_int_equal(r->ev[0].type, VMBD_AGENT_EV_TCLO);
	assert_int_equal(r->ev[0].cmd_len, 4);
	assert_int_equal(r->ev[1].type, VMBD_AGENT_EV_REPLY);
	assert_int_equal(r->ev[1].reply_len, 3);
	assert_int_equal(r->agent.stats.commands, 1);

	/* A reply dropped (new channel) is not sent. */
	push(r, "reset");
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), NS_PER_S, &wake), 0);
	vmbd_agent_drop_reply(&r->agent);
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
					 sizeof(r->cmd), NS_PER_S, &wake), 0);
	assert_string_equal(last_record(r)->cmd, "reset");
	assert_int_equal(last_record(r)->reply_len, 0);
}

static void test_command_too_large(void **state)
{
	struct rig *r = *state;
	char big[200];
	int64_t wake = 0;

	memset(big, 'x', sizeof(big));
	assert_int_equal(vmbd_sim_tclo_push(r->sim, big, sizeof(big)), 0);
	assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd, 64,
					 NS_PER_S, &wake), VMBD_ENOSPC);
	assert_int_equal(wake, NS_PER_S + VMBD_AGENT_POLL_IDLE_NS);
	assert_int_equal(r->n_ev, 0);
}

static void test_one_shot_backward_step_and_stopcatchup(void **state)
{
	struct rig *r = *state;
	const struct vmbd_agent_event *e;

	vmbd_sim_guest_step(r->sim, 3 * NS_PER_S); /* guest 3 s ahead */
	push(r, "Time_Synchronize 0");
	drain(r);
	e = find(r, VMBD_AGENT_EV_IN_SYNC, 0);
	assert_non_null(e);
	assert_int_equal(e->in_sync, VMBD_AGENT_AHEAD_NO_BACKWARD);
	assert_int_equal(e->cause, VMBD_AGENT_CAUSE_HOST_REQUEST);
	assert_int_equal(r->sim->stopcatchup_count, 0);

	push(r, "Time_Synchronize 1");
	drain(r);
	e = find(r, VMBD_AGENT_EV_STEP, 0);
	assert_non_null(e);
	assert_true(e->backward);
	assert_true(e->delta_ns < -2999 * NS_PER_MS &&
		    e->delta_ns > -3001 * NS_PER_MS);
	assert_true(e->offset_ns > -NS_PER_MS && e->offset_ns < NS_PER_MS);
	assert_int_equal(r->sim->stopcatchup_count, 1);
	assert_int_equal(r->agent.stats.steps, 1);
	assert_int_equal(r->agent.stats.backward_steps, 1);
	assert_string_equal(last_record(r)->reply, "OK ");
}

static void test_sync_failure_reply(void **state)
{
	struct rig *r = *state;
	const struct vmbd_agent_event *e;

	assert_int_equal(vmbd_sim_set_command(r->sim,
					      VMBD_CMD_GETTIMEFULL_WITH_LAG, 0), 0);
	assert_int_equal(vmbd_sim_set_command(r->sim, VMBD_CMD_GETTIMEFULL, 0), 0);
	assert_int_equal(vmbd_sim_set_command(r->sim, VMBD_CMD_GETTIME, 0), 0);
	push(r, "Time_Synchronize 1");
	drain(r);
	e = find(r, VMBD_AGENT_EV_SYNC_FAILED, 0);
	assert_non_null(e);
	assert_int_equal(e->rc, VMBD_EUNSUPPORTED);
	assert_string_equal(last_record(r)->reply, "ERROR Unable to sync time");
	assert_int_equal(r->agent.stats.sync_failures, 1);
}

static void test_external_clock_changes_nothing(void **state)
{
	struct rig *r = *state;
	const struct vmbd_agent_event *e;
	int64_t due;

	vmbd_agent_set_external_clock(&r->agent, 1);
	vmbd_sim_guest_step(r->sim, -5 * NS_PER_S);
	push(r, "Time_Synchronize 1");
	push(r, "Set_Option synctime 1");
	drain(r);
	e = find(r, VMBD_AGENT_EV_SKIPPED, 0);
	assert_non_null(e);
	assert_int_equal(e->skip, VMBD_AGENT_SKIP_EXTERNAL);
	assert_true(e->backward);
	assert_int_equal(vmbd_agent_tick(&r->agent, vmbd_sim_now(r->sim), &due),
			 0);
	assert_int_equal(r->agent.stats.steps, 0);
	assert_int_equal(r->agent.stats.syncs, 0);
	assert_int_equal(vmbd_sim_guest_now(r->sim) - vmbd_sim_host_now(r->sim),
			 -5 * NS_PER_S);
}

/* The loop on a guest running 200 ppm fast: slews with the estimator's
 * frequency, sync due every period, back to nominal on stop. */
static void test_loop_slews_and_learns(void **state)
{
	struct rig *r = *state;
	const struct vmbd_agent_event *e;
	int64_t now, due = 0, wake;
	int i;

	vmbd_sim_guest_set_drift(r->sim, 200000);
	push(r, "Set_Option synctime 1");
	push(r, "Set_Option time.synchronize.tools.slewCorrection 1");
	drain(r);
	assert_non_null(find(r, VMBD_AGENT_EV_LOOP_START, 0));
	for (i = 0; i < 30 * 60; i++) {
		now = vmbd_sim_now(r->sim);
		assert_int_equal(vmbd_agent_poll(&r->agent, &r->tclo, r->cmd,
						 sizeof(r->cmd), now, &wake), 0);
		vmbd_sim_advance_to(r->sim, wake);
		if (r->n_ev > MAX_EVENTS - 4)
			r->n_ev = 2; /* keep the first events */
	}
	assert_int_equal(vmbd_agent_tick(&r->agent, vmbd_sim_now(r->sim), &due),
			 0);
	assert_true(due > vmbd_sim_now(r->sim) &&
		    due <= vmbd_sim_now(r->sim) + 60 * NS_PER_S);
	e = find(r, VMBD_AGENT_EV_SLEW, 0);
	assert_non_null(e);
	assert_int_equal(e->period_ns, 60 * NS_PER_S);
	assert_int_equal(e->cause, VMBD_AGENT_CAUSE_LOOP);
	assert_true(r->agent.stats.slews >= 29);
	/* Learned: the correction cancels the drift to within 1 ppm, and the
	 * guest is within 1 ms after half an hour. */
	assert_true(r->sim->guest_freq_ppb < -199000 &&
		    r->sim->guest_freq_ppb > -201000);
	now = vmbd_sim_guest_now(r->sim) - vmbd_sim_host_now(r->sim);
	assert_true(now > -NS_PER_MS && now < NS_PER_MS);

	r->n_ev = 0;
	push(r, "Set_Option synctime 0");
	drain(r);
	assert_non_null(find(r, VMBD_AGENT_EV_LOOP_STOP, 0));
	assert_int_equal(r->sim->guest_freq_ppb, 0);
	assert_int_equal(r->agent.est.freq_ppb, 0);
	assert_int_equal(vmbd_agent_tick(&r->agent, vmbd_sim_now(r->sim), &due),
			 0);
	assert_int_equal(due, VMBD_POLICY_NEVER);
}

/* Run the daemon's schedule for secs seconds of virtual time. */
static void run_for(struct rig *r, int secs)
{
	int64_t end = vmbd_sim_now(r->sim) + (int64_t)secs * NS_PER_S;
	int64_t now, wake;

	while ((now = vmbd_sim_now(r->sim)) < end) {
		assert_int_equal(vmbd_agent_step(&r->agent, &r->tclo, r->cmd,
						 sizeof(r->cmd), now, &wake), 0);
		vmbd_sim_advance_to(r->sim, wake > end ? end : wake);
		if (r->n_ev > MAX_EVENTS - 4)
			r->n_ev = 0;
	}
}

/* A slewing loop whose slew becomes impossible (the host turns
 * slewCorrection off, or stops reporting the interrupt lag) goes back to
 * the nominal rate at its next sync, as open-vm-tools' TimeSyncDoSyncWork
 * (TimeSyncSetSlewState(apparentErrorValid && slewCorrection)). The real
 * Linux clock keeps a changed tick until told otherwise: left alone it
 * would run fast or slow for ever, and the loop never steps back. */
static void test_loop_without_slew_goes_nominal(void **state)
{
	struct rig *r = *state;
	int how;

	for (how = 0; how < 2; how++) {
		vmbd_sim_init(r->sim);
		assert_int_equal(vmbd_tclo_open(&r->tclo, &r->ctx, 0), 0);
		assert_int_equal(vmbd_agent_init(&r->agent, &r->ctx, &r->clock,
						 &r->clock, NULL), 0);
		vmbd_agent_set_events(&r->agent, record, r);
		vmbd_sim_guest_set_drift(r->sim, 200000);
		push(r, "Set_Option synctime 1");
		push(r, "Set_Option time.synchronize.tools.slewCorrection 1");
		run_for(r, 10 * 60);
		assert_true(r->agent.slewing);
		assert_true(r->sim->guest_freq_ppb != 0);
		if (how == 0)
			push(r, "Set_Option time.synchronize.tools.slewCorrection 0");
		else
			assert_int_equal(vmbd_sim_set_command(
				r->sim, VMBD_CMD_GETTIMEFULL_WITH_LAG, 0), 0);
		run_for(r, 61);
		assert_false(r->agent.slewing);
		assert_int_equal(r->sim->guest_freq_ppb, 0);
		assert_int_equal(r->sim->guest_slew_ns, 0);
		assert_int_equal(r->agent.est.freq_ppb, 0);
	}
}

/* A one-shot step while the loop slews cancels the offset still being
 * slewed (it was measured before the step and would put the error back)
 * and the estimator's history (the step is no rate), as a loop step does
 * and as open-vm-tools' TimeSyncStepTime resets the slew. */
static void test_one_shot_step_cancels_the_slew(void **state)
{
	struct rig *r = *state;
	int64_t freq, off;

	vmbd_sim_guest_set_drift(r->sim, 200000);
	push(r, "Set_Option synctime 1");
	push(r, "Set_Option time.synchronize.tools.slewCorrection 1");
	run_for(r, 10 * 60);
	assert_true(r->agent.slewing);
	/* Guest 100 ms ahead: the next loop sync slews 50 ms back. */
	vmbd_sim_guest_step(r->sim, 100 * NS_PER_MS);
	vmbd_sim_advance_to(r->sim, r->agent.policy.next_due_ns);
	assert_int_equal(vmbd_agent_tick(&r->agent, vmbd_sim_now(r->sim),
					 NULL), 0);
	assert_true(r->sim->guest_slew_ns < -40 * NS_PER_MS);
	freq = r->sim->guest_freq_ppb;
	push(r, "Time_Synchronize 1");
	drain(r);
	assert_int_equal(r->agent.stats.backward_steps, 1);
	assert_int_equal(r->sim->guest_slew_ns, 0);
	assert_int_equal(r->sim->guest_freq_ppb, freq);
	assert_false(r->agent.est.have_last);
	off = vmbd_sim_guest_now(r->sim) - vmbd_sim_host_now(r->sim);
	assert_true(off > -NS_PER_MS && off < NS_PER_MS);
}

static void test_nominal_resets_the_clock(void **state)
{
	struct rig *r = *state;

	vmbd_agent_nominal(&r->agent); /* nothing in effect: no clock call */
	r->agent.slewing = 1;
	vmbd_sim_guest_set_freq(r->sim, 1234);
	vmbd_agent_nominal(&r->agent);
	assert_int_equal(r->sim->guest_freq_ppb, 0);
	assert_int_equal(r->agent.slewing, 0);
}

/* A veto changed at run time stops a slewing loop and puts the clock back
 * to nominal; lifting it restarts the host's loop, first sync at once. */
static void test_set_local_at_run_time(void **state)
{
	struct rig *r = *state;
	const struct vmbd_policy_local periodic_off = {0, 1, 0};
	int64_t now, wake, due = 0;
	uint64_t syncs;
	int i;

	assert_int_equal(vmbd_agent_set_local(NULL, NULL, 0), VMBD_EINVAL);
	vmbd_sim_guest_set_drift(r->sim, 200000);
	push(r, "Set_Option synctime 1");
	push(r, "Set_Option time.synchronize.tools.slewCorrection 1");
	drain(r);
	for (i = 0; i < 5 * 60; i++) {
		now = vmbd_sim_now(r->sim);
		assert_int_equal(vmbd_agent_step(&r->agent, &r->tclo, r->cmd,
						 sizeof(r->cmd), now, &wake), 0);
		vmbd_sim_advance_to(r->sim, wake);
	}
	assert_true(r->agent.slewing);
	assert_true(r->sim->guest_freq_ppb != 0);

	r->n_ev = 0;
	now = vmbd_sim_now(r->sim);
	assert_int_equal(vmbd_agent_set_local(&r->agent, &periodic_off, now), 0);
	assert_non_null(find(r, VMBD_AGENT_EV_LOOP_STOP, 0));
	assert_int_equal(r->sim->guest_freq_ppb, 0);
	assert_int_equal(r->agent.slewing, 0);
	assert_int_equal(vmbd_agent_tick(&r->agent, now, &due), 0);
	assert_int_equal(due, VMBD_POLICY_NEVER);

	r->n_ev = 0;
	syncs = r->agent.stats.syncs;
	assert_int_equal(vmbd_agent_set_local(&r->agent, NULL, now), 0);
	assert_non_null(find(r, VMBD_AGENT_EV_LOOP_START, 0));
	assert_int_equal(vmbd_agent_tick(&r->agent, now, &due), 0);
	assert_int_equal(r->agent.stats.syncs, syncs + 1); /* at once */
	assert_true(due > now);
}

static void test_other_actions_reach_the_caller(void **state)
{
	struct rig *r = *state;
	const struct vmbd_agent_event *e;

	push(r, "OS_Resume");
	drain(r);
	e = find(r, VMBD_AGENT_EV_ACTION, 0);
	assert_non_null(e);
	assert_int_equal(e->action->type, VMBD_ACT_STATE_CHANGE);
	assert_int_equal(e->action->os_state, VMBD_OS_RESUME);
	assert_int_equal(r->agent.stats.steps, 0);
}

static void test_command_fills_result(void **state)
{
	struct rig *r = *state;
	struct vmbd_policy_result res;

	assert_int_equal(vmbd_agent_command(&r->agent, "Set_Option synctime 1",
					    21, 0, &res), 0);
	assert_int_equal(res.n_actions, 1);
	assert_int_equal(res.actions[0].type, VMBD_ACT_LOOP_START);
	assert_memory_equal(r->agent.reply, "OK ", 3);
	assert_int_equal(r->agent.reply_len, 3);
}

static void test_sync_once_local(void **state)
{
	struct rig *r = *state;
	const struct vmbd_agent_event *e;

	vmbd_sim_guest_step(r->sim, -2 * NS_PER_S);
	assert_int_equal(vmbd_agent_sync_once(&r->agent, 0,
					      VMBD_AGENT_CAUSE_LOCAL), 0);
	e = find(r, VMBD_AGENT_EV_STEP, 0);
	assert_non_null(e);
	assert_int_equal(e->cause, VMBD_AGENT_CAUSE_LOCAL);
	assert_false(e->backward);
	vmbd_sim_guest_step(r->sim, 10 * NS_PER_MS);
	assert_int_equal(vmbd_agent_sync_once(&r->agent, 0,
					      VMBD_AGENT_CAUSE_LOCAL), 0);
	e = find(r, VMBD_AGENT_EV_IN_SYNC, 0);
	assert_non_null(e);
	assert_int_equal(e->in_sync, VMBD_AGENT_AHEAD_NO_BACKWARD);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(vmbd_agent_cause_name(VMBD_AGENT_CAUSE_HOST_REQUEST),
			    "host-request");
	assert_string_equal(vmbd_agent_cause_name(VMBD_AGENT_CAUSE_LOOP), "loop");
	assert_string_equal(vmbd_agent_cause_name(VMBD_AGENT_CAUSE_LOCAL),
			    "local");
	assert_string_equal(vmbd_agent_cause_name(999), "?");
	assert_string_equal(vmbd_agent_skip_name(VMBD_AGENT_SKIP_EXTERNAL),
			    "external-clock");
	assert_string_equal(vmbd_agent_skip_name(0), "?");
	assert_string_equal(vmbd_agent_in_sync_text(VMBD_AGENT_WITHIN_LAG),
			    "within the host's max lag");
	assert_string_equal(vmbd_agent_in_sync_text(-1), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_rejects_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_poll_costs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worst_reply_latency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_schedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_goes_with_next_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_shot_backward_step_and_stopcatchup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_failure_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_clock_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_slews_and_learns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_without_slew_goes_nominal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_shot_step_cancels_the_slew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nominal_resets_the_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_local_at_run_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_actions_reach_the_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_fills_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_once_local, setup, teardown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
