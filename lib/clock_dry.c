/*
 * Dry-run clock: reads through an inner clock, reports what it would do
 * through the log callback, changes nothing.
 */
#include <stdio.h>

#include <vmbackdoor/clock.h>

static void dry_log(struct vmbd_clock_dry *dry, const char *msg)
{
	if (dry->log)
		dry->log(dry->log_arg, VMBD_LOG_INFO, msg);
}

static int dry_now(void *arg, int64_t *ns)
{
	struct vmbd_clock_dry *dry = arg;

	if (!dry || !dry->inner)
		return VMBD_ENOTSUP;
	return vmbd_clock_now(dry->inner, ns);
}

static int dry_step(void *arg, int64_t delta_ns)
{
	struct vmbd_clock_dry *dry = arg;
	char msg[96];

	if (!dry)
		return VMBD_EINVAL;
	dry->last_step_ns = delta_ns;
	snprintf(msg, sizeof(msg), "dry-run: would step the clock by %+.6f s",
		 (double)delta_ns / 1e9);
	dry_log(dry, msg);
	return VMBD_OK;
}

static int dry_slew(void *arg, int64_t offset_ns, int64_t period_ns,
		    int64_t freq_ppb)
{
	struct vmbd_clock_dry *dry = arg;
	char msg[128];

	if (!dry)
		return VMBD_EINVAL;
	dry->last_slew_ns = offset_ns;
	dry->last_period_ns = period_ns;
	dry->last_freq_ppb = freq_ppb;
	snprintf(msg, sizeof(msg),
		 "dry-run: would slew %+.6f s over %.3f s, frequency %+.3f ppm",
		 (double)offset_ns / 1e9, (double)period_ns / 1e9,
		 (double)freq_ppb / 1e3);
	dry_log(dry, msg);
	return VMBD_OK;
}

static const struct vmbd_clock_ops dry_ops = {
	"dry-run", VMBD_CLOCK_DRY, dry_now, dry_step, dry_slew
};

void vmbd_clock_dry_init(struct vmbd_clock_dry *dry, struct vmbd_clock *inner,
			 vmbd_log_fn log, void *log_arg)
{
	if (!dry)
		return;
	dry->inner = inner;
	dry->log = log;
	dry->log_arg = log_arg;
	dry->last_step_ns = 0;
	dry->last_slew_ns = 0;
	dry->last_period_ns = 0;
	dry->last_freq_ppb = 0;
}

const struct vmbd_clock_ops *vmbd_clock_dry_run(void)
{
	return &dry_ops;
}
