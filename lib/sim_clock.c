/*
 * Simulator virtual time: the true clock, the host clock and the simulated
 * guest clock. Nothing here reads a real clock.
 *
 * The guest clock runs at 1 + (drift + freq) / 10^9 of true time, plus an
 * adjtime-style slew at guest_slew_rate_ppb while one is pending. Rates are
 * integrated in integers with the remainder carried (in 10^-9 ns), so the
 * result of any sequence of advances equals floor(total_ns * ppb / 10^9)
 * exactly: no drift from rounding however the time is cut up, and each
 * advance is O(1), so days of simulated time cost nothing.
 */
#include <vmbackdoor/sim.h>

#define NS_PER_S 1000000000LL

static int64_t clamp_ppb(int64_t ppb)
{
	if (ppb > VMBD_SIM_MAX_PPB)
		return VMBD_SIM_MAX_PPB;
	if (ppb < -VMBD_SIM_MAX_PPB)
		return -VMBD_SIM_MAX_PPB;
	return ppb;
}

/*
 * floor((dt * ppb + *frac) / 10^9), carrying the remainder in *frac.
 * dt >= 0, |ppb| <= 10^9, 0 <= *frac < 10^9. Splitting dt into whole
 * seconds and a rest keeps every product inside int64 for any dt:
 * q * |ppb| <= (INT64_MAX / 10^9) * 10^9 and rest * |ppb| < 10^18.
 */
static int64_t scale_ppb(int64_t dt, int64_t ppb, int64_t *frac)
{
	int64_t q = dt / NS_PER_S;
	int64_t r = dt % NS_PER_S;
	int64_t t = r * ppb + *frac;
	int64_t d = t / NS_PER_S;
	int64_t m = t % NS_PER_S;

	if (m < 0) { /* C division truncates; we want floor */
		m += NS_PER_S;
		d--;
	}
	*frac = m;
	return q * ppb + d;
}

/* The guest clock over dt ns of true time while the VM runs. */
static void guest_run(struct vmbd_sim *sim, int64_t dt)
{
	int64_t rate = clamp_ppb(clamp_ppb(sim->guest_drift_ppb) +
				 clamp_ppb(sim->guest_freq_ppb));
	int64_t pending = sim->guest_slew_ns;

	sim->guest_ns += dt + scale_ppb(dt, rate, &sim->guest_frac);

	if (pending != 0 && sim->guest_slew_rate_ppb > 0) {
		int64_t room = scale_ppb(dt, clamp_ppb(sim->guest_slew_rate_ppb),
					 &sim->guest_slew_frac);
		int64_t mag = pending < 0 ? -pending : pending;

		if (room >= mag) {
			/* Used up inside this interval: apply exactly the
			 * rest, the slew's fraction starts afresh next time. */
			sim->guest_ns += pending;
			sim->guest_slew_ns = 0;
			sim->guest_slew_frac = 0;
		} else {
			int64_t step = pending < 0 ? -room : room;

			sim->guest_ns += step;
			sim->guest_slew_ns -= step;
		}
	}
}

void vmbd_sim_advance(struct vmbd_sim *sim, int64_t ns)
{
	if (!sim || ns <= 0)
		return;
	sim->now_ns += ns;
	if (!sim->suspended)
		guest_run(sim, ns);
}

void vmbd_sim_advance_to(struct vmbd_sim *sim, int64_t now_ns)
{
	if (!sim || now_ns <= sim->now_ns)
		return;
	vmbd_sim_advance(sim, now_ns - sim->now_ns);
}

int64_t vmbd_sim_now(const struct vmbd_sim *sim)
{
	return sim ? sim->now_ns : 0;
}

void vmbd_sim_suspend(struct vmbd_sim *sim, int64_t ns)
{
	if (!sim || ns <= 0)
		return;
	/* The host keeps running; a suspended guest's clock does not. */
	sim->now_ns += ns;
}

int64_t vmbd_sim_host_now(const struct vmbd_sim *sim)
{
	if (!sim)
		return 0;
	return sim->host_epoch_ns + sim->now_ns + sim->host_offset_ns;
}

void vmbd_sim_host_set(struct vmbd_sim *sim, int64_t host_ns)
{
	if (!sim)
		return;
	sim->host_offset_ns = host_ns - sim->host_epoch_ns - sim->now_ns;
}

void vmbd_sim_host_step(struct vmbd_sim *sim, int64_t delta_ns)
{
	if (!sim)
		return;
	sim->host_offset_ns += delta_ns;
}

int64_t vmbd_sim_guest_now(const struct vmbd_sim *sim)
{
	return sim ? sim->guest_ns : 0;
}

void vmbd_sim_guest_set(struct vmbd_sim *sim, int64_t guest_ns)
{
	if (!sim)
		return;
	sim->guest_ns = guest_ns;
}

void vmbd_sim_guest_step(struct vmbd_sim *sim, int64_t delta_ns)
{
	if (!sim)
		return;
	sim->guest_ns += delta_ns;
}

void vmbd_sim_guest_set_drift(struct vmbd_sim *sim, int64_t ppb)
{
	if (!sim)
		return;
	sim->guest_drift_ppb = clamp_ppb(ppb);
}

void vmbd_sim_guest_set_freq(struct vmbd_sim *sim, int64_t ppb)
{
	if (!sim)
		return;
	sim->guest_freq_ppb = clamp_ppb(ppb);
}

void vmbd_sim_guest_slew(struct vmbd_sim *sim, int64_t delta_ns,
			 int64_t *old_ns)
{
	if (!sim)
		return;
	if (old_ns)
		*old_ns = sim->guest_slew_ns;
	/* adjtime() replaces, it does not add; the new slew starts on a whole
	 * nanosecond. */
	sim->guest_slew_ns = delta_ns;
	sim->guest_slew_frac = 0;
}
