/*
 * Safe detection (PROTOCOL.md section 5): CPUID only. The backdoor is not
 * touched until CPUID names VMware or the caller forces it, because an
 * `in` from port 0x5658 faults or reads a real device elsewhere.
 */
#include <string.h>

#include <vmbackdoor/detect.h>

#include "log.h"
#include "open_env.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#define CPUID_HV_BIT (1u << 31)            /* CPUID.1:ECX[31] */
#define CPUID_HV_LEAF 0x40000000u          /* vendor; eax = max leaf */
#define CPUID_VMW_FEATURES_LEAF 0x40000010u
/* Leaf 0x40000010 ecx (Linux arch/x86/kernel/cpu/vmware.c). */
#define CPUID_VMW_ECX_VMMCALL (1u << 0)
#define CPUID_VMW_ECX_VMCALL (1u << 1)

static const struct vendor_row {
	char id[12];  /* ebx, ecx, edx bytes; not NUL-terminated */
	int hypervisor;
	const char *name;
} vendors[] = {
	{"VMwareVMware", VMBD_HV_VMWARE, "vmware"},
	{"KVMKVMKVM\0\0\0", VMBD_HV_KVM, "kvm"},
	{"Microsoft Hv", VMBD_HV_HYPERV, "hyperv"},
	{"XenVMMXenVMM", VMBD_HV_XEN, "xen"},
	{"TCGTCGTCGTCG", VMBD_HV_TCG, "tcg"},
	{"VBoxVBoxVBox", VMBD_HV_VBOX, "vbox"},
};

static const struct name_row {
	int hypervisor;
	const char *name;
} extra_names[] = {
	{VMBD_HV_NONE, "none"},
	{VMBD_HV_OTHER, "other"},
};

const char *vmbd_hypervisor_name(int hypervisor)
{
	size_t i;

	for (i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (vendors[i].hypervisor == hypervisor)
			return vendors[i].name;
	for (i = 0; i < sizeof(extra_names) / sizeof(extra_names[0]); i++)
		if (extra_names[i].hypervisor == hypervisor)
			return extra_names[i].name;
	return "unknown";
}

static void put_le32(char *p, uint32_t v)
{
	p[0] = (char)(v & 0xFF);
	p[1] = (char)((v >> 8) & 0xFF);
	p[2] = (char)((v >> 16) & 0xFF);
	p[3] = (char)((v >> 24) & 0xFF);
}

void vmbd_detect_from_cpuid(struct vmbd_detect_info *info,
			    uint32_t leaf1_ecx, uint32_t max_leaf,
			    uint32_t vendor_ebx, uint32_t vendor_ecx,
			    uint32_t vendor_edx, uint32_t features_ecx)
{
	char id[12];
	size_t i;

	if (!info)
		return;
	memset(info, 0, sizeof(*info));
	info->hypervisor = VMBD_HV_NONE;
	info->method = VMBD_METHOD_PORT;
#if defined(__aarch64__)
	info->method = VMBD_METHOD_ARM64;
#endif
	/* Without the hypervisor bit the 0x4000xxxx leaves are not defined
	 * (on bare metal they echo the highest basic leaf). */
	if (!(leaf1_ecx & CPUID_HV_BIT))
		return;
	info->hypervisor_present = 1;
	info->max_leaf = max_leaf;
	put_le32(id + 0, vendor_ebx);
	put_le32(id + 4, vendor_ecx);
	put_le32(id + 8, vendor_edx);
	/* Printable copy: the text stops at the first NUL (KVM pads with
	 * NULs) and anything non-printable shows as '?'. */
	for (i = 0; i < 12 && id[i] != '\0'; i++)
		info->vendor[i] = (id[i] >= 0x20 && id[i] < 0x7F) ? id[i] : '?';
	info->vendor[i] = '\0';

	info->hypervisor = VMBD_HV_OTHER;
	for (i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		if (memcmp(id, vendors[i].id, sizeof(id)) == 0) {
			info->hypervisor = vendors[i].hypervisor;
			break;
		}
	}
	/* The hypercall leaf exists only on VMware and only when the max leaf
	 * covers it (Linux vmware_platform). vmcall wins when both bits are
	 * set, as in open-vm-tools BackdoorGetInterface. */
	if (info->hypervisor == VMBD_HV_VMWARE &&
	    max_leaf >= CPUID_VMW_FEATURES_LEAF &&
	    info->method == VMBD_METHOD_PORT) {
		if (features_ecx & CPUID_VMW_ECX_VMCALL)
			info->method = VMBD_METHOD_VMCALL;
		else if (features_ecx & CPUID_VMW_ECX_VMMCALL)
			info->method = VMBD_METHOD_VMMCALL;
	}
}

int vmbd_detect(struct vmbd_detect_info *info)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	unsigned leaf1_ecx, max_leaf = 0, v_ebx = 0, v_ecx = 0, v_edx = 0;
	unsigned features_ecx = 0;

	if (!info)
		return VMBD_EINVAL;
	/* __get_cpuid checks that leaf 1 exists (and CPUID on old i386). */
	if (!__get_cpuid(1, &a, &b, &c, &d)) {
		vmbd_detect_from_cpuid(info, 0, 0, 0, 0, 0, 0);
		return VMBD_ENOTSUP;
	}
	leaf1_ecx = c;
	if (leaf1_ecx & CPUID_HV_BIT) {
		__cpuid(CPUID_HV_LEAF, max_leaf, v_ebx, v_ecx, v_edx);
		if (max_leaf >= CPUID_VMW_FEATURES_LEAF) {
			__cpuid(CPUID_VMW_FEATURES_LEAF, a, b, c, d);
			features_ecx = c;
		}
	}
	vmbd_detect_from_cpuid(info, leaf1_ecx, max_leaf, v_ebx, v_ecx, v_edx,
			       features_ecx);
	return VMBD_OK;
#else
	if (!info)
		return VMBD_EINVAL;
	vmbd_detect_from_cpuid(info, 0, 0, 0, 0, 0, 0);
	return VMBD_ENOTSUP;
#endif
}

