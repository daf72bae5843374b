/*
 * The message channel against the simulated VMX: open/close with and
 * without cookies, the channel limit, exact backdoor call counts for LB and
 * HB transfers, byte-identical messages of 0 B..64 KiB both ways, the LB
 * tail packing and the HB register layout as the guest sends them, and the
 * size limits (64 KiB out, caller's buffer in).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "channel_fixture.h"

static int setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static void test_status_error_table(void **state)
{
	static const struct {
		uint32_t status;
		int err;
	} rows[] = {
		{VMBD_MSG_SUCCESS, VMBD_OK},
		{VMBD_MSG_SUCCESS | 0xFFFEu, VMBD_OK}, /* SUCCESS wins */
		{0, VMBD_ENOSUCCESS},
		{VMBD_MSG_HB | VMBD_MSG_DORECV | 0xFF00u, VMBD_ENOSUCCESS},
		{VMBD_MSG_CPT, VMBD_ECPT},
		{VMBD_MSG_CPT | VMBD_MSG_CLOSED, VMBD_ECPT},
		{VMBD_MSG_POWEROFF, VMBD_EPOWEROFF},
		{VMBD_MSG_POWEROFF | VMBD_MSG_CLOSED, VMBD_EPOWEROFF},
		{VMBD_MSG_CLOSED, VMBD_ECLOSED},
		{VMBD_MSG_TIMEOUT, VMBD_ETIMEOUT},
		{VMBD_MSG_UNSENT, VMBD_EUNSENT},
		{VMBD_MSG_TIMEOUT | VMBD_MSG_UNSENT, VMBD_ETIMEOUT},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(vmbd_msg_status_error(rows[i].status),
				 rows[i].err);
	/* The five failures are distinct codes. */
	assert_int_not_equal(VMBD_ECLOSED, VMBD_EUNSENT);
	assert_int_not_equal(VMBD_ETIMEOUT, VMBD_EPOWEROFF);
	assert_int_not_equal(VMBD_ENOSUCCESS, VMBD_ECLOSED);
}

static void test_open_close_counts(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	assert_int_equal(fx_calls(x), 1);
	assert_true(vmbd_channel_is_open(&ch));
	assert_true(ch.cookies);
	assert_true(ch.cookie_high != 0 || ch.cookie_low != 0);
	assert_int_equal(vmbd_sim_rpc_open_channels(x->sim), 1);
	/* OPEN's frame: protocol with the cookie flag, sub-command 0. */
	assert_int_equal(x->log[0].f.bx, VMBD_PROTO_RPCI | VMBD_MSG_FLAG_COOKIE);
	assert_int_equal(x->log[0].f.cx, VMBD_CMD_MESSAGE);
	assert_int_equal(x->log[0].f.dx, VMBD_PORT_LB);
	assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	assert_int_equal(fx_calls(x), 2);
	assert_false(vmbd_channel_is_open(&ch));
	assert_int_equal(vmbd_sim_rpc_open_channels(x->sim), 0);
	/* Closing a closed channel costs nothing. */
	assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	assert_int_equal(fx_calls(x), 2);
}

static void test_open_old_host_retries_without_cookie(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned char buf[16];
	size_t len;

	x->sim->rpc.old_host = 1;
	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	assert_int_equal(fx_calls(x), 2);
	assert_int_equal(x->log[1].f.bx, VMBD_PROTO_RPCI);
	assert_false(ch.cookies);
	assert_int_equal(vmbd_channel_send(&ch, "echoabc", 7), VMBD_OK);
	assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf), &len), VMBD_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "abc", 3);

	/* NO_COOKIE opens straight without the flag: one call. */
	x->sim->rpc.old_host = 0;
	assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	x->nlog = 0;
	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_TCLO,
					   VMBD_CHANNEL_NO_COOKIE),
			 VMBD_OK);
	assert_int_equal(x->nlog, 1);
	assert_int_equal(x->log[0].f.bx, VMBD_PROTO_TCLO);
}

