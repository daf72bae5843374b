/*
 * Model-based property test of the policy engine.
 *
 * Runs VMBD_PROPERTY_ITERS (default 100000) seeded random command
 * sequences, each one engine lifetime with random local veto flags
 * (sometimes changed mid-sequence with vmbd_policy_set_local), of
 * valid commands, invalid values, mutated commands and raw garbage
 * (NULs, high bytes). An independent reference model, written from
 * PROTOCOL.md section 6 and policy.h, interprets every command too.
 * After every command these properties must hold:
 *
 *  P1 every reply is "OK ..." or "ERROR ...", NUL-terminated at
 *     reply_len, inside its buffer, and the exact text the model expects;
 *  P2 no backward step unless the sequence allowed it: a SYNC_ONCE has
 *     backward=1 only for Time_Synchronize 1, a stopped->running synctime
 *     with tools.enable, or startup with startup.backward 1 - and never
 *     under the never_backward veto;
 *  P3 at most one startup sync per lifetime;
 *  P4 the loop runs (LOOP_START/LOOP_STOP folded, the settings, and the
 *     tick) exactly when synctime was last set to 1, allow is not 0 and
 *     no local veto stops it;
 *  P5 no sync at all while allow is 0 or disable_all is set, and exactly
 *     the syncs the model expects otherwise;
 *  P6 the engine never writes past its buffers: guard bytes around the
 *     policy and the result stay intact, n_actions stays in bounds, and
 *     each command sits in an exactly sized heap block (ASan builds catch
 *     any over-read).
 *
 * VMBD_PROPERTY_SEED picks the seed (default fixed, so CI is repeatable).
 * A failure prints the seed, the sequence number and the commands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/policy.h>

#define NS_PER_S INT64_C(1000000000)
#define MAX_SEQ 40
#define MAX_CMD 96

/* ---- random numbers (xorshift64*, seeded) ---------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* ---- the reference model ----------------------------------------------
 * Deliberately written differently from lib/policy*.c: it works on a
 * NUL-terminated copy where possible and validates numbers by comparing
 * digit strings, not by arithmetic. */

enum { M_INIT, M_STOPPED, M_RUNNING };

struct model {
	struct vmbd_policy_local local;
	int loop, enable, startup_done, startup_back, allow;
	/* what the current command should do */
	const char *reply;
	int sync;        /* a sync was requested by the host */
	int sync_back;   /* ... with backward allowed */
	int sync_cause;
};

static const char *const bool_opts[] = {
	"synctime",
	"time.synchronize.tools.enable",
	"time.synchronize.tools.startup",
	"time.synchronize.tools.startup.backward",
	"time.synchronize.tools.slewCorrection",
	"time.synchronize.allow",
	"time.synchronize.guest.resync",
};
static const char *const num_opts[] = {
	"synctime.period",
	"time.synchronize.tools.percentCorrection",
	"time.synchronize.guest.resync.timeout",
};
#define N_BOOL (sizeof(bool_opts) / sizeof(bool_opts[0]))
#define N_NUM (sizeof(num_opts) / sizeof(num_opts[0]))

/* s[0..n) is a decimal that fits in 32 bits: digits only, and after
 * leading zeros at most "4294967295" by string comparison. *is_one says
 * whether it is exactly 1 (all Time_Synchronize needs to know). */
static int model_u32(const char *s, size_t n, int *is_one)
{
	size_t i, z = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	while (z < n - 1 && s[z] == '0')
		z++;
	if (n - z > 10 || (n - z == 10 && memcmp(s + z, "4294967295", 10) > 0))
		return 0;
	*is_one = (n - z == 1 && s[z] == '1');
	return 1;
}

static void model_sync(struct model *m, int back, int cause)
{
	m->sync = 1;
	m->sync_back = back;
	m->sync_cause = cause;
}

