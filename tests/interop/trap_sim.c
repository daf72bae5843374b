/* The trap engine answered by the simulator; see trap_sim.h. */
#include "trap_sim.h"
#include "trap_int.h"

#include <string.h>
#include <time.h>

#include <vmbackdoor/backdoor.h>

#define NS_PER_S 1000000000LL
/* Kernel's nominal tick for USER_HZ 100, and adjtime's slew rate. */
#define TICK_NOMINAL_US 10000
#define ADJTIME_RATE_PPM 500

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* The guest clock the child set runs at rate 1 + err, err from the tick
 * and frequency it set through adjtimex, plus a pending adjtime slew at
 * 500 ppm. The real clock does not, so the host runs by -err instead. */
static void integrate(struct trap_sim *ts, int64_t now)
{
	int64_t dt = now - ts->last_mono_ns;
	const struct timex *m;
	double err_ppb, shift;

	ts->last_mono_ns = now;
	if (!ts->t || dt <= 0)
		return;
	m = &ts->t->clock_model;
	err_ppb = (double)(m->tick - TICK_NOMINAL_US) * 1e9 / TICK_NOMINAL_US +
		  (double)m->freq * 1000.0 / 65536.0;
	shift = err_ppb * (double)dt / 1e9;
	ts->offset_ns -= (int64_t)shift;
	if (ts->slew_rem_ns != 0) {
		int64_t max = dt * ADJTIME_RATE_PPM / 1000000;
		int64_t s = ts->slew_rem_ns > 0
				    ? (ts->slew_rem_ns < max ? ts->slew_rem_ns : max)
				    : (-ts->slew_rem_ns < max ? ts->slew_rem_ns : -max);

		ts->slew_rem_ns -= s;
		ts->offset_ns -= s;
	}
}

void trap_sim_sync(struct trap_sim *ts)
{
	int64_t now = mono_ns();

	integrate(ts, now);
	vmbd_sim_advance_to(ts->sim, now - ts->mono0_ns);
	vmbd_sim_host_set(ts->sim, real_ns() + ts->offset_ns);
}

int64_t trap_sim_offset(struct trap_sim *ts)
{
	integrate(ts, mono_ns());
	return ts->offset_ns;
}

void trap_sim_host_step(struct trap_sim *ts, int64_t delta_ns)
{
	integrate(ts, mono_ns());
	ts->offset_ns += delta_ns;
}

static uint64_t host_time_reads(const struct vmbd_sim *sim)
{
	return sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL_WITH_LAG] +
	       sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL] +
	       sim->calls_by_cmd[VMBD_CMD_GETTIME];
}

void trap_sim_note_reads(struct trap_sim *ts)
{
	uint64_t n = host_time_reads(ts->sim);

	/* A frame answers at most one read, from the host time set just
	 * before it. */
	if (n > ts->reads_seen && ts->nreads < TRAP_SIM_MAX_READS)
		ts->read_host_ns[ts->nreads++] = ts->frame_host_ns;
	ts->reads_seen = n;
}

static void hook_before_frame(void *arg)
{
	struct trap_sim *ts = arg;

	trap_sim_note_reads(ts);
	trap_sim_sync(ts);
	ts->frame_host_ns = vmbd_sim_host_now(ts->sim);
}

static void hook_clock(void *arg, const struct trap_clock_event *ev)
{
	struct trap_sim *ts = arg;

	integrate(ts, mono_ns());
	if (ts->nevents < TRAP_SIM_MAX_EVENTS) {
		ts->offset_before_ns[ts->nevents] = ts->offset_ns;
		ts->events[ts->nevents++] = *ev;
	}
	ts->events_total++;
	if (ev->kind == TRAP_CLOCK_SETTIME) {
		ts->offset_ns -= ev->step_ns;
		ts->steps_total_ns += ev->step_ns;
	} else if (ev->tx.modes == ADJ_OFFSET_SINGLESHOT) {
		ts->slew_rem_ns = (int64_t)ev->tx.offset * 1000;
	}
}

static void hook_cpuid(void *arg, uint32_t leaf, uint32_t subleaf,
		       uint32_t regs[4])
{
	struct trap_sim *ts = arg;

	trap_cpuid_vmware(leaf, subleaf, regs, ts->sim->mhz * 1000u,
			  ts->sim->apic_hz / 1000u);
}

void trap_sim_init(struct trap_sim *ts, struct vmbd_sim *sim, int64_t offset_ns,
		   struct trap_hooks *hooks)
{
	memset(ts, 0, sizeof(*ts));
	ts->sim = sim;
	ts->offset_ns = offset_ns;
	ts->mono0_ns = mono_ns();
	ts->last_mono_ns = ts->mono0_ns;
	sim->call_cost_ns = 0;
	memset(hooks, 0, sizeof(*hooks));
	hooks->arg = ts;
	hooks->before_frame = hook_before_frame;
	hooks->clock_event = hook_clock;
	hooks->cpuid = hook_cpuid;
	trap_sim_sync(ts);
}
