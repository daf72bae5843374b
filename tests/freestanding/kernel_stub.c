/*
 * The freestanding link proof: a "kernel" with no C library links the
 * policy engine, the time-sync decision and the channel/RPCI/TCLO layers
 * with the real backends. This file provides exactly what a kernel's own
 * runtime would (the functions cmake/freestanding_allowed.txt lists) and
 * an entry point that uses every layer, so the linker must resolve all of
 * them. tests/freestanding.cmake links it with -nostdlib -ffreestanding;
 * any other libc function the library starts to need fails that link.
 * Never run: it would execute a real backdoor instruction.
 */
#include <stddef.h>
#include <stdint.h>

#include <vmbackdoor/channel.h>
#include <vmbackdoor/policy.h>
#include <vmbackdoor/rpci.h>
#include <vmbackdoor/tclo.h>
#include <vmbackdoor/timesync.h>

/* ---- the kernel runtime (cmake/freestanding_allowed.txt) ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int bcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
void kernel_entry(void);

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

int bcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* ---- a driver using every layer (vmt(4) shape) ---- */
static const struct vmbd_io_ops *backend(void)
{
	const struct vmbd_io_ops *ops = vmbd_io_x86_port();

	return ops ? ops : vmbd_io_arm64();
}

void kernel_entry(void)
{
	static struct vmbd_ctx ctx;
	static struct vmbd_rpci rpci;
	static struct vmbd_tclo tclo;
	static struct vmbd_policy pol;
	static struct vmbd_policy_result res;
	static char cmd[1024], reply[256];
	static struct vmbd_ts_estimator est;
	struct vmbd_ts_sample s;
	struct vmbd_ts_mode m = {1, 0, 1, 50, 60};
	struct vmbd_ts_decision d;
	size_t n = 0;

	(void)vmbd_io_init(&ctx.io, backend(), NULL);
	(void)vmbd_policy_init(&pol, NULL);
	(void)vmbd_rpci_open(&rpci, &ctx, 0);
	(void)vmbd_rpci_command(&rpci, "tools.set.version 2147483647", reply,
				sizeof(reply), &n);
	(void)vmbd_tclo_open(&tclo, &ctx, 0);
	if (vmbd_tclo_poll(&tclo, NULL, 0, cmd, sizeof(cmd), &n) == 0)
		(void)vmbd_policy_feed(&pol, cmd, n, 0, &res);
	(void)vmbd_tclo_poll(&tclo, res.reply, res.reply_len, cmd, sizeof(cmd),
			     &n);
	/* The sampler needs the typed host-time read (backdoor.c), which is
	 * not part of the freestanding set; a kernel fills the sample from
	 * its own reads. The decision is pure. */
	s.host_ns = INT64_C(1700000000000000000);
	s.guest_ns = s.host_ns - 1000;
	s.max_lag_ns = 0;
	s.interrupt_lag_ns = 0;
	s.has_interrupt_lag = 0;
	s.spread_ns = 0;
	s.host_reads = 2;
	s.guest_reads = 1;
	vmbd_ts_estimator_init(&est);
	(void)vmbd_ts_decide(&s, &m, &est, &d);
	(void)vmbd_strerror(VMBD_EPROTO);
	(void)vmbd_tclo_close(&tclo);
	(void)vmbd_rpci_close(&rpci);
}

/* The ELF entry point of the proof binary. */
void _start(void);
void _start(void)
{
	kernel_entry();
	for (;;)
		;
}
