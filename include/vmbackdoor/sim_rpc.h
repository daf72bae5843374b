/*
 * libvmbackdoor: the simulator's GuestRPC side, a model of what a VMware
 * VMX does with backdoor command 30 and the HB port: channels with cookies,
 * the 64 KiB incoming limit, RPCI handlers (guestinfo store,
 * tools.set.version, log, tools.capability.*, tools.os.statechange.status
 * SUCCESS STATE taken with "1 "), the TCLO command queue the
 * host sends, the guest's TCLO replies recorded for assertions, and fault
 * injection. Owned by the channel layer; struct vmbd_sim embeds struct
 * vmbd_sim_rpc, so everything is fixed-size (no allocation).
 *
 * Reply texts follow what VMware hosts answer: "1 " + result on success,
 * "0 " + reason on failure ("0 No value found" for a missing guestinfo
 * key, "0 Unknown command").
 */
#ifndef VMBACKDOOR_SIM_RPC_H
#define VMBACKDOOR_SIM_RPC_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/io.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vmbd_sim;

/* Sizes of the fixed buffers. */
#define VMBD_SIM_RPC_MAX_CHANNELS 8u        /* GUESTMSG_MAX_CHANNEL */
#define VMBD_SIM_RPC_MAX_IN 65536u          /* GUESTMSG_MAX_IN_SIZE */
#define VMBD_SIM_RPC_MAX_OUT (65536u + 16u) /* host -> guest message */
#define VMBD_SIM_RPC_TCLO_QUEUE 16u         /* queued host commands */
#define VMBD_SIM_RPC_TCLO_CMD_MAX 512u      /* bytes per host command */
#define VMBD_SIM_RPC_TCLO_LOG 32u           /* recorded replies kept */
#define VMBD_SIM_RPC_TCLO_REPLY_MAX 512u    /* bytes kept per reply */
#define VMBD_SIM_RPC_GUESTINFO_MAX 16u      /* guestinfo keys */
#define VMBD_SIM_RPC_KEY_MAX 128u           /* key bytes incl. NUL */
#define VMBD_SIM_RPC_VALUE_MAX 4096u        /* value bytes incl. NUL */
#define VMBD_SIM_RPC_LOG_MAX 256u           /* last `log` line kept */
#define VMBD_SIM_RPC_VERSION_MAX 64u        /* tools.set.version text */

/* Fault kinds. A fault fires on the at-th MESSAGE/HB call after it is set
 * (1-based) or, for kinds that apply to one sub-command only, on the first
 * such call from then on; it hits `count` calls in a row. */
enum vmbd_sim_fault_kind {
	VMBD_SIM_FAULT_NONE = 0,
	VMBD_SIM_FAULT_CPT,        /* answer CPT; the transfer in progress restarts */
	VMBD_SIM_FAULT_CLOSE,      /* the host closes the channel: answer CLOSED */
	VMBD_SIM_FAULT_STATUS,     /* answer exactly `value` as status, do nothing */
	VMBD_SIM_FAULT_JUNK_BITS,  /* act normally, OR `value` into the status */
	VMBD_SIM_FAULT_COOKIE,     /* the host's cookie changes: this and later calls fail */
	VMBD_SIM_FAULT_TRUNCATE,   /* RECVSIZE announces `value` bytes more than it has */
	VMBD_SIM_FAULT_LENGTH,     /* RECVSIZE announces `value` as the length */
	VMBD_SIM_FAULT_BAD_TYPE    /* RECVSIZE/RECVPAYLOAD answer a wrong type in edx */
};

struct vmbd_sim_fault {
	int kind;            /* enum vmbd_sim_fault_kind */
	uint64_t start;      /* absolute step from which it may fire */
	uint32_t left;       /* hits left */
	uint32_t value;      /* per kind, see above */
	uint32_t fired;      /* hits so far */
};

