/*
 * System calls the harness takes over, selected by a seccomp filter the
 * child installs before exec (SECCOMP_RET_TRACE: only these stop, every
 * other call runs at full speed):
 *  - clock setters: recorded, answered from a model, never executed, so
 *    the real clock is never touched;
 *  - ioperm/iopl: reported granted but never executed, so a program that
 *    asks for port access (as libvmbackdoor's x86 backend does) still
 *    faults on every backdoor instruction and real port I/O never happens
 *    on this machine;
 *  - socket(AF_VSOCK): refused with EAFNOSUPPORT so the program falls back
 *    from vsock to the backdoor;
 *  - mmap/mprotect with PROT_EXEC: new code was mapped, plant cpuid
 *    breakpoints in it once the call has returned.
 */
#include "trap_int.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

#define NS_PER_S 1000000000LL

/* --- the filter ------------------------------------------------------------ */

enum arg_test { ARG_ANY = 0, ARG_EQ, ARG_SET };

struct filter_rule {
	long nr;
	int test;          /* enum arg_test on the low 32 bits of arg */
	unsigned arg;
	uint32_t value;
};

static const struct filter_rule filter_rules[] = {
	{SYS_settimeofday, ARG_ANY, 0, 0},
	{SYS_clock_settime, ARG_ANY, 0, 0},
	{SYS_adjtimex, ARG_ANY, 0, 0},
	{SYS_clock_adjtime, ARG_ANY, 0, 0},
	{SYS_ioperm, ARG_ANY, 0, 0},
	{SYS_iopl, ARG_ANY, 0, 0},
	{SYS_socket, ARG_EQ, 0, AF_VSOCK},
	{SYS_mmap, ARG_SET, 2, PROT_EXEC},
	{SYS_mprotect, ARG_SET, 2, PROT_EXEC},
	{SYS_pkey_mprotect, ARG_SET, 2, PROT_EXEC},
};

#define NRULES (sizeof(filter_rules) / sizeof(filter_rules[0]))

int trap_seccomp_install(void)
{
	struct sock_filter prog[4 + NRULES * 5 + 1];
	struct sock_fprog fprog;
	size_t n = 0, i;

	prog[n++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						 AUDIT_ARCH_X86_64, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog[n++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (i = 0; i < NRULES; i++) {
		const struct filter_rule *r = &filter_rules[i];

		if (r->test == ARG_ANY) {
			prog[n++] = (struct sock_filter)BPF_JUMP(
				BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)r->nr, 0, 1);
			prog[n++] = (struct sock_filter)BPF_STMT(
				BPF_RET | BPF_K, SECCOMP_RET_TRACE);
			continue;
		}
		/* nr matches: load the argument, test, trace or allow. The
		 * accumulator is only clobbered on the matching path. */
		prog[n++] = (struct sock_filter)BPF_JUMP(
			BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)r->nr, 0, 4);
		prog[n++] = (struct sock_filter)BPF_STMT(
			BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, args) + r->arg * 8);
		prog[n++] = (struct sock_filter)BPF_JUMP(
			BPF_JMP | (r->test == ARG_EQ ? BPF_JEQ : BPF_JSET) | BPF_K,
			r->value, 0, 1);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
							 SECCOMP_RET_TRACE);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
							 SECCOMP_RET_ALLOW);
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0)
		return -errno;
	return 0;
}

/* --- the clock model ------------------------------------------------------- */

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Start from the kernel's real NTP state (a read-only adjtimex), so the
 * child's first query looks like this machine's. */
void trap_clock_model_init(struct trap *t)
{
	memset(&t->clock_model, 0, sizeof(t->clock_model));
	if (adjtimex(&t->clock_model) < 0) {
		memset(&t->clock_model, 0, sizeof(t->clock_model));
		t->clock_model.tick = 10000;
		t->clock_model.status = STA_UNSYNC;
	}
	t->clock_model.modes = 0;
}

/* Apply a struct timex to the model the way the kernel's do_adjtimex does
 * (range checks included), fill tx with the state and return the clock
 * state or -errno. */
