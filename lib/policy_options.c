/*
 * Set_Option: one table row per option name, each naming its value parser
 * and the effect. The value is parsed completely before any state changes,
 * so a rejected value changes nothing.
 */
#include "policy_internal.h"
#include "strict_parse.h"

#include <string.h>

typedef int (*value_parser)(const char *s, size_t len, uint32_t *out);
typedef void (*option_fn)(struct vmbd_policy *p, uint32_t v, int64_t now_ns,
			  struct vmbd_policy_result *out);

static void push_slew(const struct vmbd_policy *p,
		      struct vmbd_policy_result *out)
{
	struct vmbd_policy_action a;

	memset(&a, 0, sizeof(a));
	a.type = VMBD_ACT_SET_SLEW;
	a.slew_on = p->s.slew_on;
	a.percent = p->s.percent;
	(void)vmbd__policy_push(out, &a);
}

/* synctime: start or stop the periodic loop. */
static void opt_synctime(struct vmbd_policy *p, uint32_t v, int64_t now_ns,
			 struct vmbd_policy_result *out)
{
	if (!v) {
		p->s.loop_state = VMBD_LOOP_STOPPED;
		vmbd__policy_loop_update(p, now_ns, out);
		return;
	}
	if (p->s.loop_state == VMBD_LOOP_RUNNING)
		return;
	/* Only a stopped -> running change does the one-shot: at start the
	 * host sends synctime before tools.enable (timeSync.c). */
	if (p->s.loop_state == VMBD_LOOP_STOPPED && p->s.tools_enable)
		(void)vmbd__policy_sync_once(p, out, 1, VMBD_SYNC_LOOP_ENABLE);
	p->s.loop_state = VMBD_LOOP_RUNNING;
	vmbd__policy_loop_update(p, now_ns, out);
	if (!p->s.loop_active)
		vmbd__policy_loop_suppressed(p, out);
}

static void opt_period(struct vmbd_policy *p, uint32_t v, int64_t now_ns,
		       struct vmbd_policy_result *out)
{
	struct vmbd_policy_action a;

	if (v == 0)
		v = VMBD_POLICY_DEFAULT_PERIOD_S;
	if (v == p->s.period_s)
		return;
	p->s.period_s = v;
	if (!p->s.loop_active)
		return;
	/* timeSync.c stops and restarts the loop, which syncs at once. */
	memset(&a, 0, sizeof(a));
	a.type = VMBD_ACT_LOOP_PERIOD;
	a.period_s = v;
	(void)vmbd__policy_push(out, &a);
	p->next_due_ns = now_ns;
}

static void opt_tools_enable(struct vmbd_policy *p, uint32_t v,
			     int64_t now_ns, struct vmbd_policy_result *out)
{
	(void)now_ns, (void)out;
	p->s.tools_enable = (int)v;
}

static void opt_startup(struct vmbd_policy *p, uint32_t v, int64_t now_ns,
			struct vmbd_policy_result *out)
{
	(void)now_ns;
	/* The first startup option, 0 or 1, decides; later ones do nothing. */
	if (p->s.startup_done)
		return;
	p->s.startup_done = 1;
	if (v && vmbd__policy_sync_once(p, out, p->s.startup_backward,
					VMBD_SYNC_STARTUP))
		out->fail_reply = VMBD__REPLY_BAD_OPTION;
}

static void opt_startup_backward(struct vmbd_policy *p, uint32_t v,
				 int64_t now_ns,
				 struct vmbd_policy_result *out)
{
	(void)now_ns, (void)out;
	p->s.startup_backward = (int)v;
}

static void opt_slew(struct vmbd_policy *p, uint32_t v, int64_t now_ns,
		     struct vmbd_policy_result *out)
{
	(void)now_ns;
	p->s.slew_on = (int)v;
	push_slew(p, out);
}

static void opt_percent(struct vmbd_policy *p, uint32_t v, int64_t now_ns,
			struct vmbd_policy_result *out)
{
	(void)now_ns;
	/* timeSync.c: outside 1..100 means the default. */
	p->s.percent = (v == 0 || v > 100) ? VMBD_POLICY_DEFAULT_PERCENT : v;
	push_slew(p, out);
}

static void opt_allow(struct vmbd_policy *p, uint32_t v, int64_t now_ns,
		      struct vmbd_policy_result *out)
{
	p->s.allow = (int)v;
	vmbd__policy_loop_update(p, now_ns, out);
}

static void opt_guest_resync(struct vmbd_policy *p, uint32_t v,
			     int64_t now_ns, struct vmbd_policy_result *out)
{
	struct vmbd_policy_action a;

	(void)now_ns;
	p->s.guest_resync = (int)v;
	if (v && !p->resync_noted) {
		p->resync_noted = 1;
		memset(&a, 0, sizeof(a));
		a.type = VMBD_ACT_RESYNC_UNSUPPORTED;
		(void)vmbd__policy_push(out, &a);
	}
}

static void opt_guest_resync_timeout(struct vmbd_policy *p, uint32_t v,
				     int64_t now_ns,
				     struct vmbd_policy_result *out)
{
	(void)now_ns, (void)out;
	p->s.guest_resync_timeout_s = v;
}

struct option_row {
	const char *name;
	size_t name_len;
	value_parser parse;
	option_fn apply;
};

#define OPTION(lit, parse, fn) {lit, sizeof(lit) - 1, parse, fn}

/* Names from open-vm-tools' vmware/guestrpc/timesync.h. */
static const struct option_row option_rows[] = {
	OPTION("synctime", vmbd__parse_bool, opt_synctime),
	OPTION("synctime.period", vmbd__parse_u32, opt_period),
	OPTION("time.synchronize.tools.enable", vmbd__parse_bool,
	       opt_tools_enable),
	OPTION("time.synchronize.tools.startup", vmbd__parse_bool,
	       opt_startup),
	OPTION("time.synchronize.tools.startup.backward", vmbd__parse_bool,
	       opt_startup_backward),
	OPTION("time.synchronize.tools.slewCorrection", vmbd__parse_bool,
	       opt_slew),
	OPTION("time.synchronize.tools.percentCorrection", vmbd__parse_u32,
	       opt_percent),
	OPTION("time.synchronize.allow", vmbd__parse_bool, opt_allow),
	OPTION("time.synchronize.guest.resync", vmbd__parse_bool,
	       opt_guest_resync),
	OPTION("time.synchronize.guest.resync.timeout", vmbd__parse_u32,
	       opt_guest_resync_timeout),
};

void vmbd__policy_set_option(struct vmbd_policy *p, const char *args,
			     size_t len, int64_t now_ns,
			     struct vmbd_policy_result *out)
{
	size_t name_len, i;
	uint32_t v;

	/* "<name> <value>": the value is everything after the one space
	 * (toolsRpc.c), so extra spaces are part of it and make it invalid. */
	for (name_len = 0; name_len < len && args[name_len] != ' '; name_len++)
		;
	if (name_len + 1 >= len) {
		vmbd__policy_reply(out, VMBD__REPLY_BAD_OPTION);
		return;
	}
	for (i = 0; i < sizeof(option_rows) / sizeof(option_rows[0]); i++) {
		const struct option_row *row = &option_rows[i];

		if (row->name_len != name_len ||
		    memcmp(row->name, args, name_len) != 0)
			continue;
		if (row->parse(args + name_len + 1, len - name_len - 1, &v) !=
		    VMBD_OK)
			break;
		row->apply(p, v, now_ns, out);
		vmbd__policy_reply(out, VMBD__REPLY_OK);
		return;
	}
	vmbd__policy_reply(out, VMBD__REPLY_BAD_OPTION);
}
