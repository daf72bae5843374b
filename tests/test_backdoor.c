/* Typed backdoor commands against a scripted mock host: the exact frames
 * sent, every success and failure convention, and the call counts. */
#include "fake_host.h"

#include <stdio.h>

#define M VMBD_MAGIC
#define ONES 0xFFFFFFFFu

static struct vmbd_frame fr(uint32_t ax, uint32_t bx, uint32_t cx,
			    uint32_t dx, uint64_t si, uint64_t di)
{
	struct vmbd_frame f = {ax, bx, cx, dx, si, di, 0};

	return f;
}

/* --- log capture --- */
struct log_rec {
	int n;
	int level;
	char last[256];
};

static void log_cb(void *arg, int level, const char *msg)
{
	struct log_rec *r = arg;

	r->n++;
	r->level = level;
	snprintf(r->last, sizeof(r->last), "%s", msg);
}

/* --- context --- */

static void test_ctx_init_and_log(void **state)
{
	struct vmbd_ctx ctx;
	struct vmbd_mock m = {0};
	struct log_rec rec = {0};

	(void)state;
	memset(&ctx, 0x5A, sizeof(ctx));
	assert_int_equal(vmbd_ctx_init(&ctx, vmbd_io_mock(), &m), VMBD_OK);
	assert_null(ctx.log);
	assert_null(ctx.log_arg);
	assert_int_equal(vmbd_ctx_calls(&ctx), 0);
	assert_int_equal(vmbd_ctx_init(NULL, vmbd_io_mock(), &m), VMBD_EINVAL);
	assert_int_equal(vmbd_ctx_init(&ctx, NULL, &m), VMBD_EINVAL);

	vmbd_ctx_set_log(&ctx, log_cb, &rec);
	assert_ptr_equal(ctx.log, log_cb);
	assert_ptr_equal(ctx.log_arg, &rec);
	vmbd_ctx_set_log(&ctx, NULL, &rec);
	assert_null(ctx.log);
	assert_null(ctx.log_arg);
	vmbd_ctx_set_log(NULL, log_cb, &rec); /* no crash */
	assert_int_equal(vmbd_ctx_calls(NULL), 0);
}

static void test_ctx_calls_counts_lb_and_hb(void **state)
{
	struct vmbd_ctx ctx;
	struct vmbd_mock m = {0};
	struct vmbd_frame f = {0};

	(void)state;
	vmbd_ctx_init(&ctx, vmbd_io_mock(), &m);
	vmbd_call(&ctx, &f);
	vmbd_io_hb_out(&ctx.io, &f);
	vmbd_io_hb_in(&ctx.io, &f);
	assert_int_equal(vmbd_ctx_calls(&ctx), 3);
	assert_int_equal(ctx.io.lb_calls, 1);
	assert_int_equal(ctx.io.hb_calls, 2);
}

static void test_call_sets_magic_and_port_keeps_channel(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_frame f = fr(0, 7, 30 | 3u << 16, 0x00020000u | 0x1234u, 9,
				 10);

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_BX, fr(0, 42, 0, 0, 0, 0));
	assert_int_equal(vmbd_call(&ctx, &f), VMBD_OK);
	assert_int_equal(h.ncalls, 1);
	assert_int_equal(h.sent[0].ax, M);
	assert_int_equal(h.sent[0].dx, 0x00020000u | VMBD_PORT_LB);
	assert_int_equal(h.sent[0].bx, 7);
	assert_int_equal(h.sent[0].cx, 30 | 3u << 16);
	assert_int_equal(h.sent[0].si, 9);
	assert_int_equal(h.sent[0].di, 10);
	assert_int_equal(f.bx, 42);
	assert_int_equal(vmbd_call(NULL, &f), VMBD_EINVAL);
	assert_int_equal(vmbd_call(&ctx, NULL), VMBD_EINVAL);
}

static void test_backend_error_is_returned(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint32_t v;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, 0, fr(0, 0, 0, 0, 0, 0));
	h.script[0].rc = VMBD_EIO;
	assert_int_equal(vmbd_get_version(&ctx, &v, NULL), VMBD_EIO);
	assert_int_equal(vmbd_ctx_calls(&ctx), 0);
}

/* --- GETVERSION --- */