static long model_adjtimex(struct trap *t, struct timex *tx)
{
	struct timex *m = &t->clock_model;
	unsigned modes = tx->modes;
	int64_t rt;

	if ((modes & ADJ_OFFSET_SINGLESHOT) == ADJ_OFFSET_SINGLESHOT &&
	    modes != ADJ_OFFSET_SINGLESHOT && modes != ADJ_OFFSET_SS_READ)
		return -EINVAL;
	if ((modes & ADJ_TICK) && (tx->tick < 900000 / 100 || tx->tick > 1100000 / 100))
		return -EINVAL;
	if ((modes & ADJ_SETOFFSET) && !(modes & ADJ_NANO) &&
	    (tx->time.tv_usec < 0 || tx->time.tv_usec >= 1000000))
		return -EINVAL;
	if (modes == ADJ_OFFSET_SINGLESHOT || modes == ADJ_OFFSET_SS_READ) {
		/* adjtime(): the old pending amount comes back in offset. */
		long old = (long)t->adjtime_pending_us;

		if (modes == ADJ_OFFSET_SINGLESHOT)
			t->adjtime_pending_us = tx->offset;
		*tx = *m;
		tx->offset = old;
	} else {
		if (modes & ADJ_NANO)
			m->status |= STA_NANO;
		if (modes & ADJ_MICRO)
			m->status &= ~STA_NANO;
		if (modes & ADJ_STATUS)
			m->status = (m->status & STA_RONLY) | (tx->status & ~STA_RONLY);
		if (modes & ADJ_OFFSET)
			m->offset = tx->offset;
		if (modes & ADJ_FREQUENCY) {
			long maxf = 500L * 65536; /* ±500 ppm, scaled */

			m->freq = tx->freq > maxf ? maxf
				  : tx->freq < -maxf ? -maxf : tx->freq;
		}
		if (modes & ADJ_MAXERROR)
			m->maxerror = tx->maxerror;
		if (modes & ADJ_ESTERROR)
			m->esterror = tx->esterror;
		if (modes & ADJ_TIMECONST)
			m->constant = tx->constant;
		if (modes & ADJ_TAI)
			m->tai = tx->constant;
		if (modes & ADJ_TICK)
			m->tick = tx->tick;
		*tx = *m;
	}
	rt = now_ns(CLOCK_REALTIME);
	tx->time.tv_sec = rt / NS_PER_S;
	tx->time.tv_usec = (m->status & STA_NANO) ? rt % NS_PER_S
						  : (rt % NS_PER_S) / 1000;
	tx->modes = 0;
	return (m->status & STA_UNSYNC) ? TIME_ERROR : TIME_OK;
}

static void emit(struct trap *t, struct trap_clock_event *ev, pid_t tid, long nr)
{
	ev->syscall_nr = (int)nr;
	ev->tid = tid;
	ev->mono_ns = now_ns(CLOCK_MONOTONIC);
	t->stats.clock_calls++;
	if (ev->kind == TRAP_CLOCK_SETTIME)
		TRAP_LOG(t, "tid %d clock step %+.6f s (syscall %ld)\n", (int)tid,
			 (double)ev->step_ns / 1e9, nr);
	else
		TRAP_LOG(t, "tid %d adjtimex modes %#x tick %ld freq %ld offset %ld\n",
			 (int)tid, ev->tx.modes, ev->tx.tick, ev->tx.freq,
			 ev->tx.offset);
	if (t->hooks.clock_event)
		t->hooks.clock_event(t->hooks.arg, ev);
}

static void emit_step(struct trap *t, pid_t tid, long nr, clockid_t clk,
		      int64_t target_ns)
{
	struct trap_clock_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = TRAP_CLOCK_SETTIME;
	ev.clockid = clk;
	ev.target_ns = target_ns;
	ev.step_ns = target_ns - now_ns(CLOCK_REALTIME);
	emit(t, &ev, tid, nr);
}

static long sys_settimeofday(struct trap *t, pid_t tid, long nr,
			     const struct user_regs_struct *r)
{
	struct timeval tv;

	if (r->rdi == 0)
		return 0; /* timezone only: nothing to do for us */
	if (trap_mem_read(tid, r->rdi, &tv, sizeof(tv)) != 0)
		return -EFAULT;
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000 || tv.tv_sec < 0)
		return -EINVAL;
	emit_step(t, tid, nr, CLOCK_REALTIME,
		  (int64_t)tv.tv_sec * NS_PER_S + (int64_t)tv.tv_usec * 1000);
	return 0;
}

