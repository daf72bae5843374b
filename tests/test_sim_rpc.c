/*
 * The simulator's GuestRPC side driven by raw frames, the way any guest
 * (or a hostile one) drives a VMX: OPEN with and without cookies, the
 * channel limit and old-host mode, the RPCI handlers and their reply texts
 * (with and without a trailing NUL), the TCLO queue and the recorded
 * replies, and every malformed call a guest can make (answered without
 * SUCCESS, never crashing). Independent of the library's channel code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/channel.h>
#include <vmbackdoor/sim.h>

struct raw {
	struct vmbd_sim *sim;
	uint16_t id;
	uint32_t hi, lo;
};

static int setup(void **state)
{
	struct raw *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -1;
	r->sim = malloc(sizeof(*r->sim));
	if (r->sim == NULL)
		return -1;
	vmbd_sim_init(r->sim);
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct raw *r = *state;

	free(r->sim);
	free(r);
	return 0;
}

/* One LB MESSAGE call; returns the status bits, *f the answered frame. */
static uint32_t msg(struct raw *r, unsigned type, uint32_t bx,
		    struct vmbd_frame *out)
{
	struct vmbd_frame f;

	memset(&f, 0, sizeof(f));
	f.ax = VMBD_MAGIC;
	f.bx = bx;
	f.cx = VMBD_CMD_MESSAGE | (uint32_t)type << 16;
	f.dx = VMBD_PORT_LB | (uint32_t)r->id << 16;
	f.si = r->hi;
	f.di = r->lo;
	assert_int_equal(vmbd_sim_io_ops()->in(r->sim, &f), VMBD_OK);
	if (out)
		*out = f;
	assert_int_equal(f.cx & 0xFFFFu, VMBD_CMD_MESSAGE);
	return f.cx >> 16;
}

static uint32_t raw_open(struct raw *r, uint32_t proto, int cookie)
{
	struct vmbd_frame f;
	uint32_t st;

	r->id = 0;
	r->hi = r->lo = 0;
	st = msg(r, VMBD_MSG_OPEN, proto | (cookie ? VMBD_MSG_FLAG_COOKIE : 0),
		 &f);
	if (st & VMBD_MSG_SUCCESS) {
		r->id = (uint16_t)(f.dx >> 16);
		r->hi = (uint32_t)f.si;
		r->lo = (uint32_t)f.di;
	}
	return st;
}

static void raw_send(struct raw *r, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i;

	assert_true(msg(r, VMBD_MSG_SENDSIZE, (uint32_t)n, NULL) &
		    VMBD_MSG_SUCCESS);
	for (i = 0; i < n; i += 4) {
		uint32_t w = 0;
		size_t j;

		for (j = 0; j < 4 && i + j < n; j++)
			w |= (uint32_t)p[i + j] << (8 * j);
		assert_int_equal(msg(r, VMBD_MSG_SENDPAYLOAD, w, NULL) &
					 VMBD_MSG_SUCCESS,
				 VMBD_MSG_SUCCESS);
	}
}

/* Receive into buf (NUL-terminated); returns the length, -1 for nothing
 * waiting (no DORECV). */
static long raw_recv(struct raw *r, char *buf, size_t size)
{
	struct vmbd_frame f;
	uint32_t st, n, i;

	st = msg(r, VMBD_MSG_RECVSIZE, 0, &f);
	assert_true(st & VMBD_MSG_SUCCESS);
	if (!(st & VMBD_MSG_DORECV))
		return -1;
	assert_int_equal(f.dx >> 16, VMBD_MSG_SENDSIZE);
	n = f.bx;
	assert_true(n < size);
	for (i = 0; i < n; i += 4) {
		uint32_t j;

		assert_int_equal(msg(r, VMBD_MSG_RECVPAYLOAD, VMBD_MSG_SUCCESS, &f),
				 VMBD_MSG_SUCCESS);
		assert_int_equal(f.dx >> 16, VMBD_MSG_SENDPAYLOAD);
		for (j = 0; j < 4 && i + j < n; j++)
			buf[i + j] = (char)(f.bx >> (8 * j));
	}
	buf[n] = '\0';
	assert_int_equal(msg(r, VMBD_MSG_RECVSTATUS, VMBD_MSG_SUCCESS, NULL),
			 VMBD_MSG_SUCCESS);
	return (long)n;
}

