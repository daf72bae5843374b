#!/bin/sh
# Every public function has a test: each function libvmbackdoor.so exports
# (abi_symbols already holds the exports to the VMBD_API declarations) must
# be called by name somewhere under tests/ (C, Python, shell). A textual
# check: it catches a function added without any test, not a weak test.
#
# usage: check_api_tested.sh LIB.so TESTS_DIR
set -eu
so=$1 dir=$2
command -v nm >/dev/null 2>&1 ||
	{ echo "SKIPPED: nm not installed (Debian: binutils)"; exit 77; }
names=$(nm -D --defined-only "$so" | awk '{ sub(/@.*/, "", $3); print $3 }' |
	grep '^vmbd_' | sort -u)
[ -n "$names" ] || { echo "FAIL: no vmbd_ exports in $so"; exit 1; }
n=0 missing=0
for f in $names; do
	n=$((n + 1))
	if ! grep -rqw --include='*.c' --include='*.h' --include='*.py' \
		--include='*.sh' -e "$f" "$dir"; then
		echo "FAIL: $f is exported but no test under $dir calls it"
		missing=$((missing + 1))
	fi
done
echo "$((n - missing)) of $n exported functions are used by a test"
[ "$missing" = 0 ]
