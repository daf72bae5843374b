/*
 * The simulator's QEMU profile against a real peer: every frame recorded
 * from QEMU 7.2's vmport (tests/sim_qemu_frames.h: commands 0..79, the
 * 0xFFFF habit, bits above ecx's low byte, wrong magics, a channel id in
 * dx, MESSAGE) is replayed through vmbd_sim_io_ops() and must come back
 * register for register as QEMU answered it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/sim.h>

#include "sim_qemu_frames.h"

/* What QEMU was started with (tests/qemu/run.sh). */
static const uint8_t recorded_uuid[16] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
};

static void test_replay_qemu72(void **state)
{
	static struct vmbd_sim sim;
	size_t n = sizeof(qemu72_calls) / sizeof(qemu72_calls[0]);
	size_t i, mismatches = 0;

	(void)state;
	vmbd_sim_init(&sim);
	assert_int_equal(vmbd_sim_set_profile(&sim, VMBD_SIM_PROFILE_QEMU),
			 VMBD_OK);
	memcpy(sim.uuid, recorded_uuid, sizeof(recorded_uuid));
	assert_true(n >= 80);

	for (i = 0; i < n; i++) {
		const struct recorded_frame *in = &qemu72_calls[i].in;
		const struct recorded_frame *want = &qemu72_calls[i].out;
		struct vmbd_frame f;

		memset(&f, 0, sizeof(f));
		f.ax = in->ax;
		f.bx = in->bx;
		f.cx = in->cx;
		f.dx = in->dx;
		f.si = in->si;
		f.di = in->di;
		assert_int_equal(vmbd_sim_io_ops()->in(&sim, &f), VMBD_OK);
		if (f.ax != want->ax || f.bx != want->bx || f.cx != want->cx ||
		    f.dx != want->dx || f.si != want->si || f.di != want->di) {
			printf("row %zu (ecx %#x): sim ax=%#x bx=%#x cx=%#x "
			       "dx=%#x, QEMU ax=%#x bx=%#x cx=%#x dx=%#x\n",
			       i, in->cx, f.ax, f.bx, f.cx, f.dx, want->ax,
			       want->bx, want->cx, want->dx);
			mismatches++;
		}
	}
	assert_int_equal(mismatches, 0);
	assert_int_equal(sim.calls_lb, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_qemu72),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
