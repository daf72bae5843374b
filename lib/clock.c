/*
 * Clock interface: argument checks shared by every implementation, and the
 * pure arithmetic the real clock feeds to the kernel (kept here, apart from
 * the system calls, so it is tested on any machine without touching the
 * system clock).
 */
#include <vmbackdoor/clock.h>

#define NS_PER_SEC INT64_C(1000000000)

int vmbd_clock_init(struct vmbd_clock *clk, const struct vmbd_clock_ops *ops,
		    void *arg)
{
	if (!clk || !ops || !ops->now || !ops->step || !ops->slew)
		return VMBD_EINVAL;
	clk->ops = ops;
	clk->arg = arg;
	clk->steps = 0;
	clk->slews = 0;
	return VMBD_OK;
}

static int64_t abs64(int64_t v)
{
	/* Callers only pass values already known to be > INT64_MIN. */
	return v < 0 ? -v : v;
}

int vmbd_clock_now(struct vmbd_clock *clk, int64_t *ns)
{
	if (!clk || !clk->ops || !ns)
		return VMBD_EINVAL;
	return clk->ops->now(clk->arg, ns);
}

int vmbd_clock_step(struct vmbd_clock *clk, int64_t delta_ns)
{
	int rc;

	if (!clk || !clk->ops)
		return VMBD_EINVAL;
	if (delta_ns < -VMBD_CLOCK_MAX_STEP_NS ||
	    delta_ns > VMBD_CLOCK_MAX_STEP_NS)
		return VMBD_ERANGE;
	rc = clk->ops->step(clk->arg, delta_ns);
	if (rc == VMBD_OK)
		clk->steps++;
	return rc;
}

static int slew_args_check(int64_t offset_ns, int64_t period_ns,
			   int64_t freq_ppb)
{
	if (offset_ns < -VMBD_CLOCK_MAX_STEP_NS ||
	    offset_ns > VMBD_CLOCK_MAX_STEP_NS)
		return VMBD_ERANGE;
	if (freq_ppb < -VMBD_CLOCK_MAX_FREQ_PPB ||
	    freq_ppb > VMBD_CLOCK_MAX_FREQ_PPB)
		return VMBD_ERANGE;
	if (offset_ns != 0 && period_ns <= 0)
		return VMBD_EINVAL;
	return VMBD_OK;
}

int vmbd_clock_slew(struct vmbd_clock *clk, int64_t offset_ns,
		    int64_t period_ns, int64_t freq_ppb)
{
	int rc;

	if (!clk || !clk->ops)
		return VMBD_EINVAL;
	rc = slew_args_check(offset_ns, period_ns, freq_ppb);
	if (rc != VMBD_OK)
		return rc;
	rc = clk->ops->slew(clk->arg, offset_ns, period_ns, freq_ppb);
	if (rc == VMBD_OK)
		clk->slews++;
	return rc;
}

/*
 * floor(a * b / c) for b < c, exact without a wider type: shift-and-subtract
 * long multiplication keeps the running remainder below c < 2^63, so
 * doubling it fits in 64 unsigned bits.
 */
static uint64_t muldiv_small(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t q = 0, r = 0;
	int bit;

	for (bit = 63; bit >= 0; bit--) {
		q <<= 1;
		r <<= 1;
		if (r >= c) {
			r -= c;
			q++;
		}
		if ((a >> bit) & 1u) {
			r += b;
			if (r >= c) {
				r -= c;
				q++;
			}
		}
	}
	return q;
}

int vmbd_clock_adj_compute(int64_t offset_ns, int64_t period_ns,
			   int64_t freq_ppb, long tick_nominal_us,
			   struct vmbd_clock_adj *out)
{
	int rc;
	long max_delta;
	uint64_t mag, share;

	if (!out || tick_nominal_us <= 0 || tick_nominal_us > 1000000L)
		return VMBD_EINVAL;
	rc = slew_args_check(offset_ns, period_ns, freq_ppb);
	if (rc != VMBD_OK)
		return rc;

	/* The kernel accepts a tick within +-10 % of nominal (Linux
	 * do_adjtimex; open-vm-tools' TICK_INCR_MIN/MAX). */
	max_delta = tick_nominal_us / 10;
	out->tick_us = tick_nominal_us;
	out->tick_clamped = 0;
	if (offset_ns != 0) {
		mag = (uint64_t)abs64(offset_ns);
		if (mag >= (uint64_t)period_ns) {
			/* At least a whole extra tick per tick: far past +-10 %. */
			share = (uint64_t)max_delta + 1u;
		} else {
			share = muldiv_small((uint64_t)tick_nominal_us, mag,
					     (uint64_t)period_ns);
		}
		if (share > (uint64_t)max_delta) {
			share = (uint64_t)max_delta;
			out->tick_clamped = 1;
		}
		out->tick_us = offset_ns > 0 ? tick_nominal_us + (long)share
					     : tick_nominal_us - (long)share;
	}
	/* ADJ_FREQUENCY / MOD_FREQUENCY take ppm with a 16-bit fraction. */
	out->freq_scaled_ppm = (long)(freq_ppb * 65536 / 1000);
	out->adjtime_us = offset_ns / 1000;
	return VMBD_OK;
}

int vmbd_clock_step_target(int64_t now_sec, long now_nsec, int64_t delta_ns,
			   int64_t *sec, long *nsec)
{
	int64_t dsec, dnsec, s, n;

	if (!sec || !nsec || now_nsec < 0 || now_nsec >= NS_PER_SEC)
		return VMBD_EINVAL;
	if (delta_ns < -VMBD_CLOCK_MAX_STEP_NS ||
	    delta_ns > VMBD_CLOCK_MAX_STEP_NS)
		return VMBD_ERANGE;
	dsec = delta_ns / NS_PER_SEC;
	dnsec = delta_ns % NS_PER_SEC;
	if ((dsec > 0 && now_sec > INT64_MAX - dsec - 1) ||
	    (dsec < 0 && now_sec < INT64_MIN - dsec + 1))
		return VMBD_ERANGE;
	s = now_sec + dsec;
	n = (int64_t)now_nsec + dnsec;
	if (n >= NS_PER_SEC) {
		n -= NS_PER_SEC;
		s++;
	} else if (n < 0) {
		n += NS_PER_SEC;
		s--;
	}
	*sec = s;
	*nsec = (long)n;
	return VMBD_OK;
}
