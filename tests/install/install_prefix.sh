#!/bin/sh
# Install the current build into a fresh prefix and check what landed: the
# headers, both libraries, the soname carrying the ABI version, a .pc that
# points at this prefix, the CMake package files.
# Also every example program (runnable from the prefix) and every manual
# page in docs/; the systemd unit has its own test (systemd_unit.sh).
# usage: install_prefix.sh CMAKE BUILD_DIR PREFIX LIBDIR INCLUDEDIR ABI
#        VERSION BINDIR MANDIR EXAMPLES(0|1)
set -eu
. "$(dirname "$0")/common.sh"
cmake=$1 build=$2 prefix=$3 libdir=$4 incdir=$5 abi=$6 version=$7
bindir=$8 mandir=$9 examples=${10}
src=$(cd "$(dirname "$0")/../.." && pwd)

for dir in "$libdir" "$incdir" "$bindir" "$mandir"; do
	case $dir in /*) skip "an install directory is absolute ($dir): not under the prefix" ;; esac
done
need_tool objdump binutils

rm -rf "$prefix"
"$cmake" --install "$build" --prefix "$prefix" || fail "cmake --install failed"
lib=$prefix/$libdir

[ -f "$prefix/$incdir/vmbackdoor/vmbackdoor.h" ] || fail "umbrella header not installed"
for h in "$(dirname "$0")"/../../include/vmbackdoor/*.h; do
	[ -f "$prefix/$incdir/vmbackdoor/$(basename "$h")" ] ||
		fail "header $(basename "$h") not installed"
done

[ -f "$lib/libvmbackdoor.a" ] || fail "static library not installed"
# Development link -> soname link -> real file, as ldconfig expects.
so=libvmbackdoor.so.$abi
[ -L "$lib/libvmbackdoor.so" ] || fail "libvmbackdoor.so is not a symlink"
[ "$(readlink "$lib/libvmbackdoor.so")" = "$so" ] ||
	fail "libvmbackdoor.so -> $(readlink "$lib/libvmbackdoor.so"), want $so"
[ -e "$lib/$so" ] || fail "$so not installed"
soname=$(objdump -p "$lib/$so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "$so" ] || fail "SONAME is '$soname', want $so"
echo "ok: SONAME $soname"

pc=$lib/pkgconfig/vmbackdoor.pc
[ -f "$pc" ] || fail "vmbackdoor.pc not installed"
grep -qx "prefix=$prefix" "$pc" || fail "vmbackdoor.pc: prefix is not $prefix: $(grep ^prefix= "$pc")"
grep -qx "libdir=\${prefix}/$libdir" "$pc" || fail "vmbackdoor.pc: wrong libdir: $(grep ^libdir= "$pc")"
grep -qx "includedir=\${prefix}/$incdir" "$pc" || fail "vmbackdoor.pc: wrong includedir"
grep -qx "Version: $version" "$pc" || fail "vmbackdoor.pc: Version is not $version"
grep -qx "Libs: -L\${libdir} -lvmbackdoor" "$pc" || fail "vmbackdoor.pc: wrong Libs"
grep -qx "Cflags: -I\${includedir}" "$pc" || fail "vmbackdoor.pc: wrong Cflags"
echo "ok: $pc"

for f in vmbackdoorConfig.cmake vmbackdoorConfigVersion.cmake vmbackdoorTargets.cmake; do
	[ -f "$lib/cmake/vmbackdoor/$f" ] || fail "$f not installed"
done
# Every manual page in docs/ (name.N -> manN/name.N).
for page in "$src"/docs/*.[1-9]; do
	[ -f "$page" ] || continue
	name=$(basename "$page")
	[ -f "$prefix/$mandir/man${name##*.}/$name" ] || fail "manual page $name not installed"
done

# Every example program, and it runs from the prefix.
if [ "$examples" = 1 ]; then
	for dir in "$src"/examples/*/; do
		set -- "$dir"*.c
		[ -f "$1" ] || continue
		prog=$(basename "$dir")
		[ -x "$prefix/$bindir/$prog" ] || fail "program $prog not installed"
		"$prefix/$bindir/$prog" --help >/dev/null 2>&1 ||
			fail "$prefix/$bindir/$prog --help fails"
	done
	echo "ok: programs and manual pages"
fi

# An installed package must not point back into the source or build tree
# (the prefix itself lives in the build tree, so it is cut out first).
for tree in "$src" "$build"; do
	if cat "$pc" "$lib"/cmake/vmbackdoor/*.cmake | sed "s|$prefix||g" |
		grep -F "$tree"; then
		fail "installed package files mention $tree"
	fi
done
echo "ok: installed into $prefix"
