/*
 * The channel against a hostile or unlucky host (simulator fault
 * injection): a checkpoint at every step of LB and HB round trips restarts
 * exactly the message in flight; checkpoint storms stop after
 * VMBD_CHANNEL_MAX_TRIES; CLOSED/POWEROFF/TIMEOUT/UNSENT/no-SUCCESS at
 * every step give their own error codes; host-side close, wrong cookie,
 * truncated payload, wrong types and junk status bits; backend errors.
 * After every failure the channel can be reopened and works; buffers are
 * never written past the caller's size (canaries; ASan in CI).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "channel_fixture.h"

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

#define REQ "echo" "ABCDEF"   /* 10 bytes: SENDSIZE + 3 payload words */
#define REQ_LEN 10u
#define REP_LEN 6u            /* RECVSIZE + 2 payload words + RECVSTATUS */
#define LB_SEND_STEPS 4u
#define LB_STEPS 8u
#define HB_SEND_STEPS 2u
#define HB_STEPS 5u

static void open_ch(struct fx *x, struct vmbd_channel *ch, int hb)
{
	assert_int_equal(vmbd_channel_open(ch, &x->ctx, VMBD_PROTO_RPCI,
					   hb ? 0 : VMBD_CHANNEL_NO_HB),
			 VMBD_OK);
}

/* send + recv of REQ; returns the first error, checks bytes on success. */
static int exchange(struct vmbd_channel *ch)
{
	unsigned char buf[REP_LEN + 8];
	size_t len;
	int rc;

	rc = vmbd_channel_send(ch, REQ, REQ_LEN);
	if (rc != VMBD_OK)
		return rc;
	memset(buf, 0xEE, sizeof(buf));
	rc = vmbd_channel_recv(ch, buf, REP_LEN, &len);
	assert_int_equal(buf[REP_LEN], 0xEE);
	if (rc != VMBD_OK) {
		assert_int_equal(len, 0);
		return rc;
	}
	assert_int_equal(len, REP_LEN);
	assert_memory_equal(buf, "ABCDEF", REP_LEN);
	return VMBD_OK;
}

/* A checkpoint at step k restarts that message only: the calls of the
 * failed try are the extra cost, the bytes arrive unchanged. */
static void cpt_every_step(struct fx *x, int hb)
{
	unsigned steps = hb ? HB_STEPS : LB_STEPS;
	unsigned send_steps = hb ? HB_SEND_STEPS : LB_SEND_STEPS;
	struct vmbd_channel ch;
	unsigned k;

	open_ch(x, &ch, hb);
	for (k = 1; k <= steps; k++) {
		uint64_t before = fx_calls(x);
		unsigned lost = k <= send_steps ? k : k - send_steps;

		ch.cpt_restarts = 0;
		assert_int_equal(vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CPT,
							k, 1, 0),
				 VMBD_OK);
		assert_int_equal(exchange(&ch), VMBD_OK);
		assert_int_equal(vmbd_sim_rpc_fault_fired(x->sim), 1);
		assert_int_equal(ch.cpt_restarts, 1);
		assert_int_equal(fx_calls(x) - before, steps + lost);
		assert_true(vmbd_channel_is_open(&ch));
	}
	/* The host saw each request once, complete. */
	assert_int_equal(x->sim->rpc.rpci_count, steps);
}

static void test_cpt_every_step_lb(void **state)
{
	cpt_every_step(*state, 0);
}

static void test_cpt_every_step_hb(void **state)
{
	cpt_every_step(*state, 1);
}

/* Two checkpoints in a row still succeed; three exhaust the bound. */
static void test_cpt_storm_bounded(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	uint64_t before;
	int hb;

	for (hb = 0; hb < 2; hb++) {
		open_ch(x, &ch, hb);
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CPT, 1,
				       VMBD_CHANNEL_MAX_TRIES - 1, 0);
		assert_int_equal(exchange(&ch), VMBD_OK);
		assert_int_equal(ch.cpt_restarts, VMBD_CHANNEL_MAX_TRIES - 1);

		before = fx_calls(x);
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CPT, 1, 1000, 0);
		assert_int_equal(vmbd_channel_send(&ch, REQ, REQ_LEN),
				 VMBD_ECPT);
		assert_int_equal(fx_calls(x) - before, VMBD_CHANNEL_MAX_TRIES);
		assert_int_equal(ch.state, VMBD_CHANNEL_BROKEN);
		/* Broken: no more transfers until reopened. */
		assert_int_equal(vmbd_channel_send(&ch, REQ, REQ_LEN),
				 VMBD_ENOTOPEN);
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_NONE, 0, 0, 0);
		assert_int_equal(vmbd_channel_reopen(&ch), VMBD_OK);
		assert_int_equal(exchange(&ch), VMBD_OK);

		/* The storm on the receiving side. */
		assert_int_equal(vmbd_channel_send(&ch, REQ, REQ_LEN), VMBD_OK);
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CPT, 1, 1000, 0);
		{
			unsigned char buf[REP_LEN];
			size_t len;

			before = fx_calls(x);
			assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf),
							   &len),
					 VMBD_ECPT);
			assert_int_equal(fx_calls(x) - before,
					 VMBD_CHANNEL_MAX_TRIES);
		}
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_NONE, 0, 0, 0);
		assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	}
}