static void rpci(struct raw *r, const char *req, int with_nul, const char *want)
{
	char buf[8192];

	raw_send(r, req, strlen(req) + (with_nul ? 1 : 0));
	assert_int_equal(raw_recv(r, buf, sizeof(buf)), (long)strlen(want));
	assert_string_equal(buf, want);
}

static void test_defaults(void **state)
{
	struct raw *r = *state;

	assert_true(r->sim->rpc.enabled);
	assert_true(r->sim->rpc.hb);
	assert_int_equal(r->sim->rpc.channels, VMBD_SIM_RPC_MAX_CHANNELS);
	assert_int_equal(vmbd_sim_rpc_open_channels(r->sim), 0);
	assert_int_equal(vmbd_sim_tclo_pending(r->sim), 0);
	assert_int_equal(vmbd_sim_tclo_record_count(r->sim), 0);
	assert_null(vmbd_sim_tclo_record(r->sim, 0));
	assert_int_equal(VMBD_SIM_RPC_MAX_IN, VMBD_MSG_MAX_IN);
}

static void test_open_cookies_and_limits(void **state)
{
	struct raw *r = *state;
	uint32_t hi, lo;
	unsigned i;

	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), VMBD_MSG_SUCCESS);
	assert_int_equal(r->id, 0);
	assert_true(r->hi != 0 && r->lo != 0);
	hi = r->hi;
	lo = r->lo;
	assert_int_equal(raw_open(r, VMBD_PROTO_TCLO, 1), VMBD_MSG_SUCCESS);
	assert_int_equal(r->id, 1);
	assert_true(r->hi != hi || r->lo != lo); /* fresh cookie per channel */
	for (i = 2; i < VMBD_SIM_RPC_MAX_CHANNELS; i++)
		assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 0),
				 VMBD_MSG_SUCCESS);
	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 0), 0);
	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), 0);
	assert_int_equal(r->sim->rpc.open_refused, 2);
	assert_int_equal(vmbd_sim_rpc_open_channels(r->sim), 8);
	/* Close channel 5 (opened without cookie). */
	r->id = 5;
	r->hi = r->lo = 0;
	assert_int_equal(msg(r, VMBD_MSG_CLOSE, 0, NULL), VMBD_MSG_SUCCESS);
	assert_int_equal(vmbd_sim_rpc_open_channels(r->sim), 7);
	/* Closing it again: unknown channel. */
	assert_int_equal(msg(r, VMBD_MSG_CLOSE, 0, NULL), 0);

	/* Old host: the cookie flag is refused, a plain OPEN works. */
	vmbd_sim_rpc_init(&r->sim->rpc);
	r->sim->rpc.old_host = 1;
	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), 0);
	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 0), VMBD_MSG_SUCCESS);
	/* Unknown protocol. */
	assert_int_equal(raw_open(r, 0x41414141u, 0), 0);
}

static void test_rpci_handlers(void **state)
{
	struct raw *r = *state;
	int nul;

	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), VMBD_MSG_SUCCESS);
	for (nul = 0; nul < 2; nul++) {
		uint64_t with = r->sim->rpc.rpci_with_nul;

		rpci(r, "info-get guestinfo.missing", nul, "0 No value found");
		rpci(r, "info-set guestinfo.k hello world", nul, "1 ");
		rpci(r, "info-get guestinfo.k", nul, "1 hello world");
		rpci(r, "info-set guestinfo.k ", nul, "1 ");
		rpci(r, "info-get guestinfo.k", nul, "1 ");
		rpci(r, "info-set guestinfo.k", nul,
		     "0 Two and exactly two arguments expected");
		rpci(r, "tools.set.version 12389", nul, "1 ");
		assert_string_equal(r->sim->rpc.tools_version, "12389");
		rpci(r, "log hello from the guest", nul, "1 ");
		assert_string_equal(r->sim->rpc.last_log, "hello from the guest");
		rpci(r, "tools.capability.hgfs_server toolbox 1", nul, "1 ");
		rpci(r, "tools.os.statechange.status 0 1", nul, "1 ");
		rpci(r, "tools.os.statechange.status 1 4", nul, "1 ");
		rpci(r, "tools.os.statechange.status 1", nul,
		     "0 Invalid arguments");
		rpci(r, "tools.os.statechange.status 1 x", nul,
		     "0 Invalid arguments");
		rpci(r, "tools.os.statechange.status 1 2 3", nul,
		     "0 Invalid arguments");
		rpci(r, "no.such.command", nul, "0 Unknown command");
		rpci(r, "", nul, "0 Unknown command");
		assert_int_equal(r->sim->rpc.rpci_with_nul - with, nul ? 16 : 0);
	}
	assert_int_equal(r->sim->rpc.log_count, 2);
	assert_int_equal(r->sim->rpc.capability_count, 2);
	assert_string_equal(vmbd_sim_guestinfo_get(r->sim, "guestinfo.k"), "");
	/* Host-side store. */
	assert_int_equal(vmbd_sim_guestinfo_set(r->sim, "guestinfo.userdata",
						"I2Nsb3VkLWNvbmZpZw=="),
			 VMBD_OK);
	rpci(r, "info-get guestinfo.userdata", 0, "1 I2Nsb3VkLWNvbmZpZw==");
	assert_null(vmbd_sim_guestinfo_get(r->sim, "guestinfo.none"));
}

