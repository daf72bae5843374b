#define _POSIX_C_SOURCE 200809L
/* Clock interface: wrappers, the real clock's pure arithmetic, dry run.
 * Nothing here changes the system clock: the real clock is only read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <vmbackdoor/clock.h>
#include <vmbackdoor/sim.h>

/* A fake clock that records what it was asked. */
struct fake {
	int64_t now_ns;
	int64_t stepped_ns;
	int64_t slew_ns, period_ns, freq_ppb;
	int steps, slews;
	int fail;
};

static int fake_now(void *arg, int64_t *ns)
{
	struct fake *f = arg;

	*ns = f->now_ns;
	return f->fail;
}

static int fake_step(void *arg, int64_t delta_ns)
{
	struct fake *f = arg;

	if (f->fail)
		return f->fail;
	f->now_ns += delta_ns;
	f->stepped_ns += delta_ns;
	f->steps++;
	return VMBD_OK;
}

static int fake_slew(void *arg, int64_t off, int64_t period, int64_t freq)
{
	struct fake *f = arg;

	if (f->fail)
		return f->fail;
	f->slew_ns = off;
	f->period_ns = period;
	f->freq_ppb = freq;
	f->slews++;
	return VMBD_OK;
}

static const struct vmbd_clock_ops fake_ops = {
	"fake", 0, fake_now, fake_step, fake_slew
};

