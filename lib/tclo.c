/*
 * TCLO poll step: answer the previous host command, fetch the next one.
 * Never sleeps; the caller owns the polling rhythm.
 */
#include <string.h>

#include <vmbackdoor/tclo.h>

#include "channel_int.h"

int vmbd_tclo_open(struct vmbd_tclo *t, struct vmbd_ctx *ctx, unsigned flags)
{
	if (t == NULL)
		return VMBD_EINVAL;
	t->reopens = 0;
	t->commands = 0;
	return vmbd_channel_open(&t->ch, ctx, VMBD_PROTO_TCLO, flags);
}

int vmbd_tclo_close(struct vmbd_tclo *t)
{
	if (t == NULL)
		return VMBD_EINVAL;
	return vmbd_channel_close(&t->ch);
}

static int step(struct vmbd_tclo *t, const void *reply, size_t reply_len,
		char *cmd, size_t size, size_t *cmd_len)
{
	int rc = vmbd_channel_send(&t->ch, reply, reply_len);

	if (rc != VMBD_OK)
		return rc;
	/* One byte stays free for the NUL. */
	return vmbd_channel_recv(&t->ch, cmd, size - 1, cmd_len);
}

static int reopen(struct vmbd_tclo *t)
{
	int rc = vmbd_channel_reopen(&t->ch);

	if (rc == VMBD_OK)
		t->reopens++;
	return rc;
}

int vmbd_tclo_poll(struct vmbd_tclo *t, const void *reply, size_t reply_len,
		   char *cmd, size_t size, size_t *cmd_len)
{
	size_t n = 0;
	int rc;

	if (t == NULL || cmd == NULL || size == 0 || cmd_len == NULL ||
	    (reply == NULL && reply_len != 0))
		return VMBD_EINVAL;
	*cmd_len = 0;
	cmd[0] = '\0';
	if (reply_len > VMBD_MSG_MAX_IN)
		return VMBD_ETOOBIG;
	if (t->ch.ctx == NULL)
		return VMBD_ENOTOPEN;
	if (!vmbd_channel_is_open(&t->ch)) {
		rc = reopen(t);
		if (rc != VMBD_OK)
			return rc;
		/* A new channel starts with the empty reply. */
		reply = NULL;
		reply_len = 0;
		rc = step(t, reply, reply_len, cmd, size, &n);
	} else {
		rc = step(t, reply, reply_len, cmd, size, &n);
		if (vmbd__channel_error_retryable(rc)) {
			rc = reopen(t);
			if (rc == VMBD_OK)
				rc = step(t, NULL, 0, cmd, size, &n);
		}
	}
	if (rc == VMBD_OK && n == 0)
		rc = VMBD_ENOMSG;
	if (rc != VMBD_OK) {
		/* A try that failed after its payload arrived (the host closed
		 * the channel at RECVSTATUS; a CPT, then nothing waiting or a
		 * refusal on the retry) has left bytes in cmd: the promised ""
		 * must not become an unterminated fragment. */
		cmd[0] = '\0';
		if (rc == VMBD_ENOSPC)
			*cmd_len = n;
		return rc;
	}
	cmd[n] = '\0';
	*cmd_len = n;
	t->commands++;
	return VMBD_OK;
}
