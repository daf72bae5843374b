/*
 * QEMU real-peer probe: the guest side of tests/qemu/run.sh.
 *
 * Runs as a static program in a QEMU TCG guest started with vmport=on and
 * checks what the library makes of QEMU's VMware backdoor model
 * (hw/i386/vmport.c) against the values QEMU was started with (-m, -uuid;
 * handed over as environment variables on the kernel command line). QEMU
 * implements only GETVERSION, GETUUID, GETMEMSIZE, GETHZ and GET_VCPU_INFO
 * (no time command, no message channel), so most of the library's failure
 * paths meet a real peer here too.
 *
 * Prints one line per check, `PASS name` or `FAIL name: detail` (plus
 * `INFO` lines), and exits with the number of failed checks. Every command
 * must cost exactly the backdoor calls it needs: each is a VM exit.
 *
 * This program executes real backdoor instructions. It refuses to run
 * unless CPUID says TCG and run.sh marked the environment as its guest, so
 * starting it by mistake on a developer machine does nothing.
 */
#define _GNU_SOURCE /* sigsetjmp, ioperm */
#include <cpuid.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmbackdoor/backdoor.h>
#include <vmbackdoor/channel.h>
#include <vmbackdoor/detect.h>
#include <vmbackdoor/io.h>
#include <vmbackdoor/rpci.h>

#define ALL_ONES 0xFFFFFFFFu
/* A command QEMU does not know; it decodes only ecx's low byte. */
#define CMD_UNKNOWN 99u

struct probe {
	struct vmbd_ctx ctx;
	int open;                  /* vmbd_open succeeded */
	uint64_t expect_mem_mib;
	uint8_t expect_uuid[16];
	char expect_uuid_text[37];
	char detail[256];          /* why the current check failed */
};

static int fail(struct probe *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct probe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	return -1;
}

/* Calls made through ctx since `before`; must equal `want`. */
static int calls_are(struct probe *p, uint64_t before, uint64_t want)
{
	uint64_t made = vmbd_ctx_calls(&p->ctx) - before;

	if (made != want)
		return fail(p, "%llu backdoor calls, want %llu",
			    (unsigned long long)made, (unsigned long long)want);
	return 0;
}

/* rc must be `want`, else fail with both names. */
static int rc_is(struct probe *p, const char *what, int rc, int want)
{
	if (rc != want)
		return fail(p, "%s returned %s (%s), want %s", what,
			    vmbd_errname(rc), vmbd_strerror(rc),
			    vmbd_errname(want));
	return 0;
}

static void log_to_stdout(void *arg, int level, const char *msg)
{
	(void)arg;
	printf("LOG %d %s\n", level, msg);
}

static int check_detect(struct probe *p)
{
	struct vmbd_detect_info info;
	int rc = vmbd_detect(&info);

	if (rc_is(p, "vmbd_detect", rc, VMBD_OK))
		return -1;
	printf("INFO detect vendor=\"%s\" hypervisor=%s max_leaf=%#x method=%d\n",
	       info.vendor, vmbd_hypervisor_name(info.hypervisor),
	       (unsigned)info.max_leaf, info.method);
	if (!info.hypervisor_present || info.hypervisor != VMBD_HV_TCG ||
	    strcmp(info.vendor, "TCGTCGTCGTCG") != 0)
		return fail(p, "present=%d hypervisor=%s vendor=\"%s\", want TCG",
			    info.hypervisor_present,
			    vmbd_hypervisor_name(info.hypervisor), info.vendor);
	if (info.method != VMBD_METHOD_PORT)
		return fail(p, "method %d, want port I/O", info.method);
	return 0;
}

/* Not VMware and not forced: refused before any backdoor instruction. */
static int check_open_unforced(struct probe *p)
{
	struct vmbd_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	rc = vmbd_open(&ctx, 0, NULL);
	if (rc_is(p, "vmbd_open(0)", rc, VMBD_ENOTVMWARE))
		return -1;
	if (vmbd_ctx_calls(&ctx) != 0)
		return fail(p, "made %llu backdoor calls",
			    (unsigned long long)vmbd_ctx_calls(&ctx));
	return 0;
}

