# vmbd-time CLI tests on the simulator (label `cli`): tests/cli/*.py run
# the real program. SKIPPED without python3.
if(NOT TARGET vmbd-time)
  return()
endif()
find_program(VMBD_PYTHON3 python3)
set(VMBD_CLI_CASES demo synctime0_drift suspend_ahead host_reset veto dry_run usage
    script_errors status_sync signal channel_loss call_budget power_ops
    script_host_events env_values write_error refclock_rate)
foreach(case ${VMBD_CLI_CASES})
  if(NOT VMBD_PYTHON3)
    vmbd_skip_test(vmbd_time_${case} "python3 not found" cli)
    continue()
  endif()
  add_test(NAME vmbd_time_${case}
    COMMAND ${VMBD_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/cli/vmbd_time_cli.py
            $<TARGET_FILE:vmbd-time> ${case})
  set_tests_properties(vmbd_time_${case} PROPERTIES LABELS cli
    SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()

# A real chronyd (-x: never touches the clock) fed by the daemon's SOCK
# refclock under --sim (label `chrony`); SKIPPED without chrony.
if(CMAKE_CROSSCOMPILING)
  # The SOCK refclock sample is a C struct with a struct timeval: an i386
  # vmbd-time and this machine's x86-64 chronyd disagree on its size, as
  # two builds for one machine never would.
  vmbd_skip_test(vmbd_time_chrony_refclock
    "cross build (${CMAKE_SYSTEM_PROCESSOR}): the chronyd of this machine has another struct timeval"
    chrony)
elseif(VMBD_PYTHON3)
  add_test(NAME vmbd_time_chrony_refclock
    COMMAND ${VMBD_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/cli/chrony_refclock.py
            $<TARGET_FILE:vmbd-time>)
  set_tests_properties(vmbd_time_chrony_refclock PROPERTIES LABELS chrony
    SKIP_RETURN_CODE 77 TIMEOUT 90)
else()
  vmbd_skip_test(vmbd_time_chrony_refclock "python3 not found" chrony)
endif()
