/*
 * The host simulator driven through raw frames (vmbd_sim_io_ops()), the
 * way a guest drives a real host: every command's registers, disabled and
 * unknown commands, the QEMU profile against the values observed on QEMU
 * 7.2 (PROTOCOL.md section 5), virtual clock arithmetic, jitter
 * determinism and call accounting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vmbackdoor/backdoor.h>
#include <vmbackdoor/channel.h>
#include <vmbackdoor/sim.h>
#include <vmbackdoor/sim_rpc.h>

#define NS_PER_S 1000000000LL
#define DAY_NS (86400LL * NS_PER_S)
#define ALL_ONES 0xFFFFFFFFu

/* Sentinels in every register the guest does not need, so a test sees any
 * register the host wrote. */
static struct vmbd_frame frame_for(uint32_t ecx)
{
	struct vmbd_frame f;

	memset(&f, 0, sizeof(f));
	f.ax = VMBD_MAGIC;
	f.bx = 0xB0B0B0B0u;
	f.cx = ecx;
	f.dx = VMBD_PORT_LB;
	f.si = 0x5151515151515151ull;
	f.di = 0xD1D1D1D1D1D1D1D1ull;
	f.bp = 0xBEBEBEBEu;
	return f;
}

/* Register by register: struct padding is not part of the frame. */
static void assert_frame(const struct vmbd_frame *got,
			 const struct vmbd_frame *want)
{
	assert_int_equal(got->ax, want->ax);
	assert_int_equal(got->bx, want->bx);
	assert_int_equal(got->cx, want->cx);
	assert_int_equal(got->dx, want->dx);
	assert_int_equal(got->si, want->si);
	assert_int_equal(got->di, want->di);
	assert_int_equal(got->bp, want->bp);
}

static struct vmbd_frame call(struct vmbd_sim *sim, uint32_t ecx)
{
	struct vmbd_frame f = frame_for(ecx);

	assert_int_equal(vmbd_sim_io_ops()->in(sim, &f), VMBD_OK);
	return f;
}

/* "Unknown command" as VMware and QEMU answer it. */
static void assert_unknown(const struct vmbd_frame *got, uint32_t ecx)
{
	struct vmbd_frame want = frame_for(ecx);

	want.ax = ALL_ONES;
	assert_frame(got, &want);
}

static int sim_setup(void **state)
{
	struct vmbd_sim *sim = malloc(sizeof(*sim));

	if (!sim)
		return -1;
	vmbd_sim_init(sim);
	*state = sim;
	return 0;
}

static int sim_teardown(void **state)
{
	free(*state);
	return 0;
}

static void test_ops_table(void **state)
{
	const struct vmbd_io_ops *ops = vmbd_sim_io_ops();

	(void)state;
	assert_non_null(ops);
	assert_string_equal(ops->name, "sim");
	assert_non_null(ops->in);
	assert_non_null(ops->hb_out);
	assert_non_null(ops->hb_in);
	assert_int_equal(ops->in(NULL, NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_sim_size(), sizeof(struct vmbd_sim));
}

static void test_defaults(void **state)
{
	struct vmbd_sim *sim = *state;

	assert_int_equal(vmbd_sim_host_now(sim), VMBD_SIM_DEFAULT_EPOCH_NS);
	assert_int_equal(VMBD_SIM_DEFAULT_EPOCH_NS / NS_PER_S, 1767225600);
	assert_int_equal(vmbd_sim_guest_now(sim), VMBD_SIM_DEFAULT_EPOCH_NS);
	assert_int_equal(vmbd_sim_now(sim), 0);
	assert_int_equal(sim->max_lag_us, 1000000);
	assert_int_equal(sim->interrupt_lag_us, 0);
	assert_int_equal(sim->read_jitter_us, 0);
	assert_int_equal(sim->guest_drift_ppb, 0);
	assert_int_equal(sim->guest_slew_rate_ppb, VMBD_SIM_DEFAULT_SLEW_PPB);
	assert_int_equal(sim->lb_only, 0);
	assert_int_equal(sim->calls_total, 0);
	assert_true(vmbd_sim_command_enabled(sim, VMBD_CMD_GETTIMEFULL_WITH_LAG));
	assert_true(vmbd_sim_command_enabled(sim, VMBD_CMD_MESSAGE));
}

static void test_getversion(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f = call(sim, 0xFFFF0000u | VMBD_CMD_GETVERSION);
	struct vmbd_frame want = frame_for(0);

	want.ax = 6;
	want.bx = VMBD_MAGIC;
	want.cx = VMBD_PRODUCT_ESX; /* the host overwrites all of ecx */
	assert_frame(&f, &want);

	sim->version = 7;
	sim->product = 4;
	f = call(sim, VMBD_CMD_GETVERSION);
	assert_int_equal(f.ax, 7);
	assert_int_equal(f.cx, 4);
}

static void test_getmhz_hwversion_vcpu(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f, want;

	sim->mhz = 3101;
	f = call(sim, VMBD_CMD_GETMHZ);
	want = frame_for(VMBD_CMD_GETMHZ);
	want.ax = 3101;
	want.bx = VMBD_MAGIC;
	assert_frame(&f, &want);

	sim->hwversion = 21;
	f = call(sim, VMBD_CMD_GETHWVERSION);
	want = frame_for(VMBD_CMD_GETHWVERSION);
	want.ax = 21;
	assert_frame(&f, &want);

	sim->vcpu_info = 0x8000000Bu;
	f = call(sim, VMBD_CMD_GET_VCPU_INFO);
	want = frame_for(VMBD_CMD_GET_VCPU_INFO);
	want.ax = 0x8000000Bu;
	assert_frame(&f, &want);
}

/* -uuid 01234567-89ab-cdef-0011-223344556677 on QEMU gives these words. */
static const uint8_t test_uuid[16] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
};

