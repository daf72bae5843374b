/* Port access for the x86 port backend, asked for as narrowly as the OS
 * allows: Linux ioperm() on the two backdoor ports only, never iopl(). */
#include <vmbackdoor/io.h>

#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
#include <sys/io.h>

int vmbd_io_request_access(void)
{
	/* 0x5658 (LB) and 0x5659 (HB). Refusal: EPERM without CAP_SYS_RAWIO;
	 * anything else (EINVAL, ENOMEM) is as good as a refusal to us. */
	if (ioperm(VMBD_PORT_LB, 2, 1) != 0)
		return VMBD_EPERM;
	return VMBD_OK;
}

#else

int vmbd_io_request_access(void)
{
	return VMBD_ENOTSUP;
}

#endif