static int check_open(struct probe *p)
{
	struct vmbd_detect_info info;
	int rc;

	memset(&p->ctx, 0, sizeof(p->ctx));
	vmbd_ctx_set_log(&p->ctx, log_to_stdout, NULL);
	rc = vmbd_open(&p->ctx, VMBD_OPEN_FORCE, &info);
	if (rc_is(p, "vmbd_open(FORCE)", rc, VMBD_OK))
		return -1;
	p->open = 1;
	printf("INFO open backend=%s\n", p->ctx.io.ops->name);
	/* Verification is one GETVERSION. */
	return calls_are(p, 0, 1);
}

static int check_getversion(struct probe *p)
{
	uint64_t before = vmbd_ctx_calls(&p->ctx);
	uint32_t version = 0, product = 0;
	int rc = vmbd_get_version(&p->ctx, &version, &product);

	if (rc_is(p, "vmbd_get_version", rc, VMBD_OK))
		return -1;
	printf("INFO getversion version=%u product=%u\n", (unsigned)version,
	       (unsigned)product);
	if (product != VMBD_PRODUCT_ESX)
		return fail(p, "product %u, want 2 (QEMU's default)",
			    (unsigned)product);
	return calls_are(p, before, 1);
}

static int check_memsize(struct probe *p)
{
	uint64_t before = vmbd_ctx_calls(&p->ctx);
	uint64_t mib = 0;
	int rc = vmbd_get_memsize(&p->ctx, &mib);

	if (rc_is(p, "vmbd_get_memsize", rc, VMBD_OK))
		return -1;
	if (mib != p->expect_mem_mib)
		return fail(p, "%llu MiB, want %llu MiB (-m)",
			    (unsigned long long)mib,
			    (unsigned long long)p->expect_mem_mib);
	return calls_are(p, before, 1);
}

static int check_uuid(struct probe *p)
{
	uint64_t before = vmbd_ctx_calls(&p->ctx);
	uint8_t uuid[16];
	char text[37];
	int rc = vmbd_get_uuid(&p->ctx, uuid);

	if (rc_is(p, "vmbd_get_uuid", rc, VMBD_OK))
		return -1;
	if (rc_is(p, "vmbd_uuid_format", vmbd_uuid_format(uuid, text,
							  sizeof(text)),
		  VMBD_OK))
		return -1;
	if (memcmp(uuid, p->expect_uuid, 16) != 0 ||
	    strcmp(text, p->expect_uuid_text) != 0)
		return fail(p, "%s, want %s (-uuid)", text,
			    p->expect_uuid_text);
	return calls_are(p, before, 1);
}

/* TCG has no stable TSC frequency: QEMU answers ebx = 0xFFFFFFFF. */
static int check_gethz(struct probe *p)
{
	uint64_t before = vmbd_ctx_calls(&p->ctx);
	struct vmbd_hz hz;
	int rc = vmbd_get_hz(&p->ctx, &hz);

	if (rc_is(p, "vmbd_get_hz", rc, VMBD_EUNKNOWN))
		return -1;
	return calls_are(p, before, 1);
}

static int check_vcpu_info(struct probe *p)
{
	uint64_t before = vmbd_ctx_calls(&p->ctx);
	uint32_t flags = ALL_ONES;
	int rc = vmbd_get_vcpu_info(&p->ctx, &flags);

	if (rc_is(p, "vmbd_get_vcpu_info", rc, VMBD_OK))
		return -1;
	printf("INFO vcpu_info flags=%#x\n", (unsigned)flags);
	return calls_are(p, before, 1);
}

/* Commands QEMU does not implement: a clean "unsupported", one call each. */
static int check_unsupported_commands(struct probe *p)
{
	uint64_t before = vmbd_ctx_calls(&p->ctx);
	uint32_t v = 0;
	int rc;

	rc = vmbd_get_mhz(&p->ctx, &v);
	if (rc_is(p, "vmbd_get_mhz", rc, VMBD_EUNSUPPORTED))
		return -1;
	rc = vmbd_get_hwversion(&p->ctx, &v);
	if (rc_is(p, "vmbd_get_hwversion", rc, VMBD_EUNSUPPORTED))
		return -1;
	rc = vmbd_stop_catchup(&p->ctx);
	if (rc_is(p, "vmbd_stop_catchup", rc, VMBD_EUNSUPPORTED))
		return -1;
	return calls_are(p, before, 3);
}

/*
 * QEMU has no time command. Each reader says "unsupported" (GETTIME's
 * eax = 0xFFFFFFFF is not 2106-02-07), and the chain asks each of the three
 * exactly once and leaves the caller's struct alone.
 */
