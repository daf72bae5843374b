/*
 * x86 / x86-64 backends: port I/O (`inl`, `rep outsb`, `rep insb`) and the
 * hypercall forms (`vmcall`, `vmmcall`) of the same register frame.
 *
 * Register use is the whole protocol (PROTOCOL.md section 1): eax..edi in,
 * eax..edi out, plus ebp for the HB string transfers. Every register the
 * host may write is an output of the asm, so nothing is assumed preserved.
 *
 * x86-64: the frame goes in through register constraints; rbp (possibly
 * the frame pointer) is swapped with a compiler-chosen scratch register
 * around the instruction, so no push is needed (a push would overwrite the
 * red zone under the compiler's feet).
 * i386: seven registers are needed and ebx may be the PIC register and ebp
 * the frame pointer, so the frame goes in through memory: only eax is an
 * operand, ebx and ebp are pushed and popped (i386 has no red zone).
 */
#include <vmbackdoor/io.h>

#if defined(__x86_64__) || defined(__i386__)

#if defined(__x86_64__)

/* LB: ax..di only. The host may write all six registers. */
#define VMBD_X86_LB(name, insn)                                              \
	static void name(struct vmbd_frame *f)                               \
	{                                                                    \
		uint32_t ax = f->ax, bx = f->bx, cx = f->cx, dx = f->dx;     \
		uint64_t si = f->si, di = f->di;                             \
		__asm__ __volatile__(insn                                    \
				     : "+a"(ax), "+b"(bx), "+c"(cx), "+d"(dx), \
				       "+S"(si), "+D"(di)                    \
				     :                                       \
				     : "memory", "cc");                      \
		f->ax = ax;                                                  \
		f->bx = bx;                                                  \
		f->cx = cx;                                                  \
		f->dx = dx;                                                  \
		f->si = si;                                                  \
		f->di = di;                                                  \
	}

/* HB: rcx is the 64-bit rep count, rsi/rdi full pointers, rbp the extra
 * argument; `cld` because the string instructions depend on DF. */
#define VMBD_X86_HB(name, insn)                                              \
	static void name(struct vmbd_frame *f)                               \
	{                                                                    \
		uint32_t ax = f->ax, bx = f->bx, dx = f->dx;                 \
		uint64_t cx = f->cx, si = f->si, di = f->di, bp = f->bp;     \
		__asm__ __volatile__("xchgq %%rbp, %[bp]\n\t"                \
				     "cld\n\t" insn "\n\t"                   \
				     "xchgq %%rbp, %[bp]"                    \
				     : "+a"(ax), "+b"(bx), "+c"(cx), "+d"(dx), \
				       "+S"(si), "+D"(di), [bp] "+r"(bp)     \
				     :                                       \
				     : "memory", "cc");                      \
		f->ax = ax;                                                  \
		f->bx = bx;                                                  \
		f->cx = (uint32_t)cx;                                        \
		f->dx = dx;                                                  \
		f->si = si;                                                  \
		f->di = di;                                                  \
		f->bp = (uint32_t)bp;                                        \
	}

#else /* __i386__ */

struct regs32 {
	uint32_t ax, bx, cx, dx, si, di, bp;  /* offsets 0..24, used below */
};

#define VMBD_X86_32(name, insn)                                              \
	static void name(struct vmbd_frame *f)                               \
	{                                                                    \
		struct regs32 r = {f->ax, f->bx, f->cx, f->dx,               \
				   (uint32_t)f->si, (uint32_t)f->di, f->bp}; \
		struct regs32 *p = &r;                                       \
		__asm__ __volatile__("pushl %%ebp\n\t"                       \
				     "pushl %%ebx\n\t"                       \
				     "pushl %%eax\n\t"                       \
				     "movl 24(%%eax), %%ebp\n\t"             \
				     "movl 20(%%eax), %%edi\n\t"             \
				     "movl 16(%%eax), %%esi\n\t"             \
				     "movl 12(%%eax), %%edx\n\t"             \
				     "movl 8(%%eax), %%ecx\n\t"              \
				     "movl 4(%%eax), %%ebx\n\t"              \
				     "movl (%%eax), %%eax\n\t"               \
				     "cld\n\t" insn "\n\t"                   \
				     "xchgl %%eax, (%%esp)\n\t"              \
				     "movl %%ebp, 24(%%eax)\n\t"             \
				     "movl %%edi, 20(%%eax)\n\t"             \
				     "movl %%esi, 16(%%eax)\n\t"             \
				     "movl %%edx, 12(%%eax)\n\t"             \
				     "movl %%ecx, 8(%%eax)\n\t"              \
				     "movl %%ebx, 4(%%eax)\n\t"              \
				     "popl (%%eax)\n\t"                      \
				     "popl %%ebx\n\t"                        \
				     "popl %%ebp"                            \
				     : "+a"(p)                               \
				     :                                       \
				     : "ecx", "edx", "esi", "edi", "memory", \
				       "cc");                                \
		f->ax = r.ax;                                                \
		f->bx = r.bx;                                                \
		f->cx = r.cx;                                                \
		f->dx = r.dx;                                                \
		f->si = r.si;                                                \
		f->di = r.di;                                                \
		f->bp = r.bp;                                                \
	}
