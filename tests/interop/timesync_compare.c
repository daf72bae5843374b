/*
 * Debian's vmtoolsd (timeSync plugin only) against our policy engine and
 * time-sync decision, and against vmbd-time itself (issue 7, point 3).
 *
 * For each scenario a fresh vmtoolsd runs under the trap harness against
 * the simulator, with the host clock `offset` ahead of the guest (the real
 * clock, never changed: the child's corrections move the simulated host
 * instead, see trap_sim.h). The scenario's TCLO commands are queued one at
 * a time; for each, the reply vmtoolsd sends and the clock calls it makes
 * (steps, ADJ_TICK slews) are compared with what vmbd_policy_feed() and
 * vmbd_ts_decide() decide for the same command and the same host/guest
 * offset. Waits let the periodic loop tick (vmbd_policy_tick() on our
 * side). Windows close on events, never on a timer being punctual: a
 * command's at vmtoolsd's next TCLO poll after its reply, a wait's (when
 * our loop has a tick due) once vmtoolsd's tick has read the host time
 * and it has polled again; so a loaded machine makes the test slower,
 * not flaky. A reply that differs must be one of the deliberate differences
 * below (also listed in tests/interop/README.md); any other difference,
 * and any clock disagreement, fails.
 *
 * Each scenario is also played to the vmbd-time program (`daemon --sim
 * --script FILE --json`: TCLO poll, policy, sampler with the frequency
 * estimator, decision, simulated guest clock, STOPCATCHUP), as a host
 * script with the same start offset, commands and host steps, in virtual
 * time (timesync_vmbd_time.c). Its reply to each command and its clock
 * actions in each step's window are held to the same rules: equal to
 * vmtoolsd's, or a row of the deliberate differences.
 *
 * usage: vmbd-interop-timesync --vmbd-time PATH [SCENARIO-NAME...]
 * Exit 0 pass, 1 fail, 77 skipped (no vmtoolsd/timeSync plugin, no ptrace).
 */
#include "timesync_compare.h"
#include "trap.h"
#include "trap_sim.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vmbackdoor/policy.h>
#include <vmbackdoor/sim.h>
#include <vmbackdoor/timesync.h>

#define SKIP 77
/* Slack between vmtoolsd's reading of the offset and ours: both see the
 * same simulated host, the child a few hundred microseconds later. */
#define STEP_TOLERANCE_NS (50 * NS_PER_MS)
#define TICK_TOLERANCE 3L
#define REPLY_TIMEOUT_MS 5000
#define SETTLE_MS 400
#define START_TIMEOUT_MS 20000
/* How long a loop tick our policy says is due may keep vmtoolsd waiting
 * (its glib timer fires late on a loaded machine: every child syscall
 * stops under ptrace), and how long it may take to get back to its main
 * loop afterwards. Generous bounds on waits for events, not sleeps: a
 * fast machine never waits them out. */
#define TICK_TIMEOUT_MS 15000
#define QUIET_TIMEOUT_MS 5000
#define PUMP_SLICE_MS 20
/* Our loop schedule and vmtoolsd's run from the same command but are
 * read at different moments: a loop sync of ours counts as matching
 * theirs when it is due within this much after theirs happened. */
#define TICK_SLACK_NS (250 * NS_PER_MS)

#define TCLO(c) {S_TCLO, c, 0, NULL}
#define TCLO_DIFF(c, why) {S_TCLO, c, 0, why}
#define WAIT(ms) {S_WAIT_MS, NULL, ms, NULL}
#define HOST(ms) {S_HOST_STEP_MS, NULL, ms, NULL}
#define OPT "Set_Option "
#define TS "time.synchronize.tools."

struct scenario {
	const char *name;
	int64_t offset_ms;      /* host - guest at start */
	struct step steps[MAX_STEPS];
};

/*
 * Together the scenarios cover every action type: step forward, step
 * backward, slew, none (see the comment on each).
 */
