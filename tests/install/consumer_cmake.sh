#!/bin/sh
# Build and run the consumer as a separate CMake project that only knows the
# install prefix: find_package(vmbackdoor CONFIG REQUIRED), once with
# vmbackdoor::vmbackdoor (shared), once with vmbackdoor::vmbackdoor_static.
# usage: consumer_cmake.sh CMAKE CC PREFIX LIBDIR SRCDIR WORKDIR VERSION ABI GENERATOR
set -eu
. "$(dirname "$0")/common.sh"
cmake=$1 cc=$2 prefix=$3 libdir=$4 srcdir=$5 work=$6 version=$7 abi=$8 gen=$9

need_tool objdump binutils
rm -rf "$work"
"$cmake" -S "$srcdir" -B "$work" -G "$gen" -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH="$prefix" \
	-DVMBD_EXPECT_PREFIX="$prefix" -DVMBD_EXPECT_VERSION="$version" ||
	fail "consumer project does not configure against $prefix"
"$cmake" --build "$work" || fail "consumer project does not build"

needed_libs "$work/consumer_shared" | grep -qx "libvmbackdoor.so.$abi" ||
	fail "consumer_shared is not linked to libvmbackdoor.so.$abi"
if needed_libs "$work/consumer_static" | grep -q '^libvmbackdoor'; then
	fail "consumer_static depends on the shared library"
fi
# CMake gives build-tree programs an RPATH to the imported library, so no
# LD_LIBRARY_PATH: this also proves the exported target's location is right.
"$work/consumer_shared" "$version" || fail "consumer_shared failed"
"$work/consumer_static" "$version" || fail "consumer_static failed"
