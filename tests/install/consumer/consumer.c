/*
 * A user's program built against an *installed* libvmbackdoor (see
 * tests/install/). It checks that the public API links and behaves through
 * the umbrella header alone. usage: consumer EXPECTED-VERSION
 */
#include <vmbackdoor/vmbackdoor.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "consumer: FAIL: %s\n", what);
		failures++;
	}
}

static void check_version(const char *expected)
{
	unsigned major = 0, minor = 0, patch = 0;

	check(strcmp(vmbd_version(), expected) == 0,
	      "vmbd_version() equals the installed package version");
	check(sscanf(expected, "%u.%u.%u", &major, &minor, &patch) == 3,
	      "expected version parses as MAJOR.MINOR.PATCH");
	check(vmbd_version_number() == major * 10000u + minor * 100u + patch,
	      "vmbd_version_number() matches vmbd_version()");
}

static void check_errors(void)
{
	check(strcmp(vmbd_strerror(VMBD_OK), "success") == 0,
	      "vmbd_strerror(VMBD_OK) is \"success\"");
	check(strcmp(vmbd_strerror(VMBD_EPROTO), vmbd_strerror(VMBD_OK)) != 0,
	      "vmbd_strerror(VMBD_EPROTO) has its own text");
	check(strcmp(vmbd_strerror(-9999), "unknown error") == 0,
	      "vmbd_strerror() of an unknown code is \"unknown error\"");
	check(strcmp(vmbd_errname(VMBD_EPROTO), "VMBD_EPROTO") == 0,
	      "vmbd_errname(VMBD_EPROTO) is \"VMBD_EPROTO\"");
}

/* The in-process simulator is part of the installed API: a GETVERSION
 * through a context on it must give the simulated host's answer with
 * exactly one backdoor call. */
static void check_sim_getversion(void)
{
	struct vmbd_sim *sim = calloc(1, vmbd_sim_size());
	struct vmbd_ctx ctx;
	uint32_t version = 0, product = 0;

	check(sim != NULL, "allocate the simulator");
	if (!sim)
		return;
	vmbd_sim_init(sim);
	sim->version = 7;
	sim->product = VMBD_PRODUCT_WORKSTATION;
	check(vmbd_ctx_init(&ctx, vmbd_sim_io_ops(), sim) == 0, "vmbd_ctx_init");
	check(vmbd_get_version(&ctx, &version, &product) == 0,
	      "vmbd_get_version on the simulator succeeds");
	check(version == 7 && product == VMBD_PRODUCT_WORKSTATION,
	      "GETVERSION returns the simulator's version and product");
	check(vmbd_ctx_calls(&ctx) == 1, "GETVERSION is exactly one backdoor call");
	free(sim);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: consumer EXPECTED-VERSION\n");
		return 2;
	}
	check_version(argv[1]);
	check_errors();
	check_sim_getversion();
	if (failures)
		return 1;
	printf("consumer: ok, libvmbackdoor %s\n", vmbd_version());
	return 0;
}
