# vmbd-time command-line tests (label `cli`). They never touch the real
# backdoor: --sim, or a machine that is not VMware (nothing is executed),
# or option errors. Never add a --force test: on a non-VMware machine with
# port access it would execute a real backdoor instruction.
if(NOT TARGET vmbd-time)
  return()
endif()
set(VMBD_EXPECT sh ${CMAKE_CURRENT_SOURCE_DIR}/expect.sh)

# The simulated host's defaults (lib/sim.c): version 6, ESX, host and
# guest at 2026-01-01T00:00:00Z, max lag 1 s; GETVERSION plus one time read
# is exactly two backdoor calls.
add_test(NAME vmbd_time_status_sim
  COMMAND ${VMBD_EXPECT} 0 "^version: +6, product ESX \\(2\\)$"
          "^host time: +2026-01-01T00:00:00\\.000000Z \\(GETTIMEFULL_WITH_LAG\\)$"
          "^guest time: +2026-01-01T00:00:00\\.000000Z$"
          "^offset: +\\+0\\.000000 s" "^max lag: +1\\.000000 s$"
          "^backdoor calls: +2$"
          -- $<TARGET_FILE:vmbd-time> status --sim)
add_test(NAME vmbd_time_status_not_vmware
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/vmbd_time_not_vmware.sh
          $<TARGET_FILE:vmbd-time>)
add_test(NAME vmbd_time_bad_flag
  COMMAND ${VMBD_EXPECT} -n 1 2 "^vmbd-time status: bad option '--bogus'"
          -- $<TARGET_FILE:vmbd-time> status --bogus)
add_test(NAME vmbd_time_bad_global_flag
  COMMAND ${VMBD_EXPECT} -n 1 2 "^vmbd-time: bad option '--bogus'"
          -- $<TARGET_FILE:vmbd-time> --bogus)
add_test(NAME vmbd_time_unknown_command
  COMMAND ${VMBD_EXPECT} -n 1 2 "^vmbd-time: unknown command 'frobnicate'"
          -- $<TARGET_FILE:vmbd-time> frobnicate)
add_test(NAME vmbd_time_no_command
  COMMAND ${VMBD_EXPECT} -n 1 2 "missing command" -- $<TARGET_FILE:vmbd-time>)
add_test(NAME vmbd_time_stray_argument
  COMMAND ${VMBD_EXPECT} -n 1 2 "unexpected argument 'now'"
          -- $<TARGET_FILE:vmbd-time> status --sim now)
add_test(NAME vmbd_time_sim_and_force
  COMMAND ${VMBD_EXPECT} -n 1 2 "--sim and --force exclude each other"
          -- $<TARGET_FILE:vmbd-time> status --sim --force)
add_test(NAME vmbd_time_version
  COMMAND ${VMBD_EXPECT} -n 1 0 "^vmbd-time \\(libvmbackdoor ${PROJECT_VERSION}\\)$"
          -- $<TARGET_FILE:vmbd-time> --version)
add_test(NAME vmbd_time_help
  COMMAND ${VMBD_EXPECT} 0 "^usage: vmbd-time " "^  status " "^  3  not running on VMware"
          -- $<TARGET_FILE:vmbd-time> --help)
add_test(NAME vmbd_time_status_help
  COMMAND ${VMBD_EXPECT} 0 "^usage: vmbd-time status " "--force"
          -- $<TARGET_FILE:vmbd-time> status --help)
set_tests_properties(
  vmbd_time_status_sim vmbd_time_status_not_vmware vmbd_time_bad_flag
  vmbd_time_bad_global_flag vmbd_time_unknown_command vmbd_time_no_command
  vmbd_time_stray_argument vmbd_time_sim_and_force vmbd_time_version
  vmbd_time_help vmbd_time_status_help
  PROPERTIES LABELS cli SKIP_RETURN_CODE 77)