static void test_init_rejects_incomplete_ops(void **state)
{
	struct vmbd_clock clk;
	struct vmbd_clock_ops no_step = fake_ops;

	(void)state;
	no_step.step = NULL;
	assert_int_equal(vmbd_clock_init(&clk, NULL, NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_clock_init(&clk, &no_step, NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_clock_init(NULL, &fake_ops, NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_clock_init(&clk, &fake_ops, NULL), VMBD_OK);
}

static void test_wrappers_pass_through_and_count(void **state)
{
	struct fake f = {.now_ns = 1000};
	struct vmbd_clock clk;
	int64_t ns = 0;

	(void)state;
	assert_int_equal(vmbd_clock_init(&clk, &fake_ops, &f), VMBD_OK);
	assert_int_equal(vmbd_clock_now(&clk, &ns), VMBD_OK);
	assert_int_equal(ns, 1000);
	assert_int_equal(vmbd_clock_step(&clk, -300), VMBD_OK);
	assert_int_equal(f.now_ns, 700);
	assert_int_equal(vmbd_clock_slew(&clk, 5, 60000000000, -12), VMBD_OK);
	assert_int_equal(f.slew_ns, 5);
	assert_int_equal(f.period_ns, 60000000000);
	assert_int_equal(f.freq_ppb, -12);
	assert_int_equal(clk.steps, 1);
	assert_int_equal(clk.slews, 1);

	/* A failing implementation is not counted. */
	f.fail = VMBD_ECLOCK;
	assert_int_equal(vmbd_clock_step(&clk, 1), VMBD_ECLOCK);
	assert_int_equal(clk.steps, 1);
	assert_int_equal(vmbd_clock_now(&clk, NULL), VMBD_EINVAL);
}

static void test_wrappers_refuse_absurd_values(void **state)
{
	struct fake f = {0};
	struct vmbd_clock clk;

	(void)state;
	vmbd_clock_init(&clk, &fake_ops, &f);
	assert_int_equal(vmbd_clock_step(&clk, VMBD_CLOCK_MAX_STEP_NS + 1),
			 VMBD_ERANGE);
	assert_int_equal(vmbd_clock_step(&clk, INT64_MIN), VMBD_ERANGE);
	assert_int_equal(vmbd_clock_step(&clk, -VMBD_CLOCK_MAX_STEP_NS),
			 VMBD_OK);
	assert_int_equal(vmbd_clock_slew(&clk, 1, 0, 0), VMBD_EINVAL);
	assert_int_equal(vmbd_clock_slew(&clk, 1, -5, 0), VMBD_EINVAL);
	assert_int_equal(vmbd_clock_slew(&clk, 0, 0, 0), VMBD_OK);
	assert_int_equal(vmbd_clock_slew(&clk, 0, 1, 500001), VMBD_ERANGE);
	assert_int_equal(vmbd_clock_slew(&clk, 0, 1, -500001), VMBD_ERANGE);
	assert_int_equal(vmbd_clock_slew(&clk, INT64_MIN, 1, 0), VMBD_ERANGE);
	/* Nothing refused reached the implementation. */
	assert_int_equal(f.steps, 1);
	assert_int_equal(f.slews, 1);
}

static void test_adj_matches_open_vm_tools(void **state)
{
	struct vmbd_clock_adj a;

	(void)state;
	/* PROTOCOL.md section 6: 0.5 s error, 50 %, 5 s period -> ADJ_TICK
	 * 10499 from vmtoolsd 12.2 (its error was a hair under 0.5 s). */
	assert_int_equal(vmbd_clock_adj_compute(249999000, 5000000000, 0,
						10000, &a), VMBD_OK);
	assert_int_equal(a.tick_us, 10499);
	assert_int_equal(a.tick_clamped, 0);
	assert_int_equal(vmbd_clock_adj_compute(250000000, 5000000000, 0,
						10000, &a), VMBD_OK);
	assert_int_equal(a.tick_us, 10500);
	assert_int_equal(vmbd_clock_adj_compute(-250000000, 5000000000, 0,
						10000, &a), VMBD_OK);
	assert_int_equal(a.tick_us, 9500);
	assert_int_equal(a.adjtime_us, -250000);
	/* No offset: nominal, whatever the period (loop start/stop). */
	assert_int_equal(vmbd_clock_adj_compute(0, 0, 0, 10000, &a), VMBD_OK);
	assert_int_equal(a.tick_us, 10000);
	assert_int_equal(a.freq_scaled_ppm, 0);
	/* Exactly 10 % fits; more is clamped and says so. */
	assert_int_equal(vmbd_clock_adj_compute(6000000000, 60000000000, 0,
						10000, &a), VMBD_OK);
	assert_int_equal(a.tick_us, 11000);
	assert_int_equal(a.tick_clamped, 0);
	assert_int_equal(vmbd_clock_adj_compute(6000000001 * 2, 60000000000, 0,
						10000, &a), VMBD_OK);
	assert_int_equal(a.tick_us, 11000);
	assert_int_equal(a.tick_clamped, 1);
	assert_int_equal(vmbd_clock_adj_compute(-VMBD_CLOCK_MAX_STEP_NS, 1, 0,
						10000, &a), VMBD_OK);
	assert_int_equal(a.tick_us, 9000);
	assert_int_equal(a.tick_clamped, 1);
}

static void test_adj_frequency_units(void **state)
{
	struct vmbd_clock_adj a;

	(void)state;
	assert_int_equal(vmbd_clock_adj_compute(0, 1, 500000, 10000, &a),
			 VMBD_OK);
	assert_int_equal(a.freq_scaled_ppm, 500L * 65536);
	assert_int_equal(vmbd_clock_adj_compute(0, 1, -1000, 10000, &a),
			 VMBD_OK);
	assert_int_equal(a.freq_scaled_ppm, -65536);
	assert_int_equal(vmbd_clock_adj_compute(0, 1, 1, 10000, &a), VMBD_OK);
	assert_int_equal(a.freq_scaled_ppm, 65); /* 65.536 truncated */
	assert_int_equal(vmbd_clock_adj_compute(0, 1, 500001, 10000, &a),
			 VMBD_ERANGE);
	assert_int_equal(vmbd_clock_adj_compute(1, 0, 0, 10000, &a),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_clock_adj_compute(0, 1, 0, 0, &a), VMBD_EINVAL);
	assert_int_equal(vmbd_clock_adj_compute(0, 1, 0, 10000, NULL),
			 VMBD_EINVAL);
}

#ifdef __SIZEOF_INT128__
/* Only the 128-bit-oracle properties below use it; without __int128
 * (i386) it would be an unused function, an error under -Werror. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}
#endif

/* Property: for any offset and period, the tick stays within +-10 % of
 * nominal, has the offset's sign, and equals the exact truncated share
 * whenever that fits (checked against 128-bit arithmetic). */
static void test_adj_property(void **state)
{
#ifdef __SIZEOF_INT128__
	uint64_t s = 0x9e3779b97f4a7c15u;
	struct vmbd_clock_adj a;
	long nominal[] = {10000, 1000, 976, 1};
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		long nom = nominal[i % 4];
		int shift = (int)(rng_next(&s) % 60);
		int64_t off = (int64_t)(rng_next(&s) >> (shift + 3));
		int pshift = (int)(rng_next(&s) % 61);
		int64_t period = (int64_t)(rng_next(&s) >> (pshift + 2)) + 1;
		__int128 exact;
		long maxd = nom / 10;

		if (rng_next(&s) & 1)
			off = -off;
		if (vmbd_clock_adj_compute(off, period, 0, nom, &a) != VMBD_OK)
			fail_msg("off %lld period %lld nom %ld", (long long)off,
				 (long long)period, nom);
		assert_true(a.tick_us >= nom - maxd && a.tick_us <= nom + maxd);
		exact = (__int128)nom * (off < 0 ? -off : off) / period;
		if (exact > maxd) {
			assert_int_equal(a.tick_clamped, 1);
			assert_int_equal(a.tick_us, off > 0 ? nom + maxd : nom - maxd);
		} else {
			assert_int_equal(a.tick_clamped, 0);
			assert_int_equal(a.tick_us,
					 off >= 0 ? nom + (long)exact : nom - (long)exact);
		}
	}
#else
	(void)state;
	skip();
#endif
}

static void test_step_target(void **state)
{
	int64_t sec;
	long nsec;

	(void)state;
	assert_int_equal(vmbd_clock_step_target(100, 999999999, 1, &sec, &nsec),
			 VMBD_OK);
	assert_int_equal(sec, 101);
	assert_int_equal(nsec, 0);
	assert_int_equal(vmbd_clock_step_target(100, 0, -1, &sec, &nsec),
			 VMBD_OK);
	assert_int_equal(sec, 99);
	assert_int_equal(nsec, 999999999);
	assert_int_equal(vmbd_clock_step_target(0, 0, -1500000000, &sec, &nsec),
			 VMBD_OK);
	assert_int_equal(sec, -2);
	assert_int_equal(nsec, 500000000);
	assert_int_equal(vmbd_clock_step_target(1767225600, 250000000,
						5000000000, &sec, &nsec),
			 VMBD_OK);
	assert_int_equal(sec, 1767225605);
	assert_int_equal(nsec, 250000000);
	assert_int_equal(vmbd_clock_step_target(INT64_MAX - 1, 0, 2000000000,
						&sec, &nsec),
			 VMBD_ERANGE);
	assert_int_equal(vmbd_clock_step_target(INT64_MIN + 1, 0, -2000000000,
						&sec, &nsec),
			 VMBD_ERANGE);
	assert_int_equal(vmbd_clock_step_target(0, 1000000000, 0, &sec, &nsec),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_clock_step_target(0, -1, 0, &sec, &nsec),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_clock_step_target(0, 0, VMBD_CLOCK_MAX_STEP_NS + 1,
						&sec, &nsec),
			 VMBD_ERANGE);
}

/* Property: the target is exactly now + delta, normalised. */
static void test_step_target_property(void **state)
{
#ifdef __SIZEOF_INT128__
	uint64_t s = 12345;
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		int64_t now_sec = (int64_t)(rng_next(&s) >> 30) - (INT64_C(1) << 33);
		long now_nsec = (long)(rng_next(&s) % 1000000000u);
		int64_t delta = (int64_t)(rng_next(&s) % (uint64_t)VMBD_CLOCK_MAX_STEP_NS);
		int64_t sec;
		long nsec;
		__int128 want, got;

		if (rng_next(&s) & 1)
			delta = -delta;
		assert_int_equal(vmbd_clock_step_target(now_sec, now_nsec, delta,
							&sec, &nsec),
				 VMBD_OK);
		assert_true(nsec >= 0 && nsec < 1000000000);
		want = (__int128)now_sec * 1000000000 + now_nsec + delta;
		got = (__int128)sec * 1000000000 + nsec;
		assert_true(want == got);
	}
#else
	(void)state;
	skip();
#endif
}

struct logbuf {
	char last[160];
	int lines;
};

static void capture(void *arg, int level, const char *msg)
{
	struct logbuf *b = arg;

	assert_int_equal(level, VMBD_LOG_INFO);
	strncpy(b->last, msg, sizeof(b->last) - 1);
	b->last[sizeof(b->last) - 1] = '\0';
	b->lines++;
}

static void test_dry_run_changes_nothing(void **state)
{
	struct fake f = {.now_ns = 42};
	struct vmbd_clock inner, clk;
	struct vmbd_clock_dry dry;
	struct logbuf log = {{0}, 0};
	int64_t ns = 0;

	(void)state;
	vmbd_clock_init(&inner, &fake_ops, &f);
	vmbd_clock_dry_init(&dry, &inner, capture, &log);
	assert_int_equal(vmbd_clock_init(&clk, vmbd_clock_dry_run(), &dry),
			 VMBD_OK);
	assert_true(clk.ops->flags & VMBD_CLOCK_DRY);
	assert_string_equal(clk.ops->name, "dry-run");

	assert_int_equal(vmbd_clock_now(&clk, &ns), VMBD_OK);
	assert_int_equal(ns, 42);
	assert_int_equal(vmbd_clock_step(&clk, 1500000000), VMBD_OK);
	assert_non_null(strstr(log.last, "would step"));
	assert_non_null(strstr(log.last, "+1.500000"));
	assert_int_equal(dry.last_step_ns, 1500000000);
	assert_int_equal(vmbd_clock_slew(&clk, -2000000, 60000000000, 1500),
			 VMBD_OK);
	assert_non_null(strstr(log.last, "would slew"));
	assert_non_null(strstr(log.last, "-0.002000"));
	assert_non_null(strstr(log.last, "+1.500 ppm"));
	assert_int_equal(log.lines, 2);
	/* The inner clock was read, never changed. */
	assert_int_equal(f.steps, 0);
	assert_int_equal(f.slews, 0);
	assert_int_equal(f.now_ns, 42);

	/* No inner clock: reads are unsupported, no log callback is fine. */
	vmbd_clock_dry_init(&dry, NULL, NULL, NULL);
	assert_int_equal(vmbd_clock_now(&clk, &ns), VMBD_ENOTSUP);
	assert_int_equal(vmbd_clock_step(&clk, 1), VMBD_OK);
}

/* The real clock is only *read* here. */
static void test_real_clock_reads_realtime(void **state)
{
	const struct vmbd_clock_ops *ops = vmbd_clock_real();
	struct vmbd_clock clk;
	struct timespec ts;
	int64_t ns, ref;

	(void)state;
#if defined(__linux__)
	assert_non_null(ops);
#endif
	if (!ops)
		skip();
	assert_string_equal(ops->name, "real");
	assert_false(ops->flags & VMBD_CLOCK_DRY);
	assert_int_equal(vmbd_clock_init(&clk, ops, NULL), VMBD_OK);
	assert_int_equal(vmbd_clock_now(&clk, &ns), VMBD_OK);
	clock_gettime(CLOCK_REALTIME, &ts);
	ref = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	assert_true(ref - ns >= 0 && ref - ns < 1000000000);
}

#define SEC INT64_C(1000000000)

static void test_sim_clock_drives_guest(void **state)
{
	static struct vmbd_sim sim;
	struct vmbd_clock clk;
	int64_t ns, g0, h0;

	(void)state;
	vmbd_sim_init(&sim);
	assert_int_equal(vmbd_clock_init(&clk, vmbd_clock_sim(), &sim), VMBD_OK);
	assert_string_equal(clk.ops->name, "sim");
	assert_false(clk.ops->flags & VMBD_CLOCK_DRY);
	h0 = vmbd_sim_host_now(&sim);
	assert_int_equal(vmbd_clock_now(&clk, &ns), VMBD_OK);
	assert_int_equal(ns, vmbd_sim_guest_now(&sim));

	/* Step: the guest moves, the host does not. */
	assert_int_equal(vmbd_clock_step(&clk, -3 * SEC), VMBD_OK);
	assert_int_equal(vmbd_sim_guest_now(&sim), ns - 3 * SEC);
	assert_int_equal(vmbd_sim_host_now(&sim), h0);

	/* Slew 1 s over 60 s: half after 30 s, all after 60 s, no more. */
	g0 = vmbd_sim_guest_now(&sim);
	assert_int_equal(vmbd_clock_slew(&clk, SEC, 60 * SEC, 0), VMBD_OK);
	vmbd_sim_advance(&sim, 30 * SEC);
	/* The rate is rounded up to whole ppb: within 1 us of half. */
	assert_true(llabs(vmbd_sim_guest_now(&sim) - g0 - (30 * SEC + SEC / 2)) <
		    1000);
	vmbd_sim_advance(&sim, 30 * SEC);
	assert_int_equal(vmbd_sim_guest_now(&sim) - g0, 61 * SEC);
	vmbd_sim_advance(&sim, 60 * SEC);
	assert_int_equal(vmbd_sim_guest_now(&sim) - g0, 121 * SEC);

	/* Frequency: +1000 ppb gains 1 ms in 1000 s. */
	g0 = vmbd_sim_guest_now(&sim);
	assert_int_equal(vmbd_clock_slew(&clk, 0, 0, 1000), VMBD_OK);
	vmbd_sim_advance(&sim, 1000 * SEC);
	assert_int_equal(vmbd_sim_guest_now(&sim) - g0, 1000 * SEC + 1000000);

	/* Too large for one period: at most 10 %, like the Linux tick. */
	vmbd_clock_slew(&clk, 0, 0, 0);
	g0 = vmbd_sim_guest_now(&sim);
	assert_int_equal(vmbd_clock_slew(&clk, -100 * SEC, 60 * SEC, 0), VMBD_OK);
	vmbd_sim_advance(&sim, 60 * SEC);
	assert_int_equal(vmbd_sim_guest_now(&sim) - g0, 54 * SEC);
	/* slew(0, 0, 0) cancels what is left. */
	assert_int_equal(vmbd_clock_slew(&clk, 0, 0, 0), VMBD_OK);
	g0 = vmbd_sim_guest_now(&sim);
	vmbd_sim_advance(&sim, 60 * SEC);
	assert_int_equal(vmbd_sim_guest_now(&sim) - g0, 60 * SEC);
	assert_int_equal(clk.steps, 1);
	assert_int_equal(clk.slews, 5);

	/* The loop's longest period (synctime.period 4294967295): 9 s over
	 * it is 2.1 ppb, rounded up to 3 (the rounding must not overflow). */
	assert_int_equal(vmbd_clock_slew(&clk, 9 * SEC,
					 INT64_C(4294967295) * SEC, 0),
			 VMBD_OK);
	assert_int_equal(sim.guest_slew_rate_ppb, 3);
	assert_int_equal(vmbd_clock_slew(&clk, 0, 0, 0), VMBD_OK);
}

/* Dry run over the simulator: reads the guest, never changes it. */
static void test_dry_run_over_sim(void **state)
{
	static struct vmbd_sim sim;
	struct vmbd_clock inner, clk;
	struct vmbd_clock_dry dry;
	int64_t g0, ns;

	(void)state;
	vmbd_sim_init(&sim);
	vmbd_clock_init(&inner, vmbd_clock_sim(), &sim);
	vmbd_clock_dry_init(&dry, &inner, NULL, NULL);
	vmbd_clock_init(&clk, vmbd_clock_dry_run(), &dry);
	g0 = vmbd_sim_guest_now(&sim);
	assert_int_equal(vmbd_clock_step(&clk, 5 * SEC), VMBD_OK);
	assert_int_equal(vmbd_clock_slew(&clk, SEC, 60 * SEC, 200), VMBD_OK);
	vmbd_sim_advance(&sim, 60 * SEC);
	assert_int_equal(vmbd_clock_now(&clk, &ns), VMBD_OK);
	assert_int_equal(ns, g0 + 60 * SEC);
	assert_int_equal(sim.guest_freq_ppb, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_incomplete_ops),
		cmocka_unit_test(test_wrappers_pass_through_and_count),
		cmocka_unit_test(test_wrappers_refuse_absurd_values),
		cmocka_unit_test(test_adj_matches_open_vm_tools),
		cmocka_unit_test(test_adj_frequency_units),
		cmocka_unit_test(test_adj_property),
		cmocka_unit_test(test_step_target),
		cmocka_unit_test(test_step_target_property),
		cmocka_unit_test(test_dry_run_changes_nothing),
		cmocka_unit_test(test_real_clock_reads_realtime),
		cmocka_unit_test(test_sim_clock_drives_guest),
		cmocka_unit_test(test_dry_run_over_sim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
