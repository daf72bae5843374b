/*
 * Guest of the io_trap test: the library's real x86-64 port backend, run
 * under the trap-and-emulate harness. This process first drops any I/O
 * privilege (ioperm off, iopl 0), so every backdoor instruction raises #GP
 * in this kernel before touching a port; the tracing driver decodes it and
 * answers from the simulator. Checks that every register makes the round
 * trip through the inline asm, including rbp for HB, and that vmbd_open
 * works end to end on a "VMware" CPU.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>

#include <vmbackdoor/vmbackdoor.h>

#include "io_trap.h"

static int failures;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		failures++;
}

static void lb_round_trip(struct vmbd_ctx *ctx)
{
	struct vmbd_frame f = {0};

	f.bx = IOT_IN_BX;
	f.cx = IOT_CMD;
	f.si = IOT_IN_SI;
	f.di = IOT_IN_DI;
	check(vmbd_call(ctx, &f) == VMBD_OK, "LB raw call");
	check(f.ax == IOT_OUT_AX && f.bx == IOT_OUT_BX && f.cx == IOT_OUT_CX &&
		      f.dx == IOT_OUT_DX && f.si == IOT_OUT_SI &&
		      f.di == IOT_OUT_DI,
	      "LB: ax..di written by the host reach the frame");
}

static void hb_round_trip(struct vmbd_ctx *ctx)
{
	static unsigned char out[IOT_HB_LEN], in[IOT_HB_LEN];
	struct vmbd_frame f = {0};
	unsigned i;
	int same = 1;

	for (i = 0; i < IOT_HB_LEN; i++)
		out[i] = iot_byte(i, 1);
	/* rep outsb: esi = source, cookie high in ebp, low in edi */
	f.ax = VMBD_MAGIC;
	f.bx = IOT_HB_BX;
	f.cx = IOT_HB_LEN;
	f.dx = VMBD_PORT_HB | IOT_CHANNEL << 16;
	f.si = (uint64_t)(uintptr_t)out;
	f.di = IOT_COOKIE_LOW;
	f.bp = IOT_COOKIE_HIGH;
	check(vmbd_io_hb_out(&ctx->io, &f) == VMBD_OK, "HB out call");
	check(f.bx == IOT_HB_REPLY_BX, "HB out: ebx status back");
	check(f.bp == IOT_HB_REPLY_BP, "HB out: ebp written by the host back");

	/* rep insb: edi = destination, cookie high in esi, low in ebp */
	memset(&f, 0, sizeof(f));
	f.ax = VMBD_MAGIC;
	f.bx = IOT_HB_BX;
	f.cx = IOT_HB_LEN;
	f.dx = VMBD_PORT_HB | IOT_CHANNEL << 16;
	f.si = IOT_COOKIE_HIGH;
	f.di = (uint64_t)(uintptr_t)in;
	f.bp = IOT_COOKIE_LOW;
	check(vmbd_io_hb_in(&ctx->io, &f) == VMBD_OK, "HB in call");
	for (i = 0; i < IOT_HB_LEN; i++)
		same &= in[i] == iot_byte(i, 2);
	check(same, "HB in: the host's bytes landed in the buffer");
	check(f.bx == IOT_HB_REPLY_BX && f.bp == IOT_HB_REPLY_BP,
	      "HB in: ebx and ebp back");
}

int main(void)
{
	struct vmbd_ctx ctx = {0};
	struct vmbd_detect_info info;
	struct vmbd_host_time t;
	uint64_t mib = 0;
	uint8_t uuid[16];
	char text[37];
	int rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	/* Never a real port access: without these privileges the CPU faults
	 * on the instruction itself. Dropping needs no capability; ENOSYS
	 * means the kernel cannot grant them at all. */
	if ((ioperm(VMBD_PORT_LB, 4, 0) != 0 && errno != ENOSYS) ||
	    (iopl(0) != 0 && errno != ENOSYS)) {
		printf("FAIL cannot drop I/O privilege\n");
		return 1;
	}
	rc = vmbd_detect(&info);
	check(rc == VMBD_OK && info.hypervisor == VMBD_HV_VMWARE &&
		      info.method == VMBD_METHOD_PORT,
	      "CPUID (emulated) says VMware, port I/O");
	/* NO_ACCESS_REQUEST: asking for ioperm would turn the faulting
	 * instruction into a real port access. */
	rc = vmbd_open(&ctx, VMBD_OPEN_NO_ACCESS_REQUEST, &info);
	check(rc == VMBD_OK, "vmbd_open via the x86 port backend");
	if (rc != VMBD_OK)
		return 1;
	check(strcmp(ctx.io.ops->name, "x86-port") == 0, "backend is x86-port");
	check(vmbd_get_memsize(&ctx, &mib) == VMBD_OK && mib == 4096,
	      "GETMEMSIZE 4096 MiB");
	check(vmbd_get_uuid(&ctx, uuid) == VMBD_OK &&
		      vmbd_uuid_format(uuid, text, sizeof(text)) == VMBD_OK,
	      "GETUUID");
	printf("uuid %s\n", text);
	rc = vmbd_read_host_time(&ctx, &t);
	check(rc == VMBD_OK && t.cmd == VMBD_CMD_GETTIMEFULL_WITH_LAG &&
		      t.sec >= 1767225600 && t.max_lag_us == 1000000,
	      "host time via GETTIMEFULL_WITH_LAG");
	lb_round_trip(&ctx);
	hb_round_trip(&ctx);
	check(vmbd_ctx_calls(&ctx) == 7, "7 backdoor calls counted");
	return failures ? 1 : 0;
}
