/*
 * QEMU real-peer probe: the guest side of tests/qemu/run.sh.
 *
 * Runs as a static program in a QEMU TCG guest started with vmport=on and
 * checks what QEMU's VMware backdoor model (hw/i386/vmport.c) answers
 * against the values QEMU was started with (-m, -uuid; handed over as
 * environment variables on the kernel command line). Prints one line per
 * check, `PASS name` or `FAIL name: detail`, and exits with the number of
 * failed checks.
 *
 * This program executes real backdoor instructions. It refuses to run
 * unless CPUID says TCG and the host script marked the environment as its
 * guest, so running it by mistake on a developer machine does nothing.
 *
 * This first version talks to the port with a raw `inl`; it proves the boot
 * pipeline and QEMU's register values (PROTOCOL.md section 5).
 */
#define _GNU_SOURCE /* ioperm */
#include <cpuid.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#include <vmbackdoor/backdoor.h>
#include <vmbackdoor/io.h>

#define ANSWER_UNSUPPORTED 0xFFFFFFFFu
#define QEMU_MEMSIZE_BYTES_MARK 0x1177u /* ebx: eax holds bytes, not MiB */

struct probe {
	uint64_t expect_mem_mib;
	uint8_t expect_uuid[16];
	int open;          /* port access granted */
	char detail[256];  /* why the current check failed */
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

/* One LB call exactly as PROTOCOL.md section 1 describes it. */
static void raw_in(struct vmbd_frame *f)
{
	uint32_t a = VMBD_MAGIC, b = f->bx, c = f->cx, d = VMBD_PORT_LB;
	uint64_t si = f->si, di = f->di;

	__asm__ __volatile__("inl %%dx, %%eax"
			     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(si),
			       "+D"(di)
			     :
			     : "memory");
	f->ax = a;
	f->bx = b;
	f->cx = c;
	f->dx = d;
	f->si = si;
	f->di = di;
}

static struct vmbd_frame cmd_frame(uint32_t cmd)
{
	struct vmbd_frame f;

	memset(&f, 0, sizeof(f));
	f.cx = cmd;
	return f;
}

static void cpuid_vendor(char vendor[13])
{
	unsigned a, b, c, d;

	__cpuid(0x40000000u, a, b, c, d);
	(void)a;
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &c, 4);
	memcpy(vendor + 8, &d, 4);
	vendor[12] = '\0';
}

static int cpuid_hypervisor_bit(void)
{
	unsigned a, b, c, d;

	__cpuid(1, a, b, c, d);
	(void)a, (void)b, (void)d;
	return (c >> 31) & 1;
}

static int check_detect(struct probe *p)
{
	char vendor[13];

	if (!cpuid_hypervisor_bit())
		return fail(p, "CPUID.1:ECX[31] clear");
	cpuid_vendor(vendor);
	if (strcmp(vendor, "TCGTCGTCGTCG") != 0)
		return fail(p, "vendor \"%s\", want TCGTCGTCGTCG", vendor);
	return 0;
}

static int check_open(struct probe *p)
{
	/* A 4-byte inl checks the I/O bitmap bits of all four ports
	 * 0x5658..0x565B (SDM: every byte accessed); QEMU TCG enforces it. */
	if (ioperm(VMBD_PORT_LB, 4, 1) != 0)
		return fail(p, "ioperm(0x5658, 4, 1) refused");
	p->open = 1;
	return 0;
}

static int check_getversion(struct probe *p)
{
	struct vmbd_frame f = cmd_frame(VMBD_CMD_GETVERSION | 0xFFFF0000u);

	raw_in(&f);
	if (f.bx != VMBD_MAGIC || f.ax == ANSWER_UNSUPPORTED)
		return fail(p, "eax=%#x ebx=%#x", f.ax, f.bx);
	if (f.cx != VMBD_PRODUCT_ESX)
		return fail(p, "product ecx=%#x, want 2", f.cx);
	printf("INFO getversion version=%u product=%u\n", f.ax, f.cx);
	return 0;
}

static int check_memsize(struct probe *p)
{
	struct vmbd_frame f = cmd_frame(VMBD_CMD_GETMEMSIZE);

	raw_in(&f);
	if (f.bx != QEMU_MEMSIZE_BYTES_MARK)
		return fail(p, "ebx=%#x, want the QEMU bytes mark 0x1177", f.bx);
	if ((uint64_t)f.ax != p->expect_mem_mib << 20)
		return fail(p, "eax=%#x bytes, want %llu MiB", f.ax,
			    (unsigned long long)p->expect_mem_mib);
	return 0;
}

static int check_uuid(struct probe *p)
{
	struct vmbd_frame f = cmd_frame(VMBD_CMD_GETUUID);
	uint32_t regs[4];
	uint8_t got[16];

	raw_in(&f);
	regs[0] = f.ax;
	regs[1] = f.bx;
	regs[2] = f.cx;
	regs[3] = f.dx;
	/* Registers stored little-endian give the string byte order. */
	for (int i = 0; i < 16; i++)
		got[i] = (uint8_t)(regs[i / 4] >> (8 * (i % 4)));
	if (memcmp(got, p->expect_uuid, 16) != 0)
		return fail(p, "eax=%#x ebx=%#x ecx=%#x edx=%#x", f.ax, f.bx,
			    f.cx, f.dx);
	return 0;
}

