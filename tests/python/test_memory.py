"""100,000 wrapped calls leave memory flat.

Bound (stated here and checked): after a warm-up, 100,000 calls through
the bindings (20,000 each of get_version, read_host_time, RPCI info_get,
policy feed and an idle TCLO poll, all on the simulator) may grow the
Python heap traced by tracemalloc by at most TRACED_BOUND bytes and the
process's resident set (/proc/self/statm) by at most RSS_BOUND bytes. A
leak of one small object per call (~50 bytes) would be 5 MB; the
self-check below proves the same measurement catches that."""

import gc
import os
import resource
import tracemalloc
import unittest

from vmbd_test import vb

CALLS = 100000
TRACED_BOUND = 64 * 1024
RSS_BOUND = 2 * 1024 * 1024


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def measure(work, rounds):
    """(traced growth, RSS growth) of work() run `rounds` times."""
    for _ in range(100):   # warm-up: caches, free lists, arenas
        work()
    gc.collect()
    tracemalloc.start()
    try:
        traced0 = tracemalloc.get_traced_memory()[0]
        rss0 = rss_bytes()
        for _ in range(rounds):
            work()
        gc.collect()
        traced1 = tracemalloc.get_traced_memory()[0]
        rss1 = rss_bytes()
    finally:
        tracemalloc.stop()
    return traced1 - traced0, rss1 - rss0


@unittest.skipUnless(os.path.exists("/proc/self/statm"),
                     "needs /proc/self/statm for the RSS")
class Memory(unittest.TestCase):
    def test_100000_calls_keep_memory_flat(self):
        sim = vb.Simulator()
        ctx = sim.context()
        sim.guestinfo_set("guestinfo.k", "value")
        rpci = ctx.rpci()
        tclo = ctx.tclo()
        policy = vb.Policy()
        calls = [0]

        def work():
            assert ctx.get_version().version == 6
            assert ctx.read_host_time().sec > 0
            assert rpci.info_get("guestinfo.k") == b"value"
            assert policy.feed(b"Time_Synchronize 0").reply == b"OK "
            assert tclo.poll() is None
            calls[0] += 5

        traced, rss = measure(work, CALLS // 5)
        self.assertEqual(calls[0], CALLS + 500)  # plus the warm-up
        print("\n100000 calls: tracemalloc %+d B (bound %d), RSS %+d B "
              "(bound %d)" % (traced, TRACED_BOUND, rss, RSS_BOUND))
        self.assertLess(traced, TRACED_BOUND)
        self.assertLess(rss, RSS_BOUND)

    def test_the_measurement_catches_a_small_leak(self):
        leak = []
        ctx = vb.Simulator().context()

        def work():
            ctx.get_version()
            leak.append(bytes(50))  # a per-call leak of ~80 bytes

        traced, _ = measure(work, CALLS)
        self.assertGreater(traced, TRACED_BOUND)


if __name__ == "__main__":
    unittest.main()
