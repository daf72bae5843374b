/*
 * Time-sync sampler and decision: every rule of timesync.h as a test, and
 * the estimator's convergence on a drifting clock simulated in plain
 * integer arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/timesync.h>

#define NS_PER_S INT64_C(1000000000)
#define NS_PER_MS INT64_C(1000000)
#define NS_PER_US INT64_C(1000)
#define T0_S INT64_C(1700000000) /* some plausible host time */

/* ---- a scripted sample source --------------------------------------- */

struct script {
	struct vmbd_host_time host[8];
	int host_rc[8];
	int64_t guest[8];
	int guest_rc[8];
	unsigned nh, ng;
};

static int script_host(void *arg, struct vmbd_host_time *t)
{
	struct script *sc = arg;
	unsigned i = sc->nh++;

	assert_true(i < 8);
	/* Scribble first: the sampler must not trust fields the host did
	 * not fill. */
	memset(t, 0x5a, sizeof(*t));
	*t = sc->host[i];
	return sc->host_rc[i];
}

static int script_guest(void *arg, int64_t *ns)
{
	struct script *sc = arg;
	unsigned i = sc->ng++;

	assert_true(i < 8);
	*ns = sc->guest[i];
	return sc->guest_rc[i];
}

/* Host reading at T0 + us microseconds. */
static struct vmbd_host_time host_at(int64_t us, uint32_t max_lag_us,
				     int has_lag, uint32_t lag_us)
{
	struct vmbd_host_time t;

	memset(&t, 0, sizeof(t));
	t.sec = T0_S + us / 1000000;
	t.usec = (uint32_t)(us % 1000000);
	t.max_lag_us = max_lag_us;
	t.has_interrupt_lag = has_lag;
	t.interrupt_lag_us = lag_us;
	return t;
}

static int sample(struct script *sc, struct vmbd_ts_sample *out)
{
	struct vmbd_ts_source src = {script_host, script_guest, sc};

	return vmbd_ts_sample(&src, out);
}

static void test_sample_first_pair_good(void **state)
{
	struct script sc;
	struct vmbd_ts_sample s;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.host[0] = host_at(0, 1000000, 1, 7);
	sc.host[1] = host_at(1000, 500000, 1, 30);
	sc.guest[0] = 42 * NS_PER_S;
	assert_int_equal(sample(&sc, &s), 0);
	/* One pair: two host reads, one guest read, not one more exit. */
	assert_int_equal(s.host_reads, 2);
	assert_int_equal(s.guest_reads, 1);
	assert_int_equal(sc.nh, 2);
	assert_true(s.host_ns == T0_S * NS_PER_S + 500 * NS_PER_US);
	assert_true(s.guest_ns == 42 * NS_PER_S);
	assert_true(s.spread_ns == 1000 * NS_PER_US);
	/* Lags from the second read of the pair. */
	assert_true(s.max_lag_ns == 500 * NS_PER_MS);
	assert_int_equal(s.has_interrupt_lag, 1);
	assert_true(s.interrupt_lag_ns == 30 * NS_PER_US);
}

static void test_sample_keeps_tightest_of_four(void **state)
{
	struct script sc;
	struct vmbd_ts_sample s;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	/* Spreads 5000, 3000, 4000, 3000 us: none good; the tightest (the
	 * later of two equal ones, as open-vm-tools' <=) wins. */
	sc.host[0] = host_at(0, 1, 0, 0);
	sc.host[1] = host_at(5000, 2, 0, 0);
	sc.host[2] = host_at(8000, 3, 0, 0);
	sc.host[3] = host_at(12000, 4, 0, 0);
	sc.host[4] = host_at(15000, 5, 0, 0);
	sc.guest[0] = 1;
	sc.guest[1] = 2;
	sc.guest[2] = 3;
	sc.guest[3] = 4;
	assert_int_equal(sample(&sc, &s), 0);
	assert_int_equal(s.host_reads, 5);
	assert_int_equal(s.guest_reads, 4);
	assert_true(s.guest_ns == 4);
	assert_true(s.host_ns == T0_S * NS_PER_S + 13500 * NS_PER_US);
	assert_true(s.spread_ns == 3000 * NS_PER_US);
	assert_true(s.max_lag_ns == 5 * NS_PER_US);
	/* Without WITH_LAG the lag is unknown, whatever the field holds. */
	assert_int_equal(s.has_interrupt_lag, 0);
	assert_true(s.interrupt_lag_ns == 0);
}

