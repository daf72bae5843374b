#!/bin/sh
# The vmbd-time half of interop_timesync can fail: a stand-in for vmbd-time
# runs the real program and changes one thing in its JSON output (a reply,
# a slew, a step), and the comparison must say "not ok" for that very step
# with [vmbd-time], and exit 1.
#
# usage: timesync_detects.sh VMBD_INTEROP_TIMESYNC VMBD_TIME
# Exit 0 pass, 1 fail, 77 skipped (no vmtoolsd, no ptrace: as the test).
set -u
COMPARE=$1
VMBD_TIME=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmbd-interop-detects.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0

# check NAME SCENARIO SED_EXPR EXPECTED_NOT_OK_LINE_PREFIX
check() {
	name=$1 scenario=$2 expr=$3 want=$4
	cat >"$dir/fake" <<FAKE
#!/bin/sh
"$VMBD_TIME" "\$@" | sed -e '$expr'
FAKE
	chmod +x "$dir/fake"
	"$COMPARE" --vmbd-time "$dir/fake" "$scenario" >"$dir/out" 2>&1
	rc=$?
	if [ "$rc" = 77 ]; then
		cat "$dir/out"
		exit 77
	fi
	if [ "$rc" = 1 ] && grep -F -q -- "$want" "$dir/out" &&
		! grep "^not ok" "$dir/out" | grep -v -q -F -- "[vmbd-time]"; then
		echo "ok - $name"
	else
		echo "not ok - $name: status $rc (want 1), want a line starting '$want'"
		sed 's/^/#   /' "$dir/out" | grep -v '^#   # ' | head -40
		fail=1
	fi
}

check "a different reply" startup-backward-allowed \
	's/"reply":"OK ATR toolbox"/"reply":"OK "/' \
	"not ok - startup-backward-allowed: 'reset' [vmbd-time]"
check "a backward step made forward" startup-backward-allowed \
	's/"delta_us":-3000000,/"delta_us":3000000,/' \
	"not ok - startup-backward-allowed: 'Set_Option time.synchronize.tools.startup 1' [vmbd-time]"
check "a different slew" loop-slew \
	's/"delta_us":50000,/"delta_us":60000,/' \
	"not ok - loop-slew: wait 2.0 s (loop tick) [vmbd-time]"
exit $fail
