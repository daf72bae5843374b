/* Detection from raw CPUID values, hypervisor names, call-method choice,
 * and vmbd_open's decisions with a fake platform (open_env.h) so that no
 * real backdoor instruction ever runs. */
#include "fake_host.h"

#include "open_env.h"

#define HV (1u << 31)
#define VMW_LEAF 0x40000010u

/* Vendor string as CPUID 0x40000000 returns it in ebx, ecx, edx. */
static uint32_t le32(const char *s)
{
	return (uint32_t)(unsigned char)s[0] |
	       (uint32_t)(unsigned char)s[1] << 8 |
	       (uint32_t)(unsigned char)s[2] << 16 |
	       (uint32_t)(unsigned char)s[3] << 24;
}

static void detect_vendor(struct vmbd_detect_info *info, const char id[12],
			  uint32_t max_leaf, uint32_t features_ecx)
{
	vmbd_detect_from_cpuid(info, HV, max_leaf, le32(id), le32(id + 4),
			       le32(id + 8), features_ecx);
}

#if defined(__aarch64__)
#define NATIVE_METHOD VMBD_METHOD_ARM64
#else
#define NATIVE_METHOD VMBD_METHOD_PORT
#endif

static void test_vendor_table(void **state)
{
	static const struct {
		const char *id;
		int hv;
		const char *vendor;
		const char *name;
	} rows[] = {
		{"VMwareVMware", VMBD_HV_VMWARE, "VMwareVMware", "vmware"},
		{"KVMKVMKVM\0\0\0", VMBD_HV_KVM, "KVMKVMKVM", "kvm"},
		{"Microsoft Hv", VMBD_HV_HYPERV, "Microsoft Hv", "hyperv"},
		{"XenVMMXenVMM", VMBD_HV_XEN, "XenVMMXenVMM", "xen"},
		{"TCGTCGTCGTCG", VMBD_HV_TCG, "TCGTCGTCGTCG", "tcg"},
		{"VBoxVBoxVBox", VMBD_HV_VBOX, "VBoxVBoxVBox", "vbox"},
		{"bhyve bhyve ", VMBD_HV_OTHER, "bhyve bhyve ", "other"},
		/* near misses are not VMware */
		{"VMwareVMwarE", VMBD_HV_OTHER, "VMwareVMwarE", "other"},
		{"KVMKVMKVM\0\0X", VMBD_HV_OTHER, "KVMKVMKVM", "other"},
	};
	struct vmbd_detect_info info;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		detect_vendor(&info, rows[i].id, 0x40000001u, 0);
		assert_int_equal(info.hypervisor_present, 1);
		assert_int_equal(info.hypervisor, rows[i].hv);
		assert_string_equal(info.vendor, rows[i].vendor);
		assert_int_equal(info.max_leaf, 0x40000001u);
		assert_string_equal(vmbd_hypervisor_name(info.hypervisor),
				    rows[i].name);
		assert_int_equal(info.method, NATIVE_METHOD);
	}
}

static void test_no_hypervisor_bit(void **state)
{
	struct vmbd_detect_info info;

	(void)state;
	/* Bare metal: leaf 0x40000000 is garbage, even if it says VMware. */
	vmbd_detect_from_cpuid(&info, 0x7FFFFFFFu, VMW_LEAF, le32("VMwa"),
			       le32("reVM"), le32("ware"), 2);
	assert_int_equal(info.hypervisor_present, 0);
	assert_int_equal(info.hypervisor, VMBD_HV_NONE);
	assert_string_equal(info.vendor, "");
	assert_int_equal(info.max_leaf, 0);
	assert_int_equal(info.method, NATIVE_METHOD);
	assert_string_equal(vmbd_hypervisor_name(VMBD_HV_NONE), "none");
	vmbd_detect_from_cpuid(NULL, HV, 0, 0, 0, 0, 0); /* no crash */
}

static void test_vendor_text_is_printable(void **state)
{
	struct vmbd_detect_info info;

	(void)state;
	detect_vendor(&info, "ab\x01\x7f" "cdefghij", 0x40000000u, 0);
	assert_int_equal(info.hypervisor, VMBD_HV_OTHER);
	assert_string_equal(info.vendor, "ab??cdefghij");
	detect_vendor(&info, "\0\0\0\0\0\0\0\0\0\0\0\0", 0x40000000u, 0);
	assert_string_equal(info.vendor, "");
	assert_int_equal(info.hypervisor, VMBD_HV_OTHER);
}

