/*
 * Step/slew decision (open-vm-tools' TimeSyncDoSyncWork rules) and the
 * frequency estimator that makes the loop's slew converge.
 *
 * Phase and frequency are kept apart. Per loop sample, with error e
 * (host - guest - interrupt lag), period T and Kp = percent / 100, the
 * phase is corrected proportionally, as open-vm-tools does:
 *   offset slewed over the next period   o = Kp * e
 * and the frequency is learned from what the clock did between two
 * samples. When the previous offset o' was small enough that any kernel
 * slews it in full within the interval dt (at most 500 ppm of dt, BSD
 * adjtime()'s rate), the rest of the change is the guest's residual rate
 * error, whatever the phase:
 *   r = (e' - o' - e) / dt  = drift + correction
 * The first such measurement sets the correction (f -= r: a frequency
 * lock); later ones refine it (f -= r / 4, so at most 25 ppm per update
 * with the 100 ppm gate below), which averages sampling noise. So a phase error (a startup offset, a
 * host clock jump, a suspend) is slewed away without being integrated
 * into the frequency, and the frequency converges to -drift, leaving no
 * steady error (proportional slew alone leaves drift * T / Kp: 24 ms for
 * 200 ppm at 60 s / 50 %).
 *
 * A residual that no oscillator can have (beyond twice the kernels' 500
 * ppm before the lock, beyond 100 ppm after it) is a phase jump that
 * happened inside the interval (host step, missed catch-up): it teaches
 * nothing. Three such residuals in a row are believed: the guest's rate
 * really changed (migration to another host), and the lock is redone.
 * Before the first lock, a guest drifting so fast that the offsets are
 * never small enough to measure (over 500 ppm at 50 %) is pulled in by
 * integrating the error (f += Kp^2/2 * e / T) while |e| is within what
 * a drift could cause in one interval (2 * 500 ppm * dt) and grows
 * although it is being slewed, which a phase transient never does.
 *
 * Integer arithmetic only (kernel builds have no FPU); every product is
 * bounded by the limits in timesync.h so none can overflow.
 */
#include <vmbackdoor/timesync.h>

#include <string.h>

#define NS_PER_S INT64_C(1000000000)
/* A slew is surely complete within dt if it needed at most 500 ppm of dt
 * (dt / 2000): BSD adjtime()'s rate, the slowest of the kernels. */
#define SLEW_DONE_DIVISOR 2000
/* Residual rates beyond these are phase jumps, not frequency. */
#define JUMP_UNLOCKED_PPB (2 * VMBD_TS_MAX_FREQ_PPB)
#define JUMP_LOCKED_PPB INT64_C(100000)
/* Consecutive "jumps" that are believed to be a real rate change. */
#define RELOCK_AFTER 3
/* After the lock: f -= r / REFINE_DIVISOR (so at most 25 ppm a step). */
#define REFINE_DIVISOR 4

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* percent % of v without overflow for any |v| < 2^63 / 2. */
static int64_t percent_of(int64_t v, uint32_t percent)
{
	return v / 100 * (int64_t)percent + v % 100 * (int64_t)percent / 100;
}

void vmbd_ts_estimator_init(struct vmbd_ts_estimator *est)
{
	if (est != NULL)
		memset(est, 0, sizeof(*est));
}

/* The guest's residual rate error over the last interval, ppb. */
static int64_t residual_ppb(const struct vmbd_ts_estimator *est,
			    int64_t error_ns, int64_t dt)
{
	/* |numerator| <= 3e9, times 1e9 fits in int64. */
	return (est->last_error_ns - est->last_offset_ns - error_ns) *
	       NS_PER_S / dt;
}

/* Learn from a measurable interval: lock, refine, or skip a jump. */
static void learn_rate(struct vmbd_ts_estimator *est, int64_t r)
{
	int64_t limit = est->freq_locked ? JUMP_LOCKED_PPB : JUMP_UNLOCKED_PPB;

	if (abs64(r) > limit && ++est->outliers < RELOCK_AFTER)
		return; /* a phase jump inside the interval */
	if (!est->freq_locked || est->outliers >= RELOCK_AFTER) {
		est->freq_ppb -= r;
		est->freq_locked = 1;
	} else {
		est->freq_ppb -= r / REFINE_DIVISOR;
	}
	est->outliers = 0;
	est->updates++;
}

/* The error kept its sign and did not shrink although half of it was
 * slewed: a rate, not a phase transient (which only shrinks). */
static int growing(int64_t last_error_ns, int64_t error_ns)
{
	return (last_error_ns < 0) == (error_ns < 0) &&
	       abs64(error_ns) >= abs64(last_error_ns);
}

