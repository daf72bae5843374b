/*
 * The real clock's system calls (lib/clock_real.c), run for real but
 * without ever reaching the kernel's clock: each case forks a child that
 * first installs a seccomp filter answering every Linux clock setter with
 * an errno of the case's choosing, and only then calls vmbd_clock_step()
 * and vmbd_clock_slew() on vmbd_clock_real(). What comes back shows which
 * system call the library made, on which clock, and how its error maps:
 *
 *   clock_settime(CLOCK_REALTIME, ...) failing EPERM -> VMBD_ECLOCKPERM
 *   ... any other errno                              -> VMBD_ECLOCK
 *   adjtimex()/clock_adjtime() failing EPERM         -> VMBD_ECLOCKPERM
 *   a step whose target does not fit                 -> no call at all
 *
 * Safety, since a test must never change the system clock: the filter
 * covers every clock setter the kernel has (settimeofday, stime,
 * clock_settime(64), adjtimex, clock_adjtime(64)), kills the child if the
 * syscall ABI is not the one the filter was written for (i386 code on an
 * x86-64 kernel gets its own numbers, x32 calls are killed), and nothing
 * clock-related runs unless prctl() installed it. Where seccomp is
 * missing (qemu-user refuses it) the cases are skipped.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/clock.h>

#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__) || \
			   defined(__aarch64__))
#define HAVE_FILTER 1
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define FILTER_ARCH AUDIT_ARCH_I386
#else
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

#define SKIP_CODE 77

/* What the filter answers. */
struct answers {
	int settime_realtime; /* clock_settime(CLOCK_REALTIME, ...) */
	int settime_other;    /* clock_settime on another clock */
	int adjust;           /* adjtimex, clock_adjtime */
};

/* What the child saw. */
struct outcome {
	int step;     /* vmbd_clock_step(+1.5 s) */
	int slew;     /* vmbd_clock_slew(-2 ms over 60 s, +10 ppm) */
	int step_far; /* a step past the 64-bit range: must make no call */
	int now;      /* vmbd_clock_now(): reading still works */
};

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define ERR(e) RET(SECCOMP_RET_ERRNO | ((uint32_t)(e) & SECCOMP_RET_DATA))

static int install_filter(const struct answers *a)
{
	/* Clock setters answered with errno a->other; the two that carry the
	 * case's answers are matched first. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0),
		RET(SECCOMP_RET_KILL_PROCESS),
		LOAD_NR,
#if defined(__x86_64__)
		/* x32 calls share the arch value: kill them too. */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1),
		RET(SECCOMP_RET_KILL_PROCESS),
#endif
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_settime, 2, 0),
#ifdef SYS_clock_settime64
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_settime64, 1, 0),
#else
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_settime, 1, 0),
#endif
		BPF_JUMP(BPF_JMP | BPF_JA, 4, 0, 0),
		/* clock_settime: which clock? */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLOCK_REALTIME, 0, 1),
		ERR(a->settime_realtime),
		ERR(a->settime_other),
		/* nr is still in the accumulator here. */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_adjtimex, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_adjtime, 4, 0),
#ifdef SYS_clock_adjtime64
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_adjtime64, 3, 0),
#else
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_adjtime, 3, 0),
#endif
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_settimeofday, 3, 0),
#ifdef SYS_stime
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_stime, 2, 0),
#else
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_settimeofday, 2, 0),
#endif
		RET(SECCOMP_RET_ALLOW),
		ERR(a->adjust),
		/* settimeofday/stime: the library must not use them. */
		ERR(ENOSYS),
	};
	struct sock_fprog prog = {(unsigned short)(sizeof(f) / sizeof(f[0])),
				  f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

/* Fork; the child installs the filter, runs the calls and writes what it
 * saw into the pipe. Returns 0, or SKIP_CODE when seccomp is missing. */
static int run_case(const struct answers *a, struct outcome *out)
{
	int p[2], status;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vmbd_clock clk;
		struct outcome o;
		int64_t ns;

		close(p[0]);
		if (install_filter(a) != 0)
			_exit(SKIP_CODE); /* nothing clock-related ran */
		if (vmbd_clock_init(&clk, vmbd_clock_real(), NULL) != VMBD_OK)
			_exit(3);
		o.step = vmbd_clock_step(&clk, INT64_C(1500000000));
		o.slew = vmbd_clock_slew(&clk, -INT64_C(2000000),
					 INT64_C(60000000000), 10000);
		o.step_far = vmbd_clock_step(&clk, INT64_MAX);
		o.now = vmbd_clock_now(&clk, &ns);
		_exit(write(p[1], &o, sizeof(o)) == (ssize_t)sizeof(o) ? 0 : 4);
	}
	close(p[1]);
	n = read(p[0], out, sizeof(*out));
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status)); /* not killed by the filter */
	if (WEXITSTATUS(status) == SKIP_CODE)
		return SKIP_CODE;
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(n, (ssize_t)sizeof(*out));
	return 0;
}

/* EPERM only for CLOCK_REALTIME: ECLOCKPERM proves the step went through
 * clock_settime on the right clock, and that a refused setter is told
 * apart (the daemon says "run as root" for it). */
static void test_permission_errors(void **state)
{
	const struct answers a = {EPERM, EINVAL, EPERM};
	struct outcome o;

	(void)state;
	if (run_case(&a, &o) == SKIP_CODE)
		skip();
	assert_int_equal(o.step, VMBD_ECLOCKPERM);
	assert_int_equal(o.slew, VMBD_ECLOCKPERM);
	assert_int_equal(o.step_far, VMBD_ERANGE);
	assert_int_equal(o.now, VMBD_OK);
}

/* Any other failure is VMBD_ECLOCK. */
static void test_other_errors(void **state)
{
	const struct answers a = {EINVAL, EPERM, ENODEV};
	struct outcome o;

	(void)state;
	if (run_case(&a, &o) == SKIP_CODE)
		skip();
	assert_int_equal(o.step, VMBD_ECLOCK);
	assert_int_equal(o.slew, VMBD_ECLOCK);
	assert_int_equal(o.step_far, VMBD_ERANGE);
	assert_int_equal(o.now, VMBD_OK);
}

/* A "successful" setter (errno 0 is the filter's way of answering 0
 * without running the call): the library reports success. */
static void test_success(void **state)
{
	const struct answers a = {0, EINVAL, 0};
	struct outcome o;

	(void)state;
	if (run_case(&a, &o) == SKIP_CODE)
		skip();
	assert_int_equal(o.step, VMBD_OK);
	assert_int_equal(o.slew, VMBD_OK);
	assert_int_equal(o.step_far, VMBD_ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permission_errors),
		cmocka_unit_test(test_other_errors),
		cmocka_unit_test(test_success),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

static void test_no_filter(void **state)
{
	(void)state;
	skip(); /* seccomp filter written for Linux x86/aarch64 only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
