/*
 * libvmbackdoor: the host simulator, an in-process model of a VMware VMX.
 *
 * The simulator answers backdoor frames through an io backend
 * (vmbd_sim_io_ops(), argument: the struct vmbd_sim), so the whole library,
 * tests, `vmbd-time --sim` and users' own tools run on any machine.
 *
 * Time is virtual: nothing reads the real clock. The simulator keeps the
 * true elapsed time (`now_ns`), the host clock (epoch + elapsed, steppable)
 * and a simulated guest clock with a rate error (drift), a frequency
 * correction and an adjtime-style pending slew, so time-sync code can be run
 * through days in milliseconds.
 *
 * The struct is large (message buffers); allocate it statically or on the
 * heap, then call vmbd_sim_init(). Single-threaded like every object.
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
	int memsize_in_bytes;      /* QEMU quirk: answer bytes, ebx = 0x1177 */
	uint32_t vcpu_info;        /* GET_VCPU_INFO eax */
	uint32_t disabled[VMBD_SIM_MAX_CMD / 32]; /* bit set = unknown command */
	int lb_only;               /* no HB port (hb_* answer like QEMU: nothing) */

	/* --- clocks (nanoseconds) --- */
	int64_t now_ns;            /* true time since vmbd_sim_init */
	int64_t host_epoch_ns;     /* host clock at now_ns == 0, Unix epoch */
	int64_t host_offset_ns;    /* host steps applied since */
	uint32_t max_lag_us;       /* reported max lag (default 1000000) */
	uint32_t interrupt_lag_us; /* reported interrupt lag (default 0) */
	uint32_t read_jitter_us;   /* each host read is late by [0, jitter) */
	uint64_t call_cost_ns;     /* virtual time each backdoor call takes */
	uint64_t rng;              /* xorshift state for jitter (seeded) */

	int64_t guest_ns;          /* guest clock, Unix epoch */
	int64_t guest_drift_ppb;   /* rate error of the guest oscillator */
	int64_t guest_freq_ppb;    /* frequency correction set by the guest */
	int64_t guest_slew_ns;     /* adjtime-style offset still to apply */
	int64_t guest_slew_rate_ppb; /* max rate of applying it (default 500 ppm) */
	int64_t guest_frac;        /* sub-ns remainder of rate integration */
	int suspended;             /* guest clock paused */

	/* --- accounting --- */
	uint64_t calls_total;
	uint64_t calls_lb;
	uint64_t calls_hb;
	uint64_t calls_by_cmd[VMBD_SIM_MAX_CMD];
	uint64_t stopcatchup_count;

	/* --- GuestRPC side (message channel, RPCI handlers, TCLO) --- */
	struct vmbd_sim_rpc rpc;
};

/* Defaults: VMware profile, host clock 2026-01-01T00:00:00Z, guest clock
 * equal to it, max lag 1 s, no drift, no jitter, 8 channels, HB on. */
VMBD_API void vmbd_sim_init(struct vmbd_sim *sim);
VMBD_API void vmbd_sim_set_profile(struct vmbd_sim *sim, int profile);
/* sizeof(struct vmbd_sim), for bindings that allocate it. */
VMBD_API size_t vmbd_sim_size(void);

/* io backend answering frames from the simulator passed as arg. */
VMBD_API const struct vmbd_io_ops *vmbd_sim_io_ops(void);

/* Switch a low-level command off (answers as unknown: eax = 0xFFFFFFFF)
 * or on. VMBD_EINVAL for cmd >= VMBD_SIM_MAX_CMD. */
VMBD_API int vmbd_sim_set_command(struct vmbd_sim *sim, unsigned cmd,
				  int enabled);
VMBD_API int vmbd_sim_command_enabled(const struct vmbd_sim *sim, unsigned cmd);

/* Virtual time. advance moves true time forward; host and guest clocks
 * follow (the guest by its rate, unless suspended). */
VMBD_API void vmbd_sim_advance(struct vmbd_sim *sim, int64_t ns);
/* Pause the VM for ns: true and host time advance, guest clock stands. */
VMBD_API void vmbd_sim_suspend(struct vmbd_sim *sim, int64_t ns);
VMBD_API int64_t vmbd_sim_host_now(const struct vmbd_sim *sim);   /* ns */
VMBD_API void vmbd_sim_host_set(struct vmbd_sim *sim, int64_t host_ns);
VMBD_API void vmbd_sim_host_step(struct vmbd_sim *sim, int64_t delta_ns);
VMBD_API void vmbd_sim_seed(struct vmbd_sim *sim, uint64_t seed);

/* The simulated guest clock, for clock implementations and tests. */
VMBD_API int64_t vmbd_sim_guest_now(const struct vmbd_sim *sim);  /* ns */
VMBD_API void vmbd_sim_guest_set(struct vmbd_sim *sim, int64_t guest_ns);
VMBD_API void vmbd_sim_guest_step(struct vmbd_sim *sim, int64_t delta_ns);
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