static void test_channel_limit(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch[VMBD_MSG_MAX_CHANNELS + 1];
	unsigned i;
	uint64_t before;

	for (i = 0; i < VMBD_MSG_MAX_CHANNELS; i++)
		assert_int_equal(vmbd_channel_open(&ch[i], &x->ctx,
						   VMBD_PROTO_RPCI, 0),
				 VMBD_OK);
	for (i = 1; i < VMBD_MSG_MAX_CHANNELS; i++)
		assert_int_not_equal(ch[i].id, ch[0].id);
	before = fx_calls(x);
	/* All in use: refused with and without cookies, two calls. */
	assert_int_equal(vmbd_channel_open(&ch[8], &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_EOPEN);
	assert_int_equal(fx_calls(x) - before, 2);
	assert_false(vmbd_channel_is_open(&ch[8]));
	assert_int_equal(vmbd_channel_close(&ch[3]), VMBD_OK);
	assert_int_equal(vmbd_channel_open(&ch[8], &x->ctx, VMBD_PROTO_TCLO, 0),
			 VMBD_OK);
	assert_int_equal(ch[8].id, 3);

	/* A host configured with fewer channels. */
	for (i = 0; i <= VMBD_MSG_MAX_CHANNELS; i++)
		if (i != 3)
			vmbd_channel_close(&ch[i]);
	assert_int_equal(vmbd_sim_rpc_open_channels(x->sim), 0);
	assert_int_equal(vmbd_sim_rpc_set_channels(x->sim, 2), VMBD_OK);
	assert_int_equal(vmbd_channel_open(&ch[0], &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	assert_int_equal(vmbd_channel_open(&ch[1], &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	assert_int_equal(vmbd_channel_open(&ch[2], &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_EOPEN);
	/* None at all: every OPEN refused, the open ones stay usable. */
	assert_int_equal(vmbd_sim_rpc_set_channels(x->sim, 0), VMBD_OK);
	assert_int_equal(vmbd_channel_open(&ch[2], &x->ctx, VMBD_PROTO_TCLO, 0),
			 VMBD_EOPEN);
	assert_int_equal(vmbd_channel_send(&ch[0], "x", 1), VMBD_OK);
	assert_int_equal(vmbd_sim_rpc_open_channels(x->sim), 2);
	assert_int_equal(vmbd_sim_rpc_set_channels(x->sim, 9), VMBD_EINVAL);
}

static void test_unknown_protocol_refused(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, 0x12345678u, 0),
			 VMBD_EOPEN);
	assert_int_equal(x->sim->rpc.open_refused, 2);
}

/* One echo round trip of n bytes each way; checks bytes and call counts. */
static void round_trip(struct fx *x, struct vmbd_channel *ch, size_t n,
		       int hb)
{
	static unsigned char req[4 + VMBD_MSG_MAX_IN], rep[VMBD_MSG_MAX_IN + 8];
	size_t len = (size_t)-1, reqlen;
	uint64_t before, lb_before, hb_before, want;

	/* The request is "echo" + payload, so the payload is at most
	 * 64 KiB - 4; the reply (the payload) is n bytes. */
	reqlen = n + 4 > VMBD_MSG_MAX_IN ? VMBD_MSG_MAX_IN : n + 4;
	memcpy(req, "echo", 4);
	fx_pattern(req + 4, reqlen - 4, (unsigned)n);
	before = fx_calls(x);
	lb_before = x->ctx.io.lb_calls;
	hb_before = x->ctx.io.hb_calls;
	assert_int_equal(vmbd_channel_send(ch, req, reqlen), VMBD_OK);
	memset(rep, 0xEE, sizeof(rep));
	assert_int_equal(vmbd_channel_recv(ch, rep, sizeof(rep) - 8, &len),
			 VMBD_OK);
	assert_int_equal(len, reqlen - 4);
	assert_memory_equal(rep, req + 4, reqlen - 4);
	assert_int_equal(rep[len], 0xEE); /* nothing written past the end */
	if (hb) {
		/* SENDSIZE + rep outsb, RECVSIZE + rep insb + RECVSTATUS. */
		want = 5 - (len == 0 ? 1u : 0u);
		assert_int_equal(x->ctx.io.hb_calls - hb_before,
				 len == 0 ? 1 : 2);
	} else {
		want = 3 + fx_words(reqlen) + fx_words(len);
		assert_int_equal(x->ctx.io.hb_calls, hb_before);
	}
	assert_int_equal(fx_calls(x) - before, want);
	assert_int_equal(x->ctx.io.lb_calls - lb_before,
			 want - (x->ctx.io.hb_calls - hb_before));
}

static const size_t sizes[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 255, 256, 257,
	1021, 1022, 1023, 4095, 4096, 4097, 65531, 65532,
};

static void sizes_both_ways(struct fx *x, unsigned flags, int hb)
{
	struct vmbd_channel ch;
	size_t i;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, flags),
			 VMBD_OK);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(x, &ch, sizes[i], hb);
	assert_int_equal(x->sim->rpc.tail_junk, 0);
	assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
}

static void test_sizes_lb(void **state)
{
	sizes_both_ways(*state, VMBD_CHANNEL_NO_HB, 0);
}

static void test_sizes_hb(void **state)
{
	sizes_both_ways(*state, 0, 1);
}

static void test_sizes_host_without_hb(void **state)
{
	struct fx *x = *state;

	x->sim->rpc.hb = 0;
	sizes_both_ways(x, 0, 0);
	x->sim->rpc.hb = 1;
	x->sim->lb_only = 1;
	sizes_both_ways(x, 0, 0);
}

/* A backend without HB ops on a host that offers HB: LB carries it. */
static void test_backend_without_hb_falls_back(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;

	x->ops.hb_out = NULL;
	x->ops.hb_in = NULL;
	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	round_trip(x, &ch, 100, 0);
	assert_true(ch.hb_unavailable);
	round_trip(x, &ch, 7, 0);
}

/* 64 KiB exactly both ways (the host's limit), LB and HB. */
static void test_max_size_both_ways(void **state)
{
	static unsigned char msg[VMBD_MSG_MAX_IN], got[VMBD_MSG_MAX_IN];
	struct fx *x = *state;
	struct vmbd_channel ch;
	size_t len;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		unsigned flags = pass ? 0 : VMBD_CHANNEL_NO_HB;
		uint64_t before;

		assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI,
						   flags),
				 VMBD_OK);
		memcpy(msg, "echo", 4);
		fx_pattern(msg + 4, sizeof(msg) - 4, 99);
		/* Guest -> host: 65536 bytes accepted. */
		before = fx_calls(x);
		assert_int_equal(vmbd_channel_send(&ch, msg, sizeof(msg)),
				 VMBD_OK);
		assert_int_equal(fx_calls(x) - before,
				 pass ? 2 : 1 + VMBD_MSG_MAX_IN / 4);
		assert_int_equal(vmbd_channel_recv(&ch, got, sizeof(got), &len),
				 VMBD_OK);
		assert_int_equal(len, sizeof(msg) - 4);
		assert_memory_equal(got, msg + 4, len);
		/* Host -> guest: 65536 bytes. */
		x->echo_reply_len = VMBD_MSG_MAX_IN;
		assert_int_equal(vmbd_channel_send(&ch, "echo", 4), VMBD_OK);
		before = fx_calls(x);
		assert_int_equal(vmbd_channel_recv(&ch, got, sizeof(got), &len),
				 VMBD_OK);
		assert_int_equal(len, VMBD_MSG_MAX_IN);
		assert_int_equal(got[0], 'a');
		assert_int_equal(got[VMBD_MSG_MAX_IN - 1],
				 'a' + (VMBD_MSG_MAX_IN - 1) % 26);
		assert_int_equal(fx_calls(x) - before,
				 pass ? 3 : 2 + VMBD_MSG_MAX_IN / 4);
		x->echo_reply_len = -1;
		assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	}
}

