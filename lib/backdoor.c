/*
 * Typed low-level backdoor commands (PROTOCOL.md section 2).
 *
 * Every command is one LB call. Each reply is checked against the failure
 * conventions real hosts use, never trusted blindly:
 *  - an unknown command sets eax = 0xFFFFFFFF and leaves every other
 *    register as sent (VMware, QEMU vmport);
 *  - QEMU machine types <= 4.2 leave even eax = magic for unknown
 *    commands, so a reply identical to the request is "ignored" too
 *    (otherwise GETTIMEFULL would look successful and GETTIME would read
 *    the magic as a 2015 date);
 *  - GETTIMEFULL* succeed by leaving eax = magic (open-vm-tools
 *    TimeSyncReadHost), GETVERSION by echoing the magic in ebx.
 */
#include <vmbackdoor/backdoor.h>

#include "log.h"

#define ALL_ONES 0xFFFFFFFFu
/* ebx sentinel for commands that answer in ebx: never a valid answer and
 * never the magic (open-vm-tools VmCheck_GetVersion sends ~magic). */
#define BX_SENTINEL (~VMBD_MAGIC)
/* GETVERSION's legacy ecx high half (open-vm-tools): no valid product. */
#define GETVERSION_CX_HIGH 0xFFFF0000u
/* QEMU vmport marks a GETMEMSIZE answer in bytes with this ebx. */
#define QEMU_MEMSIZE_BYTES_MARK 0x1177u
/* GET_VCPU_INFO bit 31: reserved, set = command not implemented (Linux
 * vmware_legacy_x2apic_available, open-vm-tools BDOOR_CMD_VCPU_RESERVED). */
#define VCPU_INFO_RESERVED (1u << 31)
#define USEC_PER_SEC 1000000u

int vmbd_ctx_init(struct vmbd_ctx *ctx, const struct vmbd_io_ops *ops,
		  void *io_arg)
{
	int rc;

	if (!ctx)
		return VMBD_EINVAL;
	rc = vmbd_io_init(&ctx->io, ops, io_arg);
	if (rc != VMBD_OK)
		return rc;
	ctx->log = NULL;
	ctx->log_arg = NULL;
	return VMBD_OK;
}

void vmbd_ctx_set_log(struct vmbd_ctx *ctx, vmbd_log_fn fn, void *arg)
{
	if (!ctx)
		return;
	ctx->log = fn;
	ctx->log_arg = fn ? arg : NULL;
}

uint64_t vmbd_ctx_calls(const struct vmbd_ctx *ctx)
{
	return ctx ? ctx->io.lb_calls + ctx->io.hb_calls : 0;
}

int vmbd_call(struct vmbd_ctx *ctx, struct vmbd_frame *f)
{
	if (!ctx || !f)
		return VMBD_EINVAL;
	f->ax = VMBD_MAGIC;
	f->dx = (f->dx & 0xFFFF0000u) | VMBD_PORT_LB;
	return vmbd_io_in(&ctx->io, f);
}

/* One typed command: the request as sent is kept in *sent for the checks. */
static int command(struct vmbd_ctx *ctx, uint32_t cx, uint32_t bx,
		   struct vmbd_frame *sent, struct vmbd_frame *got)
{
	struct vmbd_frame f = {0};

	if (!ctx)
		return VMBD_EINVAL;
	f.bx = bx;
	f.cx = cx;
	f.ax = VMBD_MAGIC;
	f.dx = VMBD_PORT_LB;
	*sent = f;
	*got = f;
	return vmbd_call(ctx, got);
}

/* The host did not act on the command: everything but eax as sent, and eax
 * either untouched or the 0xFFFFFFFF "unknown command" mark. */
static int host_ignored(const struct vmbd_frame *sent,
			const struct vmbd_frame *got)
{
	return got->bx == sent->bx && got->cx == sent->cx &&
	       got->dx == sent->dx && got->si == sent->si &&
	       got->di == sent->di && got->bp == sent->bp &&
	       (got->ax == sent->ax || got->ax == ALL_ONES);
}

