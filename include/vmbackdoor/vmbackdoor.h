/*
 * libvmbackdoor: the VMware backdoor for guests. One header for the whole
 * public API; the finer headers beside it can be included on their own.
 *
 * Layers, bottom up (each usable alone):
 *   io.h        register frame and backends (port I/O, vmcall, vmmcall,
 *               arm64, mock, simulator)
 *   backdoor.h  typed low-level commands (version, time, hz, uuid, ...)
 *   detect.h    CPUID detection and safe opening of the real backdoor
 *   channel.h   GuestRPC message channel (LB/HB, cookies, checkpoints)
 *   rpci.h      RPCI request/reply
 *   tclo.h      TCLO host-command poll
 *   policy.h    pure time-sync policy engine (TCLO strings -> actions)
 *   timesync.h  pure step/slew decision and sampler
 *   clock.h     clock interface (real, dry-run, simulated guest)
 *   sim.h       in-process host simulator
 *   script.h    simulator host scripts
 *   agent.h     the time-sync agent: TCLO poll + policy + sampler +
 *               decision + clock, what vmbd-time's daemon runs
 */
#ifndef VMBACKDOOR_VMBACKDOOR_H
#define VMBACKDOOR_VMBACKDOOR_H

#include <vmbackdoor/common.h>
#include <vmbackdoor/io.h>
#include <vmbackdoor/backdoor.h>
#include <vmbackdoor/detect.h>
#include <vmbackdoor/channel.h>
#include <vmbackdoor/rpci.h>
#include <vmbackdoor/tclo.h>
#include <vmbackdoor/policy.h>
#include <vmbackdoor/timesync.h>
#include <vmbackdoor/clock.h>
#include <vmbackdoor/sim.h>
#include <vmbackdoor/script.h>
#include <vmbackdoor/agent.h>

#endif
