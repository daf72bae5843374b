/*
 * vmbd-rpc: send one RPCI command to the host and print the reply, with
 * vmware-rpctool's conventions, so scripts that read guestinfo
 * (`vmbd-rpc "info-get guestinfo.userdata"`) can use it:
 *   - the command is one argument, or standard input when there is none
 *     (or it is "-"; one trailing newline is dropped);
 *   - a "1 " reply: its text and a newline on standard output, exit 0;
 *   - a "0 " reply: its text and a newline on standard error, exit 1.
 * The real backdoor is opened through vmbd_open(): on a machine whose CPUID
 * does not say VMware nothing is executed unless --force is given. --sim
 * runs against the in-process simulated VMware host instead.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbackdoor/vmbackdoor.h>

#define PROG "vmbd-rpc"

enum exit_status {
	EXIT_OK = 0,
	EXIT_RPC_FAILED = 1,   /* host answered "0 ..." or the message failed */
	EXIT_USAGE = 2,
	EXIT_NOT_VMWARE = 3,   /* no backdoor call made */
	EXIT_NO_BACKDOOR = 4   /* backdoor could not be opened */
};

/* Host replies are not bounded by the 64 KiB request limit; 1 MiB covers
 * any guestinfo value a host keeps. */
#define REPLY_MAX (1u << 20)
#define SIM_SETS_MAX 16

