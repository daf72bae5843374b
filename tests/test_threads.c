/*
 * Independent contexts on independent simulators, driven from several
 * threads at once (issue 2 point 7: no shared state). Each thread owns a
 * context and a simulator with its own personality, clocks and jitter
 * seed, makes many typed calls and checks every result against its own
 * host. Then each worker is re-run alone: its
 * digest of all answers and its counters must be identical, which they
 * would not be if any state (an RNG, a counter, a buffer) were shared.
 */
#define _POSIX_C_SOURCE 200809L /* pthread barriers under strict C11 */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/backdoor.h>
#include <vmbackdoor/sim.h>

#define NTHREADS 4
#define CALLS 60000
#define NS_PER_S 1000000000LL

struct worker {
	int index;
	pthread_barrier_t *start;
	struct vmbd_sim *sim;
	struct vmbd_ctx ctx; /* one context per thread, on its own simulator */
	uint64_t digest;     /* FNV-1a over every result of every call */
	unsigned errors;     /* results that contradict this worker's host */
	uint64_t calls;
};

static uint64_t fnv(uint64_t h, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xFF;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void worker_setup(struct worker *w)
{
	struct vmbd_sim *sim = w->sim;
	int i = w->index;

	vmbd_sim_init(sim);
	sim->version = 100u + (uint32_t)i;
	sim->uuid[0] = (uint8_t)(0xA0 + i);
	sim->read_jitter_us = 100u * (uint32_t)(i + 1);
	sim->call_cost_ns = 1000u + (uint64_t)i;
	sim->interrupt_lag_us = (uint32_t)i;
	vmbd_sim_seed(sim, 1000u + (uint64_t)i);
	vmbd_sim_host_step(sim, (int64_t)i * 3600 * NS_PER_S);
	vmbd_sim_guest_set_drift(sim, 1000 * (i + 1));
	/* Odd workers' hosts lack WITH_LAG: their chain falls back to 46. */
	if (i % 2)
		vmbd_sim_set_command(sim, VMBD_CMD_GETTIMEFULL_WITH_LAG, 0);
}

enum step { STEP_VERSION, STEP_UUID, STEP_CHAIN, STEP_GETTIME, STEP_STOP,
	    STEP_FULL, NSTEPS };

/* A host time must lie between the host clock before and after the call,
 * allowing for the microsecond truncation and the read jitter. */
static unsigned time_outside(const struct vmbd_host_time *t, int64_t before,
			     int64_t after, int64_t jitter_ns)
{
	int64_t got = t->sec * NS_PER_S + (int64_t)t->usec * 1000;

	return got < before - 999 || got >= after + jitter_ns;
}

/* One typed call; returns 0 when its result is what this worker's host
 * says, and folds the result into *h. */
static unsigned check_step(struct worker *w, enum step s, uint64_t *h)
{
	struct vmbd_sim *sim = w->sim;
	int64_t before = vmbd_sim_host_now(sim);
	int64_t jitter = (int64_t)sim->read_jitter_us * 1000;
	uint32_t me = (uint32_t)w->index;
	struct vmbd_host_time t;
	uint32_t version, product;
	uint8_t uuid[16];
	int rc;

	memset(&t, 0, sizeof(t));
	switch (s) {
	case STEP_VERSION:
		rc = vmbd_get_version(&w->ctx, &version, &product);
		*h = fnv(*h, version);
		return rc != VMBD_OK || version != 100u + me;
	case STEP_UUID:
		rc = vmbd_get_uuid(&w->ctx, uuid);
		*h = fnv(*h, uuid[0]);
		return rc != VMBD_OK || uuid[0] != 0xA0u + me;
	case STEP_CHAIN:
		rc = vmbd_read_host_time(&w->ctx, &t);
		break;
	case STEP_GETTIME:
		rc = vmbd_get_time(&w->ctx, &t);
		if (t.max_lag_us != 1000000u + me) /* lag incl. interrupt lag */
			return 1;
		break;
	case STEP_STOP:
		return vmbd_stop_catchup(&w->ctx) != VMBD_OK;
	case STEP_FULL:
		rc = vmbd_get_time_full(&w->ctx, &t);
		break;
	default:
		return 1;
	}
	*h = fnv(*h, (uint64_t)t.sec);
	*h = fnv(*h, t.usec);
	*h = fnv(*h, (uint64_t)t.cmd);
	if (rc != VMBD_OK)
		return 1;
	if (s == STEP_CHAIN &&
	    t.cmd != (me % 2 ? VMBD_CMD_GETTIMEFULL
			     : VMBD_CMD_GETTIMEFULL_WITH_LAG))
		return 1;
	return time_outside(&t, before, vmbd_sim_host_now(sim), jitter);
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	uint64_t h = 0xcbf29ce484222325ull;
	int n;

	worker_setup(w);
	w->errors = 0;
	if (vmbd_ctx_init(&w->ctx, vmbd_sim_io_ops(), w->sim) != VMBD_OK)
		w->errors++;
	if (w->start)
		pthread_barrier_wait(w->start);
	for (n = 0; n < CALLS; n++) {
		w->errors += check_step(w, (enum step)(n % NSTEPS), &h);
		vmbd_sim_advance(w->sim, 777777 + w->index);
	}
	h = fnv(h, (uint64_t)vmbd_sim_guest_now(w->sim));
	w->digest = h;
	w->calls = vmbd_ctx_calls(&w->ctx);
	return NULL;
}

/* Calls the typed API makes for CALLS steps: one each, except the chain on
 * odd workers (WITH_LAG refused, then GETTIMEFULL). */
static uint64_t expected_calls(int index)
{
	uint64_t chains = CALLS / NSTEPS + (CALLS % NSTEPS > STEP_CHAIN);

	return CALLS + (index % 2 ? chains : 0);
}

static void test_independent_simulators(void **state)
{
	struct worker w[NTHREADS], alone;
	pthread_t tid[NTHREADS];
	pthread_barrier_t start;
	int i;

	(void)state;
	assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].index = i;
		w[i].start = &start;
		w[i].sim = malloc(sizeof(struct vmbd_sim));
		assert_non_null(w[i].sim);
	}
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, worker_run, &w[i]),
				 0);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);

	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(w[i].errors, 0);
		assert_int_equal(w[i].calls, expected_calls(i));
		assert_int_equal(w[i].sim->calls_total, expected_calls(i));
		assert_int_equal(w[i].sim->stopcatchup_count,
				 CALLS / NSTEPS + (CALLS % NSTEPS > STEP_STOP));

		/* The same worker alone, on this thread: same answers. */
		memset(&alone, 0, sizeof(alone));
		alone.index = i;
		alone.sim = malloc(sizeof(struct vmbd_sim));
		assert_non_null(alone.sim);
		worker_run(&alone);
		assert_int_equal(alone.errors, 0);
		assert_int_equal(alone.digest, w[i].digest);
		assert_memory_equal(alone.sim, w[i].sim, sizeof(struct vmbd_sim));
		free(alone.sim);
	}
	/* Different hosts really answered differently. */
	for (i = 1; i < NTHREADS; i++)
		assert_int_not_equal(w[i].digest, w[0].digest);
	for (i = 0; i < NTHREADS; i++)
		free(w[i].sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_independent_simulators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
