# The policy property test runs 100,000 sequences by default
# (VMBD_PROPERTY_ITERS overrides, VMBD_PROPERTY_SEED reseeds). A shorter
# run under valgrind memcheck adds uninitialised-read and overrun checks
# for the gcc build (the clang build runs it under ASan/UBSan already).
set_property(TEST test_policy_property APPEND PROPERTY LABELS policy)
find_program(VMBD_VALGRIND valgrind)
if(NOT TARGET test_policy_property)
  # No cmocka: test_policy_property is a SKIPPED placeholder.
  vmbd_skip_test(policy_property_memcheck "cmocka not found (libcmocka-dev)" policy)
elseif(CMAKE_CROSSCOMPILING)
  vmbd_skip_test(policy_property_memcheck
    "cross build (${CMAKE_SYSTEM_PROCESSOR}): valgrind here checks native programs only; ./dev memcheck covers the native build" policy)
elseif(VMBD_SANITIZE)
  # Valgrind cannot run an ASan-instrumented program (both replace malloc
  # and own the shadow memory); the sanitizers check this build instead.
  vmbd_skip_test(policy_property_memcheck
    "valgrind cannot run a VMBD_SANITIZE build; the sanitizers check it" policy)
elseif(VMBD_VALGRIND)
  add_test(NAME policy_property_memcheck
    COMMAND ${VMBD_VALGRIND} --quiet --error-exitcode=1 --leak-check=full
            $<TARGET_FILE:test_policy_property>)
  set_tests_properties(policy_property_memcheck PROPERTIES
    LABELS policy
    ENVIRONMENT "VMBD_PROPERTY_ITERS=2000;CMOCKA_MESSAGE_OUTPUT=stdout")
else()
  add_test(NAME policy_property_memcheck
    COMMAND sh -c "echo 'SKIPPED: valgrind not installed'; exit 77")
  set_tests_properties(policy_property_memcheck PROPERTIES
    LABELS policy SKIP_RETURN_CODE 77)
endif()
