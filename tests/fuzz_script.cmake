# libFuzzer run of the host-script parser (label `fuzz`): a bounded number
# of runs on every `./dev test`, with the parser itself instrumented. Needs
# clang with libFuzzer (Debian: libfuzzer-14-dev); SKIPPED otherwise.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
check_c_source_compiles(
  "#include <stddef.h>
   int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);
   int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n) { (void)d; (void)n; return 0; }"
  VMBD_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
if(NOT VMBD_HAVE_LIBFUZZER)
  vmbd_skip_test(fuzz_script "needs clang with libFuzzer (libfuzzer-14-dev)" fuzz)
  return()
endif()
add_executable(fuzz_script ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_script.c
               ${PROJECT_SOURCE_DIR}/lib/script.c)
target_include_directories(fuzz_script PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_compile_definitions(fuzz_script PRIVATE VMBD_STATIC_DEFINE)
target_compile_options(fuzz_script PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(fuzz_script PRIVATE -fsanitize=fuzzer,address,undefined)
add_test(NAME fuzz_script
  COMMAND fuzz_script -runs=300000 -max_len=2048 -seed=1
          -dict=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/script.dict)
set_tests_properties(fuzz_script PROPERTIES LABELS fuzz TIMEOUT 300)
