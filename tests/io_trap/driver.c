/*
 * io_trap driver: runs the guest under the trap-and-emulate harness with
 * the simulator as the host, plus a register-checking answer for the LB
 * test command and the HB transfers. Exit 0 when the guest's checks and
 * the host-side checks pass; 77 (SKIPPED) when ptrace or objdump is
 * missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <vmbackdoor/vmbackdoor.h>

#include "io_trap.h"
#include "trap.h"

#define SKIP 77

struct host {
	struct vmbd_sim *sim;
	int failures;
	unsigned lb_checked, hb_out_checked, hb_in_checked;
};

static void expect(struct host *h, int ok, const char *what)
{
	printf("%s host: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok)
		h->failures++;
}

static int host_in(void *arg, struct vmbd_frame *f)
{
	struct host *h = arg;

	if ((f->cx & 0xFFFF) != IOT_CMD)
		return vmbd_sim_io_ops()->in(h->sim, f);
	h->lb_checked++;
	expect(h, f->ax == VMBD_MAGIC && f->bx == IOT_IN_BX &&
			  (f->dx & 0xFFFF) == VMBD_PORT_LB &&
			  f->si == IOT_IN_SI && f->di == IOT_IN_DI,
	       "LB frame as the guest loaded it (64-bit rsi/rdi)");
	f->ax = IOT_OUT_AX;
	f->bx = IOT_OUT_BX;
	f->cx = IOT_OUT_CX;
	f->dx = IOT_OUT_DX;
	f->si = IOT_OUT_SI;
	f->di = IOT_OUT_DI;
	return VMBD_OK;
}

static int host_hb_out(void *arg, struct vmbd_frame *f)
{
	struct host *h = arg;
	const unsigned char *p = (const unsigned char *)(uintptr_t)f->si;
	unsigned i;
	int same = f->cx == IOT_HB_LEN;

	h->hb_out_checked++;
	for (i = 0; same && i < IOT_HB_LEN; i++)
		same = p[i] == iot_byte(i, 1);
	expect(h, f->ax == VMBD_MAGIC && f->bx == IOT_HB_BX &&
			  f->dx == (VMBD_PORT_HB | IOT_CHANNEL << 16) &&
			  f->di == IOT_COOKIE_LOW && f->bp == IOT_COOKIE_HIGH,
	       "rep outsb: ebx, edx, cookie in edi/ebp");
	expect(h, same, "rep outsb: the guest's bytes");
	f->bx = IOT_HB_REPLY_BX;
	f->bp = IOT_HB_REPLY_BP;
	return VMBD_OK;
}

static int host_hb_in(void *arg, struct vmbd_frame *f)
{
	struct host *h = arg;
	unsigned char *p = (unsigned char *)(uintptr_t)f->di;
	unsigned i;

	h->hb_in_checked++;
	expect(h, f->ax == VMBD_MAGIC && f->bx == IOT_HB_BX &&
			  f->cx == IOT_HB_LEN &&
			  f->dx == (VMBD_PORT_HB | IOT_CHANNEL << 16) &&
			  f->si == IOT_COOKIE_HIGH && f->bp == IOT_COOKIE_LOW,
	       "rep insb: ebx, ecx, edx, cookie in esi/ebp");
	for (i = 0; i < IOT_HB_LEN; i++)
		p[i] = iot_byte(i, 2);
	f->bx = IOT_HB_REPLY_BX;
	f->bp = IOT_HB_REPLY_BP;
	return VMBD_OK;
}

static const struct vmbd_io_ops host_ops = {
	"io-trap-host", host_in, host_hb_out, host_hb_in
};

int main(int argc, char **argv)
{
	struct trap_opts opts = {NULL, 0};
	struct host h = {0};
	const struct trap_stats *st;
	char why[256];
	char *gargv[2];
	struct trap *t;
	int status;

	if (argc != 2) {
		fprintf(stderr, "usage: %s GUEST\n", argv[0]);
		return 2;
	}
	if (trap_probe(why, sizeof(why)) != 0) {
		printf("SKIPPED: ptrace unavailable: %s\n", why);
		return SKIP;
	}
	if (system("objdump --version >/dev/null 2>&1") != 0) {
		printf("SKIPPED: objdump (binutils) not found: needed to find cpuid instructions\n");
		return SKIP;
	}
	h.sim = malloc(vmbd_sim_size());
	if (!h.sim)
		return 1;
	vmbd_sim_init(h.sim);
	opts.verbose = getenv("VMBD_TRAP_VERBOSE") != NULL;
	gargv[0] = argv[1];
	gargv[1] = NULL;
	fflush(stdout);
	t = trap_start(gargv, &opts, &host_ops, &h, NULL);
	if (!t) {
		perror("trap_start");
		return 1;
	}
	if (trap_run(t, 60000) != 0) {
		fprintf(stderr, "guest did not finish within 60 s\n");
		trap_finish(t);
		return 1;
	}
	status = trap_exit_status(t);
	st = trap_stats(t);
	expect(&h, WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "guest exited 0 (all its checks passed)");
	/* GETVERSION, GETMEMSIZE, GETUUID, GETTIMEFULL_WITH_LAG, test cmd */
	expect(&h, st->lb == 5 && h.lb_checked == 1, "5 `in` frames, 1 checked");
	expect(&h, st->hb_out == 1 && h.hb_out_checked == 1, "1 rep outsb");
	expect(&h, st->hb_in == 1 && h.hb_in_checked == 1, "1 rep insb");
	expect(&h, st->io_passed == 0, "every faulting access was the backdoor");
	expect(&h, h.sim->calls_total == 4, "4 frames answered by the simulator");
	trap_finish(t);
	free(h.sim);
	return h.failures ? 1 : 0;
}
