#!/bin/sh
# vmbd-rpc, end to end: reply on stdout and exit 0 for "1 ", on stderr and
# exit 1 for "0 ", command from the argument or standard input, usage
# errors, the 15-call LB info-get, and no backdoor call off VMware.
set -u
RPC=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

# check NAME WANT_STATUS WANT_STDOUT WANT_STDERR_SUBSTRING -- ARGS...
# (standard input comes from $tmp/in when it exists)
check() {
	name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	if [ -f "$tmp/in" ]; then
		"$RPC" "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	else
		"$RPC" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
	out=$(cat "$tmp/out")
	ok=1
	[ "$rc" = "$want_rc" ] || ok=0
	[ "$out" = "$want_out" ] || ok=0
	case $(cat "$tmp/err") in *"$want_err"*) ;; *) ok=0 ;; esac
	if [ "$ok" = 1 ]; then
		echo "ok   $name"
	else
		echo "FAIL $name: exit $rc (want $want_rc), stdout '$out' (want '$want_out'), stderr '$(cat "$tmp/err")' (want '$want_err')"
		fails=$((fails + 1))
	fi
	rm -f "$tmp/in"
}

check "failure reply on stderr, exit 1" 1 "" "No value found" -- \
	--sim "info-get guestinfo.missing"
check "success reply on stdout, exit 0" 0 "hello world" "" -- \
	--sim --sim-set "guestinfo.k=hello world" "info-get guestinfo.k"
check "info-set prints the empty reply" 0 "" "" -- \
	--sim "info-set guestinfo.k v"
printf 'info-get guestinfo.k\n' >"$tmp/in"
check "command from stdin, newline dropped" 0 "v" "" -- \
	--sim --sim-set guestinfo.k=v
printf 'info-get guestinfo.k' >"$tmp/in"
check "'-' reads stdin" 0 "v" "" -- --sim --sim-set guestinfo.k=v -
check "unknown command" 1 "" "Unknown command" -- --sim "no.such.rpc"
check "vmware-rpctool's 15 LB calls" 1 "" "15 backdoor calls" -- \
	--sim --no-hb --calls "info-get guestinfo.xy"
check "HB: 7 calls" 1 "" "7 backdoor calls" -- \
	--sim --calls "info-get guestinfo.xy"
check "--verbose names the simulated host, no extra call" 1 "" \
	"simulated host (vmware), backdoor version 6, product type 2" -- \
	--sim --verbose "info-get guestinfo.xy"
check "--verbose costs nothing: still 7 calls" 1 "" "7 backdoor calls" -- \
	--sim --verbose --calls "info-get guestinfo.xy"
check "-v is --verbose (vmbd-rpc(1))" 1 "" "simulated host (vmware)" -- \
	--sim -v "info-get guestinfo.xy"
check "two commands" 2 "" "one command expected" -- --sim a b
check "--sim with --force" 2 "" "exclude" -- --sim --force x
check "--sim-set without --sim" 2 "" "needs --sim" -- --sim-set a=b x
check "bad --sim-set" 2 "" "KEY=VALUE" -- --sim --sim-set novalue x
check "unknown option" 2 "" "usage" -- --bogus x
long_key=guestinfo.$(head -c 300 /dev/zero | tr '\0' k)
check "--sim-set key too long says so" 2 "" "key longer than" -- \
	--sim --sim-set "$long_key=v" x
head -c 65537 /dev/zero | tr '\0' 'x' >"$tmp/in"
check "command over 64 KiB" 2 "" "longer than 65536" -- --sim
head -c 65536 /dev/zero | tr '\0' 'x' >"$tmp/in"
check "command of exactly 64 KiB" 1 "" "Unknown command" -- --sim
# A reply that cannot be written (full disk) is a failure that says so.
if [ -w /dev/full ]; then
	"$RPC" --sim --sim-set guestinfo.k=v "info-get guestinfo.k" \
		>/dev/full 2>"$tmp/err"
	rc=$?
	if [ "$rc" = 1 ] && grep -q "standard output" "$tmp/err"; then
		echo "ok   reply to a full disk: exit 1 with a message"
	else
		echo "FAIL reply to a full disk: exit $rc, stderr '$(cat "$tmp/err")'"
		fails=$((fails + 1))
	fi
	"$RPC" --help >/dev/full 2>"$tmp/err"
	rc=$?
	if [ "$rc" = 1 ] && grep -q "standard output" "$tmp/err"; then
		echo "ok   --help to a full disk: exit 1 with a message"
	else
		echo "FAIL --help to a full disk: exit $rc, stderr '$(cat "$tmp/err")'"
		fails=$((fails + 1))
	fi
fi
if "$RPC" --help | grep -q '^usage: vmbd-rpc' &&
	"$RPC" -h | grep -q '^usage: vmbd-rpc'; then
	echo "ok   --help"
else
	echo "FAIL --help"
	fails=$((fails + 1))
fi

# Off VMware, nothing is executed: exit 3. Only where we can tell that
# the machine is not VMware (never run this part on a VMware guest).
virt=$(systemd-detect-virt --vm 2>/dev/null) || virt=none
case $virt in
"" | vmware)
	echo "skip real-backdoor refusal (CPUID hypervisor: '${virt:-unknown}')" ;;
*)
	check "refuses the backdoor on $virt" 3 "" "not running on VMware" -- \
		"info-get guestinfo.x" ;;
esac

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
