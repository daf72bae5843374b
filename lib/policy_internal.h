/*
 * Private to the policy engine: the pieces its command table
 * (policy.c) and Set_Option table (policy_options.c) share.
 */
#ifndef VMBD_POLICY_INTERNAL_H
#define VMBD_POLICY_INTERNAL_H

#include <vmbackdoor/policy.h>

/* Reply texts, spelled as open-vm-tools spells them (tclodefs.h,
 * toolsRpc.c, rpcChannel.c, timeSync.c). */
#define VMBD__REPLY_OK "OK "
#define VMBD__REPLY_ATR "OK ATR toolbox"
#define VMBD__REPLY_UNKNOWN_COMMAND "ERROR Unknown Command"
#define VMBD__REPLY_BAD_COMMAND "ERROR Bad command"
#define VMBD__REPLY_BAD_OPTION "ERROR Unknown or invalid option"
#define VMBD__REPLY_TOKENIZE "ERROR Unable to tokenize TimeSync RPC data"
#define VMBD__REPLY_SYNC_FAILED "ERROR Unable to sync time"
#define VMBD__REPLY_NO_TIMEINFO "ERROR TimeInfo not enabled"

/* Set the reply text (a NUL-terminated constant shorter than the buffer). */
void vmbd__policy_reply(struct vmbd_policy_result *out, const char *text);

/* Append an action; VMBD_EFULL if the list is full (a table bug: the
 * worst case is below VMBD_POLICY_MAX_ACTIONS, see policy.c). */
int vmbd__policy_push(struct vmbd_policy_result *out,
		      const struct vmbd_policy_action *a);

/* A one-shot sync the host asked for, passed through the host's allow
 * and the local veto. Returns 1 when a SYNC_ONCE action was emitted. */
int vmbd__policy_sync_once(struct vmbd_policy *p,
			   struct vmbd_policy_result *out, int backward,
			   int cause);

/* Recompute whether periodic syncs run and emit LOOP_START / LOOP_STOP
 * when that changed. */
void vmbd__policy_loop_update(struct vmbd_policy *p, int64_t now_ns,
			      struct vmbd_policy_result *out);

/* Report why a loop the host started does not run (veto or disallow). */
void vmbd__policy_loop_suppressed(const struct vmbd_policy *p,
				  struct vmbd_policy_result *out);

/* Handle "Set_Option <args>": args is everything after the first space. */
void vmbd__policy_set_option(struct vmbd_policy *p, const char *args,
			     size_t len, int64_t now_ns,
			     struct vmbd_policy_result *out);

#endif
