/* Private contract between the simulator's channel model (sim_rpc.c) and
 * its GuestRPC services (sim_rpci.c: RPCI handlers, guestinfo, TCLO). */
#ifndef VMBD_SIM_RPC_INT_H
#define VMBD_SIM_RPC_INT_H

#include <vmbackdoor/sim.h>

/* A complete RPCI request sits in ch->in[0..in_len): answer it into
 * ch->out through vmbd__sim_rpc_set_out(). */
void vmbd__sim_rpci_request(struct vmbd_sim_rpc *rpc,
			    struct vmbd_sim_rpc_channel *ch);
/* A complete guest message arrived on a TCLO channel: record it as the
 * reply to the last delivered command, then queue the next command. */
void vmbd__sim_tclo_message(struct vmbd_sim_rpc *rpc,
			    struct vmbd_sim_rpc_channel *ch);
/* Make data the host's pending message on ch. */
void vmbd__sim_rpc_set_out(struct vmbd_sim_rpc_channel *ch, const void *data,
			   size_t len);

#endif