static void assert_uuid_words(const struct vmbd_frame *f)
{
	assert_int_equal(f->ax, 0x67452301u);
	assert_int_equal(f->bx, 0xefcdab89u);
	assert_int_equal(f->cx, 0x33221100u);
	assert_int_equal(f->dx, 0x77665544u);
	assert_int_equal(f->si, 0x5151515151515151ull);
	assert_int_equal(f->di, 0xD1D1D1D1D1D1D1D1ull);
}

static void test_getuuid(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f;
	uint32_t regs[4];
	uint8_t bytes[16];
	int i;

	memcpy(sim->uuid, test_uuid, 16);
	f = call(sim, VMBD_CMD_GETUUID);
	assert_uuid_words(&f);

	/* The property behind the words: registers stored little-endian, in
	 * order, are the UUID in string byte order. */
	regs[0] = f.ax;
	regs[1] = f.bx;
	regs[2] = f.cx;
	regs[3] = f.dx;
	for (i = 0; i < 16; i++)
		bytes[i] = (uint8_t)(regs[i / 4] >> (8 * (i % 4)));
	assert_memory_equal(bytes, test_uuid, 16);
}

static void test_getmemsize(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f, want;

	sim->memsize_mib = 6144;
	f = call(sim, VMBD_CMD_GETMEMSIZE);
	want = frame_for(VMBD_CMD_GETMEMSIZE);
	want.ax = 6144; /* VMware: MiB, ebx untouched */
	assert_frame(&f, &want);

	sim->memsize_in_bytes = 1;
	sim->memsize_mib = 256;
	f = call(sim, VMBD_CMD_GETMEMSIZE);
	want.ax = 0x10000000u;
	want.bx = 0x1177u;
	assert_frame(&f, &want);

	/* QEMU returns ram_size through 32 bits: 4 GiB + 512 MiB wraps. */
	sim->memsize_mib = 4096 + 512;
	f = call(sim, VMBD_CMD_GETMEMSIZE);
	assert_int_equal(f.ax, 0x20000000u);
}

static void test_gettime(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f, want;
	int64_t t = 1767225600LL * NS_PER_S + 1500000999LL; /* +1.500000999 s */

	vmbd_sim_host_set(sim, t);
	sim->max_lag_us = 1000000;
	sim->interrupt_lag_us = 2500;
	sim->tz_offset_min = -300;
	f = call(sim, VMBD_CMD_GETTIME);
	want = frame_for(VMBD_CMD_GETTIME);
	want.ax = 1767225601u;
	want.bx = 500000;          /* truncated to whole microseconds */
	want.cx = 1002500;         /* max lag + interrupt lag */
	want.dx = (uint32_t)-300;
	assert_frame(&f, &want);

	/* Seconds are 32 bits: past 2106 they wrap. */
	vmbd_sim_host_set(sim, (0x100000000LL + 5) * NS_PER_S);
	f = call(sim, VMBD_CMD_GETTIME);
	assert_int_equal(f.ax, 5);
}

static void test_gettimefull(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f, want;
	int64_t sec = 0x123456789LL; /* needs esi: year ~2124 */

	vmbd_sim_host_set(sim, sec * NS_PER_S + 250000000LL);
	sim->max_lag_us = 700000;
	sim->interrupt_lag_us = 1234;
	f = call(sim, VMBD_CMD_GETTIMEFULL);
	want = frame_for(VMBD_CMD_GETTIMEFULL);
	want.ax = VMBD_MAGIC;      /* success leaves eax = magic */
	want.si = 0x1;             /* writing esi zero-extends rsi */
	want.dx = 0x23456789u;
	want.bx = 250000;
	want.cx = 700000 + 1234;
	assert_frame(&f, &want);
}

