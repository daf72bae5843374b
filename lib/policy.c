/*
 * Policy engine core: the TCLO command table, action emission, the host
 * allow / local veto gate and the periodic loop's schedule. Set_Option
 * values are in policy_options.c.
 *
 * Worst case per command (sizes VMBD_POLICY_MAX_ACTIONS): `synctime 1`
 * from STOPPED with tools.enable and never_backward gives SYNC_ONCE +
 * SKIPPED_VETO + LOOP_START (or a SKIPPED for the loop): 3 actions.
 */
#include "policy_internal.h"
#include "strict_parse.h"

#include <string.h>

void vmbd__policy_reply(struct vmbd_policy_result *out, const char *text)
{
	size_t n = strlen(text);

	if (n >= sizeof(out->reply))
		n = sizeof(out->reply) - 1;
	memcpy(out->reply, text, n);
	out->reply[n] = '\0';
	out->reply_len = n;
}

int vmbd__policy_push(struct vmbd_policy_result *out,
		      const struct vmbd_policy_action *a)
{
	if (out->n_actions >= VMBD_POLICY_MAX_ACTIONS)
		return VMBD_EFULL;
	out->actions[out->n_actions++] = *a;
	return VMBD_OK;
}

static void push_simple(struct vmbd_policy_result *out, int type)
{
	struct vmbd_policy_action a;

	memset(&a, 0, sizeof(a));
	a.type = type;
	(void)vmbd__policy_push(out, &a);
}

int vmbd__policy_sync_once(struct vmbd_policy *p,
			   struct vmbd_policy_result *out, int backward,
			   int cause)
{
	struct vmbd_policy_action a;

	memset(&a, 0, sizeof(a));
	a.what = VMBD_ACT_SYNC_ONCE;
	a.backward = backward;
	a.cause = cause;
	/* The local veto is reported first: it holds whatever the host says. */
	if (p->local.disable_all) {
		a.type = VMBD_ACT_SKIPPED_VETO;
		a.reason = VMBD_VETO_DISABLE_ALL;
		(void)vmbd__policy_push(out, &a);
		return 0;
	}
	if (!p->s.allow) {
		a.type = VMBD_ACT_SKIPPED_DISALLOWED;
		(void)vmbd__policy_push(out, &a);
		return 0;
	}
	a.type = VMBD_ACT_SYNC_ONCE;
	a.what = 0;
	if (backward && p->local.never_backward) {
		a.backward = 0;
		(void)vmbd__policy_push(out, &a);
		a.type = VMBD_ACT_SKIPPED_VETO;
		a.what = VMBD_ACT_SYNC_ONCE;
		a.reason = VMBD_VETO_NEVER_BACKWARD;
		a.backward = 1;
		(void)vmbd__policy_push(out, &a);
		return 1;
	}
	(void)vmbd__policy_push(out, &a);
	return 1;
}

static int loop_should_run(const struct vmbd_policy *p)
{
	return p->s.loop_state == VMBD_LOOP_RUNNING && p->s.allow &&
	       !p->local.disable_all && !p->local.disable_periodic;
}

void vmbd__policy_loop_update(struct vmbd_policy *p, int64_t now_ns,
			      struct vmbd_policy_result *out)
{
	int run = loop_should_run(p);
	struct vmbd_policy_action a;

	if (run == p->s.loop_active)
		return;
	p->s.loop_active = run;
	memset(&a, 0, sizeof(a));
	if (run) {
		/* open-vm-tools' TimeSyncStartLoop syncs at once. */
		p->next_due_ns = now_ns;
		a.type = VMBD_ACT_LOOP_START;
		a.period_s = p->s.period_s;
	} else {
		p->next_due_ns = VMBD_POLICY_NEVER;
		a.type = VMBD_ACT_LOOP_STOP;
	}
	(void)vmbd__policy_push(out, &a);
}

void vmbd__policy_loop_suppressed(const struct vmbd_policy *p,
				  struct vmbd_policy_result *out)
{
	struct vmbd_policy_action a;

	memset(&a, 0, sizeof(a));
	a.what = VMBD_ACT_LOOP_START;
	a.period_s = p->s.period_s;
	if (p->local.disable_all || p->local.disable_periodic) {
		a.type = VMBD_ACT_SKIPPED_VETO;
		a.reason = p->local.disable_all ? VMBD_VETO_DISABLE_ALL
						: VMBD_VETO_DISABLE_PERIODIC;
	} else {
		a.type = VMBD_ACT_SKIPPED_DISALLOWED;
	}
	(void)vmbd__policy_push(out, &a);
}

/* ---- TCLO commands ---------------------------------------------------- */

/* args/len: the bytes after "name " (has_args 0 when there was no space). */
typedef void (*command_fn)(struct vmbd_policy *p, const char *args,
			   size_t len, int has_args, int64_t now_ns, int row_arg,
			   struct vmbd_policy_result *out);

