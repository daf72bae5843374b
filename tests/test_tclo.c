/*
 * TCLO polling against the simulated VMX: the empty first reply, a host
 * script answered step by step (the simulator records each reply next to
 * its command), "nothing waiting" both ways a host says it, call counts of
 * idle and busy polls, oversized commands refused without losing the
 * channel, binary commands, and the automatic reopen (bounded).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <vmbackdoor/tclo.h>

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

static void push(struct fx *x, const char *cmd)
{
	assert_int_equal(vmbd_sim_tclo_push(x->sim, cmd, strlen(cmd)), VMBD_OK);
}

static void test_idle_poll(void **state)
{
	struct fx *x = *state;
	struct vmbd_tclo t;
	char cmd[64];
	size_t n = 7;
	uint64_t before;
	int pass;

	assert_int_equal(vmbd_tclo_open(&t, &x->ctx, 0), VMBD_OK);
	assert_int_equal(x->log[0].f.bx, VMBD_PROTO_TCLO | VMBD_MSG_FLAG_COOKIE);
	for (pass = 0; pass < 2; pass++) {
		before = fx_calls(x);
		x->nlog = 0;
		assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n),
				 VMBD_ENOMSG);
		assert_int_equal(n, 0);
		assert_string_equal(cmd, "");
		/* SENDSIZE(0) + RECVSIZE: the empty reply, then nothing. */
		assert_int_equal(fx_calls(x) - before, 2);
		assert_int_equal(x->log[0].f.cx >> 16, VMBD_MSG_SENDSIZE);
		assert_int_equal(x->log[0].f.bx, 0);
	}
	/* A host that says "nothing" as an empty message: one call more. */
	x->sim->rpc.tclo_empty_dorecv = 1;
	before = fx_calls(x);
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n),
			 VMBD_ENOMSG);
	assert_int_equal(fx_calls(x) - before, 3);
	assert_int_equal(vmbd_sim_tclo_record_count(x->sim), 0);
	assert_int_equal(t.commands, 0);
}

/* PROTOCOL.md section 7's start, answered like a guest would. */
static void test_host_script_recorded(void **state)
{
	static const struct {
		const char *cmd, *reply;
	} script[] = {
		{"reset", "OK ATR toolbox"},
		{"ping", "OK "},
		{"Capabilities_Register", "OK "},
		{"Set_Option broadcastIP 1", "ERROR Unknown or invalid option"},
		{"Set_Option synctime 0", "OK "},
		{"Time_Synchronize 0", "OK "},
		{"no_such_thing", "ERROR Unknown Command"},
	};
	enum { N = sizeof(script) / sizeof(script[0]) };
	struct fx *x = *state;
	struct vmbd_tclo t;
	char cmd[64];
	size_t n, i;
	const char *ans = NULL;
	size_t alen = 0;
	int hb;

	for (hb = 0; hb < 2; hb++) {
		vmbd_sim_rpc_init(&x->sim->rpc);
		assert_int_equal(vmbd_tclo_open(&t, &x->ctx,
						hb ? 0 : VMBD_CHANNEL_NO_HB),
				 VMBD_OK);
		for (i = 0; i < N; i++)
			push(x, script[i].cmd);
		alen = 0;
		for (i = 0; i < N; i++) {
			uint64_t before = fx_calls(x);
			size_t want;

			assert_int_equal(vmbd_tclo_poll(&t, ans, alen, cmd,
							sizeof(cmd), &n),
					 VMBD_OK);
			assert_string_equal(cmd, script[i].cmd);
			assert_int_equal(n, strlen(script[i].cmd));
			if (hb)
				want = (alen ? 2 : 1) + 3;
			else
				want = 1 + fx_words(alen) + 2 + fx_words(n);
			assert_int_equal(fx_calls(x) - before, want);
			ans = script[i].reply;
			alen = strlen(ans);
		}
		/* The last answer goes with the poll that finds nothing. */
		assert_int_equal(vmbd_tclo_poll(&t, ans, alen, cmd, sizeof(cmd),
						&n),
				 VMBD_ENOMSG);
		assert_int_equal(t.commands, N);
		assert_int_equal(vmbd_sim_tclo_record_count(x->sim), N);
		for (i = 0; i < N; i++) {
			const struct vmbd_sim_tclo_record *rec =
				vmbd_sim_tclo_record(x->sim, (unsigned)i);

			assert_string_equal(rec->cmd, script[i].cmd);
			assert_string_equal(rec->reply, script[i].reply);
		}
		assert_int_equal(vmbd_tclo_close(&t), VMBD_OK);
	}
}