static void test_sample_stops_at_first_good_pair(void **state)
{
	struct script sc;
	struct vmbd_ts_sample s;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.host[0] = host_at(0, 0, 0, 0);
	sc.host[1] = host_at(9000, 0, 0, 0);
	sc.host[2] = host_at(11000, 0, 0, 0); /* exactly 2000 us: good */
	sc.guest[0] = 1;
	sc.guest[1] = 2;
	assert_int_equal(sample(&sc, &s), 0);
	assert_int_equal(s.host_reads, 3);
	assert_int_equal(s.guest_reads, 2);
	assert_true(s.guest_ns == 2);
	assert_true(s.spread_ns == VMBD_TS_GOOD_SPREAD_NS);
}

static void test_sample_host_backwards_pair_refused(void **state)
{
	struct script sc;
	struct vmbd_ts_sample s;
	int i;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	/* Pair 1 goes backwards (open-vm-tools would call it perfect);
	 * pair 2 is loose but sane and must be the one kept. */
	sc.host[0] = host_at(10000, 0, 0, 0);
	sc.host[1] = host_at(0, 0, 0, 0);
	sc.host[2] = host_at(5000, 0, 0, 0);
	sc.host[3] = host_at(4000, 0, 0, 0);
	sc.host[4] = host_at(3000, 0, 0, 0);
	for (i = 0; i < 4; i++)
		sc.guest[i] = 100 + i;
	assert_int_equal(sample(&sc, &s), 0);
	assert_true(s.guest_ns == 101);
	assert_true(s.spread_ns == 5000 * NS_PER_US);

	/* All pairs backwards: no sample. */
	memset(&sc, 0, sizeof(sc));
	for (i = 0; i < 5; i++)
		sc.host[i] = host_at(10000 - i * 1000, 0, 0, 0);
	for (i = 0; i < 4; i++)
		sc.guest[i] = 100;
	assert_int_equal(sample(&sc, &s), VMBD_EBADTIME);
	assert_true(s.host_ns == 0 && s.guest_ns == 0);
}

static void test_sample_bad_host_time(void **state)
{
	struct script sc;
	struct vmbd_ts_sample s;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.host[0].sec = 0; /* open-vm-tools: "Invalid host OS time" */
	assert_int_equal(sample(&sc, &s), VMBD_EBADTIME);
	assert_int_equal(sc.ng, 0);

	memset(&sc, 0, sizeof(sc));
	sc.host[0] = host_at(0, 0, 0, 0);
	sc.host[1] = host_at(0, 0, 0, 0);
	sc.host[1].usec = 1000000;
	assert_int_equal(sample(&sc, &s), VMBD_EBADTIME);
	assert_true(s.host_ns == 0);

	memset(&sc, 0, sizeof(sc));
	sc.host[0].sec = -5;
	assert_int_equal(sample(&sc, &s), VMBD_EBADTIME);

	memset(&sc, 0, sizeof(sc));
	sc.host[0].sec = INT64_MAX / 1000000000 + 1; /* beyond int64 ns */
	assert_int_equal(sample(&sc, &s), VMBD_EBADTIME);
}

static void test_sample_callback_errors(void **state)
{
	struct script sc;
	struct vmbd_ts_sample s;
	struct vmbd_ts_source src = {script_host, NULL, &sc};

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.host_rc[0] = VMBD_EUNSUPPORTED;
	assert_int_equal(sample(&sc, &s), VMBD_EUNSUPPORTED);

	memset(&sc, 0, sizeof(sc));
	sc.host[0] = host_at(0, 0, 0, 0);
	sc.guest_rc[0] = VMBD_ECLOCK;
	assert_int_equal(sample(&sc, &s), VMBD_ECLOCK);

	/* A failure after a good pair still fails the sample. */
	memset(&sc, 0, sizeof(sc));
	sc.host[0] = host_at(0, 0, 0, 0);
	sc.host[1] = host_at(9000, 0, 0, 0);
	sc.host_rc[2] = VMBD_EPROTO;
	assert_int_equal(sample(&sc, &s), VMBD_EPROTO);
	assert_true(s.host_ns == 0);

	assert_int_equal(vmbd_ts_sample(NULL, &s), VMBD_EINVAL);
	assert_int_equal(vmbd_ts_sample(&src, &s), VMBD_EINVAL);
	src.read_guest = script_guest;
	assert_int_equal(vmbd_ts_sample(&src, NULL), VMBD_EINVAL);
}

/* ---- decisions -------------------------------------------------------- */

