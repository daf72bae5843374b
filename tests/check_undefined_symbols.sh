#!/bin/sh
# Prove that object files call nothing outside an allowed list.
#
#   check_undefined_symbols.sh ALLOWED_FILE PATTERN OBJECT...
#
# Only objects whose file name matches the grep -E PATTERN are checked
# (CMake passes every library object). A symbol is fine if it is on the
# allowed list or defined by one of the checked objects themselves (their
# private vmbd__* helpers). Exit 0 when clean, 1 on a foreign symbol, 77
# (CTest SKIP) when nm is missing; $NM names another nm (a cross
# toolchain's). Sanitizer instrumentation (__asan_*, __ubsan_*, ...) is
# the build's, not the code's: it is listed and ignored.
set -eu

allowed_file=$1
pattern=$2
shift 2

NM=${NM:-nm}
if ! command -v "$NM" >/dev/null 2>&1; then
	echo "SKIPPED: $NM not found (binutils)"
	exit 77
fi

objs=""
for o in "$@"; do
	if basename "$o" | grep -Eq "$pattern"; then
		objs="$objs $o"
	fi
done
if [ -z "$objs" ]; then
	echo "FAIL: no object matches '$pattern'"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^[[:space:]]*#' "$allowed_file" | awk 'NF {print $1}' | sort -u >"$tmp/allowed"
# shellcheck disable=SC2086
"$NM" --defined-only $objs | awk 'NF == 3 {print $3}' | sort -u >"$tmp/defined"
# shellcheck disable=SC2086
"$NM" -u $objs | awk 'NF == 2 && $1 == "U" {print $2}' | sort -u >"$tmp/all_undefined"
sanitizer='^__(asan|ubsan|msan|tsan|lsan|hwasan|sanitizer)_'
grep -E "$sanitizer" "$tmp/all_undefined" >"$tmp/sanitizer" || true
grep -vE "$sanitizer" "$tmp/all_undefined" >"$tmp/undefined" || true
if [ -s "$tmp/sanitizer" ]; then
	echo "ignored: $(wc -l <"$tmp/sanitizer") sanitizer instrumentation symbols"
fi

comm -23 "$tmp/undefined" "$tmp/defined" | comm -23 - "$tmp/allowed" >"$tmp/foreign"
echo "checked:$objs"
echo "undefined symbols outside the objects:" $(comm -23 "$tmp/undefined" "$tmp/defined")
if [ -s "$tmp/foreign" ]; then
	echo "FAIL: symbols not in $allowed_file:"
	sed 's/^/  /' "$tmp/foreign"
	exit 1
fi
echo "OK: only allowed symbols"
