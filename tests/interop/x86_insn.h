/*
 * Decoder for the few x86-64 instructions the trap harness emulates: port
 * I/O (`in`/`out`, `ins`/`outs` with their prefixes), `cpuid`, `vmcall` and
 * `vmmcall`. It decodes one instruction at the faulting RIP so the harness
 * knows what the child tried, which registers it uses and how far to
 * advance RIP. Pure code: unit-tested without ptrace.
 */
#ifndef VMBD_INTEROP_X86_INSN_H
#define VMBD_INTEROP_X86_INSN_H

#include <stddef.h>
#include <stdint.h>

/* x86 caps an instruction at 15 bytes; longer prefix runs raise #GP. */
#define X86_INSN_MAX 15

enum x86_insn_kind {
	X86_INSN_OTHER = 0, /* not one the harness emulates */
	X86_INSN_IN,        /* in al/ax/eax, dx|imm8 */
	X86_INSN_OUT,       /* out dx|imm8, al/ax/eax */
	X86_INSN_INS,       /* ins{b,w,d} (%dx), %es:(%rdi) */
	X86_INSN_OUTS,      /* outs{b,w,d} %ds:(%rsi), (%dx) */
	X86_INSN_CPUID,
	X86_INSN_VMCALL,
	X86_INSN_VMMCALL
};

struct x86_insn {
	int kind;          /* enum x86_insn_kind */
	unsigned len;      /* bytes including prefixes: RIP advance */
	unsigned size;     /* operand size for I/O: 1, 2 or 4 */
	int rep;           /* F3 (or F2, which string I/O treats alike) */
	int addr32;        /* 0x67: rsi/rdi/rcx used as 32-bit */
	int port_imm;      /* immediate port, or -1 when the port is in dx */
	int lock;          /* F0 present: #UD for every decoded instruction */
};

/* Decode the instruction in code[0..n). Returns 0 with *out filled (kind
 * X86_INSN_OTHER for anything else, len then 0), or -1 when the bytes end
 * before the instruction does or the prefix run exceeds 15 bytes. */
int x86_insn_decode(const uint8_t *code, size_t n, struct x86_insn *out);

/* Name of a kind, for logs ("in", "rep outs", ...). */
const char *x86_insn_kind_name(int kind);

#endif