static void test_send_too_big_no_call(void **state)
{
	static unsigned char big[VMBD_MSG_MAX_IN + 1];
	struct fx *x = *state;
	struct vmbd_channel ch;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	assert_int_equal(vmbd_channel_send(&ch, big, sizeof(big)), VMBD_ETOOBIG);
	assert_int_equal(fx_calls(x), 1);
	assert_true(vmbd_channel_is_open(&ch));
	/* The host enforces the same limit on a guest that ignores it. */
	{
		struct vmbd_frame f;

		memset(&f, 0, sizeof(f));
		f.ax = VMBD_MAGIC;
		f.bx = VMBD_MSG_MAX_IN + 1;
		f.cx = VMBD_CMD_MESSAGE | VMBD_MSG_SENDSIZE << 16;
		f.dx = VMBD_PORT_LB | (uint32_t)ch.id << 16;
		f.si = ch.cookie_high;
		f.di = ch.cookie_low;
		assert_int_equal(vmbd_io_in(&x->ctx.io, &f), VMBD_OK);
		assert_int_equal(f.cx >> 16, 0);
	}
}

/* A reply larger than the caller's buffer: refused, channel usable. */
static void test_recv_too_big_refused(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned char buf[40];
	size_t len;
	uint64_t before;
	int hb;

	for (hb = 0; hb < 2; hb++) {
		x->nlog = 0;
		assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI,
						   hb ? 0 : VMBD_CHANNEL_NO_HB),
				 VMBD_OK);
		x->echo_reply_len = 33;
		assert_int_equal(vmbd_channel_send(&ch, "echo", 4), VMBD_OK);
		memset(buf, 0xEE, sizeof(buf));
		before = fx_calls(x);
		x->nlog = 0;
		assert_int_equal(vmbd_channel_recv(&ch, buf, 32, &len),
				 VMBD_ENOSPC);
		assert_int_equal(len, 33);
		/* RECVSIZE, then RECVPAYLOAD acknowledging with status 0
		 * (open-vm-tools' Message_Receive error path). */
		assert_int_equal(fx_calls(x) - before, 2);
		assert_int_equal(x->log[1].op, 0);
		assert_int_equal(x->log[1].f.cx >> 16, VMBD_MSG_RECVPAYLOAD);
		assert_int_equal(x->log[1].f.bx, 0);
		assert_int_equal(buf[0], 0xEE);
		assert_int_equal(x->sim->rpc.refused, (uint64_t)hb + 1);
		assert_true(vmbd_channel_is_open(&ch));
		/* The host dropped it: nothing waits now. */
		assert_int_equal(vmbd_channel_recv(&ch, buf, 32, &len), VMBD_OK);
		assert_int_equal(len, 0);
		/* And the next message works. */
		x->echo_reply_len = -1;
		round_trip(x, &ch, 31, hb);
		assert_int_equal(vmbd_channel_close(&ch), VMBD_OK);
	}
}