static void test_get_version_ok(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint32_t version = 0, product = 0;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_AX | R_BX | R_CX, fr(6, M, VMBD_PRODUCT_ESX, 0, 0, 0));
	assert_int_equal(vmbd_get_version(&ctx, &version, &product), VMBD_OK);
	assert_int_equal(version, 6);
	assert_int_equal(product, VMBD_PRODUCT_ESX);
	assert_int_equal(h.ncalls, 1);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETVERSION);
	/* open-vm-tools' request: ebx = ~magic, ecx high half 0xFFFF */
	assert_int_equal(h.sent[0].bx, ~M);
	assert_int_equal(h.sent[0].cx, 0xFFFF0000u | VMBD_CMD_GETVERSION);
	assert_int_equal(h.sent[0].dx, VMBD_PORT_LB);
	assert_int_equal(vmbd_ctx_calls(&ctx), 1);
}

static void test_get_version_failures(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint32_t version = 77, product = 88;

	(void)state;
	fake_init(&h, &ctx);
	/* eax = 0xFFFFFFFF: unsupported even if ebx says magic */
	fake_push(&h, R_AX | R_BX, fr(ONES, M, 0, 0, 0, 0));
	/* ebx without the magic: nobody answered */
	fake_push(&h, R_AX, fr(6, 0, 0, 0, 0, 0));
	/* QEMU <= 4.2 style: nothing changed at all */
	fake_push_ignore(&h);
	assert_int_equal(vmbd_get_version(&ctx, &version, &product),
			 VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_version(&ctx, &version, &product),
			 VMBD_EPROTO);
	assert_int_equal(vmbd_get_version(&ctx, &version, &product),
			 VMBD_EPROTO);
	assert_int_equal(version, 77);
	assert_int_equal(product, 88);
	assert_int_equal(h.ncalls, 3);
	assert_int_equal(vmbd_get_version(NULL, &version, NULL), VMBD_EINVAL);
}

/* ecx is open-vm-tools' VMX_Type (vm_vmx_type.h): 4 is WORKSTATION, and
 * an ecx still holding the 0xFFFF high half the guest sent is an old VMX
 * that never set its type: VMX_TYPE_UNSET (VmCheck_GetVersion). */
static void test_get_version_product_types(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint32_t version = 0, product = 99;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_AX | R_BX | R_CX, fr(6, M, 4, 0, 0, 0));
	fake_push(&h, R_AX | R_BX | R_CX, fr(6, M, 1, 0, 0, 0));
	fake_push(&h, R_AX | R_BX | R_CX, fr(6, M, 5, 0, 0, 0));
	fake_push(&h, R_AX | R_BX, fr(4, M, 0, 0, 0, 0)); /* ecx untouched */
	assert_int_equal(vmbd_get_version(&ctx, &version, &product), VMBD_OK);
	assert_int_equal(product, VMBD_PRODUCT_WORKSTATION);
	assert_int_equal(vmbd_get_version(&ctx, &version, &product), VMBD_OK);
	assert_int_equal(product, VMBD_PRODUCT_EXPRESS);
	assert_int_equal(vmbd_get_version(&ctx, &version, &product), VMBD_OK);
	assert_int_equal(product, VMBD_PRODUCT_WORKSTATION_ENTERPRISE);
	assert_int_equal(vmbd_get_version(&ctx, &version, &product), VMBD_OK);
	assert_int_equal(version, 4);
	assert_int_equal(product, VMBD_PRODUCT_UNSET);
	assert_int_equal(h.ncalls, 4);
}

/* --- GETMHZ --- */

static void test_get_mhz(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint32_t mhz = 0;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_AX | R_BX, fr(2400, M, 0, 0, 0, 0));
	fake_push_unknown(&h);
	fake_push_ignore(&h);
	fake_push(&h, R_AX, fr(0, 0, 0, 0, 0, 0));
	fake_push(&h, R_AX, fr(0x80000000u, 0, 0, 0, 0, 0));
	assert_int_equal(vmbd_get_mhz(&ctx, &mhz), VMBD_OK);
	assert_int_equal(mhz, 2400);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETMHZ);
	mhz = 5;
	assert_int_equal(vmbd_get_mhz(&ctx, &mhz), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_mhz(&ctx, &mhz), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_mhz(&ctx, &mhz), VMBD_EUNKNOWN);
	assert_int_equal(vmbd_get_mhz(&ctx, &mhz), VMBD_EPROTO);
	assert_int_equal(mhz, 5);
	assert_int_equal(h.ncalls, 5);
	assert_int_equal(vmbd_get_mhz(&ctx, NULL), VMBD_EINVAL);
	assert_int_equal(h.ncalls, 5);
}

