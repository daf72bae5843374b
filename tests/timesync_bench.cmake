# The time-sync benchmark's correctness properties on shortened runs (6
# simulated hours per scenario instead of 24): ours never steps backward
# unless the host allowed it and never changes the clock while the host
# has sync off, and the checker catches NetBSD's model, which ignores
# synctime 0 (so the test can fail). Accuracy numbers are printed, never
# asserted here: they are the benchmark's business.
if(TARGET bench_timesync)
  # The target's name, not its file: CTest then runs it through the
  # cross-compiling emulator (qemu-aarch64) too.
  add_test(NAME bench_timesync_properties
    COMMAND bench_timesync --check --hours 6)
  set_tests_properties(bench_timesync_properties PROPERTIES
    LABELS "unit;timesync")
endif()