#define VMBD_X86_LB VMBD_X86_32
#define VMBD_X86_HB VMBD_X86_32

#endif

VMBD_X86_LB(insn_inl, "inl %%dx, %%eax")
VMBD_X86_HB(insn_rep_outsb, "rep outsb")
VMBD_X86_HB(insn_rep_insb, "rep insb")
VMBD_X86_LB(insn_vmcall, "vmcall")
VMBD_X86_HB(insn_vmcall_hb, "vmcall")
VMBD_X86_LB(insn_vmmcall, "vmmcall")
VMBD_X86_HB(insn_vmmcall_hb, "vmmcall")

/* --- port I/O: the caller's frame already holds the port --- */

static int port_in(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	insn_inl(f);
	return VMBD_OK;
}

static int port_hb_out(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	insn_rep_outsb(f);
	return VMBD_OK;
}

static int port_hb_in(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	insn_rep_insb(f);
	return VMBD_OK;
}

static const struct vmbd_io_ops port_ops = {
	"x86-port", port_in, port_hb_out, port_hb_in
};

/* --- hypercalls: flags replace the port (open-vm-tools BackdoorHb) --- */

static void set_flags(struct vmbd_frame *f, uint32_t flags)
{
	f->dx = (f->dx & 0xFFFF0000u) | flags;
}

static int vmcall_in(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	set_flags(f, 0);
	insn_vmcall(f);
	return VMBD_OK;
}

static int vmcall_hb_out(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	set_flags(f, VMBD_HC_FLAG_HB | VMBD_HC_FLAG_WRITE);
	insn_vmcall_hb(f);
	return VMBD_OK;
}

static int vmcall_hb_in(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	set_flags(f, VMBD_HC_FLAG_HB);
	insn_vmcall_hb(f);
	return VMBD_OK;
}

static int vmmcall_in(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	set_flags(f, 0);
	insn_vmmcall(f);
	return VMBD_OK;
}

static int vmmcall_hb_out(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	set_flags(f, VMBD_HC_FLAG_HB | VMBD_HC_FLAG_WRITE);
	insn_vmmcall_hb(f);
	return VMBD_OK;
}

static int vmmcall_hb_in(void *arg, struct vmbd_frame *f)
{
	(void)arg;
	set_flags(f, VMBD_HC_FLAG_HB);
	insn_vmmcall_hb(f);
	return VMBD_OK;
}

static const struct vmbd_io_ops vmcall_ops = {
	"vmcall", vmcall_in, vmcall_hb_out, vmcall_hb_in
};

static const struct vmbd_io_ops vmmcall_ops = {
	"vmmcall", vmmcall_in, vmmcall_hb_out, vmmcall_hb_in
};

const struct vmbd_io_ops *vmbd_io_x86_port(void)
{
	return &port_ops;
}

const struct vmbd_io_ops *vmbd_io_vmcall(void)
{
	return &vmcall_ops;
}

const struct vmbd_io_ops *vmbd_io_vmmcall(void)
{
	return &vmmcall_ops;
}

#else /* not x86 */

const struct vmbd_io_ops *vmbd_io_x86_port(void)
{
	return NULL;
}

const struct vmbd_io_ops *vmbd_io_vmcall(void)
{
	return NULL;
}

const struct vmbd_io_ops *vmbd_io_vmmcall(void)
{
	return NULL;
}

#endif