static const struct scenario scenarios[] = {
	{"startup-forward", 5000, { /* step forward: host 5 s ahead */
		TCLO("reset"), TCLO("ping"), TCLO("Capabilities_Register"),
		TCLO(OPT "synctime 0"), TCLO(OPT "synctime.period 60"),
		TCLO(OPT TS "startup.backward 0"), TCLO(OPT TS "startup 1"),
		TCLO(OPT TS "enable 1")}},
	{"startup-backward-allowed", -3000, { /* step backward */
		TCLO("reset"), TCLO(OPT TS "startup.backward 1"),
		TCLO(OPT TS "startup 1")}},
	{"startup-backward-refused", -3000, { /* none: guest ahead */
		TCLO("reset"), TCLO(OPT TS "startup.backward 0"),
		TCLO(OPT TS "startup 1")}},
	{"startup-once-per-process", 5000, { /* forward, then none */
		TCLO("reset"), TCLO(OPT TS "startup 1"), HOST(2000),
		TCLO(OPT TS "startup 1"), TCLO(OPT TS "startup 0")}},
	{"startup-0-uses-the-chance", 4000, { /* none: startup 0 first */
		TCLO("reset"), TCLO(OPT TS "startup 0"), TCLO(OPT TS "startup 1")}},
	{"time-synchronize", -3000, { /* backward, none, forward */
		TCLO("reset"), TCLO("Time_Synchronize 0"), /* ahead: none */
		TCLO("Time_Synchronize 1"),                /* -3 s */
		HOST(500), TCLO("Time_Synchronize 0"),      /* within lag: none */
		HOST(2000), TCLO("Time_Synchronize 0"),     /* +2.5 s */
		HOST(-4000), TCLO("Time_Synchronize 2")}},  /* ahead, 2 = forward only */
	{"loop-steps-forward", 4000, { /* loop: forward steps, no backward */
		TCLO("reset"), TCLO(OPT "synctime.period 2"),
		TCLO(OPT "synctime 1"),          /* starts, syncs at once: +4 s */
		HOST(3000), WAIT(2000),          /* next tick: +3 s */
		HOST(-3000), WAIT(2000),         /* guest ahead: loop never steps back */
		TCLO(OPT "synctime 0")}},
	{"loop-slew", 200, { /* slew: 0.2 s behind, under the 1 s max lag */
		TCLO("reset"), TCLO(OPT TS "slewCorrection 1"),
		TCLO(OPT TS "percentCorrection 50"), TCLO(OPT "synctime.period 2"),
		TCLO(OPT "synctime 1"),          /* tick 10500: 0.1 s over 2 s */
		WAIT(2000),                      /* half corrected: ~10250 */
		TCLO(OPT "synctime 0")}},        /* stop: tick back to nominal */
	{"loop-no-slew-without-option", 200, { /* none */
		TCLO("reset"), TCLO(OPT "synctime.period 2"), TCLO(OPT "synctime 1"),
		WAIT(2000), TCLO(OPT "synctime 0")}},
	{"tools-enable-one-shot", -2000, { /* backward via tools.enable */
		TCLO("reset"), TCLO(OPT "synctime 0"), TCLO(OPT TS "enable 1"),
		TCLO(OPT "synctime.period 60"),
		TCLO(OPT "synctime 1"),          /* stopped -> running: one-shot, backward */
		TCLO(OPT "synctime 0")}},
	{"first-synctime-no-one-shot", -2000, { /* none: loop was initializing */
		TCLO("reset"), TCLO(OPT TS "enable 1"), TCLO(OPT "synctime.period 60"),
		TCLO(OPT "synctime 1"), TCLO(OPT "synctime 0")}},
	{"period-change-restarts-loop", 0, { /* none, then forward */
		TCLO("reset"), TCLO(OPT "synctime.period 60"), TCLO(OPT "synctime 1"),
		HOST(2500), TCLO(OPT "synctime.period 2"), /* restart: sync at once */
		TCLO(OPT "synctime 0")}},
	{"allow-0-suppresses-sync", 3000, { /* forward (theirs), none (ours) */
		TCLO("reset"), TCLO(OPT "time.synchronize.allow 0"),
		TCLO_DIFF("Time_Synchronize 0",
			  "time.synchronize.allow 0: vmtoolsd 12.2 has no handler and"
			  " syncs anyway; we take it as the host forbidding sync"
			  " (policy.h difference 4)"),
		TCLO(OPT "time.synchronize.allow 1"), HOST(2000),
		TCLO("Time_Synchronize 0")}},        /* both: +2 s */
	{"junk-and-unknown", 3000, { /* none: nothing valid asks for a sync */
		TCLO("reset"), TCLO("Frobnicate"), TCLO("Time_Synchronize"),
		TCLO("Time_Synchronize abc"), TCLO(OPT "synctime abc"),
		TCLO(OPT "time.synchronize.allow 0"), TCLO(OPT "no.such.option 1"),
		TCLO(OPT "synctime.period x"), TCLO(OPT TS "slewCorrection yes"),
		TCLO(OPT TS "percentCorrection 0x32"), TCLO("ping")}},
};