static int model_set_option(struct model *m, const char *a, size_t n)
{
	size_t i;

	for (i = 0; i < N_BOOL + N_NUM; i++) {
		const char *name = i < N_BOOL ? bool_opts[i] : num_opts[i - N_BOOL];
		size_t k = strlen(name);
		const char *v = a + k + 1;
		size_t vn;
		int one = 0, b;

		if (n < k + 2 || memcmp(a, name, k) != 0 || a[k] != ' ')
			continue;
		vn = n - k - 1;
		if (i >= N_BOOL)
			return model_u32(v, vn, &one);
		if (vn != 1 || (v[0] != '0' && v[0] != '1'))
			return 0;
		b = v[0] == '1';
		if (strcmp(name, "synctime") == 0) {
			if (!b) {
				m->loop = M_STOPPED;
			} else if (m->loop != M_RUNNING) {
				if (m->loop == M_STOPPED && m->enable)
					model_sync(m, 1, VMBD_SYNC_LOOP_ENABLE);
				m->loop = M_RUNNING;
			}
		} else if (strcmp(name, "time.synchronize.tools.enable") == 0) {
			m->enable = b;
		} else if (strcmp(name, "time.synchronize.tools.startup") == 0) {
			if (!m->startup_done && b)
				model_sync(m, m->startup_back,
					   VMBD_SYNC_STARTUP);
			m->startup_done = 1;
		} else if (strcmp(name,
				  "time.synchronize.tools.startup.backward") ==
			   0) {
			m->startup_back = b;
		} else if (strcmp(name, "time.synchronize.allow") == 0) {
			m->allow = b;
		}
		return 1;
	}
	return 0;
}

static void model_feed(struct model *m, const char *cmd, size_t n)
{
	size_t i, name_n;

	m->sync = 0;
	if (n > 0 && cmd[n - 1] == '\0')
		n--;
	for (i = 0; i < n && cmd[i] == ' '; i++)
		;
	if (i == n) {
		m->reply = "ERROR Bad command";
		return;
	}
	for (name_n = 0; name_n < n && cmd[name_n] != ' '; name_n++)
		;
#define IS(lit) (name_n == strlen(lit) && memcmp(cmd, lit, name_n) == 0)
	if (IS("reset")) {
		m->reply = "OK ATR toolbox";
	} else if (IS("ping") || IS("Capabilities_Register") ||
		   IS("OS_Halt") || IS("OS_Reboot") || IS("OS_PowerOn") ||
		   IS("OS_Resume") || IS("OS_Suspend")) {
		m->reply = "OK ";
	} else if (IS("TimeInfo_Update")) {
		m->reply = "ERROR TimeInfo not enabled";
	} else if (IS("Time_Synchronize")) {
		size_t s = name_n + 1, e;
		int one = 0;

		while (s < n && cmd[s] == ' ')
			s++;
		for (e = s; e < n && cmd[e] != ' '; e++)
			;
		if (name_n < n && e > s && model_u32(cmd + s, e - s, &one)) {
			m->reply = "OK ";
			model_sync(m, one, VMBD_SYNC_HOST_REQUEST);
		} else {
			m->reply = "ERROR Unable to tokenize TimeSync RPC data";
		}
	} else if (IS("Set_Option")) {
		if (name_n < n &&
		    model_set_option(m, cmd + name_n + 1, n - name_n - 1))
			m->reply = "OK ";
		else
			m->reply = "ERROR Unknown or invalid option";
	} else {
		m->reply = "ERROR Unknown Command";
	}
#undef IS
}

static int model_loop_active(const struct model *m)
{
	return m->loop == M_RUNNING && m->allow && !m->local.disable_all &&
	       !m->local.disable_periodic;
}

/* ---- command generator ------------------------------------------------ */

static size_t put(char *buf, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf, s, n);
	return n;
}

static const char *random_number(void)
{
	static const char *const nums[] = {
		"0", "1", "2", "5", "60", "100", "101", "007", "4294967295",
		"4294967296", "99999999999999999999", "-1", "+1", "0x10", " 1",
		"1 ", "1x", "", "abc", "1.5"};

	return nums[pick(sizeof(nums) / sizeof(nums[0]))];
}

static const char *random_bool(void)
{
	static const char *const vals[] = {"0", "1", "0", "1", "0", "1",
					   "2", "yes", "", " 1", "1 ", "01",
					   "true", "-0"};

	return vals[pick(sizeof(vals) / sizeof(vals[0]))];
}

