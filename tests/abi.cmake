# ABI check (label `abi`): exports of libvmbackdoor.so == VMBD_API
# declarations in the public headers, all with the version node
# VMBD_${VMBD_ABI_VERSION}; the static archive defines no other globals
# than those and internal vmbd__* ones. A function declared in a header
# must land together with its implementation.
add_test(NAME abi_symbols
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_symbols.sh
          $<TARGET_FILE:vmbackdoor> $<TARGET_FILE:vmbackdoor_static>
          ${PROJECT_SOURCE_DIR}/include/vmbackdoor VMBD_${VMBD_ABI_VERSION})
set_tests_properties(abi_symbols PROPERTIES LABELS abi SKIP_RETURN_CODE 77)
