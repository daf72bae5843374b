/*
 * RPCI against the simulated VMX: reply texts and status, call counts
 * (vmware-rpctool's 15, persistent LB 3 + ceil(n/4) + ceil(m/4), HB 5),
 * replies without a status prefix, oversized replies, and the automatic
 * reopen of a closed or broken channel (once, bounded).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <vmbackdoor/rpci.h>

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

/* PROTOCOL.md section 3: vmware-rpctool's LB info-get of a missing key
 * (21-byte request, 16-byte reply) is 15 MESSAGE calls. */
static void test_rpctool_info_get_missing_is_15_calls(void **state)
{
	struct fx *x = *state;
	char reply[64];
	size_t len;
	const char *req = "info-get guestinfo.xy";

	assert_int_equal(strlen(req), 21);
	assert_int_equal(vmbd_rpci_send_one(&x->ctx, VMBD_CHANNEL_NO_HB, req,
					    strlen(req), reply, sizeof(reply),
					    &len),
			 VMBD_ERPC);
	assert_string_equal(reply, "No value found");
	assert_int_equal(len, 14);
	assert_int_equal(fx_calls(x), 15);
	assert_int_equal(x->sim->calls_by_cmd[VMBD_CMD_MESSAGE], 15);
	assert_int_equal(vmbd_sim_rpc_open_channels(x->sim), 0);
	/* With HB: open + 5 + close. */
	assert_int_equal(vmbd_rpci_send_one(&x->ctx, 0, req, strlen(req), reply,
					    sizeof(reply), &len),
			 VMBD_ERPC);
	assert_int_equal(fx_calls(x), 15 + 7);
}

static long fixed_reply(void *arg, const char *req, size_t len, char *reply,
			size_t size)
{
	(void)arg;
	(void)size;
	if (len < 5 || memcmp(req, "fixed", 5) != 0)
		return -1;
	memcpy(reply, "1 0123456789", 12); /* 12-byte reply */
	return 12;
}

static void test_persistent_counts(void **state)
{
	struct fx *x = *state;
	struct vmbd_rpci r;
	char reply[64], req[41];
	size_t len;
	uint64_t before;

	vmbd_sim_rpc_set_handler(x->sim, fixed_reply, NULL);
	memset(req, 'x', 40);
	memcpy(req, "fixed", 5);
	req[40] = '\0';
	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, VMBD_CHANNEL_NO_HB),
			 VMBD_OK);
	before = fx_calls(x);
	/* 40-byte command, 12-byte reply: 3 + 10 + 3 = 16. */
	assert_int_equal(vmbd_rpci_call(&r, req, 40, reply, sizeof(reply), &len),
			 VMBD_OK);
	assert_int_equal(fx_calls(x) - before, 16);
	assert_string_equal(reply, "0123456789");
	assert_int_equal(len, 10);
	assert_int_equal(vmbd_rpci_close(&r), VMBD_OK);

	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, 0), VMBD_OK);
	before = fx_calls(x);
	assert_int_equal(vmbd_rpci_call(&r, req, 40, reply, sizeof(reply), &len),
			 VMBD_OK);
	assert_int_equal(fx_calls(x) - before, 5);
	assert_int_equal(vmbd_rpci_close(&r), VMBD_OK);
}

static void test_commands_and_replies(void **state)
{
	struct fx *x = *state;
	struct vmbd_rpci r;
	char reply[128];
	size_t len;

	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, 0), VMBD_OK);
	assert_int_equal(vmbd_rpci_command(&r, "info-set guestinfo.a some value",
					   reply, sizeof(reply), &len),
			 VMBD_OK);
	assert_string_equal(reply, "");
	assert_int_equal(len, 0);
	assert_int_equal(vmbd_rpci_command(&r, "info-get guestinfo.a", reply,
					   sizeof(reply), &len),
			 VMBD_OK);
	assert_string_equal(reply, "some value");
	assert_int_equal(len, 10);
	assert_int_equal(vmbd_rpci_command(&r, "tools.set.version 12389", reply,
					   sizeof(reply), &len),
			 VMBD_OK);
	assert_string_equal(x->sim->rpc.tools_version, "12389");
	assert_int_equal(vmbd_rpci_command(&r, "log vmbd says hi", reply,
					   sizeof(reply), &len),
			 VMBD_OK);
	assert_string_equal(x->sim->rpc.last_log, "vmbd says hi");
	assert_int_equal(vmbd_rpci_command(&r, "tools.capability.statechange",
					   reply, sizeof(reply), &len),
			 VMBD_OK);
	assert_int_equal(x->sim->rpc.capability_count, 1);
	assert_int_equal(vmbd_rpci_command(&r, "bogus", reply, sizeof(reply),
					   &len),
			 VMBD_ERPC);
	assert_string_equal(reply, "Unknown command");
	/* vmtoolsd style: the NUL counted in the length. */
	assert_int_equal(vmbd_rpci_call(&r, "info-get guestinfo.a", 21, reply,
					sizeof(reply), &len),
			 VMBD_OK);
	assert_string_equal(reply, "some value");
	assert_int_equal(x->sim->rpc.rpci_with_nul, 1);
	/* Binary-safe value with the reply text's exact length. */
	assert_int_equal(vmbd_rpci_call(&r, "info-set guestinfo.b x\ty", 24,
					reply, sizeof(reply), &len),
			 VMBD_OK);
	assert_int_equal(vmbd_rpci_command(&r, "info-get guestinfo.b", reply,
					   sizeof(reply), &len),
			 VMBD_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(reply, "x\ty", 4);
	assert_int_equal(r.reopens, 0);
}