static void test_guestinfo_limits(void **state)
{
	struct raw *r = *state;
	char key[VMBD_SIM_RPC_KEY_MAX + 8];
	static char value[VMBD_SIM_RPC_VALUE_MAX + 8];
	unsigned i;

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_int_equal(vmbd_sim_guestinfo_set(r->sim, key, "v"), VMBD_ETOOBIG);
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	assert_int_equal(vmbd_sim_guestinfo_set(r->sim, "guestinfo.v", value),
			 VMBD_ETOOBIG);
	assert_int_equal(vmbd_sim_guestinfo_set(r->sim, "", "v"), VMBD_ETOOBIG);
	assert_int_equal(vmbd_sim_guestinfo_set(NULL, "a", "v"), VMBD_EINVAL);
	for (i = 0; i < VMBD_SIM_RPC_GUESTINFO_MAX; i++) {
		snprintf(key, sizeof(key), "guestinfo.k%u", i);
		assert_int_equal(vmbd_sim_guestinfo_set(r->sim, key, "x"),
				 VMBD_OK);
	}
	assert_int_equal(vmbd_sim_guestinfo_set(r->sim, "guestinfo.more", "x"),
			 VMBD_EFULL);
	/* Replacing an existing key needs no new slot. */
	assert_int_equal(vmbd_sim_guestinfo_set(r->sim, "guestinfo.k3", "y"),
			 VMBD_OK);
	assert_string_equal(vmbd_sim_guestinfo_get(r->sim, "guestinfo.k3"), "y");
	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), VMBD_MSG_SUCCESS);
	rpci(r, "info-set guestinfo.more x", 0, "0 Too many keys");
}

static long custom(void *arg, const char *req, size_t len, char *reply,
		   size_t size)
{
	(void)arg;
	(void)size;
	if (len == 3 && memcmp(req, "big", 3) == 0)
		return (long)VMBD_SIM_RPC_MAX_OUT + 1;
	if (len == 5 && memcmp(req, "hello", 5) == 0) {
		memcpy(reply, "1 world", 7);
		return 7;
	}
	return -1;
}

static void test_custom_handler(void **state)
{
	struct raw *r = *state;

	vmbd_sim_rpc_set_handler(r->sim, custom, NULL);
	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), VMBD_MSG_SUCCESS);
	rpci(r, "hello", 0, "1 world");
	rpci(r, "big", 0, "0 Handler overflow");
	rpci(r, "info-get guestinfo.x", 0, "0 No value found");
	vmbd_sim_rpc_set_handler(r->sim, NULL, NULL);
	rpci(r, "hello", 0, "0 Unknown command");
}

