/*
 * The engine's event loop: start the child, follow every thread and
 * process it makes, and route each stop to the emulation that owns it.
 */
#include "trap_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRAP_PTRACE_OPTIONS                                                    \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |    \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP |    \
	 PTRACE_O_EXITKILL)

/* --- threads ---------------------------------------------------------------- */

static pid_t read_tgid(pid_t tid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	pid_t v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, flen) == 0) {
			v = (pid_t)atoi(line + flen);
			break;
		}
	fclose(f);
	return v;
}

static struct trap_thread *thread_find(struct trap *t, pid_t tid)
{
	size_t i;

	for (i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	return NULL;
}

/* A process seen for the first time came from fork/vfork/clone of a
 * traced one: it has the same memory, so the same breakpoints. */
static void proc_inherit(struct trap *t, pid_t tgid)
{
	struct trap_proc *child, *parent;
	pid_t ppid = read_tgid(tgid, "PPid:");
	size_t i, n;

	child = trap_proc_get(t, tgid);
	if (!child)
		return;
	t->stats.processes++;
	for (i = 0; i < t->nprocs; i++) {
		parent = &t->procs[i];
		if (parent->tgid != ppid || parent == child)
			continue;
		n = parent->nsites;
		child = trap_proc_get(t, tgid); /* realloc-safe re-lookup */
		child->sites = malloc((n ? n : 1) * sizeof(*child->sites));
		if (!child->sites)
			return;
		/* A parent without patched sites has sites == NULL:
		 * memcpy from NULL is undefined even for 0 bytes. */
		if (n)
			memcpy(child->sites, parent->sites,
			       n * sizeof(*child->sites));
		child->nsites = child->cap = n;
		memcpy(child->exe, parent->exe, sizeof(child->exe));
		return;
	}
}

static int proc_known(const struct trap *t, pid_t tgid)
{
	size_t i;

	for (i = 0; i < t->nprocs; i++)
		if (t->procs[i].tgid == tgid)
			return 1;
	return 0;
}

static struct trap_thread *thread_add(struct trap *t, pid_t tid)
{
	struct trap_thread *th;
	pid_t tgid = read_tgid(tid, "Tgid:");

