/*
 * Simulated VMX, GuestRPC transport: the MESSAGE command's sub-commands and
 * the HB port, per channel, with cookies, the 64 KiB incoming limit and
 * fault injection. What a complete message means is sim_rpci.c's job.
 */
#include <string.h>

#include <vmbackdoor/channel.h>
#include <vmbackdoor/sim.h>

#include "sim_rpc_int.h"

/* Pseudo sub-commands for the HB port, so faults can name them too. */
enum { HB_OUT = 100, HB_IN = 101 };

void vmbd_sim_rpc_init(struct vmbd_sim_rpc *rpc)
{
	if (rpc == NULL)
		return;
	memset(rpc, 0, sizeof(*rpc));
	rpc->enabled = 1;
	rpc->hb = 1;
	rpc->channels = VMBD_SIM_RPC_MAX_CHANNELS;
	rpc->cookie_seed = 0x2545F491u;
}

static uint32_t next_cookie(struct vmbd_sim_rpc *rpc)
{
	/* xorshift32: cookies only need to differ, not to be secret. */
	uint32_t x = rpc->cookie_seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rpc->cookie_seed = x;
	return x;
}

static uint32_t hb_bit(const struct vmbd_sim *sim)
{
	return sim->rpc.hb && !sim->lb_only ? VMBD_MSG_HB : 0;
}

/* Forget a channel's state without touching its large buffers. */
static void chan_free(struct vmbd_sim_rpc_channel *ch)
{
	ch->used = 0;
	ch->proto = 0;
	ch->cookies = 0;
	ch->cookie_high = ch->cookie_low = 0;
	ch->in_active = 0;
	ch->in_len = ch->in_pos = 0;
	ch->out_pending = ch->out_reading = 0;
	ch->out_len = ch->out_announced = ch->out_pos = 0;
	ch->out_is_tclo_cmd = 0;
}

void vmbd__sim_rpc_set_out(struct vmbd_sim_rpc_channel *ch, const void *data,
			   size_t len)
{
	if (len > sizeof(ch->out))
		len = sizeof(ch->out);
	if (len > 0 && data != ch->out)
		memmove(ch->out, data, len);
	ch->out_len = (uint32_t)len;
	ch->out_announced = (uint32_t)len;
	ch->out_pos = 0;
	ch->out_pending = 1;
	ch->out_reading = 0;
	ch->out_is_tclo_cmd = 0;
}

static void message_complete(struct vmbd_sim_rpc *rpc,
			     struct vmbd_sim_rpc_channel *ch)
{
	ch->in_active = 0;
	rpc->messages_in++;
	if (ch->proto == VMBD_PROTO_RPCI)
		vmbd__sim_rpci_request(rpc, ch);
	else
		vmbd__sim_tclo_message(rpc, ch);
}

/* The guest refused or failed the pending host message: drop it. */
static uint32_t drop_out(struct vmbd_sim_rpc *rpc,
			 struct vmbd_sim_rpc_channel *ch)
{
	ch->out_pending = ch->out_reading = 0;
	ch->out_pos = 0;
	rpc->refused++;
	return VMBD_MSG_SUCCESS;
}

/* ---- fault injection ---- */

static int fault_applies(int kind, unsigned type,
			 const struct vmbd_sim_rpc_channel *ch)
{
	switch (kind) {
	case VMBD_SIM_FAULT_TRUNCATE:
	case VMBD_SIM_FAULT_LENGTH:
		return type == VMBD_MSG_RECVSIZE && ch->out_pending;
	case VMBD_SIM_FAULT_BAD_TYPE:
		return (type == VMBD_MSG_RECVSIZE && ch->out_pending) ||
		       (type == VMBD_MSG_RECVPAYLOAD && ch->out_reading);
	case VMBD_SIM_FAULT_NONE:
		return 0;
	default:
		return 1;
	}
}

/* The fault kind that hits this call, or VMBD_SIM_FAULT_NONE. */
static int fault_take(struct vmbd_sim_rpc *rpc, unsigned type,
		      const struct vmbd_sim_rpc_channel *ch)
{
	struct vmbd_sim_fault *ft = &rpc->fault;

	if (ft->left == 0 || rpc->steps < ft->start ||
	    !fault_applies(ft->kind, type, ch))
		return VMBD_SIM_FAULT_NONE;
	ft->left--;
	ft->fired++;
	return ft->kind;
}