/* One channel as the host sees it. */
struct vmbd_sim_rpc_channel {
	int used;
	uint32_t proto;
	int cookies;
	uint32_t cookie_high;
	uint32_t cookie_low;
	/* guest -> host message being received */
	int in_active;
	uint32_t in_len;
	uint32_t in_pos;
	unsigned char in[VMBD_SIM_RPC_MAX_IN];
	/* host -> guest message */
	int out_pending;           /* a message waits for the guest */
	int out_reading;           /* RECVSIZE answered, payload under way */
	uint32_t out_len;          /* real length */
	uint32_t out_announced;    /* length RECVSIZE announced */
	uint32_t out_pos;
	int out_is_tclo_cmd;       /* out holds a delivered TCLO command */
	unsigned char out[VMBD_SIM_RPC_MAX_OUT];
};

/* A host command and the guest's answer to it. */
struct vmbd_sim_tclo_record {
	char cmd[VMBD_SIM_RPC_TCLO_CMD_MAX + 1];     /* NUL-terminated */
	uint32_t cmd_len;
	char reply[VMBD_SIM_RPC_TCLO_REPLY_MAX + 1]; /* NUL-terminated, cut */
	uint32_t reply_len;                          /* full length sent */
};

/* Custom RPCI handler, tried before the built-in ones: write the whole
 * reply ("1 ..." or "0 ...") into reply (size bytes) and return its length,
 * or return -1 to leave the request to the built-in handlers. */
typedef long (*vmbd_sim_rpci_fn)(void *arg, const char *req, size_t len,
				 char *reply, size_t size);

struct vmbd_sim_guestinfo {
	char key[VMBD_SIM_RPC_KEY_MAX];       /* "" = free slot */
	char value[VMBD_SIM_RPC_VALUE_MAX];
};

struct vmbd_sim_rpc {
	/* --- host personality --- */
	int enabled;          /* MESSAGE implemented (0 in the QEMU profile) */
	int hb;               /* advertise HB in SENDSIZE/RECVSIZE (default 1) */
	unsigned channels;    /* channels available, 1..8 (default 8) */
	int old_host;         /* refuse cookie-flagged OPEN like an old host */
	int tclo_empty_dorecv; /* nothing waiting on TCLO: DORECV + length 0
				  instead of no DORECV */
	uint32_t cookie_seed; /* next cookie generator state */

	/* --- state --- */
	struct vmbd_sim_rpc_channel chan[VMBD_SIM_RPC_MAX_CHANNELS];
	struct vmbd_sim_fault fault;
	uint64_t steps;       /* MESSAGE + HB calls seen */

	/* --- RPCI handler state --- */
	struct vmbd_sim_guestinfo guestinfo[VMBD_SIM_RPC_GUESTINFO_MAX];
	char tools_version[VMBD_SIM_RPC_VERSION_MAX]; /* last tools.set.version */
	char last_log[VMBD_SIM_RPC_LOG_MAX];          /* last `log` text */
	uint64_t log_count;
	uint64_t capability_count;  /* tools.capability.* requests */
	uint64_t rpci_count;        /* RPCI requests handled */
	uint64_t rpci_with_nul;     /* ... of which counted a trailing NUL */
	vmbd_sim_rpci_fn handler;
	void *handler_arg;

	/* --- TCLO --- */
	char tclo_queue[VMBD_SIM_RPC_TCLO_QUEUE][VMBD_SIM_RPC_TCLO_CMD_MAX];
	uint32_t tclo_queue_len[VMBD_SIM_RPC_TCLO_QUEUE];
	unsigned tclo_head;         /* oldest queued command */
	unsigned tclo_count;        /* queued commands */
	struct vmbd_sim_tclo_record tclo_log[VMBD_SIM_RPC_TCLO_LOG];
	uint64_t tclo_replies;      /* replies recorded in all (ring keeps last) */
	uint64_t tclo_polls;        /* messages the guest sent on TCLO */

	/* --- accounting --- */
	uint64_t opens;
	uint64_t open_refused;
	uint64_t closes;
	uint64_t messages_in;       /* complete guest -> host messages */
	uint64_t messages_out;      /* host -> guest messages acknowledged */
	uint64_t refused;           /* host messages the guest refused */
	uint64_t bad_calls;         /* calls answered without SUCCESS */
	uint64_t tail_junk;         /* 1-3 byte LB tails with non-zero high bytes */
};