struct options {
	int sim;
	int force;
	int no_hb;
	int calls;
	int verbose;
	const char *sim_set[SIM_SETS_MAX];
	unsigned n_sim_set;
	const char *command; /* NULL: standard input */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--sim [--sim-set KEY=VALUE]...] [--force] "
		"[--no-hb] [--calls] [--verbose] [COMMAND | -]\n"
		"Send one RPCI command to the VMware host and print its reply.\n"
		"  COMMAND       e.g. \"info-get guestinfo.userdata\"; read from\n"
		"                standard input when absent or \"-\"\n"
		"  --sim         talk to the embedded simulated VMware host\n"
		"  --sim-set K=V preset guestinfo key K (\"guestinfo.x\") in the\n"
		"                simulator\n"
		"  --force       use the backdoor even if CPUID does not say VMware\n"
		"  --no-hb       low-bandwidth transfers only\n"
		"  --calls       report the number of backdoor calls on stderr\n"
		"  -v, --verbose say on stderr which host answered (backdoor\n"
		"                version and product, from the open: no extra call)\n"
		"Exit: 0 success reply (stdout), 1 failure reply (stderr),\n"
		"message or output error, 2 usage, 3 not VMware, 4 backdoor\n"
		"unavailable.\n");
}

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"sim", no_argument, NULL, 's'},
		{"sim-set", required_argument, NULL, 'S'},
		{"force", no_argument, NULL, 'f'},
		{"no-hb", no_argument, NULL, 'l'},
		{"calls", no_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->sim = 1; break;
		case 'f': o->force = 1; break;
		case 'l': o->no_hb = 1; break;
		case 'c': o->calls = 1; break;
		case 'v': o->verbose = 1; break;
		case 'S':
			if (o->n_sim_set >= SIM_SETS_MAX) {
				fprintf(stderr, PROG ": too many --sim-set\n");
				return EXIT_USAGE;
			}
			o->sim_set[o->n_sim_set++] = optarg;
			break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (o->sim && o->force) {
		fprintf(stderr, PROG ": --sim and --force exclude each other\n");
		return EXIT_USAGE;
	}
	if (o->n_sim_set && !o->sim) {
		fprintf(stderr, PROG ": --sim-set needs --sim\n");
		return EXIT_USAGE;
	}
	if (argc - optind > 1) {
		fprintf(stderr, PROG ": one command expected (quote it)\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind == 1 && strcmp(argv[optind], "-") != 0)
		o->command = argv[optind];
	return EXIT_OK;
}

/* Whole standard input, at most VMBD_MSG_MAX_IN bytes; a trailing newline
 * (from echo or a here-document) is not part of the command. */
static int read_stdin(char *buf, size_t size, size_t *len)
{
	size_t n = fread(buf, 1, size, stdin);

	if (ferror(stdin)) {
		fprintf(stderr, PROG ": cannot read standard input\n");
		return EXIT_USAGE;
	}
	if (n > VMBD_MSG_MAX_IN + (n > 0 && buf[n - 1] == '\n' ? 1u : 0u)) {
		fprintf(stderr, PROG ": command longer than %u bytes\n",
			VMBD_MSG_MAX_IN);
		return EXIT_USAGE;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	*len = n;
	return EXIT_OK;
}

static int open_sim(struct vmbd_ctx *ctx, struct vmbd_sim *sim,
		    const struct options *o, struct vmbd_detect_info *info)
{
	unsigned i;

	vmbd_sim_init(sim);
	/* What the simulated host would answer to GETVERSION, read from its
	 * settings: --verbose costs no backdoor call here either. */
	memset(info, 0, sizeof(*info));
	info->hypervisor_present = 1;
	info->hypervisor = VMBD_HV_VMWARE;
	info->version = sim->version;
	info->product = sim->product;
	for (i = 0; i < o->n_sim_set; i++) {
		char key[VMBD_SIM_RPC_KEY_MAX];
		const char *eq = strchr(o->sim_set[i], '=');
		size_t klen = eq ? (size_t)(eq - o->sim_set[i]) : 0;
		int rc;

		if (eq == NULL || klen == 0) {
			fprintf(stderr, PROG ": --sim-set wants KEY=VALUE: %s\n",
				o->sim_set[i]);
			return EXIT_USAGE;
		}
		if (klen >= sizeof(key)) {
			fprintf(stderr, PROG ": --sim-set: key longer than %zu "
				"bytes: %.40s...\n", sizeof(key) - 1, o->sim_set[i]);
			return EXIT_USAGE;
		}
		memcpy(key, o->sim_set[i], klen);
		key[klen] = '\0';
		rc = vmbd_sim_guestinfo_set(sim, key, eq + 1);
		if (rc != VMBD_OK) {
			fprintf(stderr, PROG ": --sim-set %s: %s\n", key,
				vmbd_strerror(rc));
			return EXIT_USAGE;
		}
	}
	return vmbd_ctx_init(ctx, vmbd_sim_io_ops(), sim) == VMBD_OK
		       ? EXIT_OK
		       : EXIT_NO_BACKDOOR;
}

/* The open's one backdoor call (GETVERSION) also fills info->version and
 * info->product, which --verbose shows. */
static int open_real(struct vmbd_ctx *ctx, const struct options *o,
		     struct vmbd_detect_info *info)
{
	int rc = vmbd_open(ctx, o->force ? VMBD_OPEN_FORCE : 0, info);

	if (rc == VMBD_ENOTVMWARE) {
		fprintf(stderr, PROG ": not running on VMware (CPUID hypervisor: "
			"%s); no backdoor call made; --force tries anyway\n",
			info->hypervisor_present
				? vmbd_hypervisor_name(info->hypervisor)
				: "none");
		return EXIT_NOT_VMWARE;
	}
	if (rc != VMBD_OK) {
		fprintf(stderr, PROG ": cannot open the backdoor: %s\n",
			vmbd_strerror(rc));
		return EXIT_NO_BACKDOOR;
	}
	return EXIT_OK;
}

/* A reply (or usage text) that did not reach standard output (a full
 * disk) is a failure, and says so. */
static int stdout_ok(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 1;
	fprintf(stderr, PROG ": cannot write standard output\n");
	return 0;
}

/* Print the reply the way vmware-rpctool does. */
static int report(int rc, const char *reply, size_t len)
{
	switch (rc) {
	case VMBD_OK:
		fwrite(reply, 1, len, stdout);
		fputc('\n', stdout);
		return stdout_ok() ? EXIT_OK : EXIT_RPC_FAILED;
	case VMBD_ERPC:
		fwrite(reply, 1, len, stderr);
		fputc('\n', stderr);
		return EXIT_RPC_FAILED;
	case VMBD_ENOSPC:
		fprintf(stderr, PROG ": reply of %zu bytes is larger than %u\n",
			len, REPLY_MAX);
		return EXIT_RPC_FAILED;
	default:
		fprintf(stderr, PROG ": %s\n", vmbd_strerror(rc));
		return EXIT_RPC_FAILED;
	}
}

int main(int argc, char **argv)
{
	static char input[VMBD_MSG_MAX_IN + 2];
	static char reply[REPLY_MAX];
	struct options o;
	struct vmbd_ctx ctx;
	struct vmbd_detect_info info;
	struct vmbd_sim *sim = NULL;
	const char *cmd;
	size_t cmd_len, reply_len = 0;
	int rc, status;

	/* vmbd_open() keeps the log callback of the ctx it is given, so the
	 * ctx must start zeroed (detect.h): stack garbage there was called
	 * as a function when the machine was not VMware (found by valgrind). */
	memset(&ctx, 0, sizeof(ctx));
	status = parse(argc, argv, &o);
	if (status != EXIT_OK)
		return status >= 0 ? status : stdout_ok() ? EXIT_OK
							   : EXIT_RPC_FAILED;
	if (o.command != NULL) {
		cmd = o.command;
		cmd_len = strlen(cmd);
	} else {
		status = read_stdin(input, sizeof(input), &cmd_len);
		if (status != EXIT_OK)
			return status;
		cmd = input;
	}
	if (cmd_len > VMBD_MSG_MAX_IN) {
		fprintf(stderr, PROG ": command longer than %u bytes\n",
			VMBD_MSG_MAX_IN);
		return EXIT_USAGE;
	}
	if (o.sim) {
		sim = malloc(sizeof(*sim));
		if (sim == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			return EXIT_NO_BACKDOOR;
		}
		status = open_sim(&ctx, sim, &o, &info);
	} else {
		status = open_real(&ctx, &o, &info);
	}
	if (status != EXIT_OK) {
		free(sim);
		return status;
	}
	if (o.verbose)
		fprintf(stderr, PROG ": %s host (%s), backdoor version %u, "
			"product type %u\n", o.sim ? "simulated" : "real",
			vmbd_hypervisor_name(info.hypervisor),
			(unsigned)info.version, (unsigned)info.product);
	rc = vmbd_rpci_send_one(&ctx, o.no_hb ? VMBD_CHANNEL_NO_HB : 0, cmd,
				cmd_len, reply, sizeof(reply), &reply_len);
	status = report(rc, reply, reply_len);
	if (o.calls)
		fprintf(stderr, PROG ": %llu backdoor calls\n",
			(unsigned long long)vmbd_ctx_calls(&ctx));
	free(sim);
	return status;
}
