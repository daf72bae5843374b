/*
 * libFuzzer target: the channel, RPCI and TCLO layers against a host whose
 * every answer comes from the fuzz input (status bits, ebx, the type in
 * edx, cookies, HB payload bytes). Whatever the host says:
 *   - every call returns 0 or a negative VMBD_E* code with a name;
 *   - nothing is written outside the caller's buffers (they are exactly
 *     sized heap blocks: ASan sees one byte too far);
 *   - each operation makes a bounded number of backdoor calls (no loops);
 *   - a reported length never exceeds the buffer on success.
 * Seeds: tests/fuzz/channel_seeds (made by hand: 3 bytes of set-up, then
 * per LB call status, ebx, type; per HB call the bytes, then status).
 * When the input runs out the host answers status 0, so every path ends.
 */
#include <stdlib.h>
#include <string.h>

#include <vmbackdoor/channel.h>
#include <vmbackdoor/rpci.h>
#include <vmbackdoor/tclo.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

struct host {
	const unsigned char *p;
	size_t n;
	unsigned calls;
};

static uint32_t take(struct host *h, unsigned bytes)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < bytes && h->n > 0; i++, h->p++, h->n--)
		v |= (uint32_t)*h->p << (8 * i);
	return v;
}

static int host_in(void *arg, struct vmbd_frame *f)
{
	struct host *h = arg;

	h->calls++;
	/* One byte each keeps the search small: the 8 status bits, a small
	 * ebx (lengths near the buffer size matter) unless the top bit asks
	 * for a full word, the type in edx; cookies need not vary. */
	uint32_t bx;

	f->cx = (f->cx & 0xFFFFu) | take(h, 1) << 16;
	bx = take(h, 1);
	f->bx = (bx & 0x80u) ? take(h, 4) : bx;
	f->dx = (f->dx & 0xFFFFu) | (take(h, 1) & 7u) << 16;
	return VMBD_OK;
}

static int host_hb(struct host *h, struct vmbd_frame *f, int in)
{
	h->calls++;
	if (in) {
		/* A host writes at most the count the guest asked for. */
		size_t k = f->cx < h->n ? f->cx : h->n;

		if (k > 0)
			memcpy((void *)(uintptr_t)f->di, h->p, k);
		h->p += k;
		h->n -= k;
	}
	f->bx = (f->bx & 0xFFFFu) | take(h, 1) << 16;
	return VMBD_OK;
}

static int host_hb_out(void *arg, struct vmbd_frame *f)
{
	return host_hb(arg, f, 0);
}

static int host_hb_in(void *arg, struct vmbd_frame *f)
{
	return host_hb(arg, f, 1);
}

static const struct vmbd_io_ops host_ops = {
	"fuzz-host", host_in, host_hb_out, host_hb_in,
};

static void check_rc(int rc)
{
	if (rc > 0 || strcmp(vmbd_errname(rc), "VMBD_E?") == 0)
		abort();
}

static size_t words(size_t n)
{
	return (n + 3) / 4;
}

/* Calls one operation may take: MAX_TRIES per transfer, one reopen
 * (close + two OPENs) and the transfer again. */
static unsigned bound(size_t out, size_t in_cap)
{
	unsigned one = VMBD_CHANNEL_MAX_TRIES *
		       (unsigned)(1 + words(out) + 2 + words(in_cap));

	return 2 + 2 * one + 3;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct host h = {data, size, 0};
	struct vmbd_ctx ctx;
	struct vmbd_channel ch;
	struct vmbd_rpci r;
	struct vmbd_tclo t;
	unsigned flags, before;
	size_t cap, len = 0, msg_len;
	unsigned char *buf, *msg;
	int rc;

	if (size < 3)
		return 0;
	flags = data[0] & (VMBD_CHANNEL_NO_HB | VMBD_CHANNEL_NO_COOKIE);
	cap = 1 + data[1] % 64;
	msg_len = data[2] % 40;
	h.p += 3;
	h.n -= 3;
	buf = malloc(cap);
	msg = malloc(msg_len ? msg_len : 1);
	if (buf == NULL || msg == NULL)
		abort();
	memset(msg, 'm', msg_len);
	if (vmbd_ctx_init(&ctx, &host_ops, &h) != VMBD_OK)
		abort();

	/* Raw channel: open, send, receive. */
	before = h.calls;
	rc = vmbd_channel_open(&ch, &ctx, VMBD_PROTO_RPCI, flags);
	check_rc(rc);
	if (rc == VMBD_OK) {
		check_rc(vmbd_channel_send(&ch, msg, msg_len));
		rc = vmbd_channel_recv(&ch, buf, cap, &len);
		check_rc(rc);
		if (rc == VMBD_OK && len > cap)
			abort();
		check_rc(vmbd_channel_close(&ch));
	}
	if (h.calls - before > bound(msg_len, cap))
		abort();

	/* RPCI call with its automatic reopen. */
	before = h.calls;
	rc = vmbd_rpci_open(&r, &ctx, flags);
	check_rc(rc);
	if (rc == VMBD_OK) {
		rc = vmbd_rpci_call(&r, msg, msg_len, (char *)buf, cap, &len);
		check_rc(rc);
		if ((rc == VMBD_OK || rc == VMBD_ERPC) &&
		    (len >= cap || buf[len] != '\0'))
			abort();
		check_rc(vmbd_rpci_close(&r));
	}
	if (h.calls - before > bound(msg_len, cap) + 3)
		abort();

	/* TCLO poll steps. */
	before = h.calls;
	rc = vmbd_tclo_open(&t, &ctx, flags);
	check_rc(rc);
	if (rc == VMBD_OK) {
		int i;

		for (i = 0; i < 3; i++) {
			rc = vmbd_tclo_poll(&t, msg, i ? 0 : msg_len, (char *)buf,
					    cap, &len);
			check_rc(rc);
			if (rc == VMBD_OK && (len >= cap || buf[len] != '\0'))
				abort();
		}
		check_rc(vmbd_tclo_close(&t));
	}
	if (h.calls - before > 3 * bound(msg_len, cap) + 3)
		abort();

	free(buf);
	free(msg);
	return 0;
}
