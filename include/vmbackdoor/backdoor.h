/*
 * libvmbackdoor layer 2: typed low-level backdoor commands.
 *
 * A context binds an io backend and an optional log callback. Fields are
 * public only so callers can allocate the struct; set them through the
 * functions below.
 */
#ifndef VMBACKDOOR_BACKDOOR_H
#define VMBACKDOOR_BACKDOOR_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/io.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Low-level command numbers (ecx low 16 bits). */
enum vmbd_cmd {
	VMBD_CMD_GETMHZ = 1,
	VMBD_CMD_GETVERSION = 10,
	VMBD_CMD_GETHWVERSION = 17,
	VMBD_CMD_GETUUID = 19,
	VMBD_CMD_GETMEMSIZE = 20,
	VMBD_CMD_GETTIME = 23,
	VMBD_CMD_STOPCATCHUP = 24,
	VMBD_CMD_MESSAGE = 30,
	VMBD_CMD_GETHZ = 45,
	VMBD_CMD_GETTIMEFULL = 46,
	VMBD_CMD_GETTIMEFULL_WITH_LAG = 55,
	VMBD_CMD_GET_VCPU_INFO = 68
};

struct vmbd_ctx {
	struct vmbd_io io;
	vmbd_log_fn log;
	void *log_arg;
};

/*
 * Every typed call below makes exactly one LB backdoor call (except
 * vmbd_read_host_time, which makes one to three) and returns 0 or a
 * negative VMBD_E* code:
 *   VMBD_EINVAL       NULL ctx/output pointer or ctx without a backend
 *   VMBD_EUNSUPPORTED the host does not implement the command: eax =
 *                     0xFFFFFFFF with the other registers as sent, or a
 *                     reply identical to the request (QEMU machine types
 *                     <= 4.2 leave eax = magic for unknown commands)
 *   VMBD_EUNKNOWN     the host implements it but has no value (0, nil)
 *   VMBD_EPROTO       the reply breaks the command's convention
 *   VMBD_EBADTIME     a time with seconds <= 0 or usec >= 1000000
 *   or the io backend's own error. Outputs are written only on success
 *   (vmbd_get_uuid also on VMBD_EUNKNOWN: all zero).
 */

/* Initialise ctx on a backend (ops + its argument), clear the counters and
 * the log callback. No backdoor call. VMBD_EINVAL for NULL ctx/ops. */
VMBD_API int vmbd_ctx_init(struct vmbd_ctx *ctx, const struct vmbd_io_ops *ops,
			   void *io_arg);
/* Set (or clear with NULL) the log callback. */
VMBD_API void vmbd_ctx_set_log(struct vmbd_ctx *ctx, vmbd_log_fn fn, void *arg);
/* Total backdoor calls made through ctx (LB + HB). */
VMBD_API uint64_t vmbd_ctx_calls(const struct vmbd_ctx *ctx);

/* One raw LB call: sets eax = magic and dx's low half = 0x5658 (keeps the
 * channel id in dx's high half), executes, returns the backend's status;
 * no interpretation of the reply. Escape hatch for commands without a
 * typed wrapper (and the message channel). */
VMBD_API int vmbd_call(struct vmbd_ctx *ctx, struct vmbd_frame *f);

/* Product types returned by GETVERSION in ecx: open-vm-tools' VMX_Type
 * (lib/include/vm_vmx_type.h), whose values VMware never changes. 1, 3 and
 * 5 are deprecated types (VMware Express, VMware Server, ACE 1.x). */
enum vmbd_product {
	VMBD_PRODUCT_UNSET = 0,        /* an old VMX that sets no type */
	VMBD_PRODUCT_EXPRESS = 1,
	VMBD_PRODUCT_ESX = 2,          /* VMX_TYPE_SCALABLE_SERVER */
	VMBD_PRODUCT_SERVER = 3,       /* VMX_TYPE_WGS */
	VMBD_PRODUCT_WORKSTATION = 4,
	VMBD_PRODUCT_WORKSTATION_ENTERPRISE = 5
};

/* GETVERSION (sent with ebx = ~magic, ecx high half 0xFFFF as
 * open-vm-tools does): VMBD_EUNSUPPORTED when eax = 0xFFFFFFFF,
 * VMBD_EPROTO when ebx does not echo the magic; else version = eax,
 * product = ecx (enum vmbd_product), or VMBD_PRODUCT_UNSET when ecx still
 * has the 0xFFFF high half (open-vm-tools VmCheck_GetVersion). Either
 * output may be NULL. */
VMBD_API int vmbd_get_version(struct vmbd_ctx *ctx, uint32_t *version,
			      uint32_t *product);
