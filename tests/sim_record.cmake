# The recorder behind tests/sim_qemu_frames.h (see
# tests/sim_record/record_qemu_frames.c). Built so it keeps compiling; run
# only by hand inside tests/qemu/run.sh's guest, never as a test.
# Static like the QEMU probe, so not in sanitizer builds (ASan cannot be
# linked statically).
if(NOT VMBD_SANITIZE AND CMAKE_SYSTEM_NAME STREQUAL "Linux" AND
   CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  add_executable(vmbd-sim-record-qemu
                 ${CMAKE_CURRENT_SOURCE_DIR}/sim_record/record_qemu_frames.c)
  target_link_options(vmbd-sim-record-qemu PRIVATE -static)
endif()
