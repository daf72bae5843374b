/*
 * vmbd-time status: one look at the host, changing nothing. Two backdoor
 * calls in all: the GETVERSION of the open (its answer is what is shown)
 * and one time read (more only when the host lacks GETTIMEFULL_WITH_LAG
 * and the library falls back).
 */
#define _POSIX_C_SOURCE 200809L
#include "vmbd_time.h"
#include "vt.h"

#include <getopt.h>
#include <inttypes.h>

#define CMD "status"

struct name_row {
	int value;
	const char *name;
};

static const struct name_row product_names[] = {
	{VMBD_PRODUCT_EXPRESS, "Express"},
	{VMBD_PRODUCT_ESX, "ESX"},
	{VMBD_PRODUCT_SERVER, "Server"},
	{VMBD_PRODUCT_WORKSTATION, "Workstation"},
	{VMBD_PRODUCT_WORKSTATION_ENTERPRISE, "Workstation Enterprise"},
};

static const struct name_row time_cmd_names[] = {
	{VMBD_CMD_GETTIME, "GETTIME"},
	{VMBD_CMD_GETTIMEFULL, "GETTIMEFULL"},
	{VMBD_CMD_GETTIMEFULL_WITH_LAG, "GETTIMEFULL_WITH_LAG"},
};

static const struct name_row method_names[] = {
	{VMBD_METHOD_PORT, "port I/O"},
	{VMBD_METHOD_VMCALL, "vmcall"},
	{VMBD_METHOD_VMMCALL, "vmmcall"},
	{VMBD_METHOD_ARM64, "arm64"},
};

#define LOOKUP(table, value) lookup((table), sizeof(table) / sizeof((table)[0]), (value))
static const char *lookup(const struct name_row *rows, size_t n, int value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].value == value)
			return rows[i].name;
	return "unknown";
}

static void status_usage(FILE *out)
{
	fprintf(out,
		"usage: " VMBD_TIME_PROG " " CMD " [--sim [--script FILE] | --force] [--json]\n"
		"\n"
		"Print the backdoor version and product, the host's time, the guest's\n"
		"time, their offset and the host's max time lag. Changes nothing.\n"
		"\n"
		"  --sim     use the embedded simulated VMware host (any machine)\n"
		"  --force   use the real backdoor even if CPUID does not say VMware\n"
		"            (QEMU with vmport=on); needs port access (root)\n"
		"  --script FILE  with --sim: play this host script first\n"
		"  --json    print one JSON object (see vmbd-time(1))\n"
		"  --help    this text\n"
		"\n"
		"Without --sim or --force on a machine that is not VMware it prints\n"
		"the CPUID vendor and exits 3 without any backdoor call.\n");
}

static void print_backend(const struct vmbd_time_host *host)
{
	if (host->backend == VMBD_TIME_SIM) {
		printf("backend:        simulator (embedded VMware host, virtual time)\n");
		return;
	}
	printf("backend:        %sbackdoor via %s, CPUID vendor \"%s\" (%s)\n",
	       host->backend == VMBD_TIME_FORCED ? "forced " : "",
	       LOOKUP(method_names, host->info.method), host->info.vendor,
	       vmbd_hypervisor_name(host->info.hypervisor));
}

/* host - guest in ns, saturated rather than overflowing. */
static int64_t offset_ns(int64_t host_ns, int64_t guest_ns)
{
	if (guest_ns < 0 && host_ns > INT64_MAX + guest_ns)
		return INT64_MAX;
	if (guest_ns > 0 && host_ns < INT64_MIN + guest_ns)
		return INT64_MIN;
	return host_ns - guest_ns;
}

static int fail(const char *what, int rc)
{
	fflush(stdout);  /* keep the order of what was already printed */
	fprintf(stderr, VMBD_TIME_PROG " " CMD ": %s: %s (%s)\n", what,
		vmbd_strerror(rc), vmbd_errname(rc));
	return VMBD_TIME_EXIT_ERROR;
}

static int status_print(struct vmbd_time_host *host)
{
	char stamp[VMBD_TIME_STAMP_LEN], off[32], lag[32];
	struct vmbd_host_time t;
	uint32_t version = host->info.version, product = host->info.product;
	int64_t host_ns, guest_ns;
	int rc;

	/* Printed as it is learnt, so a host that lacks a command (QEMU's
	 * vmport has no time commands) still shows what it does answer. */
	print_backend(host);
	printf("version:        %" PRIu32 ", product %s (%" PRIu32 ")\n",
	       version, LOOKUP(product_names, (int)product), product);
	fflush(stdout);

	rc = vmbd_read_host_time(&host->ctx, &t);
	if (rc < 0)
		return fail("reading the host time", rc);
	/* A hostile host can send any 64-bit second count. */
	if (t.sec > INT64_MAX / 1000000000 - 1)
		return fail("host time out of range", VMBD_EBADTIME);
	host_ns = t.sec * 1000000000 + (int64_t)t.usec * 1000;
	vmbd_time_format_utc(host_ns, stamp, sizeof(stamp));
	printf("host time:      %s (%s)\n", stamp, LOOKUP(time_cmd_names, t.cmd));

	rc = vmbd_clock_now(&host->guest, &guest_ns);
	if (rc < 0)
		return fail("reading the guest clock", rc);
	vmbd_time_format_utc(guest_ns, stamp, sizeof(stamp));
	printf("guest time:     %s\n", stamp);
	vmbd_time_format_offset(offset_ns(host_ns, guest_ns), off, sizeof(off));
	printf("offset:         %s s (host - guest)\n", off);
	vmbd_time_format_offset((int64_t)t.max_lag_us * 1000, lag, sizeof(lag));
	printf("max lag:        %s s\n", lag + 1);
	if (t.has_interrupt_lag) {
		vmbd_time_format_offset((int64_t)t.interrupt_lag_us * 1000, lag,
					sizeof(lag));
		printf("interrupt lag:  %s s\n", lag + 1);
	}
	printf("backdoor calls: %" PRIu64 "\n", vmbd_ctx_calls(&host->ctx));
	return VMBD_TIME_EXIT_OK;
}