#define NSCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/*
 * Replies where we differ from vmtoolsd 12.2 on purpose (policy.h,
 * "DELIBERATE DIFFERENCES"; README.md repeats this table). A row matches
 * when the command starts with cmd and the two replies are exactly these.
 */
struct deliberate {
	const char *cmd;
	const char *theirs;
	const char *ours;
	const char *why;
};

static const struct deliberate deliberate[] = {
	{OPT "synctime abc", "OK ", "ERROR Unknown or invalid option",
	 "invalid boolean: vmtoolsd answers OK to every Set_Option; we reject"
	 " it as its source (toolsRpc.c) intends (policy.h difference 1)"},
	{OPT "synctime.period x", "OK ", "ERROR Unknown or invalid option",
	 "non-number period rejected (policy.h differences 1, 3)"},
	{OPT "no.such.option", "OK ", "ERROR Unknown or invalid option",
	 "unknown option: no handler takes it (policy.h difference 1)"},
	{OPT TS "slewCorrection yes", "OK ", "ERROR Unknown or invalid option",
	 "vmtoolsd takes anything but 0 as on; we accept only 0/1 (policy.h"
	 " difference 2)"},
	{OPT TS "percentCorrection 0x32", "OK ", "ERROR Unknown or invalid option",
	 "vmtoolsd parses numbers with base 0; we accept decimal only"
	 " (policy.h difference 3)"},
};

#define NDELIBERATE (sizeof(deliberate) / sizeof(deliberate[0]))

struct run {
	struct vmbd_sim *sim;
	struct trap_sim ts;
	struct trap *t;
	struct vmbd_policy pol;
	int64_t mono0;
	int failures;
	int deliberate_seen[NDELIBERATE];
	const char *scenario;
	const struct vt_result *vt; /* what vmbd-time did, per step */
	size_t step;                /* the step being compared */
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* --- our side ----------------------------------------------------------- */

/* vmbd_ts_decide() for the host/guest offset the guest saw; add the clock
 * calls it implies to o. */
static int expect_sync(struct run *r, int64_t offset_ns,
		       const struct vmbd_ts_mode *m, struct outcome *o)
{
	struct vmbd_ts_sample s;
	struct vmbd_ts_decision d;
	struct timespec now;
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	memset(&s, 0, sizeof(s));
	s.guest_ns = (int64_t)now.tv_sec * NS_PER_S + now.tv_nsec;
	s.host_ns = s.guest_ns + offset_ns;
	s.max_lag_ns = (int64_t)r->sim->max_lag_us * 1000;
	s.interrupt_lag_ns = (int64_t)r->sim->interrupt_lag_us * 1000;
	s.has_interrupt_lag = 1;
	/* est NULL: proportional slew only, as open-vm-tools (timesync.h);
	 * our frequency estimator needs several periods to say anything. */
	rc = vmbd_ts_decide(&s, m, NULL, &d);
	if (rc != 0)
		return rc;
	if (d.action == VMBD_TS_STEP && o->nstep < 4)
		o->step_ns[o->nstep++] = d.step_ns;
	if (d.action == VMBD_TS_SLEW && o->nslew < 4) {
		long tick = tick_for(d.slew_offset_ns / 1000, d.slew_period_ns / 1000);

		if (tick != TICK_NOMINAL)
			o->tick[o->nslew++] = tick;
	}
	return 0;
}

static void loop_mode(const struct vmbd_policy_tick *tk, struct vmbd_ts_mode *m)
{
	memset(m, 0, sizeof(*m));
	m->loop = 1;
	m->slew_on = tk->slew_on;
	m->percent = tk->percent;
	m->period_s = tk->period_s;
}

/* A periodic sync our policy says is due at mono time now. */
static void expect_tick(struct run *r, int64_t offset_ns, int64_t now,
			struct outcome *o)
{
	struct vmbd_policy_tick tk;
	struct vmbd_ts_mode m;