static long sys_clock_settime(struct trap *t, pid_t tid, long nr,
			      const struct user_regs_struct *r)
{
	struct timespec ts;

	if ((clockid_t)r->rdi != CLOCK_REALTIME)
		return -EINVAL; /* the only settable clock */
	if (trap_mem_read(tid, r->rsi, &ts, sizeof(ts)) != 0)
		return -EFAULT;
	if (ts.tv_nsec < 0 || ts.tv_nsec >= NS_PER_S || ts.tv_sec < 0)
		return -EINVAL;
	emit_step(t, tid, nr, CLOCK_REALTIME,
		  (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec);
	return 0;
}

static long do_adjtimex(struct trap *t, pid_t tid, long nr, clockid_t clk,
			uint64_t addr)
{
	struct trap_clock_event ev;
	struct timex tx;
	long rc;

	if (clk != CLOCK_REALTIME)
		return -EOPNOTSUPP;
	if (trap_mem_read(tid, addr, &tx, sizeof(tx)) != 0)
		return -EFAULT;
	memset(&ev, 0, sizeof(ev));
	ev.kind = TRAP_CLOCK_ADJTIMEX;
	ev.clockid = clk;
	ev.tx = tx;
	if (tx.modes & ADJ_SETOFFSET) {
		int64_t d = (int64_t)tx.time.tv_sec * NS_PER_S +
			    ((tx.modes & ADJ_NANO) ? tx.time.tv_usec
						   : tx.time.tv_usec * 1000);

		emit_step(t, tid, nr, clk, now_ns(CLOCK_REALTIME) + d);
	}
	rc = model_adjtimex(t, &tx);
	if (rc < 0)
		return rc;
	/* Read-only queries are not clock changes: record only real ones. */
	if (ev.tx.modes != 0 && ev.tx.modes != ADJ_OFFSET_SS_READ)
		emit(t, &ev, tid, nr);
	if (trap_mem_write(tid, addr, &tx, sizeof(tx)) != 0)
		return -EFAULT;
	return rc;
}

int trap_syscall_stop(struct trap *t, struct trap_thread *th)
{
	struct user_regs_struct r;
	long nr, ret;

	if (ptrace(PTRACE_GETREGS, th->tid, NULL, &r) < 0)
		return -1;
	nr = (long)r.orig_rax;
	switch (nr) {
	case SYS_mmap:
	case SYS_mprotect:
	case SYS_pkey_mprotect:
		th->rescan_at_exit = 1;
		return PTRACE_SYSCALL;
	case SYS_ioperm:
	case SYS_iopl:
		t->stats.ioperm++;
		TRAP_LOG(t, "tid %d %s granted (not executed)\n", (int)th->tid,
			 nr == SYS_ioperm ? "ioperm" : "iopl");
		ret = 0;
		break;
	case SYS_socket:
		t->stats.vsock_refused++;
		TRAP_LOG(t, "tid %d socket(AF_VSOCK) refused\n", (int)th->tid);
		ret = -EAFNOSUPPORT;
		break;
	case SYS_settimeofday:
		ret = sys_settimeofday(t, th->tid, nr, &r);
		break;
	case SYS_clock_settime:
		ret = sys_clock_settime(t, th->tid, nr, &r);
		break;
	case SYS_adjtimex:
		ret = do_adjtimex(t, th->tid, nr, CLOCK_REALTIME, r.rdi);
		break;
	case SYS_clock_adjtime:
		ret = do_adjtimex(t, th->tid, nr, (clockid_t)r.rdi, r.rsi);
		break;
	default:
		return PTRACE_CONT;
	}
	/* Skip the call: syscall number -1, result in rax. */
	r.orig_rax = (unsigned long long)-1;
	r.rax = (unsigned long long)ret;
	if (ptrace(PTRACE_SETREGS, th->tid, NULL, &r) < 0)
		return -1;
	return PTRACE_CONT;
}
