/*
 * vmbd-time: read (and later keep in sync) the guest clock from the VMware
 * host through libvmbackdoor. Shared declarations of the program's parts:
 *   main.c    global options and the subcommand table
 *   host.c    where the backdoor is: the real one (safe detection first)
 *             or the embedded simulator
 *   status.c  `vmbd-time status`
 *   util.c    option-parsing and formatting helpers
 *   sync_cmd.c, daemon.c  `vmbd-time sync` and `vmbd-time daemon`, with
 *             vt.h: env.c (backend + script + virtual time), sync.c (one
 *             correction), out.c (timeline/JSON), opts.c, refclock.c
 * A subcommand is one `struct vmbd_time_cmd` (its own file) plus one row in
 * main.c's table.
 */
#ifndef VMBD_TIME_H
#define VMBD_TIME_H

#include <vmbackdoor/vmbackdoor.h>

#include <stdio.h>

/* Exit statuses, documented in `vmbd-time --help`. */
enum vmbd_time_exit {
	VMBD_TIME_EXIT_OK = 0,
	VMBD_TIME_EXIT_ERROR = 1,     /* a backdoor or clock operation failed */
	VMBD_TIME_EXIT_USAGE = 2,     /* bad command line */
	VMBD_TIME_EXIT_NOTVMWARE = 3, /* CPUID says not VMware; nothing touched */
	VMBD_TIME_EXIT_PERM = 4       /* backdoor port access refused */
};

#define VMBD_TIME_PROG "vmbd-time"

struct vmbd_time_cmd {
	const char *name;
	const char *summary;  /* one line for the command list */
	/* argv[0] is the command's name; parses its own options with
	 * getopt_long (already reset) and returns an exit status. */
	int (*run)(int argc, char **argv);
};

extern const struct vmbd_time_cmd vmbd_time_cmd_status;
extern const struct vmbd_time_cmd vmbd_time_cmd_sync;
extern const struct vmbd_time_cmd vmbd_time_cmd_daemon;

/* --- host.c ------------------------------------------------------------ */

enum vmbd_time_backend {
	VMBD_TIME_REAL = 0,   /* only if CPUID says VMware */
	VMBD_TIME_FORCED,     /* real backdoor even if not VMware (QEMU vmport) */
	VMBD_TIME_SIM         /* the embedded simulator: no real backdoor */
};

/* A backdoor context and the guest clock that goes with it. */
struct vmbd_time_host {
	int backend;                  /* enum vmbd_time_backend */
	struct vmbd_ctx ctx;
	struct vmbd_clock guest;      /* real clock, or the simulator's guest */
	/* CPUID result (REAL/FORCED) and, on every backend, the GETVERSION
	 * answer of the open (info.version, info.product): nobody asks twice. */
	struct vmbd_detect_info info;
	struct vmbd_sim *sim;         /* SIM only; owned by the host */
};

/* Open the backdoor (or the simulator) and the guest clock: one backdoor
 * call (GETVERSION) either way. On failure
 * prints one line saying why and returns the exit status (never 0);
 * nothing needs closing then. */
int vmbd_time_host_open(struct vmbd_time_host *host, int backend);
void vmbd_time_host_close(struct vmbd_time_host *host);

/* --- util.c ------------------------------------------------------------ */

/* Restart getopt_long() for a new argument vector (a subcommand's). */
void vmbd_time_getopt_reset(void);
/* One-line complaint about a bad option at argv[optind - 1]; returns
 * VMBD_TIME_EXIT_USAGE. */
int vmbd_time_bad_option(const char *cmd, char **argv, int optopt_char);
/* One-line usage error with a hint; returns VMBD_TIME_EXIT_USAGE. */
int vmbd_time_usage_error(const char *cmd, const char *what);
/* The same for a stray positional argument. */
int vmbd_time_unexpected(const char *cmd, const char *arg);

/* "2026-01-01T00:00:00.000000Z" from ns since the Unix epoch; buf holds at
 * least VMBD_TIME_STAMP_LEN bytes. */
#define VMBD_TIME_STAMP_LEN 40
void vmbd_time_format_utc(int64_t ns, char *buf, size_t size);
/* "+1.234567" seconds with sign from ns (rounded toward zero to us). */
void vmbd_time_format_offset(int64_t ns, char *buf, size_t size);

#endif
