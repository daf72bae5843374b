/*
 * libvmbackdoor: measuring the guest clock against the host and deciding
 * how to correct it.
 *
 * Two pieces, both pure (no clock reads of their own, no I/O, no
 * allocation; the nm check in tests/policy_symbols.cmake holds them to it):
 *
 *  - vmbd_ts_sample(): read host, guest, host again through caller
 *    callbacks, up to VMBD_TS_MAX_TRIES times, until the two host reads
 *    are within VMBD_TS_GOOD_SPREAD_NS; keep the tightest pair and take the
 *    host midpoint (open-vm-tools' TimeSyncReadHostAndGuest). Each host
 *    read is a backdoor call, so the second read of one try is reused as
 *    the first of the next: at most 1 + VMBD_TS_MAX_TRIES host reads.
 *
 *  - vmbd_ts_decide(): from one sample and the mode, return NONE, STEP or
 *    SLEW by open-vm-tools' rules (timeSync.c TimeSyncDoSyncWork):
 *      error = host - guest - interrupt_lag  (> 0: guest behind)
 *      one-shot: STEP by host - guest if error > max_lag, or if the guest
 *                is ahead (host - guest < 0) and backward is allowed;
 *                else NONE.
 *      loop:     STEP forward by host - guest if error > max_lag (never
 *                backward); else, if slew is on and the host reported the
 *                interrupt lag, SLEW; else NONE.
 *    The loop's SLEW improves on open-vm-tools' proportional slew (which
 *    leaves a steady error of drift * period / percent, 24 ms for a 200
 *    ppm guest at 60 s / 50 %): a caller-owned estimator learns the guest
 *    clock's frequency error across periods from the rate the clock
 *    showed between samples (a frequency lock, then refinement), apart
 *    from the phase: an offset step (host clock jump, suspend) is slewed
 *    away, never taken for a frequency error. Each SLEW carries both the
 *    offset to correct over the period (percent % of the error, the
 *    proportional part, as open-vm-tools) and a frequency correction in
 *    ppb to hold from now on.
 *
 * Contract with the clock (clock.h vmbd_clock_slew(offset, period, freq)):
 * on SLEW apply slew_offset_ns over slew_period_ns and set the frequency
 * correction to freq_ppb; on a loop STEP, step then cancel the pending
 * offset but keep the frequency: slew(0, 0, freq_ppb); on a one-shot STEP
 * while the loop slews, the same (and clear the estimator's have_last);
 * on a loop NONE (no slew possible: slew off, or no interrupt lag) go
 * back to nominal, slew(0, 0, 0), and re-initialise the estimator, as
 * open-vm-tools' TimeSyncSetSlewState does. Call
 * vmbd_ts_estimator_init() when the loop starts or stops (VMBD_ACT_LOOP_*
 * from the policy engine; open-vm-tools resets the clock rate to nominal
 * then) and pass the same estimator to every decision in between.
 */
#ifndef VMBACKDOOR_TIMESYNC_H
#define VMBACKDOOR_TIMESYNC_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/backdoor.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMBD_TS_MAX_TRIES 4                      /* host-guest-host tries */
#define VMBD_TS_GOOD_SPREAD_NS INT64_C(2000000)  /* 2000 us between reads */
/* Lags beyond an hour are nonsense from a hostile or broken host. */
#define VMBD_TS_MAX_LAG_NS (INT64_C(3600) * 1000000000)
/* No step larger than 100 years (as clock.h's VMBD_CLOCK_MAX_STEP_NS). */
#define VMBD_TS_MAX_STEP_NS (INT64_C(100) * 366 * 86400 * 1000000000)
/* Largest frequency correction the estimator asks for: the kernels' limit
 * (clock.h VMBD_CLOCK_MAX_FREQ_PPB). */
#define VMBD_TS_MAX_FREQ_PPB INT64_C(500000)
/* Errors beyond this are not used to learn the frequency (a host time
 * change, a missed step): they are slewed, not integrated. */
#define VMBD_TS_LEARN_MAX_ERROR_NS INT64_C(1000000000)

/* Where samples come from. read_host gets the host time and lags (the
 * daemon passes vmbd_read_host_time; the simulator its own); read_guest the
 * guest wall clock in ns since the Unix epoch. A non-zero return aborts
 * the sample with that code. */
