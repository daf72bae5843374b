# test_io_hypercall runs the vmcall/vmmcall backends' asm with the
# instructions swapped for a trap (see the test). As for io_trap, the same
# test is also built with rbp as the frame pointer (-O0) and without (-O2),
# since the HB asm swaps rbp around the instruction.
if(TARGET test_io_hypercall)
  foreach(variant fp nofp)
    add_executable(test_io_hypercall_${variant}
                   ${CMAKE_CURRENT_SOURCE_DIR}/test_io_hypercall.c)
    target_link_libraries(test_io_hypercall_${variant} PRIVATE
                          vmbackdoor_static PkgConfig::CMOCKA)
    target_include_directories(test_io_hypercall_${variant} PRIVATE
                               ${PROJECT_SOURCE_DIR}/lib
                               ${CMAKE_CURRENT_SOURCE_DIR})
    add_test(NAME test_io_hypercall_${variant}
             COMMAND test_io_hypercall_${variant})
    set_tests_properties(test_io_hypercall_${variant} PROPERTIES LABELS unit
                         ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=stdout")
  endforeach()
  target_compile_options(test_io_hypercall_fp PRIVATE -O0 -fno-omit-frame-pointer)
  target_compile_options(test_io_hypercall_nofp PRIVATE -O2 -fomit-frame-pointer)
endif()