static void cmd_reset(struct vmbd_policy *p, const char *args, size_t len,
		      int has_args, int64_t now_ns, int row_arg,
		      struct vmbd_policy_result *out)
{
	/* rpcChannel.c answers "ATR <app name>"; the main service is
	 * "toolbox". A channel reset changes no time-sync state. */
	(void)p, (void)args, (void)len, (void)has_args, (void)now_ns;
	(void)row_arg;
	vmbd__policy_reply(out, VMBD__REPLY_ATR);
}

static void cmd_ping(struct vmbd_policy *p, const char *args, size_t len,
		     int has_args, int64_t now_ns, int row_arg,
		     struct vmbd_policy_result *out)
{
	(void)p, (void)args, (void)len, (void)has_args, (void)now_ns;
	(void)row_arg;
	vmbd__policy_reply(out, VMBD__REPLY_OK);
}

static void cmd_capabilities(struct vmbd_policy *p, const char *args,
			     size_t len, int has_args, int64_t now_ns,
			     int row_arg, struct vmbd_policy_result *out)
{
	(void)p, (void)args, (void)len, (void)has_args, (void)now_ns;
	(void)row_arg;
	push_simple(out, VMBD_ACT_CAPABILITIES);
	vmbd__policy_reply(out, VMBD__REPLY_OK);
}

static void cmd_state_change(struct vmbd_policy *p, const char *args,
			     size_t len, int has_args, int64_t now_ns,
			     int row_arg, struct vmbd_policy_result *out)
{
	struct vmbd_policy_action a;

	/* powerOps answers OK when no script is configured and reports the
	 * outcome later over RPCI. Resume in particular does NOT sync: the
	 * host sends Time_Synchronize if it wants one. */
	(void)p, (void)args, (void)len, (void)has_args, (void)now_ns;
	memset(&a, 0, sizeof(a));
	a.type = VMBD_ACT_STATE_CHANGE;
	a.os_state = row_arg;
	(void)vmbd__policy_push(out, &a);
	vmbd__policy_reply(out, VMBD__REPLY_OK);
}

static void cmd_timeinfo(struct vmbd_policy *p, const char *args, size_t len,
			 int has_args, int64_t now_ns, int row_arg,
			 struct vmbd_policy_result *out)
{
	/* Linux vmtoolsd registers TimeInfo_Update but, unless tools.conf
	 * sets timeInfo.enabled (off by default), refuses it like this. */
	(void)p, (void)args, (void)len, (void)has_args, (void)now_ns;
	(void)row_arg;
	vmbd__policy_reply(out, VMBD__REPLY_NO_TIMEINFO);
}

static void cmd_set_option(struct vmbd_policy *p, const char *args,
			   size_t len, int has_args, int64_t now_ns,
			   int row_arg, struct vmbd_policy_result *out)
{
	(void)row_arg;
	if (!has_args) {
		vmbd__policy_reply(out, VMBD__REPLY_BAD_OPTION);
		return;
	}
	vmbd__policy_set_option(p, args, len, now_ns, out);
}

static void cmd_time_synchronize(struct vmbd_policy *p, const char *args,
				 size_t len, int has_args, int64_t now_ns,
				 int row_arg, struct vmbd_policy_result *out)
{
	size_t start = 0, end;
	uint32_t v;

	(void)now_ns, (void)row_arg;
	/* timeSync.c takes the first space-separated token as an unsigned
	 * number (StrUtil_GetNextUintToken) and ignores the rest. */
	if (has_args) {
		while (start < len && args[start] == ' ')
			start++;
	}
	end = start;
	while (has_args && end < len && args[end] != ' ')
		end++;
	if (!has_args || end == start ||
	    vmbd__parse_u32(args + start, end - start, &v) != VMBD_OK) {
		vmbd__policy_reply(out, VMBD__REPLY_TOKENIZE);
		return;
	}
	if (vmbd__policy_sync_once(p, out, v == 1, VMBD_SYNC_HOST_REQUEST))
		out->fail_reply = VMBD__REPLY_SYNC_FAILED;
	vmbd__policy_reply(out, VMBD__REPLY_OK);
}

struct command_row {
	const char *name;
	size_t name_len;
	command_fn handle;
	int row_arg;
};

#define COMMAND(lit, fn, arg) {lit, sizeof(lit) - 1, fn, arg}