/* --- GETHZ --- */

static void test_get_hz(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_hz hz = {0, 0};

	(void)state;
	fake_init(&h, &ctx);
	/* 0x1_2A05F200 Hz = 5 GHz: needs both halves */
	fake_push(&h, R_AX | R_BX | R_CX,
		  fr(0x2A05F200u, 1, 1000000000u, 0, 0, 0));
	/* QEMU/TCG: eax = magic, ebx = 0xFFFFFFFF = unknown */
	fake_push(&h, R_BX, fr(0, ONES, 0, 0, 0, 0));
	fake_push_unknown(&h);
	fake_push_ignore(&h);
	fake_push(&h, R_AX | R_BX, fr(0, 0, 0, 0, 0, 0));
	/* eax 0xFFFFFFFF with ebx changed is a TSC value, not a failure */
	fake_push(&h, R_AX | R_BX | R_CX, fr(ONES, 0, 100, 0, 0, 0));
	assert_int_equal(vmbd_get_hz(&ctx, &hz), VMBD_OK);
	assert_int_equal(hz.tsc_hz, 5000000000ULL);
	assert_int_equal(hz.apic_hz, 1000000000u);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETHZ);
	assert_int_equal(vmbd_get_hz(&ctx, &hz), VMBD_EUNKNOWN);
	assert_int_equal(vmbd_get_hz(&ctx, &hz), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_hz(&ctx, &hz), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_hz(&ctx, &hz), VMBD_EUNKNOWN);
	assert_int_equal(hz.tsc_hz, 5000000000ULL);
	assert_int_equal(vmbd_get_hz(&ctx, &hz), VMBD_OK);
	assert_int_equal(hz.tsc_hz, 0xFFFFFFFFULL);
	assert_int_equal(hz.apic_hz, 100);
	assert_int_equal(h.ncalls, 6);
	assert_int_equal(vmbd_get_hz(&ctx, NULL), VMBD_EINVAL);
}

/* --- GETUUID --- */

static void test_get_uuid_qemu_vector(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint8_t uuid[16];
	char text[37];
	static const uint8_t want[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
					 0xcd, 0xef, 0x00, 0x11, 0x22, 0x33,
					 0x44, 0x55, 0x66, 0x77};

	(void)state;
	fake_init(&h, &ctx);
	/* PROTOCOL.md 5: QEMU 7.2, -uuid 01234567-89ab-cdef-0011-223344556677 */
	fake_push(&h, R_AX | R_BX | R_CX | R_DX,
		  fr(0x67452301u, 0xefcdab89u, 0x33221100u, 0x77665544u, 0, 0));
	assert_int_equal(vmbd_get_uuid(&ctx, uuid), VMBD_OK);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETUUID);
	assert_memory_equal(uuid, want, 16);
	assert_int_equal(vmbd_uuid_format(uuid, text, sizeof(text)), VMBD_OK);
	assert_string_equal(text, "01234567-89ab-cdef-0011-223344556677");
}

static void test_get_uuid_failures(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint8_t uuid[16];
	static const uint8_t zero[16] = {0};

	(void)state;
	fake_init(&h, &ctx);
	fake_push_unknown(&h);
	fake_push_ignore(&h);
	/* QEMU without -uuid: all four registers zero */
	fake_push(&h, R_AX | R_BX | R_CX | R_DX, fr(0, 0, 0, 0, 0, 0));
	/* eax = 0xFFFFFFFF is UUID data when the host wrote the others */
	fake_push(&h, R_AX | R_BX | R_CX | R_DX, fr(ONES, 1, 2, 3, 0, 0));
	assert_int_equal(vmbd_get_uuid(&ctx, uuid), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_uuid(&ctx, uuid), VMBD_EUNSUPPORTED);
	memset(uuid, 0xEE, sizeof(uuid));
	assert_int_equal(vmbd_get_uuid(&ctx, uuid), VMBD_EUNKNOWN);
	assert_memory_equal(uuid, zero, 16);
	assert_int_equal(vmbd_get_uuid(&ctx, uuid), VMBD_OK);
	assert_int_equal(uuid[0], 0xFF);
	assert_int_equal(uuid[4], 1);
	assert_int_equal(uuid[8], 2);
	assert_int_equal(uuid[12], 3);
	assert_int_equal(h.ncalls, 4);
	assert_int_equal(vmbd_get_uuid(&ctx, NULL), VMBD_EINVAL);
}

