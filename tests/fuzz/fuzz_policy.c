/*
 * Fuzz target: the TCLO command parser and policy engine (policy.h).
 *
 * Input: byte 0 picks the guest's local veto (bits 0-2) and, with the
 * next 3 bytes, how far the monotonic clock moves between commands; the
 * rest is a sequence of commands separated by 0xFF bytes (a byte no TCLO
 * command contains, so every other byte, NUL included, reaches the
 * engine). Each command goes to vmbd_policy_feed(), then the loop is
 * ticked.
 *
 * What must hold for any bytes (abort() otherwise, which the fuzzer and
 * the replay test report): feed returns 0; the reply is "OK ..." or
 * "ERROR ...", NUL-terminated at reply_len inside the buffer; at most
 * VMBD_POLICY_MAX_ACTIONS actions, each of a known type with fields in
 * range; fail_reply only with a SYNC_ONCE; no SYNC_ONCE at all under
 * disable_all, none with backward under never_backward; the settings stay
 * in range (period > 0, percent 1..100); at most one startup sync per
 * engine; a due tick only while the loop is active, and the next one is
 * never scheduled in the past.
 */
#include <stdlib.h>
#include <string.h>

#include <vmbackdoor/policy.h>

#include "fuzz_target.h"

#define SEP 0xFFu
#define NS_PER_S INT64_C(1000000000)

static int known_action(int type)
{
	return type >= VMBD_ACT_SYNC_ONCE && type <= VMBD_ACT_RESYNC_UNSUPPORTED;
}

static void check_settings(const struct vmbd_policy *p)
{
	struct vmbd_policy_settings s;

	vmbd_policy_get_settings(p, &s);
	check(s.period_s > 0);
	check(s.percent >= 1 && s.percent <= 100);
	check(s.loop_state >= VMBD_LOOP_INITIALIZING &&
	      s.loop_state <= VMBD_LOOP_RUNNING);
	check(s.loop_active == 0 || s.loop_active == 1);
	/* The loop never runs against a local veto or the host's allow 0. */
	if (p->local.disable_all || p->local.disable_periodic || !s.allow)
		check(!s.loop_active);
	if (s.loop_active)
		check(s.loop_state == VMBD_LOOP_RUNNING);
}

/* Checks one result; returns how many startup syncs it asked for. */
static int check_result(const struct vmbd_policy *p,
			const struct vmbd_policy_result *r)
{
	size_t i;
	int syncs = 0, startup = 0;

	check(r->reply_len < sizeof(r->reply));
	check(r->reply[r->reply_len] == '\0');
	check(strlen(r->reply) == r->reply_len);
	check((r->reply_len >= 3 && memcmp(r->reply, "OK ", 3) == 0) ||
	      (r->reply_len > 6 && memcmp(r->reply, "ERROR ", 6) == 0));
	check(r->n_actions <= VMBD_POLICY_MAX_ACTIONS);
	for (i = 0; i < r->n_actions; i++) {
		const struct vmbd_policy_action *a = &r->actions[i];

		check(known_action(a->type));
		switch (a->type) {
		case VMBD_ACT_SYNC_ONCE:
			syncs++;
			check(!p->local.disable_all);
			check(!(a->backward && p->local.never_backward));
			check(a->cause >= VMBD_SYNC_HOST_REQUEST &&
			      a->cause <= VMBD_SYNC_LOOP_ENABLE);
			if (a->cause == VMBD_SYNC_STARTUP)
				startup++;
			break;
		case VMBD_ACT_LOOP_START:
		case VMBD_ACT_LOOP_PERIOD:
			check(a->period_s > 0);
			check(!p->local.disable_all &&
			      !p->local.disable_periodic);
			break;
		case VMBD_ACT_SET_SLEW:
			check(a->percent >= 1 && a->percent <= 100);
			break;
		case VMBD_ACT_SKIPPED_VETO:
			check(a->reason >= VMBD_VETO_DISABLE_ALL &&
			      a->reason <= VMBD_VETO_NEVER_BACKWARD);
			check(a->what == VMBD_ACT_SYNC_ONCE ||
			      a->what == VMBD_ACT_LOOP_START);
			break;
		case VMBD_ACT_SKIPPED_DISALLOWED:
			check(a->what == VMBD_ACT_SYNC_ONCE ||
			      a->what == VMBD_ACT_LOOP_START);
			break;
		case VMBD_ACT_STATE_CHANGE:
			check(a->os_state >= VMBD_OS_HALT &&
			      a->os_state <= VMBD_OS_SUSPEND);
			break;
		default:
			break;
		}
		/* Names exist for everything the engine emits. */
		check(strcmp(vmbd_policy_action_name(a->type), "?") != 0);
	}
	if (r->fail_reply != NULL) {
		check(syncs > 0);
		check(strlen(r->fail_reply) < sizeof(r->reply));
	}
	return startup;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct vmbd_policy p;
	struct vmbd_policy_local local;
	struct vmbd_policy_result r;
	struct vmbd_policy_tick t;
	int64_t now = 0, step;
	size_t pos, end;
	int startups = 0;

	if (size < 4)
		return 0;
	memset(&local, 0, sizeof(local));
	local.disable_all = data[0] & 1;
	local.disable_periodic = (data[0] >> 1) & 1;
	local.never_backward = (data[0] >> 2) & 1;
	/* 0 .. ~4.6 h between commands, in 1 ms units. */
	step = (int64_t)(data[1] | data[2] << 8 | data[3] << 16) * 1000000;
	check(vmbd_policy_init(&p, &local) == 0);
	check_settings(&p);
	for (pos = 4; pos <= size; pos = end + 1) {
		end = pos;
		while (end < size && data[end] != SEP)
			end++;
		/* Each command lands in its own exact-size heap copy, so a read
		 * past its length is an ASan error, not a quiet stray byte. */
		{
			size_t len = end - pos;
			char *cmd = malloc(len ? len : 1);

			check(cmd != NULL);
			if (len)
				memcpy(cmd, data + pos, len);
			check(vmbd_policy_feed(&p, len ? cmd : NULL, len, now,
					       &r) == 0);
			free(cmd);
		}
		startups += check_result(&p, &r);
		check(startups <= 1);
		if (r.fail_reply != NULL) {
			/* Half the time the daemon's sync fails. */
			if ((end - pos) & 1) {
				const char *want = r.fail_reply;

				check(vmbd_policy_sync_failed(&r) == 0);
				check(strcmp(r.reply, want) == 0);
				check(r.reply_len == strlen(want));
				check(r.fail_reply == NULL);
			}
		} else {
			check(vmbd_policy_sync_failed(&r) == VMBD_EINVAL);
		}
		check_settings(&p);
		check(vmbd_policy_tick(&p, now, &t) == 0);
		if (t.due)
			check(p.s.loop_active);
		if (t.next_due_ns != VMBD_POLICY_NEVER)
			check(p.s.loop_active && t.next_due_ns >= now);
		else
			check(!p.s.loop_active);
		now += step;
	}
	/* NULL arguments are refused, not followed. */
	check(vmbd_policy_feed(&p, NULL, 1, now, &r) == VMBD_EINVAL);
	return 0;
}
