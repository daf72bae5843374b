/* Mock io backend: hands every frame to a test's handler. */
#include <vmbackdoor/io.h>

static int mock_op(void *arg, int op, struct vmbd_frame *f)
{
	struct vmbd_mock *m = arg;

	if (!m)
		return VMBD_EINVAL;
	m->calls++;
	m->last_op = op;
	m->last_in = *f;
	if (!m->handler) {
		/* A host that knows no command (VMware and QEMU convention). */
		f->ax = 0xFFFFFFFFu;
		return VMBD_OK;
	}
	return m->handler(m->arg, op, f);
}

static int mock_in(void *arg, struct vmbd_frame *f)
{
	return mock_op(arg, VMBD_MOCK_IN, f);
}

static int mock_hb_out(void *arg, struct vmbd_frame *f)
{
	return mock_op(arg, VMBD_MOCK_HB_OUT, f);
}

static int mock_hb_in(void *arg, struct vmbd_frame *f)
{
	return mock_op(arg, VMBD_MOCK_HB_IN, f);
}

static const struct vmbd_io_ops mock_ops = {
	"mock", mock_in, mock_hb_out, mock_hb_in
};

const struct vmbd_io_ops *vmbd_io_mock(void)
{
	return &mock_ops;
}