/* Malformed guest calls: answered without SUCCESS, state kept sane. */
static void test_hostile_guest(void **state)
{
	struct raw *r = *state;
	struct vmbd_frame f;
	char buf[64];
	uint32_t hi;

	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), VMBD_MSG_SUCCESS);
	/* Payload without SENDSIZE. */
	assert_int_equal(msg(r, VMBD_MSG_SENDPAYLOAD, 0x41414141u, NULL), 0);
	/* More payload than announced. */
	assert_true(msg(r, VMBD_MSG_SENDSIZE, 2, NULL) & VMBD_MSG_SUCCESS);
	assert_int_equal(msg(r, VMBD_MSG_SENDPAYLOAD, 0x00006968u, NULL),
			 VMBD_MSG_SUCCESS);
	assert_int_equal(msg(r, VMBD_MSG_SENDPAYLOAD, 0x00006968u, NULL), 0);
	assert_int_equal(raw_recv(r, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "0 Unknown command");
	/* Over the 64 KiB limit. */
	assert_int_equal(msg(r, VMBD_MSG_SENDSIZE, VMBD_MSG_MAX_IN + 1, NULL), 0);
	/* A tail with junk in the unused high bytes is counted. */
	raw_send(r, "log", 3);
	assert_int_equal(r->sim->rpc.tail_junk, 0);
	assert_true(msg(r, VMBD_MSG_SENDSIZE, 1, NULL) & VMBD_MSG_SUCCESS);
	assert_int_equal(msg(r, VMBD_MSG_SENDPAYLOAD, 0xFFFFFF41u, NULL),
			 VMBD_MSG_SUCCESS);
	assert_int_equal(r->sim->rpc.tail_junk, 1);
	assert_int_equal(raw_recv(r, buf, sizeof(buf)), 17);
	/* Nothing to read: payload and status refused. */
	assert_int_equal(msg(r, VMBD_MSG_RECVPAYLOAD, VMBD_MSG_SUCCESS, NULL), 0);
	assert_int_equal(msg(r, VMBD_MSG_RECVSTATUS, VMBD_MSG_SUCCESS, NULL), 0);
	/* RECVSTATUS before the payload was read. */
	raw_send(r, "info-get guestinfo.none", 23);
	assert_true(msg(r, VMBD_MSG_RECVSIZE, 0, &f) & VMBD_MSG_DORECV);
	assert_int_equal(f.bx, 16);
	assert_int_equal(msg(r, VMBD_MSG_RECVSTATUS, VMBD_MSG_SUCCESS, NULL), 0);
	/* Reading past the announced length. */
	assert_int_equal(raw_recv(r, buf, sizeof(buf)), 16);
	assert_int_equal(msg(r, VMBD_MSG_RECVPAYLOAD, VMBD_MSG_SUCCESS, NULL), 0);
	/* Unknown sub-command, wrong cookie, unknown channel. */
	assert_int_equal(msg(r, 7, 0, NULL), 0);
	assert_int_equal(msg(r, 0xFFFF, 0, NULL), 0);
	hi = r->hi;
	r->hi ^= 1;
	assert_int_equal(msg(r, VMBD_MSG_SENDSIZE, 1, NULL), 0);
	r->hi = hi;
	r->id = 7;
	assert_int_equal(msg(r, VMBD_MSG_SENDSIZE, 1, NULL), 0);
	r->id = 0xFFFF;
	assert_int_equal(msg(r, VMBD_MSG_SENDSIZE, 1, NULL), 0);
	r->id = 0;
	assert_true(r->sim->rpc.bad_calls >= 11);
	/* Still a working channel. */
	rpci(r, "log ok", 0, "1 ");
}

/* The guest refuses a message (open-vm-tools' error path): dropped. */
static void test_guest_refusal_drops_message(void **state)
{
	struct raw *r = *state;
	char buf[64];
	unsigned type;

	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), VMBD_MSG_SUCCESS);
	for (type = VMBD_MSG_RECVPAYLOAD; type <= VMBD_MSG_RECVSTATUS; type++) {
		raw_send(r, "info-get guestinfo.none", 23);
		assert_true(msg(r, VMBD_MSG_RECVSIZE, 0, NULL) & VMBD_MSG_DORECV);
		assert_int_equal(msg(r, type, 0, NULL), VMBD_MSG_SUCCESS);
		assert_int_equal(raw_recv(r, buf, sizeof(buf)), -1);
	}
	assert_int_equal(r->sim->rpc.refused, 2);
	assert_int_equal(r->sim->rpc.messages_out, 0);
}

