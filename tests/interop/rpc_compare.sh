#!/bin/sh
# Our vmbd-rpc against Debian's vmware-rpctool (issue 7, point 2): for each
# RPCI command, both run under the trap harness against a simulator in the
# same state; standard output, standard error and exit status must match
# byte for byte. vmbd-rpc runs unchanged with its real x86 port backend:
# CPUID says VMware, ioperm is granted but not executed, each `in` and
# `rep insb/outsb` is answered by the simulator. Run over HB and LB-only.
#
# usage: rpc_compare.sh VMBD_TRAP VMBD_RPC
# Exit 0 pass, 1 fail, 77 skipped (no open-vm-tools, no ptrace).
set -u
TRAP=$1
OURS=$2
THEIRS=${VMBD_RPCTOOL:-/usr/bin/vmware-rpctool}
if [ ! -x "$THEIRS" ]; then
	echo "SKIPPED: $THEIRS not installed (Debian package open-vm-tools)"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmbd-interop-rpc.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0
long=$(printf '%03000d' 7)
binary=$(printf 'bin\001\002\037\177\200\377\303\251end')
preset=hello

# one TOOL MODE NAME: run script $dir/script (sh, $T = the tool) under the
# harness; leave out/err/rc in $dir/TOOL.*
one() {
	tool=$1 mode=$2
	T=$tool "$TRAP" $mode -g guestinfo.preset=$preset -r "$dir/$3.report" -- \
		sh "$dir/script" >"$dir/$3.out" 2>"$dir/$3.err"
	echo $? >"$dir/$3.rc"
}

# case NAME SCRIPT: SCRIPT is sh code using "$T" for the tool.
case_() {
	name=$1
	printf '%s\n' "$2" >"$dir/script"
	for mode in "" "--lb-only"; do
		one "$THEIRS" "$mode" theirs
		one "$OURS" "$mode" ours
		if [ "$(cat "$dir/theirs.rc")" = 77 ] || [ "$(cat "$dir/ours.rc")" = 77 ]; then
			cat "$dir/theirs.err"
			echo "SKIPPED: ptrace unavailable"
			exit 77
		fi
		label="$name${mode:+ ($mode)}"
		if cmp -s "$dir/theirs.out" "$dir/ours.out" &&
			cmp -s "$dir/theirs.err" "$dir/ours.err" &&
			cmp -s "$dir/theirs.rc" "$dir/ours.rc"; then
			echo "ok - $label: status $(cat "$dir/ours.rc"), same output"
		else
			echo "not ok - $label"
			for w in theirs ours; do
				echo "  $w: status $(cat "$dir/$w.rc")"
				echo "    stdout: $(od -c "$dir/$w.out" | head -2 | tr '\n' ' ')"
				echo "    stderr: $(head -c 200 "$dir/$w.err")"
			done
			fail=1
		fi
	done
}

case_ "success: info-get of a host-set key" '"$T" "info-get guestinfo.preset"'
case_ "failure: info-get of a missing key" '"$T" "info-get guestinfo.missing"'
case_ "empty command" '"$T" ""'
case_ "unknown command" '"$T" "no-such-command"'
case_ "leading space" '"$T" " info-get guestinfo.preset"'
case_ "info-set without a value" '"$T" "info-set guestinfo.k"'
case_ "log" '"$T" "log hello from the guest"'
case_ "tools.set.version" '"$T" "tools.set.version 12389"'
case_ "long: 3000-byte value set and read back" \
	"\"\$T\" \"info-set guestinfo.long $long\" && \"\$T\" \"info-get guestinfo.long\""
case_ "binary-ish: control and high bytes set and read back" \
	"\"\$T\" 'info-set guestinfo.bin $binary' && \"\$T\" 'info-get guestinfo.bin'"
exit $fail
