/*
 * Independent simulators driven from several threads at once (issue 2
 * point 7: no shared state). Each thread owns a simulator with its own
 * personality, clocks and jitter seed, makes many calls and checks every
 * answer against its own parameters. Then each worker is re-run alone: its
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
	uint64_t digest;   /* FNV-1a over every register of every answer */
	unsigned errors;   /* answers that contradict this worker's host */
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
	if (i % 2)
		vmbd_sim_set_command(sim, VMBD_CMD_GETTIMEFULL_WITH_LAG, 0);
}

static const uint32_t cycle[] = {
	VMBD_CMD_GETVERSION, VMBD_CMD_GETUUID, VMBD_CMD_GETTIMEFULL_WITH_LAG,
	VMBD_CMD_GETTIME, VMBD_CMD_STOPCATCHUP, VMBD_CMD_GETTIMEFULL,
};
#define NCYCLE (sizeof(cycle) / sizeof(cycle[0]))

/* One call; returns 0 when the answer is what this worker's host says. */
static unsigned check_call(struct worker *w, uint32_t cmd,
			   struct vmbd_frame *f)
{
	struct vmbd_sim *sim = w->sim;
	int64_t read_at = vmbd_sim_host_now(sim) +
			  (int64_t)(sim->call_cost_ns / 2);
	int64_t jitter = (int64_t)sim->read_jitter_us * 1000;
	int64_t got;

	memset(f, 0, sizeof(*f));
	f->ax = VMBD_MAGIC;
	f->cx = cmd;
	f->dx = VMBD_PORT_LB;
	if (vmbd_sim_io_ops()->in(sim, f) != VMBD_OK)
		return 1;
	switch (cmd) {
	case VMBD_CMD_GETVERSION:
		return f->ax != 100u + (uint32_t)w->index || f->bx != VMBD_MAGIC;
	case VMBD_CMD_GETUUID:
		return (f->ax & 0xFF) != 0xA0u + (uint32_t)w->index;
	case VMBD_CMD_GETTIMEFULL_WITH_LAG:
	case VMBD_CMD_GETTIMEFULL:
		if (cmd == VMBD_CMD_GETTIMEFULL_WITH_LAG && w->index % 2)
			return f->ax != 0xFFFFFFFFu; /* off for odd workers */
		got = (int64_t)((uint64_t)(uint32_t)f->si << 32 | f->dx) *
			      NS_PER_S + (int64_t)f->bx * 1000;
		return f->ax != VMBD_MAGIC || got < read_at - 999 ||
		       got >= read_at + jitter;
	case VMBD_CMD_GETTIME:
		return f->cx != 1000000u + (uint32_t)w->index;
	default:
		return 0;
	}
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct vmbd_frame f;
	uint64_t h = 0xcbf29ce484222325ull;
	int n;

	worker_setup(w);
	w->errors = 0;
	if (w->start)
		pthread_barrier_wait(w->start);
	for (n = 0; n < CALLS; n++) {
		w->errors += check_call(w, cycle[n % NCYCLE], &f);
		h = fnv(h, f.ax);
		h = fnv(h, f.bx);
		h = fnv(h, f.cx);
		h = fnv(h, f.dx);
		h = fnv(h, f.si);
		h = fnv(h, f.di);
		vmbd_sim_advance(w->sim, 777777 + w->index);
	}
	h = fnv(h, (uint64_t)vmbd_sim_guest_now(w->sim));
	w->digest = h;
	w->calls = w->sim->calls_total;
	return NULL;
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
		assert_int_equal(w[i].calls, CALLS);
		assert_int_equal(w[i].sim->stopcatchup_count, CALLS / NCYCLE);

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