int vmbd_sim_rpc_set_fault(struct vmbd_sim *sim, int kind, uint32_t at,
			   uint32_t count, uint32_t value)
{
	struct vmbd_sim_fault *ft;

	if (sim == NULL || kind < VMBD_SIM_FAULT_NONE ||
	    kind > VMBD_SIM_FAULT_BAD_TYPE)
		return VMBD_EINVAL;
	ft = &sim->rpc.fault;
	ft->kind = kind;
	ft->start = sim->rpc.steps + (at ? at : 1);
	ft->left = kind == VMBD_SIM_FAULT_NONE ? 0 : (count ? count : 1);
	ft->value = value;
	ft->fired = 0;
	return VMBD_OK;
}

uint32_t vmbd_sim_rpc_fault_fired(const struct vmbd_sim *sim)
{
	return sim ? sim->rpc.fault.fired : 0;
}

/* ---- sub-commands: each returns the status bits of its answer ---- */

typedef uint32_t (*msg_fn)(struct vmbd_sim *sim,
			   struct vmbd_sim_rpc_channel *ch,
			   struct vmbd_frame *f, int fault);

static uint32_t do_sendsize(struct vmbd_sim *sim,
			    struct vmbd_sim_rpc_channel *ch,
			    struct vmbd_frame *f, int fault)
{
	(void)fault;
	/* GUESTMSG_MAX_IN_SIZE: a host refuses larger messages. */
	if (f->bx > VMBD_SIM_RPC_MAX_IN)
		return 0;
	ch->in_active = 1;
	ch->in_len = f->bx;
	ch->in_pos = 0;
	if (ch->in_len == 0)
		message_complete(&sim->rpc, ch);
	return VMBD_MSG_SUCCESS | hb_bit(sim);
}

static uint32_t do_sendpayload(struct vmbd_sim *sim,
			       struct vmbd_sim_rpc_channel *ch,
			       struct vmbd_frame *f, int fault)
{
	uint32_t n, i;

	(void)fault;
	if (!ch->in_active)
		return 0; /* more payload than SENDSIZE announced */
	n = ch->in_len - ch->in_pos;
	if (n > 4)
		n = 4;
	if (n < 4 && (f->bx >> (8 * n)) != 0)
		sim->rpc.tail_junk++;
	for (i = 0; i < n; i++)
		ch->in[ch->in_pos + i] = (unsigned char)(f->bx >> (8 * i));
	ch->in_pos += n;
	if (ch->in_pos == ch->in_len)
		message_complete(&sim->rpc, ch);
	return VMBD_MSG_SUCCESS;
}

static uint32_t do_recvsize(struct vmbd_sim *sim,
			    struct vmbd_sim_rpc_channel *ch,
			    struct vmbd_frame *f, int fault)
{
	uint32_t type = VMBD_MSG_SENDSIZE;

	if (!ch->out_pending) {
		f->bx = 0;
		return VMBD_MSG_SUCCESS | hb_bit(sim);
	}
	ch->out_announced = ch->out_len;
	if (fault == VMBD_SIM_FAULT_TRUNCATE)
		ch->out_announced =
			sim->rpc.fault.value > 0xFFFFFFFFu - ch->out_len
				? 0xFFFFFFFFu /* saturate, never wrap */
				: ch->out_len + sim->rpc.fault.value;
	else if (fault == VMBD_SIM_FAULT_LENGTH)
		ch->out_announced = sim->rpc.fault.value;
	else if (fault == VMBD_SIM_FAULT_BAD_TYPE)
		type = VMBD_MSG_SENDPAYLOAD;
	ch->out_reading = 1;
	ch->out_pos = 0;
	f->bx = ch->out_announced;
	f->dx = (f->dx & 0xFFFFu) | type << 16;
	return VMBD_MSG_SUCCESS | VMBD_MSG_DORECV | hb_bit(sim);
}

