/*
 * Binding of the trap engine to the library's simulator: the child's
 * backdoor calls are answered by a struct vmbd_sim through
 * vmbd_sim_io_ops(), its CPUID by the VMware personality with the
 * simulator's TSC/bus rates, and the simulated host clock follows the
 * child's real guest clock:
 *
 *   host = real CLOCK_REALTIME + offset
 *
 * The child reads guest time through the vDSO, which no tracer can
 * intercept, so its corrections are applied to the host side instead: a
 * step of d moves offset by -d, and a frequency/tick change or an adjtime
 * slew drifts offset at the rate the child asked for. The child therefore
 * sees its correction take effect while the real clock is never touched.
 */
#ifndef VMBD_INTEROP_TRAP_SIM_H
#define VMBD_INTEROP_TRAP_SIM_H

#include "trap.h"

#include <vmbackdoor/sim.h>

#define TRAP_SIM_MAX_EVENTS 256
#define TRAP_SIM_MAX_READS 16

struct trap_sim {
	struct vmbd_sim *sim;
	struct trap *t;             /* set after trap_start, for the model */
	int64_t offset_ns;          /* host - real guest clock */
	int64_t mono0_ns;           /* CLOCK_MONOTONIC at init */
	int64_t last_mono_ns;       /* last rate integration */
	int64_t slew_rem_ns;        /* adjtime slew still to apply */
	struct trap_clock_event events[TRAP_SIM_MAX_EVENTS];
	int64_t offset_before_ns[TRAP_SIM_MAX_EVENTS]; /* host - guest the
				       child saw when it made each call */
	unsigned nevents;           /* kept (first TRAP_SIM_MAX_EVENTS) */
	unsigned events_total;
	int64_t steps_total_ns;
	/* Host time the host-time reads (GETTIME*) answered from, in order:
	 * the spread of a host-guest-host pair decides how many reads a
	 * sampler makes (timesync.h), and under ptrace on a loaded machine
	 * that is real time, so a test needs it to know the right count. */
	int64_t read_host_ns[TRAP_SIM_MAX_READS];
	unsigned nreads;            /* kept (first TRAP_SIM_MAX_READS) */
	uint64_t reads_seen;        /* host-time reads counted so far */
	int64_t frame_host_ns;      /* host time of the last frame */
};

/* Bind ts to sim (already initialised and configured by the caller) with
 * host = real + offset_ns, and fill hooks for trap_start(). Sets the
 * simulator's call cost to 0 (real time drives it). */
void trap_sim_init(struct trap_sim *ts, struct vmbd_sim *sim, int64_t offset_ns,
		   struct trap_hooks *hooks);

/* Bring the simulator's clocks to now (also done before every frame). */
void trap_sim_sync(struct trap_sim *ts);

/* Record a host-time read the last frame made (called before every
 * frame, and once more before the report). */
void trap_sim_note_reads(struct trap_sim *ts);

/* Current host - guest offset the child would measure, ns. */
int64_t trap_sim_offset(struct trap_sim *ts);

/* Change the host clock by delta (a host-side step, like a scripted
 * vmx time jump). */
void trap_sim_host_step(struct trap_sim *ts, int64_t delta_ns);

#endif