/* A host announcing 4 GiB - 1. */
static void test_recv_huge_announce(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned char buf[64];
	size_t len;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	assert_int_equal(vmbd_channel_send(&ch, "echohello", 9), VMBD_OK);
	vmbd_sim_rpc_set_fault(x->sim, VMBD_SIM_FAULT_LENGTH, 1, 1,
			       0xFFFFFFFFu);
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf) - 1, &len),
			 VMBD_ENOSPC);
	assert_int_equal(len, 0xFFFFFFFFu);
	assert_int_equal(buf[0], 0xEE);
	assert_int_equal(buf[sizeof(buf) - 1], 0xEE);
	assert_true(vmbd_channel_is_open(&ch));
	round_trip(x, &ch, 12, 1);
}

/* An empty host message, both ways a host can say it. */
static void test_empty_host_message(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned char buf[8];
	size_t len = 99;
	uint64_t before;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	/* Nothing waiting: RECVSIZE without DORECV, one call. */
	before = fx_calls(x);
	assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf), &len), VMBD_OK);
	assert_int_equal(len, 0);
	assert_int_equal(fx_calls(x) - before, 1);
	/* DORECV with length 0: RECVSIZE + RECVSTATUS. */
	x->echo_reply_len = 0;
	assert_int_equal(vmbd_channel_send(&ch, "echo", 4), VMBD_OK);
	before = fx_calls(x);
	len = 99;
	assert_int_equal(vmbd_channel_recv(&ch, buf, 0, &len), VMBD_OK);
	assert_int_equal(len, 0);
	assert_int_equal(fx_calls(x) - before, 2);
	assert_int_equal(x->sim->rpc.messages_out, 1);
}

