/*
 * What the daemon costs the host when nothing happens, and how fast it
 * answers when something does. Runs vmbd_agent_step() (agent.h, the
 * schedule vmbd-time's daemon runs: poll, handle, wait until it says) on the
 * simulator, which counts every backdoor call (each one a VM exit on a
 * real host).
 *
 *  - Idle cost: one simulated hour with no host command, for both ways a
 *    host says "nothing waiting": RECVSIZE without DORECV, or DORECV with
 *    length 0 (then RECVSTATUS must acknowledge it). With synctime 0, and
 *    with the periodic loop running (synctime 1, period 60 s), which adds
 *    its host-time reads once a minute.
 *  - Reply latency: 2,000 `ping`s, half queued at pseudo-random times,
 *    half just after an idle poll (the worst case: the command waits a
 *    whole interval); from the host queueing a command to the guest's
 *    reply reaching the host. Each backdoor call costs 2 us of simulated
 *    time, so the worst case is the interval plus the calls that fetch
 *    the command and carry the reply.
 *
 * Both for the agent's default interval (1 s less a 1 ms reply budget,
 * agent.h, so the worst case stays within 1 s) and for a whole second
 * (exactly 3,600 polls an hour, but the worst reply takes 1 s + the calls).
 *
 * For comparison: Debian's vmtoolsd 12.2 polls about every 100 ms when
 * idle, about 30 calls a second (~107,000 an hour; PROTOCOL.md section 6).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbackdoor/vmbackdoor.h>

#define NS_PER_S INT64_C(1000000000)
#define HOUR_NS (INT64_C(3600) * NS_PER_S)
#define CALL_COST_NS 2000u
#define PINGS 2000

struct rig {
	struct vmbd_sim *sim;
	struct vmbd_ctx ctx;
	struct vmbd_clock clock;
	struct vmbd_tclo tclo;
	struct vmbd_agent agent;
	char cmd[1024];
	int64_t wake; /* when the agent wants to run next */
};

static int rig_open(struct rig *r, int empty_dorecv, int64_t interval)
{
	struct vmbd_sim *sim = r->sim;

	memset(r, 0, sizeof(*r));
	r->sim = sim;
	vmbd_sim_init(sim);
	sim->call_cost_ns = CALL_COST_NS;
	sim->rpc.tclo_empty_dorecv = empty_dorecv;
	if (vmbd_ctx_init(&r->ctx, vmbd_sim_io_ops(), sim) != VMBD_OK ||
	    vmbd_clock_init(&r->clock, vmbd_clock_sim(), sim) != VMBD_OK ||
	    vmbd_tclo_open(&r->tclo, &r->ctx, 0) != VMBD_OK ||
	    vmbd_agent_init(&r->agent, &r->ctx, &r->clock, &r->clock, NULL) !=
		    VMBD_OK ||
	    vmbd_agent_set_poll_interval(&r->agent, interval) != VMBD_OK)
		return -1;
	return 0;
}

/* The daemon's loop: vmbd_agent_step() when it said, waiting (virtually)
 * in between. */
static int step(struct rig *r)
{
	int64_t now;

	vmbd_sim_advance_to(r->sim, r->wake);
	now = vmbd_sim_now(r->sim);
	return vmbd_agent_step(&r->agent, &r->tclo, r->cmd, sizeof(r->cmd), now,
			       &r->wake);
}

static int run_until(struct rig *r, int64_t end)
{
	while (r->wake < end)
		if (step(r) != VMBD_OK)
			return -1;
	return 0;
}

