/*
 * bench_rpc: RPCI round trips on the simulated VMX. For request/reply
 * sizes 16 B, 256 B, 4 KiB and 64 KiB, LB and HB, on a kept-open channel
 * and with open/close per call, prints the backdoor calls per round trip
 * (measured, and the protocol's count: LB 3 + ceil(n/4) + ceil(m/4), HB 5,
 * +2 per open/close) and the wall-clock nanoseconds per round trip.
 * Numbers only: CI runs it, nothing gates on it (the unit tests assert the
 * call counts; a count that differs here is flagged "MISMATCH"). Exit 1
 * only when a round trip fails outright.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmbackdoor/vmbackdoor.h>

/* Requests "bench..." of n bytes get a reply of exactly n bytes. */
static long bench_handler(void *arg, const char *req, size_t len, char *reply,
			  size_t size)
{
	(void)arg;
	if (len < 5 || memcmp(req, "bench", 5) != 0 || len > size)
		return -1;
	reply[0] = '1';
	reply[1] = ' ';
	memset(reply + 2, 'r', len - 2);
	return (long)len;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t words(size_t n)
{
	return (n + 3) / 4;
}

struct cell {
	size_t size;
	int hb;
	int per_call;
};

/* Runs iters round trips; returns 0, or -1 on an RPC error. */
static int run(struct vmbd_sim *sim, const struct cell *c, unsigned iters,
	       double *calls_per_trip, double *ns_per_trip)
{
	static char req[VMBD_MSG_MAX_IN];
	static char reply[VMBD_MSG_MAX_IN + 1];
	struct vmbd_ctx ctx;
	struct vmbd_rpci r;
	unsigned flags = c->hb ? 0 : VMBD_CHANNEL_NO_HB;
	size_t len;
	uint64_t calls0;
	int64_t t0;
	unsigned i;
	int rc = VMBD_OK;

	memset(req, 'q', c->size);
	memcpy(req, "bench", 5);
	if (vmbd_ctx_init(&ctx, vmbd_sim_io_ops(), sim) != VMBD_OK)
		return -1;
	if (!c->per_call && vmbd_rpci_open(&r, &ctx, flags) != VMBD_OK)
		return -1;
	calls0 = vmbd_ctx_calls(&ctx);
	t0 = now_ns();
	for (i = 0; i < iters && rc == VMBD_OK; i++) {
		if (c->per_call)
			rc = vmbd_rpci_send_one(&ctx, flags, req, c->size, reply,
						sizeof(reply), &len);
		else
			rc = vmbd_rpci_call(&r, req, c->size, reply,
					    sizeof(reply), &len);
	}
	*ns_per_trip = (double)(now_ns() - t0) / iters;
	*calls_per_trip = (double)(vmbd_ctx_calls(&ctx) - calls0) / iters;
	if (!c->per_call)
		vmbd_rpci_close(&r);
	if (rc != VMBD_OK) {
		fprintf(stderr, "bench_rpc: %s\n", vmbd_strerror(rc));
		return -1;
	}
	return len == c->size - 2 ? 0 : -1;
}

int main(void)
{
	static const size_t sizes[] = {16, 256, 4096, 65536};
	struct vmbd_sim *sim = malloc(sizeof(*sim));
	int status = 0;
	size_t s;

	if (sim == NULL)
		return 1;
	vmbd_sim_init(sim);
	vmbd_sim_rpc_set_handler(sim, bench_handler, NULL);
	printf("RPCI round trips on the simulator (request = reply size)\n");
	printf("%8s %4s %-10s %10s %10s %12s\n", "size", "mode", "channel",
	       "calls", "expected", "ns/trip");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		int hb, per_call;

		for (hb = 0; hb < 2; hb++) {
			for (per_call = 0; per_call < 2; per_call++) {
				struct cell c = {sizes[s], hb, per_call};
				/* About the same bytes moved per cell. */
				unsigned iters = (unsigned)(4000000 / sizes[s]);
				double calls, ns;
				uint64_t want = hb ? 5 : 3 + 2 * words(c.size);

				if (iters < 50)
					iters = 50;
				want += per_call ? 2 : 0;
				if (run(sim, &c, iters, &calls, &ns) != 0) {
					printf("%8zu %4s %-10s  FAILED\n", c.size,
					       hb ? "HB" : "LB",
					       per_call ? "per-call" : "persistent");
					status = 1;
					continue;
				}
				printf("%8zu %4s %-10s %10.1f %10llu %12.0f%s\n",
				       c.size, hb ? "HB" : "LB",
				       per_call ? "per-call" : "persistent",
				       calls, (unsigned long long)want, ns,
				       calls == (double)want ? "" : "  MISMATCH");
			}
		}
	}
	free(sim);
	return status;
}