/* GETMHZ: TSC in MHz (eax). 0 -> VMBD_EUNKNOWN; eax >= 2^31 (open-vm-tools
 * rejects it as a negative int32) -> VMBD_EPROTO. */
VMBD_API int vmbd_get_mhz(struct vmbd_ctx *ctx, uint32_t *mhz);

struct vmbd_hz {
	uint64_t tsc_hz;   /* TSC frequency in Hz */
	uint32_t apic_hz;  /* APIC bus frequency in Hz */
};
/* GETHZ: tsc_hz = ebx << 32 | eax, apic_hz = ecx (Linux vmware.c).
 * VMBD_EUNKNOWN when the host answers "unknown" (ebx = 0xFFFFFFFF, QEMU
 * under TCG) or a zero TSC. */
VMBD_API int vmbd_get_hz(struct vmbd_ctx *ctx, struct vmbd_hz *hz);
/* GETUUID: the BIOS UUID in string byte order (uuid[0] is the first two hex
 * digits of the canonical text form): eax, ebx, ecx, edx each stored
 * little-endian. An all-zero UUID (none configured) gives VMBD_EUNKNOWN. */
VMBD_API int vmbd_get_uuid(struct vmbd_ctx *ctx, uint8_t uuid[16]);
/* Format a UUID as 36 lowercase characters plus NUL
 * ("01234567-89ab-cdef-0011-223344556677"); VMBD_EINVAL when size < 37
 * (buf then gets "" if size > 0). */
VMBD_API int vmbd_uuid_format(const uint8_t uuid[16], char *buf, size_t size);
/* GETMEMSIZE, always in MiB. VMware answers in MiB; QEMU's vmport answers
 * in bytes and marks that with ebx = 0x1177, which is converted (QEMU's
 * byte count is truncated to 32 bits, so it wraps at 4 GiB). 0 ->
 * VMBD_EUNKNOWN. */
VMBD_API int vmbd_get_memsize(struct vmbd_ctx *ctx, uint64_t *mib);
/* GETHWVERSION: virtual hardware version (eax); 0 -> VMBD_EUNKNOWN. */
VMBD_API int vmbd_get_hwversion(struct vmbd_ctx *ctx, uint32_t *hwversion);
/* GET_VCPU_INFO: raw eax flag bits; bit 31 (reserved) set means
 * VMBD_EUNSUPPORTED (Linux vmware.c). */
VMBD_API int vmbd_get_vcpu_info(struct vmbd_ctx *ctx, uint32_t *flags);

/* Host time as returned by one of the time commands. */
struct vmbd_host_time {
	int64_t sec;                /* seconds since the Unix epoch */
	uint32_t usec;              /* microseconds, < 1000000 */
	uint32_t max_lag_us;        /* host's max time lag (ecx) */
	uint32_t interrupt_lag_us;  /* apparent - real (WITH_LAG only) */
	int has_interrupt_lag;      /* 1 when interrupt_lag_us is valid */
	int cmd;                    /* VMBD_CMD_GETTIME* that answered */
};

/* Each time command on its own. GETTIMEFULL* succeed only with eax left =
 * magic: sec = esi << 32 | edx, usec = ebx, max_lag_us = ecx, and for
 * WITH_LAG interrupt_lag_us = edi; otherwise VMBD_EUNSUPPORTED. GETTIME:
 * sec = eax, usec = ebx, max_lag_us = ecx; eax = 0xFFFFFFFF is
 * VMBD_EUNSUPPORTED (not year 2106). Seconds <= 0 or usec >= 10^6 give
 * VMBD_EBADTIME (logged as a warning). */
VMBD_API int vmbd_get_time(struct vmbd_ctx *ctx, struct vmbd_host_time *t);
VMBD_API int vmbd_get_time_full(struct vmbd_ctx *ctx, struct vmbd_host_time *t);
VMBD_API int vmbd_get_time_full_with_lag(struct vmbd_ctx *ctx,
					 struct vmbd_host_time *t);
/* The open-vm-tools chain: WITH_LAG, then FULL, then GETTIME, moving on only
 * when a command is VMBD_EUNSUPPORTED (any other result, VMBD_EBADTIME
 * included, ends the chain): 1 call on VMware, 3 on a host without any. */
VMBD_API int vmbd_read_host_time(struct vmbd_ctx *ctx, struct vmbd_host_time *t);
/* STOPCATCHUP: tell the host to stop catching up lost ticks (after a step).
 * It has no result registers, so only eax = 0xFFFFFFFF counts as
 * VMBD_EUNSUPPORTED. */
VMBD_API int vmbd_stop_catchup(struct vmbd_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif
