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

/* The channel API (struct vmbd_channel and its functions) lands with
 * lib/channel.c once the io layer is on main. */

#ifdef __cplusplus
}
#endif

#endif
