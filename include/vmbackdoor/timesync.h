/* libvmbackdoor: timesync layer (placeholder until the layer lands). */
#ifndef VMBACKDOOR_TIMESYNC_H
#define VMBACKDOOR_TIMESYNC_H
#include <vmbackdoor/common.h>
#endif
