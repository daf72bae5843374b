/*
 * libvmbackdoor: the host simulator, an in-process model of a VMware VMX.
 *
 * The simulator answers backdoor frames through an io backend
 * (vmbd_sim_io_ops(), argument: the struct vmbd_sim), so the whole library,
 * tests, `vmbd-time --sim` and users' own tools run on any machine.
 *
 * The port, as the simulator models it (PROTOCOL.md sections 1, 2 and 5):
 *   - `in` with eax != magic or a port other than 0x5658: nobody answers.
 *     eax reads 0xFFFFFFFF (an unclaimed x86 port reads all ones; QEMU's
 *     vmport since 4.2 and Xen's VMware emulation answer exactly so), every
 *     other register is left as the guest loaded it.
 *   - Known, enabled commands answer from a dispatch table; disabled or
 *     unknown commands set eax = 0xFFFFFFFF and leave all else unchanged
 *     (VMware, and QEMU machine types newer than 4.2).
 *   - hb_out/hb_in: VMBD_ENOTSUP with the frame untouched when the host has
 *     no HB port (lb_only); with a wrong magic or port nothing answers
 *     (frame untouched, status 0); otherwise the GuestRPC side answers.
 *   - Every operation counts as one VM exit and costs call_cost_ns of
 *     virtual time; the host samples its clock half-way through the exit.
 *
 * Time is virtual: nothing reads the real clock. The simulator keeps the
 * true elapsed time (`now_ns`), the host clock (epoch + elapsed, steppable)
 * and a simulated guest clock with a rate error (drift), a frequency
 * correction and an adjtime-style pending slew, so time-sync code can be run
 * through days in milliseconds: every advance is O(1) whatever its length,
 * and the guest's rate is integrated in exact integer arithmetic (the
 * sub-nanosecond remainder is carried), so a day advanced in one call or in
 * a million calls ends on the same nanosecond.
 *
 * The struct is large (message buffers); allocate it statically or on the
 * heap, then call vmbd_sim_init(). Single-threaded like every object:
 * independent simulators may run on different threads at once.
 */
#ifndef VMBACKDOOR_SIM_H
#define VMBACKDOOR_SIM_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/io.h>
#include <vmbackdoor/sim_rpc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMBD_SIM_MAX_CMD 128

/* Host clock at vmbd_sim_init(): 2026-01-01T00:00:00Z. */
#define VMBD_SIM_DEFAULT_EPOCH_NS (1767225600LL * 1000000000LL)
/* Rate limits (parts per billion). The guest's total rate error (drift +
 * freq + slew) is clamped to +-VMBD_SIM_MAX_PPB: at -10^9 its clock stands
 * still, it never runs backward. Setters clamp each value to this range. */
#define VMBD_SIM_MAX_PPB 1000000000LL
/* adjtime()'s classic slew rate: 500 ppm. */
#define VMBD_SIM_DEFAULT_SLEW_PPB 500000LL
/* GETMEMSIZE ebx marker of QEMU's vmport: the answer is in bytes. */
#define VMBD_SIM_QEMU_MEMSIZE_MARKER 0x1177u

/* Profiles preset a whole host personality. */
enum vmbd_sim_profile {
	VMBD_SIM_PROFILE_VMWARE = 0, /* every command, MESSAGE, HB */
	VMBD_SIM_PROFILE_QEMU        /* QEMU 7.2 vmport: 10,19,20(bytes),45(unknown),68 only */
};

struct vmbd_sim {
	/* --- host personality --- */
	uint32_t version;          /* GETVERSION eax (default 6) */
	uint32_t product;          /* GETVERSION ecx (default 2 = ESX) */
	uint32_t hwversion;        /* GETHWVERSION (default 19) */
	uint32_t mhz;              /* GETMHZ (default 2400) */
	uint64_t tsc_hz;           /* GETHZ; 0 = answer "unknown" */
	uint32_t apic_hz;          /* GETHZ ecx (default 1000000000) */
	uint8_t uuid[16];          /* GETUUID, string byte order */
	uint64_t memsize_mib;      /* GETMEMSIZE (default 4096) */
	int memsize_in_bytes;      /* QEMU quirk: answer bytes (truncated to
				      32 bits, as QEMU does), ebx = 0x1177 */
	uint32_t vcpu_info;        /* GET_VCPU_INFO eax (default 0x8: legacy
				      x2APIC ok) */
	int32_t tz_offset_min;     /* GETTIME edx: host's UTC offset in
				      minutes, east positive (default 0) */
	uint32_t disabled[VMBD_SIM_MAX_CMD / 32]; /* bit set = unknown command */
	int cmd_low_byte;          /* decode only ecx's low byte (QEMU) */
	int lb_only;               /* no HB port (hb_* answer VMBD_ENOTSUP) */

	/* --- clocks (nanoseconds) --- */
	int64_t now_ns;            /* true time since vmbd_sim_init */
	int64_t host_epoch_ns;     /* host clock at now_ns == 0, Unix epoch */
	int64_t host_offset_ns;    /* host steps applied since */
	uint32_t max_lag_us;       /* reported max lag (default 1000000) */
	uint32_t interrupt_lag_us; /* reported interrupt lag (default 0) */
	uint32_t read_jitter_us;   /* each host read is late by [0, jitter) */
	uint64_t call_cost_ns;     /* virtual time each backdoor call takes
				      (default 0: clocks move only when told) */
	uint64_t rng;              /* xorshift state for jitter (seeded) */