static const struct method_row {
	int method;
	const struct vmbd_io_ops *(*ops)(void);
} methods[] = {
	{VMBD_METHOD_PORT, vmbd_io_x86_port},
	{VMBD_METHOD_VMCALL, vmbd_io_vmcall},
	{VMBD_METHOD_VMMCALL, vmbd_io_vmmcall},
	{VMBD_METHOD_ARM64, vmbd_io_arm64},
};

static const struct vmbd_io_ops *real_backend(int method)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].method == method)
			return methods[i].ops();
	return NULL;
}

int vmbd__open_env(struct vmbd_ctx *ctx, unsigned flags,
		   struct vmbd_detect_info *info,
		   const struct vmbd__open_env *env)
{
	struct vmbd_detect_info local;
	struct vmbd_detect_info *di = info ? info : &local;
	const struct vmbd_io_ops *ops;
	vmbd_log_fn log;
	void *log_arg;
	uint32_t version = 0, product = 0;
	int rc;

	if (!ctx || !env)
		return VMBD_EINVAL;
	log = ctx->log;
	log_arg = ctx->log_arg;

	rc = env->detect(di);
	if (rc != VMBD_OK && rc != VMBD_ENOTSUP)
		return rc;
	/* Only a successful GETVERSION below fills these. */
	di->version = 0;
	di->product = 0;
	if (di->hypervisor != VMBD_HV_VMWARE) {
		if (!(flags & VMBD_OPEN_FORCE)) {
			if (rc == VMBD_ENOTSUP)
				vmbd__log(log, log_arg, VMBD_LOG_INFO,
					  "not VMware: no CPUID on this "
					  "platform (force to override)");
			else
				vmbd__log(log, log_arg, VMBD_LOG_INFO,
					  "not VMware: CPUID vendor \"%s\" (%s)",
					  di->vendor,
					  vmbd_hypervisor_name(di->hypervisor));
			return VMBD_ENOTVMWARE;
		}
		vmbd__log(log, log_arg, VMBD_LOG_WARNING,
			  "not VMware (%s) but forced: using the backdoor",
			  vmbd_hypervisor_name(di->hypervisor));
	}

	ops = env->backend(di->method);
	if (!ops) {
		vmbd__log(log, log_arg, VMBD_LOG_ERROR,
			  "no io backend for call method %d on this platform",
			  di->method);
		return VMBD_ENOBACKEND;
	}
	/* Only port I/O is subject to the TSS I/O bitmap. */
	if (di->method == VMBD_METHOD_PORT &&
	    !(flags & VMBD_OPEN_NO_ACCESS_REQUEST)) {
		rc = env->request_access();
		if (rc != VMBD_OK) {
			vmbd__log(log, log_arg, VMBD_LOG_ERROR,
				  "port access to 0x%x-0x%x refused: %s",
				  VMBD_PORT_LB, VMBD_PORT_HB, vmbd_strerror(rc));
			return VMBD_EPERM;
		}
	}

	rc = vmbd_ctx_init(ctx, ops, env->backend_arg);
	if (rc != VMBD_OK)
		return rc;
	vmbd_ctx_set_log(ctx, log, log_arg);
	rc = vmbd_get_version(ctx, &version, &product);
	if (rc != VMBD_OK) {
		vmbd__log(log, log_arg, VMBD_LOG_ERROR,
			  "GETVERSION failed (%s): no VMware backdoor here",
			  vmbd_strerror(rc));
		return VMBD_EPROTO;
	}
	vmbd__log(log, log_arg, VMBD_LOG_INFO,
		  "backdoor via %s: version %u, product type %u", ops->name,
		  (unsigned)version, (unsigned)product);
	di->version = version;
	di->product = product;
	return VMBD_OK;
}

int vmbd_open(struct vmbd_ctx *ctx, unsigned flags,
	      struct vmbd_detect_info *info)
{
	static const struct vmbd__open_env real = {
		vmbd_detect, real_backend, NULL, vmbd_io_request_access
	};

	return vmbd__open_env(ctx, flags, info, &real);
}
