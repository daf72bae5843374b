/* Unit tests for the harness's instruction decoder (x86_insn.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "x86_insn.h"

struct decode_case {
	const char *name;
	uint8_t bytes[16];
	size_t n;
	int kind;
	unsigned len;
	unsigned size;
	int rep;
	int addr32;
	int port_imm;
	int lock;
};

/* Every form the backdoor uses, the forms it does not (which the harness
 * must recognise to leave alone), and prefix combinations. */
static const struct decode_case cases[] = {
	{"in eax,dx", {0xED}, 1, X86_INSN_IN, 1, 4, 0, 0, -1, 0},
	{"in al,dx", {0xEC}, 1, X86_INSN_IN, 1, 1, 0, 0, -1, 0},
	{"in ax,dx", {0x66, 0xED}, 2, X86_INSN_IN, 2, 2, 0, 0, -1, 0},
	{"in eax,imm8", {0xE5, 0x58}, 2, X86_INSN_IN, 2, 4, 0, 0, 0x58, 0},
	{"in al,imm8", {0xE4, 0x80}, 2, X86_INSN_IN, 2, 1, 0, 0, 0x80, 0},
	{"out dx,eax", {0xEF}, 1, X86_INSN_OUT, 1, 4, 0, 0, -1, 0},
	{"out imm8,al", {0xE6, 0x70}, 2, X86_INSN_OUT, 2, 1, 0, 0, 0x70, 0},
	{"rep insb", {0xF3, 0x6C}, 2, X86_INSN_INS, 2, 1, 1, 0, -1, 0},
	{"rep outsb", {0xF3, 0x6E}, 2, X86_INSN_OUTS, 2, 1, 1, 0, -1, 0},
	{"outsb (no rep)", {0x6E}, 1, X86_INSN_OUTS, 1, 1, 0, 0, -1, 0},
	{"repne outsb", {0xF2, 0x6E}, 2, X86_INSN_OUTS, 2, 1, 1, 0, -1, 0},
	{"rep outsd", {0xF3, 0x6F}, 2, X86_INSN_OUTS, 2, 4, 1, 0, -1, 0},
	{"rep outsw", {0x66, 0xF3, 0x6F}, 3, X86_INSN_OUTS, 3, 2, 1, 0, -1, 0},
	{"addr32 rep insb", {0x67, 0xF3, 0x6C}, 3, X86_INSN_INS, 3, 1, 1, 1, -1, 0},
	{"rep REX.W outsb", {0xF3, 0x48, 0x6E}, 3, X86_INSN_OUTS, 3, 1, 1, 0, -1, 0},
	{"seg fs rep outsb", {0x64, 0xF3, 0x6E}, 3, X86_INSN_OUTS, 3, 1, 1, 0, -1, 0},
	{"REX then legacy prefix", {0x48, 0xF3, 0x6C}, 3, X86_INSN_INS, 3, 1, 1, 0, -1, 0},
	{"lock in (is #UD)", {0xF0, 0xED}, 2, X86_INSN_IN, 2, 4, 0, 0, -1, 1},
	{"cpuid", {0x0F, 0xA2}, 2, X86_INSN_CPUID, 2, 0, 0, 0, -1, 0},
	{"vmcall", {0x0F, 0x01, 0xC1}, 3, X86_INSN_VMCALL, 3, 0, 0, 0, -1, 0},
	{"vmmcall", {0x0F, 0x01, 0xD9}, 3, X86_INSN_VMMCALL, 3, 0, 0, 0, -1, 0},
	{"trailing bytes ignored", {0xED, 0x90, 0x90}, 3, X86_INSN_IN, 1, 4, 0, 0, -1, 0},
	{"nop is other", {0x90}, 1, X86_INSN_OTHER, 0, 0, 0, 0, -1, 0},
	{"ud2 is other", {0x0F, 0x0B}, 2, X86_INSN_OTHER, 0, 0, 0, 0, -1, 0},
	{"lgdt-like 0F 01 is other", {0x0F, 0x01, 0x10}, 3, X86_INSN_OTHER, 0, 0, 0, 0, -1, 0},
};

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct decode_case *c = &cases[i];
		struct x86_insn d;

		print_message("%s\n", c->name);
		assert_int_equal(x86_insn_decode(c->bytes, c->n, &d), 0);
		assert_int_equal(d.kind, c->kind);
		if (c->kind == X86_INSN_OTHER)
			continue;
		assert_int_equal(d.len, c->len);
		if (c->size)
			assert_int_equal(d.size, c->size);
		assert_int_equal(d.rep, c->rep);
		assert_int_equal(d.addr32, c->addr32);
		assert_int_equal(d.port_imm, c->port_imm);
		assert_int_equal(d.lock, c->lock);
	}
}

/* Truncated input: every strict prefix of an instruction is "need more
 * bytes", never a shorter instruction. */
static void test_truncated(void **state)
{
	static const uint8_t insns[][4] = {
		{0xF3, 0x6E}, {0xE5, 0x58}, {0x0F, 0xA2}, {0x0F, 0x01, 0xC1},
		{0x66, 0x67, 0xF3, 0x6F},
	};
	static const size_t lens[] = {2, 2, 2, 3, 4};
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (n = 0; n < lens[i]; n++) {
			struct x86_insn d;

			assert_int_equal(x86_insn_decode(insns[i], n, &d), -1);
		}
}

/* The CPU refuses instructions over 15 bytes: 15 prefixes then an opcode
 * is not decodable; 14 prefixes plus a one-byte opcode is. */
static void test_length_limit(void **state)
{
	uint8_t code[16];
	struct x86_insn d;

	(void)state;
	memset(code, 0x66, sizeof(code));
	code[14] = 0xED;
	assert_int_equal(x86_insn_decode(code, 15, &d), 0);
	assert_int_equal(d.len, 15);
	assert_int_equal(d.size, 2);
	memset(code, 0x66, sizeof(code));
	code[15] = 0xED;
	assert_int_equal(x86_insn_decode(code, 16, &d), -1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(x86_insn_kind_name(X86_INSN_IN), "in");
	assert_string_equal(x86_insn_kind_name(X86_INSN_OUTS), "outs");
	assert_string_equal(x86_insn_kind_name(X86_INSN_CPUID), "cpuid");
	assert_string_equal(x86_insn_kind_name(-1), "?");
	assert_string_equal(x86_insn_kind_name(99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