/* Host failure statuses at every step map to distinct codes. */
static void test_status_faults_every_step(void **state)
{
	static const struct {
		uint32_t status;
		int err;
		int state_after;
	} rows[] = {
		{VMBD_MSG_CLOSED, VMBD_ECLOSED, VMBD_CHANNEL_CLOSED},
		{VMBD_MSG_POWEROFF, VMBD_EPOWEROFF, VMBD_CHANNEL_BROKEN},
		{VMBD_MSG_TIMEOUT, VMBD_ETIMEOUT, VMBD_CHANNEL_BROKEN},
		{VMBD_MSG_UNSENT, VMBD_EUNSENT, VMBD_CHANNEL_BROKEN},
		{0, VMBD_ENOSUCCESS, VMBD_CHANNEL_BROKEN},
		{0xFF00u, VMBD_ENOSUCCESS, VMBD_CHANNEL_BROKEN},
		{VMBD_MSG_DORECV | VMBD_MSG_HB, VMBD_ENOSUCCESS,
		 VMBD_CHANNEL_BROKEN},
	};
	struct fx *x = *state;
	struct vmbd_channel ch;
	size_t r;
	unsigned k;
	int hb;

	for (hb = 0; hb < 2; hb++) {
		unsigned steps = hb ? HB_STEPS : LB_STEPS;

		for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
			for (k = 1; k <= steps; k++) {
				open_ch(x, &ch, hb);
				vmbd_sim_rpc_set_fault(x->sim,
						       VMBD_SIM_FAULT_STATUS, k,
						       1, rows[r].status);
				assert_int_equal(exchange(&ch), rows[r].err);
				assert_int_equal(ch.state, rows[r].state_after);
				assert_int_equal(ch.last_status, rows[r].status);
				assert_false(vmbd_channel_is_open(&ch));
				/* The caller reopens; the channel works. */
				assert_int_equal(vmbd_channel_reopen(&ch),
						 VMBD_OK);
				assert_int_equal(exchange(&ch), VMBD_OK);
				/* Free the host's slots for the next round
				 * (a CLOSED status left the old one open). */
				assert_int_equal(vmbd_channel_close(&ch),
						 VMBD_OK);
				vmbd_sim_rpc_init(&x->sim->rpc);
				vmbd_sim_rpc_set_handler(x->sim, fx_echo, x);
			}
		}
	}
}

/* The host really closes the channel mid-message. */
static void test_host_closes_channel(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	uint64_t before;
	unsigned k;

	for (k = 1; k <= LB_STEPS; k++) {
		open_ch(x, &ch, 0);
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CLOSE, k, 1, 0);
		assert_int_equal(exchange(&ch), VMBD_ECLOSED);
		assert_int_equal(ch.state, VMBD_CHANNEL_CLOSED);
		assert_int_equal(vmbd_sim_rpc_open_channels(x->sim), 0);
		/* Nothing to close any more: reopen is a single OPEN. */
		before = fx_calls(x);
		assert_int_equal(vmbd_channel_reopen(&ch), VMBD_OK);
		assert_int_equal(fx_calls(x) - before, 1);
		assert_int_equal(exchange(&ch), VMBD_OK);
		assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	}
}

static void test_wrong_cookie(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned k;
	int hb;

	for (hb = 0; hb < 2; hb++) {
		for (k = 1; k <= (hb ? HB_STEPS : LB_STEPS); k++) {
			uint64_t bad = x->sim->rpc.bad_calls;

			open_ch(x, &ch, hb);
			vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_COOKIE, k,
					       1, 0);
			assert_int_equal(exchange(&ch), VMBD_ENOSUCCESS);
			assert_int_equal(ch.state, VMBD_CHANNEL_BROKEN);
			assert_int_equal(x->sim->rpc.bad_calls, bad + 1);
			/* The host keeps the slot; our CLOSE is refused too
			 * (wrong cookie) but the new OPEN is independent. */
			assert_int_equal(vmbd_channel_reopen(&ch), VMBD_OK);
			assert_int_equal(exchange(&ch), VMBD_OK);
			assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
			vmbd_sim_rpc_init(&x->sim->rpc);
			vmbd_sim_rpc_set_handler(x->sim, fx_echo, x);
		}
	}
}

