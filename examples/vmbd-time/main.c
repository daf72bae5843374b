/* vmbd-time: global options and subcommand dispatch. */
#define _POSIX_C_SOURCE 200809L
#include "vmbd_time.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

/* The subcommands. Adding one is one row here (and its own file). */
static const struct vmbd_time_cmd *const commands[] = {
	&vmbd_time_cmd_status,
	&vmbd_time_cmd_sync,
	&vmbd_time_cmd_daemon,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: " VMBD_TIME_PROG " [--help] [--version] COMMAND [OPTIONS]\n"
		"\n"
		"Read the host's time through the VMware backdoor (libvmbackdoor).\n"
		"No backdoor instruction is executed unless CPUID says the machine\n"
		"is VMware, or --force is given; --sim uses the embedded simulated\n"
		"VMware host instead of the real backdoor.\n"
		"\n"
		"commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(out,
		"\n"
		"`" VMBD_TIME_PROG " COMMAND --help` describes a command.\n"
		"\n"
		"exit status:\n"
		"  0  success\n"
		"  1  a backdoor call or clock operation failed, a bad script,\n"
		"     or the output could not be written\n"
		"  2  bad command line (or veto value in the environment)\n"
		"  3  not running on VMware (CPUID); no backdoor call was made\n"
		"  4  backdoor port access refused (needs root / CAP_SYS_RAWIO)\n");
}

/* Output that did not reach its file (a full disk) is a failure: a
 * script reading `vmbd-time status --json > file` must not see success. */
static int check_stdout(int status)
{
	int err = fflush(stdout) != 0 ? errno : 0;

	if (!err && !ferror(stdout))
		return status;
	fprintf(stderr, VMBD_TIME_PROG ": cannot write standard output%s%s\n",
		err ? ": " : "", err ? strerror(err) : "");
	return status == VMBD_TIME_EXIT_OK ? VMBD_TIME_EXIT_ERROR : status;
}

static const struct vmbd_time_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	const struct vmbd_time_cmd *cmd;
	int c;


	opterr = 0;
	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return check_stdout(VMBD_TIME_EXIT_OK);
		case 'V':
			printf(VMBD_TIME_PROG " (libvmbackdoor %s)\n",
			       vmbd_version());
			return check_stdout(VMBD_TIME_EXIT_OK);
		default:
			return vmbd_time_bad_option(NULL, argv, optopt);
		}
	}
	if (optind >= argc)
		return vmbd_time_usage_error(NULL, "missing command");
	cmd = find_command(argv[optind]);
	if (!cmd) {
		fprintf(stderr, VMBD_TIME_PROG ": unknown command '%s' (try '"
			VMBD_TIME_PROG " --help')\n", argv[optind]);
		return VMBD_TIME_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	vmbd_time_getopt_reset();  /* after using optind: it clears it */
	return check_stdout(cmd->run(argc, argv));
}
