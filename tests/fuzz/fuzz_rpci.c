/*
 * Fuzz target: the RPCI reply parser, end to end. A simulated VMware host
 * (sim.h) runs the channel correctly and answers the request with the
 * fuzz input as the raw reply message, status prefix and all.
 *
 * Input: byte 0 bit 0 = LB only (no HB), bytes 1-2 = the reply buffer's
 * size - 1 (1..65536 bytes), the rest = the host's reply.
 *
 * The oracle is exact (abort() otherwise): a reply longer than the buffer
 * is refused with VMBD_ENOSPC and its length; "1 x" gives 0 and "x";
 * "0 x" gives VMBD_ERPC and "x"; anything else VMBD_EPROTO and "". The
 * text is NUL-terminated at the reported length (NUL bytes inside are
 * kept), the buffer (exact size on the heap) is never overrun, and the
 * call costs exactly the backdoor calls rpci.h promises.
 */
#include <stdlib.h>
#include <string.h>

#include <vmbackdoor/rpci.h>
#include <vmbackdoor/sim.h>

#include "fuzz_target.h"

struct canned {
	const unsigned char *reply;
	size_t len;
};

static long answer(void *arg, const char *req, size_t len, char *reply,
		   size_t size)
{
	const struct canned *c = arg;

	(void)req;
	(void)len;
	if (c->len <= size)
		memcpy(reply, c->reply, c->len);
	return (long)c->len;
}

static uint64_t words(size_t n)
{
	return (n + 3) / 4;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct vmbd_sim *sim;
	static const char req[] = "fuzz";
	struct vmbd_ctx ctx;
	struct canned c;
	size_t bufsize, rlen = 12345;
	char *reply;
	int lb_only, rc, want;
	uint64_t calls;

	if (size < 3)
		return 0;
	if (sim == NULL) {
		sim = malloc(vmbd_sim_size());
		check(sim != NULL);
	}
	lb_only = data[0] & 1;
	bufsize = (size_t)(data[1] | data[2] << 8) + 1;
	c.reply = data + 3;
	c.len = size - 3;
	if (c.len > VMBD_MSG_MAX_IN)
		return 0; /* the simulator's own limit, not the parser's */
	vmbd_sim_init(sim);
	vmbd_sim_rpc_set_handler(sim, answer, &c);
	check(vmbd_ctx_init(&ctx, vmbd_sim_io_ops(), sim) == 0);
	reply = malloc(bufsize);
	check(reply != NULL);

	rc = vmbd_rpci_send_one(&ctx, lb_only ? VMBD_CHANNEL_NO_HB : 0, req,
				sizeof(req) - 1, reply, bufsize, &rlen);

	/* open, SENDSIZE + payload, RECVSIZE, then payload + RECVSTATUS or
	 * the refusal, close */
	calls = 1 + 1 + (lb_only ? words(sizeof(req) - 1) : 1) + 1 + 1;
	if (c.len > bufsize) {
		check(rc == VMBD_ENOSPC && rlen == c.len && reply[0] == '\0');
		calls += 1;
	} else {
		if (c.len >= 2 && c.reply[1] == ' ' && c.reply[0] == '1')
			want = VMBD_OK;
		else if (c.len >= 2 && c.reply[1] == ' ' && c.reply[0] == '0')
			want = VMBD_ERPC;
		else
			want = VMBD_EPROTO;
		check(rc == want);
		if (want == VMBD_EPROTO) {
			check(rlen == 0 && reply[0] == '\0');
		} else {
			check(rlen == c.len - 2);
			check(memcmp(reply, c.reply + 2, rlen) == 0);
			check(reply[rlen] == '\0');
		}
		if (c.len > 0)
			calls += lb_only ? words(c.len) : 1;
		calls += 1;
	}
	check(vmbd_ctx_calls(&ctx) == calls);
	check(vmbd_sim_rpc_open_channels(sim) == 0);
	free(reply);
	return 0;
}