/* For commands whose answer is eax itself, 0xFFFFFFFF is never a value. */
static int eax_unsupported(const struct vmbd_frame *sent,
			   const struct vmbd_frame *got)
{
	return got->ax == ALL_ONES || host_ignored(sent, got);
}

int vmbd_get_version(struct vmbd_ctx *ctx, uint32_t *version,
		     uint32_t *product)
{
	struct vmbd_frame sent, got;
	int rc = command(ctx, GETVERSION_CX_HIGH | VMBD_CMD_GETVERSION,
			 BX_SENTINEL, &sent, &got);

	if (rc != VMBD_OK)
		return rc;
	if (got.ax == ALL_ONES)
		return VMBD_EUNSUPPORTED;
	if (got.bx != VMBD_MAGIC) {
		vmbd__log(ctx->log, ctx->log_arg, VMBD_LOG_DEBUG,
			  "GETVERSION: ebx 0x%08x is not the magic",
			  (unsigned)got.bx);
		return VMBD_EPROTO;
	}
	if (version)
		*version = got.ax;
	/* Old VMXs never wrote ecx: the guest's pattern means "no type". */
	if (product)
		*product = (got.cx & GETVERSION_CX_HIGH) == GETVERSION_CX_HIGH
				   ? VMBD_PRODUCT_UNSET
				   : got.cx;
	return VMBD_OK;
}

int vmbd_get_mhz(struct vmbd_ctx *ctx, uint32_t *mhz)
{
	struct vmbd_frame sent, got;
	int rc;

	if (!mhz)
		return VMBD_EINVAL;
	rc = command(ctx, VMBD_CMD_GETMHZ, BX_SENTINEL, &sent, &got);
	if (rc != VMBD_OK)
		return rc;
	if (eax_unsupported(&sent, &got))
		return VMBD_EUNSUPPORTED;
	if (got.ax == 0)
		return VMBD_EUNKNOWN;
	/* open-vm-tools (StatProcessorSpeed) takes eax as int32 and rejects
	 * <= 0: such a speed is garbage, not a 2+ THz CPU. */
	if (got.ax > 0x7FFFFFFFu)
		return VMBD_EPROTO;
	*mhz = got.ax;
	return VMBD_OK;
}

int vmbd_get_hz(struct vmbd_ctx *ctx, struct vmbd_hz *hz)
{
	struct vmbd_frame sent, got;
	uint64_t tsc;
	int rc;

	if (!hz)
		return VMBD_EINVAL;
	rc = command(ctx, VMBD_CMD_GETHZ, BX_SENTINEL, &sent, &got);
	if (rc != VMBD_OK)
		return rc;
	/* eax is the TSC's low half, so 0xFFFFFFFF alone proves nothing. */
	if (host_ignored(&sent, &got))
		return VMBD_EUNSUPPORTED;
	/* ebx = 0xFFFFFFFF: host cannot tell (QEMU under TCG; Linux
	 * vmware_platform_setup treats it so). */
	if (got.bx == ALL_ONES)
		return VMBD_EUNKNOWN;
	tsc = (uint64_t)got.bx << 32 | got.ax;
	if (tsc == 0)
		return VMBD_EUNKNOWN;
	hz->tsc_hz = tsc;
	hz->apic_hz = got.cx;
	return VMBD_OK;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int vmbd_get_uuid(struct vmbd_ctx *ctx, uint8_t uuid[16])
{
	struct vmbd_frame sent, got;
	uint8_t any = 0;
	int rc;
	int i;

	if (!uuid)
		return VMBD_EINVAL;
	rc = command(ctx, VMBD_CMD_GETUUID, BX_SENTINEL, &sent, &got);
	if (rc != VMBD_OK)
		return rc;
	/* eax is UUID data: only a reply that left everything else alone is
	 * a refusal. */
	if (host_ignored(&sent, &got))
		return VMBD_EUNSUPPORTED;
	/* The registers stored little-endian are the bytes in string order
	 * (QEMU vmport: -uuid 01234567-89ab-... gives eax = 0x67452301). */
	put_le32(uuid + 0, got.ax);
	put_le32(uuid + 4, got.bx);
	put_le32(uuid + 8, got.cx);
	put_le32(uuid + 12, got.dx);
	for (i = 0; i < 16; i++)
		any |= uuid[i];
	/* All zero: no UUID configured (QEMU without -uuid). */
	return any ? VMBD_OK : VMBD_EUNKNOWN;
}

int vmbd_uuid_format(const uint8_t uuid[16], char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (!uuid || !buf || size < 37) {
		if (buf && size > 0)
			buf[0] = '\0';
		return VMBD_EINVAL;
	}
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		buf[o++] = hex[uuid[i] >> 4];
		buf[o++] = hex[uuid[i] & 0xF];
	}
	buf[o] = '\0';
	return VMBD_OK;
}