static int check_host_time(struct probe *p)
{
	static const struct {
		const char *name;
		int (*read)(struct vmbd_ctx *, struct vmbd_host_time *);
	} readers[] = {
		{"vmbd_get_time_full_with_lag", vmbd_get_time_full_with_lag},
		{"vmbd_get_time_full", vmbd_get_time_full},
		{"vmbd_get_time", vmbd_get_time},
		{"vmbd_read_host_time", vmbd_read_host_time},
	};
	struct vmbd_host_time t;
	uint64_t before = vmbd_ctx_calls(&p->ctx);

	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		int rc;

		memset(&t, 0x5A, sizeof(t));
		rc = readers[i].read(&p->ctx, &t);
		if (rc == VMBD_OK)
			return fail(p, "%s returned a time: %lld s", readers[i].name,
				    (long long)t.sec);
		if (rc_is(p, readers[i].name, rc, VMBD_EUNSUPPORTED))
			return -1;
	}
	/* Three single commands, then the chain's three. */
	return calls_are(p, before, 6);
}

/* The escape hatch reaches QEMU's "unknown command" answer unfiltered:
 * eax = 0xFFFFFFFF, every other register as sent (PROTOCOL.md 2). */
static int check_raw_unknown(struct probe *p)
{
	uint64_t before = vmbd_ctx_calls(&p->ctx);
	struct vmbd_frame f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.bx = 0x11223344u;
	f.cx = CMD_UNKNOWN;
	f.si = 0x55667788u;
	f.di = 0x99AABBCCu;
	rc = vmbd_call(&p->ctx, &f);
	if (rc_is(p, "vmbd_call", rc, VMBD_OK))
		return -1;
	if (f.ax != ALL_ONES || f.bx != 0x11223344u || f.cx != CMD_UNKNOWN ||
	    (f.dx & 0xFFFFu) != VMBD_PORT_LB || f.si != 0x55667788u ||
	    f.di != 0x99AABBCCu)
		return fail(p, "eax=%#x ebx=%#x ecx=%#x edx=%#x esi=%#llx edi=%#llx",
			    f.ax, f.bx, f.cx, f.dx, (unsigned long long)f.si,
			    (unsigned long long)f.di);
	return calls_are(p, before, 1);
}

/*
 * QEMU has no message channel: OPEN answers eax = 0xFFFFFFFF and leaves
 * ecx, so no SUCCESS bit. The channel asks with cookies, once more without
 * (old hosts), then gives up with VMBD_EOPEN: two calls, never a loop, and
 * the channel stays closed for any later use.
 */
static int check_channel(struct probe *p)
{
	static const uint32_t protos[] = {VMBD_PROTO_RPCI, VMBD_PROTO_TCLO};
	struct vmbd_channel ch;
	uint64_t before;
	int rc;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		before = vmbd_ctx_calls(&p->ctx);
		rc = vmbd_channel_open(&ch, &p->ctx, protos[i], 0);
		if (rc_is(p, "vmbd_channel_open", rc, VMBD_EOPEN) ||
		    calls_are(p, before, 2))
			return -1;
		if (vmbd_channel_is_open(&ch))
			return fail(p, "channel open after VMBD_EOPEN");
		before = vmbd_ctx_calls(&p->ctx);
		rc = vmbd_channel_send(&ch, "ping", 4);
		if (rc_is(p, "vmbd_channel_send on the refused channel", rc,
			  VMBD_ENOTOPEN) ||
		    calls_are(p, before, 0))
			return -1;
	}
	before = vmbd_ctx_calls(&p->ctx);
	rc = vmbd_channel_open(&ch, &p->ctx, VMBD_PROTO_RPCI,
			       VMBD_CHANNEL_NO_COOKIE);
	if (rc_is(p, "vmbd_channel_open(NO_COOKIE)", rc, VMBD_EOPEN))
		return -1;
	return calls_are(p, before, 1);
}

/* One RPCI request the way vmware-rpctool sends it: fails at OPEN. */
static int check_rpci(struct probe *p)
{
	static const char req[] = "info-get guestinfo.vmbd";
	uint64_t before = vmbd_ctx_calls(&p->ctx);
	char reply[64];
	size_t len = 1;
	int rc;

	rc = vmbd_rpci_send_one(&p->ctx, 0, req, sizeof(req) - 1, reply,
				sizeof(reply), &len);
	if (rc_is(p, "vmbd_rpci_send_one", rc, VMBD_EOPEN))
		return -1;
	if (len != 0 || reply[0] != '\0')
		return fail(p, "reply not empty after a failed open");
	return calls_are(p, before, 2);
}

