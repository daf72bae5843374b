/*
 * RPCI: one request, one "1 "/"0 "-prefixed reply, over a kept-open
 * channel that is reopened (once per call) when it breaks.
 */
#include <string.h>

#include <vmbackdoor/rpci.h>

#include "channel_int.h"

int vmbd_rpci_open(struct vmbd_rpci *r, struct vmbd_ctx *ctx, unsigned flags)
{
	if (r == NULL)
		return VMBD_EINVAL;
	r->reopens = 0;
	return vmbd_channel_open(&r->ch, ctx, VMBD_PROTO_RPCI, flags);
}

int vmbd_rpci_close(struct vmbd_rpci *r)
{
	if (r == NULL)
		return VMBD_EINVAL;
	return vmbd_channel_close(&r->ch);
}

/* Strip the status prefix in place: "1 text" -> "text". */
static int parse_reply(char *reply, size_t m, size_t *reply_len)
{
	int rc;

	if (m < 2 || reply[1] != ' ' || (reply[0] != '1' && reply[0] != '0')) {
		reply[0] = '\0';
		*reply_len = 0;
		return VMBD_EPROTO;
	}
	rc = reply[0] == '1' ? VMBD_OK : VMBD_ERPC;
	memmove(reply, reply + 2, m - 2);
	reply[m - 2] = '\0';
	*reply_len = m - 2;
	return rc;
}

/* One send + receive on the channel; VMBD_OK with *m the reply length. */
static int exchange(struct vmbd_rpci *r, const void *req, size_t len,
		    char *reply, size_t size, size_t *m)
{
	int rc = vmbd_channel_send(&r->ch, req, len);

	if (rc != VMBD_OK)
		return rc;
	return vmbd_channel_recv(&r->ch, reply, size, m);
}

static int reopen(struct vmbd_rpci *r)
{
	int rc = vmbd_channel_reopen(&r->ch);

	if (rc == VMBD_OK)
		r->reopens++;
	return rc;
}

int vmbd_rpci_call(struct vmbd_rpci *r, const void *req, size_t len,
		   char *reply, size_t size, size_t *reply_len)
{
	size_t m = 0;
	int rc, reopened = 0;

	if (r == NULL || reply == NULL || size == 0 || reply_len == NULL ||
	    (req == NULL && len != 0))
		return VMBD_EINVAL;
	*reply_len = 0;
	reply[0] = '\0';
	if (len > VMBD_MSG_MAX_IN)
		return VMBD_ETOOBIG;
	if (r->ch.ctx == NULL)
		return VMBD_ENOTOPEN;
	if (!vmbd_channel_is_open(&r->ch)) {
		rc = reopen(r);
		if (rc != VMBD_OK)
			return rc;
		reopened = 1;
	}
	rc = exchange(r, req, len, reply, size, &m);
	if (!reopened && vmbd__channel_error_retryable(rc)) {
		/* As open-vm-tools' backdoor channel does: restart the
		 * channel and resend once. */
		rc = reopen(r);
		if (rc == VMBD_OK)
			rc = exchange(r, req, len, reply, size, &m);
	}
	if (rc == VMBD_ENOSPC) {
		reply[0] = '\0';
		*reply_len = m;
		return rc;
	}
	if (rc != VMBD_OK) {
		reply[0] = '\0';
		return rc;
	}
	return parse_reply(reply, m, reply_len);
}

int vmbd_rpci_command(struct vmbd_rpci *r, const char *cmd, char *reply,
		      size_t size, size_t *reply_len)
{
	if (cmd == NULL)
		return VMBD_EINVAL;
	return vmbd_rpci_call(r, cmd, strlen(cmd), reply, size, reply_len);
}

int vmbd_rpci_send_one(struct vmbd_ctx *ctx, unsigned flags, const void *req,
		       size_t len, char *reply, size_t size, size_t *reply_len)
{
	struct vmbd_rpci r;
	int rc;

	if (ctx == NULL || reply == NULL || size == 0 || reply_len == NULL ||
	    (req == NULL && len != 0))
		return VMBD_EINVAL;
	*reply_len = 0;
	reply[0] = '\0';
	/* Refuse before opening: an oversized request costs no call. */
	if (len > VMBD_MSG_MAX_IN)
		return VMBD_ETOOBIG;
	rc = vmbd_rpci_open(&r, ctx, flags);
	if (rc != VMBD_OK)
		return rc;
	rc = vmbd_rpci_call(&r, req, len, reply, size, reply_len);
	(void)vmbd_rpci_close(&r);
	return rc;
}
