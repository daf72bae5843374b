/*
 * Shared test fixture for the channel, RPCI, TCLO and simulator GuestRPC
 * tests: a simulator on the heap (the struct holds 1 MiB of message
 * buffers), a context on it, a recording wrapper around the simulator's io
 * ops (every frame as the guest sent it), and an echo RPCI handler.
 */
#ifndef VMBD_TEST_CHANNEL_FIXTURE_H
#define VMBD_TEST_CHANNEL_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include <vmbackdoor/channel.h>
#include <vmbackdoor/sim.h>

#define FX_MAX_LOG 64

/* One operation as the guest issued it. */
struct fx_op {
	int op; /* 0 in, 1 hb_out, 2 hb_in */
	struct vmbd_frame f;
};

struct fx {
	struct vmbd_sim *sim;
	struct vmbd_ctx ctx;
	struct vmbd_io_ops ops;   /* recording wrapper (or a variant) */
	struct fx_op log[FX_MAX_LOG];
	unsigned nlog;            /* operations seen (log keeps the first 64) */
	int echo_reply_len;       /* echo handler: -1 = echo, else reply length */
};

static inline struct fx *fx_of(void *arg)
{
	return (struct fx *)arg;
}

static inline void fx_record(struct fx *x, int op, const struct vmbd_frame *f)
{
	if (x->nlog < FX_MAX_LOG) {
		x->log[x->nlog].op = op;
		x->log[x->nlog].f = *f;
	}
	x->nlog++;
}

static inline int fx_in(void *arg, struct vmbd_frame *f)
{
	fx_record(fx_of(arg), 0, f);
	return vmbd_sim_io_ops()->in(fx_of(arg)->sim, f);
}

static inline int fx_hb_out(void *arg, struct vmbd_frame *f)
{
	fx_record(fx_of(arg), 1, f);
	return vmbd_sim_io_ops()->hb_out(fx_of(arg)->sim, f);
}

static inline int fx_hb_in(void *arg, struct vmbd_frame *f)
{
	fx_record(fx_of(arg), 2, f);
	return vmbd_sim_io_ops()->hb_in(fx_of(arg)->sim, f);
}

/* Echo handler for requests starting with "echo": replies with the bytes
 * after "echo" unchanged (no status prefix: the channel does not care), or
 * with echo_reply_len bytes of a pattern when that is >= 0. */
static inline long fx_echo(void *arg, const char *req, size_t len, char *reply,
			   size_t size)
{
	struct fx *x = arg;
	size_t i, n;

	if (len < 4 || memcmp(req, "echo", 4) != 0)
		return -1;
	if (x->echo_reply_len >= 0) {
		n = (size_t)x->echo_reply_len;
		if (n > size)
			return (long)n; /* the simulator reports the overflow */
		for (i = 0; i < n; i++)
			reply[i] = (char)('a' + i % 26);
		return (long)n;
	}
	n = len - 4;
	if (n > size)
		return (long)size + 1;
	memcpy(reply, req + 4, n);
	return (long)n;
}

static inline struct fx *fx_new(void)
{
	struct fx *x = calloc(1, sizeof(*x));

	if (x == NULL)
		abort();
	x->sim = malloc(sizeof(*x->sim));
	if (x->sim == NULL)
		abort();
	vmbd_sim_init(x->sim);
	x->ops.name = "fx";
	x->ops.in = fx_in;
	x->ops.hb_out = fx_hb_out;
	x->ops.hb_in = fx_hb_in;
	x->echo_reply_len = -1;
	vmbd_sim_rpc_set_handler(x->sim, fx_echo, x);
	if (vmbd_ctx_init(&x->ctx, &x->ops, x) != VMBD_OK)
		abort();
	return x;
}

static inline void fx_free(struct fx *x)
{
	free(x->sim);
	free(x);
}

static inline uint64_t fx_calls(const struct fx *x)
{
	return vmbd_ctx_calls(&x->ctx);
}

/* Fill n bytes with a deterministic pattern that includes NUL bytes; the
 * last byte is never NUL (RPCI hosts strip one trailing NUL). */
static inline void fx_pattern(unsigned char *p, size_t n, unsigned seed)
{
	uint32_t s = seed * 2654435761u + 1u;
	size_t i;

	for (i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		p[i] = (unsigned char)(i % 7 == 3 ? 0 : s);
	}
	if (n > 0 && p[n - 1] == 0)
		p[n - 1] = 0xA5;
}

static inline size_t fx_words(size_t n)
{
	return (n + 3) / 4;
}

#endif
