/*
 * Property test: for any single simulator fault (kind, step, repeat count,
 * value), any message sizes and LB or HB, one send + receive on a channel
 *   - returns success with byte-identical data (unless the host lies:
 *     a status fault that claims SUCCESS, or a wrong announced length),
 *     or one of the documented channel errors;
 *   - never writes past the caller's buffer;
 *   - makes at most VMBD_CHANNEL_MAX_TRIES times the calls of a clean
 *     transfer (nothing loops);
 *   - leaves a channel that, reopened, carries the next message.
 * Deterministic pseudo-random cases (xorshift, fixed seed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "channel_fixture.h"

#define CASES 3000
#define MAX_MSG 300

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int documented(int rc)
{
	static const int codes[] = {
		VMBD_OK, VMBD_ECLOSED, VMBD_EUNSENT, VMBD_ETIMEOUT,
		VMBD_EPOWEROFF, VMBD_ENOSUCCESS, VMBD_ECPT, VMBD_ENOSPC,
		VMBD_EPROTO,
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (rc == codes[i])
			return 1;
	return 0;
}

static void test_any_single_fault(void **state)
{
	static const uint32_t values[] = {
		0, 1, 3, 4, VMBD_MSG_SUCCESS, VMBD_MSG_CLOSED, VMBD_MSG_CPT,
		VMBD_MSG_POWEROFF, VMBD_MSG_TIMEOUT | VMBD_MSG_UNSENT, 0xFF00u,
		0xFFFFu, 0x7FFFFFFFu, 0xFFFFFFFFu,
	};
	static unsigned char req[4 + MAX_MSG], buf[MAX_MSG + 16];
	struct fx *x = *state;
	uint32_t seed = 0x1234567u;
	unsigned i, outcomes[VMBD_CHANNEL_BROKEN + 1] = {0};

	for (i = 0; i < CASES; i++) {
		struct vmbd_channel ch;
		size_t n = rnd(&seed) % MAX_MSG, m, len = 0, size;
		int hb = rnd(&seed) & 1, kind, rc, lying;
		uint32_t value;
		uint64_t before, clean;

		kind = 1 + (int)(rnd(&seed) % VMBD_SIM_FAULT_BAD_TYPE);
		memcpy(req, "echo", 4);
		fx_pattern(req + 4, n, i);
		m = n; /* echo */
		size = rnd(&seed) % 4 == 0 ? rnd(&seed) % (MAX_MSG + 1) : MAX_MSG;
		assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI,
						   hb ? 0 : VMBD_CHANNEL_NO_HB),
				 VMBD_OK);
		value = values[rnd(&seed) % (sizeof(values) / sizeof(values[0]))];
		lying = (kind == VMBD_SIM_FAULT_STATUS &&
			 (value & VMBD_MSG_SUCCESS)) ||
			kind == VMBD_SIM_FAULT_LENGTH;
		vmbd_sim_rpc_set_fault(x->sim, kind, 1 + rnd(&seed) % 12,
				       1 + rnd(&seed) % 4, value);
		memset(buf, 0xEE, sizeof(buf));
		before = fx_calls(x);
		rc = vmbd_channel_send(&ch, req, n + 4);
		if (rc == VMBD_OK)
			rc = vmbd_channel_recv(&ch, buf, size, &len);
		assert_true(documented(rc));
		if (rc == VMBD_OK && !lying) {
			if (len != m)
				print_message("case %u: kind %d value %x hb %d "
					      "n %zu len %zu\n",
					      i, kind, value, hb, n, len);
			assert_int_equal(len, m);
			assert_memory_equal(buf, req + 4, m);
		}
		assert_int_equal(buf[size], 0xEE);
		assert_int_equal(buf[sizeof(buf) - 1], 0xEE);
		clean = hb ? 5 : 3 + fx_words(n + 4) + fx_words(m);
		assert_true(fx_calls(x) - before <=
			    VMBD_CHANNEL_MAX_TRIES * clean);
		outcomes[ch.state]++;

		/* Whatever happened, a reopened channel works. */
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_NONE, 0, 0, 0);
		if (!vmbd_channel_is_open(&ch))
			assert_int_equal(vmbd_channel_reopen(&ch), VMBD_OK);
		assert_int_equal(vmbd_channel_send(&ch, "echook", 6), VMBD_OK);
		assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf), &len),
				 VMBD_OK);
		assert_int_equal(len, 2);
		assert_memory_equal(buf, "ok", 2);
		(void)vmbd_channel_close(&ch);
		/* Fresh host for the next case (faults may leak slots). */
		vmbd_sim_rpc_init(&x->sim->rpc);
		vmbd_sim_rpc_set_handler(x->sim, fx_echo, x);
	}
	/* The generator reached both outcomes. */
	assert_true(outcomes[VMBD_CHANNEL_OPEN] > 0);
	assert_true(outcomes[VMBD_CHANNEL_BROKEN] + outcomes[VMBD_CHANNEL_CLOSED] >
		    0);
}

static int setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_any_single_fault, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