static void test_gettimefull_with_lag(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f, want;

	vmbd_sim_host_set(sim, 1800000000LL * NS_PER_S + 999999999LL);
	sim->max_lag_us = 1000000;
	sim->interrupt_lag_us = 4321;
	f = call(sim, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	want = frame_for(VMBD_CMD_GETTIMEFULL_WITH_LAG);
	want.si = 0;
	want.dx = 1800000000u;
	want.bx = 999999;
	want.cx = 1000000;         /* without the interrupt lag */
	want.di = 4321;            /* apparent - real */
	assert_frame(&f, &want);
}

static void test_stopcatchup(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f, want = frame_for(VMBD_CMD_STOPCATCHUP);

	f = call(sim, VMBD_CMD_STOPCATCHUP);
	assert_frame(&f, &want);
	f = call(sim, VMBD_CMD_STOPCATCHUP);
	assert_int_equal(sim->stopcatchup_count, 2);
	assert_int_equal(sim->calls_by_cmd[VMBD_CMD_STOPCATCHUP], 2);
}

static void test_gethz(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f, want;

	sim->tsc_hz = 0x123456789ull;
	sim->apic_hz = 66000000;
	f = call(sim, VMBD_CMD_GETHZ);
	want = frame_for(VMBD_CMD_GETHZ);
	want.ax = 0x23456789u;
	want.bx = 0x1;
	want.cx = 66000000;
	assert_frame(&f, &want);

	sim->tsc_hz = 0;
	f = call(sim, VMBD_CMD_GETHZ);
	want = frame_for(VMBD_CMD_GETHZ);
	want.bx = ALL_ONES; /* unknown; eax stays magic */
	assert_frame(&f, &want);
}

static void test_message_without_channel(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f;

	/* A host whose GuestRPC side is off answers MESSAGE as unknown. */
	sim->rpc.enabled = 0;
	f = call(sim, VMBD_CMD_MESSAGE);
	assert_unknown(&f, VMBD_CMD_MESSAGE);
}

static const unsigned implemented[] = {
	VMBD_CMD_GETMHZ, VMBD_CMD_GETVERSION, VMBD_CMD_GETHWVERSION,
	VMBD_CMD_GETUUID, VMBD_CMD_GETMEMSIZE, VMBD_CMD_GETTIME,
	VMBD_CMD_STOPCATCHUP, VMBD_CMD_MESSAGE, VMBD_CMD_GETHZ,
	VMBD_CMD_GETTIMEFULL, VMBD_CMD_GETTIMEFULL_WITH_LAG,
	VMBD_CMD_GET_VCPU_INFO,
};
#define N_IMPLEMENTED (sizeof(implemented) / sizeof(implemented[0]))

static void test_disabled_commands(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f;
	size_t i;

	for (i = 0; i < N_IMPLEMENTED; i++) {
		unsigned cmd = implemented[i];

		assert_true(vmbd_sim_command_enabled(sim, cmd));
		assert_int_equal(vmbd_sim_set_command(sim, cmd, 0), VMBD_OK);
		assert_false(vmbd_sim_command_enabled(sim, cmd));
		f = call(sim, cmd);
		assert_unknown(&f, cmd);
	}
	assert_int_equal(sim->stopcatchup_count, 0);

	/* Switching one back on restores exactly that one. */
	assert_int_equal(vmbd_sim_set_command(sim, VMBD_CMD_GETVERSION, 1),
			 VMBD_OK);
	f = call(sim, VMBD_CMD_GETVERSION);
	assert_int_equal(f.bx, VMBD_MAGIC);
	f = call(sim, VMBD_CMD_GETTIMEFULL);
	assert_unknown(&f, VMBD_CMD_GETTIMEFULL);

	assert_int_equal(vmbd_sim_set_command(sim, VMBD_SIM_MAX_CMD, 0),
			 VMBD_EINVAL);
	assert_int_equal(vmbd_sim_set_command(NULL, 1, 0), VMBD_EINVAL);
	assert_false(vmbd_sim_command_enabled(sim, VMBD_SIM_MAX_CMD));
	assert_false(vmbd_sim_command_enabled(NULL, VMBD_CMD_GETVERSION));
}

static void test_unknown_commands(void **state)
{
	struct vmbd_sim *sim = *state;
	static const uint32_t unknown[] = {0, 2, 13, 39, 99, 127, 128, 0xFFFF,
					   0x010A /* VMware decodes 16 bits */};
	struct vmbd_frame f;
	size_t i;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		f = call(sim, unknown[i]);
		assert_unknown(&f, unknown[i]);
		/* Enabling a command the host does not implement changes
		 * nothing. */
		if (unknown[i] < VMBD_SIM_MAX_CMD) {
			assert_int_equal(vmbd_sim_set_command(sim, unknown[i], 1),
					 VMBD_OK);
			assert_false(vmbd_sim_command_enabled(sim, unknown[i]));
		}
	}
}

static void test_wrong_magic_and_port(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f, want;

	f = frame_for(VMBD_CMD_GETVERSION);
	f.ax = 0x564D5869u;
	want = f;
	want.ax = ALL_ONES; /* unclaimed read; everything else as loaded */
	assert_int_equal(vmbd_sim_io_ops()->in(sim, &f), VMBD_OK);
	assert_frame(&f, &want);

	f = frame_for(VMBD_CMD_GETVERSION);
	f.dx = VMBD_PORT_HB;
	want = f;
	want.ax = ALL_ONES;
	assert_int_equal(vmbd_sim_io_ops()->in(sim, &f), VMBD_OK);
	assert_frame(&f, &want);

	/* The channel id in dx's high half does not matter for LB. */
	f = frame_for(VMBD_CMD_GETVERSION);
	f.dx = VMBD_PORT_LB | 0x00030000u;
	assert_int_equal(vmbd_sim_io_ops()->in(sim, &f), VMBD_OK);
	assert_int_equal(f.bx, VMBD_MAGIC);

	/* Each is still a VM exit, but only the last reached a command. */
	assert_int_equal(sim->calls_total, 3);
	assert_int_equal(sim->calls_lb, 3);
	assert_int_equal(sim->calls_by_cmd[VMBD_CMD_GETVERSION], 1);
}