/* A sample with guest = host - behind (behind < 0: guest ahead). */
static struct vmbd_ts_sample mk(int64_t behind_ns, int64_t max_lag_ns,
				int has_lag, int64_t lag_ns)
{
	struct vmbd_ts_sample s;

	memset(&s, 0, sizeof(s));
	s.host_ns = T0_S * NS_PER_S;
	s.guest_ns = s.host_ns - behind_ns;
	s.max_lag_ns = max_lag_ns;
	s.has_interrupt_lag = has_lag;
	s.interrupt_lag_ns = lag_ns;
	return s;
}

static const struct vmbd_ts_mode once_fwd = {0, 0, 0, 0, 0};
static const struct vmbd_ts_mode once_back = {0, 1, 0, 0, 0};
static const struct vmbd_ts_mode loop_plain = {1, 0, 0, 50, 60};
static const struct vmbd_ts_mode loop_slew = {1, 0, 1, 50, 60};

static struct vmbd_ts_decision decide(struct vmbd_ts_sample s,
				      const struct vmbd_ts_mode *m,
				      struct vmbd_ts_estimator *est)
{
	struct vmbd_ts_decision d;

	assert_int_equal(vmbd_ts_decide(&s, m, est, &d), 0);
	return d;
}

static void test_one_shot_steps_forward_beyond_max_lag(void **state)
{
	struct vmbd_ts_decision d;

	(void)state;
	d = decide(mk(5 * NS_PER_S, NS_PER_S, 0, 0), &once_fwd, NULL);
	assert_int_equal(d.action, VMBD_TS_STEP);
	assert_true(d.step_ns == 5 * NS_PER_S);
	assert_true(d.error_ns == 5 * NS_PER_S);
	/* Within max lag: nothing, even with backward allowed. */
	d = decide(mk(NS_PER_S, NS_PER_S, 0, 0), &once_back, NULL);
	assert_int_equal(d.action, VMBD_TS_NONE);
	d = decide(mk(NS_PER_S + 1, NS_PER_S, 0, 0), &once_fwd, NULL);
	assert_int_equal(d.action, VMBD_TS_STEP);
	assert_true(d.step_ns == NS_PER_S + 1);
}

static void test_one_shot_backward_only_when_allowed(void **state)
{
	struct vmbd_ts_decision d;

	(void)state;
	d = decide(mk(-3 * NS_PER_S, NS_PER_S, 0, 0), &once_fwd, NULL);
	assert_int_equal(d.action, VMBD_TS_NONE);
	d = decide(mk(-3 * NS_PER_S, NS_PER_S, 0, 0), &once_back, NULL);
	assert_int_equal(d.action, VMBD_TS_STEP);
	assert_true(d.step_ns == -3 * NS_PER_S);
	/* Ahead at all counts (open-vm-tools: guest - host > 0). */
	d = decide(mk(-1, NS_PER_S, 0, 0), &once_back, NULL);
	assert_int_equal(d.action, VMBD_TS_STEP);
	assert_true(d.step_ns == -1);
	d = decide(mk(0, NS_PER_S, 0, 0), &once_back, NULL);
	assert_int_equal(d.action, VMBD_TS_NONE);
}

static void test_interrupt_lag_is_not_guest_error(void **state)
{
	struct vmbd_ts_decision d;

	(void)state;
	/* 1.5 s behind, of which 1 s is the host's interrupt lag: the
	 * guest's own error is 0.5 s, within the 1 s max lag. */
	d = decide(mk(1500 * NS_PER_MS, NS_PER_S, 1, NS_PER_S), &once_fwd,
		   NULL);
	assert_int_equal(d.action, VMBD_TS_NONE);
	assert_true(d.error_ns == 500 * NS_PER_MS);
	/* 2.5 s behind with 1 s lag: step, and the step covers all of it. */
	d = decide(mk(2500 * NS_PER_MS, NS_PER_S, 1, NS_PER_S), &loop_plain,
		   NULL);
	assert_int_equal(d.action, VMBD_TS_STEP);
	assert_true(d.step_ns == 2500 * NS_PER_MS);
	/* A lag the host did not report is ignored. */
	d = decide(mk(1500 * NS_PER_MS, NS_PER_S, 0, NS_PER_S), &once_fwd,
		   NULL);
	assert_int_equal(d.action, VMBD_TS_STEP);
}

