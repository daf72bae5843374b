/*
 * GuestRPC message channel: OPEN/SENDSIZE/SENDPAYLOAD/RECVSIZE/RECVPAYLOAD/
 * RECVSTATUS/CLOSE over the io layer, LB or HB, with bounded checkpoint
 * restarts. Knows nothing of what the messages mean (rpci.c, tclo.c do).
 */
#include <string.h>

#include <vmbackdoor/channel.h>

#include "channel_int.h"

/* Status bits live in the high half of ecx (LB) or ebx (HB). */
static uint32_t status_of(uint32_t reg)
{
	return reg >> 16;
}

static uint32_t hb_bx(void)
{
	return VMBD_HBCMD_MESSAGE | (uint32_t)VMBD_MSG_SUCCESS << 16;
}

int vmbd_msg_status_error(uint32_t status)
{
	/* Checked in order: a checkpoint is retryable, power-off is final,
	 * the rest say why the host gave up. */
	static const struct {
		uint32_t bit;
		int err;
	} failures[] = {
		{VMBD_MSG_CPT, VMBD_ECPT},
		{VMBD_MSG_POWEROFF, VMBD_EPOWEROFF},
		{VMBD_MSG_CLOSED, VMBD_ECLOSED},
		{VMBD_MSG_TIMEOUT, VMBD_ETIMEOUT},
		{VMBD_MSG_UNSENT, VMBD_EUNSENT},
	};
	size_t i;

	if (status & VMBD_MSG_SUCCESS)
		return VMBD_OK;
	for (i = 0; i < sizeof(failures) / sizeof(failures[0]); i++)
		if (status & failures[i].bit)
			return failures[i].err;
	return VMBD_ENOSUCCESS;
}

/* One LB MESSAGE call of sub-command type with ebx = bx on this channel. */
static int msg_call(struct vmbd_channel *ch, unsigned type, uint32_t bx,
		    struct vmbd_frame *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->ax = VMBD_MAGIC;
	f->bx = bx;
	f->cx = VMBD_CMD_MESSAGE | (uint32_t)type << 16;
	f->dx = VMBD_PORT_LB | (uint32_t)ch->id << 16;
	f->si = ch->cookie_high;
	f->di = ch->cookie_low;
	rc = vmbd_io_in(&ch->ctx->io, f);
	if (rc != 0)
		return rc;
	ch->last_status = status_of(f->cx);
	return VMBD_OK;
}

/* As msg_call(), then the status check every step makes. */
static int msg_step(struct vmbd_channel *ch, unsigned type, uint32_t bx,
		    struct vmbd_frame *f)
{
	int rc = msg_call(ch, type, bx, f);

	return rc != 0 ? rc : vmbd_msg_status_error(ch->last_status);
}

/* LB payload words: bytes in little-endian order, a 1-3 byte tail packed
 * as the low bytes of a full word (high bytes zero). */
static uint32_t pack_le(const unsigned char *p, size_t n)
{
	uint32_t w = 0;
	size_t i;

	for (i = 0; i < n; i++)
		w |= (uint32_t)p[i] << (8 * i);
	return w;
}

static void unpack_le(unsigned char *p, size_t n, uint32_t w)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(w >> (8 * i));
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static int may_use_hb(const struct vmbd_channel *ch, uint32_t status)
{
	return (status & VMBD_MSG_HB) && !(ch->flags & VMBD_CHANNEL_NO_HB) &&
	       !ch->hb_unavailable;
}

/* Turn a failed step into the channel's next state. */
static int settle(struct vmbd_channel *ch, int rc)
{
	if (rc == VMBD_OK || rc == VMBD_ENOSPC)
		return rc;
	ch->state = rc == VMBD_ECLOSED ? VMBD_CHANNEL_CLOSED : VMBD_CHANNEL_BROKEN;
	return rc;
}

static void channel_reset(struct vmbd_channel *ch, struct vmbd_ctx *ctx,
			  uint32_t proto, unsigned flags)
{
	memset(ch, 0, sizeof(*ch));
	ch->ctx = ctx;
	ch->proto = proto;
	ch->flags = flags;
	ch->state = VMBD_CHANNEL_CLOSED;
}

