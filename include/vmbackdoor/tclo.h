/*
 * libvmbackdoor layer 4b: TCLO, the host's commands to the guest.
 *
 * The guest polls: it sends its answer to the previous command (an empty
 * message the first time and whenever it has nothing to answer) and
 * receives the host's next command, or nothing. Commands look like
 * `reset`, `ping`, `Set_Option synctime 1`, `Time_Synchronize 0`; answers
 * like `OK ATR toolbox`, `OK `, `ERROR Unknown Command`. PROTOCOL.md
 * sections 4 and 7.
 *
 * The library never sleeps or blocks: how often to poll is the caller's
 * choice (agent.h's default: every 0.999 s when idle, so a command is
 * answered within 1 s, and at once again after a command). An idle poll costs 2 backdoor calls (SENDSIZE of the empty
 * reply, RECVSIZE; 3 when the host signals "nothing" as an empty message).
 *
 *   struct vmbd_tclo t;
 *   char cmd[1024], ans[256];
 *   size_t n, alen = 0;
 *   vmbd_tclo_open(&t, &ctx, 0);
 *   for (;;) {
 *       int rc = vmbd_tclo_poll(&t, ans, alen, cmd, sizeof(cmd), &n);
 *       alen = 0;
 *       if (rc == 0) { alen = handle(cmd, n, ans, sizeof(ans)); continue; }
 *       if (rc != VMBD_ENOMSG) report(rc);
 *       sleep_one_second();
 *   }
 */
#ifndef VMBACKDOOR_TCLO_H
#define VMBACKDOOR_TCLO_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/channel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A TCLO poller. Fields are public only so callers can allocate it. */
struct vmbd_tclo {
	struct vmbd_channel ch;
	uint64_t reopens;   /* automatic reopens so far */
	uint64_t commands;  /* commands received */
};

/* Open a TCLO channel on ctx. flags: enum vmbd_channel_flag. */
VMBD_API int vmbd_tclo_open(struct vmbd_tclo *t, struct vmbd_ctx *ctx,
			    unsigned flags);

/* Close the channel (one call if the host still has it). */
VMBD_API int vmbd_tclo_close(struct vmbd_tclo *t);

/*
 * One poll step: send reply (reply_len bytes; NULL/0 for the empty reply)
 * answering the command the previous poll returned, then receive the next
 * command into cmd (size bytes, NUL-terminated; *cmd_len its length).
 * Returns
 *   0               a command is in cmd
 *   VMBD_ENOMSG     nothing waiting (no DORECV, or an empty message)
 *   VMBD_ENOSPC     the command does not fit in size - 1 bytes: refused,
 *                   the host drops it, the channel stays open
 *   VMBD_ETOOBIG    reply_len > VMBD_MSG_MAX_IN, nothing sent
 *   VMBD_ENOTOPEN   t has no context (zeroed, or vmbd_tclo_open() refused
 *                   a NULL ctx); after an open the host refused, the
 *                   poll opens again instead
 *   channel errors  after one automatic reopen (which starts the new
 *                   channel with an empty reply: the answer to the old
 *                   channel's command is dropped)
 * On every return but 0, cmd is "" (even when a failed transfer had
 * already delivered bytes) and *cmd_len is 0, except for VMBD_ENOSPC.
 * Never sleeps; at most two tries of the whole step.
 */
VMBD_API int vmbd_tclo_poll(struct vmbd_tclo *t, const void *reply,
			    size_t reply_len, char *cmd, size_t size,
			    size_t *cmd_len);

#ifdef __cplusplus
}
#endif

#endif
