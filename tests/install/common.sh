# Shared helpers for the install tests (sourced; POSIX sh).
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
skip() {
	echo "SKIPPED: $*"
	exit 77
}
need_tool() { # TOOL DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 || skip "$1 not installed (Debian: $2)"
}
# needed_libs FILE: the DT_NEEDED entries of an ELF file, one a line.
needed_libs() {
	objdump -p "$1" | awk '$1 == "NEEDED" { print $2 }'
}
