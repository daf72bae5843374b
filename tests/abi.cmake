# ABI check (label `abi`): exports of libvmbackdoor.so == VMBD_API
# declarations in the public headers, all with the version node
# VMBD_${VMBD_ABI_VERSION}; the static archive defines only vmbd_* globals.
# tests/abi_pending.txt (functions declared before their layer landed) is
# optional: it was deleted once empty.
set(VMBD_ABI_PENDING /dev/null)
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/abi_pending.txt)
  set(VMBD_ABI_PENDING ${CMAKE_CURRENT_SOURCE_DIR}/abi_pending.txt)
endif()
add_test(NAME abi_symbols
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_symbols.sh
          $<TARGET_FILE:vmbackdoor> $<TARGET_FILE:vmbackdoor_static>
          ${PROJECT_SOURCE_DIR}/include/vmbackdoor VMBD_${VMBD_ABI_VERSION}
          ${VMBD_ABI_PENDING})
set_tests_properties(abi_symbols PROPERTIES LABELS abi SKIP_RETURN_CODE 77)
