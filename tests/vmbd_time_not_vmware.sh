#!/bin/sh
# `vmbd-time status` on a machine that is not VMware must exit 3, name the
# CPUID hypervisor vendor and make no backdoor call. The expected vendor
# comes from an independent source, systemd-detect-virt, so the test holds
# on any non-VMware machine (KVM here: "KVMKVMKVM").
# usage: vmbd_time_not_vmware.sh VMBD-TIME
set -u
prog=$1
here=$(dirname "$0")
command -v systemd-detect-virt >/dev/null 2>&1 ||
	{ echo "SKIPPED: systemd-detect-virt not installed (Debian: systemd)"; exit 77; }
virt=$(systemd-detect-virt --vm 2>/dev/null)
# systemd's names -> the CPUID leaf 0x40000000 vendor strings.
case $virt in
kvm) vendor=KVMKVMKVM ;;
qemu) vendor=TCGTCGTCGTCG ;;
microsoft) vendor="Microsoft Hv" ;;
xen) vendor=XenVMMXenVMM ;;
oracle) vendor=VBoxVBoxVBox ;;
none) vendor= ;;
vmware) echo "SKIPPED: this machine is VMware; the test needs one that is not"; exit 77 ;;
*) echo "SKIPPED: hypervisor '$virt' has no known CPUID vendor string here"; exit 77 ;;
esac
if [ -n "$vendor" ]; then
	exec sh "$here/expect.sh" -n 1 3 "not running on VMware" "vendor is \"$vendor\"" \
		"no backdoor call" -- "$prog" status
fi
exec sh "$here/expect.sh" -n 1 3 "not running on VMware" "reports no hypervisor" \
	-- "$prog" status
