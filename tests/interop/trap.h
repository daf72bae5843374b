/*
 * Trap-and-emulate harness engine (x86-64 Linux, ptrace).
 *
 * Runs an unmodified program as a traced child and plays the VMware side of
 * every hypervisor interface it touches:
 *  - backdoor port I/O (`in` on 0x5658, `rep outsb`/`rep insb` on 0x5659)
 *    faults with SIGSEGV without I/O privilege; the engine decodes the
 *    instruction, builds a struct vmbd_frame from the registers, answers it
 *    through a struct vmbd_io_ops (the library's io interface: the
 *    simulator in vmbd-trap, a stub in the self-test), writes the registers
 *    back and steps over the instruction;
 *  - CPUID: the kernel may not offer CPUID faulting (ARCH_SET_CPUID), so
 *    the engine finds the `cpuid` instructions of chosen binaries with
 *    objdump, plants int3 on them when they are mapped, and answers the
 *    hypervisor leaves as VMware does;
 *  - clock-changing system calls (settimeofday, clock_settime, adjtimex,
 *    clock_adjtime; glibc's adjtime is adjtimex) are stopped by a seccomp
 *    filter, recorded, answered from a model and never executed;
 *  - ioperm/iopl succeed without being executed (backdoor instructions
 *    keep faulting, so they stay emulated);
 *  - socket(AF_VSOCK) fails with EAFNOSUPPORT so programs fall back to the
 *    backdoor.
 * Threads, forks and execs of the child are followed.
 *
 * This is test tooling, not library code: it allocates and keeps a single
 * engine object per harness process.
 */
#ifndef VMBD_INTEROP_TRAP_H
#define VMBD_INTEROP_TRAP_H

#include <stdint.h>
#include <sys/timex.h>
#include <sys/types.h>

#include <vmbackdoor/io.h>

enum trap_clock_kind {
	TRAP_CLOCK_SETTIME = 0,   /* settimeofday / clock_settime / ADJ_SETOFFSET */
	TRAP_CLOCK_ADJTIMEX       /* adjtimex / clock_adjtime (incl. adjtime) */
};

/* One clock-changing call the child attempted. */
struct trap_clock_event {
	int kind;            /* enum trap_clock_kind */
	int syscall_nr;      /* SYS_settimeofday, SYS_clock_settime, ... */
	pid_t tid;
	int clockid;         /* CLOCK_REALTIME for settimeofday/adjtimex */
	int64_t target_ns;   /* SETTIME: time the child asked for */
	int64_t step_ns;     /* SETTIME: target minus the real clock then */
	struct timex tx;     /* ADJTIMEX: the child's struct as passed */
	int64_t mono_ns;     /* CLOCK_MONOTONIC when it happened */
};

struct trap_hooks {
	void *arg;
	/* Called before each backdoor frame is answered (e.g. to move the
	 * simulated host clock to real time + offset). May be NULL. */
	void (*before_frame)(void *arg);
	/* A clock-changing call was intercepted. May be NULL. */
	void (*clock_event)(void *arg, const struct trap_clock_event *ev);
	/* CPUID answer: regs[0..3] = eax..edx hold the real CPU's answer for
	 * (leaf, subleaf); edit them. NULL = trap_cpuid_vmware(). */
	void (*cpuid)(void *arg, uint32_t leaf, uint32_t subleaf,
		      uint32_t regs[4]);
};

struct trap_stats {
	uint64_t lb;            /* `in` frames answered */
	uint64_t hb_out;        /* `rep outs` frames answered */
	uint64_t hb_in;         /* `rep ins` frames answered */
	uint64_t cpuid;         /* cpuid instructions emulated */
	uint64_t cpuid_sites;   /* int3 planted */
	uint64_t clock_calls;   /* clock syscalls intercepted */
	uint64_t vsock_refused; /* socket(AF_VSOCK) refused */
	uint64_t ioperm;        /* ioperm/iopl answered "granted", not run */
	uint64_t io_passed;     /* faulting I/O that was not backdoor: signal kept */
	uint64_t processes;     /* processes seen (exec'd child, forks) */
	uint64_t threads;       /* threads seen */
};

struct trap_opts {
	/* Substrings of mapped file paths whose cpuid instructions are
	 * emulated, NULL-terminated; the exec'd program's own image always
	 * is. NULL = none besides the program. */
	const char *const *cpuid_files;
	int verbose;            /* log each emulated event to stderr */
};

struct trap;

/* Is ptrace usable here? 0, or -errno with a reason in why[]. */
int trap_probe(char *why, size_t why_size);

/* Start argv[0] (PATH searched) as a traced child. Returns the engine or
 * NULL (errno set, message on stderr). */
struct trap *trap_start(char *const argv[], const struct trap_opts *opts,
			const struct vmbd_io_ops *ops, void *io_arg,
			const struct trap_hooks *hooks);

/* Handle child events for up to timeout_ms (-1 = until the first child
 * exits). Returns 1 while the first child lives, 0 once it has exited
 * (trap_exit_status() then valid), -1 on a harness error. */
int trap_run(struct trap *t, int timeout_ms);

/* Wait status of the first child (as from waitpid), once exited. */
int trap_exit_status(const struct trap *t);
pid_t trap_pid(const struct trap *t);
const struct trap_stats *trap_stats(const struct trap *t);

/* Kill every traced process, reap them and free the engine. */
void trap_finish(struct trap *t);

/* The VMware personality for CPUID: hypervisor bit, "VMwareVMware" at
 * 0x40000000 with max leaf 0x40000010, no vmcall/vmmcall feature bits
 * (so programs use port I/O), TSC/bus kHz at 0x40000010. */
void trap_cpuid_vmware(uint32_t leaf, uint32_t subleaf, uint32_t regs[4],
		       uint32_t tsc_khz, uint32_t bus_khz);

#endif
