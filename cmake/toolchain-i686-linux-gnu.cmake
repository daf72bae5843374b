# Cross build for 32-bit x86 (i386/i686) with Debian's cross compiler:
#   cmake -S . -B build-i686 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-i686-linux-gnu.cmake
# Needs gcc-i686-linux-gnu and, for the unit tests, libcmocka-dev:i386
# (dpkg --add-architecture i386); `./dev cross` installs both. Not
# gcc-multilib: it conflicts with the cross compilers. An x86-64 kernel
# runs the i386 test programs natively, so no emulator is set.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(CMAKE_C_COMPILER i686-linux-gnu-gcc)
set(CMAKE_AR i686-linux-gnu-ar CACHE FILEPATH "")
set(CMAKE_NM i686-linux-gnu-nm CACHE FILEPATH "")
set(CMAKE_OBJDUMP i686-linux-gnu-objdump CACHE FILEPATH "")
set(CMAKE_RANLIB i686-linux-gnu-ranlib CACHE FILEPATH "")
# Multiarch: the i386 libraries (cmocka) live in /usr/lib/i386-linux-gnu,
# and pkg-config must look only at their .pc files.
set(CMAKE_LIBRARY_ARCHITECTURE i386-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/i386-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