int vmbd_channel_open(struct vmbd_channel *ch, struct vmbd_ctx *ctx,
		      uint32_t proto, unsigned flags)
{
	struct vmbd_frame f;
	uint32_t want = VMBD_MSG_FLAG_COOKIE;
	int rc;

	if (ch == NULL)
		return VMBD_EINVAL;
	/* Even a refused call leaves ch defined: without a ctx it is "never
	 * opened" (VMBD_ENOTOPEN above), not whatever it held before. */
	channel_reset(ch, ctx, proto, flags);
	if (ctx == NULL)
		return VMBD_EINVAL;
	if (flags & VMBD_CHANNEL_NO_COOKIE)
		want = 0;
	for (;;) {
		rc = msg_call(ch, VMBD_MSG_OPEN, proto | want, &f);
		if (rc != 0)
			return rc;
		if (ch->last_status & VMBD_MSG_SUCCESS)
			break;
		/* Old hosts refuse the cookie flag: one more try without. */
		if (want == 0)
			return VMBD_EOPEN;
		want = 0;
	}
	ch->id = (uint16_t)(f.dx >> 16);
	if (want != 0) {
		ch->cookies = 1;
		ch->cookie_high = (uint32_t)f.si;
		ch->cookie_low = (uint32_t)f.di;
	}
	ch->state = VMBD_CHANNEL_OPEN;
	return VMBD_OK;
}

int vmbd_channel_close(struct vmbd_channel *ch)
{
	struct vmbd_frame f;
	int rc;

	if (ch == NULL)
		return VMBD_EINVAL;
	if (ch->state == VMBD_CHANNEL_CLOSED)
		return VMBD_OK;
	rc = msg_step(ch, VMBD_MSG_CLOSE, 0, &f);
	ch->state = VMBD_CHANNEL_CLOSED;
	return rc;
}

int vmbd_channel_reopen(struct vmbd_channel *ch)
{
	if (ch == NULL || ch->ctx == NULL)
		return VMBD_EINVAL;
	/* The host may have forgotten the channel already: a failed CLOSE
	 * must not prevent the new OPEN. */
	(void)vmbd_channel_close(ch);
	return vmbd_channel_open(ch, ch->ctx, ch->proto, ch->flags);
}

int vmbd_channel_is_open(const struct vmbd_channel *ch)
{
	return ch != NULL && ch->state == VMBD_CHANNEL_OPEN;
}

/* rep outsb of the whole message; the cookie moves to ebp/edi because esi
 * holds the source address. */
static int hb_send(struct vmbd_channel *ch, const void *buf, size_t len)
{
	struct vmbd_frame f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.ax = VMBD_MAGIC;
	f.bx = hb_bx();
	f.cx = (uint32_t)len;
	f.dx = VMBD_PORT_HB | (uint32_t)ch->id << 16;
	f.si = (uint64_t)(uintptr_t)buf;
	f.di = ch->cookie_low;
	f.bp = ch->cookie_high;
	rc = vmbd_io_hb_out(&ch->ctx->io, &f);
	if (rc != 0)
		return rc;
	ch->last_status = status_of(f.bx);
	return vmbd_msg_status_error(ch->last_status);
}

/* rep insb of the whole message; the cookie moves to esi/ebp because edi
 * holds the destination address. */
static int hb_recv(struct vmbd_channel *ch, void *buf, size_t len)
{
	struct vmbd_frame f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.ax = VMBD_MAGIC;
	f.bx = hb_bx();
	f.cx = (uint32_t)len;
	f.dx = VMBD_PORT_HB | (uint32_t)ch->id << 16;
	f.si = ch->cookie_high;
	f.di = (uint64_t)(uintptr_t)buf;
	f.bp = ch->cookie_low;
	rc = vmbd_io_hb_in(&ch->ctx->io, &f);
	if (rc != 0)
		return rc;
	ch->last_status = status_of(f.bx);
	return vmbd_msg_status_error(ch->last_status);
}

/* One try at sending the whole message. */
static int send_once(struct vmbd_channel *ch, const unsigned char *p,
		     size_t len)
{
	struct vmbd_frame f;
	size_t off;
	int rc;

	rc = msg_step(ch, VMBD_MSG_SENDSIZE, (uint32_t)len, &f);
	if (rc != 0 || len == 0)
		return rc;
	if (may_use_hb(ch, ch->last_status)) {
		rc = hb_send(ch, p, len);
		if (rc != VMBD_ENOTSUP)
			return rc;
		/* Backend without HB ops: the host still waits for the
		 * payload, LB delivers it. */
		ch->hb_unavailable = 1;
	}
	for (off = 0; off < len; off += 4) {
		uint32_t w = pack_le(p + off, min_size(4, len - off));

		rc = msg_step(ch, VMBD_MSG_SENDPAYLOAD, w, &f);
		if (rc != 0)
			return rc;
	}
	return VMBD_OK;
}

