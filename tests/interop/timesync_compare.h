/*
 * Shared by the vmtoolsd comparison (timesync_compare.c) and its
 * vmbd-time side (timesync_vmbd_time.c): the scenario steps and what one
 * step did to the clock.
 */
#ifndef VMBD_INTEROP_TIMESYNC_COMPARE_H
#define VMBD_INTEROP_TIMESYNC_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL
#define TICK_NOMINAL 10000L
/* open-vm-tools slewLinux.c: tick limits of +-10 %. */
#define TICK_MIN 9000L
#define TICK_MAX 11000L
#define MAX_STEPS 14
#define REPLY_MAX 256

enum step_kind { S_END = 0, S_TCLO, S_WAIT_MS, S_HOST_STEP_MS };

struct step {
	int kind;
	const char *cmd;  /* S_TCLO */
	int64_t ms;       /* S_WAIT_MS, S_HOST_STEP_MS */
	/* S_TCLO: the clock outcomes must differ (vmtoolsd changes the
	 * clock, we do not) for this deliberate reason. */
	const char *clock_diff;
};

/* What one command (or wait) did to the clock. vmtoolsd only ever steps
 * and sets the tick; a frequency or a failed sync on our side is shown
 * and never matches. */
struct outcome {
	unsigned nstep;
	int64_t step_ns[4];
	unsigned nslew;
	long tick[4];
	unsigned nfreq;
	int64_t freq_ppb[4];
	unsigned nfail;
};

/* open-vm-tools' slewLinux.c turns a slew of delta_us over period_us into
 * a tick length; we compare that, the only thing the kernel sees. */
static inline long tick_for(int64_t delta_us, int64_t period_us)
{
	long tick = (long)((period_us + delta_us) / (period_us / 1000000 * 100));

	return tick > TICK_MAX ? TICK_MAX : tick < TICK_MIN ? TICK_MIN : tick;
}

/* What `vmbd-time daemon --sim --script FILE --json` did in each step's
 * window (TCLO and WAIT steps; HOST steps have none). */
struct vt_step_result {
	int nreply;               /* replies in the window: 1 for a TCLO step */
	char cmd[REPLY_MAX];      /* the command the reply answered */
	char reply[REPLY_MAX];
	struct outcome clock;
};

struct vt_result {
	struct vt_step_result step[MAX_STEPS];
	unsigned unplaced;        /* replies or clock actions outside every window */
	char error[256];          /* why the run failed, when it did */
};

/*
 * Play a scenario (host `offset_ms` ahead of the guest at start, then the
 * steps) as a host script to the vmbd-time program, in virtual time, and
 * sort its JSON events into the steps' windows. The script file goes into
 * dir. Returns 0, or -1 with out->error set.
 */
int vt_run_scenario(const char *vmbd_time, const char *dir, const char *name,
		    int64_t offset_ms, const struct step *steps, size_t nsteps,
		    struct vt_result *out);

#endif