static uint32_t do_recvpayload(struct vmbd_sim *sim,
			       struct vmbd_sim_rpc_channel *ch,
			       struct vmbd_frame *f, int fault)
{
	uint32_t n, i, w = 0;
	uint32_t type = fault == VMBD_SIM_FAULT_BAD_TYPE ? VMBD_MSG_SENDSIZE
							 : VMBD_MSG_SENDPAYLOAD;

	/* ebx acknowledges the previous step: no SUCCESS means the guest
	 * refuses the message (open-vm-tools, buffer too small). */
	if (!(f->bx & VMBD_MSG_SUCCESS))
		return drop_out(&sim->rpc, ch);
	if (!ch->out_reading || ch->out_pos >= ch->out_announced ||
	    ch->out_pos >= ch->out_len)
		return 0; /* beyond the announced or the real data */
	n = ch->out_announced - ch->out_pos;
	if (n > 4)
		n = 4;
	for (i = 0; i < n && ch->out_pos + i < ch->out_len; i++)
		w |= (uint32_t)ch->out[ch->out_pos + i] << (8 * i);
	ch->out_pos += n;
	f->bx = w;
	f->dx = (f->dx & 0xFFFFu) | type << 16;
	return VMBD_MSG_SUCCESS;
}

static uint32_t do_recvstatus(struct vmbd_sim *sim,
			      struct vmbd_sim_rpc_channel *ch,
			      struct vmbd_frame *f, int fault)
{
	(void)fault;
	if (!(f->bx & VMBD_MSG_SUCCESS))
		return drop_out(&sim->rpc, ch);
	if (!ch->out_pending) /* nothing to acknowledge */
		return 0;
	if (!ch->out_reading || ch->out_pos != ch->out_announced ||
	    ch->out_announced > ch->out_len)
		return 0; /* lengths do not match what was delivered */
	ch->out_pending = ch->out_reading = 0;
	sim->rpc.messages_out++;
	if (ch->out_is_tclo_cmd)
		ch->out_is_tclo_cmd = 2; /* delivered: next guest message answers it */
	return VMBD_MSG_SUCCESS;
}

static uint32_t do_close(struct vmbd_sim *sim, struct vmbd_sim_rpc_channel *ch,
			 struct vmbd_frame *f, int fault)
{
	(void)f;
	(void)fault;
	chan_free(ch);
	sim->rpc.closes++;
	return VMBD_MSG_SUCCESS;
}

/* Indexed by enum vmbd_msg_type; OPEN has no channel yet (NULL). */
static const msg_fn msg_table[] = {
	NULL, do_sendsize, do_sendpayload, do_recvsize,
	do_recvpayload, do_recvstatus, do_close,
};

static uint32_t do_open(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	struct vmbd_sim_rpc *rpc = &sim->rpc;
	uint32_t proto = f->bx & ~VMBD_MSG_FLAG_COOKIE;
	int want_cookie = (f->bx & VMBD_MSG_FLAG_COOKIE) != 0;
	unsigned i;

	if ((proto != VMBD_PROTO_RPCI && proto != VMBD_PROTO_TCLO) ||
	    (want_cookie && rpc->old_host))
		goto refuse;
	for (i = 0; i < rpc->channels && i < VMBD_SIM_RPC_MAX_CHANNELS; i++) {
		struct vmbd_sim_rpc_channel *ch = &rpc->chan[i];

		if (ch->used)
			continue;
		chan_free(ch);
		ch->used = 1;
		ch->proto = proto;
		if (want_cookie) {
			ch->cookies = 1;
			ch->cookie_high = next_cookie(rpc);
			ch->cookie_low = next_cookie(rpc);
		}
		f->dx = (f->dx & 0xFFFFu) | (uint32_t)i << 16;
		f->si = ch->cookie_high;
		f->di = ch->cookie_low;
		rpc->opens++;
		return VMBD_MSG_SUCCESS;
	}
refuse:
	rpc->open_refused++;
	return 0;
}

/* The channel a call names, checked against its cookie (given as the two
 * halves the call form uses); NULL when unknown or the cookie is wrong. */