static void test_loop_never_steps_backward(void **state)
{
	struct vmbd_ts_decision d;
	struct vmbd_ts_mode loop_back = loop_plain;

	(void)state;
	loop_back.backward = 1; /* ignored in loop mode */
	d = decide(mk(-3600 * NS_PER_S, NS_PER_S, 1, 0), &loop_back, NULL);
	assert_int_equal(d.action, VMBD_TS_NONE);
	d = decide(mk(-10 * NS_PER_S, NS_PER_S, 1, 0), &loop_slew, NULL);
	assert_int_equal(d.action, VMBD_TS_SLEW);
	assert_true(d.slew_offset_ns == -5 * NS_PER_S);
	d = decide(mk(4 * NS_PER_S, NS_PER_S, 1, 0), &loop_slew, NULL);
	assert_int_equal(d.action, VMBD_TS_STEP);
	assert_true(d.step_ns == 4 * NS_PER_S);
}

static void test_loop_slew_rules(void **state)
{
	struct vmbd_ts_decision d;
	struct vmbd_ts_mode m = loop_slew;

	(void)state;
	/* As vmtoolsd 12.2 with slewCorrection 1, 0.5 s behind, period 5 s. */
	m.period_s = 5;
	d = decide(mk(500 * NS_PER_MS, NS_PER_S, 1, 0), &m, NULL);
	assert_int_equal(d.action, VMBD_TS_SLEW);
	assert_true(d.slew_offset_ns == 250 * NS_PER_MS);
	assert_true(d.slew_period_ns == 5 * NS_PER_S);
	assert_true(d.freq_ppb == 0);
	m.percent = 30;
	d = decide(mk(-NS_PER_S, NS_PER_S, 1, 0), &m, NULL);
	assert_true(d.slew_offset_ns == -300 * NS_PER_MS);
	/* Slew off, or no interrupt lag from the host: no slew. */
	d = decide(mk(500 * NS_PER_MS, NS_PER_S, 1, 0), &loop_plain, NULL);
	assert_int_equal(d.action, VMBD_TS_NONE);
	d = decide(mk(500 * NS_PER_MS, NS_PER_S, 0, 0), &loop_slew, NULL);
	assert_int_equal(d.action, VMBD_TS_NONE);
	/* Slew amount of a huge lead does not overflow. */
	m.percent = 100;
	d = decide(mk(-INT64_C(90) * 366 * 86400 * NS_PER_S, NS_PER_S, 1, 0), &m,
		   NULL);
	assert_true(d.slew_offset_ns == -INT64_C(90) * 366 * 86400 * NS_PER_S);
}

static void test_invalid_samples_never_step(void **state)
{
	struct vmbd_ts_decision d;
	struct vmbd_ts_sample s;
	struct vmbd_ts_mode m;

	(void)state;
#define EXPECT_ERR(smp, mode, err)                                             \
	do {                                                                   \
		s = (smp);                                                     \
		memset(&d, 0x77, sizeof(d));                                   \
		assert_int_equal(vmbd_ts_decide(&s, (mode), NULL, &d), err);   \
		assert_int_equal(d.action, VMBD_TS_NONE);                      \
		assert_true(d.step_ns == 0);                                   \
	} while (0)
	s = mk(5 * NS_PER_S, NS_PER_S, 0, 0);
	s.host_ns = 0;
	EXPECT_ERR(s, &once_back, VMBD_EBADTIME);
	s = mk(5 * NS_PER_S, NS_PER_S, 0, 0);
	s.host_ns = -1;
	EXPECT_ERR(s, &once_back, VMBD_EBADTIME);
	s = mk(5 * NS_PER_S, NS_PER_S, 0, 0);
	s.guest_ns = 0;
	EXPECT_ERR(s, &once_back, VMBD_EBADTIME);
	EXPECT_ERR(mk(5 * NS_PER_S, -1, 0, 0), &once_back, VMBD_ERANGE);
	EXPECT_ERR(mk(5 * NS_PER_S, VMBD_TS_MAX_LAG_NS + 1, 0, 0), &once_back,
		   VMBD_ERANGE);
	EXPECT_ERR(mk(5 * NS_PER_S, NS_PER_S, 1, -1), &once_back,
		   VMBD_ERANGE);
	EXPECT_ERR(mk(5 * NS_PER_S, NS_PER_S, 1, VMBD_TS_MAX_LAG_NS + 1),
		   &loop_slew, VMBD_ERANGE);
	s = mk(0, NS_PER_S, 0, 0);
	s.guest_ns = s.host_ns + VMBD_TS_MAX_STEP_NS + 1;
	EXPECT_ERR(s, &once_back, VMBD_ERANGE);
	s = mk(0, NS_PER_S, 0, 0);
	s.host_ns = INT64_MAX;
	s.guest_ns = 1;
	EXPECT_ERR(s, &once_fwd, VMBD_ERANGE);
	/* Nonsense modes. */
	m = loop_slew;
	m.period_s = 0;
	EXPECT_ERR(mk(5 * NS_PER_S, NS_PER_S, 1, 0), &m, VMBD_EINVAL);
	m = loop_slew;
	m.percent = 0;
	EXPECT_ERR(mk(5 * NS_PER_S, NS_PER_S, 1, 0), &m, VMBD_EINVAL);
	m.percent = 101;
	EXPECT_ERR(mk(5 * NS_PER_S, NS_PER_S, 1, 0), &m, VMBD_EINVAL);
#undef EXPECT_ERR
	s = mk(5 * NS_PER_S, NS_PER_S, 0, 0);
	assert_int_equal(vmbd_ts_decide(NULL, &once_fwd, NULL, &d),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_ts_decide(&s, NULL, NULL, &d), VMBD_EINVAL);
	assert_int_equal(vmbd_ts_decide(&s, &once_fwd, NULL, NULL),
			 VMBD_EINVAL);
	/* Garbage in a lag the host did not report is not an error. */
	s = mk(5 * NS_PER_S, NS_PER_S, 0, -123);
	assert_int_equal(vmbd_ts_decide(&s, &once_fwd, NULL, &d), 0);
	assert_int_equal(d.action, VMBD_TS_STEP);
}