static void test_uuid_format(void **state)
{
	uint8_t u[16];
	char buf[64];
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		u[i] = (uint8_t)(0xF0 + i);
	assert_int_equal(vmbd_uuid_format(u, buf, 37), VMBD_OK);
	assert_string_equal(buf, "f0f1f2f3-f4f5-f6f7-f8f9-fafbfcfdfeff");
	assert_int_equal(strlen(buf), 36);
	strcpy(buf, "junk");
	assert_int_equal(vmbd_uuid_format(u, buf, 36), VMBD_EINVAL);
	assert_string_equal(buf, "");
	assert_int_equal(vmbd_uuid_format(u, buf, 0), VMBD_EINVAL);
	assert_int_equal(vmbd_uuid_format(NULL, buf, 37), VMBD_EINVAL);
	assert_int_equal(vmbd_uuid_format(u, NULL, 37), VMBD_EINVAL);
}

/* --- GETMEMSIZE --- */

static void test_get_memsize(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint64_t mib = 0;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_AX, fr(4096, 0, 0, 0, 0, 0));
	/* QEMU 7.2, -m 256: bytes with the 0x1177 marker */
	fake_push(&h, R_AX | R_BX, fr(0x10000000u, 0x1177u, 0, 0, 0, 0));
	fake_push_unknown(&h);
	fake_push_ignore(&h);
	fake_push(&h, R_AX, fr(0, 0, 0, 0, 0, 0));
	/* QEMU with exactly 4 GiB: the 32-bit byte count wrapped to 0 */
	fake_push(&h, R_AX | R_BX, fr(0, 0x1177u, 0, 0, 0, 0));
	assert_int_equal(vmbd_get_memsize(&ctx, &mib), VMBD_OK);
	assert_int_equal(mib, 4096);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETMEMSIZE);
	assert_int_not_equal(h.sent[0].bx, 0x1177u);
	assert_int_equal(vmbd_get_memsize(&ctx, &mib), VMBD_OK);
	assert_int_equal(mib, 256);
	assert_int_equal(vmbd_get_memsize(&ctx, &mib), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_memsize(&ctx, &mib), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_memsize(&ctx, &mib), VMBD_EUNKNOWN);
	assert_int_equal(vmbd_get_memsize(&ctx, &mib), VMBD_EUNKNOWN);
	assert_int_equal(mib, 256);
	assert_int_equal(h.ncalls, 6);
	assert_int_equal(vmbd_get_memsize(&ctx, NULL), VMBD_EINVAL);
}

/* --- GETHWVERSION, GET_VCPU_INFO, STOPCATCHUP --- */

static void test_get_hwversion(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint32_t hw = 0;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_AX, fr(19, 0, 0, 0, 0, 0));
	fake_push_unknown(&h);
	fake_push_ignore(&h);
	fake_push(&h, R_AX, fr(0, 0, 0, 0, 0, 0));
	assert_int_equal(vmbd_get_hwversion(&ctx, &hw), VMBD_OK);
	assert_int_equal(hw, 19);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETHWVERSION);
	assert_int_equal(vmbd_get_hwversion(&ctx, &hw), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_hwversion(&ctx, &hw), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_hwversion(&ctx, &hw), VMBD_EUNKNOWN);
	assert_int_equal(hw, 19);
	assert_int_equal(vmbd_get_hwversion(&ctx, NULL), VMBD_EINVAL);
}

static void test_get_vcpu_info(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	uint32_t flags = 99;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_AX, fr(1u << 3, 0, 0, 0, 0, 0));
	fake_push(&h, R_AX, fr(0, 0, 0, 0, 0, 0));  /* QEMU: eax = 0 */
	fake_push(&h, R_AX, fr(1u << 31 | 1u << 3, 0, 0, 0, 0, 0));
	fake_push_unknown(&h);
	assert_int_equal(vmbd_get_vcpu_info(&ctx, &flags), VMBD_OK);
	assert_int_equal(flags, 1u << 3);
	fake_assert_cmd(&h, 0, VMBD_CMD_GET_VCPU_INFO);
	assert_int_equal(vmbd_get_vcpu_info(&ctx, &flags), VMBD_OK);
	assert_int_equal(flags, 0);
	assert_int_equal(vmbd_get_vcpu_info(&ctx, &flags), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_vcpu_info(&ctx, &flags), VMBD_EUNSUPPORTED);
	assert_int_equal(flags, 0);
	assert_int_equal(vmbd_get_vcpu_info(&ctx, NULL), VMBD_EINVAL);
}