static void test_hb_port(void **state)
{
	struct vmbd_sim *sim = *state;
	const struct vmbd_io_ops *ops = vmbd_sim_io_ops();
	struct vmbd_frame f = frame_for(0), want;

	/* Wrong magic on the HB port: nobody answers. */
	f.dx = VMBD_PORT_HB;
	f.ax = 0;
	want = f;
	assert_int_equal(ops->hb_out(sim, &f), VMBD_OK);
	assert_frame(&f, &want);
	assert_int_equal(ops->hb_in(sim, &f), VMBD_OK);
	assert_frame(&f, &want);

	/* A host without the HB port. */
	sim->lb_only = 1;
	f = frame_for(0);
	f.dx = VMBD_PORT_HB;
	want = f;
	assert_int_equal(ops->hb_out(sim, &f), VMBD_ENOTSUP);
	assert_frame(&f, &want);
	assert_int_equal(ops->hb_in(sim, &f), VMBD_ENOTSUP);
	assert_frame(&f, &want);

	assert_int_equal(sim->calls_hb, 4);
	assert_int_equal(sim->calls_lb, 0);
	assert_int_equal(sim->calls_total, 4);
	assert_int_equal(ops->hb_in(NULL, &f), VMBD_EINVAL);
}

/* One MESSAGE step through the GuestRPC model's own entry point. */
static uint32_t rpc_step(struct vmbd_sim *sim, unsigned type, uint32_t bx,
			 uint16_t id, uint32_t ck_hi, uint32_t ck_lo,
			 struct vmbd_frame *f)
{
	*f = frame_for((uint32_t)type << 16 | VMBD_CMD_MESSAGE);
	f->bx = bx;
	f->dx = VMBD_PORT_LB | (uint32_t)id << 16;
	f->si = ck_hi;
	f->di = ck_lo;
	vmbd_sim_rpc_message(sim, f);
	return f->cx >> 16;
}

/* The GuestRPC model's entry points (sim_rpc.h), called directly as an
 * alternative simulator core would: an RPCI round trip with the payload
 * over HB, and what each refuses. */
static void test_rpc_entry_points(void **state)
{
	struct vmbd_sim *sim = *state;
	static const char req[] = "info-set guestinfo.direct 42";
	char reply[8] = {0};
	struct vmbd_frame f, g;
	uint32_t ck_hi, ck_lo, len;
	uint16_t id;
	uint64_t steps;

	assert_int_equal(rpc_step(sim, VMBD_MSG_OPEN,
				  VMBD_PROTO_RPCI | VMBD_MSG_FLAG_COOKIE, 0, 0,
				  0, &f) & VMBD_MSG_SUCCESS, VMBD_MSG_SUCCESS);
	id = (uint16_t)(f.dx >> 16);
	ck_hi = (uint32_t)f.si;
	ck_lo = (uint32_t)f.di;
	assert_int_equal(vmbd_sim_rpc_open_channels(sim), 1);

	/* SENDSIZE says HB; the payload goes in one rep outsb. */
	assert_int_equal(rpc_step(sim, VMBD_MSG_SENDSIZE, sizeof(req) - 1, id,
				  ck_hi, ck_lo, &f),
			 VMBD_MSG_SUCCESS | VMBD_MSG_HB);
	f = frame_for(sizeof(req) - 1);
	f.bx = VMBD_HBCMD_MESSAGE | (uint32_t)VMBD_MSG_SUCCESS << 16;
	f.dx = VMBD_PORT_HB | (uint32_t)id << 16;
	f.si = (uint64_t)(uintptr_t)req;
	f.di = ck_lo;
	f.bp = ck_hi;
	assert_int_equal(vmbd_sim_rpc_hb_out(sim, &f), VMBD_OK);
	assert_int_equal(f.bx >> 16, VMBD_MSG_SUCCESS);
	assert_int_equal(f.cx, 0);

	/* The reply "1 " waits; RECVSIZE gives its length, HB brings it. */
	assert_int_equal(rpc_step(sim, VMBD_MSG_RECVSIZE, 0, id, ck_hi, ck_lo,
				  &f),
			 VMBD_MSG_SUCCESS | VMBD_MSG_DORECV | VMBD_MSG_HB);
	len = f.bx;
	assert_int_equal(len, 2);
	f = frame_for(len);
	f.bx = VMBD_HBCMD_MESSAGE | (uint32_t)VMBD_MSG_SUCCESS << 16;
	f.dx = VMBD_PORT_HB | (uint32_t)id << 16;
	f.si = ck_hi;
	f.di = (uint64_t)(uintptr_t)reply;
	f.bp = ck_lo;
	assert_int_equal(vmbd_sim_rpc_hb_in(sim, &f), VMBD_OK);
	assert_int_equal(f.bx >> 16, VMBD_MSG_SUCCESS);
	assert_memory_equal(reply, "1 ", 3);
	assert_int_equal(rpc_step(sim, VMBD_MSG_RECVSTATUS, VMBD_MSG_SUCCESS,
				  id, ck_hi, ck_lo, &f) & VMBD_MSG_SUCCESS,
			 VMBD_MSG_SUCCESS);

	/* A wrong cookie is refused, the channel stays the host's. */
	assert_int_equal(rpc_step(sim, VMBD_MSG_CLOSE, 0, id, ck_hi, ~ck_lo,
				  &f) & VMBD_MSG_SUCCESS, 0);
	assert_int_equal(vmbd_sim_rpc_open_channels(sim), 1);
	/* An HB frame that is not a MESSAGE transfer: status 0, no copy. */
	steps = sim->rpc.steps;
	g = frame_for(2);
	g.bx = 7;
	g.dx = VMBD_PORT_HB | (uint32_t)id << 16;
	g.di = (uint64_t)(uintptr_t)reply;
	assert_int_equal(vmbd_sim_rpc_hb_in(sim, &g), VMBD_OK);
	assert_int_equal(g.bx >> 16, 0);
	assert_int_equal(g.cx, 2);
	assert_int_equal(sim->rpc.steps, steps);
	assert_int_equal(rpc_step(sim, VMBD_MSG_CLOSE, 0, id, ck_hi, ck_lo,
				  &f) & VMBD_MSG_SUCCESS, VMBD_MSG_SUCCESS);
	assert_int_equal(vmbd_sim_rpc_open_channels(sim), 0);

	/* NULL is refused; a disabled model answers "unknown command". */
	assert_int_equal(vmbd_sim_rpc_hb_out(NULL, &f), VMBD_EINVAL);
	assert_int_equal(vmbd_sim_rpc_hb_in(sim, NULL), VMBD_EINVAL);
	vmbd_sim_rpc_message(NULL, &f);
	vmbd_sim_rpc_message(sim, NULL);
	sim->rpc.enabled = 0;
	rpc_step(sim, VMBD_MSG_OPEN, VMBD_PROTO_RPCI, 0, 0, 0, &f);
	assert_int_equal(f.ax, ALL_ONES);
}

