/*
 * arm64 backend. The VMware arm64 backdoor emulates an x86 I/O instruction:
 * x0..x6 carry eax..ebp, w7 describes the instruction and x7[63:32] holds
 * 0x86; `mrs xzr, mdccsr_el0` traps from EL0 and EL1 (open-vm-tools
 * backdoor_def.h, X86_IO_W7_*). The descriptor encoder is pure and built on
 * every architecture so it can be tested anywhere.
 */
#include <vmbackdoor/io.h>

/* w7 fields (open-vm-tools X86_IO_W7_*). */
#define W7_SIZE_SHIFT 0   /* [1:0]: 0 = 1 byte, 1 = 2, 2 = 4 */
#define W7_DIR (1u << 2)  /* 1 = read (IN, INS) */
#define W7_TYPE_SHIFT 3   /* [4:3]: enum vmbd_arm64_io_type */
#define W7_DF (1u << 5)   /* string forms: EFLAGS.DF */
#define W7_IMM_SHIFT 5    /* [12:5]: immediate port, IMM type only */

uint64_t vmbd_arm64_x7(unsigned size, int read, unsigned type, int df,
		       unsigned imm_port)
{
	static const unsigned char size_code[5] = {0xFF, 0, 1, 0xFF, 2};
	uint32_t w7;

	if (size > 4 || size_code[size] == 0xFF || type > 3 || imm_port > 0xFF)
		return 0;
	/* DF exists only for string forms, the port only for the IMM form
	 * (they share bit 5). */
	if (df && type < VMBD_ARM64_IO_STRING)
		return 0;
	if (imm_port && type != VMBD_ARM64_IO_IMM)
		return 0;
	w7 = (uint32_t)size_code[size] << W7_SIZE_SHIFT;
	if (read)
		w7 |= W7_DIR;
	w7 |= type << W7_TYPE_SHIFT;
	if (df)
		w7 |= W7_DF;
	w7 |= imm_port << W7_IMM_SHIFT;
	return (uint64_t)VMBD_ARM64_X7_MAGIC << 32 | w7;
}

#if defined(__aarch64__)

/* One trap with the frame in x0..x6; the host may write all of them. */
static void arm64_trap(struct vmbd_frame *f, uint64_t desc)
{
	register uint64_t x0 __asm__("x0") = f->ax;
	register uint64_t x1 __asm__("x1") = f->bx;
	register uint64_t x2 __asm__("x2") = f->cx;
	register uint64_t x3 __asm__("x3") = f->dx;
	register uint64_t x4 __asm__("x4") = f->si;
	register uint64_t x5 __asm__("x5") = f->di;
	register uint64_t x6 __asm__("x6") = f->bp;
	register uint64_t x7 __asm__("x7") = desc;

	__asm__ __volatile__("mrs xzr, mdccsr_el0"
			     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3),
			       "+r"(x4), "+r"(x5), "+r"(x6)
			     : "r"(x7)
			     : "memory", "cc");
	f->ax = (uint32_t)x0;
	f->bx = (uint32_t)x1;
	f->cx = (uint32_t)x2;
	f->dx = (uint32_t)x3;
	f->si = x4;
	f->di = x5;
	f->bp = (uint32_t)x6;
}

static int arm64_in(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	/* inl (%dx), %eax */
	arm64_trap(f, vmbd_arm64_x7(4, 1, VMBD_ARM64_IO_DX, 0, 0));
	return VMBD_OK;
}

static int arm64_hb_out(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	/* rep outsb */
	arm64_trap(f, vmbd_arm64_x7(1, 0, VMBD_ARM64_IO_REP_STRING, 0, 0));
	return VMBD_OK;
}

static int arm64_hb_in(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	/* rep insb */
	arm64_trap(f, vmbd_arm64_x7(1, 1, VMBD_ARM64_IO_REP_STRING, 0, 0));
	return VMBD_OK;
}

static const struct vmbd_io_ops arm64_ops = {
	"arm64", arm64_in, arm64_hb_out, arm64_hb_in
};

const struct vmbd_io_ops *vmbd_io_arm64(void)
{
	return &arm64_ops;
}

#else

const struct vmbd_io_ops *vmbd_io_arm64(void)
{
	return NULL;
}

#endif
