# Every exported function is used by some test (label `abi`); see
# check_api_tested.sh.
add_test(NAME api_tested
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_api_tested.sh
          $<TARGET_FILE:vmbackdoor> ${CMAKE_CURRENT_SOURCE_DIR})
set_tests_properties(api_tested PROPERTIES LABELS abi SKIP_RETURN_CODE 77)