	int64_t guest_ns;          /* guest clock, Unix epoch */
	int64_t guest_drift_ppb;   /* rate error of the guest oscillator */
	int64_t guest_freq_ppb;    /* frequency correction set by the guest */
	int64_t guest_slew_ns;     /* adjtime-style offset still to apply */
	int64_t guest_slew_rate_ppb; /* max rate of applying it (default 500 ppm) */
	int64_t guest_frac;        /* sub-ns remainder of rate integration,
				      in units of 10^-9 ns, [0, 10^9) */
	int64_t guest_slew_frac;   /* same, for the slew */
	int suspended;             /* guest clock paused while set */

	/* --- accounting --- */
	uint64_t calls_total;      /* every operation (LB + HB) */
	uint64_t calls_lb;
	uint64_t calls_hb;
	uint64_t calls_by_cmd[VMBD_SIM_MAX_CMD]; /* LB calls with valid magic
						    and port, by command */
	uint64_t stopcatchup_count;

	/* --- GuestRPC side (message channel, RPCI handlers, TCLO) --- */
	struct vmbd_sim_rpc rpc;
};

/* Defaults: VMware profile, host clock 2026-01-01T00:00:00Z, guest clock
 * equal to it, max lag 1 s, no drift, no jitter, no call cost, seed 1,
 * HB on; the GuestRPC side is reset by vmbd_sim_rpc_init(). */
VMBD_API void vmbd_sim_init(struct vmbd_sim *sim);
/* Preset a host personality (host identity, enabled commands, HB, RPC);
 * clocks and counters are left alone. VMBD_SIM_PROFILE_QEMU is the machine
 * observed in PROTOCOL.md section 5 (QEMU 7.2, -m 256, no -uuid, TCG):
 * version 6, type 2, memory 256 MiB answered in bytes, UUID all zero, GETHZ
 * "unknown", GET_VCPU_INFO 0, only commands 10, 19, 20, 45 and 68, only
 * ecx's low byte decoded, no MESSAGE, no HB port. VMBD_EINVAL for an
 * unknown profile (nothing changed). Both profiles reset the GuestRPC side
 * (vmbd_sim_rpc_init()). */
VMBD_API int vmbd_sim_set_profile(struct vmbd_sim *sim, int profile);
/* sizeof(struct vmbd_sim), for bindings that allocate it. */
VMBD_API size_t vmbd_sim_size(void);

/* io backend answering frames from the simulator passed as arg. */
VMBD_API const struct vmbd_io_ops *vmbd_sim_io_ops(void);

/* Switch a low-level command off (answers as unknown: eax = 0xFFFFFFFF)
 * or on. VMBD_EINVAL for cmd >= VMBD_SIM_MAX_CMD. */
VMBD_API int vmbd_sim_set_command(struct vmbd_sim *sim, unsigned cmd,
				  int enabled);
/* 1 when the simulator answers cmd (it implements it and it is enabled),
 * else 0 (also for cmd >= VMBD_SIM_MAX_CMD). */
VMBD_API int vmbd_sim_command_enabled(const struct vmbd_sim *sim, unsigned cmd);

/* Virtual time. advance moves true time forward by ns (ignored when
 * ns <= 0); host and guest clocks follow (the guest by its rate, unless
 * suspended). O(1) whatever ns. */
VMBD_API void vmbd_sim_advance(struct vmbd_sim *sim, int64_t ns);
/* Advance to the true time now_ns (no-op when it is not in the future). */
VMBD_API void vmbd_sim_advance_to(struct vmbd_sim *sim, int64_t now_ns);
/* True time since vmbd_sim_init, ns. */
VMBD_API int64_t vmbd_sim_now(const struct vmbd_sim *sim);
/* Pause the VM for ns: true and host time advance, guest clock stands. */
VMBD_API void vmbd_sim_suspend(struct vmbd_sim *sim, int64_t ns);
VMBD_API int64_t vmbd_sim_host_now(const struct vmbd_sim *sim);   /* ns */
VMBD_API void vmbd_sim_host_set(struct vmbd_sim *sim, int64_t host_ns);
VMBD_API void vmbd_sim_host_step(struct vmbd_sim *sim, int64_t delta_ns);
/* Seed the jitter generator (xorshift64; seed 0 is mapped to 1). Same seed,
 * same sequence of host reads. */
VMBD_API void vmbd_sim_seed(struct vmbd_sim *sim, uint64_t seed);

/* The simulated guest clock, for clock implementations and tests. */
VMBD_API int64_t vmbd_sim_guest_now(const struct vmbd_sim *sim);  /* ns */
/* set/step change the guest clock at once; a pending slew continues. */
VMBD_API void vmbd_sim_guest_set(struct vmbd_sim *sim, int64_t guest_ns);
VMBD_API void vmbd_sim_guest_step(struct vmbd_sim *sim, int64_t delta_ns);
/* Guest clock rate is 1 + (drift + freq) / 10^9 (each clamped to
 * +-VMBD_SIM_MAX_PPB). */
VMBD_API void vmbd_sim_guest_set_drift(struct vmbd_sim *sim, int64_t ppb);
VMBD_API void vmbd_sim_guest_set_freq(struct vmbd_sim *sim, int64_t ppb);
/* adjtime(): replace the pending slew with delta_ns, applied at the slew
 * rate; returns the previous pending amount through old_ns if not NULL. */
VMBD_API void vmbd_sim_guest_slew(struct vmbd_sim *sim, int64_t delta_ns,
				  int64_t *old_ns);

#ifdef __cplusplus
}
#endif

#endif
