/* libvmbackdoor: rpci layer (placeholder until the layer lands). */
#ifndef VMBACKDOOR_RPCI_H
#define VMBACKDOOR_RPCI_H
#include <vmbackdoor/common.h>
#endif
