/*
 * The real system clock. Compiled on Linux and the BSDs only. Its
 * arithmetic lives in clock.c (vmbd_clock_adj_compute,
 * vmbd_clock_step_target) and is tested there; this file is only the
 * system calls, which tests/test_clock_real.c makes for real under a
 * seccomp filter that answers them without touching the system clock.
 */
#if defined(__linux__)
#define _GNU_SOURCE
#elif defined(__NetBSD__) || defined(__FreeBSD__) || defined(__DragonFly__)
#define _NETBSD_SOURCE
#endif

#include <vmbackdoor/clock.h>

#if defined(__linux__) || defined(__NetBSD__) || defined(__FreeBSD__) || \
	defined(__DragonFly__) || defined(__OpenBSD__)
#define VMBD_HAVE_REAL_CLOCK 1

#include <errno.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#if !defined(__OpenBSD__)
#include <sys/timex.h>
#endif

static int errno_to_vmbd(int e)
{
	return e == EPERM ? VMBD_ECLOCKPERM : VMBD_ECLOCK;
}

static int real_now(void *arg, int64_t *ns)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return errno_to_vmbd(errno);
	*ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return VMBD_OK;
}

static int real_step(void *arg, int64_t delta_ns)
{
	struct timespec ts;
	int64_t sec;
	long nsec;
	int rc;

	(void)arg;
	/* Read-modify-write: the window is the few microseconds between the
	 * two calls, well under the host's sampling error. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return errno_to_vmbd(errno);
	rc = vmbd_clock_step_target((int64_t)ts.tv_sec, ts.tv_nsec, delta_ns,
				    &sec, &nsec);
	if (rc != VMBD_OK)
		return rc;
	ts.tv_sec = (time_t)sec;
	if ((int64_t)ts.tv_sec != sec)
		return VMBD_ERANGE; /* 32-bit time_t */
	ts.tv_nsec = nsec;
	if (clock_settime(CLOCK_REALTIME, &ts) != 0)
		return errno_to_vmbd(errno);
	return VMBD_OK;
}

#if defined(__linux__)
static long nominal_tick_us(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? 1000000L / hz : VMBD_CLOCK_TICK_NOMINAL_US;
}

/* As open-vm-tools' slewLinux.c: the tick length absorbs the offset over
 * the period; the frequency goes to the kernel's PLL frequency word. */
static int real_slew(void *arg, int64_t offset_ns, int64_t period_ns,
		     int64_t freq_ppb)
{
	struct vmbd_clock_adj adj;
	struct timex tx;
	int rc;

	(void)arg;
	rc = vmbd_clock_adj_compute(offset_ns, period_ns, freq_ppb,
				    nominal_tick_us(), &adj);
	if (rc != VMBD_OK)
		return rc;
	tx.modes = ADJ_TICK | ADJ_FREQUENCY;
	tx.tick = adj.tick_us;
	tx.freq = adj.freq_scaled_ppm;
	if (adjtimex(&tx) < 0)
		return errno_to_vmbd(errno);
	return VMBD_OK;
}
#else
static int real_slew(void *arg, int64_t offset_ns, int64_t period_ns,
		     int64_t freq_ppb)
{
	struct vmbd_clock_adj adj;
	struct timeval tv;
	int rc;

	(void)arg;
	rc = vmbd_clock_adj_compute(offset_ns, period_ns, freq_ppb,
				    VMBD_CLOCK_TICK_NOMINAL_US, &adj);
	if (rc != VMBD_OK)
		return rc;
	/* BSD adjtime() slews at the kernel's own rate: period is advisory. */
	tv.tv_sec = (time_t)(adj.adjtime_us / 1000000);
	tv.tv_usec = (suseconds_t)(adj.adjtime_us % 1000000);
	if (adjtime(&tv, NULL) != 0)
		return errno_to_vmbd(errno);
#if defined(__OpenBSD__)
	{
		/* adjfreq(2): ns per second with a 32-bit fraction. */
		int64_t f = (freq_ppb * ((int64_t)1 << 32));

		if (adjfreq(&f, NULL) != 0)
			return errno_to_vmbd(errno);
	}
#else
	{
		struct timex tx;

		tx.modes = MOD_FREQUENCY;
		tx.freq = adj.freq_scaled_ppm;
		if (ntp_adjtime(&tx) < 0)
			return errno_to_vmbd(errno);
	}
#endif
	return VMBD_OK;
}
#endif

static const struct vmbd_clock_ops real_ops = {
	"real", 0, real_now, real_step, real_slew
};

const struct vmbd_clock_ops *vmbd_clock_real(void)
{
	return &real_ops;
}

#else

const struct vmbd_clock_ops *vmbd_clock_real(void)
{
	return NULL;
}

#endif
