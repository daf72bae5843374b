/* Names of policy actions, veto reasons and sync causes, for logs and the
 * data-driven test table: one table each, indexed by the enum value. */
#include <vmbackdoor/policy.h>

struct name_row {
	int value;
	const char *name;
};

static const struct name_row action_names[] = {
	{VMBD_ACT_SYNC_ONCE, "SYNC_ONCE"},
	{VMBD_ACT_LOOP_START, "LOOP_START"},
	{VMBD_ACT_LOOP_STOP, "LOOP_STOP"},
	{VMBD_ACT_LOOP_PERIOD, "LOOP_PERIOD"},
	{VMBD_ACT_SET_SLEW, "SET_SLEW"},
	{VMBD_ACT_SKIPPED_VETO, "SKIPPED_VETO"},
	{VMBD_ACT_SKIPPED_DISALLOWED, "SKIPPED_DISALLOWED"},
	{VMBD_ACT_STATE_CHANGE, "STATE_CHANGE"},
	{VMBD_ACT_CAPABILITIES, "CAPABILITIES"},
	{VMBD_ACT_RESYNC_UNSUPPORTED, "RESYNC_UNSUPPORTED"},
};

static const struct name_row veto_names[] = {
	{VMBD_VETO_DISABLE_ALL, "DISABLE_ALL"},
	{VMBD_VETO_DISABLE_PERIODIC, "DISABLE_PERIODIC"},
	{VMBD_VETO_NEVER_BACKWARD, "NEVER_BACKWARD"},
};

static const struct name_row cause_names[] = {
	{VMBD_SYNC_HOST_REQUEST, "HOST_REQUEST"},
	{VMBD_SYNC_STARTUP, "STARTUP"},
	{VMBD_SYNC_LOOP_ENABLE, "LOOP_ENABLE"},
};

static const char *lookup(const struct name_row *rows, size_t n, int value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].value == value)
			return rows[i].name;
	return "?";
}

#define LOOKUP(table, v) lookup(table, sizeof(table) / sizeof(table[0]), v)

const char *vmbd_policy_action_name(int type)
{
	return LOOKUP(action_names, type);
}

const char *vmbd_policy_veto_name(int reason)
{
	return LOOKUP(veto_names, reason);
}

const char *vmbd_policy_cause_name(int cause)
{
	return LOOKUP(cause_names, cause);
}