	if (vmbd_policy_tick(&r->pol, now - r->mono0, &tk) != 0 || !tk.due)
		return;
	loop_mode(&tk, &m);
	expect_sync(r, offset_ns, &m, o);
}

static void expect_actions(struct run *r, const struct vmbd_policy_result *res,
			   int64_t offset_ns, int64_t fed, struct outcome *o)
{
	size_t i;

	for (i = 0; i < res->n_actions; i++) {
		const struct vmbd_policy_action *a = &res->actions[i];

		if (a->type == VMBD_ACT_SYNC_ONCE) {
			struct vmbd_ts_mode m;

			memset(&m, 0, sizeof(m));
			m.backward = a->backward;
			expect_sync(r, offset_ns, &m, o);
		}
	}
	/* LOOP_START / LOOP_PERIOD: the first loop sync is due at once, i.e.
	 * when the command arrived (the schedule counts from there, as
	 * vmtoolsd's timer does). */
	expect_tick(r, offset_ns, fed, o);
}

/* --- their side ---------------------------------------------------------- */

/* The clock calls the child made since event index from. Loop start/stop
 * and steps reset the tick to nominal through adjtimex: not a change. */
static void observed(const struct run *r, unsigned from, struct outcome *o,
		     int64_t *offset_ref, int64_t *when)
{
	unsigned i;
	int first = 1;

	for (i = from; i < r->ts.nevents; i++) {
		const struct trap_clock_event *e = &r->ts.events[i];
		int change = 0;

		if (e->kind == TRAP_CLOCK_SETTIME) {
			if (o->nstep < 4)
				o->step_ns[o->nstep++] = e->step_ns;
			change = 1;
		} else if ((e->tx.modes & ADJ_TICK) && e->tx.tick != TICK_NOMINAL) {
			if (o->nslew < 4)
				o->tick[o->nslew++] = e->tx.tick;
			change = 1;
		}
		if (change && first) {
			*offset_ref = r->ts.offset_before_ns[i];
			if (when)
				*when = e->mono_ns;
			first = 0;
		}
	}
}

static void describe(const struct outcome *o, char *buf, size_t size)
{
	size_t n = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < o->nstep && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%sstep %+.3f s",
				      n ? ", " : "", (double)o->step_ns[i] / 1e9);
	for (i = 0; i < o->nslew && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%sslew tick %ld",
				      n ? ", " : "", o->tick[i]);
	for (i = 0; i < o->nfreq && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%sfrequency %+lld ppb",
				      n ? ", " : "", (long long)o->freq_ppb[i]);
	for (i = 0; i < o->nfail && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%ssync failed", n ? ", " : "");
	if (n == 0)
		snprintf(buf, size, "none");
}

static int same_outcome(const struct outcome *a, const struct outcome *b)
{
	unsigned i;

	if (a->nstep != b->nstep || a->nslew != b->nslew || a->nfreq != b->nfreq ||
	    a->nfail != b->nfail)
		return 0;
	for (i = 0; i < a->nfreq; i++)
		if (a->freq_ppb[i] != b->freq_ppb[i])
			return 0;
	for (i = 0; i < a->nstep; i++) {
		int64_t d = a->step_ns[i] - b->step_ns[i];

		if (d > STEP_TOLERANCE_NS || d < -STEP_TOLERANCE_NS)
			return 0;
	}
	for (i = 0; i < a->nslew; i++) {
		long d = a->tick[i] - b->tick[i];

		if (d > TICK_TOLERANCE || d < -TICK_TOLERANCE)
			return 0;
	}
	return 1;
}

/* --- driving -------------------------------------------------------------- */

static int pump(struct run *r, int ms)
{
	int rc = trap_run(r->t, ms);

	if (rc != 1) {
		printf("not ok - %s: vmtoolsd %s\n", r->scenario,
		       rc == 0 ? "exited" : "harness error");
		r->failures++;
		return -1;
	}
	return 0;
}

/* Host time reads vmtoolsd made so far (TimeSyncReadHostAndGuest: one of
 * these per try). Every sync, one-shot or loop, starts with one, even
 * when it decides to leave the clock alone. */
static uint64_t host_time_reads(const struct vmbd_sim *sim)
{
	return sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL_WITH_LAG] +
	       sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL] +
	       sim->calls_by_cmd[VMBD_CMD_GETTIME];
}

/*
 * Let vmtoolsd get back to its main loop: its TCLO polls and its timers
 * run on one glib main loop, so a TCLO poll that starts after now means
 * whatever callback was running (a command handler, a loop tick with its
 * clock calls) has returned. Pumps at least min_ms.
 */
static int pump_until_quiet(struct run *r, int min_ms)
{
	uint64_t polls0 = r->sim->rpc.tclo_polls;
	int waited = 0;

	if (min_ms > 0 && pump(r, min_ms) != 0)
		return -1;
	while (r->sim->rpc.tclo_polls == polls0 && waited < QUIET_TIMEOUT_MS) {
		if (pump(r, PUMP_SLICE_MS) != 0)
			return -1;
		waited += PUMP_SLICE_MS;
	}
	if (r->sim->rpc.tclo_polls == polls0) {
		printf("not ok - %s: vmtoolsd did not poll TCLO again within %d ms\n",
		       r->scenario, QUIET_TIMEOUT_MS);
		r->failures++;
		return -1;
	}
	return 0;
}

