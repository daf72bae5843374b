/*
 * The arm64 backend's inline asm, run for real without a hypervisor (the
 * aarch64 build runs under qemu-aarch64 in `./dev cross`): before
 * lib/io_arm64.c is assembled here, an assembler macro turns its one
 * `mrs xzr, mdccsr_el0` into `udf #0x86`. Each call then raises SIGILL,
 * and the handler plays the host: it records x0..x7 as the trap would
 * see them, answers in the registers the host may write (x0..x5, plus x6
 * for HB: open-vm-tools backdoorGcc64_arm64.c) and steps over the trap.
 *
 * What is asserted: x0..x6 carry ax, bx, cx, dx, si, di, bp (PROTOCOL.md
 * section 1; dx keeps the port, arm64 has no hypercall flags); x7 holds
 * 0x86 << 32 and the w7 descriptor of `inl (%dx)` (0x0E), `rep outsb`
 * (0x18) or `rep insb` (0x1C), as Linux vmwgfx_msg_arm64.h and
 * open-vm-tools build it; every output reaches the frame; HB moves the
 * bytes; each operation is counted once. Elsewhere: skipped.
 */
#define _GNU_SOURCE /* ucontext_t fields */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#if defined(__aarch64__) && defined(__linux__)
#include <ucontext.h>

#define TRAP_INSN 0x00000086u /* udf #0x86 */
__asm__(".macro mrs dst:req, src:req\n\t.inst 0x00000086\n.endm\n");
#include "io_arm64.c"

#define CHANNEL 0x2A5Bu
#define HB_LEN 24u
/* Host answers: full 64-bit values, of which the frame keeps what the
 * x86 register it stands for would hold. */
#define OUT_X0 0xF0F0F0F0A1A2A3A4ull
#define OUT_X1 0xF1F1F1F1B1B2B3B4ull
#define OUT_X2 0xF2F2F2F2C1C2C3C4ull
#define OUT_X3 0xF3F3F3F3D1D2D3D4ull
#define OUT_X4 0x5152535455565758ull
#define OUT_X5 0x6162636465666768ull
#define OUT_X6 0xF6F6F6F6E1E2E3E4ull

/* The host's view of the last call. Static: a signal handler fills it. */
static struct {
	unsigned calls;
	int trapped;            /* the pc held our stand-in instruction */
	uint64_t x[8];
	unsigned char got[HB_LEN];
} host;
static const unsigned char reply[HB_LEN] = "host bytes for rep insb";

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	mcontext_t *m = &((ucontext_t *)ctx)->uc_mcontext;
	uint32_t insn;
	unsigned w7;
	size_t n;
	int i;

	(void)sig;
	(void)si;
	memcpy(&insn, (const void *)(uintptr_t)m->pc, sizeof(insn));
	host.calls++;
	host.trapped = insn == TRAP_INSN;
	for (i = 0; i < 8; i++)
		host.x[i] = m->regs[i];
	w7 = (unsigned)host.x[7];
	n = (size_t)(host.x[2] & 0xFFFFFFFFu);
	if (n > HB_LEN)
		n = HB_LEN;
	if (w7 == 0x18u)
		memcpy(host.got, (const void *)(uintptr_t)host.x[4], n);
	else if (w7 == 0x1Cu)
		memcpy((void *)(uintptr_t)host.x[5], reply, n);
	m->regs[0] = OUT_X0;
	m->regs[1] = OUT_X1;
	m->regs[2] = OUT_X2;
	m->regs[3] = OUT_X3;
	m->regs[4] = OUT_X4;
	m->regs[5] = OUT_X5;
	if (w7 != 0x0Eu)
		m->regs[6] = OUT_X6;
	m->pc += 4;
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
	memset(&host, 0, sizeof(host));
}

static void fill(struct vmbd_frame *f, uint32_t port)
{
	f->ax = VMBD_MAGIC;
	f->bx = 0x0B0B0B0Bu;
	f->cx = 0x001E0C0Cu;
	f->dx = port | CHANNEL << 16;
	f->si = 0x0505050505050505ull;
	f->di = 0x0D0D0D0D0D0D0D0Dull;
	f->bp = 0x0E0E0E0Eu;
}

static void assert_outputs(const struct vmbd_frame *f, uint32_t bp)
{
	assert_int_equal(f->ax, (uint32_t)OUT_X0);
	assert_int_equal(f->bx, (uint32_t)OUT_X1);
	assert_int_equal(f->cx, (uint32_t)OUT_X2);
	assert_int_equal(f->dx, (uint32_t)OUT_X3);
	assert_true(f->si == OUT_X4);
	assert_true(f->di == OUT_X5);
	assert_int_equal(f->bp, bp);
}