/* Settle the host's commands, then count one idle hour. */
static int idle_hour(struct rig *r, int loop, uint64_t *calls,
		     uint64_t *polls)
{
	static const char *const setup[] = {
		"reset", "Set_Option synctime.period 60",
		"Set_Option time.synchronize.tools.slewCorrection 1",
		"Set_Option synctime 1"};
	size_t i, n = loop ? 4 : 1;
	uint64_t c0, p0;
	int64_t start;

	for (i = 0; i < n; i++)
		vmbd_sim_tclo_push(r->sim, setup[i], strlen(setup[i]));
	if (run_until(r, 10 * NS_PER_S) != 0)
		return -1;
	c0 = r->sim->calls_total;
	p0 = r->agent.stats.polls;
	start = r->wake;
	if (run_until(r, start + HOUR_NS) != 0)
		return -1;
	*calls = r->sim->calls_total - c0;
	*polls = r->agent.stats.polls - p0;
	return 0;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Worst and mean time from queueing a ping to its reply at the host. */
static int latency(struct rig *r, int64_t *worst, int64_t *mean)
{
	uint64_t rng = 0x2545f4914f6cdd1du;
	int64_t total = 0;
	int i;

	*worst = 0;
	if (run_until(r, 5 * NS_PER_S) != 0)
		return -1;
	for (i = 0; i < PINGS; i++) {
		/* Even pings: at a random instant 0..3 s after the last
		 * answer, so every phase of the poll interval is hit. Odd
		 * ones: the worst case, just after an idle poll has asked. */
		int64_t at = vmbd_sim_now(r->sim) +
			     (int64_t)(xorshift(&rng) % (3 * NS_PER_S));
		uint64_t replies;
		int64_t lat;

		while (r->wake < at)
			if (step(r) != VMBD_OK)
				return -1;
		if (i % 2 == 1 && step(r) != VMBD_OK)
			return -1;
		else if (i % 2 == 0)
			vmbd_sim_advance_to(r->sim, at);
		at = vmbd_sim_now(r->sim);
		vmbd_sim_tclo_push(r->sim, "ping", 4);
		replies = r->sim->rpc.tclo_replies;
		while (r->sim->rpc.tclo_replies == replies)
			if (step(r) != VMBD_OK)
				return -1;
		lat = vmbd_sim_now(r->sim) - at;
		total += lat;
		if (lat > *worst)
			*worst = lat;
	}
	*mean = total / PINGS;
	return 0;
}

static void fail(void)
{
	fprintf(stderr, "bench_idle: simulator failed\n");
	exit(1);
}

int main(void)
{
	static const char *const mode_name[] = {
		"no DORECV (nothing waiting)", "DORECV + length 0"};
	static const unsigned target[] = {2, 3};
	static const int64_t interval[] = {VMBD_AGENT_POLL_IDLE_NS, NS_PER_S};
	struct rig *r = calloc(1, sizeof(*r));
	struct vmbd_sim *sim;
	size_t k;
	int mode, loop;

	if (!r || !(r->sim = calloc(1, vmbd_sim_size())))
		return 1;
	sim = r->sim;
	printf("bench_idle: the daemon's schedule (vmbd_agent_step) on the "
	       "simulator; every backdoor call is a VM exit\n");
	for (k = 0; k < sizeof(interval) / sizeof(interval[0]); k++) {
		printf("poll interval %.3f s%s\n", (double)interval[k] / 1e9,
		       interval[k] == VMBD_AGENT_POLL_IDLE_NS
			       ? " (the default: vmbd-time daemon)"
			       : " (for comparison)");
		printf("  %-28s %-14s %11s %7s %10s %6s\n",
		       "host says nothing by", "periodic sync", "calls/hour",
		       "polls", "calls/poll", "target");
		for (mode = 0; mode < 2; mode++) {
			for (loop = 0; loop < 2; loop++) {
				uint64_t calls = 0, polls = 0;

				r->sim = sim;
				if (rig_open(r, mode, interval[k]) != 0 ||
				    idle_hour(r, loop, &calls, &polls) != 0)
					fail();
				printf("  %-28s %-14s %11" PRIu64 " %7" PRIu64
				       " %10.3f %6s\n", mode_name[mode],
				       loop ? "on, 60 s" : "off", calls, polls,
				       (double)calls / (double)polls,
				       loop ? "" : (mode ? "3" : "2"));
				if (!loop && calls != polls * target[mode])
					printf("  ^ MORE CALLS THAN THE PROTOCOL "
					       "NEEDS\n");
			}
		}
		for (mode = 0; mode < 2; mode++) {
			int64_t worst = 0, mean = 0;

			r->sim = sim;
			if (rig_open(r, mode, interval[k]) != 0 ||
			    latency(r, &worst, &mean) != 0)
				fail();
			printf("  reply latency, %s: worst %.6f s (target <= 1 s: "
			       "%s), mean %.6f s over %d pings (queued -> reply "
			       "at the host; %u us per call)\n", mode_name[mode],
			       (double)worst / 1e9,
			       worst <= VMBD_AGENT_REPLY_LATENCY_NS ? "met"
								    : "MISSED",
			       (double)mean / 1e9, PINGS, CALL_COST_NS / 1000);
		}
	}
	printf("(vmtoolsd 12.2, idle: ~30 calls/s, ~107,000 calls/hour)\n");
	free(sim);
	free(r);
	return 0;
}
