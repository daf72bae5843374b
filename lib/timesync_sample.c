/*
 * Host/guest sampling: host, guest, host again until the host reads are
 * close, as open-vm-tools' TimeSyncReadHostAndGuest. Pure: all reads go
 * through the caller's callbacks.
 */
#include <vmbackdoor/timesync.h>

#include <string.h>

#define NS_PER_US INT64_C(1000)
#define NS_PER_S INT64_C(1000000000)

/* Host time in ns, or VMBD_EBADTIME for values no host may send. */
static int host_time_ns(const struct vmbd_host_time *t, int64_t *ns)
{
	if (t->sec <= 0 || t->usec >= 1000000u ||
	    t->sec > (INT64_MAX - 999999 * NS_PER_US) / NS_PER_S)
		return VMBD_EBADTIME;
	*ns = t->sec * NS_PER_S + (int64_t)t->usec * NS_PER_US;
	return VMBD_OK;
}

static int read_host(const struct vmbd_ts_source *src,
		     struct vmbd_ts_sample *out, struct vmbd_host_time *t,
		     int64_t *ns)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = src->read_host(src->arg, t);
	out->host_reads++;
	if (rc != VMBD_OK)
		return rc;
	return host_time_ns(t, ns);
}

/* A failed sample keeps its read counters but no times, so that nothing
 * can act on half a measurement. */
static int fail(struct vmbd_ts_sample *out, int rc)
{
	out->host_ns = 0;
	out->guest_ns = 0;
	out->spread_ns = 0;
	return rc;
}

int vmbd_ts_sample(const struct vmbd_ts_source *src,
		   struct vmbd_ts_sample *out)
{
	struct vmbd_host_time t;
	int64_t first_ns, second_ns, guest_ns;
	int64_t best = INT64_MAX;
	unsigned tries;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (src == NULL || out == NULL || src->read_host == NULL ||
	    src->read_guest == NULL)
		return VMBD_EINVAL;

	rc = read_host(src, out, &t, &second_ns);
	if (rc != VMBD_OK)
		return fail(out, rc);
	for (tries = 0; tries < VMBD_TS_MAX_TRIES; tries++) {
		int64_t spread;

		/* The previous pair's second read opens this pair: one fewer
		 * VM exit per try. */
		first_ns = second_ns;
		rc = src->read_guest(src->arg, &guest_ns);
		out->guest_reads++;
		if (rc != VMBD_OK)
			return fail(out, rc);
		rc = read_host(src, out, &t, &second_ns);
		if (rc != VMBD_OK)
			return fail(out, rc);
		if (second_ns < first_ns)
			continue; /* host clock went backwards: pair unusable */
		spread = second_ns - first_ns;
		if (spread <= best) {
			best = spread;
			out->host_ns = first_ns + spread / 2;
			out->guest_ns = guest_ns;
			out->spread_ns = spread;
			/* The lags come with the second read, as in
			 * open-vm-tools. */
			out->max_lag_ns = (int64_t)t.max_lag_us * NS_PER_US;
			out->has_interrupt_lag = t.has_interrupt_lag != 0;
			out->interrupt_lag_ns =
				out->has_interrupt_lag
					? (int64_t)t.interrupt_lag_us * NS_PER_US
					: 0;
		}
		if (best <= VMBD_TS_GOOD_SPREAD_NS)
			break;
	}
	if (best == INT64_MAX)
		return fail(out, VMBD_EBADTIME);
	return VMBD_OK;
}