/* Would our policy run a loop sync at mono time now? Asked on a copy, so
 * nothing is consumed: expect_tick() does that once the window closes. */
static int tick_due(const struct run *r, int64_t now)
{
	struct vmbd_policy copy = r->pol;
	struct vmbd_policy_tick tk;

	return vmbd_policy_tick(&copy, now - r->mono0, &tk) == 0 && tk.due;
}

static const struct deliberate *find_deliberate(const char *cmd, const char *theirs,
						const char *ours)
{
	size_t i;

	for (i = 0; i < NDELIBERATE; i++)
		if (strncmp(cmd, deliberate[i].cmd, strlen(deliberate[i].cmd)) == 0 &&
		    strcmp(theirs, deliberate[i].theirs) == 0 &&
		    strcmp(ours, deliberate[i].ours) == 0)
			return &deliberate[i];
	return NULL;
}

/* who: which of ours is compared ("policy": the engine and decision
 * function; "vmbd-time": the program). */
static void compare(struct run *r, const char *who, const char *what,
		    const struct outcome *theirs, const struct outcome *ours,
		    const char *reply_theirs, const char *reply_ours, const char *cmd,
		    const char *clock_diff)
{
	char dt[160], dour[160];
	const struct deliberate *dl = NULL;
	int reply_ok = 1, clock_ok = same_outcome(theirs, ours);

	/* A deliberate clock difference must really be one: vmtoolsd acts,
	 * we leave the clock alone. */
	if (clock_diff)
		clock_ok = !clock_ok && ours->nstep == 0 && ours->nslew == 0 &&
			   ours->nfreq == 0 && ours->nfail == 0;
	describe(theirs, dt, sizeof(dt));
	describe(ours, dour, sizeof(dour));
	if (reply_theirs && strcmp(reply_theirs, reply_ours) != 0) {
		dl = find_deliberate(cmd, reply_theirs, reply_ours);
		reply_ok = dl != NULL;
		if (dl)
			r->deliberate_seen[dl - deliberate] = 1;
	}
	if (reply_theirs && !dl && cmd) {
		size_t i;

		for (i = 0; i < NDELIBERATE; i++)
			if (strncmp(cmd, deliberate[i].cmd, strlen(deliberate[i].cmd)) == 0)
				r->deliberate_seen[i] = 1;
	}
	if (!reply_ok || !clock_ok)
		r->failures++;
	printf("%s - %s: %s [%s]", reply_ok && clock_ok ? "ok" : "not ok", r->scenario,
	       what, who);
	if (reply_theirs)
		printf(" | reply vmtoolsd '%s' %s '%s'%s", reply_theirs, who, reply_ours,
		       dl ? " (deliberate difference)" : "");
	printf(" | clock vmtoolsd: %s; %s: %s%s%s%s\n", dt, who, dour,
	       clock_diff ? " (deliberate difference: " : "",
	       clock_diff ? clock_diff : "", clock_diff ? ")" : "");
}

/* The same step as vmbd-time played it (timesync_vmbd_time.c): its one
 * reply (to this very command) and its clock actions in the step's
 * window, held to the same rules as the policy engine's. */
static void compare_vmbd_time(struct run *r, const char *what, const struct outcome *theirs,
			      const char *reply_theirs, const char *cmd,
			      const char *clock_diff)
{
	const struct vt_step_result *v = &r->vt->step[r->step];

	if (cmd && (v->nreply != 1 || strcmp(v->cmd, cmd) != 0)) {
		printf("not ok - %s: %s [vmbd-time] | %d replies in its window "
		       "(last to '%s'), expected one to this command\n",
		       r->scenario, what, v->nreply, v->cmd);
		r->failures++;
		return;
	}
	if (!cmd && v->nreply != 0) {
		printf("not ok - %s: %s [vmbd-time] | a reply ('%s' to '%s') in a wait\n",
		       r->scenario, what, v->reply, v->cmd);
		r->failures++;
		return;
	}
	compare(r, "vmbd-time", what, theirs, &v->clock, reply_theirs,
		cmd ? v->reply : NULL, cmd, clock_diff);
}