/* HB frames: wrong count, HB off, unknown HB command. */
static void test_hb_hostile(void **state)
{
	struct raw *r = *state;
	const struct vmbd_io_ops *ops = vmbd_sim_io_ops();
	struct vmbd_frame f;
	char data[8] = "log abc";
	char buf[16];

	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), VMBD_MSG_SUCCESS);
	assert_int_equal(msg(r, VMBD_MSG_SENDSIZE, 7, NULL),
			 VMBD_MSG_SUCCESS | VMBD_MSG_HB);
	memset(&f, 0, sizeof(f));
	f.ax = VMBD_MAGIC;
	f.bx = VMBD_HBCMD_MESSAGE | VMBD_MSG_SUCCESS << 16;
	f.cx = 6; /* announced 7 */
	f.dx = VMBD_PORT_HB | (uint32_t)r->id << 16;
	f.si = (uint64_t)(uintptr_t)data;
	f.di = r->lo;
	f.bp = r->hi;
	assert_int_equal(ops->hb_out(r->sim, &f), VMBD_OK);
	assert_int_equal(f.bx >> 16, 0);
	f.bx = 1 | VMBD_MSG_SUCCESS << 16; /* not BDOORHB_CMD_MESSAGE */
	f.cx = 7;
	assert_int_equal(ops->hb_out(r->sim, &f), VMBD_OK);
	assert_int_equal(f.bx >> 16, 0);
	f.bx = VMBD_HBCMD_MESSAGE | VMBD_MSG_SUCCESS << 16;
	f.bp ^= 1; /* wrong cookie */
	assert_int_equal(ops->hb_out(r->sim, &f), VMBD_OK);
	assert_int_equal(f.bx >> 16, 0);
	f.bp ^= 1;
	assert_int_equal(ops->hb_out(r->sim, &f), VMBD_OK);
	assert_int_equal(f.bx >> 16, VMBD_MSG_SUCCESS);
	assert_string_equal(r->sim->rpc.last_log, "abc");
	assert_int_equal(raw_recv(r, buf, sizeof(buf)), 2);

	/* HB switched off: not advertised and refused. */
	r->sim->rpc.hb = 0;
	assert_int_equal(msg(r, VMBD_MSG_SENDSIZE, 7, NULL), VMBD_MSG_SUCCESS);
	f.bx = VMBD_HBCMD_MESSAGE | VMBD_MSG_SUCCESS << 16;
	f.si = (uint64_t)(uintptr_t)data;
	f.cx = 7;
	assert_int_equal(ops->hb_out(r->sim, &f), VMBD_OK);
	assert_int_equal(f.bx >> 16, 0);
	/* HB in without a message under way. */
	r->sim->rpc.hb = 1;
	f.bx = VMBD_HBCMD_MESSAGE | VMBD_MSG_SUCCESS << 16;
	f.cx = 4;
	f.si = r->hi;
	f.bp = r->lo;
	f.di = (uint64_t)(uintptr_t)buf;
	assert_int_equal(ops->hb_in(r->sim, &f), VMBD_OK);
	assert_int_equal(f.bx >> 16, 0);
}

static void test_message_disabled(void **state)
{
	struct raw *r = *state;
	struct vmbd_frame f;

	r->sim->rpc.enabled = 0;
	memset(&f, 0, sizeof(f));
	f.ax = VMBD_MAGIC;
	f.cx = VMBD_CMD_MESSAGE;
	f.dx = VMBD_PORT_LB;
	f.bx = VMBD_PROTO_RPCI;
	assert_int_equal(vmbd_sim_io_ops()->in(r->sim, &f), VMBD_OK);
	assert_int_equal(f.ax, 0xFFFFFFFFu);
	assert_int_equal(f.cx, VMBD_CMD_MESSAGE);
	/* The QEMU profile has no channel either. */
	assert_int_equal(vmbd_sim_set_profile(r->sim, VMBD_SIM_PROFILE_QEMU),
			 VMBD_OK);
	assert_false(r->sim->rpc.enabled);
}

static void test_tclo_queue_and_records(void **state)
{
	struct raw *r = *state;
	char buf[1024];
	static const char *const cmds[] = {"reset", "ping",
					   "Set_Option synctime 1"};
	static const char *const replies[] = {"OK ATR toolbox", "OK ", "OK "};
	const struct vmbd_sim_tclo_record *rec;
	unsigned i;

	for (i = 0; i < 3; i++)
		assert_int_equal(vmbd_sim_tclo_push(r->sim, cmds[i],
						    strlen(cmds[i])),
				 VMBD_OK);
	assert_int_equal(vmbd_sim_tclo_pending(r->sim), 3);
	assert_int_equal(raw_open(r, VMBD_PROTO_TCLO, 1), VMBD_MSG_SUCCESS);
	/* Before the guest's first message nothing is offered. */
	assert_int_equal(raw_recv(r, buf, sizeof(buf)), -1);
	raw_send(r, "", 0); /* first poll: empty reply */
	for (i = 0; i < 3; i++) {
		assert_int_equal(raw_recv(r, buf, sizeof(buf)),
				 (long)strlen(cmds[i]));
		assert_string_equal(buf, cmds[i]);
		raw_send(r, replies[i], strlen(replies[i]));
	}
	assert_int_equal(vmbd_sim_tclo_pending(r->sim), 0);
	/* Nothing more: no DORECV by default... */
	assert_int_equal(raw_recv(r, buf, sizeof(buf)), -1);
	assert_int_equal(vmbd_sim_tclo_record_count(r->sim), 3);
	for (i = 0; i < 3; i++) {
		rec = vmbd_sim_tclo_record(r->sim, i);
		assert_non_null(rec);
		assert_string_equal(rec->cmd, cmds[i]);
		assert_string_equal(rec->reply, replies[i]);
		assert_int_equal(rec->reply_len, strlen(replies[i]));
	}
	/* ...or an empty message (DORECV, length 0) in the other mode. */
	r->sim->rpc.tclo_empty_dorecv = 1;
	raw_send(r, "", 0);
	assert_int_equal(raw_recv(r, buf, sizeof(buf)), 0);
	assert_int_equal(vmbd_sim_tclo_record_count(r->sim), 3);
	assert_int_equal(r->sim->rpc.tclo_polls, 5);
}