static void test_stop_catchup(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;

	(void)state;
	fake_init(&h, &ctx);
	fake_push_ignore(&h);  /* no result registers: still success */
	fake_push_unknown(&h);
	assert_int_equal(vmbd_stop_catchup(&ctx), VMBD_OK);
	fake_assert_cmd(&h, 0, VMBD_CMD_STOPCATCHUP);
	assert_int_equal(vmbd_stop_catchup(&ctx), VMBD_EUNSUPPORTED);
	assert_int_equal(h.ncalls, 2);
	assert_int_equal(vmbd_stop_catchup(NULL), VMBD_EINVAL);
}

/* --- time commands --- */

/* 2026-01-01T00:00:00Z = 1767225600; a >32-bit time needs esi. */
#define T2026 1767225600u

static void test_time_full_with_lag_ok(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_host_time t;

	(void)state;
	fake_init(&h, &ctx);
	/* eax left = magic; esi:edx seconds, ebx usec, ecx max lag, edi lag */
	fake_push(&h, R_BX | R_CX | R_DX | R_SI | R_DI,
		  fr(0, 123456, 1000000, T2026, 0, 2500));
	fake_push(&h, R_BX | R_CX | R_DX | R_SI | R_DI,
		  fr(0, 999999, 500, 0x00000010u, 0x1, 0));
	assert_int_equal(vmbd_get_time_full_with_lag(&ctx, &t), VMBD_OK);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	assert_int_equal(h.sent[0].cx, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	assert_int_equal(t.sec, T2026);
	assert_int_equal(t.usec, 123456);
	assert_int_equal(t.max_lag_us, 1000000);
	assert_int_equal(t.interrupt_lag_us, 2500);
	assert_int_equal(t.has_interrupt_lag, 1);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	/* seconds = esi << 32 | edx: past 2106 */
	assert_int_equal(vmbd_get_time_full_with_lag(&ctx, &t), VMBD_OK);
	assert_int_equal(t.sec, 0x100000010LL);
	assert_int_equal(t.usec, 999999);
	assert_int_equal(h.ncalls, 2);
}

static void test_time_full_ok_and_failures(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_host_time t;
	struct log_rec rec = {0};

	(void)state;
	fake_init(&h, &ctx);
	vmbd_ctx_set_log(&ctx, log_cb, &rec);
	fake_push(&h, R_BX | R_CX | R_DX | R_SI, fr(0, 7, 2000000, T2026, 0, 0));
	fake_push_unknown(&h);                                   /* eax -1 */
	fake_push(&h, R_AX | R_BX | R_DX, fr(6, 1, T2026, 0, 0, 0)); /* != M */
	fake_push_ignore(&h);             /* QEMU <= 4.2: looks like success */
	fake_push(&h, R_BX | R_CX | R_DX | R_SI, fr(0, 0, 1, 0, 0, 0)); /* 0 s */
	fake_push(&h, R_BX | R_CX | R_DX | R_SI,
		  fr(0, 1000000, 1, T2026, 0, 0));               /* usec */
	fake_push(&h, R_BX | R_CX | R_DX | R_SI,
		  fr(0, 5, 1, 0, 0x80000000u, 0));         /* negative secs */
	/* ebx = magic is just an out-of-range usec (1447909480) */
	fake_push(&h, R_BX | R_CX | R_DX | R_SI, fr(0, M, 1, T2026, 0, 0));

	assert_int_equal(vmbd_get_time_full(&ctx, &t), VMBD_OK);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETTIMEFULL);
	assert_int_equal(t.sec, T2026);
	assert_int_equal(t.usec, 7);
	assert_int_equal(t.max_lag_us, 2000000);
	assert_int_equal(t.has_interrupt_lag, 0);
	assert_int_equal(t.interrupt_lag_us, 0);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIMEFULL);
	assert_int_equal(rec.n, 0);

	assert_int_equal(vmbd_get_time_full(&ctx, &t), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_time_full(&ctx, &t), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_time_full(&ctx, &t), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_time_full(&ctx, &t), VMBD_EBADTIME);
	assert_int_equal(rec.level, VMBD_LOG_WARNING);
	assert_non_null(strstr(rec.last, "GETTIMEFULL"));
	assert_int_equal(vmbd_get_time_full(&ctx, &t), VMBD_EBADTIME);
	assert_int_equal(vmbd_get_time_full(&ctx, &t), VMBD_EBADTIME);
	assert_int_equal(vmbd_get_time_full(&ctx, &t), VMBD_EBADTIME);
	assert_int_equal(rec.n, 4);
	/* failures never touched the output */
	assert_int_equal(t.sec, T2026);
	assert_int_equal(t.usec, 7);
	assert_int_equal(h.ncalls, 8);
	assert_int_equal(vmbd_get_time_full(&ctx, NULL), VMBD_EINVAL);
	assert_int_equal(vmbd_get_time_full_with_lag(&ctx, NULL), VMBD_EINVAL);
}