static void test_command_too_big(void **state)
{
	struct fx *x = *state;
	struct vmbd_tclo t;
	char cmd[8];
	size_t n;

	assert_int_equal(vmbd_tclo_open(&t, &x->ctx, 0), VMBD_OK);
	push(x, "1234567");   /* 7 + NUL: fits exactly */
	push(x, "12345678");  /* 8 + NUL: does not */
	push(x, "ping");
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n),
			 VMBD_OK);
	assert_string_equal(cmd, "1234567");
	memset(cmd, 0x55, sizeof(cmd));
	assert_int_equal(vmbd_tclo_poll(&t, "OK ", 3, cmd, sizeof(cmd), &n),
			 VMBD_ENOSPC);
	assert_int_equal(n, 8);
	assert_int_equal(cmd[0], '\0');
	assert_int_equal(x->sim->rpc.refused, 1);
	assert_true(vmbd_channel_is_open(&t.ch));
	/* The refused command needs no answer; the next one comes. */
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n),
			 VMBD_OK);
	assert_string_equal(cmd, "ping");
	assert_int_equal(vmbd_sim_tclo_record_count(x->sim), 1);
	assert_int_equal(t.reopens, 0);
}

static void test_binary_command(void **state)
{
	struct fx *x = *state;
	struct vmbd_tclo t;
	char cmd[32];
	size_t n;

	assert_int_equal(vmbd_tclo_open(&t, &x->ctx, 0), VMBD_OK);
	assert_int_equal(vmbd_sim_tclo_push(x->sim, "a\0b\xff", 4), VMBD_OK);
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n),
			 VMBD_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(cmd, "a\0b\xff", 5);
	/* An answer with a NUL inside arrives whole. */
	assert_int_equal(vmbd_tclo_poll(&t, "OK \0x", 5, cmd, sizeof(cmd), &n),
			 VMBD_ENOMSG);
	assert_int_equal(vmbd_sim_tclo_record(x->sim, 0)->reply_len, 5);
	assert_memory_equal(vmbd_sim_tclo_record(x->sim, 0)->reply, "OK \0x", 5);
}

static void test_auto_reopen(void **state)
{
	struct fx *x = *state;
	struct vmbd_tclo t;
	char cmd[32];
	size_t n;
	uint64_t before;

	assert_int_equal(vmbd_tclo_open(&t, &x->ctx, 0), VMBD_OK);
	push(x, "reset");
	/* The host closes the channel at the first call of the poll. */
	vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CLOSE, 1, 1, 0);
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n),
			 VMBD_OK);
	assert_string_equal(cmd, "reset");
	assert_int_equal(t.reopens, 1);
	/* Closed by the caller: reopened before the poll, empty reply. */
	assert_int_equal(vmbd_tclo_close(&t), VMBD_OK);
	push(x, "ping");
	assert_int_equal(vmbd_tclo_poll(&t, "OK ATR toolbox", 14, cmd,
					sizeof(cmd), &n),
			 VMBD_OK);
	assert_string_equal(cmd, "ping");
	assert_int_equal(t.reopens, 2);
	/* The dropped answer was never recorded. */
	assert_int_equal(vmbd_sim_tclo_record_count(x->sim), 0);

	/* A fault that never ends: bounded, then the error. */
	before = fx_calls(x);
	vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CPT, 1, 100000, 0);
	assert_int_equal(vmbd_tclo_poll(&t, "OK ", 3, cmd, sizeof(cmd), &n),
			 VMBD_ECPT);
	assert_int_equal(fx_calls(x) - before, 3 + 1 + 1 + 3);
	assert_int_equal(t.reopens, 3);
}

