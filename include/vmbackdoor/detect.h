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
	char vendor[13];         /* CPUID 0x40000000 ebx,ecx,edx as text: up to
				  * the first NUL, non-printable bytes as '?';
				  * "" without the hypervisor bit */
	uint32_t max_leaf;       /* CPUID 0x40000000 eax (0 without the bit) */
	int method;              /* enum vmbd_call_method */
	/* Filled only by a successful vmbd_open(), from the GETVERSION it
	 * makes anyway (every backdoor call is a VM exit: callers need not
	 * repeat it); 0 after vmbd_detect() and after a failed open. */
	uint32_t version;        /* GETVERSION eax: backdoor version */
	uint32_t product;        /* GETVERSION ecx: enum vmbd_product */
};

/* Fill info from CPUID (version and product 0); never executes a backdoor
 * instruction. Returns 0
 * (even when not VMware: look at info->hypervisor), VMBD_EINVAL for NULL,
 * or VMBD_ENOTSUP where CPUID is unavailable (non-x86; info is then filled
 * as "none" with the platform's method, VMBD_METHOD_ARM64 on aarch64). */
VMBD_API int vmbd_detect(struct vmbd_detect_info *info);
/*
 * Decide from raw CPUID register values (testable on any machine):
 * leaf1_ecx = CPUID.1:ECX, max_leaf and vendor_* = CPUID 0x40000000
 * eax/ebx/ecx/edx, features_ecx = CPUID 0x40000010 ECX (only looked at when
 * the vendor is VMware and max_leaf >= 0x40000010). Method: ECX bit 1 ->
 * vmcall, else bit 0 -> vmmcall (Linux vmware.c bits; vmcall preferred
 * when both are set, as open-vm-tools does), else port I/O.
 */
VMBD_API void vmbd_detect_from_cpuid(struct vmbd_detect_info *info,
				     uint32_t leaf1_ecx, uint32_t max_leaf,
				     uint32_t vendor_ebx, uint32_t vendor_ecx,
				     uint32_t vendor_edx, uint32_t features_ecx);
/* Short name: "vmware", "kvm", "hyperv", "xen", "tcg", "vbox", "other",
 * "none". */
VMBD_API const char *vmbd_hypervisor_name(int hypervisor);

enum {
	VMBD_OPEN_FORCE = 1u << 0, /* use the backdoor even if not VMware */
	/* Do not ask for port access (ioperm) before using port I/O: for
	 * unprivileged programs on VMware, which lets CPL3 reach the backdoor
	 * port unless the VM sets monitor_control.restrict_backdoor (then the
	 * `in` raises SIGSEGV). open-vm-tools never asks. */
	VMBD_OPEN_NO_ACCESS_REQUEST = 1u << 1
};

/*
 * Detect, pick the backend for the detected method, request port access
 * (port method only; granted to the calling thread and the threads it
 * creates afterwards, see vmbd_io_request_access()), verify with
 * GETVERSION (one backdoor call).
 * ctx: zeroed or vmbd_ctx_init()ed; its log callback is kept and receives
 * the reasons below. On success ctx is bound to the real backend.
 * Returns VMBD_ENOTVMWARE (no backdoor instruction executed) when CPUID
 * does not say VMware (or there is no CPUID) and VMBD_OPEN_FORCE is not
 * set, VMBD_ENOBACKEND when the method has no backend in this build,
 * VMBD_EPERM when port access is refused, VMBD_EPROTO when GETVERSION
 * fails (eax = 0xFFFFFFFF or ebx without the magic). info may be NULL;
 * otherwise it receives the detection result in every case and, on
 * success only, the GETVERSION answer in info->version and info->product
 * (so a caller that shows them makes no second GETVERSION).
 */
VMBD_API int vmbd_open(struct vmbd_ctx *ctx, unsigned flags,
		       struct vmbd_detect_info *info);

#ifdef __cplusplus
}
#endif

#endif
