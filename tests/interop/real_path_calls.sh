#!/bin/sh
# Backdoor call counts on the REAL path (vmbd_open(), CPUID, the x86 port
# backend), not the --sim shortcut: vmbd-time and vmbd-rpc run unchanged
# under the trap harness, whose CPUID says VMware and whose simulator
# answers every `in` and `rep insb/outsb` (ioperm is granted, never
# executed; the clock is only read). Every call is a VM exit on VMware, so
# the exact numbers are the contract:
#   vmbd-time status            2  the open's GETVERSION (its answer is the
#                                  one shown) + GETTIMEFULL_WITH_LAG
#   vmbd-time sync --dry-run    3  GETVERSION + host, guest, host sample
#                                  (one host read more per retry when the
#                                  two reads were over 2 ms apart: under
#                                  ptrace on a loaded machine they can be,
#                                  and the report says how far apart)
#   vmbd-rpc --verbose (HB)     8  GETVERSION + vmware-rpctool's 7
# and the harness's own count of port operations must agree with the
# program's.
#
# usage: real_path_calls.sh VMBD_TRAP VMBD_TIME VMBD_RPC
# Exit 0 pass, 1 fail, 77 skipped (no ptrace).
set -u
TRAP=$1 VT=$2 RPC=$3
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmbd-real-calls.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0

# run [TRAP_OPTIONS...] -- CMD...: output in $dir/out, $dir/err, report in
# $dir/report, status in $rc.
run() {
	opts=
	while [ "$1" != -- ]; do
		opts="$opts $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # the options are words
	"$TRAP" $opts -r "$dir/report" -- "$@" >"$dir/out" 2>"$dir/err"
	rc=$?
	if [ "$rc" = 77 ]; then
		cat "$dir/err"
		echo "SKIPPED: ptrace unavailable"
		exit 77
	fi
}

# expect NAME FILE PATTERN: an extended regex some line of FILE matches.
expect() {
	if grep -Eq "$3" "$dir/$2"; then
		echo "ok - $1"
	else
		echo "not ok - $1: no line of $2 matches '$3'"
		sed 's/^/  | /' "$dir/$2"
		fail=1
	fi
}

status_is() {
	if [ "$rc" = "$2" ]; then
		echo "ok - $1: exit $rc"
	else
		echo "not ok - $1: exit $rc, want $2"
		sed 's/^/  stderr | /' "$dir/err"
		fail=1
	fi
}

run -- "$VT" status
status_is "status" 0
expect "status shows the open's GETVERSION" out '^version: +6, product ESX \(2\)$'
expect "status: CPUID said VMware, real port backend" out '^backend: +backdoor via port I/O, CPUID vendor "VMwareVMware"'
expect "status: 2 backdoor calls by its own count" out '^backdoor calls: +2$'
expect "status: 2 port operations seen by the host" report '^host	calls	lb 2 hb 0 '

run -- "$VT" status --json
status_is "status --json" 0
expect "status --json: 2 backdoor calls" out '"version":6,.*"backdoor_calls":2\}$'
expect "status --json: 2 port operations" report '^host	calls	lb 2 hb 0 '

# Host 5 s ahead: the dry run decides a step, changes nothing, and so sends
# no STOPCATCHUP.
run -o 5 -- "$VT" sync --dry-run --json
status_is "sync --dry-run" 0
expect "sync --dry-run would step +5 s" out '"event":"log".*would step'
# The sampler's rule (timesync.h): host reads until one pair is within
# VMBD_TS_GOOD_SPREAD_NS (2000 us), at most 1 + VMBD_TS_MAX_TRIES (5). The
# report gives the reads and the gaps between them, so the count is exact
# however loaded the machine: 2 reads when the first pair was tight.
reads=$(awk -F'	' '$1 == "host" && $2 == "time_reads" { print $3 }' "$dir/report")
spreads=$(awk -F'	' '$1 == "host" && $2 == "time_reads" { print $5 }' "$dir/report")
want=$(echo "$spreads" | awk -F, '{
	n = 2
	for (i = 1; i <= NF && n < 5; i++) {
		if ($i <= 2000) break
		n++
	}
	print n
}')
if [ -n "$reads" ] && [ "$reads" = "$want" ]; then
	echo "ok - sync --dry-run: $reads host reads (gaps $spreads us)"
else
	echo "not ok - sync --dry-run: $reads host reads for gaps '$spreads' us, want $want"
	fail=1
fi
expect "sync --dry-run: GETVERSION + the host reads, nothing else" report \
	"^host	calls	lb $((1 + ${reads:-0})) hb 0 message 0\$"
expect "sync --dry-run: no STOPCATCHUP" report '^host	stopcatchup	0$'

run -- "$RPC" --verbose --calls "info-get guestinfo.x"
status_is "vmbd-rpc (missing key)" 1
expect "vmbd-rpc --verbose names the host without another call" err '^vmbd-rpc: real host \(vmware\), backdoor version 6, product type 2$'
expect "vmbd-rpc: 8 backdoor calls by its own count" err '^vmbd-rpc: 8 backdoor calls$'
expect "vmbd-rpc: 8 port operations seen by the host" report '^host	calls	lb 6 hb 2 '

exit $fail