static long junk_reply(void *arg, const char *req, size_t len, char *reply,
		       size_t size)
{
	(void)arg;
	(void)size;
	if (len == 4 && memcmp(req, "junk", 4) == 0) {
		memcpy(reply, "OK", 2);
		return 2;
	}
	if (len == 5 && memcmp(req, "short", 5) == 0) {
		reply[0] = '1';
		return 1;
	}
	if (len == 5 && memcmp(req, "empty", 5) == 0)
		return 0;
	return -1;
}

static void test_reply_without_prefix(void **state)
{
	struct fx *x = *state;
	struct vmbd_rpci r;
	char reply[16];
	size_t len = 9;
	static const char *const reqs[] = {"junk", "short", "empty"};
	size_t i;

	vmbd_sim_rpc_set_handler(x->sim, junk_reply, NULL);
	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, 0), VMBD_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(vmbd_rpci_command(&r, reqs[i], reply,
						   sizeof(reply), &len),
				 VMBD_EPROTO);
		assert_string_equal(reply, "");
		assert_int_equal(len, 0);
		/* Not a channel failure: no reopen. */
		assert_true(vmbd_channel_is_open(&r.ch));
	}
	assert_int_equal(r.reopens, 0);
	assert_int_equal(x->sim->rpc.opens, 1);
}

static void test_reply_too_big(void **state)
{
	struct fx *x = *state;
	struct vmbd_rpci r;
	char reply[16];
	size_t len;

	assert_int_equal(vmbd_sim_guestinfo_set(x->sim, "guestinfo.big",
						"0123456789abcdefXYZ"),
			 VMBD_OK);
	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, 0), VMBD_OK);
	memset(reply, 0x55, sizeof(reply));
	assert_int_equal(vmbd_rpci_command(&r, "info-get guestinfo.big", reply,
					   sizeof(reply), &len),
			 VMBD_ENOSPC);
	assert_int_equal(len, 21);
	assert_string_equal(reply, "");
	assert_true(vmbd_channel_is_open(&r.ch));
	assert_int_equal(r.reopens, 0);
	/* A reply of exactly size bytes fits: 2 prefix + 13 text + NUL. */
	assert_int_equal(vmbd_sim_guestinfo_set(x->sim, "guestinfo.fit",
						"0123456789abcd"),
			 VMBD_OK);
	assert_int_equal(vmbd_rpci_command(&r, "info-get guestinfo.fit", reply,
					   sizeof(reply), &len),
			 VMBD_OK);
	assert_int_equal(len, 14);
	assert_string_equal(reply, "0123456789abcd");
}

/* The host closes the channel: one reopen, the request resent. */
static void test_auto_reopen_after_host_close(void **state)
{
	struct fx *x = *state;
	struct vmbd_rpci r;
	char reply[64];
	size_t len;
	unsigned k;

	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, VMBD_CHANNEL_NO_HB),
			 VMBD_OK);
	assert_int_equal(vmbd_sim_guestinfo_set(x->sim, "guestinfo.k", "v"),
			 VMBD_OK);
	/* "info-get guestinfo.k" = 20 bytes, reply "1 v" = 3: 3+5+1 = 9. */
	for (k = 1; k <= 9; k++) {
		uint64_t before = fx_calls(x), reopens = r.reopens;

		vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CLOSE, k, 1, 0);
		assert_int_equal(vmbd_rpci_command(&r, "info-get guestinfo.k",
						   reply, sizeof(reply), &len),
				 VMBD_OK);
		assert_string_equal(reply, "v");
		assert_int_equal(r.reopens, reopens + 1);
		/* failed try (k calls) + OPEN + the whole call again. */
		assert_int_equal(fx_calls(x) - before, k + 1 + 9);
	}
	assert_int_equal(vmbd_sim_rpc_open_channels(x->sim), 1);
}

/* A channel closed by the caller (or broken earlier) is reopened before
 * the call. */
static void test_auto_reopen_before_call(void **state)
{
	struct fx *x = *state;
	struct vmbd_rpci r;
	char reply[64];
	size_t len;

	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, 0), VMBD_OK);
	assert_int_equal(vmbd_rpci_close(&r), VMBD_OK);
	assert_int_equal(vmbd_rpci_command(&r, "log again", reply, sizeof(reply),
					   &len),
			 VMBD_OK);
	assert_int_equal(r.reopens, 1);
	assert_int_equal(x->sim->rpc.opens, 2);
}

