/*
 * Backdoor port I/O: a user-space `in`/`out`/`ins`/`outs` without I/O
 * privilege raises #GP, which Linux delivers as SIGSEGV (si_code
 * SI_KERNEL). Decode the instruction, and if it is a backdoor access,
 * answer it through the io ops exactly as the library's x86 backend would
 * see it: the frame holds the registers; for HB the frame's si/di point at
 * a local copy of the child's buffer.
 */
#include "trap_int.h"
#include "x86_insn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

/* Largest HB transfer the harness copies. VMware caps a GuestRPC message at
 * 64 KiB; anything far beyond that is hostile and gets the signal. */
#define TRAP_HB_MAX (16u << 20)

#define EFLAGS_DF (1u << 10)

static void frame_from_regs(struct vmbd_frame *f,
			    const struct user_regs_struct *r)
{
	f->ax = (uint32_t)r->rax;
	f->bx = (uint32_t)r->rbx;
	f->cx = (uint32_t)r->rcx;
	f->dx = (uint32_t)r->rdx;
	f->si = r->rsi;
	f->di = r->rdi;
	f->bp = (uint32_t)r->rbp;
}

/* The host's answer goes back register by register. A 32-bit register the
 * host left alone keeps its full 64-bit value (a backdoor call must not
 * clobber what it does not answer); one it set is written zero-extended,
 * as any 32-bit register write on x86-64 is. */
static void put32(unsigned long long *reg, uint32_t in, uint32_t out)
{
	if (in != out)
		*reg = out;
}

/* si/di of an HB frame point into our copy; map them back into the child's
 * buffer (the host may have advanced them). */
static uint64_t unmap_ptr(uint64_t v, const uint8_t *local, size_t n,
			  uint64_t child)
{
	uint64_t lo = (uint64_t)(uintptr_t)local;

	if (v >= lo && v <= lo + n)
		return child + (v - lo);
	return v;
}

static void regs_from_frame(struct user_regs_struct *r,
			    const struct vmbd_frame *in,
			    const struct vmbd_frame *out)
{
	put32(&r->rax, in->ax, out->ax);
	put32(&r->rbx, in->bx, out->bx);
	put32(&r->rcx, in->cx, out->cx);
	put32(&r->rdx, in->dx, out->dx);
	put32(&r->rbp, in->bp, out->bp);
	if (in->si != out->si)
		r->rsi = out->si;
	if (in->di != out->di)
		r->rdi = out->di;
}

static int do_lb(struct trap *t, pid_t tid, struct user_regs_struct *r)
{
	struct vmbd_frame in, f;
	int rc;

	frame_from_regs(&f, r);
	in = f;
	if (t->hooks.before_frame)
		t->hooks.before_frame(t->hooks.arg);
	rc = t->ops->in(t->io_arg, &f);
	if (rc < 0)
		return rc;
	regs_from_frame(r, &in, &f);
	t->stats.lb++;
	TRAP_LOG(t, "tid %d in: cmd %u.%u bx %#x -> ax %#x bx %#x cx %#x dx %#x\n",
		 (int)tid, in.cx & 0xFFFF, in.cx >> 16, in.bx, f.ax, f.bx, f.cx,
		 f.dx);
	return 0;
}

static int do_hb(struct trap *t, pid_t tid, struct user_regs_struct *r,
		 const struct x86_insn *insn)
{
	int out = insn->kind == X86_INSN_OUTS;
	uint64_t mask = insn->addr32 ? 0xFFFFFFFFu : ~(uint64_t)0;
	uint64_t count = insn->rep ? (r->rcx & mask) : 1;
	uint64_t child = (out ? r->rsi : r->rdi) & mask;
	struct vmbd_frame in, f;
	uint8_t *buf;
	int rc;

	/* Backward string I/O (DF=1) is something no backdoor client does;
	 * leave it to the signal rather than guess a semantics. */
	if ((r->eflags & EFLAGS_DF) || count > TRAP_HB_MAX)
		return -EINVAL;
	buf = calloc(1, count ? count : 1);
	if (!buf)
		return -ENOMEM;
	if (out && (rc = trap_mem_read(tid, child, buf, count)) != 0)
		goto done;
	frame_from_regs(&f, r);
	f.cx = (uint32_t)count;
	if (out)
		f.si = (uint64_t)(uintptr_t)buf;
	else
		f.di = (uint64_t)(uintptr_t)buf;
	in = f;
	if (t->hooks.before_frame)
		t->hooks.before_frame(t->hooks.arg);
	rc = out ? t->ops->hb_out(t->io_arg, &f) : t->ops->hb_in(t->io_arg, &f);
	if (rc < 0)
		goto done;
	if (!out && (rc = trap_mem_write(tid, child, buf, count)) != 0)
		goto done;
	f.si = unmap_ptr(f.si, buf, count, out ? child : r->rsi);
	f.di = unmap_ptr(f.di, buf, count, out ? r->rdi : child);
	in.si = r->rsi;
	in.di = r->rdi;
	in.cx = (uint32_t)r->rcx;
	regs_from_frame(r, &in, &f);
	if (out)
		t->stats.hb_out++;
	else
		t->stats.hb_in++;
	TRAP_LOG(t, "tid %d rep %s: %llu bytes bx %#x -> bx %#x\n", (int)tid,
		 out ? "outsb" : "insb", (unsigned long long)count, in.bx, f.bx);
done:
	free(buf);
	return rc;
}

int trap_io_fault(struct trap *t, pid_t tid)
{
	struct user_regs_struct r;
	struct x86_insn insn;
	uint8_t code[16];
	unsigned port;
	int rc;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &r) < 0)
		return -errno;
	if (trap_mem_read(tid, r.rip, code, sizeof(code)) != 0 ||
	    x86_insn_decode(code, sizeof(code), &insn) != 0 || insn.lock)
		return 0;
	if (insn.kind < X86_INSN_IN || insn.kind > X86_INSN_OUTS)
		return 0;
	port = insn.port_imm >= 0 ? (unsigned)insn.port_imm
				  : (unsigned)(r.rdx & 0xFFFF);
	/* The backdoor: 32-bit `in` on the LB port, byte string I/O on the HB
	 * port. Anything else faults as it would on a machine without it. */
	if (insn.kind == X86_INSN_IN && insn.size == 4 && port == VMBD_PORT_LB)
		rc = do_lb(t, tid, &r);
	else if ((insn.kind == X86_INSN_INS || insn.kind == X86_INSN_OUTS) &&
		 insn.size == 1 && port == VMBD_PORT_HB)
		rc = do_hb(t, tid, &r, &insn);
	else
		rc = -ENOENT;
	if (rc < 0) {
		t->stats.io_passed++;
		TRAP_LOG(t, "tid %d %s%s port %#x size %u at %#llx not emulated (%d)\n",
			 (int)tid, insn.rep ? "rep " : "",
			 x86_insn_kind_name(insn.kind), port, insn.size,
			 (unsigned long long)r.rip, rc);
		return 0;
	}
	r.rip += insn.len;
	if (ptrace(PTRACE_SETREGS, tid, NULL, &r) < 0)
		return -errno;
	return 1;
}