/* A well-formed or nearly well-formed command. */
static size_t gen_structured(char *buf)
{
	static const char *const plain[] = {
		"reset", "ping", "Capabilities_Register", "OS_Halt",
		"OS_Reboot", "OS_PowerOn", "OS_Resume", "OS_Suspend",
		"Broadcast_IP", "Time_Synchronize", "Set_Option", "Foo",
		"TimeInfo_Update"};
	size_t n = 0;
	unsigned r = pick(100);

	if (r < 15) {
		n += put(buf, plain[pick(sizeof(plain) / sizeof(plain[0]))]);
	} else if (r < 35) {
		n += put(buf, "Time_Synchronize ");
		n += put(buf + n, random_number());
	} else if (r < 50) {
		/* The loop-driving options, often. */
		static const char *const hot[] = {
			"synctime", "time.synchronize.allow",
			"time.synchronize.tools.enable"};

		n += put(buf, "Set_Option ");
		n += put(buf + n, hot[pick(3)]);
		n += put(buf + n, " ");
		n += put(buf + n, pick(4) ? (pick(2) ? "1" : "0")
					  : random_bool());
	} else if (r < 75) {
		n += put(buf, "Set_Option ");
		n += put(buf + n, bool_opts[pick(N_BOOL)]);
		n += put(buf + n, " ");
		n += put(buf + n, random_bool());
	} else if (r < 92) {
		n += put(buf, "Set_Option ");
		n += put(buf + n, num_opts[pick(N_NUM)]);
		n += put(buf + n, " ");
		n += put(buf + n, random_number());
	} else {
		static const char *const bad[] = {
			"Set_Option broadcastIP 1", "Set_Option synctime",
			"Set_Option ", "Set_Option  synctime 1",
			"Set_Option time.synchronize.tools.backward 1",
			"set_option synctime 1", " ping", ""};

		n += put(buf, bad[pick(sizeof(bad) / sizeof(bad[0]))]);
	}
	if (pick(10) == 0)
		buf[n++] = '\0'; /* sender counted the terminator */
	return n;
}

static size_t gen_garbage(char *buf)
{
	size_t n = pick(MAX_CMD - 8), i;

	for (i = 0; i < n; i++)
		buf[i] = pick(4) ? (char)pick(256) : " 01\0"[pick(4)];
	return n;
}

static size_t mutate(char *buf, size_t n)
{
	size_t at = n ? pick((unsigned)n) : 0;

	switch (pick(3)) {
	case 0: /* replace */
		if (n)
			buf[at] = (char)pick(256);
		break;
	case 1: /* delete */
		if (n) {
			memmove(buf + at, buf + at + 1, n - at - 1);
			n--;
		}
		break;
	default: /* insert */
		memmove(buf + at + 1, buf + at, n - at);
		buf[at] = (char)" 1\0x"[pick(4)];
		n++;
		break;
	}
	return n;
}

static size_t gen_command(char *buf)
{
	unsigned r = pick(100);
	size_t n;

	if (r < 80)
		return gen_structured(buf);
	if (r < 92) {
		n = gen_structured(buf);
		return mutate(buf, n);
	}
	return gen_garbage(buf);
}

/* ---- running and checking --------------------------------------------- */

#define GUARD 64
#define GUARD_BYTE 0xc5

struct guarded_policy {
	unsigned char before[GUARD];
	struct vmbd_policy p;
	unsigned char after[GUARD];
};

struct guarded_result {
	unsigned char before[GUARD];
	struct vmbd_policy_result r;
	unsigned char after[GUARD];
};

struct seq_log {
	char cmd[MAX_SEQ][MAX_CMD];
	size_t len[MAX_SEQ];
	int n;
};

static int guards_ok(const unsigned char *a, const unsigned char *b)
{
	int i;

	for (i = 0; i < GUARD; i++)
		if (a[i] != GUARD_BYTE || b[i] != GUARD_BYTE)
			return 0;
	return 1;
}

static void dump_sequence(uint64_t seed, unsigned long seq,
			  const struct vmbd_policy_local *l,
			  const struct seq_log *log)
{
	int i;
	size_t j;

	printf("property failed: VMBD_PROPERTY_SEED=%llu sequence %lu, "
	       "local all=%d periodic=%d never_backward=%d\n",
	       (unsigned long long)seed, seq, l->disable_all,
	       l->disable_periodic, l->never_backward);
	for (i = 0; i < log->n; i++) {
		printf("  > \"");
		for (j = 0; j < log->len[i]; j++) {
			unsigned char c = (unsigned char)log->cmd[i][j];

			if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
				putchar(c);
			else
				printf("\\x%02x", c);
		}
		printf("\"\n");
	}
}

/* Check one command's outcome; returns a description of the broken
 * property or NULL. */
