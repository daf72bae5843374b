/* Child memory access. process_vm_readv/writev move a whole buffer in one
 * call; they honour page protections, so fall back to PTRACE_PEEK/POKE
 * (which may write read-only private pages, e.g. text for int3). */
#include "trap_int.h"

#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

static int peek_read(pid_t tid, uint64_t addr, uint8_t *buf, size_t len)
{
	while (len > 0) {
		uint64_t base = addr & ~(uint64_t)7;
		size_t skip = (size_t)(addr - base);
		size_t n = 8 - skip < len ? 8 - skip : len;
		long word;

		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, tid, (void *)base, NULL);
		if (errno)
			return -errno;
		memcpy(buf, (uint8_t *)&word + skip, n);
		buf += n;
		addr += n;
		len -= n;
	}
	return 0;
}

static int poke_write(pid_t tid, uint64_t addr, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		uint64_t base = addr & ~(uint64_t)7;
		size_t skip = (size_t)(addr - base);
		size_t n = 8 - skip < len ? 8 - skip : len;
		long word = 0;

		if (skip != 0 || n != 8) {
			errno = 0;
			word = ptrace(PTRACE_PEEKDATA, tid, (void *)base, NULL);
			if (errno)
				return -errno;
		}
		memcpy((uint8_t *)&word + skip, buf, n);
		if (ptrace(PTRACE_POKEDATA, tid, (void *)base, (void *)word) < 0)
			return -errno;
		buf += n;
		addr += n;
		len -= n;
	}
	return 0;
}

int trap_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};

	if (len == 0)
		return 0;
	if (process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)len)
		return 0;
	return peek_read(tid, addr, buf, len);
}

int trap_mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = {(void *)(uintptr_t)buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};

	if (len == 0)
		return 0;
	if (process_vm_writev(tid, &local, 1, &remote, 1, 0) == (ssize_t)len)
		return 0;
	return poke_write(tid, addr, buf, len);
}