static void do_tclo(struct run *r, const char *cmd, const char *clock_diff)
{
	struct vmbd_policy_result res;
	struct outcome theirs, ours;
	unsigned ev0 = r->ts.nevents;
	unsigned rec0 = r->sim->rpc.tclo_replies;
	int64_t offset = trap_sim_offset(&r->ts);
	int64_t waited = 0;
	const struct vmbd_sim_tclo_record *rec;
	char what[600];

	memset(&theirs, 0, sizeof(theirs));
	memset(&ours, 0, sizeof(ours));
	int64_t fed;

	vmbd_sim_tclo_push(r->sim, cmd, strlen(cmd));
	fed = mono_ns();
	vmbd_policy_feed(&r->pol, cmd, strlen(cmd), fed - r->mono0, &res);
	while (r->sim->rpc.tclo_replies == rec0 && waited < REPLY_TIMEOUT_MS) {
		if (pump(r, 20) != 0)
			return;
		waited += 20;
	}
	if (r->sim->rpc.tclo_replies == rec0) {
		printf("not ok - %s: no reply to '%s' within %d ms\n", r->scenario, cmd,
		       REPLY_TIMEOUT_MS);
		r->failures++;
		return;
	}
	/* vmtoolsd handles a command synchronously (clock calls, then the
	 * reply); the settle and the next poll make sure nothing of it is
	 * still under way when the window closes. */
	if (pump_until_quiet(r, SETTLE_MS) != 0)
		return;
	rec = vmbd_sim_tclo_record(r->sim, vmbd_sim_tclo_record_count(r->sim) -
						   (unsigned)(r->sim->rpc.tclo_replies - rec0));
	observed(r, ev0, &theirs, &offset, NULL);
	expect_actions(r, &res, offset, fed, &ours);
	snprintf(what, sizeof(what), "'%s'", cmd);
	compare(r, "policy", what, &theirs, &ours, rec ? rec->reply : "?", res.reply,
		cmd, clock_diff);
	compare_vmbd_time(r, what, &theirs, rec ? rec->reply : "?", cmd, clock_diff);
}

static void do_wait(struct run *r, int64_t ms)
{
	struct outcome theirs, ours;
	unsigned ev0 = r->ts.nevents;
	int64_t offset, when = -1;
	char what[64];

	uint64_t reads0 = host_time_reads(r->sim);
	int waited = 0;

	memset(&theirs, 0, sizeof(theirs));
	memset(&ours, 0, sizeof(ours));
	if (pump(r, (int)ms) != 0)
		return;
	/* When our policy has a loop sync due by now, vmtoolsd has one due
	 * too (its timer started when it handled the command, after we fed
	 * it): wait for that tick's host time read rather than trusting the
	 * timer to be punctual, then for vmtoolsd's main loop, so the
	 * tick's clock calls all fall in this window. */
	if (tick_due(r, mono_ns())) {
		while (host_time_reads(r->sim) == reads0 && waited < TICK_TIMEOUT_MS) {
			if (pump(r, PUMP_SLICE_MS) != 0)
				return;
			waited += PUMP_SLICE_MS;
		}
		if (host_time_reads(r->sim) == reads0) {
			printf("not ok - %s: vmtoolsd's loop tick did not come within "
			       "%d ms of the wait\n", r->scenario, TICK_TIMEOUT_MS);
			r->failures++;
			return;
		}
		if (pump_until_quiet(r, 0) != 0)
			return;
	}
	offset = trap_sim_offset(&r->ts);
	observed(r, ev0, &theirs, &offset, &when);
	/* Ask our policy at the moment vmtoolsd's loop acted (plus slack),
	 * or at the end of the wait when it did nothing. */
	expect_tick(r, offset, when >= 0 ? when + TICK_SLACK_NS : mono_ns(), &ours);
	snprintf(what, sizeof(what), "wait %.1f s (loop tick)", (double)ms / 1000);
	compare(r, "policy", what, &theirs, &ours, NULL, NULL, NULL, NULL);
	compare_vmbd_time(r, what, &theirs, NULL, NULL, NULL);
}

/* --- vmtoolsd set-up ------------------------------------------------------ */

struct vmtoolsd_env {
	char dir[64];
	char conf[128], plugins[128], common[128], log[128];
};

static const char *plugin_path(void)
{
	const char *p = getenv("VMBD_TIMESYNC_PLUGIN");

	return p ? p : "/usr/lib/x86_64-linux-gnu/open-vm-tools/plugins/vmsvc/libtimeSync.so";
}

/* A private configuration: only the timeSync plugin (a plugin directory
 * holding nothing else), no common plugins, logs to a file. */
