/*
 * chrony SOCK refclock client (PROTOCOL.md section 8): one datagram per
 * sample, the struct chrony's refclock_sock.c reads.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "vt.h"

#define SOCK_MAGIC 0x534f434b /* "SOCK" */

struct sock_sample {
	struct timeval tv; /* local (guest) time of the sample */
	double offset;     /* reference - local, seconds: host - guest */
	int pulse;
	int leap;
	int _pad;
	int magic;
};

int vt_refclock_open(struct vt_refclock *rc, const char *path)
{
	struct sockaddr_un sa;

	rc->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path) || strlen(path) >= sizeof(rc->path))
		return VMBD_EINVAL;
	memcpy(rc->path, path, strlen(path) + 1);
	rc->fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	return rc->fd < 0 ? VMBD_EIO : VMBD_OK;
}

void vt_refclock_close(struct vt_refclock *rc)
{
	if (rc->fd >= 0)
		close(rc->fd);
	rc->fd = -1;
}

int vt_refclock_send(struct vt_refclock *rc, int64_t guest_ns,
		     int64_t offset_ns)
{
	struct sock_sample smp;
	struct sockaddr_un sa;
	int64_t sec = guest_ns / VT_NS_PER_SEC, nsec = guest_ns % VT_NS_PER_SEC;

	if (nsec < 0) {
		nsec += VT_NS_PER_SEC;
		sec--;
	}
	memset(&smp, 0, sizeof(smp));
	smp.tv.tv_sec = (time_t)sec;
	smp.tv.tv_usec = (suseconds_t)(nsec / 1000);
	smp.offset = (double)offset_ns / 1e9;
	smp.magic = SOCK_MAGIC;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, rc->path, strlen(rc->path) + 1);
	/* errno is left as sendto() set it: the caller says why. */
	if (sendto(rc->fd, &smp, sizeof(smp), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) != (ssize_t)sizeof(smp))
		return VMBD_EIO;
	return VMBD_OK;
}
