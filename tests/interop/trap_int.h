/* Engine internals shared by trap*.c (not part of the harness API). */
#ifndef VMBD_INTEROP_TRAP_INT_H
#define VMBD_INTEROP_TRAP_INT_H

#include "trap.h"

#include <signal.h>
#include <stddef.h>
#include <sys/user.h>

/* A traced thread. */
struct trap_thread {
	pid_t tid;
	pid_t tgid;
	int rescan_at_exit; /* mmap/mprotect with PROT_EXEC in flight */
};

/* A traced process (address space): where int3 sits in it. */
struct trap_proc {
	pid_t tgid;
	char exe[4096];     /* image exec'd: its cpuid sites are emulated */
	uint64_t *sites;    /* runtime addresses of planted int3 */
	size_t nsites, cap;
};

/* cpuid file offsets of one binary (objdump is run once per path). */
struct trap_site_file {
	char *path;
	uint64_t *offsets;
	size_t n;
};

struct trap {
	pid_t first;
	int first_exited;
	int exit_status;
	struct trap_opts opts;
	const struct vmbd_io_ops *ops;
	void *io_arg;
	struct trap_hooks hooks;
	struct trap_stats stats;
	struct trap_thread *threads;
	size_t nthreads, cap_threads;
	struct trap_proc *procs;
	size_t nprocs, cap_procs;
	struct trap_site_file *files;
	size_t nfiles;
	struct timex clock_model; /* what adjtimex answers the child */
	int64_t adjtime_pending_us;
	sigset_t old_mask;
};

#define TRAP_LOG(t, ...)                                                       \
	do {                                                                   \
		if ((t)->opts.verbose)                                          \
			fprintf(stderr, "vmbd-trap: " __VA_ARGS__);             \
	} while (0)

/* trap_mem.c: child memory, by process_vm_* with a ptrace fallback. */
int trap_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);
int trap_mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len);

/* trap_cpuid.c */
struct trap_proc *trap_proc_get(struct trap *t, pid_t tgid);
int trap_cpuid_patch(struct trap *t, pid_t tid, struct trap_proc *p);
int trap_cpuid_is_site(const struct trap_proc *p, uint64_t addr);
int trap_cpuid_emulate(struct trap *t, pid_t tid, struct user_regs_struct *r);
void trap_cpuid_free(struct trap *t);

/* trap_syscall.c */
int trap_seccomp_install(void);
void trap_clock_model_init(struct trap *t);
/* Handle a PTRACE_EVENT_SECCOMP stop. Returns the ptrace request to resume
 * with (PTRACE_CONT or PTRACE_SYSCALL) or -1 on error. */
int trap_syscall_stop(struct trap *t, struct trap_thread *th);

/* trap_io.c: a SIGSEGV stop; 1 = emulated, 0 = not a backdoor access. */
int trap_io_fault(struct trap *t, pid_t tid);

#endif
