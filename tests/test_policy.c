/*
 * Policy engine API tests: argument checking, the initial state, the
 * helper functions and the strict value parsers. Command semantics are
 * in policy_cases.txt (test_policy_cases) and the property test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/policy.h>

#include "strict_parse.h"

static void feed_str(struct vmbd_policy *p, const char *cmd, int64_t now,
		     struct vmbd_policy_result *res)
{
	assert_int_equal(vmbd_policy_feed(p, cmd, strlen(cmd), now, res), 0);
}

static void test_initial_state_matches_open_vm_tools(void **state)
{
	struct vmbd_policy p;
	struct vmbd_policy_settings s;
	struct vmbd_policy_tick t;

	(void)state;
	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(vmbd_policy_init(&p, NULL), 0);
	vmbd_policy_get_settings(&p, &s);
	assert_int_equal(s.loop_state, VMBD_LOOP_INITIALIZING);
	assert_int_equal(s.loop_active, 0);
	assert_int_equal(s.slew_on, 0);
	assert_int_equal(s.percent, 50);
	assert_int_equal(s.period_s, 60);
	assert_int_equal(s.startup_backward, 0);
	assert_int_equal(s.tools_enable, 0);
	assert_int_equal(s.startup_done, 0);
	assert_int_equal(s.allow, 1);
	assert_int_equal(s.guest_resync, 0);
	assert_int_equal(s.guest_resync_timeout_s, 0);
	/* Nothing syncs at attach: no loop scheduled. */
	assert_int_equal(vmbd_policy_tick(&p, 0, &t), 0);
	assert_int_equal(t.due, 0);
	assert_true(t.next_due_ns == VMBD_POLICY_NEVER);
	assert_int_equal(t.period_s, 60);
	assert_int_equal(t.percent, 50);
	assert_int_equal(t.slew_on, 0);
}

static void test_init_copies_local_veto(void **state)
{
	struct vmbd_policy p;
	struct vmbd_policy_local local = {7, 0, 1};
	struct vmbd_policy_result res;

	(void)state;
	assert_int_equal(vmbd_policy_init(&p, &local), 0);
	/* The engine keeps its own copy: changing the caller's struct later
	 * does not lift the veto. */
	local.disable_all = 0;
	feed_str(&p, "Time_Synchronize 0", 0, &res);
	assert_int_equal(res.n_actions, 1);
	assert_int_equal(res.actions[0].type, VMBD_ACT_SKIPPED_VETO);
	assert_int_equal(res.actions[0].reason, VMBD_VETO_DISABLE_ALL);
}

static void test_set_local_at_run_time(void **state)
{
	struct vmbd_policy p;
	struct vmbd_policy_local periodic = {0, 1, 0};
	struct vmbd_policy_result res;
	struct vmbd_policy_tick t;

	(void)state;
	vmbd_policy_init(&p, NULL);
	feed_str(&p, "Set_Option time.synchronize.tools.startup 0", 0, &res);
	feed_str(&p, "Set_Option synctime 1", 0, &res);
	assert_int_equal(res.n_actions, 1);
	assert_int_equal(res.actions[0].type, VMBD_ACT_LOOP_START);

	/* Vetoing periodic syncs stops the running loop ... */
	assert_int_equal(vmbd_policy_set_local(&p, &periodic, 10, &res), 0);
	assert_int_equal(res.reply_len, 0);
	assert_int_equal(res.n_actions, 1);
	assert_int_equal(res.actions[0].type, VMBD_ACT_LOOP_STOP);
	vmbd_policy_tick(&p, 100, &t);
	assert_int_equal(t.due, 0);
	assert_true(t.next_due_ns == VMBD_POLICY_NEVER);
	/* ... setting the same again changes nothing ... */
	assert_int_equal(vmbd_policy_set_local(&p, &periodic, 20, &res), 0);
	assert_int_equal(res.n_actions, 0);
	/* ... and lifting it resumes the host's loop, due at once. */
	assert_int_equal(vmbd_policy_set_local(&p, NULL, 30, &res), 0);
	assert_int_equal(res.n_actions, 1);
	assert_int_equal(res.actions[0].type, VMBD_ACT_LOOP_START);
	assert_int_equal(res.actions[0].period_s, 60);
	vmbd_policy_tick(&p, 30, &t);
	assert_int_equal(t.due, 1);
	/* Host state survives: the startup chance stays used up. */
	feed_str(&p, "Set_Option time.synchronize.tools.startup 1", 40, &res);
	assert_int_equal(res.n_actions, 0);

	assert_int_equal(vmbd_policy_set_local(NULL, NULL, 0, &res),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_policy_set_local(&p, NULL, 0, NULL),
			 VMBD_EINVAL);
}

