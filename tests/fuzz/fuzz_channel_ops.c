/*
 * Fuzz target: sequences of operations on the GuestRPC channel, RPCI and
 * TCLO layers against a hostile host whose every answer comes from the
 * fuzz input. (fuzz_channel.c runs one fixed open/send/receive/close
 * script per layer; this one lets the fuzzer choose the order, the sizes
 * up to and past 64 KiB, reopens, backend failures and HB vanishing
 * mid-message, and checks each operation's own budget and result.)
 *
 * The input is one byte stream read front to back by both sides: the
 * driver takes an operation byte and its parameters (open, send, receive,
 * close, reopen, an RPCI call, a TCLO poll, on three objects sharing one
 * context), and each backdoor call the library makes takes the host's
 * answer: for an LB call a status byte (SUCCESS, DORECV, CLOSED, UNSENT,
 * CPT, POWEROFF, TIMEOUT, HB: any combination, CPT at any step), a shape
 * byte (the type echoed in edx, junk in the status's high byte, a backend
 * failure) and 4 bytes for ebx (a size, a payload word, a cookie); for an
 * HB transfer a status byte, a shape byte and, host to guest, exactly the
 * requested bytes (the rep count is the hardware's, the content the
 * host's). When the input runs out every answer is "no SUCCESS", which
 * must end every operation.
 *
 * What must hold (abort() otherwise): every return code is one the library
 * defines; no operation makes more backdoor calls than its budget in
 * channel.h allows (so nothing loops); received lengths respect the
 * buffer (buffers are exact-size heap blocks: ASan sees any overrun, and
 * the HB host reads and writes every byte it is given); a failed open
 * leaves the channel closed; RPCI replies and TCLO commands are
 * NUL-terminated inside their buffer with the length reported; an
 * oversized request is refused without a call.
 */
#include <stdlib.h>
#include <string.h>

#include <vmbackdoor/channel.h>
#include <vmbackdoor/rpci.h>
#include <vmbackdoor/tclo.h>

#include "fuzz_target.h"

#define MAX_OPS 64

struct host {
	const unsigned char *p;
	size_t n;
	uint64_t sink;  /* HB bytes read, so the reads cannot be dropped */
	uint64_t calls; /* every call the library made, failed ones too */
};

static unsigned take8(struct host *h)
{
	if (h->n == 0)
		return 0;
	h->n--;
	return *h->p++;
}

static uint32_t take16(struct host *h)
{
	uint32_t v = take8(h);

	return v | (uint32_t)take8(h) << 8;
}

static uint32_t take32(struct host *h)
{
	uint32_t v = take16(h);

	return v | take16(h) << 16;
}

/* Status byte, then shape byte: bits 0-2 the type in edx's high half,
 * bits 3-6 junk in the status's high byte, bit 7 a backend failure
 * instead of an answer (with bit 6: "not supported", which makes the
 * channel fall back from HB to LB mid-message). The status goes to the
 * high half of *reg. */
static int answer(struct host *h, uint32_t *reg, unsigned *shape)
{
	uint32_t status = take8(h);

	h->calls++;
	*shape = take8(h);
	if (*shape & 0x80)
		return *shape & 0x40 ? VMBD_ENOTSUP : VMBD_EIO;
	status |= ((*shape >> 3) & 0xFu) << 8;
	*reg = status << 16 | (*reg & 0xFFFFu);
	return 0;
}

static int host_in(void *arg, struct vmbd_frame *f)
{
	struct host *h = arg;
	uint32_t bx;
	unsigned shape;
	int rc = answer(h, &f->cx, &shape);

	if (rc != 0)
		return rc;
	bx = take32(h);
	f->bx = bx;
	f->dx = (uint32_t)(shape & 7u) << 16 | (f->dx & 0xFFFFu);
	/* OPEN answers the cookies in esi/edi; other calls leave junk. */
	f->si = bx ^ 0x5A5A5A5Au;
	f->di = ~bx;
	return 0;
}

static int host_hb_out(void *arg, struct vmbd_frame *f)
{
	struct host *h = arg;
	const unsigned char *src = (const unsigned char *)(uintptr_t)f->si;
	unsigned shape;
	uint32_t i;

	check(f->cx == 0 || src != NULL);
	for (i = 0; i < f->cx; i++)
		h->sink += src[i];
	return answer(h, &f->bx, &shape);
}

