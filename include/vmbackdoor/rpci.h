/*
 * libvmbackdoor layer 4a: RPCI, the guest's requests to the host.
 *
 * The guest sends one text command (`info-get guestinfo.key`,
 * `info-set guestinfo.key value`, `tools.set.version 12389`, `log text`,
 * `tools.capability.NAME ...`) and the host answers "1 " + result
 * (success) or "0 " + reason (failure). PROTOCOL.md section 4.
 *
 * A struct vmbd_rpci keeps one channel open across calls (an HB round trip
 * then costs 5 backdoor calls, an LB one 3 + ceil(n/4) + ceil(m/4));
 * vmbd_rpci_send_one() opens and closes around a single call like
 * vmware-rpctool (2 calls more).
 */
#ifndef VMBACKDOOR_RPCI_H
#define VMBACKDOOR_RPCI_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/channel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A kept-open RPCI channel. Fields are public only so callers can
 * allocate it. */
struct vmbd_rpci {
	struct vmbd_channel ch;
	uint64_t reopens;   /* automatic reopens so far */
};

/* Open an RPCI channel on ctx. flags: enum vmbd_channel_flag. Errors as
 * vmbd_channel_open(). */
VMBD_API int vmbd_rpci_open(struct vmbd_rpci *r, struct vmbd_ctx *ctx,
			    unsigned flags);

/* Close the channel (one call if the host still has it). */
VMBD_API int vmbd_rpci_close(struct vmbd_rpci *r);

/*
 * Send req (len bytes, binary safe; C strings are sent without their NUL,
 * as vmware-rpctool does) and receive the reply. The reply text, without
 * its "1 "/"0 " status prefix, is written NUL-terminated to reply (size
 * bytes, at least 1); *reply_len is its length. Returns
 *   0               the host answered "1 ..."
 *   VMBD_ERPC       the host answered "0 ..." (reply holds its reason)
 *   VMBD_EPROTO     the reply has no status prefix (reply is "")
 *   VMBD_ENOSPC     the reply message (prefix included) is larger than
 *                   size bytes: refused, the channel stays open,
 *                   *reply_len = the message's announced length
 *   VMBD_ETOOBIG    len > VMBD_MSG_MAX_IN, nothing sent
 *   VMBD_ENOTOPEN   r has no context (zeroed, or vmbd_rpci_open() refused
 *                   a NULL ctx); after an open the host refused, the
 *                   call opens again instead
 *   channel errors  (VMBD_ECLOSED, VMBD_ECPT, VMBD_EPOWEROFF, ...)
 * A closed or broken channel is reopened automatically before the call,
 * and once more (with the request resent) when the call fails with a
 * channel error other than VMBD_EPOWEROFF. Nothing loops beyond that.
 */
VMBD_API int vmbd_rpci_call(struct vmbd_rpci *r, const void *req, size_t len,
			    char *reply, size_t size, size_t *reply_len);

/* vmbd_rpci_call() on a NUL-terminated command (sent without the NUL). */
VMBD_API int vmbd_rpci_command(struct vmbd_rpci *r, const char *cmd,
			       char *reply, size_t size, size_t *reply_len);

/* Open, call, close: one RPCI request on a fresh channel, the way
 * vmware-rpctool sends it. Return values as vmbd_rpci_call(); an error
 * from the final CLOSE is not reported. */
VMBD_API int vmbd_rpci_send_one(struct vmbd_ctx *ctx, unsigned flags,
				const void *req, size_t len, char *reply,
				size_t size, size_t *reply_len);

#ifdef __cplusplus
}
#endif

#endif