/* PROTOCOL.md section 5: Debian's QEMU 7.2, -machine pc,vmport=on, TCG. */
static void test_qemu_profile(void **state)
{
	struct vmbd_sim *sim = *state;
	static const unsigned answered[] = {10, 19, 20, 45, 68};
	static const uint32_t refused[] = {
		VMBD_CMD_GETMHZ, VMBD_CMD_GETHWVERSION, VMBD_CMD_GETTIME,
		VMBD_CMD_STOPCATCHUP, VMBD_CMD_MESSAGE,
		VMBD_CMD_GETTIMEFULL, VMBD_CMD_GETTIMEFULL_WITH_LAG, 99};
	struct vmbd_frame f, want;
	unsigned cmd;
	size_t i, j;

	assert_int_equal(vmbd_sim_set_profile(sim, VMBD_SIM_PROFILE_QEMU),
			 VMBD_OK);
	for (cmd = 0; cmd < VMBD_SIM_MAX_CMD; cmd++) {
		int want_on = 0;

		for (j = 0; j < sizeof(answered) / sizeof(answered[0]); j++)
			want_on |= cmd == answered[j];
		assert_int_equal(vmbd_sim_command_enabled(sim, cmd), want_on);
	}

	f = call(sim, VMBD_CMD_GETVERSION);
	assert_int_equal(f.ax, 6);
	assert_int_equal(f.bx, VMBD_MAGIC);
	assert_int_equal(f.cx, 2);

	f = call(sim, VMBD_CMD_GETMEMSIZE); /* -m 256 */
	assert_int_equal(f.ax, 0x10000000u);
	assert_int_equal(f.bx, 0x1177u);

	f = call(sim, VMBD_CMD_GETUUID); /* no -uuid: all zero */
	assert_int_equal(f.ax, 0);
	assert_int_equal(f.bx, 0);
	assert_int_equal(f.cx, 0);
	assert_int_equal(f.dx, 0);
	memcpy(sim->uuid, test_uuid, 16);
	f = call(sim, VMBD_CMD_GETUUID);
	assert_uuid_words(&f);

	f = call(sim, VMBD_CMD_GETHZ);
	want = frame_for(VMBD_CMD_GETHZ);
	want.bx = ALL_ONES; /* eax left = magic */
	assert_frame(&f, &want);

	f = call(sim, VMBD_CMD_GET_VCPU_INFO);
	assert_int_equal(f.ax, 0);

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		f = call(sim, refused[i]);
		assert_unknown(&f, refused[i]);
	}
	assert_int_equal(sim->stopcatchup_count, 0);

	/* QEMU decodes only ecx's low byte. */
	f = call(sim, 0xFFFF0000u | 0x0100u | VMBD_CMD_GETVERSION);
	assert_int_equal(f.ax, 6);
	assert_int_equal(f.bx, VMBD_MAGIC);

	/* No HB port, no MESSAGE. */
	f = frame_for(0);
	f.dx = VMBD_PORT_HB;
	assert_int_equal(vmbd_sim_io_ops()->hb_out(sim, &f), VMBD_ENOTSUP);
	assert_int_equal(sim->rpc.enabled, 0);

	/* And back: the VMware profile answers everything again. */
	assert_int_equal(vmbd_sim_set_profile(sim, VMBD_SIM_PROFILE_VMWARE),
			 VMBD_OK);
	for (i = 0; i < N_IMPLEMENTED; i++)
		assert_true(vmbd_sim_command_enabled(sim, implemented[i]));
	f = call(sim, VMBD_CMD_GETMEMSIZE);
	assert_int_equal(f.ax, 4096);
	assert_int_equal(f.bx, 0xB0B0B0B0u);
	f = call(sim, 0x0100u | VMBD_CMD_GETVERSION);
	assert_unknown(&f, 0x0100u | VMBD_CMD_GETVERSION);
}