/* LB words as the guest loads them: little-endian, tails zero-padded. */
static void test_lb_tail_packing(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	static const unsigned char msg[] = {0x65, 0x63, 0x68, 0x6F, 0x01,
					    0x02, 0x03, 0x04, 0x81, 0x82, 0x83};
	unsigned char buf[16];
	size_t len;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI,
					   VMBD_CHANNEL_NO_HB),
			 VMBD_OK);
	x->nlog = 0;
	assert_int_equal(vmbd_channel_send(&ch, msg, sizeof(msg)), VMBD_OK);
	assert_int_equal(x->nlog, 4);
	assert_int_equal(x->log[0].f.bx, sizeof(msg));
	assert_int_equal(x->log[0].f.cx, VMBD_CMD_MESSAGE | 1u << 16);
	assert_int_equal(x->log[1].f.bx, 0x6F686365u);
	assert_int_equal(x->log[2].f.bx, 0x04030201u);
	assert_int_equal(x->log[3].f.bx, 0x00838281u); /* 3-byte tail */
	assert_int_equal(x->log[3].f.cx, VMBD_CMD_MESSAGE | 2u << 16);
	/* Every call after OPEN names the channel and its cookie. */
	assert_int_equal(x->log[3].f.dx, VMBD_PORT_LB | (uint32_t)ch.id << 16);
	assert_int_equal(x->log[3].f.si, ch.cookie_high);
	assert_int_equal(x->log[3].f.di, ch.cookie_low);
	assert_int_equal(x->sim->rpc.tail_junk, 0);
	assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf), &len), VMBD_OK);
	assert_int_equal(len, 7);
	assert_memory_equal(buf, msg + 4, 7);

	/* 1- and 2-byte tails. */
	x->nlog = 0;
	assert_int_equal(vmbd_channel_send(&ch, "echo\xF1", 5), VMBD_OK);
	assert_int_equal(x->log[2].f.bx, 0x000000F1u);
	assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf), &len), VMBD_OK);
	x->nlog = 0;
	assert_int_equal(vmbd_channel_send(&ch, "echo\xF1\xF2", 6), VMBD_OK);
	assert_int_equal(x->log[2].f.bx, 0x0000F2F1u);
	assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf), &len), VMBD_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "\xF1\xF2", 2);
}

/* HB frames: PROTOCOL.md section 1 register layout. */
static void test_hb_register_layout(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned char buf[64];
	size_t len;
	const struct vmbd_frame *f;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	x->nlog = 0;
	assert_int_equal(vmbd_channel_send(&ch, "echo0123456789", 14), VMBD_OK);
	assert_int_equal(x->nlog, 2);
	f = &x->log[1].f;
	assert_int_equal(x->log[1].op, 1);
	assert_int_equal(f->ax, VMBD_MAGIC);
	assert_int_equal(f->bx, VMBD_HBCMD_MESSAGE | VMBD_MSG_SUCCESS << 16);
	assert_int_equal(f->cx, 14);
	assert_int_equal(f->dx, VMBD_PORT_HB | (uint32_t)ch.id << 16);
	assert_int_equal(f->bp, ch.cookie_high);
	assert_int_equal(f->di, ch.cookie_low);
	assert_memory_equal((const void *)(uintptr_t)f->si, "echo0123456789", 14);

	x->nlog = 0;
	assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf), &len), VMBD_OK);
	assert_int_equal(x->nlog, 3);
	f = &x->log[1].f;
	assert_int_equal(x->log[1].op, 2);
	assert_int_equal(f->bx, VMBD_HBCMD_MESSAGE | VMBD_MSG_SUCCESS << 16);
	assert_int_equal(f->cx, 10);
	assert_int_equal(f->dx, VMBD_PORT_HB | (uint32_t)ch.id << 16);
	assert_int_equal(f->si, ch.cookie_high);
	assert_int_equal(f->bp, ch.cookie_low);
	assert_ptr_equal((void *)(uintptr_t)f->di, buf);
	assert_int_equal(x->log[2].f.cx >> 16, VMBD_MSG_RECVSTATUS);
	assert_int_equal(x->log[2].f.bx, VMBD_MSG_SUCCESS);
	assert_memory_equal(buf, "0123456789", 10);
}

