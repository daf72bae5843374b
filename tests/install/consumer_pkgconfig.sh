#!/bin/sh
# Build and run the consumer the way a Makefile user would:
#   cc consumer.c $(pkg-config --cflags --libs vmbackdoor)
# against the installed prefix only, then run it on the installed .so.
# usage: consumer_pkgconfig.sh CC PREFIX LIBDIR CONSUMER.c WORKDIR VERSION ABI
set -eu
. "$(dirname "$0")/common.sh"
cc=$1 prefix=$2 libdir=$3 src=$4 work=$5 version=$6 abi=$7

need_tool pkg-config pkg-config
need_tool objdump binutils
rm -rf "$work"
mkdir -p "$work"

# Only the prefix under test: a vmbackdoor.pc installed elsewhere on the
# system must not be found instead.
PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
PKG_CONFIG_LIBDIR=$PKG_CONFIG_PATH
export PKG_CONFIG_PATH PKG_CONFIG_LIBDIR

got=$(pkg-config --modversion vmbackdoor) || fail "pkg-config does not find vmbackdoor"
[ "$got" = "$version" ] || fail "pkg-config --modversion: $got, want $version"
flags=$(pkg-config --cflags --libs vmbackdoor)
echo "pkg-config --cflags --libs vmbackdoor: $flags"
case " $flags " in *" -I$prefix/include "*) ;; *) fail "cflags lack -I$prefix/include" ;; esac
case " $flags " in *" -L$prefix/$libdir "*) ;; *) fail "libs lack -L$prefix/$libdir" ;; esac

# shellcheck disable=SC2086 # flags are words
"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$work/consumer" "$src" $flags ||
	fail "consumer does not build with pkg-config flags"
needed_libs "$work/consumer" | grep -qx "libvmbackdoor.so.$abi" ||
	fail "consumer is not linked to libvmbackdoor.so.$abi: $(needed_libs "$work/consumer")"

LD_LIBRARY_PATH=$prefix/$libdir
export LD_LIBRARY_PATH
loaded=$(ldd "$work/consumer" | awk '$1 == "libvmbackdoor.so.'"$abi"'" { print $3 }')
[ "$loaded" = "$prefix/$libdir/libvmbackdoor.so.$abi" ] ||
	fail "consumer would load '$loaded', not the installed library"
"$work/consumer" "$version" || fail "consumer failed"
