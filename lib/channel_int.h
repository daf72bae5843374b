/* Private helpers shared by the layers above the channel (rpci.c, tclo.c). */
#ifndef VMBD_CHANNEL_INT_H
#define VMBD_CHANNEL_INT_H

/* 1 when err says the channel itself failed (closed by the host, broken
 * transfer, checkpoints, no SUCCESS, protocol error) so that reopening it
 * and trying once more is worthwhile; 0 for success, caller errors, a VM
 * powering off and backend errors. */
int vmbd__channel_error_retryable(int err);

#endif
