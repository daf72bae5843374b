/*
 * Guest program for the harness self-test. Behaves like a backdoor client:
 * executes cpuid, `in`, `rep outsb`, `rep insb` from user space (which
 * fault without I/O privilege), sets the clock, opens a vsock socket, and
 * does so from a thread, a forked child, an exec'd child and a dlopen'd
 * library. Prints one TAP-style line per check; the exit status is the
 * number of failed checks. Run alone (without the harness) it would die
 * on the first `in`: it is only meant to run under vmbd-trap-selftest.
 *
 * usage: trap_guest LIB.so        full run
 *        trap_guest --child       minimal cpuid + GETVERSION (exec test)
 */
#include "trap_selftest.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static int failures;
static int checks;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", checks, what);
	fflush(stdout);
}

struct bregs {
	uint64_t ax, bx, cx, dx, si, di, bp;
};

/* LB: `inl (%dx), %eax`, all seven registers in and out. rbp is saved
 * around the call; 128 bytes skip the red zone before the push. */
static void bdoor_in(struct bregs *r)
{
	register uint64_t r8 __asm__("r8") = r->bp;

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov %%r8, %%rbp\n\t"
			 "inl %%dx, %%eax\n\t"
			 "mov %%rbp, %%r8\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 : "+a"(r->ax), "+b"(r->bx), "+c"(r->cx), "+d"(r->dx),
			   "+S"(r->si), "+D"(r->di), "+r"(r8)
			 :
			 : "memory", "cc");
	r->bp = r8;
}

static void bdoor_hb_out(struct bregs *r)
{
	register uint64_t r8 __asm__("r8") = r->bp;

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov %%r8, %%rbp\n\t"
			 "cld\n\t"
			 "rep outsb\n\t"
			 "mov %%rbp, %%r8\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 : "+a"(r->ax), "+b"(r->bx), "+c"(r->cx), "+d"(r->dx),
			   "+S"(r->si), "+D"(r->di), "+r"(r8)
			 :
			 : "memory", "cc");
	r->bp = r8;
}

static void bdoor_hb_in(struct bregs *r)
{
	register uint64_t r8 __asm__("r8") = r->bp;

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov %%r8, %%rbp\n\t"
			 "cld\n\t"
			 "rep insb\n\t"
			 "mov %%rbp, %%r8\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 : "+a"(r->ax), "+b"(r->bx), "+c"(r->cx), "+d"(r->dx),
			   "+S"(r->si), "+D"(r->di), "+r"(r8)
			 :
			 : "memory", "cc");
	r->bp = r8;
}

static int vendor_is_vmware(void)
{
	unsigned a, b, c, d;
	char v[13];

	__cpuid(0x40000000, a, b, c, d);
	memcpy(v, &b, 4);
	memcpy(v + 4, &c, 4);
	memcpy(v + 8, &d, 4);
	v[12] = '\0';
	return strcmp(v, "VMwareVMware") == 0 && a >= 0x40000010;
}

static int getversion_ok(void)
{
	struct bregs r = {ST_MAGIC, ~(uint64_t)ST_MAGIC, 0xFFFF0000u | ST_CMD_GETVERSION,
			  0x5658, 0, 0, 0};

	bdoor_in(&r);
	return r.ax == 6 && r.bx == ST_MAGIC && r.cx == 2;
}

static void check_cpuid(void)
{
	unsigned a, b, c, d;

	__cpuid(1, a, b, c, d);
	check((c >> 31) & 1, "cpuid leaf 1: hypervisor bit");
	check(vendor_is_vmware(), "cpuid 0x40000000: VMwareVMware, max leaf >= 0x40000010");
	__cpuid(0x40000010, a, b, c, d);
	check((c & 3) == 0 && a != 0, "cpuid 0x40000010: TSC kHz, no vmcall/vmmcall bits");
	__cpuid(0, a, b, c, d);
	check(a >= 1, "cpuid leaf 0: real CPU answer passes through");
}

static void check_lb(void)
{
	struct bregs r;

	/* Granted but not executed: the next `in` must still be emulated. */
	check(ioperm(0x5658, 2, 1) == 0, "ioperm(0x5658, 2, 1) reports success");
	check(getversion_ok(), "in GETVERSION: eax 6, ebx magic, ecx 2");
	/* Upper halves: a register the host does not set keeps all 64 bits;
	 * one it sets is zero-extended. */
	r.ax = ST_MAGIC | 0xDEAD00000000ull;
	r.bx = 0x11223344;
	r.cx = 0xABCD000000000000ull | ST_CMD_ECHO;
	r.dx = 0x7777000000005658ull;
	r.si = 0x0102030405060708ull;
	r.di = 0x1000000020ull;
	r.bp = 0xFEEDFACECAFEBEEFull;
	bdoor_in(&r);
	check(r.ax == (0x11223344u ^ ST_ECHO_XOR), "in echo: eax set, zero-extended");
	check(r.bx == (uint32_t)(0x05060708u + 0x20u), "in echo: ebx from si + di");
	check(r.cx == (0xABCD000000000000ull | ST_CMD_ECHO), "in echo: rcx untouched keeps 64 bits");
	check(r.dx == (uint32_t)~0x5658u, "in echo: edx set, zero-extended");
	check(r.si == 0x0102030405060708ull && r.di == 0x1000000020ull,
	      "in echo: rsi/rdi untouched");
	check(r.bp == 0xFEEDFACECAFEBEEFull, "in echo: rbp untouched");
}

