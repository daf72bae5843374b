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

/* Hypercall (vmcall/vmmcall) flags that replace the port in dx's low half
 * (open-vm-tools backdoor_def.h BDOOR_FLAGS_*): LB read = 0, HB = bit 0,
 * write (guest to host) = bit 1. The vmcall/vmmcall backends substitute
 * them; callers always put the port there. */
#define VMBD_HC_FLAG_HB 0x1u
#define VMBD_HC_FLAG_WRITE 0x2u

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
 * what its instruction needs. A NULL function pointer means "not
 * supported" (vmbd_io_* then return VMBD_ENOTSUP without calling). */
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

/* Bind ops/arg to io and zero the counters. VMBD_EINVAL if io or ops is
 * NULL. */
VMBD_API int vmbd_io_init(struct vmbd_io *io, const struct vmbd_io_ops *ops,
			  void *arg);
/* Execute one operation through the backend. The counter (lb_calls for
 * in, hb_calls for hb_*) grows only when the backend executed it (returned
 * 0). VMBD_EINVAL for NULL arguments or an unbound io, VMBD_ENOTSUP when
 * the backend lacks the operation, else the backend's status. */
VMBD_API int vmbd_io_in(struct vmbd_io *io, struct vmbd_frame *f);
VMBD_API int vmbd_io_hb_out(struct vmbd_io *io, struct vmbd_frame *f);
VMBD_API int vmbd_io_hb_in(struct vmbd_io *io, struct vmbd_frame *f);

/* Real backends. Each returns NULL when not compiled for this target
 * (x86 port I/O and vmcall/vmmcall on i386/x86-64, arm64 on aarch64).
 * Using one executes a privileged backdoor instruction: only do so after
 * vmbd_detect() found VMware or the user forced it. Their arg is unused
 * (pass NULL).
 *   x86_port  in: `inl (%dx),%eax`; hb_out: `rep outsb`; hb_in: `rep insb`
 *             (ebp/rbp carries frame.bp, saved and restored around it).
 *   vmcall,   the same frame with `vmcall`/`vmmcall`; dx's low half is
 *   vmmcall   replaced by VMBD_HC_FLAG_* (LB 0, HB out 3, HB in 1) as in
 *             open-vm-tools' BackdoorHb; the port put there is ignored.
 *   arm64     `mrs xzr, mdccsr_el0` with x0..x6 = ax, bx, cx, dx, si, di,
 *             bp and x7 = vmbd_arm64_x7() describing `inl (%dx)` or
 *             `rep insb`/`rep outsb`. */
VMBD_API const struct vmbd_io_ops *vmbd_io_x86_port(void);
VMBD_API const struct vmbd_io_ops *vmbd_io_vmcall(void);
VMBD_API const struct vmbd_io_ops *vmbd_io_vmmcall(void);
VMBD_API const struct vmbd_io_ops *vmbd_io_arm64(void);

/* Request the narrowest port access needed by the x86 port backend (Linux:
 * ioperm(0x5658, 4, 1), i.e. ports 0x5658-0x565B: the CPU checks the I/O
 * bitmap for every byte of the 4-byte `inl`, and QEMU TCG enforces it;
 * never iopl, which opens every port). Executes no backdoor instruction. Returns 0,
 * VMBD_EPERM when refused (no CAP_SYS_RAWIO) or VMBD_ENOTSUP on platforms
 * without port I/O or without a narrow way to ask (non-Linux, or a Linux
 * kernel built without ioperm: ENOSYS). The grant is the kernel's state, not
 * the library's, and belongs to the calling thread: threads and processes
 * it creates afterwards inherit it, threads that already exist do not
 * (Linux ioperm(2)), and their port I/O faults (SIGSEGV) wherever the TSS
 * I/O bitmap is enforced (QEMU vmport; checked in tests/qemu). Call it, or
 * vmbd_open(), in the thread that makes the calls or before creating
 * those threads. */
VMBD_API int vmbd_io_request_access(void);

/*
 * arm64 instruction descriptor in w7 (PROTOCOL.md section 1, open-vm-tools
 * backdoor_def.h X86_IO_W7_*), exposed so it can be unit-tested on any
 * host: size (1, 2 or 4 bytes), read (1 = IN/INS), type (enum below), df
 * (string types only), imm port (VMBD_ARM64_IO_IMM only, 0..255).
 * Returns the 64-bit x7 value including 0x86 in bits [63:32], or 0 (never
 * a valid descriptor) for an invalid combination.
 * The backend uses (4, 1, DX, 0, 0) = 0x860000000E for `inl (%dx)`,
 * (1, 1, REP_STRING, 0, 0) = 0x860000001C for `rep insb` and
 * (1, 0, REP_STRING, 0, 0) = 0x8600000018 for `rep outsb`.
 */
enum vmbd_arm64_io_type {
	VMBD_ARM64_IO_IMM = 0,        /* IN/OUT, port in w7[12:5] */
	VMBD_ARM64_IO_DX = 1,         /* IN/OUT (%dx) */
	VMBD_ARM64_IO_STRING = 2,     /* INS/OUTS */
	VMBD_ARM64_IO_REP_STRING = 3  /* REP INS/REP OUTS */
};
#define VMBD_ARM64_X7_MAGIC 0x86u
VMBD_API uint64_t vmbd_arm64_x7(unsigned size, int read, unsigned type,
				int df, unsigned imm_port);

/*
 * Mock backend for unit tests: every operation records the frame as sent,
 * then calls the handler with the operation kind (0 in, 1 hb_out, 2 hb_in)
 * and the frame; the handler edits the frame in place and returns 0 or an
 * error. Without a handler the mock answers like a host that knows no
 * command: eax = 0xFFFFFFFF, everything else unchanged. Zero the struct,
 * set handler/arg, pass it as the backend's arg.
 */
typedef int (*vmbd_mock_fn)(void *arg, int op, struct vmbd_frame *f);
struct vmbd_mock {
	vmbd_mock_fn handler;
	void *arg;
	unsigned calls;             /* operations seen (any result) */
	int last_op;                /* VMBD_MOCK_* of the last call */
	struct vmbd_frame last_in;  /* frame as the guest sent it, last call */
};
enum { VMBD_MOCK_IN = 0, VMBD_MOCK_HB_OUT = 1, VMBD_MOCK_HB_IN = 2 };
VMBD_API const struct vmbd_io_ops *vmbd_io_mock(void);  /* arg: struct vmbd_mock* */

#ifdef __cplusplus
}
#endif

#endif
