/*
 * Simulator core: the host personality, the LB port and its command table.
 *
 * A frame arrives exactly as the guest loaded it; the port checks magic and
 * port number, decodes the command from ecx and dispatches through
 * sim_handlers[] (command number -> handler). A handler writes only the
 * registers the real host writes. Clock arithmetic lives in sim_clock.c,
 * the GuestRPC side (MESSAGE and the HB port) in sim_rpc.c.
 */
#include <string.h>

#include <vmbackdoor/backdoor.h>
#include <vmbackdoor/sim.h>

#define NS_PER_S 1000000000LL
#define NS_PER_US 1000LL
#define ALL_ONES 0xFFFFFFFFu

typedef void (*sim_handler)(struct vmbd_sim *sim, struct vmbd_frame *f);

/* xorshift64 (Marsaglia): tiny, seedable, no global state. */
static uint64_t sim_random(struct vmbd_sim *sim)
{
	uint64_t x = sim->rng ? sim->rng : 1;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	sim->rng = x;
	return x;
}

/* One host clock read as the guest sees it: late by [0, read_jitter). */
static int64_t sim_host_read(struct vmbd_sim *sim)
{
	int64_t t = vmbd_sim_host_now(sim);

	if (sim->read_jitter_us)
		t += (int64_t)(sim_random(sim) %
			       ((uint64_t)sim->read_jitter_us * NS_PER_US));
	return t;
}

/* Split ns since the epoch into seconds and microseconds (floor). */
static void split_time(int64_t ns, int64_t *sec, uint32_t *usec)
{
	int64_t s = ns / NS_PER_S;
	int64_t rem = ns % NS_PER_S;

	if (rem < 0) {
		rem += NS_PER_S;
		s--;
	}
	*sec = s;
	*usec = (uint32_t)(rem / NS_PER_US);
}

/* GETTIME and GETTIMEFULL fold the interrupt lag into the max lag. */
static uint32_t lag_with_interrupt(const struct vmbd_sim *sim)
{
	uint64_t sum = (uint64_t)sim->max_lag_us + sim->interrupt_lag_us;

	return sum > ALL_ONES ? ALL_ONES : (uint32_t)sum;
}

static void cmd_getmhz(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	f->ax = sim->mhz;
	f->bx = VMBD_MAGIC;
}

static void cmd_getversion(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	f->ax = sim->version;
	f->bx = VMBD_MAGIC;
	f->cx = sim->product; /* the whole of ecx, the 0xFFFF habit included */
}

static void cmd_gethwversion(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	f->ax = sim->hwversion;
}

/* Register n holds UUID bytes 4n..4n+3 little-endian, so storing the four
 * registers in order on a little-endian machine gives string byte order
 * (QEMU's vmport_cmd_get_bios_uuid). */
