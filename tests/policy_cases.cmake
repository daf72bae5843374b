# The table-driven policy test reads its cases (data, not code) from the
# source tree. Without cmocka the test is only a SKIPPED placeholder (no
# target), so there is nothing to configure.
if(NOT TARGET test_policy_cases)
  return()
endif()
target_compile_definitions(test_policy_cases PRIVATE
  VMBD_POLICY_CASES="${CMAKE_CURRENT_SOURCE_DIR}/policy_cases.txt")
set_property(TARGET test_policy_cases APPEND PROPERTY
  COMPILE_DEFINITIONS _POSIX_C_SOURCE=200809L)
set_property(TEST test_policy_cases APPEND PROPERTY
  LABELS policy)