static void test_estimator_init_and_step_resets_history(void **state)
{
	struct vmbd_ts_estimator est;
	struct vmbd_ts_decision d;
	struct vmbd_ts_sample s;

	(void)state;
	memset(&est, 0x3c, sizeof(est));
	vmbd_ts_estimator_init(&est);
	assert_true(est.freq_ppb == 0);
	assert_int_equal(est.have_last, 0);
	vmbd_ts_estimator_init(NULL); /* no crash */

	s = mk(10 * NS_PER_MS, NS_PER_S, 1, 0);
	d = decide(s, &loop_slew, &est);
	assert_int_equal(d.action, VMBD_TS_SLEW);
	assert_int_equal(est.have_last, 1);
	assert_int_equal(est.updates, 0);
	est.freq_ppb = 1234;
	d = decide(mk(3 * NS_PER_S, NS_PER_S, 1, 0), &loop_slew, &est);
	assert_int_equal(d.action, VMBD_TS_STEP);
	/* After a step the offset history is void but the frequency the
	 * daemon keeps applying is reported and kept. */
	assert_int_equal(est.have_last, 0);
	assert_true(d.freq_ppb == 1234);
	assert_true(est.freq_ppb == 1234);
	/* One-shot steps void it too (the clock jumped under the loop). */
	d = decide(s, &loop_slew, &est);
	assert_int_equal(est.have_last, 1);
	d = decide(mk(-3 * NS_PER_S, NS_PER_S, 1, 0), &once_back, &est);
	assert_int_equal(d.action, VMBD_TS_STEP);
	assert_int_equal(est.have_last, 0);
	assert_true(d.freq_ppb == 0); /* one-shot never slews */
}

static void test_estimator_first_interval_locks_frequency(void **state)
{
	struct vmbd_ts_estimator est;
	struct vmbd_ts_decision d;
	struct vmbd_ts_sample s;

	(void)state;
	vmbd_ts_estimator_init(&est);
	/* Guest exactly on time, then one period later 6 ms ahead although
	 * nothing was slewed: it runs 100 ppm fast. */
	s = mk(0, NS_PER_S, 1, 0);
	d = decide(s, &loop_slew, &est);
	assert_true(d.slew_offset_ns == 0);
	s.host_ns += 60 * NS_PER_S;
	s.guest_ns = s.host_ns + 6 * NS_PER_MS;
	d = decide(s, &loop_slew, &est);
	assert_int_equal(d.action, VMBD_TS_SLEW);
	assert_true(d.freq_ppb == -100000);
	assert_true(d.slew_offset_ns == -3 * NS_PER_MS);
	assert_int_equal(est.freq_locked, 1);
	assert_int_equal(est.updates, 1);
	/* A sample far off schedule (10 periods later) teaches nothing. */
	s.host_ns += 600 * NS_PER_S;
	s.guest_ns = s.host_ns + 50 * NS_PER_MS;
	d = decide(s, &loop_slew, &est);
	assert_int_equal(est.updates, 1);
	assert_true(d.freq_ppb == -100000);
}