	if (tgid < 0)
		tgid = tid;
	if (t->nthreads == t->cap_threads) {
		size_t cap = t->cap_threads ? t->cap_threads * 2 : 16;
		struct trap_thread *n = realloc(t->threads, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->threads = n;
		t->cap_threads = cap;
	}
	th = &t->threads[t->nthreads++];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	th->tgid = tgid;
	t->stats.threads++;
	if (!proc_known(t, tgid))
		proc_inherit(t, tgid);
	return th;
}

static void thread_del(struct trap *t, pid_t tid)
{
	struct trap_thread *th = thread_find(t, tid);

	if (th)
		*th = t->threads[--t->nthreads];
}

/* --- start ------------------------------------------------------------------ */

int trap_probe(char *why, size_t why_size)
{
	pid_t pid = fork();
	int st;

	if (pid < 0) {
		snprintf(why, why_size, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid) {
		snprintf(why, why_size, "waitpid: %s", strerror(errno));
		return -ECHILD;
	}
	if (!WIFSTOPPED(st)) {
		snprintf(why, why_size,
			 "ptrace(PTRACE_TRACEME) refused (seccomp, container or "
			 "Yama policy)");
		return -EPERM;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)TRAP_PTRACE_OPTIONS) < 0) {
		snprintf(why, why_size, "PTRACE_SETOPTIONS: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -EPERM;
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	waitpid(pid, &st, 0);
	return 0;
}

static void child_exec(char *const argv[])
{
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		_exit(126);
	/* Stop so the parent can set its options before anything happens. */
	raise(SIGSTOP);
	rc = trap_seccomp_install();
	if (rc) {
		fprintf(stderr, "vmbd-trap: seccomp filter: %s\n", strerror(-rc));
		_exit(126);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "vmbd-trap: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

struct trap *trap_start(char *const argv[], const struct trap_opts *opts,
			const struct vmbd_io_ops *ops, void *io_arg,
			const struct trap_hooks *hooks)
{
	struct trap *t = calloc(1, sizeof(*t));
	sigset_t chld;
	int st;

	if (!t)
		return NULL;
	if (opts)
		t->opts = *opts;
	if (hooks)
		t->hooks = *hooks;
	t->ops = ops;
	t->io_arg = io_arg;
	trap_clock_model_init(t);
	/* SIGCHLD stays blocked so trap_run() can wait for it with a timeout. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &t->old_mask);
	t->first = fork();
	if (t->first < 0) {
		free(t);
		return NULL;
	}
	if (t->first == 0) {
		sigprocmask(SIG_SETMASK, &t->old_mask, NULL);
		child_exec(argv);
	}
	if (waitpid(t->first, &st, __WALL) != t->first || !WIFSTOPPED(st)) {
		fprintf(stderr, "vmbd-trap: child did not stop for tracing\n");
		t->first_exited = 1;
		t->exit_status = st;
		return t;
	}
	if (ptrace(PTRACE_SETOPTIONS, t->first, NULL,
		   (void *)(long)TRAP_PTRACE_OPTIONS) < 0) {
		fprintf(stderr, "vmbd-trap: PTRACE_SETOPTIONS: %s\n", strerror(errno));
		kill(t->first, SIGKILL);
	}
	thread_add(t, t->first);
	ptrace(PTRACE_CONT, t->first, NULL, NULL);
	return t;
}

/* --- stops -------------------------------------------------------------------- */

static void on_exec(struct trap *t, struct trap_thread *th)
{
	unsigned long former = 0;
	struct trap_proc *p;
	char link[64];
	ssize_t n;

	/* A non-leader thread that execs takes over the leader's tid. */
	ptrace(PTRACE_GETEVENTMSG, th->tid, NULL, &former);
	if ((pid_t)former != th->tid)
		thread_del(t, (pid_t)former);
	p = trap_proc_get(t, th->tgid);
	if (!p)
		return;
	free(p->sites);
	p->sites = NULL;
	p->nsites = p->cap = 0;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)th->tgid);
	n = readlink(link, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0';
	TRAP_LOG(t, "tid %d exec %s\n", (int)th->tid, p->exe);
	trap_cpuid_patch(t, th->tid, p);
}

static int on_sigtrap(struct trap *t, struct trap_thread *th, siginfo_t *si)
{
	struct user_regs_struct r;
	struct trap_proc *p;

	if (si->si_code != SI_KERNEL)
		return 0;
	if (ptrace(PTRACE_GETREGS, th->tid, NULL, &r) < 0)
		return 0;
	p = trap_proc_get(t, th->tgid);
	if (!p || !trap_cpuid_is_site(p, r.rip - 1))
		return 0;
	return trap_cpuid_emulate(t, th->tid, &r) == 0;
}

/* Handle one wait status. Returns 0 or -1 on a harness error. */
static int handle(struct trap *t, pid_t tid, int st)
{
	struct trap_thread *th;
	int sig, event, req = PTRACE_CONT;
	long deliver = 0;
	siginfo_t si;

	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		thread_del(t, tid);
		if (tid == t->first) {
			t->first_exited = 1;
			t->exit_status = st;
		}
		return 0;
	}
	if (!WIFSTOPPED(st))
		return 0;
	th = thread_find(t, tid);
	sig = WSTOPSIG(st);
	event = st >> 16;
	if (!th) {
		/* A new thread or process; its first stop is the SIGSTOP the
		 * kernel queues for auto-attached tracees. */
		th = thread_add(t, tid);
		if (!th)
			return -1;
		if (sig == SIGSTOP && event == 0)
			return ptrace(PTRACE_CONT, tid, NULL, NULL) < 0 ? -1 : 0;
	}
	if (sig == (SIGTRAP | 0x80)) {
		/* syscall-exit after an exec mapping: new text to patch */
		if (th->rescan_at_exit) {
			struct trap_proc *p = trap_proc_get(t, th->tgid);

			th->rescan_at_exit = 0;
			if (p)
				trap_cpuid_patch(t, tid, p);
		}
	} else if (sig == SIGTRAP && event != 0) {
		switch (event) {
		case PTRACE_EVENT_SECCOMP:
			req = trap_syscall_stop(t, th);
			if (req < 0)
				req = PTRACE_CONT;
			break;
		case PTRACE_EVENT_EXEC:
			on_exec(t, th);
			break;
		default: /* CLONE/FORK/VFORK: the new tracee reports itself */
			break;
		}
	} else if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0) {
		/* group-stop: let it go on (no PTRACE_LISTEN with TRACEME) */
	} else if (sig == SIGSEGV && si.si_code == SI_KERNEL &&
		   trap_io_fault(t, tid) == 1) {
		/* emulated backdoor access */
	} else if (sig == SIGTRAP && on_sigtrap(t, th, &si)) {
		/* emulated cpuid */
	} else {
		deliver = sig;
	}
	if (ptrace(req, tid, NULL, (void *)deliver) < 0 && errno != ESRCH)
		return -1;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int trap_run(struct trap *t, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (!t->first_exited) {
		int st;
		pid_t pid = waitpid(-1, &st, __WALL | WNOHANG);

		if (pid > 0) {
			if (handle(t, pid, st) < 0)
				return -1;
			continue;
		}
		if (pid < 0 && errno != EINTR)
			return errno == ECHILD ? 0 : -1;
		if (deadline >= 0) {
			int64_t left = deadline - mono_ms();
			struct timespec ts;

			if (left <= 0)
				return 1;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000;
			sigtimedwait(&chld, NULL, &ts);
		} else {
			sigwaitinfo(&chld, NULL);
		}
	}
	return 0;
}

int trap_exit_status(const struct trap *t)
{
	return t->exit_status;
}

pid_t trap_pid(const struct trap *t)
{
	return t->first;
}

const struct trap_stats *trap_stats(const struct trap *t)
{
	return &t->stats;
}

void trap_finish(struct trap *t)
{
	size_t i;
	int st;

	if (!t)
		return;
	for (i = 0; i < t->nthreads; i++)
		kill(t->threads[i].tid, SIGKILL);
	if (!t->first_exited)
		kill(t->first, SIGKILL);
	while (waitpid(-1, &st, __WALL) > 0)
		;
	sigprocmask(SIG_SETMASK, &t->old_mask, NULL);
	trap_cpuid_free(t);
	free(t->threads);
	free(t);
}
