/*
 * The vmcall and vmmcall backends' inline asm, run for real on any x86
 * machine without reaching a hypervisor: before lib/io_x86.c is assembled
 * here, assembler macros replace `vmcall` and `vmmcall` by `ud2` plus one
 * marker byte (the real instructions' third byte, C1 / D9). Each call
 * then raises SIGILL, and the handler below plays the host: it records
 * the registers the instruction would have carried, checks nothing
 * itself, answers in every register the host may write and steps over the
 * 3 bytes. The port backend has the same check under ptrace (io_trap);
 * these two cannot be trapped there (on KVM `vmcall` is a real hypercall).
 *
 * What is asserted: the hypercall flags replace the port in dx's low half
 * (open-vm-tools BackdoorHb: LB 0, HB out HB|WRITE = 3, HB in HB = 1) and
 * the channel id in the high half survives; every input register reaches
 * the instruction and every output reaches the frame (rsi/rdi whole on
 * x86-64, rbp for HB only); HB moves the bytes through the buffer; each
 * operation is counted once.
 */
#define _GNU_SOURCE /* REG_* in ucontext.h */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#if defined(__x86_64__) || defined(__i386__)
#include <ucontext.h>

__asm__(".macro vmcall\n\tud2\n\t.byte 0xC1\n.endm\n"
	".macro vmmcall\n\tud2\n\t.byte 0xD9\n.endm\n");
#include "io_x86.c"

#if defined(__x86_64__)
#define GREG_AX REG_RAX
#define GREG_BX REG_RBX
#define GREG_CX REG_RCX
#define GREG_DX REG_RDX
#define GREG_SI REG_RSI
#define GREG_DI REG_RDI
#define GREG_BP REG_RBP
#define GREG_IP REG_RIP
#else
#define GREG_AX REG_EAX
#define GREG_BX REG_EBX
#define GREG_CX REG_ECX
#define GREG_DX REG_EDX
#define GREG_SI REG_ESI
#define GREG_DI REG_EDI
#define GREG_BP REG_EBP
#define GREG_IP REG_EIP
#endif

#define CHANNEL 0x2A5Bu
#define HB_LEN 24u
/* What the fake host writes back: distinct in every register, and wider
 * than 32 bits in si/di where a register holds a full pointer. */
#define OUT_AX 0xA1A2A3A4u
#define OUT_BX 0xB1B2B3B4u
#define OUT_CX 0xC1C2C3C4u
#define OUT_DX 0xD1D2D3D4u
#define OUT_SI ((uint64_t)(uintptr_t)(sizeof(void *) == 8 ? 0x5152535455565758ull : 0x55565758ull))
#define OUT_DI ((uint64_t)(uintptr_t)(sizeof(void *) == 8 ? 0x6162636465666768ull : 0x65666768ull))
#define OUT_BP 0xE1E2E3E4u

/* The host's view of the last call. Static: a signal handler fills it. */
static struct {
	unsigned calls;
	unsigned char marker;
	uint64_t ax, bx, cx, dx, si, di, bp;
	unsigned char got[HB_LEN];   /* what an HB out delivered */
} host;
static const unsigned char reply[HB_LEN] = "host bytes for rep insb";

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	const unsigned char *ip = (const unsigned char *)(uintptr_t)g[GREG_IP];
	unsigned flags;
	size_t n;

	(void)sig;
	(void)si;
	host.calls++;
	host.marker = ip[0] == 0x0F && ip[1] == 0x0B ? ip[2] : 0;
	host.ax = (uint64_t)(uintptr_t)g[GREG_AX];
	host.bx = (uint64_t)(uintptr_t)g[GREG_BX];
	host.cx = (uint64_t)(uintptr_t)g[GREG_CX];
	host.dx = (uint64_t)(uintptr_t)g[GREG_DX];
	host.si = (uint64_t)(uintptr_t)g[GREG_SI];
	host.di = (uint64_t)(uintptr_t)g[GREG_DI];
	host.bp = (uint64_t)(uintptr_t)g[GREG_BP];
	/* (uintptr_t): i386's greg_t is a signed int. */
	flags = (unsigned)host.dx & 0xFFFFu;
	n = (size_t)(host.cx & 0xFFFFFFFFu);
	if (n > HB_LEN)
		n = HB_LEN;
	if (flags == (VMBD_HC_FLAG_HB | VMBD_HC_FLAG_WRITE))
		memcpy(host.got, (const void *)(uintptr_t)host.si, n);
	else if (flags == VMBD_HC_FLAG_HB)
		memcpy((void *)(uintptr_t)host.di, reply, n);
	g[GREG_AX] = (greg_t)OUT_AX;
	g[GREG_BX] = (greg_t)OUT_BX;
	g[GREG_CX] = (greg_t)OUT_CX;
	g[GREG_DX] = (greg_t)OUT_DX;
	g[GREG_SI] = (greg_t)OUT_SI;
	g[GREG_DI] = (greg_t)OUT_DI;
	/* LB leaves rbp alone: it is no output there and may be the
	 * caller's frame pointer. */
	if (flags & VMBD_HC_FLAG_HB)
		g[GREG_BP] = (greg_t)OUT_BP;
	g[GREG_IP] += 3;
}

/* Installed by each test itself: cmocka puts its own SIGILL handler in
 * place around every test (and restores what was there afterwards). */
static void install_host(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGILL, &sa, NULL), 0);
}

static const struct backend {
	const char *name;
	const struct vmbd_io_ops *(*ops)(void);
	unsigned char marker;
} backends[] = {
	{"vmcall", vmbd_io_vmcall, 0xC1},
	{"vmmcall", vmbd_io_vmmcall, 0xD9},
};