/* Update the frequency from this sample and remember it. */
static void learn(struct vmbd_ts_estimator *est, int64_t host_ns,
		  int64_t error_ns, int64_t offset_ns, int64_t period_ns,
		  uint32_t percent)
{
	int64_t dt = host_ns - est->last_host_ns;
	int usable = est->have_last && dt > 0 && dt >= period_ns / 4 &&
		     dt / 4 <= period_ns &&
		     abs64(error_ns) <= VMBD_TS_LEARN_MAX_ERROR_NS &&
		     abs64(est->last_error_ns) <= VMBD_TS_LEARN_MAX_ERROR_NS &&
		     abs64(est->last_offset_ns) <= VMBD_TS_LEARN_MAX_ERROR_NS;

	if (usable && abs64(est->last_offset_ns) <= dt / SLEW_DONE_DIVISOR) {
		learn_rate(est, residual_ppb(est, error_ns, dt));
	} else if (usable && !est->freq_locked &&
		   abs64(error_ns) <= dt / (NS_PER_S / JUMP_UNLOCKED_PPB) &&
		   growing(est->last_error_ns, error_ns)) {
		/* Fast drift before the lock: Ki * e = e * percent^2 /
		 * 20000; |e| <= 1e9 here, so times 1e9 fits. */
		int64_t ki_e = error_ns * (int64_t)percent * (int64_t)percent /
			       20000;

		est->freq_ppb += ki_e * NS_PER_S / dt;
		est->updates++;
	}
	/* The kernels refuse more; holding the limit also stops the
	 * estimate winding up past it. */
	est->freq_ppb = clamp64(est->freq_ppb, -VMBD_TS_MAX_FREQ_PPB,
				VMBD_TS_MAX_FREQ_PPB);
	est->last_host_ns = host_ns;
	est->last_error_ns = error_ns;
	est->last_offset_ns = offset_ns;
	est->have_last = 1;
}

static int check_sample(const struct vmbd_ts_sample *s)
{
	if (s->host_ns <= 0 || s->guest_ns <= 0)
		return VMBD_EBADTIME;
	if (s->max_lag_ns < 0 || s->max_lag_ns > VMBD_TS_MAX_LAG_NS)
		return VMBD_ERANGE;
	if (s->has_interrupt_lag && (s->interrupt_lag_ns < 0 ||
				     s->interrupt_lag_ns > VMBD_TS_MAX_LAG_NS))
		return VMBD_ERANGE;
	/* Both are positive, so the difference cannot overflow. */
	if (abs64(s->host_ns - s->guest_ns) > VMBD_TS_MAX_STEP_NS)
		return VMBD_ERANGE;
	return VMBD_OK;
}

static int check_mode(const struct vmbd_ts_mode *m)
{
	if (!m->loop)
		return VMBD_OK;
	if (m->period_s == 0)
		return VMBD_EINVAL;
	if (m->slew_on && (m->percent == 0 || m->percent > 100))
		return VMBD_EINVAL;
	return VMBD_OK;
}

int vmbd_ts_decide(const struct vmbd_ts_sample *s,
		   const struct vmbd_ts_mode *m, struct vmbd_ts_estimator *est,
		   struct vmbd_ts_decision *d)
{
	int64_t diff, lag, error;
	int rc;

	if (d == NULL)
		return VMBD_EINVAL;
	memset(d, 0, sizeof(*d));
	if (s == NULL || m == NULL)
		return VMBD_EINVAL;
	rc = check_sample(s);
	if (rc == VMBD_OK)
		rc = check_mode(m);
	if (rc != VMBD_OK)
		return rc;

	diff = s->host_ns - s->guest_ns;
	lag = s->has_interrupt_lag ? s->interrupt_lag_ns : 0;
	error = diff - lag;
	d->error_ns = error;
	d->freq_ppb = (m->loop && est != NULL) ? est->freq_ppb : 0;

	if (!m->loop) {
		if (error > s->max_lag_ns || (diff < 0 && m->backward)) {
			d->action = VMBD_TS_STEP;
			d->step_ns = diff;
			if (est != NULL)
				est->have_last = 0;
		}
		return VMBD_OK;
	}

	/* Loop: a forward step when far behind, never a backward one. */
	if (error > s->max_lag_ns) {
		d->action = VMBD_TS_STEP;
		d->step_ns = diff;
		if (est != NULL)
			est->have_last = 0;
		return VMBD_OK;
	}
	/* Without the interrupt lag the guest's own error cannot be told
	 * from the host's catch-up, so open-vm-tools does not slew. */
	if (!m->slew_on || !s->has_interrupt_lag) {
		if (est != NULL)
			est->have_last = 0;
		return VMBD_OK;
	}
	d->action = VMBD_TS_SLEW;
	d->slew_offset_ns = percent_of(error, m->percent);
	d->slew_period_ns = (int64_t)m->period_s * NS_PER_S;
	if (est != NULL) {
		learn(est, s->host_ns, error, d->slew_offset_ns,
		      d->slew_period_ns, m->percent);
		d->freq_ppb = est->freq_ppb;
	}
	return VMBD_OK;
}
