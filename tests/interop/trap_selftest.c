/*
 * Self-test of the trap harness engine, independent of the simulator:
 * runs trap_guest under the engine with a stub host (answers below) and
 * checks both sides: the guest checks what it was answered (its exit
 * status counts failures), this driver checks what the engine saw and
 * passed to the host (HB bytes, clock calls, vsock refusal, processes).
 *
 * usage: vmbd-trap-selftest GUEST LIB.so
 * Exit 0 pass, 1 fail, 77 skipped (ptrace or objdump unavailable).
 */
#include "trap.h"
#include "trap_selftest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKIP 77

struct stub {
	uint8_t hb_out[ST_HB_OUT_LEN + 16];
	uint32_t hb_out_len;
	unsigned frames;
	int64_t steps_ns[8];
	unsigned nsteps;
	long ticks[8];
	unsigned nticks;
	long adjtime_us;
	unsigned before_frame_calls;
};

static int stub_in(void *arg, struct vmbd_frame *f)
{
	struct stub *s = arg;

	s->frames++;
	if (f->ax != ST_MAGIC) {
		f->ax = 0xFFFFFFFFu;
		return 0;
	}
	switch (f->cx & 0xFFFF) {
	case ST_CMD_GETVERSION:
		f->ax = 6;
		f->bx = ST_MAGIC;
		f->cx = 2;
		break;
	case ST_CMD_ECHO:
		f->ax = f->bx ^ ST_ECHO_XOR;
		f->bx = (uint32_t)f->si + (uint32_t)f->di;
		f->dx = ~f->dx;
		break;
	default:
		f->ax = 0xFFFFFFFFu;
		break;
	}
	return 0;
}

static int stub_hb_out(void *arg, struct vmbd_frame *f)
{
	struct stub *s = arg;
	uint32_t n = f->cx < sizeof(s->hb_out) ? f->cx : sizeof(s->hb_out);

	s->frames++;
	memcpy(s->hb_out, (const void *)(uintptr_t)f->si, n);
	s->hb_out_len = f->cx;
	f->bx = 0x00010000u | (f->bx & 0xFFFF);
	return 0;
}

static int stub_hb_in(void *arg, struct vmbd_frame *f)
{
	struct stub *s = arg;
	uint8_t *dst = (uint8_t *)(uintptr_t)f->di;
	uint32_t i;

	s->frames++;
	for (i = 0; i < f->cx; i++)
		dst[i] = st_in_byte(i);
	f->bx = 0x00010000u | (f->bx & 0xFFFF);
	return 0;
}

static const struct vmbd_io_ops stub_ops = {
	"selftest-stub", stub_in, stub_hb_out, stub_hb_in,
};

static void stub_before(void *arg)
{
	((struct stub *)arg)->before_frame_calls++;
}

static void stub_clock(void *arg, const struct trap_clock_event *ev)
{
	struct stub *s = arg;

	if (ev->kind == TRAP_CLOCK_SETTIME && s->nsteps < 8)
		s->steps_ns[s->nsteps++] = ev->step_ns;
	if (ev->kind == TRAP_CLOCK_ADJTIMEX) {
		if ((ev->tx.modes & ADJ_TICK) && s->nticks < 8)
			s->ticks[s->nticks++] = ev->tx.tick;
		if (ev->tx.modes == ADJ_OFFSET_SINGLESHOT)
			s->adjtime_us = ev->tx.offset;
	}
}

static int failures;

static void expect(int ok, const char *what)
{
	if (!ok)
		failures++;
	printf("%s - harness: %s\n", ok ? "ok" : "not ok", what);
}

static int near_s(int64_t ns, double s)
{
	double d = (double)ns / 1e9 - s;

	return d > -0.5 && d < 0.5;
}

int main(int argc, char **argv)
{
	static const char *const cpuid_files[] = {"libtrap_guest_lib", NULL};
	struct trap_opts opts = {cpuid_files, 0};
	struct trap_hooks hooks;
	static struct stub s;
	const struct trap_stats *st;
	char why[256];
	char *gargv[3];
	struct trap *t;
	int status;
	uint32_t i;
	int same = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: %s GUEST LIB.so\n", argv[0]);
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
	opts.verbose = getenv("VMBD_TRAP_VERBOSE") != NULL;
	memset(&hooks, 0, sizeof(hooks));
	hooks.arg = &s;
	hooks.before_frame = stub_before;
	hooks.clock_event = stub_clock;
	gargv[0] = argv[1];
	gargv[1] = argv[2];
	gargv[2] = NULL;
	fflush(stdout);
	t = trap_start(gargv, &opts, &stub_ops, &s, &hooks);
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
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "guest exited 0 (all its checks passed)");
	expect(st->hb_out == 1 && s.hb_out_len == ST_HB_OUT_LEN,
	       "one rep outsb of 300 bytes reached the host");
	for (i = 0; i < ST_HB_OUT_LEN; i++)
		same &= s.hb_out[i] == st_out_byte(i);
	expect(same, "rep outsb: host saw the guest's bytes");
	expect(st->hb_in == 1, "one rep insb answered");
	/* GETVERSION x4 (main, thread, fork, exec) + echo */
	expect(st->lb == 5, "5 `in` frames answered (main, echo, thread, fork, exec)");
	expect(s.frames == st->lb + st->hb_in + st->hb_out &&
		       s.before_frame_calls == s.frames,
	       "every frame went through the io ops and the before_frame hook");
	expect(st->io_passed == 1, "the port 0x80 `in` was left to the program");
	expect(s.nsteps == 2 && near_s(s.steps_ns[0], ST_STEP_FWD_S) &&
		       near_s(s.steps_ns[1], -ST_STEP_BACK_S),
	       "clock steps recorded: +5 s then -3 s");
	expect(s.nticks == 1 && s.ticks[0] == ST_TICK,
	       "adjtimex ADJ_TICK 10499 recorded (the rejected one not)");
	expect(s.adjtime_us == ST_ADJTIME_US, "adjtime +0.25 s recorded");
	expect(st->vsock_refused == 1, "socket(AF_VSOCK) refused once");
	expect(st->ioperm == 1, "ioperm answered without running it");
	expect(st->cpuid == 4 + 1 + 1 + 1 + 1,
	       "8 cpuid emulated: 4 in main, thread, fork, exec, dlopen'd code");
	expect(st->processes >= 3 && st->threads >= 4,
	       "forked and exec'd processes and the thread were followed");
	printf("stats: lb %llu hb_out %llu hb_in %llu cpuid %llu sites %llu clock %llu "
	       "vsock %llu passed %llu processes %llu threads %llu\n",
	       (unsigned long long)st->lb, (unsigned long long)st->hb_out,
	       (unsigned long long)st->hb_in, (unsigned long long)st->cpuid,
	       (unsigned long long)st->cpuid_sites,
	       (unsigned long long)st->clock_calls,
	       (unsigned long long)st->vsock_refused,
	       (unsigned long long)st->io_passed,
	       (unsigned long long)st->processes,
	       (unsigned long long)st->threads);
	trap_finish(t);
	return failures ? 1 : 0;
}
