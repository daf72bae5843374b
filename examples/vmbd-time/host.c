/*
 * vmbd-time: where the backdoor is. The real backdoor is only opened
 * through vmbd_open(), which decides from CPUID and executes nothing on a
 * machine that is not VMware unless forced; the simulator needs no checks.
 */
#define _POSIX_C_SOURCE 200809L
#include "vmbd_time.h"

#include <stdlib.h>
#include <string.h>

/* How each vmbd_open() failure is reported: exit status and advice. */
struct open_failure {
	int err;
	int exit_status;
	const char *advice;
};

static const struct open_failure open_failures[] = {
	{VMBD_EPERM, VMBD_TIME_EXIT_PERM,
	 "run as root (port access needs CAP_SYS_RAWIO)"},
	{VMBD_ENOBACKEND, VMBD_TIME_EXIT_ERROR,
	 "this build has no backend for the hypervisor's call method"},
	{VMBD_EPROTO, VMBD_TIME_EXIT_ERROR,
	 "nothing answered GETVERSION like a VMware host"},
};

static void log_stderr(void *arg, int level, const char *msg)
{
	(void)arg;
	if (level <= VMBD_LOG_WARNING)
		fprintf(stderr, VMBD_TIME_PROG ": %s: %s\n",
			level == VMBD_LOG_ERROR ? "error" : "warning", msg);
}

static int report_not_vmware(const struct vmbd_detect_info *info)
{
	if (info->hypervisor_present)
		fprintf(stderr, VMBD_TIME_PROG ": not running on VMware: CPUID "
			"hypervisor vendor is \"%s\" (%s); no backdoor call made "
			"(--force tries anyway, e.g. for QEMU's vmport)\n",
			info->vendor, vmbd_hypervisor_name(info->hypervisor));
	else
		fprintf(stderr, VMBD_TIME_PROG ": not running on VMware: CPUID "
			"reports no hypervisor; no backdoor call made\n");
	return VMBD_TIME_EXIT_NOTVMWARE;
}

static int open_real(struct vmbd_time_host *host, unsigned flags)
{
	const struct vmbd_clock_ops *clock = vmbd_clock_real();
	size_t i;
	int rc;

	if (!clock) {
		fprintf(stderr, VMBD_TIME_PROG ": no system clock interface "
			"on this platform\n");
		return VMBD_TIME_EXIT_ERROR;
	}
	vmbd_ctx_set_log(&host->ctx, log_stderr, NULL);
	rc = vmbd_open(&host->ctx, flags, &host->info);
	if (rc == VMBD_ENOTVMWARE)
		return report_not_vmware(&host->info);
	if (rc < 0) {
		for (i = 0; i < sizeof(open_failures) / sizeof(open_failures[0]); i++)
			if (open_failures[i].err == rc)
				break;
		fprintf(stderr, VMBD_TIME_PROG ": cannot open the backdoor: %s%s%s\n",
			vmbd_strerror(rc),
			i < sizeof(open_failures) / sizeof(open_failures[0]) ? "; " : "",
			i < sizeof(open_failures) / sizeof(open_failures[0]) ?
				open_failures[i].advice : "");
		return i < sizeof(open_failures) / sizeof(open_failures[0]) ?
			open_failures[i].exit_status : VMBD_TIME_EXIT_ERROR;
	}
	rc = vmbd_clock_init(&host->guest, clock, NULL);
	if (rc < 0) {
		fprintf(stderr, VMBD_TIME_PROG ": system clock: %s\n",
			vmbd_strerror(rc));
		return VMBD_TIME_EXIT_ERROR;
	}
	return VMBD_TIME_EXIT_OK;
}

static int open_sim(struct vmbd_time_host *host)
{
	int rc;

	/* The library never allocates; the program does, once. */
	host->sim = calloc(1, vmbd_sim_size());
	if (!host->sim) {
		fprintf(stderr, VMBD_TIME_PROG ": out of memory for the simulator\n");
		return VMBD_TIME_EXIT_ERROR;
	}
	vmbd_sim_init(host->sim);
	rc = vmbd_ctx_init(&host->ctx, vmbd_sim_io_ops(), host->sim);
	if (rc == 0)
		rc = vmbd_clock_init(&host->guest, vmbd_clock_sim(), host->sim);
	if (rc < 0) {
		fprintf(stderr, VMBD_TIME_PROG ": simulator: %s\n", vmbd_strerror(rc));
		vmbd_time_host_close(host);
		return VMBD_TIME_EXIT_ERROR;
	}
	vmbd_ctx_set_log(&host->ctx, log_stderr, NULL);
	/* The simulated host is checked as vmbd_open() checks a real one:
	 * one GETVERSION, whose answer is kept, so a --sim run makes exactly
	 * the backdoor calls a run on VMware makes. */
	host->info.hypervisor_present = 1;
	host->info.hypervisor = VMBD_HV_VMWARE;
	rc = vmbd_get_version(&host->ctx, &host->info.version,
			      &host->info.product);
	if (rc < 0) {
		fprintf(stderr, VMBD_TIME_PROG ": simulator: GETVERSION: %s\n",
			vmbd_strerror(rc));
		vmbd_time_host_close(host);
		return VMBD_TIME_EXIT_ERROR;
	}
	return VMBD_TIME_EXIT_OK;
}

int vmbd_time_host_open(struct vmbd_time_host *host, int backend)
{
	memset(host, 0, sizeof(*host));
	host->backend = backend;
	switch (backend) {
	case VMBD_TIME_SIM:
		return open_sim(host);
	case VMBD_TIME_FORCED:
		return open_real(host, VMBD_OPEN_FORCE);
	default:
		return open_real(host, 0);
	}
}

void vmbd_time_host_close(struct vmbd_time_host *host)
{
	free(host->sim);
	host->sim = NULL;
}