static const struct command_row command_rows[] = {
	COMMAND("reset", cmd_reset, 0),
	COMMAND("ping", cmd_ping, 0),
	COMMAND("Capabilities_Register", cmd_capabilities, 0),
	COMMAND("Set_Option", cmd_set_option, 0),
	COMMAND("Time_Synchronize", cmd_time_synchronize, 0),
	COMMAND("TimeInfo_Update", cmd_timeinfo, 0),
	COMMAND("OS_Halt", cmd_state_change, VMBD_OS_HALT),
	COMMAND("OS_Reboot", cmd_state_change, VMBD_OS_REBOOT),
	COMMAND("OS_PowerOn", cmd_state_change, VMBD_OS_POWERON),
	COMMAND("OS_Resume", cmd_state_change, VMBD_OS_RESUME),
	COMMAND("OS_Suspend", cmd_state_change, VMBD_OS_SUSPEND),
};

static void result_clear(struct vmbd_policy_result *out)
{
	memset(out, 0, sizeof(*out));
}

/* Normalise the caller's flags to 0/1 into the engine's own copy. */
static void copy_local(struct vmbd_policy *p,
		       const struct vmbd_policy_local *local)
{
	memset(&p->local, 0, sizeof(p->local));
	if (local != NULL) {
		p->local.disable_all = local->disable_all != 0;
		p->local.disable_periodic = local->disable_periodic != 0;
		p->local.never_backward = local->never_backward != 0;
	}
}

int vmbd_policy_init(struct vmbd_policy *p,
		     const struct vmbd_policy_local *local)
{
	if (p == NULL)
		return VMBD_EINVAL;
	memset(p, 0, sizeof(*p));
	copy_local(p, local);
	p->s.loop_state = VMBD_LOOP_INITIALIZING;
	p->s.period_s = VMBD_POLICY_DEFAULT_PERIOD_S;
	p->s.percent = VMBD_POLICY_DEFAULT_PERCENT;
	p->s.allow = 1;
	p->next_due_ns = VMBD_POLICY_NEVER;
	return VMBD_OK;
}

int vmbd_policy_set_local(struct vmbd_policy *p,
			  const struct vmbd_policy_local *local,
			  int64_t now_mono_ns, struct vmbd_policy_result *out)
{
	if (out != NULL)
		result_clear(out);
	if (p == NULL || out == NULL)
		return VMBD_EINVAL;
	copy_local(p, local);
	vmbd__policy_loop_update(p, now_mono_ns, out);
	return VMBD_OK;
}

int vmbd_policy_feed(struct vmbd_policy *p, const char *cmd, size_t len,
		     int64_t now_mono_ns, struct vmbd_policy_result *out)
{
	size_t name_len, i;

	if (out != NULL)
		result_clear(out);
	if (p == NULL || out == NULL || (cmd == NULL && len > 0))
		return VMBD_EINVAL;

	/* A sender may count the C string's terminator in the length. */
	if (len > 0 && cmd[len - 1] == '\0')
		len--;
	for (i = 0; i < len && cmd[i] == ' '; i++)
		;
	if (i == len) {
		vmbd__policy_reply(out, VMBD__REPLY_BAD_COMMAND);
		return VMBD_OK;
	}
	for (name_len = 0; name_len < len && cmd[name_len] != ' '; name_len++)
		;
	for (i = 0; i < sizeof(command_rows) / sizeof(command_rows[0]); i++) {
		const struct command_row *row = &command_rows[i];
		int has_args = name_len < len;

		if (row->name_len != name_len ||
		    memcmp(row->name, cmd, name_len) != 0)
			continue;
		row->handle(p, has_args ? cmd + name_len + 1 : NULL,
			    has_args ? len - name_len - 1 : 0, has_args,
			    now_mono_ns, row->row_arg, out);
		return VMBD_OK;
	}
	vmbd__policy_reply(out, VMBD__REPLY_UNKNOWN_COMMAND);
	return VMBD_OK;
}

static int64_t add_saturating(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

int vmbd_policy_tick(struct vmbd_policy *p, int64_t now_mono_ns,
		     struct vmbd_policy_tick *t)
{
	if (p == NULL || t == NULL)
		return VMBD_EINVAL;
	memset(t, 0, sizeof(*t));
	t->period_s = p->s.period_s;
	t->slew_on = p->s.slew_on;
	t->percent = p->s.percent;
	if (!p->s.loop_active) {
		t->next_due_ns = VMBD_POLICY_NEVER;
		return VMBD_OK;
	}
	if (now_mono_ns >= p->next_due_ns) {
		t->due = 1;
		p->next_due_ns = add_saturating(
			now_mono_ns, (int64_t)p->s.period_s * 1000000000);
	}
	t->next_due_ns = p->next_due_ns;
	return VMBD_OK;
}

int vmbd_policy_sync_failed(struct vmbd_policy_result *out)
{
	if (out == NULL || out->fail_reply == NULL)
		return VMBD_EINVAL;
	vmbd__policy_reply(out, out->fail_reply);
	out->fail_reply = NULL;
	return VMBD_OK;
}

void vmbd_policy_get_settings(const struct vmbd_policy *p,
			      struct vmbd_policy_settings *s)
{
	if (p != NULL && s != NULL)
		*s = p->s;
}
