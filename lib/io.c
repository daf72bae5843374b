/* io layer: binds a backend to a struct vmbd_io and counts every operation
 * it executes (each one is a VM exit on a real host). */
#include <vmbackdoor/io.h>

int vmbd_io_init(struct vmbd_io *io, const struct vmbd_io_ops *ops, void *arg)
{
	if (!io || !ops)
		return VMBD_EINVAL;
	io->ops = ops;
	io->arg = arg;
	io->lb_calls = 0;
	io->hb_calls = 0;
	return VMBD_OK;
}

typedef int (*io_op_fn)(void *arg, struct vmbd_frame *f);

/* One path for all three operations so the checks and the counting cannot
 * drift apart. */
static int io_run(struct vmbd_io *io, struct vmbd_frame *f, io_op_fn op,
		  uint64_t *counter)
{
	int rc;

	if (!op)
		return VMBD_ENOTSUP;
	rc = op(io->arg, f);
	if (rc == VMBD_OK)
		(*counter)++;
	return rc;
}

int vmbd_io_in(struct vmbd_io *io, struct vmbd_frame *f)
{
	if (!io || !io->ops || !f)
		return VMBD_EINVAL;
	return io_run(io, f, io->ops->in, &io->lb_calls);
}

int vmbd_io_hb_out(struct vmbd_io *io, struct vmbd_frame *f)
{
	if (!io || !io->ops || !f)
		return VMBD_EINVAL;
	return io_run(io, f, io->ops->hb_out, &io->hb_calls);
}

int vmbd_io_hb_in(struct vmbd_io *io, struct vmbd_frame *f)
{
	if (!io || !io->ops || !f)
		return VMBD_EINVAL;
	return io_run(io, f, io->ops->hb_in, &io->hb_calls);
}