static void test_hypervisor_names(void **state)
{
	(void)state;
	assert_string_equal(vmbd_hypervisor_name(VMBD_HV_VMWARE), "vmware");
	assert_string_equal(vmbd_hypervisor_name(VMBD_HV_KVM), "kvm");
	assert_string_equal(vmbd_hypervisor_name(VMBD_HV_HYPERV), "hyperv");
	assert_string_equal(vmbd_hypervisor_name(VMBD_HV_XEN), "xen");
	assert_string_equal(vmbd_hypervisor_name(VMBD_HV_TCG), "tcg");
	assert_string_equal(vmbd_hypervisor_name(VMBD_HV_VBOX), "vbox");
	assert_string_equal(vmbd_hypervisor_name(VMBD_HV_OTHER), "other");
	assert_string_equal(vmbd_hypervisor_name(VMBD_HV_NONE), "none");
	assert_string_equal(vmbd_hypervisor_name(-1), "unknown");
	assert_string_equal(vmbd_hypervisor_name(1000), "unknown");
}

static void test_method_from_vmware_leaf(void **state)
{
	struct vmbd_detect_info info;

	(void)state;
#if defined(__aarch64__)
	detect_vendor(&info, "VMwareVMware", VMW_LEAF, 3);
	assert_int_equal(info.method, VMBD_METHOD_ARM64);
#else
	/* Linux vmware.c: ecx bit 0 vmmcall, bit 1 vmcall */
	detect_vendor(&info, "VMwareVMware", VMW_LEAF, 1u << 0);
	assert_int_equal(info.method, VMBD_METHOD_VMMCALL);
	detect_vendor(&info, "VMwareVMware", VMW_LEAF, 1u << 1);
	assert_int_equal(info.method, VMBD_METHOD_VMCALL);
	detect_vendor(&info, "VMwareVMware", VMW_LEAF, 3);
	assert_int_equal(info.method, VMBD_METHOD_VMCALL);
	detect_vendor(&info, "VMwareVMware", VMW_LEAF, 0xFFFFFFFCu);
	assert_int_equal(info.method, VMBD_METHOD_PORT);
	detect_vendor(&info, "VMwareVMware", VMW_LEAF + 5, 1u << 0);
	assert_int_equal(info.method, VMBD_METHOD_VMMCALL);
	/* the leaf does not exist below 0x40000010: its value is ignored */
	detect_vendor(&info, "VMwareVMware", VMW_LEAF - 1, 3);
	assert_int_equal(info.method, VMBD_METHOD_PORT);
	/* and it is VMware's leaf: other vendors keep port I/O */
	detect_vendor(&info, "KVMKVMKVM\0\0\0", VMW_LEAF, 3);
	assert_int_equal(info.method, VMBD_METHOD_PORT);
#endif
}

/* The real CPUID of this machine: never VMware-by-accident, consistent
 * with what the pure decoder makes of the same registers. */
static void test_detect_this_machine(void **state)
{
	struct vmbd_detect_info info;
	int rc = vmbd_detect(&info);

	(void)state;
	assert_int_equal(vmbd_detect(NULL), VMBD_EINVAL);
#if defined(__x86_64__) || defined(__i386__)
	assert_int_equal(rc, VMBD_OK);
	if (!info.hypervisor_present) {
		assert_int_equal(info.hypervisor, VMBD_HV_NONE);
	} else {
		assert_int_not_equal(info.hypervisor, VMBD_HV_NONE);
		assert_true(info.max_leaf >= 0x40000000u);
		assert_true(strlen(info.vendor) <= 12);
	}
	print_message("this machine: %s (\"%s\")\n",
		      vmbd_hypervisor_name(info.hypervisor), info.vendor);
#else
	assert_int_equal(rc, VMBD_ENOTSUP);
	assert_int_equal(info.hypervisor, VMBD_HV_NONE);
	assert_int_equal(info.method, NATIVE_METHOD);
#endif
}

/* --- vmbd_open with a fake platform --- */

static struct vmbd_detect_info g_fake_cpu;
static int g_detect_rc;
static int g_access_rc;
static int g_access_calls;
static int g_backend_method;
static struct fake_host g_host;

static int fake_detect(struct vmbd_detect_info *info)
{
	*info = g_fake_cpu;
	return g_detect_rc;
}

static const struct vmbd_io_ops *fake_backend(int method)
{
	g_backend_method = method;
	return method == VMBD_METHOD_ARM64 ? NULL : vmbd_io_mock();
}

static int fake_access(void)
{
	g_access_calls++;
	return g_access_rc;
}

static const struct vmbd__open_env fake_env = {
	fake_detect, fake_backend, &g_host.mock, fake_access
};

static int setup_open(void **state)
{
	struct vmbd_ctx scratch;

	(void)state;
	fake_init(&g_host, &scratch);
	g_detect_rc = VMBD_OK;
	g_access_rc = VMBD_OK;
	g_access_calls = 0;
	g_backend_method = -1;
	detect_vendor(&g_fake_cpu, "VMwareVMware", 0x40000001u, 0);
	g_fake_cpu.method = VMBD_METHOD_PORT;
	return 0;
}

