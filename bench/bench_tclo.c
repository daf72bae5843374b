/*
 * Nanoseconds per TCLO command through the policy engine, and proof that
 * no command allocates.
 *
 * Two loops over the same mix of 24 commands (settings, one-shot syncs,
 * state changes, junk, oversized values, unknown commands), 2,000,000
 * commands each:
 *   policy  vmbd_policy_feed() alone: parse, state, reply, actions
 *   agent   vmbd_agent_command(): the same plus carrying the actions out
 *           on the simulator (host-time samples, steps, STOPCATCHUP), as
 *           the daemon does
 *
 * Allocations are counted by wrapping malloc, calloc, realloc and free at
 * link time (-Wl,--wrap, set up in bench/CMakeLists.txt where the linker
 * has it): every call from the library's objects or this program goes
 * through the counters. A deliberate malloc before the loops shows the
 * counter works; the loops must add zero.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmbackdoor/vmbackdoor.h>

#define COMMANDS 2000000L

/* ---- allocation counters ----------------------------------------------- */

static unsigned long allocs;

#ifdef VMBD_BENCH_WRAP_MALLOC
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

void *__wrap_malloc(size_t n)
{
	allocs++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	allocs++;
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocs++;
	return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
	__real_free(p);
}
#define COUNTING 1
#else
#define COUNTING 0
#endif

/* ---- the mix ------------------------------------------------------------ */

static const char *const mix[] = {
	"ping",
	"reset",
	"Set_Option synctime 1",
	"Set_Option synctime.period 60",
	"Set_Option time.synchronize.tools.slewCorrection 1",
	"Set_Option time.synchronize.tools.percentCorrection 50",
	"Set_Option time.synchronize.tools.enable 1",
	"Set_Option time.synchronize.tools.startup 1",
	"Time_Synchronize 0",
	"Time_Synchronize 1",
	"Set_Option synctime 0",
	"Set_Option synctime 1",
	"OS_Resume",
	"Capabilities_Register",
	"Set_Option time.synchronize.allow 0",
	"Time_Synchronize 1",
	"Set_Option time.synchronize.allow 1",
	"Set_Option synctime.period 0x3c",
	"Set_Option time.synchronize.tools.percentCorrection 4294967296",
	"Set_Option nonsense 1",
	"Time_Synchronize abc",
	"No_Such_Command with arguments",
	"Set_Option broadcastIP 1",
	"Set_Option time.synchronize.guest.resync 1",
};
#define MIX (sizeof(mix) / sizeof(mix[0]))

static void *(*volatile probe_malloc)(size_t) = malloc;

static double wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(void)
{
	static size_t len[MIX];
	struct vmbd_policy_result res;
	struct vmbd_policy p;
	struct vmbd_sim *sim;
	struct vmbd_ctx ctx;
	struct vmbd_clock clk;
	struct vmbd_agent *agent;
	unsigned long a0, a_policy, a_agent, replies_ok = 0;
	double t0, t1, t2;
	void *probe;
	long i;

	for (i = 0; i < (long)MIX; i++)
		len[i] = strlen(mix[i]);
	sim = malloc(vmbd_sim_size());
	agent = malloc(sizeof(*agent));
	if (!sim || !agent)
		return 1;
	vmbd_sim_init(sim);
	sim->call_cost_ns = 2000;
	/* A guest running fast: Time_Synchronize 1 has something to step. */
	vmbd_sim_guest_set_drift(sim, 200000);
	if (vmbd_ctx_init(&ctx, vmbd_sim_io_ops(), sim) != VMBD_OK ||
	    vmbd_clock_init(&clk, vmbd_clock_sim(), sim) != VMBD_OK ||
	    vmbd_agent_init(agent, &ctx, &clk, &clk, NULL) != VMBD_OK)
		return 1;
	vmbd_policy_init(&p, NULL);

	/* The counter must see this one, or it proves nothing (called
	 * through a volatile pointer so the compiler cannot elide it). */
	a0 = allocs;
	probe = probe_malloc(16);
	if (COUNTING && allocs != a0 + 1) {
		fprintf(stderr, "bench_tclo: allocation counter is broken\n");
		return 1;
	}
	free(probe);

	a0 = allocs;
	t0 = wall_ns();
	for (i = 0; i < COMMANDS; i++) {
		vmbd_policy_feed(&p, mix[i % MIX], len[i % MIX],
				 (int64_t)i * 1000000, &res);
		replies_ok += res.reply[0] == 'O';
	}
	t1 = wall_ns();
	a_policy = allocs - a0;
	a0 = allocs;
	for (i = 0; i < COMMANDS; i++) {
		vmbd_sim_advance(sim, 1000000);
		vmbd_agent_command(agent, mix[i % MIX], len[i % MIX],
				   vmbd_sim_now(sim), &res);
		replies_ok += res.reply[0] == 'O';
	}
	t2 = wall_ns();
	a_agent = allocs - a0;

	printf("bench_tclo: %ld mixed TCLO commands (%zu kinds, %lu OK replies)\n",
	       2 * COMMANDS, MIX, replies_ok);
	printf("bench_tclo: policy engine           %8.1f ns/command, "
	       "heap allocations: %s%lu\n", (t1 - t0) / (double)COMMANDS,
	       COUNTING ? "" : "(not counted) ", a_policy);
	printf("bench_tclo: agent (+ syncs on sim)  %8.1f ns/command, "
	       "heap allocations: %s%lu; %" PRIu64 " steps, %" PRIu64
	       " backdoor calls\n", (t2 - t1) / (double)COMMANDS,
	       COUNTING ? "" : "(not counted) ", a_agent, agent->stats.steps,
	       sim->calls_total);
	if (!COUNTING)
		printf("bench_tclo: this linker has no --wrap; allocations "
		       "not counted (run under valgrind instead)\n");
	free(agent);
	free(sim);
	return a_policy || a_agent ? 1 : 0;
}