/* A host that announces more than it has: error, never an overrun. */
static void test_truncated_payload(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned char buf[64];
	size_t len = 5;
	int hb;

	for (hb = 0; hb < 2; hb++) {
		open_ch(x, &ch, hb);
		assert_int_equal(vmbd_channel_send(&ch, REQ, REQ_LEN), VMBD_OK);
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_TRUNCATE, 1, 1, 9);
		memset(buf, 0xEE, sizeof(buf));
		assert_int_equal(vmbd_channel_recv(&ch, buf, 32, &len),
				 VMBD_ENOSUCCESS);
		assert_int_equal(len, 0);
		assert_int_equal(buf[REP_LEN + 9], 0xEE); /* past the announce */
		assert_int_equal(buf[32], 0xEE);
		assert_int_equal(ch.state, VMBD_CHANNEL_BROKEN);
		assert_int_equal(vmbd_channel_reopen(&ch), VMBD_OK);
		assert_int_equal(exchange(&ch), VMBD_OK);
		assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	}
}

/* Wrong message type in RECVSIZE's or RECVPAYLOAD's answer. */
static void test_bad_type(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned char buf[32];
	size_t len;
	unsigned at;

	for (at = 1; at <= 2; at++) {
		open_ch(x, &ch, 0);
		assert_int_equal(vmbd_channel_send(&ch, REQ, REQ_LEN), VMBD_OK);
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_BAD_TYPE, at, 1, 0);
		assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf), &len),
				 VMBD_EPROTO);
		assert_int_equal(len, 0);
		assert_int_equal(ch.state, VMBD_CHANNEL_BROKEN);
		assert_int_equal(vmbd_channel_reopen(&ch), VMBD_OK);
		assert_int_equal(exchange(&ch), VMBD_OK);
		assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	}
}

/* Unknown status bits next to SUCCESS are ignored at every step. */
static void test_junk_status_bits(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	int hb;

	for (hb = 0; hb < 2; hb++) {
		open_ch(x, &ch, hb);
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_JUNK_BITS, 1, 100,
				       0xFF00u);
		assert_int_equal(exchange(&ch), VMBD_OK);
		assert_int_equal(vmbd_sim_rpc_fault_fired(x->sim),
				 hb ? HB_STEPS : LB_STEPS);
		assert_int_equal(ch.last_status & 0xFF00u, 0xFF00u);
		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_NONE, 0, 0, 0);
		assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	}
}

/* Backend errors (e.g. port access revoked) pass through unchanged. */
struct failing {
	struct fx *x;
	unsigned calls;
	unsigned fail_at;
};

static int failing_in(void *arg, struct vmbd_frame *f)
{
	struct failing *fl = arg;

	if (++fl->calls == fl->fail_at)
		return VMBD_EPERM;
	return vmbd_sim_io_ops()->in(fl->x->sim, f);
}

static void test_backend_error(void **state)
{
	struct fx *x = *state;
	struct vmbd_io_ops ops = {"failing", failing_in, NULL, NULL};
	struct failing fl = {x, 0, 1};
	struct vmbd_ctx ctx;
	struct vmbd_channel ch;
	unsigned k;

	assert_int_equal(vmbd_ctx_init(&ctx, &ops, &fl), VMBD_OK);
	assert_int_equal(vmbd_channel_open(&ch, &ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_EPERM);
	assert_false(vmbd_channel_is_open(&ch));
	for (k = 1; k <= LB_STEPS; k++) {
		fl.calls = 0;
		fl.fail_at = 0;
		assert_int_equal(vmbd_channel_open(&ch, &ctx, VMBD_PROTO_RPCI, 0),
				 VMBD_OK);
		fl.calls = 0;
		fl.fail_at = k;
		assert_int_equal(exchange(&ch), VMBD_EPERM);
		assert_int_equal(ch.state, VMBD_CHANNEL_BROKEN);
		fl.fail_at = 0;
		assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_cpt_every_step_lb),
		T(test_cpt_every_step_hb),
		T(test_cpt_storm_bounded),
		T(test_status_faults_every_step),
		T(test_host_closes_channel),
		T(test_wrong_cookie),
		T(test_truncated_payload),
		T(test_bad_type),
		T(test_junk_status_bits),
		T(test_backend_error),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