static void push_getversion_ok(void)
{
	struct vmbd_frame v = {6, VMBD_MAGIC, VMBD_PRODUCT_WORKSTATION, 0, 0, 0, 0};

	fake_push(&g_host, R_AX | R_BX | R_CX, v);
}

static void test_open_vmware_port(void **state)
{
	struct vmbd_ctx ctx = {0};
	struct vmbd_detect_info info;
	uint32_t version;

	(void)state;
	push_getversion_ok();
	assert_int_equal(vmbd__open_env(&ctx, 0, &info, &fake_env), VMBD_OK);
	assert_int_equal(info.hypervisor, VMBD_HV_VMWARE);
	assert_int_equal(g_backend_method, VMBD_METHOD_PORT);
	assert_int_equal(g_access_calls, 1);
	/* exactly one backdoor call: GETVERSION */
	assert_int_equal(g_host.ncalls, 1);
	fake_assert_cmd(&g_host, 0, VMBD_CMD_GETVERSION);
	assert_int_equal(vmbd_ctx_calls(&ctx), 1);
	/* that one call's answer is handed back: nobody needs a second */
	assert_int_equal(info.version, 6);
	assert_int_equal(info.product, VMBD_PRODUCT_WORKSTATION);
	/* ctx is bound and usable */
	push_getversion_ok();
	assert_int_equal(vmbd_get_version(&ctx, &version, NULL), VMBD_OK);
	assert_int_equal(version, 6);
}

static void test_open_hypercall_needs_no_port_access(void **state)
{
	struct vmbd_ctx ctx = {0};

	(void)state;
	g_fake_cpu.method = VMBD_METHOD_VMCALL;
	push_getversion_ok();
	assert_int_equal(vmbd__open_env(&ctx, 0, NULL, &fake_env), VMBD_OK);
	assert_int_equal(g_backend_method, VMBD_METHOD_VMCALL);
	assert_int_equal(g_access_calls, 0);
	assert_int_equal(g_host.ncalls, 1);
}

static void test_open_refuses_non_vmware_without_any_call(void **state)
{
	static const char *ids[] = {"KVMKVMKVM\0\0\0", "TCGTCGTCGTCG",
				    "Microsoft Hv", "XenVMMXenVMM",
				    "VBoxVBoxVBox", "other vendor"};
	struct vmbd_ctx ctx = {0};
	struct vmbd_detect_info info;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		detect_vendor(&g_fake_cpu, ids[i], 0x40000001u, 0);
		assert_int_equal(vmbd__open_env(&ctx, 0, &info, &fake_env),
				 VMBD_ENOTVMWARE);
		assert_int_equal(info.hypervisor, g_fake_cpu.hypervisor);
	}
	/* bare metal and no-CPUID platforms too */
	vmbd_detect_from_cpuid(&g_fake_cpu, 0, 0, 0, 0, 0, 0);
	assert_int_equal(vmbd__open_env(&ctx, 0, NULL, &fake_env),
			 VMBD_ENOTVMWARE);
	g_detect_rc = VMBD_ENOTSUP;
	assert_int_equal(vmbd__open_env(&ctx, 0, NULL, &fake_env),
			 VMBD_ENOTVMWARE);
	/* no backdoor call, no backend chosen, no port access asked */
	assert_int_equal(g_host.ncalls, 0);
	assert_int_equal(g_backend_method, -1);
	assert_int_equal(g_access_calls, 0);
}

static void log_last(void *arg, int level, const char *msg)
{
	char *last = arg;

	(void)level;
	strncpy(last, msg, 255);
	last[255] = '\0';
}

static void test_open_logs_vendor_when_refusing(void **state)
{
	struct vmbd_ctx ctx = {0};
	char last[256] = "";

	(void)state;
	vmbd_ctx_set_log(&ctx, log_last, last);
	detect_vendor(&g_fake_cpu, "KVMKVMKVM\0\0\0", 0x40000001u, 0);
	assert_int_equal(vmbd__open_env(&ctx, 0, NULL, &fake_env),
			 VMBD_ENOTVMWARE);
	assert_non_null(strstr(last, "KVMKVMKVM"));
	assert_non_null(strstr(last, "kvm"));
}

static void test_open_force_on_qemu_tcg(void **state)
{
	struct vmbd_ctx ctx = {0};

	(void)state;
	detect_vendor(&g_fake_cpu, "TCGTCGTCGTCG", 0x40000001u, 0);
	/* QEMU's vmport is an x86 port: say so, or an aarch64 build of this
	 * test would pick the arm64 method (and the port access request
	 * checked below is port-only). */
	g_fake_cpu.method = VMBD_METHOD_PORT;
	push_getversion_ok();
	assert_int_equal(vmbd__open_env(&ctx, VMBD_OPEN_FORCE, NULL, &fake_env),
			 VMBD_OK);
	assert_int_equal(g_access_calls, 1);
	assert_int_equal(g_host.ncalls, 1);
}

