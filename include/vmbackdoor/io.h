/*
 * libvmbackdoor layer 1: io.
 *
 * A backdoor call is one register frame in and one out. Every backend
 * implements the same three operations on a frame:
 *   in      low bandwidth: `inl (%dx), %eax` on port 0x5658 (or the
 *           vmcall/vmmcall/arm64 equivalent)
 *   hb_out  high bandwidth guest->host: `rep outsb` on port 0x5659
 *   hb_in   high bandwidth host->guest: `rep insb` on port 0x5659
 * The caller fills the whole frame, magic and port included, exactly as on
 * x86 (see PROTOCOL.md section 1); backends that use other instructions
 * translate (vmcall puts flags where the port was). Everything above this
 * layer talks only to a struct vmbd_io, which is how tests and the
 * simulator run on any machine.
 */
#ifndef VMBACKDOOR_IO_H
#define VMBACKDOOR_IO_H

#include <vmbackdoor/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMBD_MAGIC 0x564D5868u   /* "VMXh" */
#define VMBD_PORT_LB 0x5658u
#define VMBD_PORT_HB 0x5659u

/* The register frame. On x86 the fields map to eax..ebp/esi/edi (rsi/rdi
 * carry a full pointer for HB transfers, hence 64 bits); on arm64 to x0..x6
 * as in PROTOCOL.md section 1. */
struct vmbd_frame {
	uint32_t ax;
	uint32_t bx;
	uint32_t cx;
	uint32_t dx;
	uint64_t si;
	uint64_t di;
	uint32_t bp;
};

/* A backend. Each function returns 0 or a negative VMBD_E* code when the
 * backend cannot execute the operation (VMBD_ENOTSUP for hb_* on a backend
 * without them). A backend never interprets the frame's contents beyond
 * what its instruction needs. */
struct vmbd_io_ops {
	const char *name;
	int (*in)(void *arg, struct vmbd_frame *f);
	int (*hb_out)(void *arg, struct vmbd_frame *f);
	int (*hb_in)(void *arg, struct vmbd_frame *f);
};

/* A bound backend plus per-object call counters (every call is a VM exit
 * on a real host, so we count them). */
struct vmbd_io {
	const struct vmbd_io_ops *ops;
	void *arg;
	uint64_t lb_calls;
	uint64_t hb_calls;
};

/* Bind ops/arg to io and zero the counters. */
VMBD_API int vmbd_io_init(struct vmbd_io *io, const struct vmbd_io_ops *ops,
			  void *arg);
/* Execute one operation through the backend, counting it. */
VMBD_API int vmbd_io_in(struct vmbd_io *io, struct vmbd_frame *f);
VMBD_API int vmbd_io_hb_out(struct vmbd_io *io, struct vmbd_frame *f);
VMBD_API int vmbd_io_hb_in(struct vmbd_io *io, struct vmbd_frame *f);

/* Real backends. Each returns NULL when not compiled for this target
 * (x86 port I/O and vmcall/vmmcall on i386/x86-64, arm64 on aarch64).
 * Using one executes a privileged backdoor instruction: only do so after
 * vmbd_detect() found VMware or the user forced it. */
VMBD_API const struct vmbd_io_ops *vmbd_io_x86_port(void);
VMBD_API const struct vmbd_io_ops *vmbd_io_vmcall(void);
VMBD_API const struct vmbd_io_ops *vmbd_io_vmmcall(void);
VMBD_API const struct vmbd_io_ops *vmbd_io_arm64(void);

/* Request the narrowest port access needed by the x86 port backend (Linux:
 * ioperm(0x5658, 2, 1); never iopl). Returns 0, VMBD_EPERM when refused or
 * VMBD_ENOTSUP on platforms without port I/O. */
VMBD_API int vmbd_io_request_access(void);

/*
 * arm64 instruction descriptor in w7 (PROTOCOL.md section 1), exposed so it
 * can be unit-tested on any host: size (1, 2 or 4 bytes), read (1 = IN),
 * type (0 imm port, 1 DX port, 2 string, 3 rep string), df, imm port.
 * Returns the 64-bit x7 value including 0x86 in bits [63:32].
 */
VMBD_API uint64_t vmbd_arm64_x7(unsigned size, int read, unsigned type,
				int df, unsigned imm_port);

/*
 * Mock backend for unit tests: every operation calls the handler with the
 * operation kind (0 in, 1 hb_out, 2 hb_in) and the frame; the handler edits
 * the frame in place and returns 0 or an error.
 */
typedef int (*vmbd_mock_fn)(void *arg, int op, struct vmbd_frame *f);
struct vmbd_mock {
	vmbd_mock_fn handler;
	void *arg;
	unsigned calls;
	struct vmbd_frame last_in;  /* frame as the guest sent it, last call */
};
enum { VMBD_MOCK_IN = 0, VMBD_MOCK_HB_OUT = 1, VMBD_MOCK_HB_IN = 2 };
VMBD_API const struct vmbd_io_ops *vmbd_io_mock(void);  /* arg: struct vmbd_mock* */

#ifdef __cplusplus
}
#endif

#endif
