# vmbd-rpc's command-line conventions (vmware-rpctool's) on the simulator,
# and its refusal to touch the backdoor on a machine that is not VMware.
if(TARGET vmbd-rpc)
  add_test(NAME vmbd_rpc_cli
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vmbd_rpc_cli.sh $<TARGET_FILE:vmbd-rpc>)
  set_tests_properties(vmbd_rpc_cli PROPERTIES LABELS cli SKIP_RETURN_CODE 77)
endif()