/* Not a check: every command of PROTOCOL.md section 2 once, raw, so the
 * log records what this QEMU answers. */
static int dump_raw_answers(struct probe *p)
{
	static const uint32_t cmds[] = {
		VMBD_CMD_GETMHZ, VMBD_CMD_GETVERSION, VMBD_CMD_GETHWVERSION,
		VMBD_CMD_GETUUID, VMBD_CMD_GETMEMSIZE, VMBD_CMD_GETTIME,
		VMBD_CMD_STOPCATCHUP, VMBD_CMD_MESSAGE, VMBD_CMD_GETHZ,
		VMBD_CMD_GETTIMEFULL, VMBD_CMD_GETTIMEFULL_WITH_LAG,
		VMBD_CMD_GET_VCPU_INFO};
	struct vmbd_frame f;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.bx = ~VMBD_MAGIC;
		f.cx = cmds[i];
		if (vmbd_call(&p->ctx, &f) != VMBD_OK)
			return fail(p, "vmbd_call failed");
		printf("INFO raw cmd=%-2u -> eax=%08x ebx=%08x ecx=%08x "
		       "edx=%08x esi=%08llx edi=%08llx\n",
		       (unsigned)cmds[i], f.ax, f.bx, f.cx, f.dx,
		       (unsigned long long)f.si, (unsigned long long)f.di);
	}
	return 0;
}

/*
 * Port access belongs to a thread, not to the process: Linux ioperm()
 * sets the calling thread's TSS I/O bitmap, which threads and processes
 * created afterwards inherit and threads that already exist do not. TCG
 * enforces the bitmap like a real CPU. So after vmbd_open() a thread made
 * later can use the context and a thread made before faults. Run in a
 * child that first drops the grant it inherited from this probe; the
 * child's exit status says what happened.
 */

/* The child's exit status: a fault exits GRANT_FAULT + the phase it hit. */
enum { GRANT_OPEN = 1, GRANT_LATE, GRANT_EARLY };
enum { GRANT_FAULT = 40, GRANT_EARLY_OK = 50, GRANT_SETUP };

static struct vmbd_ctx grant_ctx;
static volatile sig_atomic_t grant_phase;
static pthread_barrier_t grant_go;

static void grant_on_fault(int sig)
{
	(void)sig;
	_exit(GRANT_FAULT + grant_phase);
}

static void *grant_call(void *arg)
{
	uint32_t version = 0, product = 0;

	(void)arg;
	return (void *)(intptr_t)vmbd_get_version(&grant_ctx, &version,
						  &product);
}

static void *grant_early(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&grant_go);
	return grant_call(NULL);
}

static int grant_child(void)
{
	pthread_t early, late;
	void *rc;

	signal(SIGSEGV, grant_on_fault);
	if (ioperm(VMBD_PORT_LB, 4, 0) != 0 ||
	    pthread_barrier_init(&grant_go, NULL, 2) != 0 ||
	    pthread_create(&early, NULL, grant_early, NULL) != 0)
		return GRANT_SETUP;
	/* Grants this thread port access, then one GETVERSION. */
	grant_phase = GRANT_OPEN;
	if (vmbd_open(&grant_ctx, VMBD_OPEN_FORCE, NULL) != VMBD_OK)
		return GRANT_SETUP;
	grant_phase = GRANT_LATE;
	if (pthread_create(&late, NULL, grant_call, NULL) != 0 ||
	    pthread_join(late, &rc) != 0 || rc != NULL)
		return GRANT_SETUP;
	grant_phase = GRANT_EARLY;
	pthread_barrier_wait(&grant_go);
	if (pthread_join(early, &rc) != 0)
		return GRANT_SETUP;
	return rc == NULL ? GRANT_EARLY_OK : GRANT_SETUP;
}

static int check_grant_per_thread(struct probe *p)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail(p, "fork failed");
	if (pid == 0)
		_exit(grant_child());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return fail(p, "child did not exit (status %#x)", status);
	switch (WEXITSTATUS(status)) {
	case GRANT_FAULT + GRANT_EARLY:
		printf("INFO grant: a thread made after vmbd_open used the "
		       "port, one made before faulted\n");
		return 0;
	case GRANT_EARLY_OK:
		return fail(p, "a thread that existed before vmbd_open used "
			       "the port: the grant reached it");
	case GRANT_FAULT + GRANT_LATE:
		return fail(p, "a thread made after vmbd_open faulted");
	case GRANT_FAULT + GRANT_OPEN:
		return fail(p, "the thread that called vmbd_open faulted");
	default:
		return fail(p, "child exit status %d", WEXITSTATUS(status));
	}
}