static void test_open_port_access_refused(void **state)
{
	struct vmbd_ctx ctx = {0};

	(void)state;
	g_access_rc = VMBD_EPERM;
	assert_int_equal(vmbd__open_env(&ctx, 0, NULL, &fake_env), VMBD_EPERM);
	assert_int_equal(g_host.ncalls, 0);
	/* "no way to ask" is a refusal too */
	g_access_rc = VMBD_ENOTSUP;
	assert_int_equal(vmbd__open_env(&ctx, 0, NULL, &fake_env), VMBD_EPERM);
	assert_int_equal(g_host.ncalls, 0);
	/* unless the caller opts out of asking (VMware lets CPL3 in) */
	push_getversion_ok();
	assert_int_equal(vmbd__open_env(&ctx, VMBD_OPEN_NO_ACCESS_REQUEST, NULL,
					&fake_env),
			 VMBD_OK);
	assert_int_equal(g_access_calls, 2);
	assert_int_equal(g_host.ncalls, 1);
}

static void test_open_no_backend(void **state)
{
	struct vmbd_ctx ctx = {0};

	(void)state;
	g_fake_cpu.method = VMBD_METHOD_ARM64;
	assert_int_equal(vmbd__open_env(&ctx, 0, NULL, &fake_env),
			 VMBD_ENOBACKEND);
	assert_int_equal(g_host.ncalls, 0);
}

static void test_open_getversion_fails(void **state)
{
	struct vmbd_ctx ctx = {0};
	struct vmbd_detect_info info;

	(void)state;
	/* A detect hook that leaves stale values: a failed open still
	 * reports no version rather than whatever was there. */
	g_fake_cpu.version = 7;
	g_fake_cpu.product = VMBD_PRODUCT_ESX;
	fake_push_unknown(&g_host);
	assert_int_equal(vmbd__open_env(&ctx, 0, &info, &fake_env), VMBD_EPROTO);
	assert_int_equal(info.version, 0);
	assert_int_equal(info.product, 0);
	fake_push_ignore(&g_host);
	assert_int_equal(vmbd__open_env(&ctx, 0, NULL, &fake_env), VMBD_EPROTO);
	assert_int_equal(g_host.ncalls, 2);
	assert_int_equal(vmbd__open_env(NULL, 0, NULL, &fake_env), VMBD_EINVAL);
	assert_int_equal(vmbd__open_env(&ctx, 0, NULL, NULL), VMBD_EINVAL);
}

/* The real vmbd_open on this machine: allowed only because CPUID here is
 * not VMware, so it must refuse before any backdoor instruction. */
static void test_open_real_refuses_here(void **state)
{
	struct vmbd_ctx ctx = {0};
	struct vmbd_detect_info info;
	int rc;

	(void)state;
	vmbd_detect(&info);
	if (info.hypervisor == VMBD_HV_VMWARE)
		skip(); /* a real VMware guest: not this test's business */
	rc = vmbd_open(&ctx, 0, &info);
	assert_int_equal(rc, VMBD_ENOTVMWARE);
	assert_int_equal(vmbd_ctx_calls(&ctx), 0);
	assert_null(ctx.io.ops);
	assert_int_equal(info.version, 0);
	assert_int_equal(info.product, 0);
	assert_int_equal(vmbd_open(NULL, 0, NULL), VMBD_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vendor_table),
		cmocka_unit_test(test_no_hypervisor_bit),
		cmocka_unit_test(test_vendor_text_is_printable),
		cmocka_unit_test(test_hypervisor_names),
		cmocka_unit_test(test_method_from_vmware_leaf),
		cmocka_unit_test(test_detect_this_machine),
		cmocka_unit_test_setup(test_open_vmware_port, setup_open),
		cmocka_unit_test_setup(test_open_hypercall_needs_no_port_access,
				       setup_open),
		cmocka_unit_test_setup(
			test_open_refuses_non_vmware_without_any_call,
			setup_open),
		cmocka_unit_test_setup(test_open_logs_vendor_when_refusing,
				       setup_open),
		cmocka_unit_test_setup(test_open_force_on_qemu_tcg, setup_open),
		cmocka_unit_test_setup(test_open_port_access_refused,
				       setup_open),
		cmocka_unit_test_setup(test_open_no_backend, setup_open),
		cmocka_unit_test_setup(test_open_getversion_fails, setup_open),
		cmocka_unit_test(test_open_real_refuses_here),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