static void test_estimator_frequency_is_clamped(void **state)
{
	struct vmbd_ts_estimator est;
	struct vmbd_ts_decision d;
	struct vmbd_ts_sample s;

	(void)state;
	vmbd_ts_estimator_init(&est);
	s = mk(0, NS_PER_S, 1, 0);
	d = decide(s, &loop_slew, &est);
	/* 900 ppm fast: beyond what a kernel accepts. */
	s.host_ns += 60 * NS_PER_S;
	s.guest_ns = s.host_ns + 54 * NS_PER_MS;
	d = decide(s, &loop_slew, &est);
	assert_true(d.freq_ppb == -VMBD_TS_MAX_FREQ_PPB);
}

/* ---- convergence on a drifting clock ------------------------------------
 *
 * Plain integer model of a guest clock against a perfect host, one step
 * per second. The guest runs drift_ppb fast; the daemon applies each
 * decision as clock.h's slew() contract says: the frequency correction
 * holds, the offset is spread evenly over the period (Linux ADJ_TICK) or,
 * with adjtime_rate_ppb > 0, applied at that rate until done and replaced
 * by the next slew (the simulator's and BSD adjtime()). Sampling error:
 * deterministic pseudo-random noise up to noise_ns.
 */
struct drift_run {
	int64_t drift_ppb;
	uint32_t period_s;
	uint32_t percent;
	int64_t noise_ns;
	int64_t adjtime_rate_ppb; /* 0: even spread over the period */
	int use_estimator;
	unsigned periods;
	/* results over the second half of the run */
	int64_t rms_ns;
	int64_t max_abs_ns;
	unsigned steps;
};

static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1664525u + 1013904223u;
	return *x >> 8;
}

static int64_t isqrt64(uint64_t v)
{
	uint64_t r = 0, bit = (uint64_t)1 << 62;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return (int64_t)r;
}

static void run_drift(struct drift_run *r)
{
	struct vmbd_ts_estimator est;
	struct vmbd_ts_mode mode = {1, 0, 1, r->percent, r->period_s};
	int64_t host = T0_S * NS_PER_S;
	int64_t offset = 0; /* guest - host */
	int64_t freq = 0, slew_rate = 0, pending = 0;
	uint64_t sumsq = 0, n = 0;
	uint32_t seed = 12345;
	unsigned k, sec;

	vmbd_ts_estimator_init(&est);
	r->max_abs_ns = 0;
	r->steps = 0;
	for (k = 0; k < r->periods; k++) {
		struct vmbd_ts_sample s;
		struct vmbd_ts_decision d;
		int64_t noise = (int64_t)(lcg(&seed) % (uint32_t)(2 * r->noise_ns + 1)) -
				r->noise_ns;

		memset(&s, 0, sizeof(s));
		s.host_ns = host;
		s.guest_ns = host + offset + noise;
		s.max_lag_ns = NS_PER_S;
		s.has_interrupt_lag = 1;
		assert_int_equal(vmbd_ts_decide(&s, &mode,
						r->use_estimator ? &est : NULL,
						&d),
				 0);
		if (d.action == VMBD_TS_STEP) {
			offset += d.step_ns;
			r->steps++;
			pending = 0;
			slew_rate = 0;
		} else if (d.action == VMBD_TS_SLEW) {
			freq = d.freq_ppb;
			pending = d.slew_offset_ns;
			slew_rate = d.slew_offset_ns * NS_PER_S / d.slew_period_ns;
		}
		for (sec = 0; sec < r->period_s; sec++) {
			/* ppb over one second is ns. */
			int64_t gain = r->drift_ppb + freq;

			if (r->adjtime_rate_ppb > 0) {
				int64_t a = pending;

				if (a > r->adjtime_rate_ppb)
					a = r->adjtime_rate_ppb;
				if (a < -r->adjtime_rate_ppb)
					a = -r->adjtime_rate_ppb;
				pending -= a;
				gain += a;
			} else {
				gain += slew_rate;
			}
			/* Rate of the guest clock times 1 s, exact. */
			offset += gain;
			host += NS_PER_S;
			if (k >= r->periods / 2) {
				int64_t a = offset < 0 ? -offset : offset;

				int64_t us = offset / 1000;

				/* In us so that hours of 60 ms errors fit. */
				sumsq += (uint64_t)(us * us);
				n++;
				if (a > r->max_abs_ns)
					r->max_abs_ns = a;
			}
		}
	}
	r->rms_ns = isqrt64(sumsq / n) * 1000;
}

