/*
 * vmbd-trap: run an unmodified VMware guest program (vmware-rpctool,
 * vmtoolsd, ...) against libvmbackdoor's simulator.
 *
 * usage: vmbd-trap [options] [--] PROGRAM [ARGS...]
 *   -o, --host-offset SEC    host clock = guest (real) clock + SEC (default 0)
 *   -L, --max-lag-us N       host's reported max time lag (default 1000000)
 *   -l, --lb-only            the host offers no high-bandwidth transfers
 *   -g, --guestinfo K=V      preset a guestinfo key on the host (repeatable)
 *   -t, --tclo CMD           queue a TCLO command for the guest (repeatable)
 *   -T, --timeout SEC        kill the program after SEC seconds (exit 124)
 *   -C, --cpuid-file SUBSTR  also emulate cpuid in mapped files whose path
 *                            contains SUBSTR (default: libvmtools.so,
 *                            libguestlib.so, /open-vm-tools/)
 *   -r, --report FILE        write what the host saw: TCLO commands and
 *                            replies, clock calls, RPCI state, counters
 *   -v, --verbose            log every emulated event to stderr
 * Every process the program starts (sh -c '...' runs several clients
 * against one host) shares the simulator.
 * Exit status: the program's, 128+N if killed by signal N, 124 on
 * timeout, 125 on a harness error, 77 when ptrace is unavailable.
 */
#include "trap.h"
#include "trap_sim.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <vmbackdoor/sim.h>

#define EXIT_TIMEOUT 124
#define EXIT_HARNESS 125
#define EXIT_SKIP 77
#define MAX_CPUID_FILES 16

static const char *const default_cpuid_files[] = {
	"libvmtools.so", "libguestlib.so", "/open-vm-tools/", NULL,
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-o SEC] [-L US] [-l] [-g K=V]... [-t CMD]... [-T SEC] "
		"[-C SUBSTR]... [-r FILE] [-v] [--] PROGRAM [ARGS...]\n",
		prog);
}

