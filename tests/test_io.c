/* io layer: binding and counting, mock backend, real backends' presence,
 * port access request, arm64 descriptor. No real backdoor instruction is
 * ever executed here (this machine is a KVM guest). */
#include "fake_host.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int echo_handler(void *arg, int op, struct vmbd_frame *f)
{
	int *rc = arg;

	f->bx = 0x1000u + (uint32_t)op;
	return *rc;
}

static void test_io_init_binds_and_zeroes(void **state)
{
	struct vmbd_io io;
	struct vmbd_mock m = {0};

	(void)state;
	memset(&io, 0xAB, sizeof(io));
	assert_int_equal(vmbd_io_init(&io, vmbd_io_mock(), &m), VMBD_OK);
	assert_ptr_equal(io.ops, vmbd_io_mock());
	assert_ptr_equal(io.arg, &m);
	assert_int_equal(io.lb_calls, 0);
	assert_int_equal(io.hb_calls, 0);
	assert_int_equal(vmbd_io_init(NULL, vmbd_io_mock(), &m), VMBD_EINVAL);
	assert_int_equal(vmbd_io_init(&io, NULL, &m), VMBD_EINVAL);
}

static void test_io_ops_dispatch_and_count(void **state)
{
	struct vmbd_io io;
	struct vmbd_mock m = {0};
	struct vmbd_frame f = {0};
	int rc = VMBD_OK;

	(void)state;
	m.handler = echo_handler;
	m.arg = &rc;
	vmbd_io_init(&io, vmbd_io_mock(), &m);

	f.ax = 1;
	assert_int_equal(vmbd_io_in(&io, &f), VMBD_OK);
	assert_int_equal(f.bx, 0x1000u + VMBD_MOCK_IN);
	assert_int_equal(m.last_op, VMBD_MOCK_IN);
	assert_int_equal(m.last_in.ax, 1);
	assert_int_equal(vmbd_io_hb_out(&io, &f), VMBD_OK);
	assert_int_equal(f.bx, 0x1000u + VMBD_MOCK_HB_OUT);
	assert_int_equal(m.last_op, VMBD_MOCK_HB_OUT);
	assert_int_equal(vmbd_io_hb_in(&io, &f), VMBD_OK);
	assert_int_equal(f.bx, 0x1000u + VMBD_MOCK_HB_IN);
	assert_int_equal(m.last_op, VMBD_MOCK_HB_IN);
	/* last_in is the frame as sent, before the handler edited it. */
	assert_int_equal(m.last_in.bx, 0x1000u + VMBD_MOCK_HB_OUT);
	assert_int_equal(io.lb_calls, 1);
	assert_int_equal(io.hb_calls, 2);
	assert_int_equal(m.calls, 3);

	/* A failing backend executed nothing: not counted, status passed. */
	rc = VMBD_EIO;
	assert_int_equal(vmbd_io_in(&io, &f), VMBD_EIO);
	assert_int_equal(vmbd_io_hb_in(&io, &f), VMBD_EIO);
	assert_int_equal(io.lb_calls, 1);
	assert_int_equal(io.hb_calls, 2);
	assert_int_equal(m.calls, 5);
}

