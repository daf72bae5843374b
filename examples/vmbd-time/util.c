/* vmbd-time: option-parsing and formatting helpers. */
#define _POSIX_C_SOURCE 200809L
#include "vmbd_time.h"

#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

void vmbd_time_getopt_reset(void)
{
#ifdef __GLIBC__
	optind = 0;  /* glibc: full re-initialisation */
#else
	optind = 1;
#endif
	opterr = 0;  /* we print our own one-line errors */
}

int vmbd_time_usage_error(const char *cmd, const char *what)
{
	if (cmd)
		fprintf(stderr, VMBD_TIME_PROG " %s: %s (try '" VMBD_TIME_PROG
			" %s --help')\n", cmd, what, cmd);
	else
		fprintf(stderr, VMBD_TIME_PROG ": %s (try '" VMBD_TIME_PROG
			" --help')\n", what);
	return VMBD_TIME_EXIT_USAGE;
}

int vmbd_time_unexpected(const char *cmd, const char *arg)
{
	char what[160];

	snprintf(what, sizeof(what), "unexpected argument '%s'", arg);
	return vmbd_time_usage_error(cmd, what);
}

int vmbd_time_bad_option(const char *cmd, char **argv, int optopt_char)
{
	char what[160];
	const char *arg = argv[optind - 1];
	const char *eq = strchr(arg, '=');

	/* For a long option getopt's optopt is the option's table value (or 0
	 * when unknown), not a letter: name the argument as typed. A known
	 * flag given "=VALUE" sets optopt. */
	if (strncmp(arg, "--", 2) == 0) {
		if (optopt_char && eq)
			snprintf(what, sizeof(what), "option '%.*s' takes no value",
				 (int)(eq - arg), arg);
		else
			snprintf(what, sizeof(what), "bad option '%s'", arg);
	} else if (optopt_char && optopt_char != '?')
		snprintf(what, sizeof(what), "bad option '-%c' in '%s'",
			 optopt_char, arg);
	else
		snprintf(what, sizeof(what), "bad option '%s'", arg);
	return vmbd_time_usage_error(cmd, what);
}

void vmbd_time_format_utc(int64_t ns, char *buf, size_t size)
{
	int64_t sec = ns / 1000000000;
	int64_t frac = ns % 1000000000;
	struct tm tm;
	time_t t;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "(%" PRId64 " ns: out of range)", ns);
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(frac / 1000));
}

void vmbd_time_format_offset(int64_t ns, char *buf, size_t size)
{
	/* Magnitude as unsigned so INT64_MIN has one too. */
	uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	uint64_t us = mag / 1000;

	snprintf(buf, size, "%c%" PRIu64 ".%06" PRIu64, ns < 0 ? '-' : '+',
		 us / 1000000, us % 1000000);
}
