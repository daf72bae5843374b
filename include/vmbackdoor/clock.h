/*
 * libvmbackdoor: the guest clock interface.
 *
 * Everything that changes a clock goes through one small ops table, so the
 * same daemon code drives the real system clock, a dry run that only logs,
 * or the simulator's guest clock (virtual time, used by every test).
 *
 * Three operations, all in nanoseconds:
 *   now    read the guest's wall clock (Unix epoch)
 *   step   jump it by delta (positive = forward)
 *   slew   correct offset gradually over period, and set the clock's
 *          frequency correction to freq (ppb, positive = run faster);
 *          offset 0 and freq 0 restore the nominal rate (what open-vm-tools
 *          does when the loop starts or stops)
 *
 * A slew lasts about one period and replaces any slew still running. The
 * real Linux clock keeps a changed tick length until told otherwise, so a
 * caller that stops slewing (loop stopped, program exit) must call
 * slew(0, 0, freq) to return to the nominal tick.
 *
 * STOPCATCHUP is *not* part of a clock: a clock knows nothing of the host.
 * After a real step the host must be told to stop catching up the ticks it
 * thinks the guest missed (PROTOCOL.md section 6), otherwise it replays
 * them on top of the step. vmbd_clock_step_catchup() does both in the
 * right order and is what callers should use; it skips STOPCATCHUP for
 * clocks flagged VMBD_CLOCK_DRY, since nothing was stepped.
 *
 * No implementation allocates; each keeps its state in a caller-provided
 * struct. Only the real clock touches the system; tests never use it
 * (its argument arithmetic is the pure vmbd_clock_adj_compute() and
 * vmbd_clock_step_target(), which are tested).
 */
#ifndef VMBACKDOOR_CLOCK_H
#define VMBACKDOOR_CLOCK_H

#include <vmbackdoor/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vmbd_ctx;
struct vmbd_sim;

/* Limits every implementation enforces through the wrappers below, so a
 * hostile host cannot push an absurd value into a kernel call. */
#define VMBD_CLOCK_MAX_STEP_NS (INT64_C(100) * 366 * 86400 * 1000000000)
/* Linux and the BSD kernels refuse frequency corrections beyond 500 ppm. */
#define VMBD_CLOCK_MAX_FREQ_PPB INT64_C(500000)

enum {
	/* The clock changes nothing (dry run): no STOPCATCHUP after a step. */
	VMBD_CLOCK_DRY = 1u << 0
};

struct vmbd_clock_ops {
	const char *name;  /* "real", "dry-run", "sim" */
	unsigned flags;    /* VMBD_CLOCK_* */
	int (*now)(void *arg, int64_t *ns);
	int (*step)(void *arg, int64_t delta_ns);
	int (*slew)(void *arg, int64_t offset_ns, int64_t period_ns,
		    int64_t freq_ppb);
};

/* A bound implementation plus counters of what was asked of it. */
struct vmbd_clock {
	const struct vmbd_clock_ops *ops;
	void *arg;
	uint64_t steps;
	uint64_t slews;
};

/* Bind ops/arg and zero the counters. VMBD_EINVAL on NULL ops or an ops
 * table missing a function. */
VMBD_API int vmbd_clock_init(struct vmbd_clock *clk,
			     const struct vmbd_clock_ops *ops, void *arg);
/* Read the guest wall clock in ns since the Unix epoch. */
VMBD_API int vmbd_clock_now(struct vmbd_clock *clk, int64_t *ns);
/* Step by delta_ns. VMBD_ERANGE when |delta| > VMBD_CLOCK_MAX_STEP_NS. */
VMBD_API int vmbd_clock_step(struct vmbd_clock *clk, int64_t delta_ns);
/* Slew offset_ns over period_ns and set the frequency correction.
 * VMBD_EINVAL when offset != 0 and period <= 0; VMBD_ERANGE when |freq| >
 * VMBD_CLOCK_MAX_FREQ_PPB or |offset| > VMBD_CLOCK_MAX_STEP_NS. */
VMBD_API int vmbd_clock_slew(struct vmbd_clock *clk, int64_t offset_ns,
			     int64_t period_ns, int64_t freq_ppb);
