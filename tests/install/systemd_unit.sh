#!/bin/sh
# The installed vmbd-time.service must pass `systemd-analyze verify`: its
# ExecStart names the installed binary and its Documentation= man page is
# found in the installed man tree. The man pages must be installed too.
# usage: systemd_unit.sh PREFIX UNITDIR MANDIR BINDIR
set -eu
. "$(dirname "$0")/common.sh"
prefix=$1 unitdir=$2 mandir=$3 bindir=$4
case $unitdir in /*) ;; *) unitdir=$prefix/$unitdir ;; esac
case $mandir in /*) ;; *) mandir=$prefix/$mandir ;; esac
case $bindir in /*) ;; *) bindir=$prefix/$bindir ;; esac

for page in man1/vmbd-time.1 man3/libvmbackdoor.3; do
	[ -f "$mandir/$page" ] || fail "$page not installed"
done
unit=$unitdir/vmbd-time.service
[ -f "$unit" ] || fail "vmbd-time.service not installed in $unitdir"
grep -qx "ExecStart=$bindir/vmbd-time daemon \$VMBD_TIME_OPTS" "$unit" ||
	fail "ExecStart does not name $bindir/vmbd-time: $(grep ^ExecStart= "$unit")"
[ -x "$bindir/vmbd-time" ] || fail "$bindir/vmbd-time not installed"
grep -qx "ConditionVirtualization=vmware" "$unit" || fail "no ConditionVirtualization=vmware"
# A bad option or veto value in /etc/default/vmbd-time exits 2: no restart
# loop (Restart=on-failure would retry it every 5 s for ever).
grep -qx "RestartPreventExitStatus=2" "$unit" || fail "exit 2 is restarted"
grep -q "^CapabilityBoundingSet=.*CAP_SYS_TIME" "$unit" || fail "CAP_SYS_TIME not kept"
grep -q "^CapabilityBoundingSet=.*CAP_SYS_RAWIO" "$unit" || fail "CAP_SYS_RAWIO not kept"
# These two would take away what the daemon needs.
! grep -Eq "^(PrivateDevices|ProtectClock)=(yes|true)" "$unit" ||
	fail "PrivateDevices=/ProtectClock= forbid port access / setting the clock"

need_tool systemd-analyze systemd
need_tool man man-db
out=$(MANPATH=$mandir systemd-analyze verify "$unit" 2>&1) || {
	printf '%s\n' "$out"
	fail "systemd-analyze verify $unit"
}
# verify exits 0 on some warnings; treat any output about our unit as one.
if printf '%s\n' "$out" | grep -F "vmbd-time.service"; then
	fail "systemd-analyze verify reported problems"
fi
echo "ok: $unit verifies"