struct vmbd_ts_source {
	int (*read_host)(void *arg, struct vmbd_host_time *t);
	int (*read_guest)(void *arg, int64_t *guest_ns);
	void *arg;
};

/* One host/guest measurement. */
struct vmbd_ts_sample {
	int64_t host_ns;          /* host time, ns since epoch (pair midpoint) */
	int64_t guest_ns;         /* guest time read between the two */
	int64_t max_lag_ns;       /* host's allowed lag before a step */
	int64_t interrupt_lag_ns; /* apparent - real time, >= 0 */
	int has_interrupt_lag;    /* interrupt_lag_ns is known (WITH_LAG) */
	int64_t spread_ns;        /* second host read - first, of the pair */
	unsigned host_reads;      /* backdoor host-time reads made */
	unsigned guest_reads;
};

/* Take one sample. Returns 0; a callback's error; VMBD_EBADTIME when a
 * host read is invalid (seconds <= 0, usec >= 10^6, beyond int64 ns) or
 * every pair had the host clock running backwards (open-vm-tools counts
 * such a pair as perfectly tight; we refuse it); VMBD_EINVAL for NULL
 * arguments. If no pair is within VMBD_TS_GOOD_SPREAD_NS, the tightest is
 * returned (as open-vm-tools does) and spread_ns says how loose it is. */
VMBD_API int vmbd_ts_sample(const struct vmbd_ts_source *src,
			    struct vmbd_ts_sample *out);

/* How to correct. */
struct vmbd_ts_mode {
	int loop;          /* 0: one-shot sync, 1: periodic loop sync */
	int backward;      /* one-shot: may step backward (ignored in loop) */
	int slew_on;       /* loop: slewCorrection */
	uint32_t percent;  /* loop with slew: percentCorrection, 1..100 */
	uint32_t period_s; /* loop: period in seconds, > 0 */
};

/* Learns the guest clock's frequency error across loop periods. Caller
 * allocated; initialise with vmbd_ts_estimator_init. */
struct vmbd_ts_estimator {
	int64_t freq_ppb;       /* current correction (what SLEW returns) */
	int64_t last_host_ns;   /* previous loop sample's host time */
	int64_t last_error_ns;  /* its error */
	int64_t last_offset_ns; /* the offset slewed after it */
	int have_last;          /* last_* valid (cleared by steps, gaps) */
	int freq_locked;        /* first frequency estimate done */
	uint32_t updates;       /* frequency updates since init */
	uint32_t outliers;      /* implausible residual rates in a row */
};

/* Reset to nominal: no frequency correction, no history. */
VMBD_API void vmbd_ts_estimator_init(struct vmbd_ts_estimator *est);

enum vmbd_ts_action {
	VMBD_TS_NONE = 0,
	VMBD_TS_STEP = 1,
	VMBD_TS_SLEW = 2
};

struct vmbd_ts_decision {
	int action;             /* enum vmbd_ts_action */
	int64_t error_ns;       /* host - guest - interrupt lag (> 0: behind) */
	int64_t step_ns;        /* STEP: add to the guest clock (< 0: back) */
	int64_t slew_offset_ns; /* SLEW: correct this much ... */
	int64_t slew_period_ns; /* ... over this long (the loop period) */
	int64_t freq_ppb;       /* loop: frequency correction to hold (SLEW,
				 * and STEP for the slew(0, 0, freq) after it) */
};

/* Decide for one sample. est may be NULL: then a loop slews proportionally
 * only, exactly as open-vm-tools (freq_ppb 0). A STEP clears the
 * estimator's history (not its frequency). Returns 0 with *d filled;
 * VMBD_EBADTIME for host or guest time <= 0; VMBD_ERANGE for a lag < 0 or
 * > VMBD_TS_MAX_LAG_NS or a difference > VMBD_TS_MAX_STEP_NS; VMBD_EINVAL
 * for NULL s/m/d, a loop with period 0, or slew with percent outside
 * 1..100. On any error *d is NONE: invalid data never steps. */
VMBD_API int vmbd_ts_decide(const struct vmbd_ts_sample *s,
			    const struct vmbd_ts_mode *m,
			    struct vmbd_ts_estimator *est,
			    struct vmbd_ts_decision *d);

#ifdef __cplusplus
}
#endif

#endif
