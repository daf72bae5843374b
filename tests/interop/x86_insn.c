/* Prefix and opcode decoding for the harness's emulated instructions. */
#include "x86_insn.h"

#include <string.h>

enum prefix_role { P_NONE = 0, P_REP, P_OPSIZE, P_ADDRSIZE, P_LOCK, P_SEG };

/* Legacy prefixes (any order, any count up to the length limit). REX is
 * handled separately because it only counts right before the opcode. */
static int prefix_role(uint8_t b)
{
	switch (b) {
	case 0xF2:
	case 0xF3:
		return P_REP;
	case 0x66:
		return P_OPSIZE;
	case 0x67:
		return P_ADDRSIZE;
	case 0xF0:
		return P_LOCK;
	case 0x26:
	case 0x2E:
	case 0x36:
	case 0x3E:
	case 0x64:
	case 0x65:
		return P_SEG;
	default:
		return P_NONE;
	}
}

/* One-byte I/O opcodes: kind, whether the operand is a byte, whether an
 * imm8 port follows. */
struct io_opcode {
	uint8_t opcode;
	uint8_t kind;
	uint8_t byte_op;
	uint8_t imm_port;
};

static const struct io_opcode io_opcodes[] = {
	{0xE4, X86_INSN_IN, 1, 1},   {0xE5, X86_INSN_IN, 0, 1},
	{0xE6, X86_INSN_OUT, 1, 1},  {0xE7, X86_INSN_OUT, 0, 1},
	{0xEC, X86_INSN_IN, 1, 0},   {0xED, X86_INSN_IN, 0, 0},
	{0xEE, X86_INSN_OUT, 1, 0},  {0xEF, X86_INSN_OUT, 0, 0},
	{0x6C, X86_INSN_INS, 1, 0},  {0x6D, X86_INSN_INS, 0, 0},
	{0x6E, X86_INSN_OUTS, 1, 0}, {0x6F, X86_INSN_OUTS, 0, 0},
};

/* Two- and three-byte opcodes after 0x0F. */
struct ext_opcode {
	uint8_t bytes[2];
	uint8_t nbytes;
	uint8_t kind;
};

static const struct ext_opcode ext_opcodes[] = {
	{{0xA2, 0x00}, 1, X86_INSN_CPUID},
	{{0x01, 0xC1}, 2, X86_INSN_VMCALL},
	{{0x01, 0xD9}, 2, X86_INSN_VMMCALL},
};

static const char *const kind_names[] = {
	[X86_INSN_OTHER] = "other",   [X86_INSN_IN] = "in",
	[X86_INSN_OUT] = "out",       [X86_INSN_INS] = "ins",
	[X86_INSN_OUTS] = "outs",     [X86_INSN_CPUID] = "cpuid",
	[X86_INSN_VMCALL] = "vmcall", [X86_INSN_VMMCALL] = "vmmcall",
};

const char *x86_insn_kind_name(int kind)
{
	if (kind < 0 || (size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "?";
	return kind_names[kind];
}

static int decode_io(const struct io_opcode *op, const uint8_t *code, size_t n,
		     size_t pos, int opsize16, struct x86_insn *out)
{
	out->kind = op->kind;
	out->size = op->byte_op ? 1 : (opsize16 ? 2 : 4);
	pos++;
	if (op->imm_port) {
		if (pos >= n)
			return -1;
		out->port_imm = code[pos++];
	}
	if (pos > X86_INSN_MAX)
		return -1;
	out->len = (unsigned)pos;
	return 0;
}

static int decode_ext(const uint8_t *code, size_t n, size_t pos,
		      struct x86_insn *out)
{
	size_t i;

	pos++; /* 0x0F */
	if (pos >= n)
		return -1;
	for (i = 0; i < sizeof(ext_opcodes) / sizeof(ext_opcodes[0]); i++) {
		const struct ext_opcode *e = &ext_opcodes[i];

		if (pos + e->nbytes > n) {
			/* Might still be this one: only fail if the bytes we
			 * do have match its start. */
			if (pos < n && code[pos] == e->bytes[0])
				return -1;
			continue;
		}
		if (memcmp(code + pos, e->bytes, e->nbytes) == 0) {
			if (pos + e->nbytes > X86_INSN_MAX)
				return -1;
			out->kind = e->kind;
			out->len = (unsigned)(pos + e->nbytes);
			return 0;
		}
	}
	out->kind = X86_INSN_OTHER;
	return 0;
}

int x86_insn_decode(const uint8_t *code, size_t n, struct x86_insn *out)
{
	size_t pos = 0;
	int opsize16 = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->port_imm = -1;
	/* Legacy prefixes in any order, and REX (0x40-0x4F). REX only counts
	 * right before the opcode (a legacy prefix after it voids it), but it
	 * changes nothing here: port I/O stays at most 32 bits wide and the 0F
	 * opcodes take no operands, so REX bytes are simply skipped. */
	for (;;) {
		int role;

		if (pos >= n || pos >= X86_INSN_MAX)
			return -1;
		if ((code[pos] & 0xF0) == 0x40) {
			pos++;
			continue;
		}
		role = prefix_role(code[pos]);
		if (role == P_NONE)
			break;
		if (role == P_REP)
			out->rep = 1;
		else if (role == P_OPSIZE)
			opsize16 = 1;
		else if (role == P_ADDRSIZE)
			out->addr32 = 1;
		else if (role == P_LOCK)
			out->lock = 1;
		pos++;
	}
	for (i = 0; i < sizeof(io_opcodes) / sizeof(io_opcodes[0]); i++)
		if (io_opcodes[i].opcode == code[pos])
			return decode_io(&io_opcodes[i], code, n, pos, opsize16,
					 out);
	if (code[pos] == 0x0F)
		return decode_ext(code, n, pos, out);
	out->kind = X86_INSN_OTHER;
	return 0;
}