/* --- the real system clock ------------------------------------------- */

/*
 * Linux: step with clock_settime(CLOCK_REALTIME), slew with adjtimex()
 * ADJ_TICK exactly as open-vm-tools' slewLinux.c (the tick length is
 * changed so the offset is absorbed over the period, at most +-10 %), and
 * the frequency with ADJ_FREQUENCY. BSD: clock_settime, adjtime() for the
 * offset (the kernel picks the rate; period is advisory), ntp_adjtime()
 * MOD_FREQUENCY. Returns NULL where none of these exist. A failing system
 * call gives VMBD_ECLOCKPERM for EPERM (needs CAP_SYS_TIME / root), else
 * VMBD_ECLOCK. arg: NULL.
 */
VMBD_API const struct vmbd_clock_ops *vmbd_clock_real(void);

/* Nominal Linux tick in microseconds for USER_HZ 100 (what adjtimex's
 * ADJ_TICK counts in). */
#define VMBD_CLOCK_TICK_NOMINAL_US 10000L

/* Kernel arguments for one slew, computed without touching anything. */
struct vmbd_clock_adj {
	long tick_us;          /* Linux ADJ_TICK: nominal + offset/period share */
	int tick_clamped;      /* 1 when the slew needed more than +-10 % */
	long freq_scaled_ppm;  /* ADJ_FREQUENCY / MOD_FREQUENCY: ppm * 65536 */
	int64_t adjtime_us;    /* BSD adjtime() offset */
};

/* tick = nominal + nominal * offset / period (truncated toward zero, as
 * open-vm-tools computes it), clamped to nominal +-10 %; freq scaled to
 * the kernel's ppm<<16 unit. VMBD_EINVAL when offset != 0 and period <= 0
 * or nominal <= 0; VMBD_ERANGE when |freq| > VMBD_CLOCK_MAX_FREQ_PPB. */
VMBD_API int vmbd_clock_adj_compute(int64_t offset_ns, int64_t period_ns,
				    int64_t freq_ppb, long tick_nominal_us,
				    struct vmbd_clock_adj *out);

/* The clock_settime() argument for a step: now + delta, normalised so
 * 0 <= *nsec < 10^9 (also for times before the epoch). VMBD_ERANGE when
 * |delta| > VMBD_CLOCK_MAX_STEP_NS or the result overflows; VMBD_EINVAL
 * when now_nsec is not in [0, 10^9). */
VMBD_API int vmbd_clock_step_target(int64_t now_sec, long now_nsec,
				    int64_t delta_ns, int64_t *sec, long *nsec);

/* --- dry run ------------------------------------------------------------ */

/* Reads come from an inner clock (the real one, or the simulator's); step
 * and slew only log "would step ..." through the callback (level INFO) and
 * count. It never changes anything, and carries VMBD_CLOCK_DRY. */
struct vmbd_clock_dry {
	struct vmbd_clock *inner;  /* may be NULL: now() gives VMBD_ENOTSUP */
	vmbd_log_fn log;
	void *log_arg;
	int64_t last_step_ns;      /* last requested step, for tests/output */
	int64_t last_slew_ns;
	int64_t last_period_ns;
	int64_t last_freq_ppb;
};
VMBD_API void vmbd_clock_dry_init(struct vmbd_clock_dry *dry,
				  struct vmbd_clock *inner, vmbd_log_fn log,
				  void *log_arg);
VMBD_API const struct vmbd_clock_ops *vmbd_clock_dry_run(void); /* arg: dry */

/* --- the simulator's guest clock ---------------------------------------- */

/* arg: struct vmbd_sim *. now/step map to vmbd_sim_guest_now/_step; slew
 * applies offset evenly over period (rate |offset|/period, at most 10 %
 * like the Linux tick) through vmbd_sim_guest_slew and sets the frequency
 * with vmbd_sim_guest_set_freq. Virtual time: nothing real is touched. */
VMBD_API const struct vmbd_clock_ops *vmbd_clock_sim(void);

#ifdef __cplusplus
}
#endif

#endif
