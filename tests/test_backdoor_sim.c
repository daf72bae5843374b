/* Typed backdoor commands and vmbd_read_host_time against the simulator:
 * the VMware profile, each time command switched off in turn (the chain
 * must make exactly the calls needed), the QEMU 7.2 profile, and a host
 * clock past 2106 (seconds above 32 bits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/backdoor.h>
#include <vmbackdoor/sim.h>

#define NS_PER_S 1000000000LL
#define T2026 1767225600LL

struct fixture {
	struct vmbd_sim *sim;
	struct vmbd_ctx ctx;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->sim = malloc(vmbd_sim_size());
	if (!fx->sim) {
		free(fx);
		return -1;
	}
	vmbd_sim_init(fx->sim);
	if (vmbd_ctx_init(&fx->ctx, vmbd_sim_io_ops(), fx->sim) != VMBD_OK)
		return -1;
	*state = fx;
	return 0;
}

static int setup_qemu(void **state)
{
	struct fixture *fx;

	if (setup(state) != 0)
		return -1;
	fx = *state;
	return vmbd_sim_set_profile(fx->sim, VMBD_SIM_PROFILE_QEMU) == VMBD_OK
		       ? 0
		       : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->sim);
	free(fx);
	return 0;
}

static void test_vmware_identity(void **state)
{
	struct fixture *fx = *state;
	uint32_t version = 0, product = 0, mhz = 0, hw = 0, vcpu = 0;
	struct vmbd_hz hz;
	uint64_t mib = 0;
	uint8_t uuid[16];

	fx->sim->version = 6;
	fx->sim->product = VMBD_PRODUCT_WORKSTATION;
	fx->sim->hwversion = 21;
	fx->sim->mhz = 3000;
	fx->sim->tsc_hz = 5000000001ULL;
	fx->sim->apic_hz = 66000000u;
	fx->sim->memsize_mib = 65536;
	fx->sim->vcpu_info = 1u << 3;
	memcpy(fx->sim->uuid, "\x01\x23\x45\x67\x89\xab\xcd\xef\x00\x11\x22\x33"
			      "\x44\x55\x66\x77", 16);

	assert_int_equal(vmbd_get_version(&fx->ctx, &version, &product), VMBD_OK);
	assert_int_equal(version, 6);
	assert_int_equal(product, VMBD_PRODUCT_WORKSTATION);
	assert_int_equal(vmbd_get_mhz(&fx->ctx, &mhz), VMBD_OK);
	assert_int_equal(mhz, 3000);
	assert_int_equal(vmbd_get_hz(&fx->ctx, &hz), VMBD_OK);
	assert_int_equal(hz.tsc_hz, 5000000001ULL);
	assert_int_equal(hz.apic_hz, 66000000u);
	assert_int_equal(vmbd_get_hwversion(&fx->ctx, &hw), VMBD_OK);
	assert_int_equal(hw, 21);
	assert_int_equal(vmbd_get_memsize(&fx->ctx, &mib), VMBD_OK);
	assert_int_equal(mib, 65536);
	assert_int_equal(vmbd_get_vcpu_info(&fx->ctx, &vcpu), VMBD_OK);
	assert_int_equal(vcpu, 1u << 3);
	assert_int_equal(vmbd_get_uuid(&fx->ctx, uuid), VMBD_OK);
	assert_memory_equal(uuid, fx->sim->uuid, 16);
	assert_int_equal(vmbd_stop_catchup(&fx->ctx), VMBD_OK);
	assert_int_equal(fx->sim->stopcatchup_count, 1);
	/* one exit per command, on both sides' counters */
	assert_int_equal(vmbd_ctx_calls(&fx->ctx), 8);
	assert_int_equal(fx->sim->calls_total, 8);
}

static void test_vmware_time_with_lag(void **state)
{
	struct fixture *fx = *state;
	struct vmbd_host_time t;

	fx->sim->max_lag_us = 1000000;
	fx->sim->interrupt_lag_us = 1234;
	vmbd_sim_advance(fx->sim, 5 * NS_PER_S + 250000000);
	assert_int_equal(vmbd_read_host_time(&fx->ctx, &t), VMBD_OK);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	assert_int_equal(t.sec, T2026 + 5);
	assert_int_equal(t.usec, 250000);
	assert_int_equal(t.max_lag_us, 1000000);
	assert_int_equal(t.interrupt_lag_us, 1234);
	assert_int_equal(t.has_interrupt_lag, 1);
	assert_int_equal(fx->sim->calls_total, 1);
	assert_int_equal(fx->sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL_WITH_LAG], 1);
}

/* Each command switched off in turn: the chain asks exactly the commands
 * it must, in open-vm-tools' order, once each. */
