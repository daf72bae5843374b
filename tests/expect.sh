#!/bin/sh
# Run a command and check its exit status and output (stdout and stderr
# together), for tests of command-line programs.
# usage: expect.sh [-n LINES] STATUS PATTERN... -- COMMAND [ARGS...]
#   STATUS   the exit status the command must return
#   PATTERN  extended regex (grep -E) that some output line must match;
#            a pattern starting with '!' must match no line
#   -n       the output must be exactly LINES lines
set -u
lines=
if [ "${1:-}" = -n ]; then
	lines=$2
	shift 2
fi
want=$1
shift
patterns=
n=0
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	n=$((n + 1))
	eval "pat_$n=\$1"
	shift
done
[ "${1:-}" = -- ] || { echo "expect.sh: missing -- before the command" >&2; exit 2; }
shift

out=$("$@" 2>&1)
got=$?
printf '%s\n' "$out"
echo "---- exit status $got"
status=0
if [ "$got" != "$want" ]; then
	echo "FAIL: exit status $got, want $want"
	status=1
fi
if [ -n "$lines" ]; then
	count=$(printf '%s\n' "$out" | wc -l)
	[ "$count" -eq "$lines" ] || { echo "FAIL: $count output lines, want $lines"; status=1; }
fi
i=1
while [ $i -le $n ]; do
	eval "pat=\$pat_$i"
	case $pat in
	!*)
		if printf '%s\n' "$out" | grep -Eq -- "${pat#!}"; then
			echo "FAIL: output matches /${pat#!}/"
			status=1
		fi
		;;
	*)
		if ! printf '%s\n' "$out" | grep -Eq -- "$pat"; then
			echo "FAIL: output lacks /$pat/"
			status=1
		fi
		;;
	esac
	i=$((i + 1))
done
exit $status
