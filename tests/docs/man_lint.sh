#!/bin/sh
# usage: man_lint.sh PAGE — fail on any mandoc warning or error.
set -eu
if ! command -v mandoc >/dev/null 2>&1; then
	echo "SKIPPED: mandoc not installed (Debian package mandoc)"
	exit 77
fi
out=$(mandoc -T lint -W warning "$1" 2>&1) || {
	printf '%s\n' "$out"
	echo "FAIL: $1 is not lint-clean"
	exit 1
}
echo "ok: $1"