/* Found by fuzz_channel_ops: the host closes the channel at RECVSTATUS, after
 * the command's bytes have landed in cmd, and keeps refusing the reopen.
 * The poll fails, and cmd must be "" as promised, not an unterminated
 * fragment of the command a caller might print. */
static void test_failed_poll_leaves_empty_cmd(void **state)
{
	struct fx *x = *state;
	struct vmbd_tclo t;
	char cmd[16];
	size_t n = 99;
	int rc;

	assert_int_equal(vmbd_tclo_open(&t, &x->ctx, 0), VMBD_OK);
	push(x, "reset_the_tools"); /* 15 bytes: fills cmd but for the NUL */
	memset(cmd, 'x', sizeof(cmd));
	/* SENDSIZE(0), RECVSIZE, HB payload, then RECVSTATUS: closed, and
	 * every call after it too (the reopen fails). */
	vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CLOSE, 4, 1000, 0);
	rc = vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n);
	assert_int_not_equal(rc, VMBD_OK);
	assert_int_not_equal(rc, VMBD_ENOMSG);
	assert_string_equal(cmd, "");
	assert_int_equal(n, 0);
	assert_int_equal(t.commands, 0);
}

static void test_bad_args(void **state)
{
	static char big[VMBD_MSG_MAX_IN + 1];
	struct fx *x = *state;
	struct vmbd_tclo t;
	char cmd[8];
	size_t n;

	memset(&t, 0, sizeof(t));
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n),
			 VMBD_ENOTOPEN);
	assert_int_equal(vmbd_tclo_open(NULL, &x->ctx, 0), VMBD_EINVAL);
	assert_int_equal(vmbd_tclo_close(NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_tclo_poll(NULL, NULL, 0, cmd, sizeof(cmd), &n),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 3, cmd, sizeof(cmd), &n),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, 0, &n), VMBD_EINVAL);
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), NULL),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_tclo_open(&t, &x->ctx, 0), VMBD_OK);
	assert_int_equal(vmbd_tclo_poll(&t, big, sizeof(big), cmd, sizeof(cmd),
					&n),
			 VMBD_ETOOBIG);
	assert_int_equal(fx_calls(x), 1);
}

/* An open refused for a NULL context leaves t unbound, even when t held
 * an open channel before: the poll is VMBD_ENOTOPEN with no backdoor call
 * (not a silent poll on the stale context). */
static void test_poll_after_open_without_ctx(void **state)
{
	struct fx *x = *state;
	struct vmbd_tclo t;
	char cmd[8];
	size_t n = 99;
	uint64_t before;

	assert_int_equal(vmbd_tclo_open(&t, &x->ctx, 0), VMBD_OK);
	assert_int_equal(vmbd_tclo_open(&t, NULL, 0), VMBD_EINVAL);
	before = fx_calls(x);
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n),
			 VMBD_ENOTOPEN);
	assert_string_equal(cmd, "");
	assert_int_equal(n, 0);
	assert_int_equal(fx_calls(x), before);

	/* An open the host refused does bind t: the poll opens again. */
	assert_int_equal(vmbd_sim_rpc_set_channels(x->sim, 0), VMBD_OK);
	assert_int_equal(vmbd_tclo_open(&t, &x->ctx, 0), VMBD_EOPEN);
	assert_int_equal(vmbd_sim_rpc_set_channels(x->sim, 8), VMBD_OK);
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n),
			 VMBD_ENOMSG);
	assert_int_equal(t.reopens, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_idle_poll),
		T(test_host_script_recorded),
		T(test_command_too_big),
		T(test_binary_command),
		T(test_auto_reopen),
		T(test_failed_poll_leaves_empty_cmd),
		T(test_bad_args),
		T(test_poll_after_open_without_ctx),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
