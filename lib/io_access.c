/* Port access for the x86 port backend, asked for as narrowly as the OS
 * allows: Linux ioperm() on the backdoor's ports only, never iopl(). */
#include <vmbackdoor/io.h>

#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
#include <errno.h>
#include <sys/io.h>

/*
 * The CPU checks the TSS I/O bitmap bit of every byte an access touches
 * (Intel SDM vol. 1, 19.5.2): the LB `inl` on 0x5658 reads 0x5658-0x565B,
 * the HB `rep insb`/`rep outsb` use 0x5659. VMware lets CPL3 through its
 * #GP intercept either way, but QEMU TCG enforces the bitmap: with only
 * 0x5658-0x5659 granted the `inl` raised SIGSEGV in tests/qemu. So the
 * narrowest grant is four ports.
 */
#define ACCESS_FIRST VMBD_PORT_LB
#define ACCESS_COUNT 4u

int vmbd_io_request_access(void)
{
	/* ENOSYS: a kernel built without CONFIG_X86_IOPL_IOPERM cannot grant
	 * it at all. Otherwise EPERM (no CAP_SYS_RAWIO) and anything else
	 * (EINVAL, ENOMEM) are a refusal. */
	if (ioperm(ACCESS_FIRST, ACCESS_COUNT, 1) != 0)
		return errno == ENOSYS ? VMBD_ENOTSUP : VMBD_EPERM;
	return VMBD_OK;
}

#else

int vmbd_io_request_access(void)
{
	return VMBD_ENOTSUP;
}

#endif
