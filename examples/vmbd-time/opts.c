/* vmbd-time sync and daemon options: one table, each row naming the
 * subcommands that take it. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vt.h"

enum {
	O_SIM = 256, O_FORCE, O_SCRIPT, O_JSON, O_DRY_RUN, O_BACKWARD,
	O_DISABLE_ALL, O_DISABLE_PERIODIC, O_NEVER_BACKWARD, O_REFCLOCK,
	O_HELP = 'h'
};

struct opt_row {
	struct option opt;
	unsigned which;
};

static const struct opt_row opt_rows[] = {
	{{"sim", no_argument, NULL, O_SIM}, VT_OPT_SYNC | VT_OPT_DAEMON},
	{{"force", no_argument, NULL, O_FORCE}, VT_OPT_SYNC | VT_OPT_DAEMON},
	{{"script", required_argument, NULL, O_SCRIPT}, VT_OPT_SYNC | VT_OPT_DAEMON},
	{{"json", no_argument, NULL, O_JSON}, VT_OPT_SYNC | VT_OPT_DAEMON},
	{{"dry-run", no_argument, NULL, O_DRY_RUN}, VT_OPT_SYNC | VT_OPT_DAEMON},
	{{"backward", no_argument, NULL, O_BACKWARD}, VT_OPT_SYNC},
	{{"disable-all", no_argument, NULL, O_DISABLE_ALL}, VT_OPT_DAEMON},
	{{"disable-periodic", no_argument, NULL, O_DISABLE_PERIODIC}, VT_OPT_DAEMON},
	{{"never-backward", no_argument, NULL, O_NEVER_BACKWARD}, VT_OPT_DAEMON},
	{{"refclock-sock", required_argument, NULL, O_REFCLOCK}, VT_OPT_DAEMON},
	{{"help", no_argument, NULL, O_HELP}, VT_OPT_SYNC | VT_OPT_DAEMON},
};
#define N_ROWS (sizeof(opt_rows) / sizeof(opt_rows[0]))

/* The systemd unit's environment file sets the local veto this way.
 * Returns 1 (on), 0 (off or unset) or -1 after saying, in one line, that
 * the value is neither: ignoring "on" would change a clock the
 * administrator meant to leave alone. */
static const char *const env_on[] = {"1", "yes", "true"};
static const char *const env_off[] = {"", "0", "no", "false"};

static int env_flag(const char *cmd, const char *name)
{
	const char *v = getenv(name);
	char what[160];
	size_t i;

	if (!v)
		return 0;
	for (i = 0; i < sizeof(env_on) / sizeof(env_on[0]); i++)
		if (!strcmp(v, env_on[i]))
			return 1;
	for (i = 0; i < sizeof(env_off) / sizeof(env_off[0]); i++)
		if (!strcmp(v, env_off[i]))
			return 0;
	snprintf(what, sizeof(what), "%s='%.40s' in the environment: "
		 "want 1, yes or true (on), 0, no or false (off)", name, v);
	vmbd_time_usage_error(cmd, what);
	return -1;
}

int vt_parse_opts(const char *cmd, unsigned which, int argc, char **argv,
		  struct vt_opts *opts, void (*usage)(FILE *))
{
	struct option longopts[N_ROWS + 1];
	size_t i, n = 0;
	int c;

	memset(opts, 0, sizeof(*opts));
	memset(longopts, 0, sizeof(longopts));
	for (i = 0; i < N_ROWS; i++)
		if (opt_rows[i].which & which)
			longopts[n++] = opt_rows[i].opt;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case O_SIM: opts->sim = 1; break;
		case O_FORCE: opts->force = 1; break;
		case O_SCRIPT: opts->script_path = optarg; break;
		case O_JSON: opts->json = 1; break;
		case O_DRY_RUN: opts->dry_run = 1; break;
		case O_BACKWARD: opts->backward = 1; break;
		case O_DISABLE_ALL: opts->veto.disable_all = 1; break;
		case O_DISABLE_PERIODIC: opts->veto.disable_periodic = 1; break;
		case O_NEVER_BACKWARD: opts->veto.never_backward = 1; break;
		case O_REFCLOCK: opts->refclock_path = optarg; break;
		case O_HELP:
			usage(stdout);
			return VMBD_TIME_EXIT_OK;
		case ':': {
			char what[160];

			snprintf(what, sizeof(what), "option '%s' needs a value",
				 argv[optind - 1]);
			return vmbd_time_usage_error(cmd, what);
		}
		default:
			return vmbd_time_bad_option(cmd, argv, optopt);
		}
	}
	if (optind < argc)
		return vmbd_time_unexpected(cmd, argv[optind]);
	if (opts->sim && opts->force)
		return vmbd_time_usage_error(cmd, "--sim and --force exclude each other");
	if (opts->refclock_path && !*opts->refclock_path)
		return vmbd_time_usage_error(cmd, "--refclock-sock needs a socket path");
	if (opts->script_path && !opts->sim)
		return vmbd_time_usage_error(cmd, "--script needs --sim");
	if (which & VT_OPT_DAEMON) {
		int all = env_flag(cmd, "VMBD_TIME_DISABLE_ALL");
		int periodic = all < 0 ? 0 : env_flag(cmd, "VMBD_TIME_DISABLE_PERIODIC");
		int backward = all < 0 || periodic < 0 ? 0 :
			       env_flag(cmd, "VMBD_TIME_NEVER_BACKWARD");

		if (all < 0 || periodic < 0 || backward < 0)
			return VMBD_TIME_EXIT_USAGE;
		opts->veto.disable_all |= all;
		opts->veto.disable_periodic |= periodic;
		opts->veto.never_backward |= backward;
	}
	return -1;
}
