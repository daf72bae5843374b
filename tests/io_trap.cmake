# io_trap (labels io, interop): the library's real x86-64 port backend
# (inline asm for `in`, `rep outsb`, `rep insb`) run end to end under the
# trap-and-emulate harness of tests/interop: the guest drops all I/O
# privilege, so each backdoor instruction faults before touching a port and
# the driver answers it from the simulator. Elsewhere: SKIPPED.
if(TARGET vmbd_trap_engine)
  add_executable(io_trap_guest ${CMAKE_CURRENT_SOURCE_DIR}/io_trap/guest.c)
  target_link_libraries(io_trap_guest PRIVATE vmbackdoor_static)
  add_executable(io_trap_driver ${CMAKE_CURRENT_SOURCE_DIR}/io_trap/driver.c)
  target_include_directories(io_trap_driver PRIVATE
                             ${CMAKE_CURRENT_SOURCE_DIR}/interop)
  target_link_libraries(io_trap_driver PRIVATE vmbd_trap_engine)
  add_test(NAME io_trap COMMAND io_trap_driver $<TARGET_FILE:io_trap_guest>)
  # The same guest with its own copy of the backend built with rbp as the
  # frame pointer (-O0) and without (-O2): the HB asm swaps rbp, so both
  # code shapes must survive it. The copy's definitions win over the
  # archive's io_x86.o, which is then not linked.
  foreach(variant fp nofp)
    add_executable(io_trap_guest_${variant}
                   ${CMAKE_CURRENT_SOURCE_DIR}/io_trap/guest.c
                   ${PROJECT_SOURCE_DIR}/lib/io_x86.c)
    target_link_libraries(io_trap_guest_${variant} PRIVATE vmbackdoor_static)
    add_test(NAME io_trap_${variant}
             COMMAND io_trap_driver $<TARGET_FILE:io_trap_guest_${variant}>)
  endforeach()
  target_compile_options(io_trap_guest_fp PRIVATE -O0 -fno-omit-frame-pointer)
  target_compile_options(io_trap_guest_nofp PRIVATE -O2 -fomit-frame-pointer)
  set_tests_properties(io_trap io_trap_fp io_trap_nofp PROPERTIES
                       LABELS "io;interop" SKIP_RETURN_CODE 77 TIMEOUT 120)
else()
  vmbd_skip_test(io_trap
    "the trap harness needs x86-64 Linux; this is ${CMAKE_SYSTEM_NAME}/${CMAKE_SYSTEM_PROCESSOR}"
    io interop)
endif()
