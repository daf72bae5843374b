/*
 * Time-sync quality in simulated days: our agent (the code vmbd-time's
 * daemon runs: agent.h = TCLO poll + policy engine + sampler + decision
 * with frequency estimator + clock) against reference models of NetBSD's
 * vmt(4) and of the open-vm-tools timeSync loop, each through the same
 * simulated host and guest (sim.h), over the TCLO channel.
 *
 * Every scenario runs 24 simulated hours (--hours N to change). Unless a
 * scenario says otherwise the host sends synctime 1, synctime.period 60,
 * slewCorrection 1 and percentCorrection 50, answers GETTIMEFULL_WITH_LAG
 * with a 1 s max lag, and the guest starts 300 ms behind the host. Drifts
 * carry an odd fraction of a ppm (+200 ppm is +200.037) so that no
 * estimator can land on the exact rate by integer luck; each backdoor
 * call takes 2 us of simulated time.
 *
 * The offset (guest - host, exact, from the simulator) is read every
 * simulated second while the guest runs; max |offset| and RMS are over
 * the samples after the first hour, leaving out the 2 s after a resume
 * (the guest is 600 s behind until the host's Time_Synchronize is polled;
 * the same for every policy).
 *
 * The correctness columns are judged against what the host asked for:
 *   back!  backward steps the host did not allow (only Time_Synchronize 1
 *          allows one, within 5 s of being sent)
 *   off!   clock changes (steps, slews, frequency) while the host had
 *          synctime 0, outside a Time_Synchronize it sent
 * `--check` (the CTest test bench_timesync_properties) exits 1 if ours
 * has any, and 1 if the checker does not catch NetBSD's model, which
 * ignores synctime 0 by design (so the check can fail).
 *
 * Usage: bench_timesync [--hours N] [--check] [--trace] [--only SUBSTRING]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmbackdoor/vmbackdoor.h>

#define NS_PER_S INT64_C(1000000000)
#define NS_PER_MS INT64_C(1000000)
#define NS_PER_US INT64_C(1000)
#define HOUR_NS (INT64_C(3600) * NS_PER_S)
#define SCRIPT_MAX 4096
#define EVENTS_MAX 64
#define CMD_MAX 1024
#define ONESHOT_WINDOW_NS (5 * NS_PER_S)
#define RESUME_SETTLE_NS (2 * NS_PER_S)
#define START_OFFSET_NS (-300 * NS_PER_MS)

/* ---- scenarios ---------------------------------------------------------- */

struct scenario {
	const char *name;
	int synctime;          /* host's synctime (1 unless said otherwise) */
	int slew;              /* host's slewCorrection */
	int64_t drift_ppb;     /* guest oscillator rate error */
	uint32_t jitter_us;    /* each host read late by [0, jitter) */
	int lag_bursts;        /* interrupt-lag bursts with host catch-up */
	const char *events;    /* extra script lines; %H = run hours * 3600 / 2 */
};

static const struct scenario scenarios[] = {
	{"drift +200 ppm", 1, 1, 200037, 0, 0, ""},
	{"drift -200 ppm", 1, 1, -199963, 0, 0, ""},
	{"drift +500 ppm", 1, 1, 499971, 0, 0, ""},
	{"read jitter 2 ms, +200 ppm", 1, 1, 200037, 2000, 0, ""},
	{"interrupt-lag bursts, -200 ppm", 1, 1, -199963, 0, 1, ""},
	{"suspend 10 min + Time_Sync 0", 1, 1, 200037, 0, 0,
	 "at %H suspend 600\n"
	 "at %R tclo OS_Resume\n"
	 "at %R tclo Time_Synchronize 0\n"},
	{"suspend 10 min + Time_Sync 1", 1, 1, 200037, 0, 0,
	 "at %H suspend 600\n"
	 "at %R tclo OS_Resume\n"
	 "at %R tclo Time_Synchronize 1\n"},
	{"host clock jumps -3 s", 1, 1, 200037, 0, 0,
	 "at %H host-step -3000000\n"},
	{"synctime 0 all run", 0, 1, 200037, 0, 0, ""},
	{"slewCorrection 0, -200 ppm", 1, 0, -199963, 0, 0, ""},
};
#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* ---- the harness: one simulated host and guest -------------------------- */

