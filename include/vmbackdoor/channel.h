/*
 * libvmbackdoor layer 3: the GuestRPC message channel (backdoor command 30).
 *
 * A channel is opened for one protocol (RPCI: the guest asks, the host
 * answers; TCLO: the host's commands to the guest), then carries whole
 * messages both ways until closed. Messages move 4 bytes per low-bandwidth
 * (LB) call, or in one high-bandwidth (HB) `rep outsb`/`rep insb` when the
 * host reports HB and the caller allows it. See PROTOCOL.md section 3.
 *
 * The channel talks only to the io layer through a struct vmbd_ctx, so it
 * runs unchanged on real hardware, the mock backend and the simulator.
 *
 * Call budget (every call is a VM exit), on an open channel:
 *   send of n bytes:    LB 1 + ceil(n/4)        HB 2 (1 when n == 0)
 *   receive of m bytes: LB 2 + ceil(m/4)        HB 3 (2 when m == 0)
 *   nothing waiting:    1 (RECVSIZE without DORECV)
 *   open 1 (2 when the host refuses the cookie flag), close 1.
 * A checkpoint (CPT) restarts the message being transferred, at most
 * VMBD_CHANNEL_MAX_TRIES times in all.
 */
#ifndef VMBACKDOOR_CHANNEL_H
#define VMBACKDOOR_CHANNEL_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/backdoor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Protocol numbers passed to OPEN ("RPCI" and "TCLO", little-endian). */
#define VMBD_PROTO_RPCI 0x49435052u
#define VMBD_PROTO_TCLO 0x4F4C4354u

/* OPEN flag asking the host for cookies (GUESTMSG_FLAG_COOKIE). */
#define VMBD_MSG_FLAG_COOKIE 0x80000000u
/* Largest message a host accepts from the guest (GUESTMSG_MAX_IN_SIZE). */
#define VMBD_MSG_MAX_IN 65536u
/* Channels per VM on a VMware host (GUESTMSG_MAX_CHANNEL). */
#define VMBD_MSG_MAX_CHANNELS 8u
/* HB port command for a message transfer (BDOORHB_CMD_MESSAGE), in the low
 * 16 bits of ebx; the high 16 bits carry a status. */
#define VMBD_HBCMD_MESSAGE 0u
/* Tries per message when the host reports checkpoints (the first try plus
 * two restarts, as Linux vmwgfx bounds it). */
#define VMBD_CHANNEL_MAX_TRIES 3u

/* MESSAGE sub-commands (ecx high 16 bits). */
enum vmbd_msg_type {
	VMBD_MSG_OPEN = 0,
	VMBD_MSG_SENDSIZE = 1,
	VMBD_MSG_SENDPAYLOAD = 2,
	VMBD_MSG_RECVSIZE = 3,
	VMBD_MSG_RECVPAYLOAD = 4,
	VMBD_MSG_RECVSTATUS = 5,
	VMBD_MSG_CLOSE = 6
};

/* Status bits (ecx high 16 bits of an LB reply, ebx high 16 bits of HB). */
enum vmbd_msg_status {
	VMBD_MSG_SUCCESS = 0x01,
	VMBD_MSG_DORECV = 0x02,
	VMBD_MSG_CLOSED = 0x04,
	VMBD_MSG_UNSENT = 0x08,
	VMBD_MSG_CPT = 0x10,
	VMBD_MSG_POWEROFF = 0x20,
	VMBD_MSG_TIMEOUT = 0x40,
	VMBD_MSG_HB = 0x80
};

/* Channel options for vmbd_channel_open(). */
enum vmbd_channel_flag {
	VMBD_CHANNEL_NO_HB = 1u << 0,     /* never use the HB port */
	VMBD_CHANNEL_NO_COOKIE = 1u << 1  /* open without asking for cookies */
};

/* Channel states. BROKEN: a transfer failed half-way, the host's view of
 * the channel is unknown; only close or reopen are allowed. */
enum vmbd_channel_state {
	VMBD_CHANNEL_CLOSED = 0,
	VMBD_CHANNEL_OPEN,
	VMBD_CHANNEL_BROKEN
};

/* A channel. Fields are public only so callers can allocate it; use the
 * functions below. */
struct vmbd_channel {
	struct vmbd_ctx *ctx;
	uint32_t proto;
	unsigned flags;          /* enum vmbd_channel_flag */
	int state;               /* enum vmbd_channel_state */
	uint16_t id;             /* host's channel id */
	int cookies;             /* 1 when opened with cookies */
	uint32_t cookie_high;
	uint32_t cookie_low;
	int hb_unavailable;      /* backend lacks HB ops: LB from now on */
	uint32_t last_status;    /* status bits of the last host reply */
	uint64_t cpt_restarts;   /* messages restarted after a checkpoint */
};

/*
 * Open a channel for proto (VMBD_PROTO_RPCI or VMBD_PROTO_TCLO) over ctx.
 * Asks for cookies and, when the host refuses, tries once more without
 * them (old hosts), as open-vm-tools does. VMBD_EOPEN when the host
 * refuses (for example all channels in use); backend errors pass through.
 * ch is fully (re)initialised, even when the call fails (a NULL ctx gives
 * VMBD_EINVAL and a channel with no context); ctx must outlive the channel.
 */
VMBD_API int vmbd_channel_open(struct vmbd_channel *ch, struct vmbd_ctx *ctx,
			       uint32_t proto, unsigned flags);

/*
 * Close the channel. One CLOSE call when the host still has it (open or
 * broken), none when the host closed it. The channel is CLOSED afterwards
 * whatever the host answers; the return value reports that answer.
 */
VMBD_API int vmbd_channel_close(struct vmbd_channel *ch);

/* Close (if needed) and open again with the same ctx, protocol and flags. */
VMBD_API int vmbd_channel_reopen(struct vmbd_channel *ch);

/* 1 when the channel is open and usable for messages. */
VMBD_API int vmbd_channel_is_open(const struct vmbd_channel *ch);

/*
 * Send one message of len bytes (binary; 0 allowed). VMBD_ETOOBIG without
 * any backdoor call when len > VMBD_MSG_MAX_IN; VMBD_ENOTOPEN on a channel
 * that is not open. Host failures map as vmbd_msg_status_error() says and
 * leave the channel BROKEN (CLOSED for VMBD_ECLOSED).
 */
VMBD_API int vmbd_channel_send(struct vmbd_channel *ch, const void *buf,
			       size_t len);

/*
 * Receive the host's waiting message into buf (size bytes). On success
 * *len is its length; 0 means the host had nothing (RECVSIZE without
 * DORECV) or an empty message (DORECV with length 0): callers see both the
 * same way. A message larger than size is refused as open-vm-tools does
 * (acknowledged with a failure status instead of SUCCESS, so the host drops
 * it): VMBD_ENOSPC, *len = the announced length, channel still OPEN. buf is
 * written only within size. Other failures as for vmbd_channel_send().
 */
VMBD_API int vmbd_channel_recv(struct vmbd_channel *ch, void *buf, size_t size,
			       size_t *len);

/*
 * Map the status bits of a host reply to an error: 0 when SUCCESS is set
 * (other bits ignored), otherwise, in this order, VMBD_ECPT for CPT,
 * VMBD_EPOWEROFF, VMBD_ECLOSED, VMBD_ETIMEOUT, VMBD_EUNSENT, and
 * VMBD_ENOSUCCESS when none of those is set.
 */
VMBD_API int vmbd_msg_status_error(uint32_t status);

#ifdef __cplusplus
}
#endif

#endif