static void print_run(const char *what, const struct drift_run *r)
{
	printf("%-28s drift %+5lld ppm period %3u s %3u%%: rms %7.3f ms max "
	       "%7.3f ms steps %u\n",
	       what, (long long)(r->drift_ppb / 1000), r->period_s, r->percent,
	       (double)r->rms_ns / 1e6, (double)r->max_abs_ns / 1e6, r->steps);
}

/* Property: with the estimator, a guest drifting +-200 ppm settles well
 * under 1 ms RMS (both slew styles, with 100 us sampling noise), where the
 * proportional slew of open-vm-tools alone keeps a steady error of
 * drift * period / percent (24 ms here). */
static void test_estimator_converges_on_drifting_clock(void **state)
{
	static const int64_t drifts[] = {200000, -200000, 50000, -500000};
	static const int64_t adjtime_rates[] = {0, 500000};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(drifts) / sizeof(drifts[0]); i++) {
		for (j = 0; j < 2; j++) {
			struct drift_run r = {drifts[i], 60, 50, 100000,
					      adjtime_rates[j], 1, 240,
					      0, 0, 0};
			struct drift_run plain = r;

			run_drift(&r);
			print_run(j ? "estimator, adjtime slew" :
				      "estimator, tick slew", &r);
			assert_true(r.rms_ns < NS_PER_MS);
			assert_int_equal(r.steps, 0);

			plain.use_estimator = 0;
			run_drift(&plain);
			print_run("open-vm-tools proportional", &plain);
			/* Steady error ~ drift * period / percent. */
			if (i < 2)
				assert_true(plain.rms_ns > 10 * NS_PER_MS);
		}
	}
}

/* Other loop settings converge too: short and long periods, extreme
 * percentages. */
static void test_estimator_converges_across_settings(void **state)
{
	static const struct {
		uint32_t period_s, percent;
		unsigned periods;
	} cfg[] = {{5, 50, 2000}, {300, 50, 100}, {60, 100, 300},
		   {60, 10, 1500}, {60, 1, 6000}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		struct drift_run r = {-200000, cfg[i].period_s, cfg[i].percent,
				      100000, 0, 1, cfg[i].periods, 0, 0, 0};

		run_drift(&r);
		print_run("estimator", &r);
		assert_true(r.rms_ns < NS_PER_MS);
	}
}

/* ---- phase apart from frequency ------------------------------------------
 *
 * A guest clock under the loop, one period at a time, with every slew
 * completed within its period (Linux ADJ_TICK): offset (guest - host)
 * moves by (drift + correction) * T less the slewed offset.
 */
struct phase_model {
	int64_t drift_ppb;
	int64_t offset_ns;
	int64_t host_ns;
	int64_t freq_ppb;
};

static void model_period(struct phase_model *m, struct vmbd_ts_estimator *est)
{
	struct vmbd_ts_sample s;
	struct vmbd_ts_decision d;

	memset(&s, 0, sizeof(s));
	s.host_ns = m->host_ns;
	s.guest_ns = m->host_ns + m->offset_ns;
	s.max_lag_ns = 5 * NS_PER_S; /* the tests below never step */
	s.has_interrupt_lag = 1;
	d = decide(s, &loop_slew, est);
	assert_int_equal(d.action, VMBD_TS_SLEW);
	m->freq_ppb = d.freq_ppb;
	/* ppb times 60 s is 60 ns per ppb. */
	m->offset_ns += (m->drift_ppb + m->freq_ppb) * 60 + d.slew_offset_ns;
	m->host_ns += 60 * NS_PER_S;
}

static void model_start(struct phase_model *m, int64_t drift_ppb,
			int64_t offset_ns, struct vmbd_ts_estimator *est)
{
	memset(m, 0, sizeof(*m));
	m->drift_ppb = drift_ppb;
	m->offset_ns = offset_ns;
	m->host_ns = T0_S * NS_PER_S;
	vmbd_ts_estimator_init(est);
}

static int64_t abs_i64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* Property: an offset step (the host clock jumps 3 s back, or 20 ms) after
 * the frequency is locked is slewed away without moving the frequency:
 * it is phase, not rate. (The demo's -3 s host jump used to drive the
 * correction to the -500 ppm clamp.) */
static void test_estimator_phase_jump_keeps_frequency(void **state)
{
	static const int64_t jumps[] = {3 * NS_PER_S, -3 * NS_PER_S,
					20 * NS_PER_MS, -700 * NS_PER_MS};
	struct vmbd_ts_estimator est;
	struct phase_model m;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		model_start(&m, 100000, 0, &est);
		for (k = 0; k < 20; k++)
			model_period(&m, &est);
		assert_true(abs_i64(est.freq_ppb + 100000) <= 1000);
		m.offset_ns += jumps[i];
		for (k = 0; k < 40; k++) {
			model_period(&m, &est);
			assert_true(abs_i64(est.freq_ppb + 100000) <= 1000);
		}
		assert_true(abs_i64(m.offset_ns) < 100 * NS_PER_US);
	}
}

