/* vmbd-time sync: one correction now, by the one-shot rule. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "vt.h"

static void sync_usage(FILE *out)
{
	fprintf(out,
		"usage: " VMBD_TIME_PROG " sync [--sim [--script FILE] | --force] [--json]\n"
		"         [--backward] [--dry-run]\n"
		"\n"
		"Correct the guest clock once from the host's time, as the host's\n"
		"Time_Synchronize does: step forward when the guest is behind by more\n"
		"than the host's max lag; step backward only with --backward.\n"
		"STOPCATCHUP follows every step.\n"
		"\n"
		"  --sim          the embedded simulated host (with --script FILE, the\n"
		"                 script's host events are played first)\n"
		"  --force        real backdoor even if CPUID does not say VMware\n"
		"  --json         print the result as one JSON object\n"
		"  --backward     allow a backward step\n"
		"  --dry-run      decide, but only report what would change\n");
}

static int sync_run(int argc, char **argv)
{
	struct vt_opts opts;
	struct vt_out out = {stdout, 0};
	volatile sig_atomic_t stop = 0;
	struct vt_env env;
	int rc;

	rc = vt_parse_opts("sync", VT_OPT_SYNC, argc, argv, &opts, sync_usage);
	if (rc >= 0)
		return rc;
	out.json = opts.json;
	rc = vt_env_open(&env, &opts, &out, &stop, opts.script_path != NULL);
	if (rc != VMBD_TIME_EXIT_OK)
		return rc;
	if (opts.script_path) {
		/* Play the script's host events to its end first. */
		int64_t end = env.n_events ? env.events[env.n_events - 1].at_ns : 0;

		env.no_tclo = 1;
		vt_wait(&env, env.t0 + end);
	}
	{
		struct vmbd_agent agent;

		rc = vmbd_agent_init(&agent, env.ctx, env.guest, &env.act, NULL);
		vmbd_agent_set_events(&agent, vt_agent_event, &env);
		if (rc == VMBD_OK)
			rc = vmbd_agent_sync_once(&agent, opts.backward,
						  VMBD_AGENT_CAUSE_LOCAL);
	}
	vt_env_close(&env);
	return rc == VMBD_OK ? VMBD_TIME_EXIT_OK : VMBD_TIME_EXIT_ERROR;
}

const struct vmbd_time_cmd vmbd_time_cmd_sync = {
	"sync", "one correction now (--backward, --dry-run)", sync_run
};
