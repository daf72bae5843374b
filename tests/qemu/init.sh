#!/bin/busybox sh
# /init of the QEMU real-peer test's initramfs (tests/qemu/run.sh packs it).
# Runs as PID 1 in the guest: mounts what the probe needs, runs it, prints
# marker lines the host script parses, then powers the VM off. If anything
# here dies, the kernel panics, panic=-1 reboots and QEMU's -no-reboot ends
# the run, so a broken guest never hangs the test.
bb=/bin/busybox
# Debian's kernel does not mount devtmpfs by itself for an initramfs.
$bb mount -t devtmpfs devtmpfs /dev
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
# The UART is reset while the firmware's last line may still be in flight:
# start our output on a fresh line.
echo
echo "VMBD-GUEST-UP"

/probe
echo "VMBD-PROBE-EXIT $?"

# vmbd-time as a user runs it: refused without --force (TCG is not VMware),
# and with --force it reports what QEMU answers.
if [ -x /vmbd-time ]; then
	for args in "status" "status --force"; do
		echo "VMBD-TIME-BEGIN $args"
		/vmbd-time $args 2>&1
		echo "VMBD-TIME-EXIT $? $args"
	done
fi

$bb sync
$bb poweroff -f