static struct vmbd_sim_rpc_channel *chan_lookup(struct vmbd_sim_rpc *rpc,
						uint32_t dx)
{
	uint32_t id = dx >> 16;

	if (id >= VMBD_SIM_RPC_MAX_CHANNELS || !rpc->chan[id].used)
		return NULL;
	return &rpc->chan[id];
}

static int cookie_ok(const struct vmbd_sim_rpc_channel *ch, uint32_t high,
		     uint32_t low)
{
	return !ch->cookies || (ch->cookie_high == high && ch->cookie_low == low);
}

/*
 * Faults that act before the sub-command. Returns 1 with *status set when
 * the fault decides the answer.
 */
static int fault_preempts(struct vmbd_sim_rpc *rpc,
			  struct vmbd_sim_rpc_channel *ch, int fault,
			  uint32_t *status)
{
	switch (fault) {
	case VMBD_SIM_FAULT_COOKIE:
		/* The host's idea of the cookie changes under the guest. */
		ch->cookies = 1;
		ch->cookie_low ^= 0xA5A5A5A5u;
		ch->cookie_high ^= 0x5A5A5A5Au;
		return 0;
	case VMBD_SIM_FAULT_CPT:
		/* Restored from a checkpoint: the message in flight is
		 * lost on both sides; a pending host message is offered
		 * again from its start. */
		ch->in_active = 0;
		ch->out_reading = 0;
		ch->out_pos = 0;
		*status = VMBD_MSG_CPT;
		return 1;
	case VMBD_SIM_FAULT_CLOSE:
		chan_free(ch);
		rpc->closes++;
		*status = VMBD_MSG_CLOSED;
		return 1;
	case VMBD_SIM_FAULT_STATUS:
		*status = rpc->fault.value;
		return 1;
	default:
		return 0;
	}
}

/* Common path of every channel call: lookup, faults, cookie, action. */
static uint32_t chan_call(struct vmbd_sim *sim, unsigned type, uint32_t dx,
			  uint32_t cookie_high, uint32_t cookie_low,
			  struct vmbd_sim_rpc_channel **out, int *fault_out)
{
	struct vmbd_sim_rpc *rpc = &sim->rpc;
	struct vmbd_sim_rpc_channel *ch = chan_lookup(rpc, dx);
	uint32_t status = 0;
	int fault;

	*out = NULL;
	*fault_out = VMBD_SIM_FAULT_NONE;
	if (ch == NULL)
		return 0;
	fault = fault_take(rpc, type, ch);
	if (fault_preempts(rpc, ch, fault, &status))
		return status;
	if (!cookie_ok(ch, cookie_high, cookie_low))
		return 0;
	*out = ch;
	*fault_out = fault;
	return VMBD_MSG_SUCCESS;
}

static uint32_t finish_status(struct vmbd_sim_rpc *rpc, uint32_t status,
			      int fault)
{
	if (fault == VMBD_SIM_FAULT_JUNK_BITS)
		status |= rpc->fault.value;
	if (!(status & VMBD_MSG_SUCCESS))
		rpc->bad_calls++;
	return status;
}

void vmbd_sim_rpc_message(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	struct vmbd_sim_rpc *rpc;
	struct vmbd_sim_rpc_channel *ch;
	unsigned type;
	uint32_t status;
	int fault = VMBD_SIM_FAULT_NONE;

	if (sim == NULL || f == NULL)
		return;
	rpc = &sim->rpc;
	if (!rpc->enabled) {
		f->ax = 0xFFFFFFFFu; /* unknown command, like QEMU */
		return;
	}
	rpc->steps++;
	type = f->cx >> 16;
	if (type == VMBD_MSG_OPEN) {
		status = do_open(sim, f);
	} else if (type >= sizeof(msg_table) / sizeof(msg_table[0])) {
		status = 0;
	} else {
		status = chan_call(sim, type, f->dx, (uint32_t)f->si,
				   (uint32_t)f->di, &ch, &fault);
		if (ch != NULL)
			status = msg_table[type](sim, ch, f, fault);
	}
	status = finish_status(rpc, status, fault);
	f->cx = (f->cx & 0xFFFFu) | status << 16;
}