static void test_not_open_and_bad_args(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned char buf[4];
	size_t len = 7;

	memset(&ch, 0, sizeof(ch));
	ch.ctx = &x->ctx;
	assert_int_equal(vmbd_channel_send(&ch, "x", 1), VMBD_ENOTOPEN);
	assert_int_equal(vmbd_channel_recv(&ch, buf, sizeof(buf), &len),
			 VMBD_ENOTOPEN);
	assert_int_equal(len, 0);
	assert_int_equal(fx_calls(x), 0);
	assert_int_equal(vmbd_channel_open(NULL, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_channel_open(&ch, NULL, VMBD_PROTO_RPCI, 0),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_channel_send(NULL, "x", 1), VMBD_EINVAL);
	assert_int_equal(vmbd_channel_send(&ch, NULL, 1), VMBD_EINVAL);
	assert_int_equal(vmbd_channel_recv(&ch, NULL, 4, &len), VMBD_EINVAL);
	assert_int_equal(vmbd_channel_recv(&ch, buf, 4, NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_channel_close(NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_channel_reopen(NULL), VMBD_EINVAL);
	assert_false(vmbd_channel_is_open(NULL));
	assert_int_equal(fx_calls(x), 0);
}

/* vmbd_channel_open() reinitialises ch even when it refuses a NULL
 * context: a channel that was open is not open any more, and nothing is
 * sent over the old context. */
static void test_open_without_ctx_resets(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	uint64_t before;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	assert_int_equal(vmbd_channel_open(&ch, NULL, VMBD_PROTO_RPCI, 0),
			 VMBD_EINVAL);
	before = fx_calls(x);
	assert_false(vmbd_channel_is_open(&ch));
	assert_null(ch.ctx);
	assert_int_equal(vmbd_channel_send(&ch, "x", 1), VMBD_ENOTOPEN);
	assert_int_equal(vmbd_channel_reopen(&ch), VMBD_EINVAL);
	assert_int_equal(fx_calls(x), before);
}

/* Kept open across many messages, and reopened by the caller. */
static void test_persistent_and_reopen(void **state)
{
	struct fx *x = *state;
	struct vmbd_channel ch;
	unsigned i;
	uint16_t id;

	assert_int_equal(vmbd_channel_open(&ch, &x->ctx, VMBD_PROTO_RPCI, 0),
			 VMBD_OK);
	for (i = 0; i < 200; i++)
		round_trip(x, &ch, i % 37, 1);
	id = ch.id;
	assert_int_equal(x->sim->rpc.opens, 1);
	assert_int_equal(vmbd_channel_reopen(&ch), VMBD_OK);
	assert_int_equal(x->sim->rpc.opens, 2);
	assert_int_equal(x->sim->rpc.closes, 1);
	assert_int_equal(ch.id, id);
	assert_int_equal(vmbd_sim_rpc_open_channels(x->sim), 1);
	round_trip(x, &ch, 5, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_status_error_table),
		T(test_open_close_counts),
		T(test_open_old_host_retries_without_cookie),
		T(test_channel_limit),
		T(test_unknown_protocol_refused),
		T(test_sizes_lb),
		T(test_sizes_hb),
		T(test_sizes_host_without_hb),
		T(test_backend_without_hb_falls_back),
		T(test_max_size_both_ways),
		T(test_send_too_big_no_call),
		T(test_recv_too_big_refused),
		T(test_recv_huge_announce),
		T(test_empty_host_message),
		T(test_lb_tail_packing),
		T(test_hb_register_layout),
		T(test_not_open_and_bad_args),
		T(test_open_without_ctx_resets),
		T(test_persistent_and_reopen),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