struct harness;

/* A time-sync policy under test. poll() is called when it asked to be
 * (wake); it polls TCLO itself and sets the next wake. */
struct policy {
	const char *name;
	void (*start)(struct harness *h);
	int (*poll)(struct harness *h, int64_t now, int64_t *wake);
};

struct stats {
	double max_abs_ns;
	double sum;
	double sum_sq;
	uint64_t n;
	uint64_t steps;
	uint64_t backward;
	uint64_t backward_unallowed;
	uint64_t changes_off;
};

struct harness {
	struct vmbd_sim *sim;
	struct vmbd_ctx ctx;
	struct vmbd_clock sim_clock;    /* the simulator's guest clock */
	struct vmbd_clock guest;        /* counting wrapper around it */
	struct vmbd_tclo tclo;
	char cmd[CMD_MAX];
	const struct scenario *sc;
	int64_t end_ns;

	/* What the host asked for, as the harness sent it. */
	int host_sync_on;
	int64_t oneshot_until;          /* a Time_Synchronize is under way */
	int64_t backward_until;         /* ... that allows a backward step */
	int64_t resumed_at;

	/* Interrupt-lag model. */
	int64_t base_drift;
	int lag_phase;                  /* 0 idle, 1 losing, 2 catching up */
	int64_t lag_total_ns, lag_phase_start, lag_next;
	uint64_t lag_rng, lag_stopcatchup;

	struct stats st;

	/* Policy state. */
	union {
		struct vmbd_agent agent;
		struct {
			int64_t next_sync;
		} nbsd;
		struct {
			int loop;           /* 0 init, 1 stopped, 2 running */
			uint32_t period_s;
			int slew;
			uint32_t percent;
			int tools_enable;
			int64_t next_sync;
		} ovt;
	} p;
	char reply[64];
	size_t reply_len;
};

/* ---- counting clock: every change the policies make goes through it ----- */

static int h_now(void *arg, int64_t *ns)
{
	struct harness *h = arg;

	return vmbd_clock_now(&h->sim_clock, ns);
}

static void change(struct harness *h)
{
	int64_t now = vmbd_sim_now(h->sim);

	if (!h->host_sync_on && now > h->oneshot_until)
		h->st.changes_off++;
}

static int h_step(void *arg, int64_t delta)
{
	struct harness *h = arg;

	h->st.steps++;
	if (delta < 0) {
		h->st.backward++;
		if (vmbd_sim_now(h->sim) > h->backward_until)
			h->st.backward_unallowed++;
	}
	change(h);
	return vmbd_clock_step(&h->sim_clock, delta);
}

static int h_slew(void *arg, int64_t offset, int64_t period, int64_t freq)
{
	struct harness *h = arg;

	/* Back to nominal (loop start/stop) is not a time change. */
	if (offset != 0 || freq != 0)
		change(h);
	return vmbd_clock_slew(&h->sim_clock, offset, period, freq);
}

static const struct vmbd_clock_ops counting_ops = {
	"bench", 0, h_now, h_step, h_slew
};

/* ---- host side: script events, interrupt-lag bursts ---------------------- */

static void host_command(struct harness *h, const char *cmd)
{
	int64_t now = vmbd_sim_now(h->sim);

	if (strcmp(cmd, "Set_Option synctime 1") == 0)
		h->host_sync_on = 1;
	else if (strcmp(cmd, "Set_Option synctime 0") == 0)
		h->host_sync_on = 0;
	else if (strncmp(cmd, "Time_Synchronize ", 17) == 0) {
		h->oneshot_until = now + ONESHOT_WINDOW_NS;
		if (strcmp(cmd + 17, "1") == 0)
			h->backward_until = now + ONESHOT_WINDOW_NS;
	}
	if (vmbd_sim_tclo_push(h->sim, cmd, strlen(cmd)) != VMBD_OK) {
		fprintf(stderr, "bench_timesync: TCLO queue full\n");
		exit(2);
	}
}