struct check {
	const char *name;
	int (*run)(struct probe *p);
	int needs_open; /* uses the opened context */
};

static const struct check checks[] = {
	{"detect", check_detect, 0},
	{"open_unforced", check_open_unforced, 0},
	{"open", check_open, 0},
	{"getversion", check_getversion, 1},
	{"memsize", check_memsize, 1},
	{"uuid", check_uuid, 1},
	{"gethz", check_gethz, 1},
	{"vcpu_info", check_vcpu_info, 1},
	{"unsupported", check_unsupported_commands, 1},
	{"host_time", check_host_time, 1},
	{"raw_unknown", check_raw_unknown, 1},
	{"channel", check_channel, 1},
	{"rpci", check_rpci, 1},
	{"grant_per_thread", check_grant_per_thread, 0},
	{"raw_dump", dump_raw_answers, 1},
};

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Canonical lower-case 8-4-4-4-12 text to 16 bytes in string order. */
static int parse_uuid(const char *s, uint8_t out[16])
{
	size_t n = 0;

	if (strlen(s) != 36)
		return -1;
	for (size_t i = 0; i < 36; i++) {
		int v = hexval((unsigned char)s[i]);

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		if (v < 0)
			return -1;
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(v << 4);
		else
			out[n / 2] |= (uint8_t)v;
		n++;
	}
	return 0;
}

/* The two keys, read without the library: CPUID must say TCG and run.sh
 * must have put its marker on the kernel command line. Anything else is
 * not our guest. */
static int check_guard(struct probe *p)
{
	const char *mem = getenv("VMBD_EXPECT_MEM_MIB");
	const char *uuid = getenv("VMBD_EXPECT_UUID");
	unsigned a, b, c, d;
	char vendor[13];
	char *end;

	__cpuid(1, a, b, c, d);
	if (!((c >> 31) & 1) || getenv("VMBD_QEMU_GUEST") == NULL)
		goto not_ours;
	__cpuid(0x40000000u, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &c, 4);
	memcpy(vendor + 8, &d, 4);
	vendor[12] = '\0';
	if (strcmp(vendor, "TCGTCGTCGTCG") != 0)
		goto not_ours;
	if (mem == NULL || uuid == NULL)
		return fail(p, "VMBD_EXPECT_MEM_MIB / VMBD_EXPECT_UUID unset");
	p->expect_mem_mib = strtoull(mem, &end, 10);
	if (*mem == '\0' || *end != '\0')
		return fail(p, "bad VMBD_EXPECT_MEM_MIB \"%s\"", mem);
	if (parse_uuid(uuid, p->expect_uuid) != 0)
		return fail(p, "bad VMBD_EXPECT_UUID \"%s\"", uuid);
	memcpy(p->expect_uuid_text, uuid, 37);
	return 0;
not_ours:
	return fail(p, "not the QEMU TCG guest of tests/qemu/run.sh; "
		       "refusing to execute backdoor instructions");
}

/* A backdoor instruction that faults (e.g. port access not granted for
 * all bytes of the `inl`) fails its check instead of killing the probe. */
static sigjmp_buf fault_jump;

static void on_fault(int sig)
{
	siglongjmp(fault_jump, sig);
}

int main(void)
{
	static struct probe p;
	struct sigaction sa;
	volatile int failed = 0; /* survives siglongjmp */

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (check_guard(&p) != 0) {
		printf("FAIL guard: %s\n", p.detail);
		return 1;
	}
	printf("PASS guard\n");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct check *c = &checks[i];
		int sig;

		p.detail[0] = '\0';
		sig = sigsetjmp(fault_jump, 1);
		if (sig != 0)
			fail(&p, "signal %d (%s) during the check", sig,
			     strsignal(sig));
		else if (c->needs_open && !p.open)
			fail(&p, "backdoor not open");
		else if (c->run(&p) == 0) {
			printf("PASS %s\n", c->name);
			continue;
		}
		printf("FAIL %s: %s\n", c->name, p.detail);
		failed++;
	}
	return failed > 125 ? 125 : failed;
}