static const char *check(const struct model *m,
			 const struct vmbd_policy_result *r,
			 struct vmbd_policy *p, int *folded_active,
			 int *startup_syncs, int64_t now)
{
	const struct vmbd_policy_action *sync = NULL;
	struct vmbd_policy_settings s;
	struct vmbd_policy_tick t;
	size_t i, nsync = 0;
	int expect_sync, active;

	/* P1 */
	if (r->reply_len >= sizeof(r->reply) || r->reply[r->reply_len] != '\0' ||
	    strlen(r->reply) != r->reply_len)
		return "P1 reply not NUL-terminated within its buffer";
	if (strncmp(r->reply, "OK ", 3) != 0 &&
	    strncmp(r->reply, "ERROR ", 6) != 0)
		return "P1 reply is neither OK nor ERROR";
	if (strcmp(r->reply, m->reply) != 0)
		return "P1 reply differs from the model";
	/* P6 */
	if (r->n_actions > VMBD_POLICY_MAX_ACTIONS)
		return "P6 n_actions out of bounds";

	for (i = 0; i < r->n_actions; i++) {
		const struct vmbd_policy_action *a = &r->actions[i];

		if (a->type == VMBD_ACT_SYNC_ONCE) {
			nsync++;
			sync = a;
		} else if (a->type == VMBD_ACT_LOOP_START) {
			if (*folded_active)
				return "P4 LOOP_START while running";
			*folded_active = 1;
		} else if (a->type == VMBD_ACT_LOOP_STOP) {
			if (!*folded_active)
				return "P4 LOOP_STOP while not running";
			*folded_active = 0;
		} else if (a->type == VMBD_ACT_LOOP_PERIOD) {
			if (!*folded_active)
				return "P4 LOOP_PERIOD while not running";
		}
	}
	/* P5 */
	expect_sync = m->sync && m->allow && !m->local.disable_all;
	if (nsync != (size_t)expect_sync)
		return "P5 sync count differs from the model";
	if (sync != NULL) {
		/* P2 */
		if (sync->backward && (!m->sync_back || m->local.never_backward))
			return "P2 backward sync not allowed by the sequence";
		if (sync->backward != (m->sync_back && !m->local.never_backward))
			return "P2 backward flag differs from the model";
		if (sync->cause != m->sync_cause)
			return "P5 sync cause differs from the model";
		/* P3 */
		if (sync->cause == VMBD_SYNC_STARTUP && ++*startup_syncs > 1)
			return "P3 second startup sync";
	}
	/* P4 */
	active = model_loop_active(m);
	vmbd_policy_get_settings(p, &s);
	if (s.loop_state != m->loop)
		return "P4 loop state differs from the model";
	if (s.loop_active != active || *folded_active != active)
		return "P4 loop running differs from the model";
	if (pick(4) == 0) {
		vmbd_policy_tick(p, now, &t);
		if ((t.next_due_ns == VMBD_POLICY_NEVER) == active ||
		    (t.due && !active))
			return "P4 tick disagrees with the loop state";
	}
	return NULL;
}

/* P4 across a run-time veto change: the loop actions it yields keep the
 * folded state equal to the model's. */
static const char *change_local(struct model *m, struct vmbd_policy *p,
				int *folded_active, int64_t now)
{
	struct vmbd_policy_result r;
	struct vmbd_policy_settings s;
	size_t i;

	m->local.disable_all = pick(8) == 0;
	m->local.disable_periodic = pick(8) == 0;
	m->local.never_backward = pick(6) == 0;
	if (vmbd_policy_set_local(p, &m->local, now, &r) != 0 ||
	    r.reply_len != 0)
		return "set_local failed or produced a reply";
	for (i = 0; i < r.n_actions; i++) {
		if (r.actions[i].type == VMBD_ACT_LOOP_START && !*folded_active)
			*folded_active = 1;
		else if (r.actions[i].type == VMBD_ACT_LOOP_STOP &&
			 *folded_active)
			*folded_active = 0;
		else
			return "P4 set_local gave an unexpected action";
	}
	vmbd_policy_get_settings(p, &s);
	if (*folded_active != model_loop_active(m) ||
	    s.loop_active != *folded_active)
		return "P4 loop running differs after set_local";
	return NULL;
}

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long x;

	if (v == NULL || *v == '\0')
		return dflt;
	x = strtoul(v, &end, 10);
	return *end == '\0' ? x : dflt;
}

