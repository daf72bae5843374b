# QEMU real-peer test (label qemu): tests/qemu/run.sh boots a Debian kernel
# under qemu-system-x86_64 with QEMU's VMware backdoor model (vmport=on) and
# runs a static probe linked with the static library as the guest's init
# program. Run alone: ctest --test-dir build -L qemu --output-on-failure
# The script exits 77 (SKIPPED, with the reason) when QEMU, busybox-static,
# cpio or the kernel cannot be had.
set(VMBD_QEMU_DIR ${CMAKE_CURRENT_SOURCE_DIR}/qemu)

if(VMBD_SANITIZE)
  # ASan cannot be linked statically, and the probe must be static.
  vmbd_skip_test(qemu_vmport "the static guest probe cannot be built with VMBD_SANITIZE" qemu)
  return()
endif()

if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND
   CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  # The initramfs holds no shared libraries: everything in it is static.
  add_executable(vmbd-qemu-probe ${VMBD_QEMU_DIR}/probe.c)
  target_link_libraries(vmbd-qemu-probe PRIVATE vmbackdoor_static)
  target_link_options(vmbd-qemu-probe PRIVATE -static)

  set(VMBD_QEMU_ARGS --probe $<TARGET_FILE:vmbd-qemu-probe>
                     --work ${CMAKE_CURRENT_BINARY_DIR}/qemu)
  # The guest also runs the real vmbd-time: a static twin of the example
  # program, built from the same sources.
  if(TARGET vmbd-time)
    get_target_property(VMBD_TIME_SOURCES vmbd-time SOURCES)
    get_target_property(VMBD_TIME_SOURCE_DIR vmbd-time SOURCE_DIR)
    list(TRANSFORM VMBD_TIME_SOURCES PREPEND ${VMBD_TIME_SOURCE_DIR}/
         REGEX "^[^/]")
    add_executable(vmbd-time-static ${VMBD_TIME_SOURCES})
    target_include_directories(vmbd-time-static PRIVATE ${VMBD_TIME_SOURCE_DIR})
    target_link_libraries(vmbd-time-static PRIVATE vmbackdoor_static)
    target_link_options(vmbd-time-static PRIVATE -static)
    list(APPEND VMBD_QEMU_ARGS --vmbd-time $<TARGET_FILE:vmbd-time-static>)
  endif()
  add_test(NAME qemu_vmport
           COMMAND bash ${VMBD_QEMU_DIR}/run.sh ${VMBD_QEMU_ARGS})
else()
  add_test(NAME qemu_vmport
           COMMAND sh -c "echo 'SKIPPED: the QEMU test boots an x86-64 Linux guest; this build targets ${CMAKE_SYSTEM_NAME}/${CMAKE_SYSTEM_PROCESSOR}'; exit 77")
endif()
# A TCG boot takes about 10 s on an idle 2-core machine, but 40 s and more
# when other builds share it; the bound leaves room for that and a first
# kernel download, and is above run.sh's own 180 s boot timeout so the
# script reports a hang itself.
set_tests_properties(qemu_vmport PROPERTIES LABELS qemu SKIP_RETURN_CODE 77
                     TIMEOUT 300)