/* Property: a startup offset is not taken for a frequency error: a guest
 * with a perfect oscillator 300 ms behind gets no correction beyond 1 ppm
 * while the offset is slewed in. */
static void test_estimator_startup_offset_not_integrated(void **state)
{
	struct vmbd_ts_estimator est;
	struct phase_model m;
	int k;

	(void)state;
	model_start(&m, 0, -300 * NS_PER_MS, &est);
	for (k = 0; k < 40; k++) {
		model_period(&m, &est);
		assert_true(abs_i64(est.freq_ppb) <= 1000);
	}
	assert_int_equal(est.freq_locked, 1);
	assert_true(abs_i64(m.offset_ns) < 10 * NS_PER_US);
}

/* A real rate change (the VM moved to another host) shows as the same
 * implausible residual period after period: after three the estimator
 * believes it and locks again. One implausible residual alone is a jump
 * and changes nothing. */
static void test_estimator_relocks_on_rate_change(void **state)
{
	struct vmbd_ts_estimator est;
	struct phase_model m;
	int k;

	(void)state;
	model_start(&m, 100000, 0, &est);
	for (k = 0; k < 20; k++)
		model_period(&m, &est);
	m.drift_ppb = 400000;
	model_period(&m, &est);
	model_period(&m, &est);
	assert_int_equal(est.outliers, 1);
	assert_true(abs_i64(est.freq_ppb + 100000) <= 1000);
	for (k = 0; k < 40; k++)
		model_period(&m, &est);
	assert_int_equal(est.outliers, 0);
	assert_true(abs_i64(est.freq_ppb + 400000) <= 1000);
	assert_true(abs_i64(m.offset_ns) < 100 * NS_PER_US);
}

/* After the lock each measurement moves the correction by a quarter of
 * the residual, so one noisy sample cannot throw it far. */
static void test_estimator_refines_by_a_quarter(void **state)
{
	struct vmbd_ts_estimator est;
	struct vmbd_ts_decision d;
	struct vmbd_ts_sample s;
	uint32_t updates;

	(void)state;
	vmbd_ts_estimator_init(&est);
	s = mk(0, NS_PER_S, 1, 0);
	decide(s, &loop_slew, &est);
	s.host_ns += 60 * NS_PER_S;
	s.guest_ns = s.host_ns;
	d = decide(s, &loop_slew, &est); /* locked at 0 */
	assert_int_equal(est.freq_locked, 1);
	updates = est.updates;
	/* 4.8 ms ahead after a period with nothing slewed: 80 ppm fast. */
	s.host_ns += 60 * NS_PER_S;
	s.guest_ns = s.host_ns + 4800 * NS_PER_US;
	d = decide(s, &loop_slew, &est);
	assert_true(d.freq_ppb == -20000);
	assert_int_equal(est.updates, updates + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_first_pair_good),
		cmocka_unit_test(test_sample_keeps_tightest_of_four),
		cmocka_unit_test(test_sample_stops_at_first_good_pair),
		cmocka_unit_test(test_sample_host_backwards_pair_refused),
		cmocka_unit_test(test_sample_bad_host_time),
		cmocka_unit_test(test_sample_callback_errors),
		cmocka_unit_test(test_one_shot_steps_forward_beyond_max_lag),
		cmocka_unit_test(test_one_shot_backward_only_when_allowed),
		cmocka_unit_test(test_interrupt_lag_is_not_guest_error),
		cmocka_unit_test(test_loop_never_steps_backward),
		cmocka_unit_test(test_loop_slew_rules),
		cmocka_unit_test(test_invalid_samples_never_step),
		cmocka_unit_test(test_estimator_init_and_step_resets_history),
		cmocka_unit_test(test_estimator_first_interval_locks_frequency),
		cmocka_unit_test(test_estimator_frequency_is_clamped),
		cmocka_unit_test(test_estimator_converges_on_drifting_clock),
		cmocka_unit_test(test_estimator_converges_across_settings),
		cmocka_unit_test(test_estimator_phase_jump_keeps_frequency),
		cmocka_unit_test(test_estimator_startup_offset_not_integrated),
		cmocka_unit_test(test_estimator_relocks_on_rate_change),
		cmocka_unit_test(test_estimator_refines_by_a_quarter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