static void test_bad_profile(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_sim *copy = malloc(sizeof(*copy));

	assert_non_null(copy);
	memcpy(copy, sim, sizeof(*sim));
	assert_int_equal(vmbd_sim_set_profile(sim, 42), VMBD_EINVAL);
	assert_int_equal(vmbd_sim_set_profile(sim, -1), VMBD_EINVAL);
	assert_memory_equal(copy, sim, sizeof(*sim));
	assert_int_equal(vmbd_sim_set_profile(NULL, 0), VMBD_EINVAL);
	free(copy);
}

/* ---- clocks ---- */

static void test_drift_day_exact(void **state)
{
	struct vmbd_sim *sim = *state;
	static const int64_t drifts[] = {37, -12345, 1, -1, 999999, 0};
	static const int64_t steps[] = {DAY_NS, 7777777, 999999937};
	size_t d, s;

	for (d = 0; d < sizeof(drifts) / sizeof(drifts[0]); d++) {
		/* floor(86400e9 * ppb / 1e9) = 86400 * ppb exactly. */
		int64_t want = VMBD_SIM_DEFAULT_EPOCH_NS + DAY_NS +
			       86400 * drifts[d];

		for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			int64_t left = DAY_NS;

			vmbd_sim_init(sim);
			vmbd_sim_guest_set_drift(sim, drifts[d]);
			while (left > 0) {
				int64_t dt = left < steps[s] ? left : steps[s];

				vmbd_sim_advance(sim, dt);
				left -= dt;
			}
			assert_int_equal(vmbd_sim_now(sim), DAY_NS);
			assert_int_equal(vmbd_sim_host_now(sim),
					 VMBD_SIM_DEFAULT_EPOCH_NS + DAY_NS);
			assert_int_equal(vmbd_sim_guest_now(sim), want);
		}
	}
}

static void test_rate_remainder_carry(void **state)
{
	struct vmbd_sim *sim = *state;
	int i;

	/* 1 ppb in 999 ns steps: each step is worth 0.000999 ns; the guest
	 * gains its first extra nanosecond exactly when 10^9 ns have passed. */
	vmbd_sim_guest_set_drift(sim, 1);
	for (i = 0; i < 1001001; i++)
		vmbd_sim_advance(sim, 999);
	/* 1001001 * 999 = 999999999 ns: one short of a whole extra ns. */
	assert_int_equal(vmbd_sim_guest_now(sim) - VMBD_SIM_DEFAULT_EPOCH_NS,
			 999999999);
	vmbd_sim_advance(sim, 1);
	assert_int_equal(vmbd_sim_guest_now(sim) - VMBD_SIM_DEFAULT_EPOCH_NS,
			 1000000001);

	/* drift and freq add; opposite values cancel exactly. */
	vmbd_sim_init(sim);
	vmbd_sim_guest_set_drift(sim, 100000);
	vmbd_sim_guest_set_freq(sim, -100000);
	vmbd_sim_advance(sim, DAY_NS);
	assert_int_equal(vmbd_sim_guest_now(sim), vmbd_sim_host_now(sim));

	vmbd_sim_guest_set_freq(sim, 250);
	vmbd_sim_advance(sim, DAY_NS);
	assert_int_equal(vmbd_sim_guest_now(sim) - vmbd_sim_host_now(sim),
			 86400LL * (100000 + 250));
}

static void test_rate_limits(void **state)
{
	struct vmbd_sim *sim = *state;
	int64_t century = 100LL * 365 * DAY_NS;

	/* Setters clamp; at -100 % the guest clock stands still. */
	vmbd_sim_guest_set_drift(sim, -5 * VMBD_SIM_MAX_PPB);
	assert_int_equal(sim->guest_drift_ppb, -VMBD_SIM_MAX_PPB);
	vmbd_sim_advance(sim, century);
	assert_int_equal(vmbd_sim_guest_now(sim), VMBD_SIM_DEFAULT_EPOCH_NS);

	/* A century in one O(1) step at +100 % without overflow. */
	vmbd_sim_init(sim);
	vmbd_sim_guest_set_drift(sim, VMBD_SIM_MAX_PPB);
	vmbd_sim_advance(sim, century);
	assert_int_equal(vmbd_sim_guest_now(sim),
			 VMBD_SIM_DEFAULT_EPOCH_NS + 2 * century);

	/* The sum is clamped too, even when set through the fields. */
	vmbd_sim_init(sim);
	sim->guest_drift_ppb = VMBD_SIM_MAX_PPB;
	sim->guest_freq_ppb = VMBD_SIM_MAX_PPB;
	vmbd_sim_advance(sim, NS_PER_S);
	assert_int_equal(vmbd_sim_guest_now(sim),
			 VMBD_SIM_DEFAULT_EPOCH_NS + 2 * NS_PER_S);
}

