/* libvmbackdoor: tclo layer (placeholder until the layer lands). */
#ifndef VMBACKDOOR_TCLO_H
#define VMBACKDOOR_TCLO_H
#include <vmbackdoor/common.h>
#endif
