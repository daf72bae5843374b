/*
 * Step/slew decision (open-vm-tools' TimeSyncDoSyncWork rules) and the
 * frequency estimator that makes the loop's slew converge.
 *
 * The estimator is a type-II loop. Per loop sample, with error e (host -
 * guest - interrupt lag), period T and Kp = percent / 100:
 *   offset slewed over the next period   o = Kp * e      (open-vm-tools)
 *   frequency correction                 f += Ki * e / T, Ki = Kp^2 / 2
 * For a guest whose clock runs d fast, e(k+1) = e(k) - (d + f(k)) T - o(k),
 * whose characteristic polynomial z^2 - (2 - Kp - Ki) z + (1 - Kp) has
 * both roots inside the unit circle for 0 < Kp <= 1 (|z| = 0.71 at the
 * default 50 %), so e -> 0 and f -> -d: no steady error, where the
 * proportional slew alone leaves d T / Kp. To skip the slow part of the
 * transient, the first interval after a reset measures the residual rate
 * directly, (e(k-1) - o(k-1) - e(k)) / dt = d + f, and cancels it (a
 * frequency-locked first step), provided the previous offset was small
 * enough (<= 250 ppm of the interval) to have been slewed in full.
 *
 * Integer arithmetic only (kernel builds have no FPU); every product is
 * bounded by the limits in timesync.h so none can overflow.
 */
#include <vmbackdoor/timesync.h>

#include <string.h>

#define NS_PER_S INT64_C(1000000000)
/* First-step frequency lock only if the previous offset was slewed in
 * full: at most 250 ppm of the interval, half the classic adjtime rate. */
#define LOCK_MAX_RATE_DIVISOR 4000

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

	if (usable) {
		if (!est->freq_locked &&
		    abs64(est->last_offset_ns) <= dt / LOCK_MAX_RATE_DIVISOR) {
			/* |numerator| <= 3e9, times 1e9 fits in int64. */
			int64_t residual_ppb =
				(est->last_error_ns - est->last_offset_ns -
				 error_ns) * NS_PER_S / dt;

			est->freq_ppb -= residual_ppb;
			est->freq_locked = 1;
		} else {
			/* Ki * e = e * percent^2 / 20000; <= 5e8, times 1e9
			 * fits. */
			int64_t ki_e = error_ns * (int64_t)percent *
				       (int64_t)percent / 20000;

			est->freq_ppb += ki_e * NS_PER_S / dt;
		}
		/* The kernels refuse more; holding the limit also stops the
		 * integral winding up past it. */
		est->freq_ppb = clamp64(est->freq_ppb, -VMBD_TS_MAX_FREQ_PPB,
					VMBD_TS_MAX_FREQ_PPB);
		est->updates++;
	}
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