static void test_io_invalid_and_missing_ops(void **state)
{
	static const struct vmbd_io_ops lb_only = {"lb-only", NULL, NULL, NULL};
	struct vmbd_io io;
	struct vmbd_frame f = {0};

	(void)state;
	assert_int_equal(vmbd_io_in(NULL, &f), VMBD_EINVAL);
	assert_int_equal(vmbd_io_hb_out(NULL, &f), VMBD_EINVAL);
	assert_int_equal(vmbd_io_hb_in(NULL, &f), VMBD_EINVAL);
	vmbd_io_init(&io, &lb_only, NULL);
	assert_int_equal(vmbd_io_in(&io, NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_io_in(&io, &f), VMBD_ENOTSUP);
	assert_int_equal(vmbd_io_hb_out(&io, &f), VMBD_ENOTSUP);
	assert_int_equal(vmbd_io_hb_in(&io, &f), VMBD_ENOTSUP);
	assert_int_equal(io.lb_calls + io.hb_calls, 0);
	memset(&io, 0, sizeof(io));
	assert_int_equal(vmbd_io_in(&io, &f), VMBD_EINVAL);
}

static void test_mock_without_handler_is_unknown_command(void **state)
{
	struct vmbd_io io;
	struct vmbd_mock m = {0};
	struct vmbd_frame f = {VMBD_MAGIC, 2, 10, VMBD_PORT_LB, 5, 6, 7};

	(void)state;
	assert_string_equal(vmbd_io_mock()->name, "mock");
	vmbd_io_init(&io, vmbd_io_mock(), &m);
	assert_int_equal(vmbd_io_in(&io, &f), VMBD_OK);
	assert_int_equal(f.ax, 0xFFFFFFFFu);
	assert_int_equal(f.bx, 2);
	assert_int_equal(f.cx, 10);
	assert_int_equal(f.dx, VMBD_PORT_LB);
	assert_int_equal(f.si, 5);
	assert_int_equal(f.di, 6);
	assert_int_equal(f.bp, 7);
	assert_int_equal(m.calls, 1);
	/* A NULL mock argument is an error, not a crash. */
	vmbd_io_init(&io, vmbd_io_mock(), NULL);
	assert_int_equal(vmbd_io_in(&io, &f), VMBD_EINVAL);
}

/* The real backends exist exactly where they are built for; their ops are
 * complete. Their instructions are never run here. */
static void test_real_backends_per_architecture(void **state)
{
	const struct vmbd_io_ops *port = vmbd_io_x86_port();
	const struct vmbd_io_ops *vmcall = vmbd_io_vmcall();
	const struct vmbd_io_ops *vmmcall = vmbd_io_vmmcall();
	const struct vmbd_io_ops *arm64 = vmbd_io_arm64();

	(void)state;
#if defined(__x86_64__) || defined(__i386__)
	assert_non_null(port);
	assert_non_null(vmcall);
	assert_non_null(vmmcall);
	assert_null(arm64);
	assert_string_equal(port->name, "x86-port");
	assert_string_equal(vmcall->name, "vmcall");
	assert_string_equal(vmmcall->name, "vmmcall");
	assert_non_null(port->in);
	assert_non_null(port->hb_out);
	assert_non_null(port->hb_in);
	assert_non_null(vmcall->in);
	assert_non_null(vmcall->hb_out);
	assert_non_null(vmcall->hb_in);
	assert_non_null(vmmcall->in);
	assert_non_null(vmmcall->hb_out);
	assert_non_null(vmmcall->hb_in);
#elif defined(__aarch64__)
	assert_null(port);
	assert_null(vmcall);
	assert_null(vmmcall);
	assert_non_null(arm64);
	assert_non_null(arm64->in);
	assert_non_null(arm64->hb_out);
	assert_non_null(arm64->hb_in);
#else
	assert_null(port);
	assert_null(vmcall);
	assert_null(vmmcall);
	assert_null(arm64);
#endif
}

/* ioperm only changes this thread's I/O bitmap; no port is touched. */
static void test_request_access(void **state)
{
	int rc = vmbd_io_request_access();

	(void)state;
#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
	/* Granted with CAP_SYS_RAWIO, refused without (root in a container
	 * may lack it); ENOTSUP from a kernel without ioperm (ENOSYS). */
	assert_true(rc == VMBD_OK || rc == VMBD_EPERM || rc == VMBD_ENOTSUP);
#else
	assert_int_equal(rc, VMBD_ENOTSUP);
#endif
}

/* An unprivileged process must get a clean VMBD_EPERM (VMBD_ENOTSUP when
 * the kernel has no ioperm at all). When the test runs as root, a child
 * drops to nobody to prove it; otherwise this process is already
 * unprivileged. */
static void test_request_access_refused_cleanly(void **state)
{
	(void)state;
#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
	const int want = vmbd_io_request_access() == VMBD_ENOTSUP ? VMBD_ENOTSUP
								   : VMBD_EPERM;

	if (geteuid() == 0) {
		int status = 0;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(2);
			_exit(vmbd_io_request_access() == want ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	} else {
		assert_int_equal(vmbd_io_request_access(), want);
	}
#else
	skip();
#endif
}

static void test_arm64_x7_backend_descriptors(void **state)
{
	(void)state;
	/* open-vm-tools: LB = WITH | DIR | size 4; HB = STR | WITH (| DIR). */
	assert_int_equal(vmbd_arm64_x7(4, 1, VMBD_ARM64_IO_DX, 0, 0),
			 0x860000000EULL);
	assert_int_equal(vmbd_arm64_x7(1, 1, VMBD_ARM64_IO_REP_STRING, 0, 0),
			 0x860000001CULL);
	assert_int_equal(vmbd_arm64_x7(1, 0, VMBD_ARM64_IO_REP_STRING, 0, 0),
			 0x8600000018ULL);
}

static void test_arm64_x7_fields(void **state)
{
	(void)state;
	/* size codes */
	assert_int_equal(vmbd_arm64_x7(1, 0, VMBD_ARM64_IO_DX, 0, 0) & 3, 0);
	assert_int_equal(vmbd_arm64_x7(2, 0, VMBD_ARM64_IO_DX, 0, 0) & 3, 1);
	assert_int_equal(vmbd_arm64_x7(4, 0, VMBD_ARM64_IO_DX, 0, 0) & 3, 2);
	/* immediate port in w7[12:5]: `inb $0x58, %al` style */
	assert_int_equal(vmbd_arm64_x7(1, 1, VMBD_ARM64_IO_IMM, 0, 0x58),
			 0x8600000000ULL | 0x58u << 5 | 1u << 2);
	assert_int_equal(vmbd_arm64_x7(4, 0, VMBD_ARM64_IO_IMM, 0, 0xFF),
			 0x8600000000ULL | 0xFFu << 5 | 2u);
	/* DF for the string forms */
	assert_int_equal(vmbd_arm64_x7(1, 0, VMBD_ARM64_IO_STRING, 1, 0),
			 0x8600000000ULL | 2u << 3 | 1u << 5);
	assert_int_equal(vmbd_arm64_x7(1, 1, VMBD_ARM64_IO_REP_STRING, 1, 0),
			 0x860000003CULL);
	/* magic always in [63:32], nothing else above bit 12 */
	assert_int_equal(vmbd_arm64_x7(4, 1, VMBD_ARM64_IO_DX, 0, 0) >> 32,
			 VMBD_ARM64_X7_MAGIC);
}

static void test_arm64_x7_rejects_invalid(void **state)
{
	(void)state;
	assert_int_equal(vmbd_arm64_x7(0, 0, VMBD_ARM64_IO_DX, 0, 0), 0);
	assert_int_equal(vmbd_arm64_x7(3, 0, VMBD_ARM64_IO_DX, 0, 0), 0);
	assert_int_equal(vmbd_arm64_x7(8, 0, VMBD_ARM64_IO_DX, 0, 0), 0);
	assert_int_equal(vmbd_arm64_x7(4, 0, 4, 0, 0), 0);
	assert_int_equal(vmbd_arm64_x7(1, 0, VMBD_ARM64_IO_IMM, 0, 0x100), 0);
	/* DF shares bit 5 with the port: not for the non-string forms */
	assert_int_equal(vmbd_arm64_x7(1, 0, VMBD_ARM64_IO_DX, 1, 0), 0);
	assert_int_equal(vmbd_arm64_x7(1, 0, VMBD_ARM64_IO_IMM, 1, 0x58), 0);
	/* a port only for the immediate form */
	assert_int_equal(vmbd_arm64_x7(1, 0, VMBD_ARM64_IO_DX, 0, 0x58), 0);
	assert_int_equal(vmbd_arm64_x7(1, 0, VMBD_ARM64_IO_REP_STRING, 0, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_init_binds_and_zeroes),
		cmocka_unit_test(test_io_ops_dispatch_and_count),
		cmocka_unit_test(test_io_invalid_and_missing_ops),
		cmocka_unit_test(test_mock_without_handler_is_unknown_command),
		cmocka_unit_test(test_real_backends_per_architecture),
		cmocka_unit_test(test_request_access),
		cmocka_unit_test(test_request_access_refused_cleanly),
		cmocka_unit_test(test_arm64_x7_backend_descriptors),
		cmocka_unit_test(test_arm64_x7_fields),
		cmocka_unit_test(test_arm64_x7_rejects_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