static int env_make(struct vmtoolsd_env *e)
{
	char link[192];
	FILE *f;

	snprintf(e->dir, sizeof(e->dir), "%s/vmbd-interop-ts.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(e->dir))
		return -errno;
	snprintf(e->conf, sizeof(e->conf), "%s/tools.conf", e->dir);
	snprintf(e->plugins, sizeof(e->plugins), "%s/plugins", e->dir);
	snprintf(e->common, sizeof(e->common), "%s/common", e->dir);
	snprintf(e->log, sizeof(e->log), "%s/vmsvc.log", e->dir);
	snprintf(link, sizeof(link), "%s/libtimeSync.so", e->plugins);
	if (mkdir(e->plugins, 0700) != 0 || mkdir(e->common, 0700) != 0 ||
	    symlink(plugin_path(), link) != 0)
		return -errno;
	f = fopen(e->conf, "w");
	if (!f)
		return -errno;
	fprintf(f, "[logging]\nlog = true\n");
	fprintf(f, "vmsvc.level = debug\nvmsvc.handler = file\nvmsvc.data = %s\n", e->log);
	fprintf(f, "timeSync.level = debug\ntimeSync.handler = file\ntimeSync.data = %s\n",
		e->log);
	fclose(f);
	return 0;
}

/* Remove the private directory, including the rotated logs vmtoolsd
 * leaves (vmsvc.N.log). */
static void env_remove(struct vmtoolsd_env *e)
{
	char p[192];
	struct dirent *d;
	DIR *dir;

	snprintf(p, sizeof(p), "%s/libtimeSync.so", e->plugins);
	unlink(p);
	rmdir(e->plugins);
	rmdir(e->common);
	dir = opendir(e->dir);
	while (dir && (d = readdir(dir)) != NULL) {
		if (d->d_type != DT_DIR)
			unlinkat(dirfd(dir), d->d_name, 0);
	}
	if (dir)
		closedir(dir);
	rmdir(e->dir);
}

static void show_log(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	printf("# vmtoolsd log (%s):\n", path);
	while (fgets(line, sizeof(line), f))
		printf("#   %s", line);
	fclose(f);
}

static size_t count_steps(const struct scenario *sc)
{
	size_t n = 0;

	while (n < MAX_STEPS && sc->steps[n].kind != S_END)
		n++;
	return n;
}

static int run_scenario(const struct scenario *sc, const struct vmtoolsd_env *e,
			const char *vmbd_time, int *deliberate_seen)
{
	static struct vmbd_sim sim;
	static struct vt_result vt;
	static const char *const cpuid_files[] = {"libvmtools.so", "/open-vm-tools/", NULL};
	struct trap_opts opts = {cpuid_files, 0};
	struct trap_hooks hooks;
	struct run r;
	char *argv[] = {"vmtoolsd", "-n", "vmsvc", "-c", (char *)e->conf,
			"--common-path", (char *)e->common, "--plugin-path",
			(char *)e->plugins, NULL};
	int waited = 0;
	size_t i;

	unlink(e->log);
	memset(&r, 0, sizeof(r));
	r.scenario = sc->name;
	r.sim = &sim;
	r.vt = &vt;
	/* vmbd-time first: virtual time, done in milliseconds; its results
	 * are compared step by step as vmtoolsd plays the same steps. */
	if (vt_run_scenario(vmbd_time, e->dir, sc->name, sc->offset_ms, sc->steps,
			    count_steps(sc), &vt) != 0) {
		printf("not ok - %s: vmbd-time: %s\n", sc->name, vt.error);
		return 1;
	}
	vmbd_sim_init(&sim);
	vmbd_policy_init(&r.pol, NULL);
	trap_sim_init(&r.ts, &sim, sc->offset_ms * NS_PER_MS, &hooks);
	opts.verbose = getenv("VMBD_TRAP_VERBOSE") != NULL;
	fflush(stdout);
	r.t = trap_start(argv, &opts, vmbd_sim_io_ops(), &sim, &hooks);
	if (!r.t)
		return 1;
	r.ts.t = r.t;
	/* Ready once it polls TCLO. */
	while (sim.rpc.tclo_polls == 0 && waited < START_TIMEOUT_MS) {
		if (pump(&r, 20) != 0)
			break;
		waited += 20;
	}
	if (sim.rpc.tclo_polls == 0) {
		printf("not ok - %s: vmtoolsd never polled TCLO\n", sc->name);
		r.failures++;
	}
	r.mono0 = 0;
	for (i = 0; r.failures == 0 && i < sizeof(sc->steps) / sizeof(sc->steps[0]) &&
		    sc->steps[i].kind != S_END; i++) {
		const struct step *s = &sc->steps[i];

		r.step = i;
		if (s->kind == S_TCLO)
			do_tclo(&r, s->cmd, s->clock_diff);
		else if (s->kind == S_WAIT_MS)
			do_wait(&r, s->ms);
		else
			trap_sim_host_step(&r.ts, s->ms * NS_PER_MS);
	}
	/* The real client speaks to our VMX side: vmtoolsd registers its
	 * version through RPCI (guestinfo.vmtools.*) at start. */
	if (!vmbd_sim_guestinfo_get(&sim, "guestinfo.vmtools.versionString")) {
		printf("not ok - %s: vmtoolsd's version RPCI never reached the simulator\n",
		       sc->name);
		r.failures++;
	}
	for (i = 0; sc->steps[i].kind != S_END; i++)
		if (sc->steps[i].cmd && strcmp(sc->steps[i].cmd, "Capabilities_Register") == 0 &&
		    sim.rpc.tools_version[0] == '\0') {
			printf("not ok - %s: no tools.set.version after Capabilities_Register\n",
			       sc->name);
			r.failures++;
		}
	/* Every reply and clock action of vmbd-time belongs to a step. */
	if (vt.unplaced) {
		printf("not ok - %s: vmbd-time: %u replies or clock actions outside "
		       "every step's window\n", sc->name, vt.unplaced);
		r.failures++;
	}
	if (r.ts.steps_total_ns != 0 && sim.stopcatchup_count == 0) {
		printf("not ok - %s: steps without STOPCATCHUP\n", sc->name);
		r.failures++;
	}
	trap_finish(r.t);
	if (r.failures)
		show_log(e->log);
	for (i = 0; i < NDELIBERATE; i++)
		deliberate_seen[i] |= r.deliberate_seen[i];
	return r.failures;
}

int main(int argc, char **argv)
{
	struct vmtoolsd_env env;
	int deliberate_seen[NDELIBERATE];
	char why[256];
	const char *vmbd_time = NULL;
	int failures = 0, ran = 0, first = 1;
	size_t i;
	int a;

	if (argc >= 3 && strcmp(argv[1], "--vmbd-time") == 0) {
		vmbd_time = argv[2];
		first = 3;
	}
	if (!vmbd_time || access(vmbd_time, X_OK) != 0) {
		fprintf(stderr, "usage: vmbd-interop-timesync --vmbd-time PATH [SCENARIO...]\n"
			"(PATH: the vmbd-time program to compare too)\n");
		return 1;
	}

	if (access("/usr/bin/vmtoolsd", X_OK) != 0 || access(plugin_path(), R_OK) != 0) {
		printf("SKIPPED: vmtoolsd or its timeSync plugin (%s) not installed "
		       "(Debian package open-vm-tools)\n", plugin_path());
		return SKIP;
	}
	if (trap_probe(why, sizeof(why)) != 0) {
		printf("SKIPPED: ptrace unavailable: %s\n", why);
		return SKIP;
	}
	if (system("objdump --version >/dev/null 2>&1") != 0) {
		printf("SKIPPED: objdump (binutils) not found: needed to find cpuid instructions\n");
		return SKIP;
	}
	if (env_make(&env) != 0) {
		perror("vmtoolsd private configuration");
		return 1;
	}
	memset(deliberate_seen, 0, sizeof(deliberate_seen));
	for (i = 0; i < NSCENARIOS; i++) {
		int wanted = argc == first;

		for (a = first; a < argc; a++)
			wanted |= strcmp(argv[a], scenarios[i].name) == 0;
		if (!wanted)
			continue;
		printf("# scenario %s (host %+.1f s)\n", scenarios[i].name,
		       (double)scenarios[i].offset_ms / 1000);
		failures += run_scenario(&scenarios[i], &env, vmbd_time, deliberate_seen);
		ran++;
	}
	env_remove(&env);
	/* Every row of the table must still be a real difference (or a
	 * documented same-reply case) when all scenarios run: a row that no
	 * command exercises is stale. */
	if (argc == first)
		for (i = 0; i < NDELIBERATE; i++)
			if (!deliberate_seen[i]) {
				printf("not ok - deliberate difference '%s' never exercised\n",
				       deliberate[i].cmd);
				failures++;
			}
	printf("# %d scenario(s), %d failure(s)\n", ran, failures);
	return failures ? 1 : 0;
}
