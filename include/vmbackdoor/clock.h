/* libvmbackdoor: clock layer (placeholder until the layer lands). */
#ifndef VMBACKDOOR_CLOCK_H
#define VMBACKDOOR_CLOCK_H
#include <vmbackdoor/common.h>
#endif
