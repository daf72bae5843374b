/* libvmbackdoor: script layer (placeholder until the layer lands). */
#ifndef VMBACKDOOR_SCRIPT_H
#define VMBACKDOOR_SCRIPT_H
#include <vmbackdoor/common.h>
#endif
