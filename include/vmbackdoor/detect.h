/*
 * libvmbackdoor: safe detection and opening of the real backdoor.
 *
 * vmbd_detect() uses CPUID only and never executes a backdoor instruction.
 * vmbd_open() executes one (GETVERSION) only when the vendor is VMware or
 * the caller passes VMBD_OPEN_FORCE.
 */
#ifndef VMBACKDOOR_DETECT_H
#define VMBACKDOOR_DETECT_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/backdoor.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vmbd_hypervisor {
	VMBD_HV_NONE = 0,     /* no hypervisor bit: bare metal or unknown */
	VMBD_HV_VMWARE,
	VMBD_HV_KVM,
	VMBD_HV_HYPERV,
	VMBD_HV_XEN,
	VMBD_HV_TCG,
	VMBD_HV_VBOX,
	VMBD_HV_OTHER
};

/* Which instruction the hypervisor wants for backdoor calls. */
enum vmbd_call_method {
	VMBD_METHOD_PORT = 0, /* in / rep ins / rep outs */
	VMBD_METHOD_VMCALL,
	VMBD_METHOD_VMMCALL,
	VMBD_METHOD_ARM64
};

struct vmbd_detect_info {
	int hypervisor_present;  /* CPUID.1:ECX[31] */
	int hypervisor;          /* enum vmbd_hypervisor */
	char vendor[13];         /* CPUID 0x40000000 ebx,ecx,edx, NUL-terminated */
	uint32_t max_leaf;       /* CPUID 0x40000000 eax */
	int method;              /* enum vmbd_call_method */
};

/* Fill info from CPUID. Returns 0 (even when not VMware: look at
 * info->hypervisor) or VMBD_ENOTSUP where CPUID is unavailable. */
VMBD_API int vmbd_detect(struct vmbd_detect_info *info);
/* Decide from raw CPUID register values (testable on any machine). */
VMBD_API void vmbd_detect_from_cpuid(struct vmbd_detect_info *info,
				     uint32_t leaf1_ecx, uint32_t max_leaf,
				     uint32_t vendor_ebx, uint32_t vendor_ecx,
				     uint32_t vendor_edx, uint32_t features_ecx);
/* Short name: "vmware", "kvm", "hyperv", "xen", "tcg", "vbox", "other",
 * "none". */
VMBD_API const char *vmbd_hypervisor_name(int hypervisor);

enum {
	VMBD_OPEN_FORCE = 1u << 0  /* use the backdoor even if not VMware */
};

/* Detect, pick the backend, request port access, verify with GETVERSION.
 * Returns VMBD_ENOTVMWARE (no backdoor instruction executed) when not on
 * VMware and not forced, VMBD_EPERM when port access is refused,
 * VMBD_EPROTO when GETVERSION does not echo the magic. info may be NULL. */
VMBD_API int vmbd_open(struct vmbd_ctx *ctx, unsigned flags,
		       struct vmbd_detect_info *info);

#ifdef __cplusplus
}
#endif

#endif