/* The frame as the channel and backdoor layers build it: magic, the port
 * in dx's low half, the channel id in its high half. */
static void fill(struct vmbd_frame *f, uint32_t port)
{
	f->ax = VMBD_MAGIC;
	f->bx = 0x0B0B0B0Bu;
	f->cx = 0x001E0C0Cu;
	f->dx = port | CHANNEL << 16;
	f->si = 0x05050505u;
	f->di = 0x0D0D0D0Du;
	f->bp = 0x0E0E0E0Eu;
}

static void assert_outputs(const struct vmbd_frame *f, uint32_t bp)
{
	assert_int_equal(f->ax, OUT_AX);
	assert_int_equal(f->bx, OUT_BX);
	assert_int_equal(f->cx, OUT_CX);
	assert_int_equal(f->dx, OUT_DX);
	assert_true(f->si == OUT_SI);
	assert_true(f->di == OUT_DI);
	assert_int_equal(f->bp, bp);
}

static void test_lb(void **state)
{
	size_t i;

	(void)state;
	install_host();
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct vmbd_io io;
		struct vmbd_frame f;

		memset(&host, 0, sizeof(host));
		assert_int_equal(vmbd_io_init(&io, backends[i].ops(), NULL), VMBD_OK);
		fill(&f, VMBD_PORT_LB);
		assert_int_equal(vmbd_io_in(&io, &f), VMBD_OK);
		assert_int_equal(host.calls, 1);
		assert_int_equal(host.marker, backends[i].marker);
		assert_int_equal(host.ax & 0xFFFFFFFFu, VMBD_MAGIC);
		assert_int_equal(host.bx & 0xFFFFFFFFu, 0x0B0B0B0Bu);
		assert_int_equal(host.cx & 0xFFFFFFFFu, 0x001E0C0Cu);
		/* LB read: flags 0 where the port was, channel id kept. */
		assert_int_equal(host.dx & 0xFFFFFFFFu, CHANNEL << 16);
		assert_true(host.si == 0x05050505u && host.di == 0x0D0D0D0Du);
		assert_outputs(&f, 0x0E0E0E0Eu);
		assert_int_equal(io.lb_calls, 1);
		assert_int_equal(io.hb_calls, 0);
	}
}

static void test_hb_out(void **state)
{
	static const unsigned char msg[HB_LEN] = "guest bytes, rep outsb!";
	size_t i;

	(void)state;
	install_host();
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct vmbd_io io;
		struct vmbd_frame f;

		memset(&host, 0, sizeof(host));
		assert_int_equal(vmbd_io_init(&io, backends[i].ops(), NULL), VMBD_OK);
		fill(&f, VMBD_PORT_HB);
		f.cx = HB_LEN;
		f.si = (uint64_t)(uintptr_t)msg;
		assert_int_equal(vmbd_io_hb_out(&io, &f), VMBD_OK);
		assert_int_equal(host.calls, 1);
		assert_int_equal(host.marker, backends[i].marker);
		assert_int_equal(host.ax & 0xFFFFFFFFu, VMBD_MAGIC);
		assert_int_equal(host.bx & 0xFFFFFFFFu, 0x0B0B0B0Bu);
		assert_int_equal(host.cx, HB_LEN);
		assert_int_equal(host.dx & 0xFFFFFFFFu,
				 CHANNEL << 16 | VMBD_HC_FLAG_HB | VMBD_HC_FLAG_WRITE);
		assert_true(host.si == (uint64_t)(uintptr_t)msg);
		assert_true(host.di == 0x0D0D0D0Du);
		assert_int_equal(host.bp & 0xFFFFFFFFu, 0x0E0E0E0Eu);
		assert_memory_equal(host.got, msg, HB_LEN);
		assert_outputs(&f, OUT_BP);
		assert_int_equal(io.lb_calls, 0);
		assert_int_equal(io.hb_calls, 1);
	}
}

static void test_hb_in(void **state)
{
	size_t i;

	(void)state;
	install_host();
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		unsigned char buf[HB_LEN];
		struct vmbd_io io;
		struct vmbd_frame f;

		memset(&host, 0, sizeof(host));
		memset(buf, 0, sizeof(buf));
		assert_int_equal(vmbd_io_init(&io, backends[i].ops(), NULL), VMBD_OK);
		fill(&f, VMBD_PORT_HB);
		f.cx = HB_LEN;
		f.di = (uint64_t)(uintptr_t)buf;
		assert_int_equal(vmbd_io_hb_in(&io, &f), VMBD_OK);
		assert_int_equal(host.calls, 1);
		assert_int_equal(host.marker, backends[i].marker);
		assert_int_equal(host.cx, HB_LEN);
		assert_int_equal(host.dx & 0xFFFFFFFFu,
				 CHANNEL << 16 | VMBD_HC_FLAG_HB);
		assert_true(host.si == 0x05050505u);
		assert_true(host.di == (uint64_t)(uintptr_t)buf);
		assert_int_equal(host.bp & 0xFFFFFFFFu, 0x0E0E0E0Eu);
		/* Written behind the compiler's back: the asm's "memory"
		 * clobber is what makes this read see it. */
		assert_memory_equal(buf, reply, HB_LEN);
		assert_outputs(&f, OUT_BP);
		assert_int_equal(io.hb_calls, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lb),
		cmocka_unit_test(test_hb_out),
		cmocka_unit_test(test_hb_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* not x86: no hypercall backends to run */

static void test_not_x86(void **state)
{
	(void)state;
	skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_x86),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