static int check_gethz(struct probe *p)
{
	struct vmbd_frame f = cmd_frame(VMBD_CMD_GETHZ);

	raw_in(&f);
	/* TCG has no stable TSC frequency: QEMU says "unknown". */
	if (f.bx != ANSWER_UNSUPPORTED)
		return fail(p, "eax=%#x ebx=%#x ecx=%#x, want ebx=0xffffffff",
			    f.ax, f.bx, f.cx);
	return 0;
}

static int check_vcpu_info(struct probe *p)
{
	struct vmbd_frame f = cmd_frame(VMBD_CMD_GET_VCPU_INFO);

	raw_in(&f);
	if (f.ax == ANSWER_UNSUPPORTED)
		return fail(p, "eax=0xffffffff (unsupported)");
	printf("INFO vcpu_info flags=%#x\n", f.ax);
	return 0;
}

static int check_host_time(struct probe *p)
{
	static const uint32_t cmds[] = {VMBD_CMD_GETTIMEFULL_WITH_LAG,
					VMBD_CMD_GETTIMEFULL};
	struct vmbd_frame f;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		f = cmd_frame(cmds[i]);
		raw_in(&f);
		/* GETTIMEFULL* succeed by leaving eax = magic. */
		if (f.ax == VMBD_MAGIC)
			return fail(p, "command %u answered eax=magic", cmds[i]);
	}
	f = cmd_frame(VMBD_CMD_GETTIME);
	raw_in(&f);
	if (f.ax != ANSWER_UNSUPPORTED)
		return fail(p, "GETTIME eax=%#x, want 0xffffffff", f.ax);
	return 0;
}

static int check_message_open(struct probe *p)
{
	/* MESSAGE sub-command 0 (OPEN) for RPCI, asking for cookies. */
	struct vmbd_frame f = cmd_frame(VMBD_CMD_MESSAGE);

	f.bx = 0x49435052u | 0x80000000u;
	raw_in(&f);
	if ((f.cx >> 16) & 1) /* MESSAGE_STATUS_SUCCESS */
		return fail(p, "OPEN succeeded: ecx=%#x", f.cx);
	return 0;
}

struct check {
	const char *name;
	int (*run)(struct probe *p);
	int needs_open; /* executes a backdoor instruction */
};

static const struct check checks[] = {
	{"detect", check_detect, 0},
	{"open", check_open, 0},
	{"getversion", check_getversion, 1},
	{"memsize", check_memsize, 1},
	{"uuid", check_uuid, 1},
	{"gethz", check_gethz, 1},
	{"vcpu_info", check_vcpu_info, 1},
	{"host_time", check_host_time, 1},
	{"message_open", check_message_open, 1},
};

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Canonical 8-4-4-4-12 text to 16 bytes in string order. */
static int parse_uuid(const char *s, uint8_t out[16])
{
	int n = 0;

	for (; *s != '\0' && n < 32; s++) {
		int v = hexval((unsigned char)*s);

		if (*s == '-')
			continue;
		if (v < 0)
			return -1;
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(v << 4);
		else
			out[n / 2] |= (uint8_t)v;
		n++;
	}
	return (n == 32 && *s == '\0') ? 0 : -1;
}

/* The two keys: CPUID must say TCG and run.sh must have put its marker on
 * the kernel command line. Anything else is not our guest. */
static int check_guard(struct probe *p)
{
	const char *mem = getenv("VMBD_EXPECT_MEM_MIB");
	const char *uuid = getenv("VMBD_EXPECT_UUID");
	char vendor[13];
	char *end;

	cpuid_vendor(vendor);
	if (!cpuid_hypervisor_bit() || strcmp(vendor, "TCGTCGTCGTCG") != 0 ||
	    getenv("VMBD_QEMU_GUEST") == NULL)
		return fail(p, "not the QEMU TCG guest of tests/qemu/run.sh; "
			       "refusing to execute backdoor instructions");
	if (mem == NULL || uuid == NULL)
		return fail(p, "VMBD_EXPECT_MEM_MIB / VMBD_EXPECT_UUID unset");
	p->expect_mem_mib = strtoull(mem, &end, 10);
	if (*mem == '\0' || *end != '\0')
		return fail(p, "bad VMBD_EXPECT_MEM_MIB \"%s\"", mem);
	if (parse_uuid(uuid, p->expect_uuid) != 0)
		return fail(p, "bad VMBD_EXPECT_UUID \"%s\"", uuid);
	return 0;
}

int main(void)
{
	struct probe p;
	int failed = 0;

	memset(&p, 0, sizeof(p));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (check_guard(&p) != 0) {
		printf("FAIL guard: %s\n", p.detail);
		return 1;
	}
	printf("PASS guard\n");
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct check *c = &checks[i];

		p.detail[0] = '\0';
		if (c->needs_open && !p.open)
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