static void test_tclo_limits_and_ring(void **state)
{
	struct raw *r = *state;
	static char big[VMBD_SIM_RPC_TCLO_CMD_MAX + 1];
	char buf[1024], cmd[32];
	unsigned i;

	assert_int_equal(vmbd_sim_tclo_push(r->sim, big, sizeof(big)),
			 VMBD_ETOOBIG);
	assert_int_equal(vmbd_sim_tclo_push(r->sim, NULL, 1), VMBD_EINVAL);
	for (i = 0; i < VMBD_SIM_RPC_TCLO_QUEUE; i++)
		assert_int_equal(vmbd_sim_tclo_push(r->sim, "ping", 4), VMBD_OK);
	assert_int_equal(vmbd_sim_tclo_push(r->sim, "ping", 4), VMBD_EFULL);
	/* Binary-safe command of the maximum size. */
	memset(big, 0, sizeof(big));
	big[0] = 'x';
	assert_int_equal(raw_open(r, VMBD_PROTO_TCLO, 0), VMBD_MSG_SUCCESS);
	raw_send(r, "", 0);
	/* Run 40 command/reply pairs through: the ring keeps the last 32. */
	for (i = 0; i < 40; i++) {
		long n = raw_recv(r, buf, sizeof(buf));

		assert_int_equal(n, 4);
		if (vmbd_sim_tclo_pending(r->sim) < VMBD_SIM_RPC_TCLO_QUEUE)
			assert_int_equal(vmbd_sim_tclo_push(r->sim, "ping", 4),
					 VMBD_OK);
		snprintf(cmd, sizeof(cmd), "OK %u", i);
		raw_send(r, cmd, strlen(cmd));
	}
	assert_int_equal(vmbd_sim_tclo_record_count(r->sim),
			 VMBD_SIM_RPC_TCLO_LOG);
	assert_string_equal(vmbd_sim_tclo_record(r->sim, 0)->reply, "OK 8");
	assert_string_equal(
		vmbd_sim_tclo_record(r->sim, VMBD_SIM_RPC_TCLO_LOG - 1)->reply,
		"OK 39");
	assert_null(vmbd_sim_tclo_record(r->sim, VMBD_SIM_RPC_TCLO_LOG));
}

static void test_fault_api(void **state)
{
	struct raw *r = *state;

	assert_int_equal(vmbd_sim_rpc_set_fault(r->sim, 99, 1, 1, 0),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_sim_rpc_set_fault(NULL, VMBD_SIM_FAULT_CPT, 1, 1, 0),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_sim_rpc_set_fault(r->sim, VMBD_SIM_FAULT_CPT, 2,
						0, 0),
			 VMBD_OK);
	assert_int_equal(raw_open(r, VMBD_PROTO_RPCI, 1), VMBD_MSG_SUCCESS);
	/* OPEN was step 1; the fault hits step 2 only (count 0 = 1). */
	assert_int_equal(msg(r, VMBD_MSG_SENDSIZE, 0, NULL), VMBD_MSG_CPT);
	assert_true(msg(r, VMBD_MSG_SENDSIZE, 0, NULL) & VMBD_MSG_SUCCESS);
	assert_int_equal(vmbd_sim_rpc_fault_fired(r->sim), 1);
	assert_int_equal(vmbd_sim_rpc_fault_fired(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_defaults),
		T(test_open_cookies_and_limits),
		T(test_rpci_handlers),
		T(test_guestinfo_limits),
		T(test_custom_handler),
		T(test_hostile_guest),
		T(test_guest_refusal_drops_message),
		T(test_hb_hostile),
		T(test_message_disabled),
		T(test_tclo_queue_and_records),
		T(test_tclo_limits_and_ring),
		T(test_fault_api),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