static void test_slew(void **state)
{
	struct vmbd_sim *sim = *state;
	int64_t old = 7;
	int i;

	/* +1 s at 500 ppm: half done after 1000 s, all done after 2000 s,
	 * never more. */
	vmbd_sim_guest_slew(sim, NS_PER_S, &old);
	assert_int_equal(old, 0);
	vmbd_sim_advance(sim, 1000 * NS_PER_S);
	assert_int_equal(vmbd_sim_guest_now(sim) - vmbd_sim_host_now(sim),
			 NS_PER_S / 2);
	assert_int_equal(sim->guest_slew_ns, NS_PER_S / 2);
	vmbd_sim_advance(sim, 1000 * NS_PER_S);
	assert_int_equal(sim->guest_slew_ns, 0);
	vmbd_sim_advance(sim, DAY_NS);
	assert_int_equal(vmbd_sim_guest_now(sim) - vmbd_sim_host_now(sim),
			 NS_PER_S);

	/* Negative, finishing inside one long advance. */
	vmbd_sim_init(sim);
	vmbd_sim_guest_slew(sim, -3000000, NULL);
	vmbd_sim_advance(sim, DAY_NS);
	assert_int_equal(vmbd_sim_guest_now(sim) - vmbd_sim_host_now(sim),
			 -3000000);

	/* Tiny steps still slew at the full rate: 1 us steps are worth half
	 * a nanosecond each; 2 s of them apply exactly 1 ms. */
	vmbd_sim_init(sim);
	vmbd_sim_guest_slew(sim, 5000000, NULL);
	for (i = 0; i < 2000000; i++)
		vmbd_sim_advance(sim, 1000);
	assert_int_equal(vmbd_sim_guest_now(sim) - vmbd_sim_host_now(sim),
			 1000000);
	assert_int_equal(sim->guest_slew_ns, 5000000 - 1000000);

	/* adjtime replaces the pending amount and reports the old one. */
	vmbd_sim_guest_slew(sim, -20, &old);
	assert_int_equal(old, 5000000 - 1000000);
	vmbd_sim_guest_slew(sim, 0, &old);
	assert_int_equal(old, -20);
	vmbd_sim_advance(sim, NS_PER_S);
	assert_int_equal(vmbd_sim_guest_now(sim) - vmbd_sim_host_now(sim),
			 1000000);

	/* Slew adds to the drift. */
	vmbd_sim_init(sim);
	vmbd_sim_guest_set_drift(sim, 1000);
	vmbd_sim_guest_slew(sim, NS_PER_S, NULL);
	vmbd_sim_advance(sim, 100 * NS_PER_S);
	assert_int_equal(vmbd_sim_guest_now(sim) - vmbd_sim_host_now(sim),
			 100 * 1000 + 100 * 500000);
}

static void test_suspend(void **state)
{
	struct vmbd_sim *sim = *state;
	int64_t g0 = vmbd_sim_guest_now(sim);

	vmbd_sim_guest_set_drift(sim, 5000);
	vmbd_sim_suspend(sim, 3600 * NS_PER_S);
	assert_int_equal(vmbd_sim_now(sim), 3600 * NS_PER_S);
	assert_int_equal(vmbd_sim_host_now(sim),
			 VMBD_SIM_DEFAULT_EPOCH_NS + 3600 * NS_PER_S);
	assert_int_equal(vmbd_sim_guest_now(sim), g0);

	/* After resume the guest runs again, an hour behind. */
	vmbd_sim_advance(sim, NS_PER_S);
	assert_int_equal(vmbd_sim_guest_now(sim), g0 + NS_PER_S + 5000);

	/* The suspended flag pauses the guest across plain advances. */
	sim->suspended = 1;
	vmbd_sim_advance(sim, 60 * NS_PER_S);
	assert_int_equal(vmbd_sim_guest_now(sim), g0 + NS_PER_S + 5000);
	sim->suspended = 0;

	vmbd_sim_suspend(sim, -5);
	vmbd_sim_suspend(sim, 0);
	assert_int_equal(vmbd_sim_now(sim), 3661 * NS_PER_S);
}

static void test_steps_and_sets(void **state)
{
	struct vmbd_sim *sim = *state;

	vmbd_sim_host_step(sim, -7 * NS_PER_S);
	assert_int_equal(vmbd_sim_host_now(sim),
			 VMBD_SIM_DEFAULT_EPOCH_NS - 7 * NS_PER_S);
	vmbd_sim_advance(sim, 10);
	assert_int_equal(vmbd_sim_host_now(sim),
			 VMBD_SIM_DEFAULT_EPOCH_NS - 7 * NS_PER_S + 10);
	vmbd_sim_host_set(sim, 42 * NS_PER_S);
	assert_int_equal(vmbd_sim_host_now(sim), 42 * NS_PER_S);
	vmbd_sim_advance(sim, 5);
	assert_int_equal(vmbd_sim_host_now(sim), 42 * NS_PER_S + 5);

	vmbd_sim_guest_set(sim, 1000);
	assert_int_equal(vmbd_sim_guest_now(sim), 1000);
	vmbd_sim_guest_step(sim, -400);
	assert_int_equal(vmbd_sim_guest_now(sim), 600);
	vmbd_sim_advance(sim, 1);
	assert_int_equal(vmbd_sim_guest_now(sim), 601);

	/* Zero and negative advances do nothing; advance_to is absolute. */
	vmbd_sim_advance(sim, 0);
	vmbd_sim_advance(sim, -100);
	assert_int_equal(vmbd_sim_now(sim), 16);
	vmbd_sim_advance_to(sim, 10);
	assert_int_equal(vmbd_sim_now(sim), 16);
	vmbd_sim_advance_to(sim, 3 * DAY_NS);
	assert_int_equal(vmbd_sim_now(sim), 3 * DAY_NS);
	assert_int_equal(vmbd_sim_guest_now(sim), 601 + 3 * DAY_NS - 16);
}

