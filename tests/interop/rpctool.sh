#!/bin/sh
# Debian's unmodified vmware-rpctool against our simulator through the trap
# harness (issue 7, point 2): info-set then info-get through the
# simulator's guestinfo store, in one simulated VM (both clients run under
# one vmbd-trap), plus the failure path of a missing key.
#
# usage: rpctool.sh VMBD_TRAP
# Exit 0 pass, 1 fail, 77 skipped (no open-vm-tools, no ptrace).
set -u
TRAP=$1
RPCTOOL=${VMBD_RPCTOOL:-/usr/bin/vmware-rpctool}
if [ ! -x "$RPCTOOL" ]; then
	echo "SKIPPED: $RPCTOOL not installed (Debian package open-vm-tools)"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmbd-interop-rpctool.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0

# run NAME EXPECTED_STATUS EXPECTED_STDOUT EXPECTED_STDERR -- CMD...
run() {
	name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	"$TRAP" -r "$dir/report" -- "$@" >"$dir/out" 2>"$dir/err"
	rc=$?
	if [ "$rc" = 77 ]; then
		cat "$dir/err"
		echo "SKIPPED: ptrace unavailable"
		exit 77
	fi
	if [ "$rc" = "$want_rc" ] && [ "$(cat "$dir/out")" = "$want_out" ] &&
		[ "$(cat "$dir/err")" = "$want_err" ]; then
		echo "ok - $name"
	else
		echo "not ok - $name: status $rc (want $want_rc)"
		echo "  stdout: $(cat "$dir/out" | od -c | head -3)"
		echo "  stderr: $(cat "$dir/err")"
		fail=1
	fi
}

run "info-set then info-get in one VM" 0 "
v" "" -- sh -c "$RPCTOOL 'info-set guestinfo.k v' && $RPCTOOL 'info-get guestinfo.k'"
if grep -q "^guestinfo	guestinfo.k	v$" "$dir/report"; then
	echo "ok - the simulator's guestinfo store holds guestinfo.k = v"
else
	echo "not ok - guestinfo.k not in the simulator's store"; cat "$dir/report"; fail=1
fi
# Both requests arrived without a trailing NUL (vmware-rpctool's habit,
# PROTOCOL.md section 4), over HB since the host offers it.
if grep -q "^rpci	count	2	with_nul 0" "$dir/report" &&
	grep -q "^trap	lb 14 hb_out 2 hb_in 2 " "$dir/report"; then
	echo "ok - 2 RPCI requests, no NUL, 7 LB + 2 HB calls each"
else
	echo "not ok - unexpected call pattern"; cat "$dir/report"; fail=1
fi
run "info-get of a missing key fails" 1 "" "No value found" -- "$RPCTOOL" "info-get guestinfo.missing"
run "unknown command fails" 1 "" "Unknown command" -- "$RPCTOOL" "no-such-command"
exit $fail
