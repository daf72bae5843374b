/* The simulator's guest clock behind the clock interface. */
#include <vmbackdoor/clock.h>
#include <vmbackdoor/sim.h>

/* The Linux tick can change the rate by at most 10 %; the simulated guest
 * slews no faster, so a run in the simulator takes as long to converge. */
#define SIM_MAX_SLEW_PPB INT64_C(100000000)

static int sim_now(void *arg, int64_t *ns)
{
	if (!arg)
		return VMBD_EINVAL;
	*ns = vmbd_sim_guest_now(arg);
	return VMBD_OK;
}

static int sim_step(void *arg, int64_t delta_ns)
{
	if (!arg)
		return VMBD_EINVAL;
	vmbd_sim_guest_step(arg, delta_ns);
	return VMBD_OK;
}

static int sim_slew(void *arg, int64_t offset_ns, int64_t period_ns,
		    int64_t freq_ppb)
{
	struct vmbd_sim *sim = arg;
	int64_t mag = offset_ns < 0 ? -offset_ns : offset_ns;
	int64_t rate = SIM_MAX_SLEW_PPB;

	if (!sim)
		return VMBD_EINVAL;
	if (offset_ns != 0) {
		if (mag >= period_ns / 10) {
			rate = SIM_MAX_SLEW_PPB;
		} else if (mag <= (INT64_MAX - period_ns) / 1000000000) {
			/* Rounded up so the slew is done within the period
			 * (the bound keeps the rounding from overflowing). */
			rate = (mag * 1000000000 + period_ns - 1) / period_ns;
		} else {
			/* Here mag * 10^9 + period > 2^63 with mag under 10 %
			 * of the period: the period is at least 46 s, so its
			 * whole seconds are within 2.2 %; the rate is rounded
			 * up, never down. */
			rate = mag / (period_ns / 1000000000) + 1;
		}
		if (rate < 1)
			rate = 1;
		sim->guest_slew_rate_ppb = rate;
	}
	vmbd_sim_guest_slew(sim, offset_ns, NULL);
	vmbd_sim_guest_set_freq(sim, freq_ppb);
	return VMBD_OK;
}

static const struct vmbd_clock_ops sim_ops = {
	"sim", 0, sim_now, sim_step, sim_slew
};

const struct vmbd_clock_ops *vmbd_clock_sim(void)
{
	return &sim_ops;
}
