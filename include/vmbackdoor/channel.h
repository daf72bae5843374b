/* libvmbackdoor: channel layer (placeholder until the layer lands). */
#ifndef VMBACKDOOR_CHANNEL_H
#define VMBACKDOOR_CHANNEL_H
#include <vmbackdoor/common.h>
#endif