static void test_null_arguments(void **state)
{
	struct vmbd_policy p;
	struct vmbd_policy_result res;
	struct vmbd_policy_tick t;

	(void)state;
	assert_int_equal(vmbd_policy_init(NULL, NULL), VMBD_EINVAL);
	vmbd_policy_init(&p, NULL);
	assert_int_equal(vmbd_policy_feed(NULL, "ping", 4, 0, &res),
			 VMBD_EINVAL);
	assert_int_equal(res.reply_len, 0);
	assert_int_equal(res.n_actions, 0);
	assert_int_equal(vmbd_policy_feed(&p, "ping", 4, 0, NULL),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_policy_feed(&p, NULL, 4, 0, &res), VMBD_EINVAL);
	/* NULL with length 0 is an empty command. */
	assert_int_equal(vmbd_policy_feed(&p, NULL, 0, 0, &res), 0);
	assert_string_equal(res.reply, "ERROR Bad command");
	assert_int_equal(vmbd_policy_tick(NULL, 0, &t), VMBD_EINVAL);
	assert_int_equal(vmbd_policy_tick(&p, 0, NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_policy_sync_failed(NULL), VMBD_EINVAL);
	vmbd_policy_get_settings(NULL, NULL); /* must not crash */
}

static void test_feed_clears_previous_result(void **state)
{
	struct vmbd_policy p;
	struct vmbd_policy_result res;

	(void)state;
	vmbd_policy_init(&p, NULL);
	feed_str(&p, "Time_Synchronize 1", 0, &res);
	assert_int_equal(res.n_actions, 1);
	assert_non_null(res.fail_reply);
	feed_str(&p, "ping", 0, &res);
	assert_int_equal(res.n_actions, 0);
	assert_null(res.fail_reply);
	assert_int_equal(res.reply_len, 3);
	assert_memory_equal(res.reply, "OK \0", 4);
}

static void test_sync_failed(void **state)
{
	struct vmbd_policy p;
	struct vmbd_policy_result res;

	(void)state;
	vmbd_policy_init(&p, NULL);
	feed_str(&p, "ping", 0, &res);
	assert_int_equal(vmbd_policy_sync_failed(&res), VMBD_EINVAL);
	assert_string_equal(res.reply, "OK ");
	feed_str(&p, "Time_Synchronize 0", 0, &res);
	assert_int_equal(vmbd_policy_sync_failed(&res), 0);
	assert_string_equal(res.reply, "ERROR Unable to sync time");
	assert_int_equal(res.reply_len, strlen("ERROR Unable to sync time"));
	/* Only once: the fail reply is consumed. */
	assert_int_equal(vmbd_policy_sync_failed(&res), VMBD_EINVAL);
	/* A skipped sync has nothing to fail. */
	feed_str(&p, "Set_Option time.synchronize.allow 0", 0, &res);
	feed_str(&p, "Time_Synchronize 0", 0, &res);
	assert_null(res.fail_reply);
}

static void test_tick_saturates_far_in_the_future(void **state)
{
	struct vmbd_policy p;
	struct vmbd_policy_result res;
	struct vmbd_policy_tick t;

	(void)state;
	vmbd_policy_init(&p, NULL);
	feed_str(&p, "Set_Option synctime.period 4294967295", 0, &res);
	feed_str(&p, "Set_Option synctime 1", 0, &res);
	assert_int_equal(vmbd_policy_tick(&p, INT64_MAX - 5, &t), 0);
	assert_int_equal(t.due, 1);
	assert_true(t.next_due_ns == INT64_MAX);
	assert_int_equal(vmbd_policy_tick(&p, INT64_MAX - 4, &t), 0);
	assert_int_equal(t.due, 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(vmbd_policy_action_name(VMBD_ACT_SYNC_ONCE),
			    "SYNC_ONCE");
	assert_string_equal(
		vmbd_policy_action_name(VMBD_ACT_RESYNC_UNSUPPORTED),
		"RESYNC_UNSUPPORTED");
	assert_string_equal(vmbd_policy_action_name(0), "?");
	assert_string_equal(vmbd_policy_veto_name(VMBD_VETO_NEVER_BACKWARD),
			    "NEVER_BACKWARD");
	assert_string_equal(vmbd_policy_veto_name(99), "?");
	assert_string_equal(vmbd_policy_cause_name(VMBD_SYNC_STARTUP),
			    "STARTUP");
	assert_string_equal(vmbd_policy_cause_name(-1), "?");
}

static void test_parse_bool(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(vmbd__parse_bool("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vmbd__parse_bool("1", 1, &v), 0);
	assert_int_equal(v, 1);
	v = 7;
	assert_int_equal(vmbd__parse_bool("", 0, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_bool(NULL, 1, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_bool("10", 2, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_bool("1 ", 2, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_bool("2", 1, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_bool("\0", 1, &v), VMBD_ESYNTAX);
	/* Length-delimited: "1" inside a longer buffer is just "1". */
	assert_int_equal(vmbd__parse_bool("1junk", 1, &v), 0);
	assert_int_equal(v, 1);
}

static void test_parse_u32(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(vmbd__parse_u32("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vmbd__parse_u32("4294967295", 10, &v), 0);
	assert_true(v == UINT32_MAX);
	assert_int_equal(vmbd__parse_u32("0004294967295", 13, &v), 0);
	assert_true(v == UINT32_MAX);
	v = 7;
	assert_int_equal(vmbd__parse_u32("4294967296", 10, &v), VMBD_ERANGE);
	assert_int_equal(
		vmbd__parse_u32("99999999999999999999999999999999", 32, &v),
		VMBD_ERANGE);
	assert_int_equal(v, 7);
	assert_int_equal(vmbd__parse_u32("", 0, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_u32(NULL, 3, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_u32("-1", 2, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_u32("+1", 2, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_u32(" 1", 2, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_u32("1 ", 2, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_u32("0x10", 4, &v), VMBD_ESYNTAX);
	assert_int_equal(vmbd__parse_u32("1\0", 2, &v), VMBD_ESYNTAX);
	/* Junk after an overflow is still junk, not "out of range". */
	assert_int_equal(vmbd__parse_u32("99999999999x", 12, &v),
			 VMBD_ESYNTAX);
	assert_int_equal(v, 7);
	assert_int_equal(vmbd__parse_u32("123", 2, &v), 0);
	assert_int_equal(v, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_state_matches_open_vm_tools),
		cmocka_unit_test(test_init_copies_local_veto),
		cmocka_unit_test(test_set_local_at_run_time),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_feed_clears_previous_result),
		cmocka_unit_test(test_sync_failed),
		cmocka_unit_test(test_tick_saturates_far_in_the_future),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_parse_u32),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