static void check_hb(void)
{
	static uint8_t out[ST_HB_OUT_LEN], in[ST_HB_IN_LEN];
	struct bregs r;
	uint32_t i;
	int same = 1;

	for (i = 0; i < ST_HB_OUT_LEN; i++)
		out[i] = st_out_byte(i);
	r.ax = ST_MAGIC;
	r.bx = 0x00010000;
	r.cx = ST_HB_OUT_LEN;
	r.dx = 0x5659 | (3u << 16);
	r.si = (uint64_t)(uintptr_t)out;
	r.di = 0x1111;
	r.bp = 0x2222;
	bdoor_hb_out(&r);
	check((r.bx >> 16) == 1, "rep outsb: host status SUCCESS in ebx high half");
	check(r.di == 0x1111 && r.bp == 0x2222, "rep outsb: cookies in edi/ebp kept");
	memset(in, 0, sizeof(in));
	r.ax = ST_MAGIC;
	r.bx = 0x00010000;
	r.cx = ST_HB_IN_LEN;
	r.dx = 0x5659 | (3u << 16);
	r.si = 0x3333;
	r.di = (uint64_t)(uintptr_t)in;
	r.bp = 0x4444;
	bdoor_hb_in(&r);
	for (i = 0; i < ST_HB_IN_LEN; i++)
		same &= in[i] == st_in_byte(i);
	check((r.bx >> 16) == 1 && same, "rep insb: host bytes land in the guest buffer");
}

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jmp, 1);
}

static void check_foreign_port(void)
{
	struct sigaction sa, old;
	volatile int faulted = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(segv_jmp, 1) == 0) {
		struct bregs r = {ST_MAGIC, 0, ST_CMD_GETVERSION, 0x80, 0, 0, 0};

		bdoor_in(&r);
	} else {
		faulted = 1;
	}
	sigaction(SIGSEGV, &old, NULL);
	check(faulted, "in on port 0x80: SIGSEGV reaches the program");
}

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check_clock(void)
{
	struct timespec ts;
	struct timeval tv;
	struct timex tx;
	double before = now_s(CLOCK_REALTIME);
	double after;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ST_STEP_FWD_S;
	check(clock_settime(CLOCK_REALTIME, &ts) == 0, "clock_settime(+5 s) reports success");
	gettimeofday(&tv, NULL);
	tv.tv_sec -= ST_STEP_BACK_S;
	check(settimeofday(&tv, NULL) == 0, "settimeofday(-3 s) reports success");
	after = now_s(CLOCK_REALTIME);
	check(after - before < 1.0 && after >= before, "real clock was not stepped");
	check(clock_settime(CLOCK_MONOTONIC, &ts) == -1 && errno == EINVAL,
	      "clock_settime(CLOCK_MONOTONIC): EINVAL as the kernel says");

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_TICK;
	tx.tick = ST_TICK;
	check(adjtimex(&tx) >= 0, "adjtimex(ADJ_TICK) reports success");
	memset(&tx, 0, sizeof(tx));
	check(adjtimex(&tx) >= 0 && tx.tick == ST_TICK, "adjtimex(0) reads the tick back");
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_TICK;
	tx.tick = 5000;
	check(adjtimex(&tx) == -1 && errno == EINVAL, "adjtimex: out-of-range tick is EINVAL");

	tv.tv_sec = 0;
	tv.tv_usec = ST_ADJTIME_US;
	check(adjtime(&tv, NULL) == 0, "adjtime(+0.25 s) reports success");
	{
		struct timeval old = {0, 0};

		check(adjtime(NULL, &old) == 0 && old.tv_sec == 0 &&
			      old.tv_usec == ST_ADJTIME_US,
		      "adjtime(NULL, &old) returns the pending 0.25 s");
	}
}

static void check_vsock(void)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	int e = errno;
	int ufd;

	check(fd == -1 && e == EAFNOSUPPORT, "socket(AF_VSOCK): EAFNOSUPPORT");
	ufd = socket(AF_UNIX, SOCK_STREAM, 0);
	check(ufd >= 0, "socket(AF_UNIX) still works");
	if (ufd >= 0)
		close(ufd);
}

static void *thread_main(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)(vendor_is_vmware() && getversion_ok());
}

static void check_thread(void)
{
	pthread_t th;
	void *res = NULL;

	check(pthread_create(&th, NULL, thread_main, NULL) == 0 &&
		      pthread_join(th, &res) == 0 && res == (void *)1,
	      "thread: cpuid and in answered");
}

static void check_fork(const char *self)
{
	pid_t pid = fork();
	int st = -1;

	if (pid == 0)
		_exit(vendor_is_vmware() && getversion_ok() ? 0 : 1);
	check(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 0,
	      "fork: child's cpuid and in answered");
	pid = fork();
	if (pid == 0) {
		execl(self, self, "--child", (char *)NULL);
		_exit(127);
	}
	check(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 0,
	      "fork+exec: new image's cpuid and in answered");
}

static void check_dlopen(const char *lib)
{
	void *h = dlopen(lib, RTLD_NOW);
	int (*fn)(char *);
	char v[13] = "";

	if (!h) {
		check(0, dlerror());
		return;
	}
	*(void **)&fn = dlsym(h, "trap_guest_lib_vendor");
	check(fn && fn(v) >= 0x40000010 && strcmp(v, "VMwareVMware") == 0,
	      "dlopen'd library: its cpuid answered");
	dlclose(h);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--child") == 0)
		return vendor_is_vmware() && getversion_ok() ? 0 : 1;
	if (argc < 2) {
		fprintf(stderr, "usage: %s LIB.so | --child\n", argv[0]);
		return 2;
	}
	check_cpuid();
	check_lb();
	check_hb();
	check_foreign_port();
	check_clock();
	check_vsock();
	check_thread();
	check_fork("/proc/self/exe");
	check_dlopen(argv[1]);
	printf("1..%d\n", checks);
	return failures > 125 ? 125 : failures;
}