/* --json: the same facts as one JSON object (vmbd-time(1), JSON OUTPUT);
 * offset_us is guest minus host like every vmbd-time JSON event, t the
 * seconds since the start (a --script's end) like theirs. */
static int status_json(struct vmbd_time_host *host, int64_t t_ns)
{
	char host_stamp[VMBD_TIME_STAMP_LEN], guest_stamp[VMBD_TIME_STAMP_LEN];
	struct vmbd_host_time t;
	uint32_t version = host->info.version, product = host->info.product;
	int64_t host_ns, guest_ns;
	int rc;

	rc = vmbd_read_host_time(&host->ctx, &t);
	if (rc < 0)
		return fail("reading the host time", rc);
	if (t.sec > INT64_MAX / 1000000000 - 1)
		return fail("host time out of range", VMBD_EBADTIME);
	host_ns = t.sec * 1000000000 + (int64_t)t.usec * 1000;
	rc = vmbd_clock_now(&host->guest, &guest_ns);
	if (rc < 0)
		return fail("reading the guest clock", rc);
	vmbd_time_format_utc(host_ns, host_stamp, sizeof(host_stamp));
	vmbd_time_format_utc(guest_ns, guest_stamp, sizeof(guest_stamp));
	printf("{\"t\":%" PRId64 ".%06" PRId64 ",\"event\":\"status\",\"backend\":\"%s\","
	       "\"hypervisor\":\"%s\",\"version\":%" PRIu32 ","
	       "\"product\":\"%s\",\"host_time\":\"%s\",\"time_command\":\"%s\","
	       "\"guest_time\":\"%s\",\"offset_us\":%" PRId64 ","
	       "\"max_lag_us\":%" PRIu32 ",\"backdoor_calls\":%" PRIu64 "}\n",
	       t_ns / VT_NS_PER_SEC, t_ns % VT_NS_PER_SEC / 1000,
	       host->backend == VMBD_TIME_SIM ? "sim"
	       : host->backend == VMBD_TIME_FORCED ? "forced" : "real",
	       host->backend == VMBD_TIME_SIM ? "vmware"
					       : vmbd_hypervisor_name(host->info.hypervisor),
	       version, LOOKUP(product_names, (int)product), host_stamp,
	       LOOKUP(time_cmd_names, t.cmd), guest_stamp,
	       -offset_ns(host_ns, guest_ns) / 1000, t.max_lag_us,
	       vmbd_ctx_calls(&host->ctx));
	return VMBD_TIME_EXIT_OK;
}

/* --sim --script: play the script's host events to its end, then look. */
static int status_scripted(const char *script, int json)
{
	struct vt_opts opts = {.sim = 1, .json = json, .script_path = script};
	struct vt_out out = {stdout, json};
	volatile sig_atomic_t stop = 0;
	struct vt_env env;
	int64_t end;
	int rc;

	rc = vt_env_open(&env, &opts, &out, &stop, 1);
	if (rc != VMBD_TIME_EXIT_OK)
		return rc;
	env.no_tclo = 1;
	end = env.n_events ? env.events[env.n_events - 1].at_ns : 0;
	vt_wait(&env, env.t0 + end);
	rc = json ? status_json(&env.host, vt_elapsed(&env))
		  : status_print(&env.host);
	vt_env_close(&env);
	return rc;
}

static int status_run(int argc, char **argv)
{
	static const struct option options[] = {
		{"sim", no_argument, NULL, 's'},
		{"force", no_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"script", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct vmbd_time_host host;
	const char *script = NULL;
	int sim = 0, force = 0, json = 0, c, rc;

	/* ':' first: a missing value is told apart from a bad option. */
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case 's':
			sim = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'S':
			script = optarg;
			break;
		case 'h':
			status_usage(stdout);
			return VMBD_TIME_EXIT_OK;
		case ':': {
			char what[160];

			snprintf(what, sizeof(what), "option '%s' needs a value",
				 argv[optind - 1]);
			return vmbd_time_usage_error(CMD, what);
		}
		default:
			return vmbd_time_bad_option(CMD, argv, optopt);
		}
	}
	if (optind < argc)
		return vmbd_time_unexpected(CMD, argv[optind]);
	if (sim && force)
		return vmbd_time_usage_error(CMD, "--sim and --force exclude each other");
	if (script && !sim)
		return vmbd_time_usage_error(CMD, "--script needs --sim");
	if (script)
		return status_scripted(script, json);

	rc = vmbd_time_host_open(&host, sim ? VMBD_TIME_SIM :
				 force ? VMBD_TIME_FORCED : VMBD_TIME_REAL);
	if (rc != VMBD_TIME_EXIT_OK)
		return rc;
	rc = json ? status_json(&host, 0) : status_print(&host);
	vmbd_time_host_close(&host);
	return rc;
}

const struct vmbd_time_cmd vmbd_time_cmd_status = {
	.name = CMD,
	.summary = "show the host's version and time, the guest's time and offset",
	.run = status_run,
};