static void test_chain_against_switchable_host(void **state)
{
	struct fixture *fx = *state;
	struct vmbd_host_time t;

	fx->sim->interrupt_lag_us = 700;
	assert_int_equal(vmbd_sim_set_command(fx->sim,
					      VMBD_CMD_GETTIMEFULL_WITH_LAG, 0),
			 VMBD_OK);
	assert_int_equal(vmbd_read_host_time(&fx->ctx, &t), VMBD_OK);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIMEFULL);
	assert_int_equal(t.sec, T2026);
	/* 46 folds the interrupt lag into the max lag */
	assert_int_equal(t.max_lag_us, 1000000 + 700);
	assert_int_equal(t.has_interrupt_lag, 0);
	assert_int_equal(fx->sim->calls_total, 2);

	vmbd_sim_set_command(fx->sim, VMBD_CMD_GETTIMEFULL, 0);
	assert_int_equal(vmbd_read_host_time(&fx->ctx, &t), VMBD_OK);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIME);
	assert_int_equal(t.sec, T2026);
	assert_int_equal(fx->sim->calls_total, 5);

	vmbd_sim_set_command(fx->sim, VMBD_CMD_GETTIME, 0);
	assert_int_equal(vmbd_read_host_time(&fx->ctx, &t), VMBD_EUNSUPPORTED);
	assert_int_equal(fx->sim->calls_total, 8);
	assert_int_equal(fx->sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL_WITH_LAG], 3);
	assert_int_equal(fx->sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL], 3);
	assert_int_equal(fx->sim->calls_by_cmd[VMBD_CMD_GETTIME], 2);
	assert_int_equal(vmbd_ctx_calls(&fx->ctx), 8);

	/* back on: one call again */
	vmbd_sim_set_command(fx->sim, VMBD_CMD_GETTIMEFULL_WITH_LAG, 1);
	assert_int_equal(vmbd_read_host_time(&fx->ctx, &t), VMBD_OK);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	assert_int_equal(fx->sim->calls_total, 9);
}

/* Past 2106: GETTIMEFULL's esi carries the high half; GETTIME's 32-bit
 * seconds wrap, which is why it is the last resort. */
static void test_time_beyond_32_bits(void **state)
{
	struct fixture *fx = *state;
	struct vmbd_host_time t;
	const int64_t sec = 0x100000000LL + 1000;

	vmbd_sim_host_set(fx->sim, sec * NS_PER_S + 1000);
	assert_int_equal(vmbd_get_time_full(&fx->ctx, &t), VMBD_OK);
	assert_int_equal(t.sec, sec);
	assert_int_equal(t.usec, 1);
	assert_int_equal(vmbd_get_time_full_with_lag(&fx->ctx, &t), VMBD_OK);
	assert_int_equal(t.sec, sec);
	assert_int_equal(vmbd_get_time(&fx->ctx, &t), VMBD_OK);
	assert_int_equal(t.sec, 1000);
}

static void test_host_time_zero_is_bad(void **state)
{
	struct fixture *fx = *state;
	struct vmbd_host_time t;

	vmbd_sim_host_set(fx->sim, 0);
	assert_int_equal(vmbd_read_host_time(&fx->ctx, &t), VMBD_EBADTIME);
	/* a bad answer from 55 ends the chain */
	assert_int_equal(fx->sim->calls_total, 1);
	assert_int_equal(vmbd_get_time(&fx->ctx, &t), VMBD_EBADTIME);
}

/* PROTOCOL.md 5: QEMU 7.2 vmport, -m 256, no -uuid, TCG. */
static void test_qemu_profile(void **state)
{
	struct fixture *fx = *state;
	uint32_t version = 0, product = 0, mhz, hw, vcpu = 99;
	struct vmbd_hz hz;
	uint64_t mib = 0;
	uint8_t uuid[16];
	struct vmbd_host_time t;

	assert_int_equal(vmbd_get_version(&fx->ctx, &version, &product), VMBD_OK);
	assert_int_equal(version, 6);
	assert_int_equal(product, VMBD_PRODUCT_ESX);
	assert_int_equal(vmbd_get_memsize(&fx->ctx, &mib), VMBD_OK);
	assert_int_equal(mib, 256);
	assert_int_equal(vmbd_get_uuid(&fx->ctx, uuid), VMBD_EUNKNOWN);
	assert_int_equal(vmbd_get_hz(&fx->ctx, &hz), VMBD_EUNKNOWN);
	assert_int_equal(vmbd_get_vcpu_info(&fx->ctx, &vcpu), VMBD_OK);
	assert_int_equal(vcpu, 0);
	assert_int_equal(vmbd_get_mhz(&fx->ctx, &mhz), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_hwversion(&fx->ctx, &hw), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_stop_catchup(&fx->ctx), VMBD_EUNSUPPORTED);
	/* no time command at all: 3 calls, and never the year 2106 */
	assert_int_equal(vmbd_read_host_time(&fx->ctx, &t), VMBD_EUNSUPPORTED);
	assert_int_equal(fx->sim->calls_total, 11);
	assert_int_equal(vmbd_ctx_calls(&fx->ctx), 11);
}

static void test_qemu_profile_with_uuid_and_big_memory(void **state)
{
	struct fixture *fx = *state;
	uint8_t uuid[16];
	char text[37];
	uint64_t mib = 0;

	memcpy(fx->sim->uuid, "\x01\x23\x45\x67\x89\xab\xcd\xef\x00\x11\x22\x33"
			      "\x44\x55\x66\x77", 16);
	assert_int_equal(vmbd_get_uuid(&fx->ctx, uuid), VMBD_OK);
	vmbd_uuid_format(uuid, text, sizeof(text));
	assert_string_equal(text, "01234567-89ab-cdef-0011-223344556677");
	fx->sim->memsize_mib = 3072;
	assert_int_equal(vmbd_get_memsize(&fx->ctx, &mib), VMBD_OK);
	assert_int_equal(mib, 3072);
	/* QEMU's 32-bit byte count wraps at 4 GiB: 4 GiB reads as 0 */
	fx->sim->memsize_mib = 4096;
	assert_int_equal(vmbd_get_memsize(&fx->ctx, &mib), VMBD_EUNKNOWN);
	assert_int_equal(mib, 3072);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vmware_identity, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmware_time_with_lag, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_chain_against_switchable_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_beyond_32_bits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_time_zero_is_bad,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_qemu_profile, setup_qemu,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_qemu_profile_with_uuid_and_big_memory, setup_qemu,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