/* Called by the simulator core: reset to defaults, answer a MESSAGE (30)
 * frame and the HB port operations. Internal contract between sim.c and
 * sim_rpc.c, exported so alternative cores (the interop harness) can reuse
 * them. The HB functions return 0 (status in ebx high 16 bits). */
VMBD_API void vmbd_sim_rpc_init(struct vmbd_sim_rpc *rpc);
VMBD_API void vmbd_sim_rpc_message(struct vmbd_sim *sim, struct vmbd_frame *f);
VMBD_API int vmbd_sim_rpc_hb_out(struct vmbd_sim *sim, struct vmbd_frame *f);
VMBD_API int vmbd_sim_rpc_hb_in(struct vmbd_sim *sim, struct vmbd_frame *f);

/* Number of channels the host offers (0..VMBD_SIM_RPC_MAX_CHANNELS; 0
 * refuses every OPEN, like a VMX that takes no tools connection for a
 * while); open channels beyond the new limit stay open. VMBD_EINVAL
 * otherwise. */
VMBD_API int vmbd_sim_rpc_set_channels(struct vmbd_sim *sim, unsigned n);
/* Channels currently open. */
VMBD_API unsigned vmbd_sim_rpc_open_channels(const struct vmbd_sim *sim);
/* The host drops every channel, as a VMX does when it restarts the tools
 * connection (snapshot restore, vMotion): later calls on them fail and the
 * guest must open new ones. Queued TCLO commands stay queued. Returns how
 * many channels were open. */
VMBD_API unsigned vmbd_sim_rpc_close_all(struct vmbd_sim *sim);

/* Arm one fault (replacing any armed one): kind, the call it fires on
 * counted from now (1 = the next call), how many calls in a row it hits
 * (0 counts as 1), and its value. VMBD_SIM_FAULT_NONE disarms. */
VMBD_API int vmbd_sim_rpc_set_fault(struct vmbd_sim *sim, int kind,
				    uint32_t at, uint32_t count, uint32_t value);
/* How many calls the armed (or last) fault has hit. */
VMBD_API uint32_t vmbd_sim_rpc_fault_fired(const struct vmbd_sim *sim);

/* Install (or remove with NULL) a custom RPCI handler. */
VMBD_API void vmbd_sim_rpc_set_handler(struct vmbd_sim *sim,
				       vmbd_sim_rpci_fn fn, void *arg);

/* Host side of the guestinfo store (what `vmware-cli`/vmx options set).
 * key is the full name ("guestinfo.userdata"). VMBD_ETOOBIG when key or
 * value does not fit, VMBD_EFULL when every slot is taken. */
VMBD_API int vmbd_sim_guestinfo_set(struct vmbd_sim *sim, const char *key,
				    const char *value);
/* Value of key or NULL. */
VMBD_API const char *vmbd_sim_guestinfo_get(const struct vmbd_sim *sim,
					    const char *key);

/* Queue a TCLO command (binary safe, len bytes) the host sends at the
 * guest's next poll. VMBD_ETOOBIG over VMBD_SIM_RPC_TCLO_CMD_MAX,
 * VMBD_EFULL when the queue is full. */
VMBD_API int vmbd_sim_tclo_push(struct vmbd_sim *sim, const void *cmd,
				size_t len);
/* Commands still queued. */
VMBD_API unsigned vmbd_sim_tclo_pending(const struct vmbd_sim *sim);
/* Recorded (command, reply) pairs: how many are kept, and the i-th oldest
 * kept one (NULL when i is out of range). */
VMBD_API unsigned vmbd_sim_tclo_record_count(const struct vmbd_sim *sim);
VMBD_API const struct vmbd_sim_tclo_record *
vmbd_sim_tclo_record(const struct vmbd_sim *sim, unsigned i);

#ifdef __cplusplus
}
#endif

#endif