static void test_lb(void **state)
{
	struct vmbd_io io;
	struct vmbd_frame f;

	(void)state;
	install_host();
	assert_int_equal(vmbd_io_init(&io, vmbd_io_arm64(), NULL), VMBD_OK);
	fill(&f, VMBD_PORT_LB);
	assert_int_equal(vmbd_io_in(&io, &f), VMBD_OK);
	assert_int_equal(host.calls, 1);
	assert_true(host.trapped);
	assert_true(host.x[0] == VMBD_MAGIC && host.x[1] == 0x0B0B0B0Bu &&
		    host.x[2] == 0x001E0C0Cu);
	assert_true(host.x[3] == (VMBD_PORT_LB | CHANNEL << 16));
	assert_true(host.x[4] == 0x0505050505050505ull &&
		    host.x[5] == 0x0D0D0D0D0D0D0D0Dull);
	/* inl (%dx): 4 bytes, read, type DX. */
	assert_true(host.x[7] == 0x860000000Eull);
	assert_outputs(&f, 0x0E0E0E0Eu);
	assert_int_equal(io.lb_calls, 1);
	assert_int_equal(io.hb_calls, 0);
}

static void test_hb_out(void **state)
{
	static const unsigned char msg[HB_LEN] = "guest bytes, rep outsb!";
	struct vmbd_io io;
	struct vmbd_frame f;

	(void)state;
	install_host();
	assert_int_equal(vmbd_io_init(&io, vmbd_io_arm64(), NULL), VMBD_OK);
	fill(&f, VMBD_PORT_HB);
	f.cx = HB_LEN;
	f.si = (uint64_t)(uintptr_t)msg;
	assert_int_equal(vmbd_io_hb_out(&io, &f), VMBD_OK);
	assert_int_equal(host.calls, 1);
	assert_true(host.trapped);
	assert_true(host.x[0] == VMBD_MAGIC && host.x[1] == 0x0B0B0B0Bu &&
		    host.x[2] == HB_LEN);
	assert_true(host.x[3] == (VMBD_PORT_HB | CHANNEL << 16));
	assert_true(host.x[4] == (uint64_t)(uintptr_t)msg &&
		    host.x[5] == 0x0D0D0D0D0D0D0D0Dull &&
		    host.x[6] == 0x0E0E0E0Eu);
	/* rep outsb: 1 byte, write, type REP_STRING, DF clear. */
	assert_true(host.x[7] == 0x8600000018ull);
	assert_memory_equal(host.got, msg, HB_LEN);
	assert_outputs(&f, (uint32_t)OUT_X6);
	assert_int_equal(io.hb_calls, 1);
}

static void test_hb_in(void **state)
{
	unsigned char buf[HB_LEN];
	struct vmbd_io io;
	struct vmbd_frame f;

	(void)state;
	install_host();
	memset(buf, 0, sizeof(buf));
	assert_int_equal(vmbd_io_init(&io, vmbd_io_arm64(), NULL), VMBD_OK);
	fill(&f, VMBD_PORT_HB);
	f.cx = HB_LEN;
	f.di = (uint64_t)(uintptr_t)buf;
	assert_int_equal(vmbd_io_hb_in(&io, &f), VMBD_OK);
	assert_int_equal(host.calls, 1);
	assert_true(host.trapped);
	assert_true(host.x[2] == HB_LEN);
	assert_true(host.x[3] == (VMBD_PORT_HB | CHANNEL << 16));
	assert_true(host.x[4] == 0x0505050505050505ull &&
		    host.x[5] == (uint64_t)(uintptr_t)buf &&
		    host.x[6] == 0x0E0E0E0Eu);
	/* rep insb: 1 byte, read, type REP_STRING, DF clear. */
	assert_true(host.x[7] == 0x860000001Cull);
	/* Written behind the compiler's back: the asm's "memory" clobber
	 * is what makes this read see it. */
	assert_memory_equal(buf, reply, HB_LEN);
	assert_outputs(&f, (uint32_t)OUT_X6);
	assert_int_equal(io.hb_calls, 1);
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

#else /* not aarch64 Linux: the backend is not built here */

static void test_not_aarch64(void **state)
{
	(void)state;
	skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_aarch64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
