/*
 * Records how a real VMware-backdoor peer answers raw frames, to keep the
 * simulator honest: tests/sim_qemu_frames.h is this program's output on
 * QEMU 7.2 and test_sim_qemu_golden.c replays it against the simulator.
 *
 * It runs as the probe of tests/qemu/run.sh (which boots a TCG guest with
 * vmport=on, -m 256M and the fixed -uuid) and prints one C initialiser row
 * per frame on one line, `ROW {{in...}, {out...}},`. To regenerate:
 *
 *   cmake --build build --target vmbd-sim-record-qemu
 *   bash tests/qemu/run.sh --probe build/tests/vmbd-sim-record-qemu \
 *        --work /tmp/rec      # its verdict lists the checks of the
 *                             # regular probe as missing: expected
 *   grep '^ROW ' /tmp/rec/console.log | cut -c5-
 *
 * and paste the rows into the table of tests/sim_qemu_frames.h.
 *
 * Like the regular probe it executes real backdoor instructions, so it
 * refuses to run unless CPUID says TCG and run.sh marked the guest.
 */
#define _GNU_SOURCE /* ioperm */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#define MAGIC 0x564D5868u
#define PORT_LB 0x5658u
/* Sentinels: any register the host writes shows up in the recording. */
#define SENT_BX 0xB0B0B0B0u
#define SENT_SI 0x5151515151515151ull
#define SENT_DI 0xD1D1D1D1D1D1D1D1ull

struct frame {
	uint32_t ax, bx, cx, dx;
	uint64_t si, di;
};

/* Beyond every command 0..79: the guests' 0xFFFF habit in ecx's high half,
 * bits above ecx's low byte (QEMU decodes a byte), wrong magics, a channel
 * id in dx's high half, MESSAGE OPEN with and without the cookie flag. */
static const struct frame extra[] = {
	{MAGIC, SENT_BX, 0xFFFF000Au, PORT_LB, SENT_SI, SENT_DI},
	{MAGIC, SENT_BX, 0x0000010Au, PORT_LB, SENT_SI, SENT_DI},
	{MAGIC, SENT_BX, 0x00000114u, PORT_LB, SENT_SI, SENT_DI},
	{MAGIC, SENT_BX, 0x0000FF2Du, PORT_LB, SENT_SI, SENT_DI},
	{MAGIC + 1, SENT_BX, 10u, PORT_LB, SENT_SI, SENT_DI},
	{0u, SENT_BX, 10u, PORT_LB, SENT_SI, SENT_DI},
	{MAGIC, SENT_BX, 10u, 0x00070000u | PORT_LB, SENT_SI, SENT_DI},
	{MAGIC, SENT_BX, 30u, PORT_LB, SENT_SI, SENT_DI},
	{MAGIC, 0xC9435052u, 30u, PORT_LB, SENT_SI, SENT_DI},
};

static void raw_in(struct frame *f)
{
	__asm__ __volatile__("inl %%dx, %%eax"
			     : "+a"(f->ax), "+b"(f->bx), "+c"(f->cx),
			       "+d"(f->dx), "+S"(f->si), "+D"(f->di)
			     :
			     : "memory");
}

static void print_frame(const struct frame *f)
{
	printf("{0x%08x, 0x%08x, 0x%08x, 0x%08x, 0x%016llxull, 0x%016llxull}",
	       f->ax, f->bx, f->cx, f->dx, (unsigned long long)f->si,
	       (unsigned long long)f->di);
}

static void record(const struct frame *in)
{
	struct frame out = *in;

	raw_in(&out);
	printf("ROW {");
	print_frame(in);
	printf(", ");
	print_frame(&out);
	printf("},\n");
}

static int our_guest(void)
{
	unsigned a, b, c, d;
	char vendor[13];

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return 0;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &c, 4);
	memcpy(vendor + 8, &d, 4);
	vendor[12] = '\0';
	return strcmp(vendor, "TCGTCGTCGTCG") == 0 &&
	       getenv("VMBD_QEMU_GUEST") != NULL;
}

int main(void)
{
	uint32_t cmd;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!our_guest()) {
		printf("FAIL guard: not the QEMU TCG guest of tests/qemu/run.sh\n");
		return 1;
	}
	printf("PASS guard\n");
	if (ioperm(PORT_LB, 4, 1) != 0) {
		printf("FAIL record: ioperm(0x5658, 4, 1) refused\n");
		return 1;
	}
	for (cmd = 0; cmd < 80; cmd++) {
		struct frame f = {MAGIC, SENT_BX, cmd, PORT_LB, SENT_SI, SENT_DI};

		if (cmd >= 39 && cmd <= 41)
			continue; /* vmmouse: stateful, not simulated */
		record(&f);
	}
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		record(&extra[i]);
	printf("PASS record\n");
	return 0;
}