static void test_gettime(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_host_time t;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_AX | R_BX | R_CX, fr(T2026, 250000, 1000000, 0, 0, 0));
	/* QEMU: 0xFFFFFFFF seconds = unsupported, not 2106-02-07 */
	fake_push_unknown(&h);
	/* 0xFFFFFFFF seconds with plausible usec is still the failure mark */
	fake_push(&h, R_AX | R_BX | R_CX, fr(ONES, 5, 5, 0, 0, 0));
	/* QEMU <= 4.2: eax = magic would read as 2015-11-19 */
	fake_push_ignore(&h);
	fake_push(&h, R_AX | R_BX, fr(0, 1, 0, 0, 0, 0));
	fake_push(&h, R_AX | R_BX, fr(T2026, 1000000, 0, 0, 0, 0));
	assert_int_equal(vmbd_get_time(&ctx, &t), VMBD_OK);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETTIME);
	assert_int_equal(t.sec, T2026);
	assert_int_equal(t.usec, 250000);
	assert_int_equal(t.max_lag_us, 1000000);
	assert_int_equal(t.has_interrupt_lag, 0);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIME);
	assert_int_equal(vmbd_get_time(&ctx, &t), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_time(&ctx, &t), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_time(&ctx, &t), VMBD_EUNSUPPORTED);
	assert_int_equal(vmbd_get_time(&ctx, &t), VMBD_EBADTIME);
	assert_int_equal(vmbd_get_time(&ctx, &t), VMBD_EBADTIME);
	assert_int_equal(t.sec, T2026);
	assert_int_equal(h.ncalls, 6);
	assert_int_equal(vmbd_get_time(&ctx, NULL), VMBD_EINVAL);
}

/* --- the chain 55 -> 46 -> 23 --- */

static void test_chain_uses_with_lag_first_one_call(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_host_time t;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_BX | R_CX | R_DX | R_SI | R_DI,
		  fr(0, 10, 1000000, T2026, 0, 40));
	assert_int_equal(vmbd_read_host_time(&ctx, &t), VMBD_OK);
	assert_int_equal(h.ncalls, 1);
	assert_int_equal(vmbd_ctx_calls(&ctx), 1);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	assert_int_equal(t.interrupt_lag_us, 40);
	assert_int_equal(t.has_interrupt_lag, 1);
}

static void test_chain_falls_back_to_full(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_host_time t;
	struct log_rec rec = {0};

	(void)state;
	fake_init(&h, &ctx);
	vmbd_ctx_set_log(&ctx, log_cb, &rec);
	fake_push_unknown(&h);
	fake_push(&h, R_BX | R_CX | R_DX | R_SI, fr(0, 11, 1500000, T2026, 0, 0));
	assert_int_equal(vmbd_read_host_time(&ctx, &t), VMBD_OK);
	assert_int_equal(h.ncalls, 2);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	fake_assert_cmd(&h, 1, VMBD_CMD_GETTIMEFULL);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIMEFULL);
	assert_int_equal(t.has_interrupt_lag, 0);
	assert_int_equal(t.max_lag_us, 1500000);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.level, VMBD_LOG_DEBUG);
}

