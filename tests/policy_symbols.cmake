# The policy engine and the time-sync decision are pure: their compiled
# objects may call nothing but the functions in cmake/freestanding_allowed.txt
# (no I/O, no clock, no malloc, no strtol). nm proves it on every build.
set(VMBD_PURE_OBJECTS "^(policy|timesync|strict_parse)[^/]*\\.o(bj)?$")
add_test(NAME policy_symbols
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_undefined_symbols.sh
          ${PROJECT_SOURCE_DIR}/cmake/freestanding_allowed.txt
          ${VMBD_PURE_OBJECTS} $<TARGET_OBJECTS:vmbackdoor_objects>
  COMMAND_EXPAND_LISTS)
set_tests_properties(policy_symbols PROPERTIES
  LABELS "unit;policy" SKIP_RETURN_CODE 77)
# The check must be able to fail: with nothing allowed, the same objects
# (which copy and compare memory) are rejected.
add_test(NAME policy_symbols_selfcheck
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_undefined_symbols.sh
          /dev/null ${VMBD_PURE_OBJECTS}
          $<TARGET_OBJECTS:vmbackdoor_objects>
  COMMAND_EXPAND_LISTS)
set_tests_properties(policy_symbols_selfcheck PROPERTIES
  LABELS "unit;policy" WILL_FAIL TRUE)
# The toolchain's nm (a cross build's objects are not this machine's).
if(CMAKE_NM)
  set_property(TEST policy_symbols policy_symbols_selfcheck APPEND PROPERTY
               ENVIRONMENT "NM=${CMAKE_NM}")
endif()
