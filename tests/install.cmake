# Install test (label `install`): `cmake --install` of this build into a
# temporary prefix, then a tiny consumer built against the installed copy
# twice, as a user would: with pkg-config and with find_package().
# install_prefix is a fixture, so the two consumer tests only run after it
# and each can fail (or skip) on its own.
set(VMBD_INSTALL_WORK ${CMAKE_CURRENT_BINARY_DIR}/install-test)
set(VMBD_INSTALL_PREFIX ${VMBD_INSTALL_WORK}/prefix)
set(VMBD_INSTALL_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/install)

add_test(NAME install_prefix
  COMMAND sh ${VMBD_INSTALL_SCRIPTS}/install_prefix.sh
          ${CMAKE_COMMAND} ${PROJECT_BINARY_DIR} ${VMBD_INSTALL_PREFIX}
          ${CMAKE_INSTALL_LIBDIR} ${CMAKE_INSTALL_INCLUDEDIR}
          ${VMBD_ABI_VERSION} ${PROJECT_VERSION} ${CMAKE_INSTALL_BINDIR}
          ${CMAKE_INSTALL_MANDIR} $<BOOL:${VMBD_BUILD_EXAMPLES}>)
set_tests_properties(install_prefix PROPERTIES LABELS install
  FIXTURES_SETUP vmbd_installed SKIP_RETURN_CODE 77)

# The systemd unit and man pages of vmbd-time, installed into the same
# prefix (SKIPPED without systemd-analyze or man).
if(TARGET vmbd-time)
  add_test(NAME install_systemd_unit
    COMMAND sh ${VMBD_INSTALL_SCRIPTS}/systemd_unit.sh ${VMBD_INSTALL_PREFIX}
            ${VMBD_SYSTEMD_UNITDIR} ${CMAKE_INSTALL_MANDIR} ${CMAKE_INSTALL_BINDIR})
  set_tests_properties(install_systemd_unit PROPERTIES LABELS install
    FIXTURES_REQUIRED vmbd_installed SKIP_RETURN_CODE 77)
endif()

if(VMBD_SANITIZE)
  # An instrumented libvmbackdoor.so cannot be loaded by an uninstrumented
  # consumer (the sanitizer runtime must come first); nothing to learn here.
  vmbd_skip_test(install_pkgconfig "build uses VMBD_SANITIZE" install)
  vmbd_skip_test(install_find_package "build uses VMBD_SANITIZE" install)
  return()
endif()

add_test(NAME install_pkgconfig
  COMMAND sh ${VMBD_INSTALL_SCRIPTS}/consumer_pkgconfig.sh
          ${CMAKE_C_COMPILER} ${VMBD_INSTALL_PREFIX} ${CMAKE_INSTALL_LIBDIR}
          ${VMBD_INSTALL_SCRIPTS}/consumer/consumer.c
          ${VMBD_INSTALL_WORK}/pkgconfig ${PROJECT_VERSION}
          ${VMBD_ABI_VERSION})
set_tests_properties(install_pkgconfig PROPERTIES LABELS install
  FIXTURES_REQUIRED vmbd_installed SKIP_RETURN_CODE 77)

add_test(NAME install_find_package
  COMMAND sh ${VMBD_INSTALL_SCRIPTS}/consumer_cmake.sh
          ${CMAKE_COMMAND} ${CMAKE_C_COMPILER} ${VMBD_INSTALL_PREFIX}
          ${CMAKE_INSTALL_LIBDIR} ${VMBD_INSTALL_SCRIPTS}/consumer
          ${VMBD_INSTALL_WORK}/cmake ${PROJECT_VERSION} ${VMBD_ABI_VERSION}
          ${CMAKE_GENERATOR})
set_tests_properties(install_find_package PROPERTIES LABELS install
  FIXTURES_REQUIRED vmbd_installed SKIP_RETURN_CODE 77)