static uint32_t uuid_word(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static void cmd_getuuid(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	f->ax = uuid_word(sim->uuid);
	f->bx = uuid_word(sim->uuid + 4);
	f->cx = uuid_word(sim->uuid + 8);
	f->dx = uuid_word(sim->uuid + 12);
}

static void cmd_getmemsize(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	if (sim->memsize_in_bytes) {
		/* QEMU returns ram_size through a uint32_t: truncated. */
		f->ax = (uint32_t)(sim->memsize_mib << 20);
		f->bx = VMBD_SIM_QEMU_MEMSIZE_MARKER;
	} else {
		f->ax = sim->memsize_mib > ALL_ONES ? ALL_ONES
						    : (uint32_t)sim->memsize_mib;
	}
}

/* Deprecated: 32-bit seconds wrap in 2106; edx = UTC offset in minutes
 * (Ken Kato's backdoor notes, Xen's VMware emulation). */
static void cmd_gettime(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	int64_t sec;
	uint32_t usec;

	split_time(sim_host_read(sim), &sec, &usec);
	f->ax = (uint32_t)sec;
	f->bx = usec;
	f->cx = lag_with_interrupt(sim);
	f->dx = (uint32_t)sim->tz_offset_min;
}

static void cmd_stopcatchup(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	(void)f;
	sim->stopcatchup_count++;
}

static void cmd_message(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	vmbd_sim_rpc_message(sim, f);
}

static void cmd_gethz(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	if (sim->tsc_hz == 0) {
		/* "Unknown": only ebx changes (QEMU without a TSC rate). */
		f->bx = ALL_ONES;
		return;
	}
	f->ax = (uint32_t)sim->tsc_hz;
	f->bx = (uint32_t)(sim->tsc_hz >> 32);
	f->cx = sim->apic_hz;
}

/* 46 and 55 succeed by leaving eax = magic. Writing a 32-bit register
 * zero-extends the 64-bit one, hence the (uint32_t) on esi/edi. */
static void answer_time_full(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	int64_t sec;
	uint32_t usec;

	split_time(sim_host_read(sim), &sec, &usec);
	f->si = (uint32_t)((uint64_t)sec >> 32);
	f->dx = (uint32_t)sec;
	f->bx = usec;
}

static void cmd_gettimefull(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	answer_time_full(sim, f);
	f->cx = lag_with_interrupt(sim);
}

static void cmd_gettimefull_with_lag(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	answer_time_full(sim, f);
	f->cx = sim->max_lag_us;
	f->di = sim->interrupt_lag_us;
}

static void cmd_get_vcpu_info(struct vmbd_sim *sim, struct vmbd_frame *f)
{
	f->ax = sim->vcpu_info;
}

static const sim_handler sim_handlers[VMBD_SIM_MAX_CMD] = {
	[VMBD_CMD_GETMHZ] = cmd_getmhz,
	[VMBD_CMD_GETVERSION] = cmd_getversion,
	[VMBD_CMD_GETHWVERSION] = cmd_gethwversion,
	[VMBD_CMD_GETUUID] = cmd_getuuid,
	[VMBD_CMD_GETMEMSIZE] = cmd_getmemsize,
	[VMBD_CMD_GETTIME] = cmd_gettime,
	[VMBD_CMD_STOPCATCHUP] = cmd_stopcatchup,
	[VMBD_CMD_MESSAGE] = cmd_message,
	[VMBD_CMD_GETHZ] = cmd_gethz,
	[VMBD_CMD_GETTIMEFULL] = cmd_gettimefull,
	[VMBD_CMD_GETTIMEFULL_WITH_LAG] = cmd_gettimefull_with_lag,
	[VMBD_CMD_GET_VCPU_INFO] = cmd_get_vcpu_info,
};

static int cmd_disabled(const struct vmbd_sim *sim, unsigned cmd)
{
	return (sim->disabled[cmd / 32] >> (cmd % 32)) & 1u;
}

static sim_handler sim_lookup(const struct vmbd_sim *sim, unsigned cmd)
{
	if (cmd >= VMBD_SIM_MAX_CMD || cmd_disabled(sim, cmd))
		return NULL;
	return sim_handlers[cmd];
}

/* A backdoor call is a VM exit: count it and let virtual time pass. The
 * host samples its clock half-way, so a guest that brackets its own clock
 * read with two host reads sees the midpoint land on its read. */
static void call_begin(struct vmbd_sim *sim, int hb)
{
	sim->calls_total++;
	if (hb)
		sim->calls_hb++;
	else
		sim->calls_lb++;
	vmbd_sim_advance(sim, (int64_t)(sim->call_cost_ns / 2));
}

static void call_end(struct vmbd_sim *sim)
{
	vmbd_sim_advance(sim, (int64_t)(sim->call_cost_ns - sim->call_cost_ns / 2));
}

static int sim_in(void *arg, struct vmbd_frame *f)
{
	struct vmbd_sim *sim = arg;
	sim_handler handler;
	unsigned cmd;

	if (!sim || !f)
		return VMBD_EINVAL;
	call_begin(sim, 0);
	if (f->ax != VMBD_MAGIC || (f->dx & 0xFFFFu) != VMBD_PORT_LB) {
		/* Nobody claims the access: the read gives all ones. */
		f->ax = ALL_ONES;
	} else {
		cmd = f->cx & (sim->cmd_low_byte ? 0xFFu : 0xFFFFu);
		if (cmd < VMBD_SIM_MAX_CMD)
			sim->calls_by_cmd[cmd]++;
		handler = sim_lookup(sim, cmd);
		if (handler)
			handler(sim, f);
		else
			f->ax = ALL_ONES;
	}
	call_end(sim);
	return VMBD_OK;
}

static int sim_hb(struct vmbd_sim *sim, struct vmbd_frame *f, int out)
{
	int rc = VMBD_OK;

	if (!sim || !f)
		return VMBD_EINVAL;
	call_begin(sim, 1);
	if (sim->lb_only)
		rc = VMBD_ENOTSUP;
	else if (f->ax != VMBD_MAGIC || (f->dx & 0xFFFFu) != VMBD_PORT_HB)
		rc = VMBD_OK; /* nothing answers; the frame stays as it was */
	else if (out)
		rc = vmbd_sim_rpc_hb_out(sim, f);
	else
		rc = vmbd_sim_rpc_hb_in(sim, f);
	call_end(sim);
	return rc;
}

static int sim_hb_out(void *arg, struct vmbd_frame *f)
{
	return sim_hb(arg, f, 1);
}

static int sim_hb_in(void *arg, struct vmbd_frame *f)
{
	return sim_hb(arg, f, 0);
}

static const struct vmbd_io_ops sim_ops = {
	.name = "sim",
	.in = sim_in,
	.hb_out = sim_hb_out,
	.hb_in = sim_hb_in,
};

const struct vmbd_io_ops *vmbd_sim_io_ops(void)
{
	return &sim_ops;
}

/* A VMware BIOS UUID starts with "VM" (0x56 0x4d). */
static const uint8_t sim_default_uuid[16] = {
	0x56, 0x4d, 0x2a, 0x5e, 0x6c, 0x3b, 0x11, 0xf0,
	0x8a, 0x01, 0x00, 0x50, 0x56, 0xa1, 0xb2, 0xc3,
};

static void personality_vmware(struct vmbd_sim *sim)
{
	sim->version = 6; /* VERSION_MAGIC, every VMware product */
	sim->product = VMBD_PRODUCT_ESX;
	sim->hwversion = 19;
	sim->mhz = 2400;
	sim->tsc_hz = 2400000000ull;
	sim->apic_hz = 1000000000u;
	memcpy(sim->uuid, sim_default_uuid, sizeof(sim->uuid));
	sim->memsize_mib = 4096;
	sim->memsize_in_bytes = 0;
	sim->vcpu_info = 1u << 3; /* legacy x2APIC ok */
	memset(sim->disabled, 0, sizeof(sim->disabled));
	sim->cmd_low_byte = 0;
	sim->lb_only = 0;
	vmbd_sim_rpc_init(&sim->rpc); /* the GuestRPC side's own defaults */
}

/* PROTOCOL.md section 5, observed on Debian's QEMU 7.2. */
static void personality_qemu(struct vmbd_sim *sim)
{
	static const unsigned answered[] = {
		VMBD_CMD_GETVERSION, VMBD_CMD_GETUUID, VMBD_CMD_GETMEMSIZE,
		VMBD_CMD_GETHZ, VMBD_CMD_GET_VCPU_INFO,
	};
	size_t i;

	sim->version = 6;      /* vmware-vmx-version default */
	sim->product = VMBD_PRODUCT_ESX; /* vmware-vmx-type default 2 */
	memset(sim->uuid, 0, sizeof(sim->uuid)); /* no -uuid */
	sim->memsize_mib = 256;
	sim->memsize_in_bytes = 1;
	sim->tsc_hz = 0;       /* TCG: GETHZ "unknown" */
	sim->vcpu_info = 0;
	memset(sim->disabled, 0xFF, sizeof(sim->disabled));
	for (i = 0; i < sizeof(answered) / sizeof(answered[0]); i++)
		sim->disabled[answered[i] / 32] &= ~(1u << (answered[i] % 32));
	sim->cmd_low_byte = 1; /* `unsigned char command = ecx` */
	sim->lb_only = 1;      /* the device claims 0x5658 only */
	vmbd_sim_rpc_init(&sim->rpc);
	sim->rpc.enabled = 0;  /* no MESSAGE channel */
}

struct sim_profile_row {
	int profile;
	void (*apply)(struct vmbd_sim *sim);
};

static const struct sim_profile_row sim_profiles[] = {
	{VMBD_SIM_PROFILE_VMWARE, personality_vmware},
	{VMBD_SIM_PROFILE_QEMU, personality_qemu},
};

int vmbd_sim_set_profile(struct vmbd_sim *sim, int profile)
{
	size_t i;

	if (!sim)
		return VMBD_EINVAL;
	for (i = 0; i < sizeof(sim_profiles) / sizeof(sim_profiles[0]); i++) {
		if (sim_profiles[i].profile == profile) {
			sim_profiles[i].apply(sim);
			return VMBD_OK;
		}
	}
	return VMBD_EINVAL;
}

void vmbd_sim_init(struct vmbd_sim *sim)
{
	if (!sim)
		return;
	memset(sim, 0, sizeof(*sim));
	personality_vmware(sim);
	sim->host_epoch_ns = VMBD_SIM_DEFAULT_EPOCH_NS;
	sim->guest_ns = VMBD_SIM_DEFAULT_EPOCH_NS;
	sim->max_lag_us = 1000000u;
	sim->guest_slew_rate_ppb = VMBD_SIM_DEFAULT_SLEW_PPB;
	vmbd_sim_seed(sim, 1);
}

size_t vmbd_sim_size(void)
{
	return sizeof(struct vmbd_sim);
}

void vmbd_sim_seed(struct vmbd_sim *sim, uint64_t seed)
{
	if (!sim)
		return;
	sim->rng = seed ? seed : 1; /* xorshift's only fixed point is 0 */
}

int vmbd_sim_set_command(struct vmbd_sim *sim, unsigned cmd, int enabled)
{
	if (!sim || cmd >= VMBD_SIM_MAX_CMD)
		return VMBD_EINVAL;
	if (enabled)
		sim->disabled[cmd / 32] &= ~(1u << (cmd % 32));
	else
		sim->disabled[cmd / 32] |= 1u << (cmd % 32);
	return VMBD_OK;
}

int vmbd_sim_command_enabled(const struct vmbd_sim *sim, unsigned cmd)
{
	if (!sim)
		return 0;
	return sim_lookup(sim, cmd) != NULL;
}
