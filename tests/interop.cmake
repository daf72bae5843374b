# Differential tests against the real open-vm-tools (issue 7): a ptrace
# trap-and-emulate harness runs Debian's unmodified vmware-rpctool and
# vmtoolsd against our simulator. x86-64 Linux only; elsewhere the tests
# report SKIPPED (exit 77) with the reason.
set(VMBD_INTEROP_DIR ${CMAKE_CURRENT_SOURCE_DIR}/interop)

if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND
   CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  # Decoder unit test: pure code, runs everywhere the harness builds.
  if(CMOCKA_FOUND)
    add_executable(interop_test_x86_insn ${VMBD_INTEROP_DIR}/test_x86_insn.c
                   ${VMBD_INTEROP_DIR}/x86_insn.c)
    target_link_libraries(interop_test_x86_insn PRIVATE PkgConfig::CMOCKA)
    add_test(NAME interop_x86_insn COMMAND interop_test_x86_insn)
    set_tests_properties(interop_x86_insn PROPERTIES LABELS "unit;interop"
                         ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=stdout")
  else()
    vmbd_skip_test(interop_x86_insn "cmocka not found (libcmocka-dev)"
                   unit interop)
  endif()

  # The engine, shared by the self-test and vmbd-trap.
  add_library(vmbd_trap_engine STATIC
    ${VMBD_INTEROP_DIR}/x86_insn.c ${VMBD_INTEROP_DIR}/trap.c
    ${VMBD_INTEROP_DIR}/trap_cpuid.c ${VMBD_INTEROP_DIR}/trap_io.c
    ${VMBD_INTEROP_DIR}/trap_mem.c ${VMBD_INTEROP_DIR}/trap_syscall.c
    ${VMBD_INTEROP_DIR}/trap_sim.c)
  target_compile_definitions(vmbd_trap_engine PUBLIC _GNU_SOURCE)
  target_link_libraries(vmbd_trap_engine PUBLIC vmbackdoor_static)

  # The harness as a tool: any program against the simulator.
  add_executable(vmbd-trap ${VMBD_INTEROP_DIR}/vmbd-trap.c)
  target_link_libraries(vmbd-trap PRIVATE vmbd_trap_engine)

  # Point 2: vmware-rpctool against the simulator's guestinfo store.
  add_test(NAME interop_rpctool
           COMMAND sh ${VMBD_INTEROP_DIR}/rpctool.sh $<TARGET_FILE:vmbd-trap>)
  set_tests_properties(interop_rpctool PROPERTIES LABELS interop
                       SKIP_RETURN_CODE 77 TIMEOUT 60)

  # Point 2: our vmbd-rpc and vmware-rpctool, same output and status.
  if(TARGET vmbd-rpc)
    add_test(NAME interop_rpc_compare
             COMMAND sh ${VMBD_INTEROP_DIR}/rpc_compare.sh
                     $<TARGET_FILE:vmbd-trap> $<TARGET_FILE:vmbd-rpc>)
    set_tests_properties(interop_rpc_compare PROPERTIES LABELS interop
                         SKIP_RETURN_CODE 77 TIMEOUT 120)
  else()
    vmbd_skip_test(interop_rpc_compare
      "vmbd-rpc not built (VMBD_BUILD_EXAMPLES=OFF)" interop)
  endif()

  # Backdoor call counts of vmbd-time and vmbd-rpc on their real path
  # (vmbd_open, port backend) with the harness as the VMware host.
  if(TARGET vmbd-rpc AND TARGET vmbd-time)
    add_test(NAME interop_real_path_calls
             COMMAND sh ${VMBD_INTEROP_DIR}/real_path_calls.sh
                     $<TARGET_FILE:vmbd-trap> $<TARGET_FILE:vmbd-time>
                     $<TARGET_FILE:vmbd-rpc>)
    set_tests_properties(interop_real_path_calls PROPERTIES
                         LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 60)
  else()
    vmbd_skip_test(interop_real_path_calls
      "vmbd-time/vmbd-rpc not built (VMBD_BUILD_EXAMPLES=OFF)" interop)
  endif()

  # Point 3: vmtoolsd's timeSync against our policy engine and decision.
  # And against vmbd-time itself, fed the same scenarios as host scripts.
  add_executable(vmbd-interop-timesync ${VMBD_INTEROP_DIR}/timesync_compare.c
                 ${VMBD_INTEROP_DIR}/timesync_vmbd_time.c)
  target_link_libraries(vmbd-interop-timesync PRIVATE vmbd_trap_engine)
  if(TARGET vmbd-time)
    # Real time against a ptrace'd vmtoolsd: RUN_SERIAL keeps the rest of
    # the suite from starving it (its waits are for events, bounded, but a
    # machine with every core busy slows every child syscall stop).
    add_test(NAME interop_timesync
             COMMAND vmbd-interop-timesync --vmbd-time $<TARGET_FILE:vmbd-time>)
    set_tests_properties(interop_timesync PROPERTIES LABELS interop
                         SKIP_RETURN_CODE 77 TIMEOUT 400 RUN_SERIAL TRUE)
    # Its vmbd-time half can fail: a changed reply, step or slew is caught.
    add_test(NAME interop_timesync_detects
             COMMAND sh ${VMBD_INTEROP_DIR}/timesync_detects.sh
                     $<TARGET_FILE:vmbd-interop-timesync> $<TARGET_FILE:vmbd-time>)
    set_tests_properties(interop_timesync_detects PROPERTIES LABELS interop
                         SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE)
  else()
    vmbd_skip_test(interop_timesync
      "vmbd-time not built (VMBD_BUILD_EXAMPLES=OFF): it is half of the comparison"
      interop)
    vmbd_skip_test(interop_timesync_detects
      "vmbd-time not built (VMBD_BUILD_EXAMPLES=OFF)" interop)
  endif()

  # Self-test: the engine against a stub host and a guest program that
  # does everything open-vm-tools does (cpuid, in, rep outsb/insb, clock
  # calls, vsock, threads, fork, exec, dlopen).
  add_library(trap_guest_lib SHARED ${VMBD_INTEROP_DIR}/trap_guest_lib.c)
  add_executable(trap_guest ${VMBD_INTEROP_DIR}/trap_guest.c)
  target_compile_definitions(trap_guest PRIVATE _GNU_SOURCE)
  target_link_libraries(trap_guest PRIVATE Threads::Threads ${CMAKE_DL_LIBS})
  add_executable(vmbd-trap-selftest ${VMBD_INTEROP_DIR}/trap_selftest.c)
  target_link_libraries(vmbd-trap-selftest PRIVATE vmbd_trap_engine)
  add_dependencies(vmbd-trap-selftest trap_guest trap_guest_lib)
  add_test(NAME interop_trap_selftest
           COMMAND vmbd-trap-selftest $<TARGET_FILE:trap_guest>
                   $<TARGET_FILE:trap_guest_lib>)
  set_tests_properties(interop_trap_selftest PROPERTIES LABELS interop
                       SKIP_RETURN_CODE 77 TIMEOUT 120)
else()
  vmbd_skip_test(interop_rpctool
    "the trap harness needs x86-64 Linux; this is ${CMAKE_SYSTEM_NAME}/${CMAKE_SYSTEM_PROCESSOR}"
    interop)
  vmbd_skip_test(interop_rpc_compare
    "the trap harness needs x86-64 Linux; this is ${CMAKE_SYSTEM_NAME}/${CMAKE_SYSTEM_PROCESSOR}"
    interop)
  vmbd_skip_test(interop_timesync
    "the trap harness needs x86-64 Linux; this is ${CMAKE_SYSTEM_NAME}/${CMAKE_SYSTEM_PROCESSOR}"
    interop)
  vmbd_skip_test(interop_timesync_detects
    "the trap harness needs x86-64 Linux; this is ${CMAKE_SYSTEM_NAME}/${CMAKE_SYSTEM_PROCESSOR}"
    interop)
  vmbd_skip_test(interop_real_path_calls
    "the trap harness needs x86-64 Linux; this is ${CMAKE_SYSTEM_NAME}/${CMAKE_SYSTEM_PROCESSOR}"
    interop)
  vmbd_skip_test(interop_trap_selftest
    "the trap harness needs x86-64 Linux (ptrace, port I/O decoding); this is ${CMAKE_SYSTEM_NAME}/${CMAKE_SYSTEM_PROCESSOR}"
    interop)
endif()