int vmbd_get_memsize(struct vmbd_ctx *ctx, uint64_t *mib)
{
	struct vmbd_frame sent, got;
	uint64_t v;
	int rc;

	if (!mib)
		return VMBD_EINVAL;
	rc = command(ctx, VMBD_CMD_GETMEMSIZE, BX_SENTINEL, &sent, &got);
	if (rc != VMBD_OK)
		return rc;
	if (eax_unsupported(&sent, &got))
		return VMBD_EUNSUPPORTED;
	v = got.ax;
	if (got.bx == QEMU_MEMSIZE_BYTES_MARK) {
		/* QEMU returns ram_size in bytes truncated to 32 bits: exact
		 * below 4 GiB, a wrapped value above it. */
		vmbd__log(ctx->log, ctx->log_arg, VMBD_LOG_DEBUG,
			  "GETMEMSIZE: QEMU answer in bytes (%u)",
			  (unsigned)got.ax);
		v >>= 20;
	}
	if (v == 0)
		return VMBD_EUNKNOWN;
	*mib = v;
	return VMBD_OK;
}

int vmbd_get_hwversion(struct vmbd_ctx *ctx, uint32_t *hwversion)
{
	struct vmbd_frame sent, got;
	int rc;

	if (!hwversion)
		return VMBD_EINVAL;
	rc = command(ctx, VMBD_CMD_GETHWVERSION, BX_SENTINEL, &sent, &got);
	if (rc != VMBD_OK)
		return rc;
	if (eax_unsupported(&sent, &got))
		return VMBD_EUNSUPPORTED;
	if (got.ax == 0)
		return VMBD_EUNKNOWN;
	*hwversion = got.ax;
	return VMBD_OK;
}

int vmbd_get_vcpu_info(struct vmbd_ctx *ctx, uint32_t *flags)
{
	struct vmbd_frame sent, got;
	int rc;

	if (!flags)
		return VMBD_EINVAL;
	rc = command(ctx, VMBD_CMD_GET_VCPU_INFO, BX_SENTINEL, &sent, &got);
	if (rc != VMBD_OK)
		return rc;
	if (eax_unsupported(&sent, &got) || (got.ax & VCPU_INFO_RESERVED))
		return VMBD_EUNSUPPORTED;
	*flags = got.ax;
	return VMBD_OK;
}

int vmbd_stop_catchup(struct vmbd_ctx *ctx)
{
	struct vmbd_frame sent, got;
	int rc = command(ctx, VMBD_CMD_STOPCATCHUP, 0, &sent, &got);

	if (rc != VMBD_OK)
		return rc;
	/* No result registers: a host may legitimately leave all of them, so
	 * only the explicit "unknown command" mark counts as a refusal. */
	return got.ax == ALL_ONES ? VMBD_EUNSUPPORTED : VMBD_OK;
}

/* --- host time --- */

static int time_check(struct vmbd_ctx *ctx, const char *name, int64_t sec,
		      uint32_t usec)
{
	if (sec <= 0 || usec >= USEC_PER_SEC) {
		vmbd__log(ctx->log, ctx->log_arg, VMBD_LOG_WARNING,
			  "%s: invalid host time %lld s %u us", name,
			  (long long)sec, (unsigned)usec);
		return VMBD_EBADTIME;
	}
	return VMBD_OK;
}

