/*
 * vmbd_sim_rpc_close_all(): the simulated host drops every GuestRPC
 * channel, as a VMX does when it restarts the tools connection. Open
 * channels are forgotten, calls on them fail, and the TCLO and RPCI layers
 * recover by reopening, with the queued host command still delivered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/rpci.h>
#include <vmbackdoor/sim.h>
#include <vmbackdoor/tclo.h>

static void test_close_all_then_layers_reopen(void **state)
{
	struct vmbd_sim *sim = calloc(1, vmbd_sim_size());
	struct vmbd_ctx ctx;
	struct vmbd_tclo t;
	struct vmbd_rpci r;
	char cmd[64], reply[64];
	size_t n;

	(void)state;
	assert_non_null(sim);
	vmbd_sim_init(sim);
	vmbd_ctx_init(&ctx, vmbd_sim_io_ops(), sim);
	assert_int_equal(vmbd_sim_rpc_close_all(sim), 0);
	assert_int_equal(vmbd_tclo_open(&t, &ctx, 0), VMBD_OK);
	assert_int_equal(vmbd_rpci_open(&r, &ctx, 0), VMBD_OK);
	assert_int_equal(vmbd_sim_rpc_open_channels(sim), 2);

	assert_int_equal(vmbd_sim_tclo_push(sim, "ping", 4), VMBD_OK);
	assert_int_equal(vmbd_sim_rpc_close_all(sim), 2);
	assert_int_equal(vmbd_sim_rpc_open_channels(sim), 0);

	/* The old channels are gone: the layers reopen and carry on. */
	assert_int_equal(vmbd_tclo_poll(&t, NULL, 0, cmd, sizeof(cmd), &n), VMBD_OK);
	assert_string_equal(cmd, "ping");
	assert_int_equal(t.reopens, 1);
	assert_int_equal(vmbd_rpci_command(&r, "tools.set.version 2147483647",
					   reply, sizeof(reply), &n),
			 VMBD_OK);
	assert_int_equal(r.reopens, 1);
	assert_string_equal(sim->rpc.tools_version, "2147483647");
	assert_int_equal(vmbd_sim_rpc_open_channels(sim), 2);
	assert_int_equal(vmbd_sim_rpc_close_all(NULL), 0);
	free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_all_then_layers_reopen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