/* A fault that persists: one reopen, then the error; bounded calls. */
static void test_persistent_failure_bounded(void **state)
{
	struct fx *x = *state;
	struct vmbd_rpci r;
	char reply[64];
	size_t len;
	uint64_t before;

	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, 0), VMBD_OK);
	before = fx_calls(x);
	vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_CPT, 1, 100000, 0);
	assert_int_equal(vmbd_rpci_command(&r, "log x", reply, sizeof(reply),
					   &len),
			 VMBD_ECPT);
	/* 3 tries, CLOSE (answered CPT), OPEN (not faulted), 3 tries. */
	assert_int_equal(fx_calls(x) - before, 3 + 1 + 1 + 3);
	assert_int_equal(r.reopens, 1);

	/* Power-off is final: no reopen. */
	vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_NONE, 0, 0, 0);
	assert_int_equal(vmbd_channel_reopen(&r.ch), VMBD_OK);
	r.reopens = 0;
	vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_STATUS, 1, 1,
			       VMBD_MSG_POWEROFF);
	assert_int_equal(vmbd_rpci_command(&r, "log x", reply, sizeof(reply),
					   &len),
			 VMBD_EPOWEROFF);
	assert_int_equal(r.reopens, 0);
}

static void test_bad_args(void **state)
{
	static char big[VMBD_MSG_MAX_IN + 1];
	struct fx *x = *state;
	struct vmbd_rpci r;
	char reply[8];
	size_t len;

	memset(&r, 0, sizeof(r));
	assert_int_equal(vmbd_rpci_command(&r, "log x", reply, sizeof(reply),
					   &len),
			 VMBD_ENOTOPEN);
	assert_int_equal(vmbd_rpci_open(NULL, &x->ctx, 0), VMBD_EINVAL);
	assert_int_equal(vmbd_rpci_close(NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_rpci_command(&r, NULL, reply, sizeof(reply), &len),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_rpci_call(&r, "x", 1, reply, 0, &len), VMBD_EINVAL);
	assert_int_equal(vmbd_rpci_call(&r, "x", 1, NULL, 8, &len), VMBD_EINVAL);
	assert_int_equal(vmbd_rpci_call(&r, "x", 1, reply, 8, NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_rpci_send_one(NULL, 0, "x", 1, reply, 8, &len),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_rpci_send_one(&x->ctx, 0, big, sizeof(big), reply,
					    sizeof(reply), &len),
			 VMBD_ETOOBIG);
	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, 0), VMBD_OK);
	assert_int_equal(vmbd_rpci_call(&r, big, sizeof(big), reply,
					sizeof(reply), &len),
			 VMBD_ETOOBIG);
	assert_int_equal(fx_calls(x), 1);
}

/* An open refused for a NULL context leaves r unbound, even when r held
 * an open channel before: the call is VMBD_ENOTOPEN with no backdoor call
 * (not a silent exchange on the stale context). */
static void test_call_after_open_without_ctx(void **state)
{
	struct fx *x = *state;
	struct vmbd_rpci r;
	char reply[8];
	size_t len = 99;
	uint64_t before;

	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, 0), VMBD_OK);
	assert_int_equal(vmbd_rpci_open(&r, NULL, 0), VMBD_EINVAL);
	before = fx_calls(x);
	assert_int_equal(vmbd_rpci_command(&r, "log x", reply, sizeof(reply),
					   &len),
			 VMBD_ENOTOPEN);
	assert_string_equal(reply, "");
	assert_int_equal(len, 0);
	assert_int_equal(fx_calls(x), before);

	/* An open the host refused does bind r: the call opens again. */
	assert_int_equal(vmbd_sim_rpc_set_channels(x->sim, 0), VMBD_OK);
	assert_int_equal(vmbd_rpci_open(&r, &x->ctx, 0), VMBD_EOPEN);
	assert_int_equal(vmbd_sim_rpc_set_channels(x->sim, 8), VMBD_OK);
	assert_int_equal(vmbd_rpci_command(&r, "log x", reply, sizeof(reply),
					   &len),
			 VMBD_OK);
	assert_int_equal(r.reopens, 1);
}

static void test_send_one_open_refused(void **state)
{
	struct fx *x = *state;
	char reply[8];
	size_t len;

	x->sim->rpc.channels = 1;
	{
		struct vmbd_rpci hold;

		assert_int_equal(vmbd_rpci_open(&hold, &x->ctx, 0), VMBD_OK);
		assert_int_equal(vmbd_rpci_send_one(&x->ctx, 0, "log x", 5,
						    reply, sizeof(reply), &len),
				 VMBD_EOPEN);
		assert_int_equal(vmbd_rpci_close(&hold), VMBD_OK);
	}
	assert_int_equal(vmbd_rpci_send_one(&x->ctx, 0, "log x", 5, reply,
					    sizeof(reply), &len),
			 VMBD_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_rpctool_info_get_missing_is_15_calls),
		T(test_persistent_counts),
		T(test_commands_and_replies),
		T(test_reply_without_prefix),
		T(test_reply_too_big),
		T(test_auto_reopen_after_host_close),
		T(test_auto_reopen_before_call),
		T(test_persistent_failure_bounded),
		T(test_bad_args),
		T(test_send_one_open_refused),
		T(test_call_after_open_without_ctx),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
