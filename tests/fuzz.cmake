# Fuzz targets (label fuzz) and their corpora as regression tests (label
# corpus). Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput and
# checks its properties with abort(); tests/fuzz/corpus/NAME/ holds its
# committed inputs: hand-written seeds (tests/fuzz/make_seeds.py), what
# the fuzzer found that adds coverage, and every crash reproducer.
#
#   fuzz_replay_NAME  (any compiler, every build, cross builds and valgrind
#                     too) feeds every corpus file to the target once: a
#                     reproducer that crashes again fails it, libFuzzer or
#                     not. Label corpus (and unit).
#   fuzz_NAME         (clang with libFuzzer) a short deterministic libFuzzer
#                     run from the corpus under ASan+UBSan on every
#                     `./dev test`: VMBD_FUZZ_RUNS inputs (default 20000).
#                     `./dev fuzz` runs the same programs for a time budget.
# tests/fuzz/NAME.dict (a libFuzzer dictionary) and tests/fuzz/NAME.options
# (extra libFuzzer flags, e.g. -max_len=512) are used when present, here
# and by `./dev fuzz`.
# New inputs of the short runs go to fuzz-work/NAME in the build tree,
# never into the source tree.
set(VMBD_FUZZ_DIR ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
file(GLOB VMBD_FUZZ_SOURCES CONFIGURE_DEPENDS ${VMBD_FUZZ_DIR}/fuzz_*.c)

include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
check_c_source_compiles(
  "#include <stddef.h>
   int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);
   int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n) { (void)d; (void)n; return 0; }"
  VMBD_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)

if(VMBD_HAVE_LIBFUZZER)
  # The library once more with libFuzzer's coverage instrumentation (and
  # the sanitizers, whatever VMBD_SANITIZE says), from the same sources
  # and definitions as the real one.
  set(VMBD_FUZZ_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  get_target_property(vmbd_lib_sources vmbackdoor_objects SOURCES)
  get_target_property(vmbd_lib_defs vmbackdoor_objects COMPILE_DEFINITIONS)
  add_library(vmbackdoor_fuzz STATIC ${vmbd_lib_sources})
  target_compile_definitions(vmbackdoor_fuzz PRIVATE ${vmbd_lib_defs})
  target_include_directories(vmbackdoor_fuzz PUBLIC
                             ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(vmbackdoor_fuzz PRIVATE -fsanitize=fuzzer-no-link
                         ${VMBD_FUZZ_FLAGS})
endif()

foreach(src ${VMBD_FUZZ_SOURCES})
  get_filename_component(prog ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" name ${prog})
  set(corpus ${VMBD_FUZZ_DIR}/corpus/${name})

  add_executable(fuzz_replay_${name} ${VMBD_FUZZ_DIR}/replay.c ${src})
  target_link_libraries(fuzz_replay_${name} PRIVATE vmbackdoor_static)
  target_include_directories(fuzz_replay_${name} PRIVATE ${VMBD_FUZZ_DIR})
  add_test(NAME fuzz_replay_${name} COMMAND fuzz_replay_${name} ${corpus})
  set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS "unit;corpus")

  if(NOT VMBD_HAVE_LIBFUZZER)
    vmbd_skip_test(${prog} "needs clang with libFuzzer (libfuzzer-14-dev)" fuzz)
    continue()
  endif()
  add_executable(${prog} ${src})
  target_link_libraries(${prog} PRIVATE vmbackdoor_fuzz)
  target_include_directories(${prog} PRIVATE ${VMBD_FUZZ_DIR})
  target_compile_options(${prog} PRIVATE -fsanitize=fuzzer ${VMBD_FUZZ_FLAGS})
  target_link_options(${prog} PRIVATE -fsanitize=fuzzer ${VMBD_FUZZ_FLAGS})
  set(extra)
  if(EXISTS ${VMBD_FUZZ_DIR}/${name}.dict)
    list(APPEND extra -dict=${VMBD_FUZZ_DIR}/${name}.dict)
  endif()
  if(EXISTS ${VMBD_FUZZ_DIR}/${name}.options)
    file(READ ${VMBD_FUZZ_DIR}/${name}.options opts)
    separate_arguments(opts UNIX_COMMAND "${opts}")
    list(APPEND extra ${opts})
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 ${VMBD_FUZZ_DIR}/${name}.options)
  endif()
  set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-work/${name})
  file(MAKE_DIRECTORY ${work})
  # sh reads VMBD_FUZZ_RUNS when the test runs, not when CMake configures.
  # libFuzzer exits 77 on a crash by default, which CTest could take for
  # SKIPPED: 1 instead.
  add_test(NAME ${prog}
    COMMAND sh -c "exec \"$0\" -runs=\${VMBD_FUZZ_RUNS:-20000} -seed=1 -timeout=10 -error_exitcode=1 -timeout_exitcode=1 \"$@\""
            $<TARGET_FILE:${prog}> ${extra} -artifact_prefix=${work}/
            ${work} ${corpus})
  set_tests_properties(${prog} PROPERTIES LABELS fuzz TIMEOUT 300)
endforeach()