static void apply_event(struct harness *h, const struct vmbd_script_event *e)
{
	switch (e->kind) {
	case VMBD_SCRIPT_TCLO:
		host_command(h, e->text);
		break;
	case VMBD_SCRIPT_HOST_STEP:
		vmbd_sim_host_step(h->sim, e->value);
		break;
	case VMBD_SCRIPT_GUEST_DRIFT:
		h->base_drift = e->value;
		vmbd_sim_guest_set_drift(h->sim, e->value);
		break;
	case VMBD_SCRIPT_SUSPEND:
		vmbd_sim_suspend(h->sim, e->value);
		h->resumed_at = vmbd_sim_now(h->sim);
		break;
	default:
		break;
	}
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Interrupt-lag bursts as a VMware host shows them: for 10 s the guest's
 * timer interrupts fall behind (its clock loses 50..250 ms), the host
 * reports the backlog as the interrupt lag, then catches up over 20 s
 * (the clock runs fast until the backlog is repaid). STOPCATCHUP drops the
 * backlog: a policy that stepped over the lag keeps the step. Bursts come
 * every 10..30 minutes. The reported lag is updated every 10 ms.
 */
#define LAG_LOSE_NS (10 * NS_PER_S)
#define LAG_CATCH_NS (20 * NS_PER_S)
#define LAG_UPDATE_NS (10 * NS_PER_MS)

static int64_t lag_rate_ppb(int64_t total, int64_t span)
{
	return total * NS_PER_S / span;
}

/* Burst over (repaid or dropped): back to the base rate, next burst. */
static void lag_end(struct harness *h, int64_t now)
{
	h->lag_phase = 0;
	vmbd_sim_guest_set_drift(h->sim, h->base_drift);
	h->sim->interrupt_lag_us = 0;
	h->lag_next = now + (int64_t)(600 + xorshift(&h->lag_rng) % 1201) *
				    NS_PER_S;
}

static void lag_update(struct harness *h, int64_t now)
{
	int64_t lag = 0, t;

	if (!h->sc->lag_bursts || now < h->lag_next)
		return;
	if (h->lag_phase != 0 && h->sim->stopcatchup_count != h->lag_stopcatchup)
		h->lag_phase = 3; /* the host dropped the backlog */
	t = now - h->lag_phase_start;
	switch (h->lag_phase) {
	case 0:
		h->lag_total_ns = (int64_t)(50 + xorshift(&h->lag_rng) % 201) *
				  NS_PER_MS;
		h->lag_phase = 1;
		h->lag_phase_start = now;
		h->lag_stopcatchup = h->sim->stopcatchup_count;
		vmbd_sim_guest_set_drift(h->sim, h->base_drift -
				lag_rate_ppb(h->lag_total_ns, LAG_LOSE_NS));
		break;
	case 1:
		if (t >= LAG_LOSE_NS) {
			h->lag_phase = 2;
			h->lag_phase_start = now;
			lag = h->lag_total_ns;
			vmbd_sim_guest_set_drift(h->sim, h->base_drift +
					lag_rate_ppb(h->lag_total_ns, LAG_CATCH_NS));
		} else {
			lag = h->lag_total_ns * t / LAG_LOSE_NS;
		}
		break;
	case 2:
		if (t < LAG_CATCH_NS) {
			lag = h->lag_total_ns - h->lag_total_ns * t / LAG_CATCH_NS;
			break;
		}
		h->lag_phase = 3; /* repaid */
		lag_end(h, now);
		return;
	default:
		lag_end(h, now);
		return;
	}
	h->sim->interrupt_lag_us = (uint32_t)(lag / NS_PER_US);
	h->lag_next = now + LAG_UPDATE_NS;
}

/* ---- the policies ------------------------------------------------------- */

static int trace; /* --trace: print ours' corrections (debugging) */

static void ours_event(void *arg, const struct vmbd_agent_event *ev)
{
	struct harness *h = arg;

	if (ev->type == VMBD_AGENT_EV_SLEW || ev->type == VMBD_AGENT_EV_STEP)
		printf("  trace %9.1f s %s offset %+.6f ms delta %+.6f ms "
		       "freq %+.3f ppm\n",
		       (double)vmbd_sim_now(h->sim) / 1e9,
		       ev->type == VMBD_AGENT_EV_SLEW ? "slew" : "step",
		       (double)ev->offset_ns / 1e6, (double)ev->delta_ns / 1e6,
		       (double)ev->freq_ppb / 1e3);
}

/* Ours: the library's agent, exactly as vmbd-time's daemon drives it. */
static void ours_start(struct harness *h)
{
	vmbd_agent_init(&h->p.agent, &h->ctx, &h->guest, &h->guest, NULL);
	if (trace)
		vmbd_agent_set_events(&h->p.agent, ours_event, h);
}

static int ours_poll(struct harness *h, int64_t now, int64_t *wake)
{
	int rc = vmbd_agent_step(&h->p.agent, &h->tclo, h->cmd, sizeof(h->cmd),
				 now, wake);

	return rc == VMBD_ENOSPC ? VMBD_OK : rc;
}

/* One TCLO poll for the reference models: send the last reply, get a
 * command (len 0: none). */
static size_t peer_tclo(struct harness *h)
{
	size_t len = 0, rlen = h->reply_len;

	h->reply_len = 0;
	if (vmbd_tclo_poll(&h->tclo, h->reply, rlen, h->cmd, sizeof(h->cmd),
			   &len) != VMBD_OK)
		return 0;
	return len;
}

static void peer_reply(struct harness *h, const char *text)
{
	h->reply_len = strlen(text);
	memcpy(h->reply, text, h->reply_len);
}

/*
 * NetBSD vmt(4) (sys/dev/vmt/vmt_subr.c): vmt_sync_guest_clock() reads
 * GETTIMEFULL once and tc_setclock()s the guest to it, backward too, with
 * no STOPCATCHUP: at attach, every 60 s (VMT_CLOCK_SYNC_PERIOD_SECONDS,
 * a sysctl) and in the OS_Resume handler. TCLO is polled every second;
 * Set_Option and Time_Synchronize change nothing.
 */
static void nbsd_sync(struct harness *h)
{
	struct vmbd_host_time t;
	int64_t guest;

	if (vmbd_get_time_full(&h->ctx, &t) != VMBD_OK)
		return;
	vmbd_clock_now(&h->guest, &guest);
	vmbd_clock_step(&h->guest, t.sec * NS_PER_S + t.usec * NS_PER_US - guest);
}

static void nbsd_start(struct harness *h)
{
	nbsd_sync(h);
	h->p.nbsd.next_sync = vmbd_sim_now(h->sim) + 60 * NS_PER_S;
}

static int nbsd_poll(struct harness *h, int64_t now, int64_t *wake)
{
	size_t len = peer_tclo(h);

	if (len > 0) {
		if (strcmp(h->cmd, "OS_Resume") == 0)
			nbsd_sync(h);
		peer_reply(h, strcmp(h->cmd, "reset") == 0 ? "OK ATR toolbox"
							   : "OK ");
		*wake = now;
		return 0;
	}
	if (now >= h->p.nbsd.next_sync) {
		nbsd_sync(h);
		h->p.nbsd.next_sync = now + 60 * NS_PER_S;
	}
	*wake = now + NS_PER_S;
	if (h->p.nbsd.next_sync < *wake)
		*wake = h->p.nbsd.next_sync;
	return 0;
}

/*
 * open-vm-tools timeSync (PROTOCOL.md section 6), written from the
 * description, independently of our policy engine: the loop steps forward
 * beyond the max lag and otherwise slews percentCorrection % of the error
 * (less the interrupt lag) over one period by the tick; one-shot syncs
 * step forward beyond the max lag, backward only for Time_Synchronize 1.
 * Its Linux-only kernel PLL (ntp_adjtime after 15 minutes under 30 ms) is
 * NOT modelled: this is the loop every other OS gets.
 */
static int ovt_host(void *arg, struct vmbd_host_time *t)
{
	struct harness *h = arg;

	return vmbd_read_host_time(&h->ctx, t);
}

static int ovt_guest(void *arg, int64_t *ns)
{
	struct harness *h = arg;

	return vmbd_clock_now(&h->guest, ns);
}

static void ovt_sync(struct harness *h, int loop, int backward)
{
	struct vmbd_ts_source src = {ovt_host, ovt_guest, h};
	struct vmbd_ts_sample s;
	int64_t diff, error;

	if (vmbd_ts_sample(&src, &s) != VMBD_OK)
		return;
	diff = s.host_ns - s.guest_ns;
	error = diff - (s.has_interrupt_lag ? s.interrupt_lag_ns : 0);
	if (error > s.max_lag_ns || (!loop && backward && diff < 0)) {
		vmbd_clock_step(&h->guest, diff);
		vmbd_stop_catchup(&h->ctx);
		return;
	}
	if (loop && h->p.ovt.slew && s.has_interrupt_lag)
		vmbd_clock_slew(&h->guest, error * h->p.ovt.percent / 100,
				(int64_t)h->p.ovt.period_s * NS_PER_S, 0);
}

static void ovt_start(struct harness *h)
{
	memset(&h->p.ovt, 0, sizeof(h->p.ovt));
	h->p.ovt.period_s = 60;
	h->p.ovt.percent = 50;
}

static void ovt_loop_start(struct harness *h, int64_t now)
{
	vmbd_clock_slew(&h->guest, 0, 0, 0);
	h->p.ovt.loop = 2;
	h->p.ovt.next_sync = now;
}

static const char *ovt_option(struct harness *h, const char *opt, int64_t now)
{
	unsigned v;

	if (sscanf(opt, "synctime.period %u", &v) == 1) {
		h->p.ovt.period_s = v ? v : 60;
		if (h->p.ovt.loop == 2)
			ovt_loop_start(h, now);
	} else if (sscanf(opt, "synctime %u", &v) == 1) {
		if (v && h->p.ovt.loop != 2) {
			if (h->p.ovt.loop == 1 && h->p.ovt.tools_enable)
				ovt_sync(h, 0, 1);
			ovt_loop_start(h, now);
		} else if (!v && h->p.ovt.loop == 2) {
			vmbd_clock_slew(&h->guest, 0, 0, 0);
			h->p.ovt.loop = 1;
		} else if (!v) {
			h->p.ovt.loop = 1;
		}
	} else if (sscanf(opt, "time.synchronize.tools.slewCorrection %u",
			  &v) == 1) {
		h->p.ovt.slew = v != 0;
	} else if (sscanf(opt, "time.synchronize.tools.percentCorrection %u",
			  &v) == 1) {
		h->p.ovt.percent = v >= 1 && v <= 100 ? v : 50;
	} else if (sscanf(opt, "time.synchronize.tools.enable %u", &v) == 1) {
		h->p.ovt.tools_enable = v;
	}
	return "OK ";
}

static int ovt_poll(struct harness *h, int64_t now, int64_t *wake)
{
	size_t len = peer_tclo(h);
	unsigned v;

	if (len > 0) {
		const char *r = "ERROR Unknown Command";

		if (strcmp(h->cmd, "reset") == 0)
			r = "OK ATR toolbox";
		else if (strncmp(h->cmd, "Set_Option ", 11) == 0)
			r = ovt_option(h, h->cmd + 11, now);
		else if (sscanf(h->cmd, "Time_Synchronize %u", &v) == 1) {
			ovt_sync(h, 0, v == 1);
			r = "OK ";
		} else if (strncmp(h->cmd, "OS_", 3) == 0 ||
			   strcmp(h->cmd, "ping") == 0)
			r = "OK ";
		peer_reply(h, r);
		*wake = now;
		return 0;
	}
	*wake = now + NS_PER_S;
	if (h->p.ovt.loop == 2) {
		if (now >= h->p.ovt.next_sync) {
			ovt_sync(h, 1, 0);
			h->p.ovt.next_sync = now + (int64_t)h->p.ovt.period_s *
							   NS_PER_S;
		}
		if (h->p.ovt.next_sync < *wake)
			*wake = h->p.ovt.next_sync;
	}
	return 0;
}

static const struct policy policies[] = {
	{"ours", ours_start, ours_poll},
	{"NetBSD vmt(4)", nbsd_start, nbsd_poll},
	{"open-vm-tools*", ovt_start, ovt_poll},
};
#define N_POLICIES (sizeof(policies) / sizeof(policies[0]))

/* ---- running one scenario ---------------------------------------------- */

/* The scenario's host script: the default settings, its own events with
 * %H (mid-run) and %R (resume: mid-run + 600 s) filled in, and the end. */
static void build_script(const struct scenario *sc, int64_t hours, char *buf,
			 size_t size)
{
	int64_t mid = hours * 3600 / 2;
	size_t n;
	const char *p;

	n = (size_t)snprintf(buf, size,
			     "at 0 tclo reset\n"
			     "at 0 tclo Set_Option synctime %d\n"
			     "at 0 tclo Set_Option synctime.period 60\n"
			     "at 0 tclo Set_Option "
			     "time.synchronize.tools.slewCorrection %d\n"
			     "at 0 tclo Set_Option "
			     "time.synchronize.tools.percentCorrection 50\n",
			     sc->synctime, sc->slew);
	for (p = sc->events; *p && n + 32 < size; p++) {
		if (p[0] == '%' && (p[1] == 'H' || p[1] == 'R')) {
			n += (size_t)snprintf(buf + n, size - n, "%" PRId64,
					      p[1] == 'H' ? mid : mid + 600);
			p++;
		} else {
			buf[n++] = *p;
		}
	}
	snprintf(buf + n, size - n, "at %" PRId64 " end\n", hours * 3600);
}

static void measure(struct harness *h, int64_t now)
{
	double off;

	if (now < HOUR_NS || (h->resumed_at &&
			      now < h->resumed_at + RESUME_SETTLE_NS))
		return;
	off = (double)(vmbd_sim_guest_now(h->sim) - vmbd_sim_host_now(h->sim));
	if (fabs(off) > h->st.max_abs_ns)
		h->st.max_abs_ns = fabs(off);
	h->st.sum += off;
	h->st.sum_sq += off * off;
	h->st.n++;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int run(const struct scenario *sc, const struct policy *pol,
	       int64_t hours, struct harness *h, struct stats *out)
{
	static struct vmbd_script_event events[EVENTS_MAX];
	struct vmbd_script_runner runner;
	struct vmbd_script_error err;
	const struct vmbd_script_event *e;
	char script[SCRIPT_MAX];
	size_t n_events;
	int64_t now, wake, next_meas = 0;
	int ended = 0;

	build_script(sc, hours, script, sizeof(script));
	if (vmbd_script_parse(script, strlen(script), events, EVENTS_MAX,
			      &n_events, &err) != VMBD_OK) {
		fprintf(stderr, "bench_timesync: %s: script line %u: %s\n",
			sc->name, err.line, err.reason);
		return -1;
	}
	vmbd_script_runner_init(&runner, events, n_events);

	{
		struct vmbd_sim *sim = h->sim;

		memset(h, 0, sizeof(*h));
		h->sim = sim;
	}
	vmbd_sim_init(h->sim);
	h->sc = sc;
	h->sim->read_jitter_us = sc->jitter_us;
	h->sim->call_cost_ns = 2000; /* a VM exit: ~2 us of host time */
	h->base_drift = sc->drift_ppb;
	vmbd_sim_guest_set_drift(h->sim, sc->drift_ppb);
	vmbd_sim_guest_step(h->sim, START_OFFSET_NS);
	h->lag_rng = 0x9e3779b97f4a7c15u;
	h->lag_next = 600 * NS_PER_S;
	h->oneshot_until = -1;
	h->backward_until = -1;
	vmbd_ctx_init(&h->ctx, vmbd_sim_io_ops(), h->sim);
	vmbd_clock_init(&h->sim_clock, vmbd_clock_sim(), h->sim);
	vmbd_clock_init(&h->guest, &counting_ops, h);
	if (vmbd_tclo_open(&h->tclo, &h->ctx, 0) != VMBD_OK) {
		fprintf(stderr, "bench_timesync: cannot open TCLO\n");
		return -1;
	}
	/* The host's settings at t = 0 come before the guest's first move. */
	while ((e = vmbd_script_take_due(&runner, 0)) != NULL)
		apply_event(h, e);
	pol->start(h);
	wake = 0;
	while (!ended) {
		int64_t next_ev = vmbd_script_next_at(&runner);

		now = min64(min64(wake, next_meas), next_ev);
		if (sc->lag_bursts)
			now = min64(now, h->lag_next);
		vmbd_sim_advance_to(h->sim, now);
		now = vmbd_sim_now(h->sim);
		while ((e = vmbd_script_take_due(&runner, now)) != NULL) {
			if (e->kind == VMBD_SCRIPT_END)
				ended = 1;
			apply_event(h, e);
			now = vmbd_sim_now(h->sim); /* a suspend moves time */
		}
		lag_update(h, now);
		if (now >= next_meas) {
			measure(h, now);
			next_meas = (now / NS_PER_S + 1) * NS_PER_S;
		}
		if (now >= wake && pol->poll(h, now, &wake) != VMBD_OK) {
			fprintf(stderr, "bench_timesync: %s/%s: TCLO failed\n",
				sc->name, pol->name);
			return -1;
		}
	}
	*out = h->st;
	return 0;
}

/* ---- output ------------------------------------------------------------- */

static void print_ms(double ns)
{
	if (fabs(ns) >= 1e9)
		printf(" %9.1f s ", ns / 1e9);
	else if (fabs(ns) < 1e5)
		printf(" %8.1f us", ns / 1e3);
	else
		printf(" %8.3f ms", ns / 1e6);
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct harness *h = calloc(1, sizeof(*h));
	int64_t hours = 24;
	int check = 0, failed = 0, nbsd_caught = 0;
	const char *only = NULL;
	double t0 = wall_s();
	size_t i, j;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--hours") == 0 && i + 1 < (size_t)argc)
			hours = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "--trace") == 0)
			trace = 1;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < (size_t)argc)
			only = argv[++i];
		else {
			fprintf(stderr, "usage: bench_timesync [--hours N] "
				"[--check] [--trace] [--only SUBSTRING]\n");
			return 2;
		}
	}
	if (!h || hours < 2 || hours > 24 * 365) {
		fprintf(stderr, "bench_timesync: --hours must be 2..8760\n");
		return 2;
	}
	h->sim = calloc(1, vmbd_sim_size());
	if (!h->sim)
		return 1;

	printf("bench_timesync: %" PRId64 " simulated hours per scenario; "
	       "offset = guest - host, sampled each second after the first hour\n"
	       "  back! = backward steps the host did not allow; off! = clock "
	       "changes while the host had sync off\n"
	       "  * open-vm-tools loop without its Linux-only kernel PLL "
	       "(not modelled)\n\n", hours);
	printf("%-32s %-15s %11s %11s %11s %6s %5s %5s %5s\n", "scenario",
	       "policy", "max|off|", "RMS", "mean", "steps", "back", "back!",
	       "off!");
	for (i = 0; i < N_SCENARIOS; i++) {
		if (only && !strstr(scenarios[i].name, only))
			continue;
		for (j = 0; j < N_POLICIES; j++) {
			struct stats st;
			double rms;

			if (run(&scenarios[i], &policies[j], hours, h, &st) != 0)
				return 1;
			rms = st.n ? sqrt(st.sum_sq / (double)st.n) : 0.0;
			printf("%-32s %-15s", j == 0 ? scenarios[i].name : "",
			       policies[j].name);
			print_ms(st.max_abs_ns);
			print_ms(rms);
			print_ms(st.n ? st.sum / (double)st.n : 0.0);
			printf(" %6" PRIu64 " %5" PRIu64 " %5" PRIu64 " %5" PRIu64
			       "\n", st.steps, st.backward, st.backward_unallowed,
			       st.changes_off);
			if (j == 0 && (st.backward_unallowed || st.changes_off)) {
				failed = 1;
				fprintf(stderr, "bench_timesync: ours broke the "
					"host's settings in \"%s\"\n",
					scenarios[i].name);
			}
			if (j == 1 && st.changes_off)
				nbsd_caught = 1;
		}
	}
	printf("\nbench_timesync: %.2f s wall\n", wall_s() - t0);
	if (check && !only && !nbsd_caught) {
		fprintf(stderr, "bench_timesync: the checker did not catch "
			"NetBSD's model changing the clock with sync off\n");
		failed = 1;
	}
	free(h->sim);
	free(h);
	return check && failed ? 1 : 0;
}
