# libFuzzer run of the channel, RPCI and TCLO layers against a host whose
# every answer is fuzz input (label `fuzz`): bounded runs on every
# `./dev test`, the three layers instrumented. Needs clang with libFuzzer
# (Debian: libfuzzer-14-dev); SKIPPED otherwise.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
check_c_source_compiles(
  "#include <stddef.h>
   int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);
   int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n) { (void)d; (void)n; return 0; }"
  VMBD_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
if(NOT VMBD_HAVE_LIBFUZZER)
  vmbd_skip_test(fuzz_channel "needs clang with libFuzzer (libfuzzer-14-dev)" fuzz)
  return()
endif()
add_executable(fuzz_channel ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_channel.c
               ${PROJECT_SOURCE_DIR}/lib/channel.c
               ${PROJECT_SOURCE_DIR}/lib/rpci.c
               ${PROJECT_SOURCE_DIR}/lib/tclo.c)
target_include_directories(fuzz_channel PRIVATE ${PROJECT_SOURCE_DIR}/include
                           ${PROJECT_SOURCE_DIR}/lib)
target_compile_definitions(fuzz_channel PRIVATE VMBD_STATIC_DEFINE)
target_compile_options(fuzz_channel PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(fuzz_channel PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_channel PRIVATE vmbackdoor_static)
# Seeds (tests/fuzz/channel_seeds) are complete exchanges (LB and HB
# receives of exactly the buffer's size, an old host, a checkpoint retry)
# so one mutation reaches the edges; new inputs go to a build-tree corpus,
# never into the source tree.
set(VMBD_FUZZ_CHANNEL_CORPUS ${CMAKE_CURRENT_BINARY_DIR}/fuzz_channel_corpus)
file(MAKE_DIRECTORY ${VMBD_FUZZ_CHANNEL_CORPUS})
add_test(NAME fuzz_channel
  COMMAND fuzz_channel -runs=200000 -max_len=512 -seed=1
          ${VMBD_FUZZ_CHANNEL_CORPUS} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/channel_seeds)
set_tests_properties(fuzz_channel PROPERTIES LABELS fuzz TIMEOUT 300)