/* Host seconds+usec of a GETTIMEFULL answer, in ns. */
static int64_t full_ns(const struct vmbd_frame *f)
{
	int64_t sec = (int64_t)((uint64_t)(uint32_t)f->si << 32 | f->dx);

	return sec * NS_PER_S + (int64_t)f->bx * 1000;
}

static void test_jitter_determinism(void **state)
{
	struct vmbd_sim *a = *state;
	struct vmbd_sim *b = malloc(sizeof(*b));
	int64_t seen_min = INT64_MAX, seen_max = 0;
	int differs = 0, i;

	assert_non_null(b);
	vmbd_sim_init(b);
	a->read_jitter_us = b->read_jitter_us = 2000;
	vmbd_sim_seed(a, 42);
	vmbd_sim_seed(b, 42);
	for (i = 0; i < 1000; i++) {
		struct vmbd_frame fa = call(a, VMBD_CMD_GETTIMEFULL);
		struct vmbd_frame fb = call(b, VMBD_CMD_GETTIMEFULL);
		int64_t late = full_ns(&fa) - vmbd_sim_host_now(a);

		assert_frame(&fa, &fb);
		/* Late by [0, 2 ms), measured in whole microseconds. */
		assert_true(late >= 0 && late < 2000000);
		seen_min = late < seen_min ? late : seen_min;
		seen_max = late > seen_max ? late : seen_max;
		vmbd_sim_advance(a, 1000003);
		vmbd_sim_advance(b, 1000003);
	}
	/* The spread is really used, not a constant. */
	assert_true(seen_min < 200000);
	assert_true(seen_max > 1800000);

	/* Another seed, another sequence. */
	vmbd_sim_seed(b, 43);
	vmbd_sim_seed(a, 42);
	for (i = 0; i < 16; i++) {
		struct vmbd_frame fa = call(a, VMBD_CMD_GETTIME);
		struct vmbd_frame fb = call(b, VMBD_CMD_GETTIME);

		differs |= fa.bx != fb.bx;
	}
	assert_true(differs);

	/* Seed 0 is usable (xorshift would stick at 0). */
	vmbd_sim_seed(a, 0);
	assert_int_not_equal(a->rng, 0);
	free(b);
}

static void test_call_accounting_and_cost(void **state)
{
	struct vmbd_sim *sim = *state;
	struct vmbd_frame f;
	int i;

	for (i = 0; i < 5; i++)
		call(sim, VMBD_CMD_GETTIMEFULL);
	call(sim, VMBD_CMD_GETVERSION);
	call(sim, 99);
	f = frame_for(0);
	f.dx = VMBD_PORT_HB;
	vmbd_sim_io_ops()->hb_in(sim, &f);
	assert_int_equal(sim->calls_total, 8);
	assert_int_equal(sim->calls_lb, 7);
	assert_int_equal(sim->calls_hb, 1);
	assert_int_equal(sim->calls_by_cmd[VMBD_CMD_GETTIMEFULL], 5);
	assert_int_equal(sim->calls_by_cmd[VMBD_CMD_GETVERSION], 1);
	assert_int_equal(sim->calls_by_cmd[99], 1);
	assert_int_equal(vmbd_sim_now(sim), 0); /* no cost by default */

	/* Each exit costs call_cost_ns; the host reads its clock half-way. */
	vmbd_sim_init(sim);
	sim->call_cost_ns = 3000001;
	f = call(sim, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	assert_int_equal(full_ns(&f), VMBD_SIM_DEFAULT_EPOCH_NS + 1500000);
	assert_int_equal(vmbd_sim_now(sim), 3000001);
	assert_int_equal(vmbd_sim_guest_now(sim),
			 VMBD_SIM_DEFAULT_EPOCH_NS + 3000001);
	f = frame_for(0);
	f.dx = VMBD_PORT_HB;
	sim->lb_only = 1;
	vmbd_sim_io_ops()->hb_out(sim, &f);
	assert_int_equal(vmbd_sim_now(sim), 2 * 3000001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, sim_setup, sim_teardown)
		T(test_ops_table),
		T(test_rpc_entry_points),
		T(test_defaults),
		T(test_getversion),
		T(test_getmhz_hwversion_vcpu),
		T(test_getuuid),
		T(test_getmemsize),
		T(test_gettime),
		T(test_gettimefull),
		T(test_gettimefull_with_lag),
		T(test_stopcatchup),
		T(test_gethz),
		T(test_message_without_channel),
		T(test_disabled_commands),
		T(test_unknown_commands),
		T(test_wrong_magic_and_port),
		T(test_hb_port),
		T(test_qemu_profile),
		T(test_bad_profile),
		T(test_drift_day_exact),
		T(test_rate_remainder_carry),
		T(test_rate_limits),
		T(test_slew),
		T(test_suspend),
		T(test_steps_and_sets),
		T(test_jitter_determinism),
		T(test_call_accounting_and_cost),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