static void write_report(FILE *f, struct trap_sim *ts, struct trap *t)
{
	const struct vmbd_sim *sim = ts->sim;
	const struct trap_stats *st = trap_stats(t);
	unsigned i, n = vmbd_sim_tclo_record_count(sim);

	for (i = 0; i < n; i++) {
		const struct vmbd_sim_tclo_record *r = vmbd_sim_tclo_record(sim, i);

		fprintf(f, "tclo\t%s\t%s\n", r->cmd, r->reply);
	}
	for (i = 0; i < ts->nevents; i++) {
		const struct trap_clock_event *e = &ts->events[i];

		if (e->kind == TRAP_CLOCK_SETTIME)
			fprintf(f, "clock\tstep\t%+.6f\tsyscall %d\n",
				(double)e->step_ns / 1e9, e->syscall_nr);
		else
			fprintf(f, "clock\tadjtimex\tmodes %#x tick %ld freq %ld offset %ld\n",
				e->tx.modes, e->tx.tick, e->tx.freq, e->tx.offset);
	}
	fprintf(f, "rpci\ttools_version\t%s\n", sim->rpc.tools_version);
	fprintf(f, "rpci\tcount\t%" PRIu64 "\twith_nul %" PRIu64
		   "\tcapabilities %" PRIu64 "\n",
		sim->rpc.rpci_count, sim->rpc.rpci_with_nul,
		sim->rpc.capability_count);
	for (i = 0; i < VMBD_SIM_RPC_GUESTINFO_MAX; i++)
		if (sim->rpc.guestinfo[i].key[0])
			fprintf(f, "guestinfo\t%s\t%s\n", sim->rpc.guestinfo[i].key,
				sim->rpc.guestinfo[i].value);
	fprintf(f, "host\tstopcatchup\t%" PRIu64 "\n", sim->stopcatchup_count);
	fprintf(f, "host\tcalls\tlb %" PRIu64 " hb %" PRIu64 " message %" PRIu64 "\n",
		sim->calls_lb, sim->calls_hb, sim->calls_by_cmd[30]);
	fprintf(f, "host\toffset_end\t%+.6f\n", (double)trap_sim_offset(ts) / 1e9);
	/* Host-time reads and the gaps between consecutive ones, in us. */
	trap_sim_note_reads(ts);
	fprintf(f, "host\ttime_reads\t%" PRIu64 "\tspreads_us", ts->reads_seen);
	for (i = 1; i < ts->nreads; i++)
		fprintf(f, "%c%" PRId64, i == 1 ? '\t' : ',',
			(ts->read_host_ns[i] - ts->read_host_ns[i - 1]) / 1000);
	fputc('\n', f);
	fprintf(f, "trap\tlb %" PRIu64 " hb_out %" PRIu64 " hb_in %" PRIu64
		   " cpuid %" PRIu64 " vsock_refused %" PRIu64
		   " io_passed %" PRIu64 " processes %" PRIu64 " threads %" PRIu64 "\n",
		st->lb, st->hb_out, st->hb_in, st->cpuid, st->vsock_refused,
		st->io_passed, st->processes, st->threads);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"host-offset", required_argument, NULL, 'o'},
		{"max-lag-us", required_argument, NULL, 'L'},
		{"lb-only", no_argument, NULL, 'l'},
		{"guestinfo", required_argument, NULL, 'g'},
		{"tclo", required_argument, NULL, 't'},
		{"timeout", required_argument, NULL, 'T'},
		{"cpuid-file", required_argument, NULL, 'C'},
		{"report", required_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct vmbd_sim sim;
	const char *cpuid_files[MAX_CPUID_FILES + 4];
	struct trap_opts opts;
	struct trap_hooks hooks;
	struct trap_sim ts;
	const char *report = NULL;
	double offset_s = 0, timeout_s = -1;
	unsigned ncpuid = 0;
	struct trap *t;
	char why[256];
	int c, rc, st;

	vmbd_sim_init(&sim);
	memset(&opts, 0, sizeof(opts));
	while ((c = getopt_long(argc, argv, "+o:L:lg:t:T:C:r:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			offset_s = strtod(optarg, NULL);
			break;
		case 'L':
			sim.max_lag_us = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			sim.rpc.hb = 0;
			break;
		case 'g': {
			char *eq = strchr(optarg, '=');

			if (!eq) {
				fprintf(stderr, "vmbd-trap: --guestinfo needs KEY=VALUE\n");
				return 2;
			}
			*eq = '\0';
			if (vmbd_sim_guestinfo_set(&sim, optarg, eq + 1) != 0) {
				fprintf(stderr, "vmbd-trap: cannot set guestinfo %s\n", optarg);
				return 2;
			}
			break;
		}
		case 't':
			if (vmbd_sim_tclo_push(&sim, optarg, strlen(optarg)) != 0) {
				fprintf(stderr, "vmbd-trap: TCLO queue full or command too long\n");
				return 2;
			}
			break;
		case 'T':
			timeout_s = strtod(optarg, NULL);
			break;
		case 'C':
			if (ncpuid == MAX_CPUID_FILES) {
				fprintf(stderr, "vmbd-trap: too many --cpuid-file\n");
				return 2;
			}
			cpuid_files[ncpuid++] = optarg;
			break;
		case 'r':
			report = optarg;
			break;
		case 'v':
			opts.verbose = 1;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (trap_probe(why, sizeof(why)) != 0) {
		fprintf(stderr, "vmbd-trap: SKIPPED: ptrace unavailable: %s\n", why);
		return EXIT_SKIP;
	}
	for (c = 0; default_cpuid_files[c]; c++)
		cpuid_files[ncpuid++] = default_cpuid_files[c];
	cpuid_files[ncpuid] = NULL;
	opts.cpuid_files = cpuid_files;
	trap_sim_init(&ts, &sim, (int64_t)(offset_s * 1e9), &hooks);
	fflush(stdout);
	t = trap_start(argv + optind, &opts, vmbd_sim_io_ops(), &sim, &hooks);
	if (!t) {
		perror("vmbd-trap");
		return EXIT_HARNESS;
	}
	ts.t = t;
	rc = trap_run(t, timeout_s < 0 ? -1 : (int)(timeout_s * 1000));
	st = trap_exit_status(t);
	if (report) {
		FILE *f = fopen(report, "w");

		if (f) {
			write_report(f, &ts, t);
			fclose(f);
		} else {
			perror(report);
		}
	}
	trap_finish(t);
	if (rc < 0)
		return EXIT_HARNESS;
	if (rc == 1)
		return EXIT_TIMEOUT;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
