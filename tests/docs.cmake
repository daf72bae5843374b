# Manual pages must be clean under `mandoc -T lint -W warning` (SKIPPED
# without mandoc; ./dev test installs it).
file(GLOB VMBD_MAN_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.[1-9])
foreach(page ${VMBD_MAN_SOURCES})
  get_filename_component(page_name ${page} NAME)
  add_test(NAME man_lint_${page_name}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/docs/man_lint.sh ${page})
  set_tests_properties(man_lint_${page_name} PROPERTIES LABELS docs
    SKIP_RETURN_CODE 77)
endforeach()
