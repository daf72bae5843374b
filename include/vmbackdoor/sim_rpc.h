/*
 * libvmbackdoor: the simulator's GuestRPC side (MESSAGE command, HB port,
 * RPCI handlers, TCLO queue, fault injection). Owned by the channel layer;
 * struct vmbd_sim embeds struct vmbd_sim_rpc.
 */
#ifndef VMBACKDOOR_SIM_RPC_H
#define VMBACKDOOR_SIM_RPC_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/io.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vmbd_sim;

struct vmbd_sim_rpc {
	int enabled;  /* MESSAGE implemented (0 in the QEMU profile) */
};

/* Called by the simulator core: reset to defaults, answer a MESSAGE (30)
 * frame and the HB port operations. Internal contract between sim.c and
 * sim_rpc.c, exported so alternative cores (the interop harness) can reuse
 * them. */
VMBD_API void vmbd_sim_rpc_init(struct vmbd_sim_rpc *rpc);
VMBD_API void vmbd_sim_rpc_message(struct vmbd_sim *sim, struct vmbd_frame *f);
VMBD_API int vmbd_sim_rpc_hb_out(struct vmbd_sim *sim, struct vmbd_frame *f);
VMBD_API int vmbd_sim_rpc_hb_in(struct vmbd_sim *sim, struct vmbd_frame *f);

#ifdef __cplusplus
}
#endif

#endif