static int host_hb_in(void *arg, struct vmbd_frame *f)
{
	struct host *h = arg;
	unsigned char *dst = (unsigned char *)(uintptr_t)f->di;
	unsigned shape;
	uint32_t i;
	int rc = answer(h, &f->bx, &shape);

	if (rc != 0)
		return rc;
	check(f->cx == 0 || dst != NULL);
	for (i = 0; i < f->cx; i++)
		dst[i] = (unsigned char)take8(h);
	return 0;
}

static const struct vmbd_io_ops hostile_ops = {
	"fuzz-hostile", host_in, host_hb_out, host_hb_in
};
static const struct vmbd_io_ops hostile_lb_only = {
	"fuzz-hostile-lb", host_in, NULL, NULL
};

/* ---- budgets from channel.h (every call is a VM exit), plus per try
 * the one HB call a backend may refuse as unsupported before LB takes
 * over ---- */

static uint64_t words(uint64_t n)
{
	return n == 0 ? 1 : (n + 3) / 4;
}

static uint64_t send_budget(size_t len)
{
	return VMBD_CHANNEL_MAX_TRIES * (2 + words(len));
}

static uint64_t recv_budget(size_t size)
{
	return VMBD_CHANNEL_MAX_TRIES * (3 + words(size));
}

#define OPEN_BUDGET 2u
#define CLOSE_BUDGET 1u
#define REOPEN_BUDGET (CLOSE_BUDGET + OPEN_BUDGET)

static uint64_t call_budget(size_t len, size_t size)
{
	/* reopen before, one exchange, one reopen and a second exchange */
	return 2 * REOPEN_BUDGET + 2 * (send_budget(len) + recv_budget(size));
}

static void check_rc(int rc)
{
	check(rc <= 0);
	if (rc < 0)
		check(strcmp(vmbd_strerror(rc), vmbd_strerror(-9999)) != 0);
}

static void check_state(const struct vmbd_channel *ch)
{
	check(ch->state == VMBD_CHANNEL_CLOSED || ch->state == VMBD_CHANNEL_OPEN ||
	      ch->state == VMBD_CHANNEL_BROKEN);
}

static unsigned char *pattern(size_t len)
{
	unsigned char *b = malloc(len ? len : 1);
	size_t i;

	check(b != NULL);
	for (i = 0; i < len; i++)
		b[i] = (unsigned char)(i * 7u + 1u);
	return b;
}

struct world {
	struct host h;
	struct vmbd_ctx ctx;
	struct vmbd_channel ch;
	struct vmbd_rpci rpci;
	struct vmbd_tclo tclo;
	int rpci_opened, tclo_opened, ch_opened;
};

static void op_open(struct world *w)
{
	unsigned flags = take8(&w->h);
	uint32_t proto = flags & 4 ? VMBD_PROTO_TCLO : VMBD_PROTO_RPCI;
	uint64_t c0 = w->h.calls;
	int rc = vmbd_channel_open(&w->ch, &w->ctx, proto, flags & 3);

	check_rc(rc);
	check(w->h.calls - c0 <= OPEN_BUDGET);
	check((rc == VMBD_OK) == (w->ch.state == VMBD_CHANNEL_OPEN));
	if (rc != VMBD_OK)
		check(w->ch.state == VMBD_CHANNEL_CLOSED);
	w->ch_opened = 1;
}

static void op_send(struct world *w)
{
	size_t len = take16(&w->h);
	unsigned char *buf;
	uint64_t c0 = w->h.calls;
	int rc;

	if (take8(&w->h) & 1)
		len += VMBD_MSG_MAX_IN - 0x7FFF; /* around the 64 KiB limit */
	buf = pattern(len);
	rc = vmbd_channel_send(&w->ch, buf, len);
	check_rc(rc);
	if (len > VMBD_MSG_MAX_IN)
		check(rc == VMBD_ETOOBIG &&
		      w->h.calls == c0);
	check(w->h.calls - c0 <= send_budget(len));
	free(buf);
}

static void op_recv(struct world *w)
{
	size_t size = take16(&w->h), len = 12345;
	unsigned char *buf = size ? malloc(size) : NULL;
	uint64_t c0 = w->h.calls;
	int rc;

	check(size == 0 || buf != NULL);
	rc = vmbd_channel_recv(&w->ch, buf, size, &len);
	check_rc(rc);
	check(w->h.calls - c0 <= recv_budget(size));
	if (rc == VMBD_OK)
		check(len <= size);
	else if (rc == VMBD_ENOSPC)
		check(len > size && w->ch.state == VMBD_CHANNEL_OPEN);
	else
		check(len == 0);
	free(buf);
}

