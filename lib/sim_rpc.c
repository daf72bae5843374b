/*
 * Simulator GuestRPC side, minimal form: a host without the message channel
 * (what QEMU's vmport is). MESSAGE answers as an unknown command and the HB
 * port is absent. The channel layer replaces this file with the full
 * GuestRPC host; the simulator core only ever calls these four functions.
 */
#include <vmbackdoor/sim.h>

void vmbd_sim_rpc_init(struct vmbd_sim_rpc *rpc)
{
	if (!rpc)
		return;
	rpc->enabled = 0;
}

void vmbd_sim_rpc_message(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	(void)sim;
	if (f)
		f->ax = 0xFFFFFFFFu; /* unknown command, all else unchanged */
}

int vmbd_sim_rpc_hb_out(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	(void)sim;
	(void)f;
	return VMBD_ENOTSUP;
}

int vmbd_sim_rpc_hb_in(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	(void)sim;
	(void)f;
	return VMBD_ENOTSUP;
}