int vmbd_channel_send(struct vmbd_channel *ch, const void *buf, size_t len)
{
	unsigned tries;
	int rc = VMBD_ECPT;

	if (ch == NULL || (buf == NULL && len != 0))
		return VMBD_EINVAL;
	if (len > VMBD_MSG_MAX_IN)
		return VMBD_ETOOBIG;
	if (ch->state != VMBD_CHANNEL_OPEN)
		return VMBD_ENOTOPEN;
	for (tries = 0; tries < VMBD_CHANNEL_MAX_TRIES; tries++) {
		if (tries > 0)
			ch->cpt_restarts++;
		rc = send_once(ch, buf, len);
		/* CPT: the VM was checkpointed mid-message; the host dropped
		 * what it had, so the whole message goes again. */
		if (rc != VMBD_ECPT)
			break;
	}
	return settle(ch, rc);
}

/* Refuse an announced message the way open-vm-tools does: the next step
 * (RECVPAYLOAD, or RECVSTATUS for an empty message) carries status 0
 * instead of SUCCESS, so the host drops the message. */
static int refuse(struct vmbd_channel *ch, uint32_t announced)
{
	struct vmbd_frame f;
	unsigned type = announced ? VMBD_MSG_RECVPAYLOAD : VMBD_MSG_RECVSTATUS;
	int rc = msg_step(ch, type, 0, &f);

	return rc != 0 ? rc : VMBD_ENOSPC;
}

static int recv_payload_lb(struct vmbd_channel *ch, unsigned char *p,
			   size_t n)
{
	struct vmbd_frame f;
	size_t off;
	int rc;

	for (off = 0; off < n; off += 4) {
		rc = msg_step(ch, VMBD_MSG_RECVPAYLOAD, VMBD_MSG_SUCCESS, &f);
		if (rc != 0)
			return rc;
		if ((f.dx >> 16) != VMBD_MSG_SENDPAYLOAD)
			return VMBD_EPROTO;
		unpack_le(p + off, min_size(4, n - off), f.bx);
	}
	return VMBD_OK;
}

/* One try at receiving the whole message. */
static int recv_once(struct vmbd_channel *ch, unsigned char *p, size_t size,
		     size_t *len)
{
	struct vmbd_frame f;
	uint32_t n, status;
	int rc;

	rc = msg_step(ch, VMBD_MSG_RECVSIZE, 0, &f);
	if (rc != 0)
		return rc;
	status = ch->last_status;
	if (!(status & VMBD_MSG_DORECV))
		return VMBD_OK; /* nothing waiting: *len stays 0 */
	if ((f.dx >> 16) != VMBD_MSG_SENDSIZE)
		return VMBD_EPROTO;
	n = f.bx;
	if (n > size) {
		*len = n;
		return refuse(ch, n);
	}
	if (n > 0) {
		rc = VMBD_ENOTSUP;
		if (may_use_hb(ch, status)) {
			rc = hb_recv(ch, p, n);
			if (rc == VMBD_ENOTSUP)
				ch->hb_unavailable = 1;
		}
		if (rc == VMBD_ENOTSUP)
			rc = recv_payload_lb(ch, p, n);
		if (rc != 0)
			return rc;
	}
	rc = msg_step(ch, VMBD_MSG_RECVSTATUS, VMBD_MSG_SUCCESS, &f);
	if (rc != 0)
		return rc;
	*len = n;
	return VMBD_OK;
}

int vmbd_channel_recv(struct vmbd_channel *ch, void *buf, size_t size,
		      size_t *len)
{
	unsigned tries;
	int rc = VMBD_ECPT;

	if (ch == NULL || len == NULL || (buf == NULL && size != 0))
		return VMBD_EINVAL;
	*len = 0;
	if (ch->state != VMBD_CHANNEL_OPEN)
		return VMBD_ENOTOPEN;
	for (tries = 0; tries < VMBD_CHANNEL_MAX_TRIES; tries++) {
		if (tries > 0)
			ch->cpt_restarts++;
		*len = 0;
		rc = recv_once(ch, buf, size, len);
		if (rc != VMBD_ECPT)
			break;
	}
	if (rc != VMBD_OK && rc != VMBD_ENOSPC)
		*len = 0;
	return settle(ch, rc);
}

int vmbd__channel_error_retryable(int err)
{
	static const int retryable[] = {
		VMBD_ECLOSED, VMBD_EUNSENT, VMBD_ETIMEOUT, VMBD_ENOSUCCESS,
		VMBD_ECPT, VMBD_EPROTO, VMBD_ENOTOPEN,
	};
	size_t i;

	for (i = 0; i < sizeof(retryable) / sizeof(retryable[0]); i++)
		if (err == retryable[i])
			return 1;
	return 0;
}
