/*
 * Simulator speed: what a backdoor call and a clock advance cost on the
 * simulator, and how long a simulated day of time sync takes. Prints
 * numbers only (read with the real monotonic clock; nothing is set).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <vmbackdoor/backdoor.h>
#include <vmbackdoor/sim.h>

#define NS_PER_S 1000000000LL

static double wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint32_t lb_call(struct vmbd_sim *sim, uint32_t cmd)
{
	struct vmbd_frame f = {VMBD_MAGIC, 0, cmd, VMBD_PORT_LB, 0, 0, 0};

	vmbd_sim_io_ops()->in(sim, &f);
	return f.ax ^ f.bx ^ f.dx;
}

int main(void)
{
	struct vmbd_sim *sim = malloc(sizeof(*sim));
	const long calls = 5000000, advances = 20000000;
	uint32_t sink = 0;
	double t0, t1;
	long i;

	if (!sim)
		return 1;
	vmbd_sim_init(sim);
	sim->read_jitter_us = 500;
	sim->call_cost_ns = 1500;
	vmbd_sim_guest_set_drift(sim, 12345);

	t0 = wall_ns();
	for (i = 0; i < calls; i++)
		sink ^= lb_call(sim, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	t1 = wall_ns();
	printf("bench_sim: GETTIMEFULL_WITH_LAG call      %8.1f ns/call\n",
	       (t1 - t0) / (double)calls);

	vmbd_sim_guest_slew(sim, 3 * NS_PER_S, NULL);
	t0 = wall_ns();
	for (i = 0; i < advances; i++)
		vmbd_sim_advance(sim, 999983 + (i & 7));
	t1 = wall_ns();
	printf("bench_sim: advance (drift + slew)         %8.1f ns/advance\n",
	       (t1 - t0) / (double)advances);

	/* A day of a 1 s poll loop: three host reads and an advance per
	 * second, as a sampler bracketing its guest read does. */
	vmbd_sim_init(sim);
	sim->read_jitter_us = 500;
	sim->call_cost_ns = 1500;
	t0 = wall_ns();
	for (i = 0; i < 86400; i++) {
		sink ^= lb_call(sim, VMBD_CMD_GETTIMEFULL_WITH_LAG);
		sink ^= (uint32_t)vmbd_sim_guest_now(sim);
		sink ^= lb_call(sim, VMBD_CMD_GETTIMEFULL_WITH_LAG);
		vmbd_sim_advance(sim, NS_PER_S);
	}
	t1 = wall_ns();
	printf("bench_sim: simulated day, 1 s poll        %8.2f ms wall "
	       "(%.0fx real time)\n", (t1 - t0) / 1e6,
	       86400e9 / (t1 - t0));

	t0 = wall_ns();
	vmbd_sim_advance(sim, 365LL * 86400 * NS_PER_S);
	t1 = wall_ns();
	printf("bench_sim: one advance of a year          %8.1f ns\n", t1 - t0);
	printf("bench_sim: (checksum %08x)\n", sink);
	free(sim);
	return 0;
}
