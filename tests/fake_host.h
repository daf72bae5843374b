/*
 * Test helper: a scripted host behind the mock io backend. Each call gets
 * the next scripted reply (only the registers the reply names are
 * written), every frame the guest sent is recorded, and a call beyond the
 * script fails the test: that is how tests prove "exactly the calls
 * needed".
 */
#ifndef VMBD_TEST_FAKE_HOST_H
#define VMBD_TEST_FAKE_HOST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/vmbackdoor.h>

enum { R_AX = 1, R_BX = 2, R_CX = 4, R_DX = 8, R_SI = 16, R_DI = 32, R_BP = 64 };

struct fake_reply {
	unsigned set;            /* R_* bits: registers the host writes */
	struct vmbd_frame v;
	int rc;                  /* backend status to return */
};

#define FAKE_MAX 16

struct fake_host {
	struct vmbd_mock mock;
	struct fake_reply script[FAKE_MAX];
	unsigned nscript;
	unsigned ncalls;
	struct vmbd_frame sent[FAKE_MAX];
	int op[FAKE_MAX];
};

static inline int fake_handler(void *arg, int op, struct vmbd_frame *f)
{
	struct fake_host *h = arg;
	const struct fake_reply *r;

	if (h->ncalls >= h->nscript || h->ncalls >= FAKE_MAX) {
		fail_msg("unexpected backdoor call #%u (cmd %u)", h->ncalls + 1,
			 (unsigned)(f->cx & 0xFFFF));
		return VMBD_EIO;
	}
	h->sent[h->ncalls] = *f;
	h->op[h->ncalls] = op;
	r = &h->script[h->ncalls++];
	if (r->set & R_AX) f->ax = r->v.ax;
	if (r->set & R_BX) f->bx = r->v.bx;
	if (r->set & R_CX) f->cx = r->v.cx;
	if (r->set & R_DX) f->dx = r->v.dx;
	if (r->set & R_SI) f->si = r->v.si;
	if (r->set & R_DI) f->di = r->v.di;
	if (r->set & R_BP) f->bp = r->v.bp;
	return r->rc;
}

/* Bind ctx to a fresh fake host with no script. */
static inline void fake_init(struct fake_host *h, struct vmbd_ctx *ctx)
{
	memset(h, 0, sizeof(*h));
	h->mock.handler = fake_handler;
	h->mock.arg = h;
	assert_int_equal(vmbd_ctx_init(ctx, vmbd_io_mock(), &h->mock), VMBD_OK);
}

/* Append a reply writing the registers in set (values from v). */
static inline void fake_push(struct fake_host *h, unsigned set,
			     struct vmbd_frame v)
{
	assert_true(h->nscript < FAKE_MAX);
	h->script[h->nscript].set = set;
	h->script[h->nscript].v = v;
	h->script[h->nscript].rc = VMBD_OK;
	h->nscript++;
}

/* The VMware/QEMU answer to an unknown command. */
static inline void fake_push_unknown(struct fake_host *h)
{
	struct vmbd_frame v = {0};

	v.ax = 0xFFFFFFFFu;
	fake_push(h, R_AX, v);
}

/* The QEMU <= 4.2 answer to an unknown command: nothing changes. */
static inline void fake_push_ignore(struct fake_host *h)
{
	struct vmbd_frame v = {0};

	fake_push(h, 0, v);
}

/* Assert call i was an LB `in` of command cmd with magic and port. */
static inline void fake_assert_cmd(const struct fake_host *h, unsigned i,
				   unsigned cmd)
{
	assert_true(i < h->ncalls);
	assert_int_equal(h->op[i], VMBD_MOCK_IN);
	assert_int_equal(h->sent[i].ax, VMBD_MAGIC);
	assert_int_equal(h->sent[i].dx & 0xFFFF, VMBD_PORT_LB);
	assert_int_equal(h->sent[i].cx & 0xFFFF, cmd);
}

#endif