static void test_chain_falls_back_to_gettime(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_host_time t;

	(void)state;
	fake_init(&h, &ctx);
	fake_push_unknown(&h);
	fake_push_ignore(&h);  /* unsupported, QEMU <= 4.2 style */
	fake_push(&h, R_AX | R_BX | R_CX, fr(T2026, 12, 3000000, 0, 0, 0));
	assert_int_equal(vmbd_read_host_time(&ctx, &t), VMBD_OK);
	assert_int_equal(h.ncalls, 3);
	fake_assert_cmd(&h, 0, VMBD_CMD_GETTIMEFULL_WITH_LAG);
	fake_assert_cmd(&h, 1, VMBD_CMD_GETTIMEFULL);
	fake_assert_cmd(&h, 2, VMBD_CMD_GETTIME);
	assert_int_equal(t.cmd, VMBD_CMD_GETTIME);
	assert_int_equal(t.sec, T2026);
	assert_int_equal(t.usec, 12);
}

static void test_chain_qemu_nothing_supported(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_host_time t = {0};

	(void)state;
	fake_init(&h, &ctx);
	fake_push_unknown(&h);
	fake_push_unknown(&h);
	fake_push_unknown(&h);  /* GETTIME 0xFFFFFFFF: not 2106 */
	assert_int_equal(vmbd_read_host_time(&ctx, &t), VMBD_EUNSUPPORTED);
	assert_int_equal(h.ncalls, 3);
	assert_int_equal(t.sec, 0);
}

/* A bad time from a supported command ends the chain: no further calls. */
static void test_chain_stops_on_bad_time(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_host_time t;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, R_BX | R_CX | R_DX | R_SI | R_DI, fr(0, 5, 1, 0, 0, 0));
	assert_int_equal(vmbd_read_host_time(&ctx, &t), VMBD_EBADTIME);
	assert_int_equal(h.ncalls, 1);

	fake_init(&h, &ctx);
	fake_push_unknown(&h);
	fake_push(&h, R_BX | R_CX | R_DX | R_SI, fr(0, 2000000, 1, T2026, 0, 0));
	assert_int_equal(vmbd_read_host_time(&ctx, &t), VMBD_EBADTIME);
	assert_int_equal(h.ncalls, 2);

	fake_init(&h, &ctx);
	fake_push_unknown(&h);
	fake_push_unknown(&h);
	fake_push(&h, R_AX | R_BX, fr(0, 0, 0, 0, 0, 0));
	assert_int_equal(vmbd_read_host_time(&ctx, &t), VMBD_EBADTIME);
	assert_int_equal(h.ncalls, 3);
}

static void test_chain_backend_error_stops(void **state)
{
	struct vmbd_ctx ctx;
	struct fake_host h;
	struct vmbd_host_time t;

	(void)state;
	fake_init(&h, &ctx);
	fake_push(&h, 0, fr(0, 0, 0, 0, 0, 0));
	h.script[0].rc = VMBD_EIO;
	assert_int_equal(vmbd_read_host_time(&ctx, &t), VMBD_EIO);
	assert_int_equal(h.ncalls, 1);
	assert_int_equal(vmbd_read_host_time(NULL, &t), VMBD_EINVAL);
	assert_int_equal(vmbd_read_host_time(&ctx, NULL), VMBD_EINVAL);
	assert_int_equal(h.ncalls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctx_init_and_log),
		cmocka_unit_test(test_ctx_calls_counts_lb_and_hb),
		cmocka_unit_test(test_call_sets_magic_and_port_keeps_channel),
		cmocka_unit_test(test_backend_error_is_returned),
		cmocka_unit_test(test_get_version_ok),
		cmocka_unit_test(test_get_version_failures),
		cmocka_unit_test(test_get_version_product_types),
		cmocka_unit_test(test_get_mhz),
		cmocka_unit_test(test_get_hz),
		cmocka_unit_test(test_get_uuid_qemu_vector),
		cmocka_unit_test(test_get_uuid_failures),
		cmocka_unit_test(test_uuid_format),
		cmocka_unit_test(test_get_memsize),
		cmocka_unit_test(test_get_hwversion),
		cmocka_unit_test(test_get_vcpu_info),
		cmocka_unit_test(test_stop_catchup),
		cmocka_unit_test(test_time_full_with_lag_ok),
		cmocka_unit_test(test_time_full_ok_and_failures),
		cmocka_unit_test(test_gettime),
		cmocka_unit_test(test_chain_uses_with_lag_first_one_call),
		cmocka_unit_test(test_chain_falls_back_to_full),
		cmocka_unit_test(test_chain_falls_back_to_gettime),
		cmocka_unit_test(test_chain_qemu_nothing_supported),
		cmocka_unit_test(test_chain_stops_on_bad_time),
		cmocka_unit_test(test_chain_backend_error_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