static int time_full(struct vmbd_ctx *ctx, int with_lag,
		     struct vmbd_host_time *t)
{
	const int cmd = with_lag ? VMBD_CMD_GETTIMEFULL_WITH_LAG
				 : VMBD_CMD_GETTIMEFULL;
	struct vmbd_frame sent, got;
	int64_t sec;
	int rc;

	if (!t)
		return VMBD_EINVAL;
	rc = command(ctx, (uint32_t)cmd, 0, &sent, &got);
	if (rc != VMBD_OK)
		return rc;
	/* Success leaves eax = magic; anything else is "not supported"
	 * (open-vm-tools TimeSyncReadHost). */
	if (got.ax != VMBD_MAGIC || host_ignored(&sent, &got))
		return VMBD_EUNSUPPORTED;
	sec = (int64_t)((uint64_t)(uint32_t)got.si << 32 | got.dx);
	rc = time_check(ctx, with_lag ? "GETTIMEFULL_WITH_LAG" : "GETTIMEFULL",
			sec, got.bx);
	if (rc != VMBD_OK)
		return rc;
	t->sec = sec;
	t->usec = got.bx;
	t->max_lag_us = got.cx;
	t->interrupt_lag_us = with_lag ? (uint32_t)got.di : 0;
	t->has_interrupt_lag = with_lag;
	t->cmd = cmd;
	return VMBD_OK;
}

int vmbd_get_time_full(struct vmbd_ctx *ctx, struct vmbd_host_time *t)
{
	return time_full(ctx, 0, t);
}

int vmbd_get_time_full_with_lag(struct vmbd_ctx *ctx, struct vmbd_host_time *t)
{
	return time_full(ctx, 1, t);
}

int vmbd_get_time(struct vmbd_ctx *ctx, struct vmbd_host_time *t)
{
	struct vmbd_frame sent, got;
	int rc;

	if (!t)
		return VMBD_EINVAL;
	rc = command(ctx, VMBD_CMD_GETTIME, 0, &sent, &got);
	if (rc != VMBD_OK)
		return rc;
	/* 0xFFFFFFFF seconds is the failure mark, not 2106-02-07
	 * (open-vm-tools fixed this in 11.3.0; QEMU triggers it). */
	if (eax_unsupported(&sent, &got))
		return VMBD_EUNSUPPORTED;
	rc = time_check(ctx, "GETTIME", (int64_t)got.ax, got.bx);
	if (rc != VMBD_OK)
		return rc;
	t->sec = got.ax;
	t->usec = got.bx;
	t->max_lag_us = got.cx;
	t->interrupt_lag_us = 0;
	t->has_interrupt_lag = 0;
	t->cmd = VMBD_CMD_GETTIME;
	return VMBD_OK;
}

/* open-vm-tools' order: the newest command first; a host that does not
 * know one is asked the next. */
static const struct time_reader {
	const char *name;
	int (*read)(struct vmbd_ctx *, struct vmbd_host_time *);
} time_chain[] = {
	{"GETTIMEFULL_WITH_LAG", vmbd_get_time_full_with_lag},
	{"GETTIMEFULL", vmbd_get_time_full},
	{"GETTIME", vmbd_get_time},
};

int vmbd_read_host_time(struct vmbd_ctx *ctx, struct vmbd_host_time *t)
{
	size_t i;
	int rc = VMBD_EUNSUPPORTED;

	if (!ctx || !t)
		return VMBD_EINVAL;
	for (i = 0; i < sizeof(time_chain) / sizeof(time_chain[0]); i++) {
		rc = time_chain[i].read(ctx, t);
		/* Only "unsupported" moves on: a host that answered with a bad
		 * time must not be second-guessed by an older command. */
		if (rc != VMBD_EUNSUPPORTED)
			return rc;
		vmbd__log(ctx->log, ctx->log_arg, VMBD_LOG_DEBUG,
			  "%s not supported by this host", time_chain[i].name);
	}
	return rc;
}