static void op_close(struct world *w, int reopen)
{
	uint64_t c0 = w->h.calls;
	int rc;

	if (!w->ch_opened)
		return; /* ch holds no context yet */
	rc = reopen ? vmbd_channel_reopen(&w->ch) : vmbd_channel_close(&w->ch);
	check_rc(rc);
	check(w->h.calls - c0 <=
	      (reopen ? REOPEN_BUDGET : CLOSE_BUDGET));
	if (!reopen)
		check(w->ch.state == VMBD_CHANNEL_CLOSED);
}

static void op_rpci(struct world *w)
{
	size_t len = take8(&w->h), size = take16(&w->h) + 1, rlen = 12345;
	unsigned char *req;
	char *reply;
	uint64_t c0 = w->h.calls;
	int rc;

	if (!w->rpci_opened) {
		rc = vmbd_rpci_open(&w->rpci, &w->ctx, take8(&w->h) & 3);
		check_rc(rc);
		check(w->h.calls - c0 <= OPEN_BUDGET);
		w->rpci_opened = 1;
		return;
	}
	req = pattern(len);
	reply = malloc(size);
	check(reply != NULL);
	rc = vmbd_rpci_call(&w->rpci, req, len, reply, size, &rlen);
	check_rc(rc);
	check(w->h.calls - c0 <= call_budget(len, size));
	if (rc == VMBD_OK || rc == VMBD_ERPC) {
		check(rlen < size && reply[rlen] == '\0');
	} else if (rc == VMBD_ENOSPC) {
		check(rlen > size && reply[0] == '\0');
	} else {
		check(reply[0] == '\0');
		check(rc != VMBD_EPROTO || rlen == 0);
	}
	free(reply);
	free(req);
	check_state(&w->rpci.ch);
}

static void op_tclo(struct world *w)
{
	size_t len = take8(&w->h), size = take16(&w->h) + 1, clen = 12345;
	unsigned char *ans;
	char *cmd;
	uint64_t c0 = w->h.calls;
	int rc;

	if (!w->tclo_opened) {
		rc = vmbd_tclo_open(&w->tclo, &w->ctx, take8(&w->h) & 3);
		check_rc(rc);
		check(w->h.calls - c0 <= OPEN_BUDGET);
		w->tclo_opened = 1;
		return;
	}
	ans = pattern(len);
	cmd = malloc(size);
	check(cmd != NULL);
	rc = vmbd_tclo_poll(&w->tclo, len ? ans : NULL, len, cmd, size, &clen);
	check_rc(rc);
	check(w->h.calls - c0 <= call_budget(len, size));
	if (rc == VMBD_OK)
		check(clen > 0 && clen < size && cmd[clen] == '\0');
	else if (rc == VMBD_ENOSPC)
		check(clen > size - 1);
	else
		check(clen == 0 && cmd[0] == '\0');
	free(cmd);
	free(ans);
	check_state(&w->tclo.ch);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct world w;
	unsigned ops;

	memset(&w, 0, sizeof(w));
	w.h.p = data;
	w.h.n = size;
	/* Byte 0, bit 0: the backend has no HB operations at all. */
	check(vmbd_ctx_init(&w.ctx, take8(&w.h) & 1 ? &hostile_lb_only
						    : &hostile_ops,
			    &w.h) == 0);
	for (ops = 0; ops < MAX_OPS && w.h.n > 0; ops++) {
		switch (take8(&w.h) % 7) {
		case 0: op_open(&w); break;
		case 1: op_send(&w); break;
		case 2: op_recv(&w); break;
		case 3: op_close(&w, 0); break;
		case 4: op_close(&w, 1); break;
		case 5: op_rpci(&w); break;
		default: op_tclo(&w); break;
		}
		check_state(&w.ch);
	}
	/* Closing touches the host at most once per object. */
	if (w.ch_opened)
		check_rc(vmbd_channel_close(&w.ch));
	if (w.rpci_opened)
		check_rc(vmbd_rpci_close(&w.rpci));
	if (w.tclo_opened)
		check_rc(vmbd_tclo_close(&w.tclo));
	return 0;
}
