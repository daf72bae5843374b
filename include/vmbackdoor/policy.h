/* libvmbackdoor: policy layer (placeholder until the layer lands). */
#ifndef VMBACKDOOR_POLICY_H
#define VMBACKDOOR_POLICY_H
#include <vmbackdoor/common.h>
#endif