static void test_policy_properties(void **state)
{
	unsigned long iters = env_ulong("VMBD_PROPERTY_ITERS", 100000);
	uint64_t seed = env_ulong("VMBD_PROPERTY_SEED", 20240601);
	struct guarded_policy gp;
	struct guarded_result gr;
	unsigned long seq, commands = 0, syncs = 0, loops = 0, errors = 0;

	(void)state;
	rng_state = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
	memset(&gp, GUARD_BYTE, sizeof(gp));
	memset(&gr, GUARD_BYTE, sizeof(gr));
	for (seq = 0; seq < iters; seq++) {
		struct model m;
		struct seq_log log;
		int folded = 0, startup_syncs = 0, len, i;
		int64_t now = (int64_t)pick(1000) * NS_PER_S;

		memset(&m, 0, sizeof(m));
		m.local.disable_all = pick(8) == 0;
		m.local.disable_periodic = pick(8) == 0;
		m.local.never_backward = pick(6) == 0;
		m.allow = 1;
		m.loop = M_INIT;
		assert_int_equal(vmbd_policy_init(&gp.p, &m.local), 0);
		log.n = 0;
		len = 1 + (int)pick(MAX_SEQ);
		for (i = 0; i < len; i++) {
			char buf[MAX_CMD + 8];
			size_t n = gen_command(buf);
			char *heap = malloc(n ? n : 1);
			const char *why = NULL;

			assert_non_null(heap);
			memcpy(heap, buf, n);
			memcpy(log.cmd[log.n], buf, n);
			log.len[log.n++] = n;
			now += (int64_t)pick(120) * NS_PER_S;
			if (pick(40) == 0) {
				/* The administrator changes the veto. */
				why = change_local(&m, &gp.p, &folded, now);
				if (why != NULL) {
					dump_sequence(seed, seq, &m.local, &log);
					fail_msg("%s", why);
				}
			}
			model_feed(&m, heap, n);
			assert_int_equal(
				vmbd_policy_feed(&gp.p, heap, n, now, &gr.r), 0);
			free(heap);
			commands++;
			why = check(&m, &gr.r, &gp.p, &folded, &startup_syncs,
				    now);
			if (why == NULL &&
			    (!guards_ok(gp.before, gp.after) ||
			     !guards_ok(gr.before, gr.after)))
				why = "P6 guard bytes overwritten";
			if (why != NULL) {
				dump_sequence(seed, seq, &m.local, &log);
				printf("  reply \"%s\", %zu actions: %s\n",
				       gr.r.reply, gr.r.n_actions, why);
				fail_msg("%s", why);
			}
			syncs += m.sync;
			loops += (unsigned long)folded;
			errors += gr.r.reply[0] == 'E';
		}
	}
	printf("policy property: seed %llu, %lu sequences, %lu commands "
	       "(%lu ERROR replies), %lu host sync requests, %lu commands "
	       "with the loop running\n",
	       (unsigned long long)seed, iters, commands, errors, syncs, loops);
	/* The generator must reach the interesting states, or the
	 * properties hold vacuously. */
	if (iters >= 1000) {
		assert_true(syncs > iters / 10);
		assert_true(loops > iters / 10);
		assert_true(errors > commands / 10);
		assert_true(errors < commands * 9 / 10);
	}
}

/* The checker must be able to fail: a model that disagrees with the
 * engine (it believes tools.enable is always on) is caught. */
static void test_checker_catches_a_wrong_model(void **state)
{
	struct vmbd_policy p;
	struct vmbd_policy_result r;
	struct model m;
	int folded = 0, startup_syncs = 0;
	static const char *const cmds[] = {"Set_Option synctime 0",
					   "Set_Option synctime 1"};
	const char *why = NULL;
	int i;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.allow = 1;
	m.enable = 1; /* wrong on purpose */
	vmbd_policy_init(&p, NULL);
	for (i = 0; i < 2 && why == NULL; i++) {
		model_feed(&m, cmds[i], strlen(cmds[i]));
		vmbd_policy_feed(&p, cmds[i], strlen(cmds[i]), 0, &r);
		why = check(&m, &r, &p, &folded, &startup_syncs, 0);
	}
	assert_non_null(why);
	assert_string_equal(why, "P5 sync count differs from the model");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_catches_a_wrong_model),
		cmocka_unit_test(test_policy_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