static int hb_frame_ok(const struct vmbd_sim *sim, const struct vmbd_frame *f)
{
	return sim->rpc.enabled && sim->rpc.hb && !sim->lb_only &&
	       (f->bx & 0xFFFFu) == VMBD_HBCMD_MESSAGE;
}

static void hb_answer(struct vmbd_frame *f, uint32_t status)
{
	f->bx = (f->bx & 0xFFFFu) | status << 16;
}

int vmbd_sim_rpc_hb_out(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	struct vmbd_sim_rpc_channel *ch;
	uint32_t status;
	int fault;

	if (sim == NULL || f == NULL)
		return VMBD_EINVAL;
	if (!hb_frame_ok(sim, f)) {
		hb_answer(f, 0);
		return VMBD_OK;
	}
	sim->rpc.steps++;
	/* rep outsb: esi is the source, the cookie is in ebp (high) and
	 * edi (low). */
	status = chan_call(sim, HB_OUT, f->dx, f->bp, (uint32_t)f->di, &ch,
			   &fault);
	if (ch != NULL) {
		status = 0;
		/* The whole announced message in one transfer, no more. */
		if (ch->in_active && f->cx == ch->in_len - ch->in_pos &&
		    f->si != 0) {
			memcpy(ch->in + ch->in_pos,
			       (const void *)(uintptr_t)f->si, f->cx);
			f->si += f->cx;
			ch->in_pos = ch->in_len;
			f->cx = 0;
			message_complete(&sim->rpc, ch);
			status = VMBD_MSG_SUCCESS;
		}
	}
	hb_answer(f, finish_status(&sim->rpc, status, fault));
	return VMBD_OK;
}

int vmbd_sim_rpc_hb_in(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	struct vmbd_sim_rpc_channel *ch;
	uint32_t status, want, have;
	int fault;

	if (sim == NULL || f == NULL)
		return VMBD_EINVAL;
	if (!hb_frame_ok(sim, f)) {
		hb_answer(f, 0);
		return VMBD_OK;
	}
	sim->rpc.steps++;
	/* rep insb: edi is the destination, the cookie is in esi (high) and
	 * ebp (low). */
	status = chan_call(sim, HB_IN, f->dx, (uint32_t)f->si, f->bp, &ch,
			   &fault);
	if (ch != NULL) {
		status = 0;
		want = f->cx;
		have = ch->out_len > ch->out_pos ? ch->out_len - ch->out_pos : 0;
		if (ch->out_reading && f->di != 0 &&
		    want == ch->out_announced - ch->out_pos) {
			/* A truncated message delivers what exists and
			 * fails; the guest's buffer is never overrun. */
			uint32_t n = want < have ? want : have;

			memcpy((void *)(uintptr_t)f->di, ch->out + ch->out_pos, n);
			ch->out_pos += n;
			f->di += n;
			f->cx -= n;
			if (n == want)
				status = VMBD_MSG_SUCCESS;
		}
	}
	hb_answer(f, finish_status(&sim->rpc, status, fault));
	return VMBD_OK;
}

int vmbd_sim_rpc_set_channels(struct vmbd_sim *sim, unsigned n)
{
	/* 0 is a host that takes no tools connection at all (a VMX busy
	 * restarting it): every OPEN is refused. */
	if (sim == NULL || n > VMBD_SIM_RPC_MAX_CHANNELS)
		return VMBD_EINVAL;
	sim->rpc.channels = n;
	return VMBD_OK;
}

unsigned vmbd_sim_rpc_close_all(struct vmbd_sim *sim)
{
	unsigned i, n = 0;

	if (sim == NULL)
		return 0;
	for (i = 0; i < VMBD_SIM_RPC_MAX_CHANNELS; i++) {
		if (sim->rpc.chan[i].used)
			n++;
		chan_free(&sim->rpc.chan[i]);
	}
	return n;
}

unsigned vmbd_sim_rpc_open_channels(const struct vmbd_sim *sim)
{
	unsigned i, n = 0;

	if (sim == NULL)
		return 0;
	for (i = 0; i < VMBD_SIM_RPC_MAX_CHANNELS; i++)
		n += sim->rpc.chan[i].used ? 1u : 0u;
	return n;
}
