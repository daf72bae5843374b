/*
 * vmbd_io_request_access() asks for exactly the ports the x86 port backend
 * touches, byte by byte, and nothing more. ioperm is replaced at link time
 * (-Wl,--wrap=ioperm, tests/io_access.cmake): no real port access is
 * requested and no port is touched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <vmbackdoor/io.h>

#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))

int __wrap_ioperm(unsigned long from, unsigned long num, int turn_on);

static struct {
	unsigned calls;
	unsigned long from, num;
	int turn_on;
	int result;
	int err;        /* errno set when result is -1 */
} seen;

int __wrap_ioperm(unsigned long from, unsigned long num, int turn_on)
{
	seen.calls++;
	seen.from = from;
	seen.num = num;
	seen.turn_on = turn_on;
	if (seen.result != 0)
		errno = seen.err;
	return seen.result;
}

/* Every port access the port backend makes: first port and width. */
static const struct {
	const char *insn;
	unsigned long port;
	unsigned long bytes;
} accesses[] = {
	{"inl (%dx), %eax on the LB port", VMBD_PORT_LB, 4},
	{"rep insb on the HB port", VMBD_PORT_HB, 1},
	{"rep outsb on the HB port", VMBD_PORT_HB, 1},
};

static void test_grant_covers_every_byte_accessed(void **state)
{
	unsigned long lo = (unsigned long)-1, hi = 0;
	size_t i;

	(void)state;
	seen.calls = 0;
	seen.result = 0;
	assert_int_equal(vmbd_io_request_access(), VMBD_OK);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.turn_on, 1);
	for (i = 0; i < sizeof(accesses) / sizeof(accesses[0]); i++) {
		unsigned long first = accesses[i].port;
		unsigned long last = first + accesses[i].bytes - 1;

		/* The CPU checks the bitmap bit of each byte (SDM 19.5.2). */
		assert_true(first >= seen.from);
		assert_true(last < seen.from + seen.num);
		lo = first < lo ? first : lo;
		hi = last > hi ? last : hi;
	}
	/* Narrowest: nothing outside the union of the accesses. */
	assert_int_equal(seen.from, lo);
	assert_int_equal(seen.num, hi - lo + 1);
}

static void test_refusal_is_eperm(void **state)
{
	(void)state;
	seen.calls = 0;
	seen.result = -1;
	seen.err = EPERM;
	assert_int_equal(vmbd_io_request_access(), VMBD_EPERM);
	assert_int_equal(seen.calls, 1);
	seen.err = EINVAL;
	assert_int_equal(vmbd_io_request_access(), VMBD_EPERM);
	assert_int_equal(seen.calls, 2);
}

/* A kernel without CONFIG_X86_IOPL_IOPERM answers ENOSYS: there is no
 * grant to ask for, which is "not supported", not a refusal. */
static void test_kernel_without_ioperm_is_enotsup(void **state)
{
	(void)state;
	seen.calls = 0;
	seen.result = -1;
	seen.err = ENOSYS;
	assert_int_equal(vmbd_io_request_access(), VMBD_ENOTSUP);
	assert_int_equal(seen.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_covers_every_byte_accessed),
		cmocka_unit_test(test_refusal_is_eperm),
		cmocka_unit_test(test_kernel_without_ioperm_is_enotsup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

static void test_no_port_io(void **state)
{
	(void)state;
	assert_int_equal(vmbd_io_request_access(), VMBD_ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_port_io),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
