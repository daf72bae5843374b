# Freestanding build (label freestanding): the parts a kernel driver embeds
# (the NetBSD/OpenBSD vmt(4) use case) compiled as a kernel would, with
# -ffreestanding, no PIC, no stack protector and no sanitizer, then
#   - linked into a static program with -nostdlib: tests/freestanding/
#     kernel_stub.c supplies only the functions in
#     cmake/freestanding_allowed.txt and an entry point that calls every
#     layer, so any other libc function makes the build fail;
#   - checked by nm: their undefined symbols are all on that list
#     (freestanding_symbols), and the check can fail (..._selfcheck).
# The set: policy engine, time-sync decision and sampler, strict number
# parsing, io dispatch and the real backends, channel, RPCI, TCLO, error
# names. Not in it: the typed backdoor commands and detection (they log
# through vsnprintf), the simulator, clocks, scripts.
set(VMBD_FREESTANDING_SOURCES
  policy.c policy_names.c policy_options.c strict_parse.c
  timesync_decide.c timesync_sample.c
  io.c io_x86.c io_arm64.c channel.c rpci.c tclo.c error.c)
list(TRANSFORM VMBD_FREESTANDING_SOURCES PREPEND ${PROJECT_SOURCE_DIR}/lib/)
set(VMBD_FREESTANDING_FLAGS -ffreestanding -fno-stack-protector -fno-pie
                            -fno-sanitize=all)

add_library(vmbackdoor_freestanding OBJECT ${VMBD_FREESTANDING_SOURCES})
target_include_directories(vmbackdoor_freestanding PRIVATE
                           ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/lib)
get_target_property(vmbd_lib_defs vmbackdoor_objects COMPILE_DEFINITIONS)
target_compile_definitions(vmbackdoor_freestanding PRIVATE ${vmbd_lib_defs})
target_compile_options(vmbackdoor_freestanding PRIVATE ${VMBD_FREESTANDING_FLAGS})
set_target_properties(vmbackdoor_freestanding PROPERTIES
                      POSITION_INDEPENDENT_CODE OFF)

# The link proof. libgcc is the compiler's runtime, not libc: 32-bit
# targets need it for 64-bit division, and kernels carry the same
# functions (the allowed list names them).
add_executable(vmbd-freestanding-link
  ${CMAKE_CURRENT_SOURCE_DIR}/freestanding/kernel_stub.c
  $<TARGET_OBJECTS:vmbackdoor_freestanding>)
target_include_directories(vmbd-freestanding-link PRIVATE
                           ${PROJECT_SOURCE_DIR}/include)
target_compile_options(vmbd-freestanding-link PRIVATE ${VMBD_FREESTANDING_FLAGS})
set_target_properties(vmbd-freestanding-link PROPERTIES
                      POSITION_INDEPENDENT_CODE OFF)
target_link_options(vmbd-freestanding-link PRIVATE -nostdlib -static -no-pie
                    -fno-sanitize=all)
target_link_libraries(vmbd-freestanding-link PRIVATE gcc)

set(VMBD_NM ${CMAKE_NM})
if(NOT VMBD_NM)
  set(VMBD_NM nm)
endif()
add_test(NAME freestanding_symbols
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_undefined_symbols.sh
          ${PROJECT_SOURCE_DIR}/cmake/freestanding_allowed.txt "."
          $<TARGET_OBJECTS:vmbackdoor_freestanding>
  COMMAND_EXPAND_LISTS)
# With nothing allowed the same objects must be rejected (they copy and
# compare memory), or the check above proves nothing.
add_test(NAME freestanding_symbols_selfcheck
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_undefined_symbols.sh
          /dev/null "." $<TARGET_OBJECTS:vmbackdoor_freestanding>
  COMMAND_EXPAND_LISTS)
set_tests_properties(freestanding_symbols freestanding_symbols_selfcheck
  PROPERTIES LABELS "unit;freestanding" SKIP_RETURN_CODE 77
  ENVIRONMENT "NM=${VMBD_NM}")
set_tests_properties(freestanding_symbols_selfcheck PROPERTIES WILL_FAIL TRUE)
