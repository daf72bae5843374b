"""The simulator through the bindings: allocation by vmbd_sim_size(),
personality fields through the checked mirror, virtual time, guestinfo,
TCLO queue and records, faults, channels; error paths for each."""

import unittest

from vmbd_test import vb

Err = vb.Err
S = 10**9


class Simulator(unittest.TestCase):
    def setUp(self):
        self.sim = vb.Simulator()

    def test_defaults(self):
        s = self.sim
        self.assertEqual((s.version, s.product, s.max_lag_us), (6, 2, 10**6))
        self.assertEqual(s.host_ns, vb.sim.DEFAULT_EPOCH_NS)
        self.assertEqual(s.guest_ns, vb.sim.DEFAULT_EPOCH_NS)
        self.assertEqual(s.now_ns, 0)
        self.assertGreater(s.size, 100000)

    def test_fields_are_range_checked(self):
        with self.assertRaises(ValueError):
            self.sim.max_lag_us = -1
        with self.assertRaises(ValueError):
            self.sim.version = 1 << 32
        with self.assertRaises(TypeError):
            self.sim.mhz = 1.5
        with self.assertRaises(ValueError):
            self.sim.uuid = b"x"
        with self.assertRaises(ValueError):
            self.sim.calls_by_cmd(128)
        self.assertEqual(self.sim.max_lag_us, 10**6)

    def test_profiles(self):
        self.sim.set_profile(vb.Profile.QEMU)
        self.assertFalse(self.sim.command_enabled(vb.Cmd.GETTIME))
        self.assertTrue(self.sim.lb_only)
        with self.assertRaises(vb.VmbdError) as cm:
            self.sim.set_profile(7)
        self.assertEqual(cm.exception.err, Err.EINVAL)

    def test_set_command(self):
        self.sim.set_command(vb.Cmd.GETMHZ, False)
        self.assertFalse(self.sim.command_enabled(vb.Cmd.GETMHZ))
        self.sim.set_command(vb.Cmd.GETMHZ, True)
        self.assertTrue(self.sim.command_enabled(vb.Cmd.GETMHZ))
        with self.assertRaises(vb.VmbdError) as cm:
            self.sim.set_command(128, False)
        self.assertEqual(cm.exception.err, Err.EINVAL)
        self.assertFalse(self.sim.command_enabled(128))

    def test_virtual_time(self):
        s = self.sim
        s.guest_set_drift(100000)          # 100 ppm fast
        s.advance(10 * S)
        self.assertEqual(s.now_ns, 10 * S)
        self.assertEqual(s.host_ns - vb.sim.DEFAULT_EPOCH_NS, 10 * S)
        self.assertEqual(s.guest_ns - s.host_ns, 1000000)
        s.advance_to(20 * S)
        s.advance_to(5 * S)                 # the past: no-op
        self.assertEqual(s.now_ns, 20 * S)
        s.suspend(5 * S)
        self.assertEqual(s.now_ns, 25 * S)
        self.assertEqual(s.guest_ns - vb.sim.DEFAULT_EPOCH_NS,
                         20 * S + 2000000)
        s.host_step(-S)
        s.guest_step(3)
        s.guest_set_freq(0)
        self.assertEqual(s.guest_slew(-500), 0)
        self.assertEqual(s.guest_slew(0), -500)
        s.host_ns = 1000 * S
        self.assertEqual(s.host_ns, 1000 * S)
        s.guest_ns = 7 * S
        self.assertEqual(s.guest_ns, 7 * S)
        with self.assertRaises(ValueError):
            s.advance(1 << 63)

    def test_jitter_is_seeded(self):
        def reads(seed):
            sim = vb.Simulator()
            sim.read_jitter_us = 1000
            sim.seed(seed)
            ctx = sim.context()
            return [ctx.read_host_time().usec for _ in range(5)]
        self.assertEqual(reads(42), reads(42))
        self.assertNotEqual(reads(42), reads(43))
        with self.assertRaises(ValueError):
            self.sim.seed(-1)

    def test_guestinfo(self):
        self.sim.guestinfo_set("guestinfo.a", b"1")
        self.assertEqual(self.sim.guestinfo_get("guestinfo.a"), b"1")
        self.assertIsNone(self.sim.guestinfo_get("guestinfo.b"))
        with self.assertRaises(vb.VmbdError) as cm:
            self.sim.guestinfo_set("guestinfo.k" * 20, "v")
        self.assertEqual(cm.exception.err, Err.ETOOBIG)
        with self.assertRaises(ValueError):
            self.sim.guestinfo_set("guestinfo.a", b"a\0b")

    def test_guestinfo_store_full(self):
        with self.assertRaises(vb.VmbdError) as cm:
            for i in range(100):
                self.sim.guestinfo_set("guestinfo.k%d" % i, "v")
        self.assertEqual(cm.exception.err, Err.EFULL)

    def test_tclo_queue(self):
        self.sim.tclo_push("ping")
        self.sim.tclo_push(b"reset")
        self.assertEqual(self.sim.tclo_pending, 2)
        self.assertEqual(self.sim.tclo_records, [])
        with self.assertRaises(vb.VmbdError) as cm:
            self.sim.tclo_push(b"x" * 513)
        self.assertEqual(cm.exception.err, Err.ETOOBIG)
        with self.assertRaises(vb.VmbdError) as cm:
            for _ in range(20):
                self.sim.tclo_push("ping")
        self.assertEqual(cm.exception.err, Err.EFULL)

    def test_tclo_record_keeps_the_full_reply_length(self):
        ctx = self.sim.context()
        self.sim.tclo_push(b"bin\0cmd")
        loop = vb.TcloLoop(ctx, lambda cmd: b"R" * 600)
        self.assertEqual(loop.step(), b"bin\0cmd")
        loop.step()
        [rec] = self.sim.tclo_records
        self.assertEqual(rec.cmd, b"bin\0cmd")
        self.assertEqual(rec.reply, b"R" * 512)
        self.assertEqual(rec.reply_len, 600)

    def test_channels_and_faults(self):
        ctx = self.sim.context()
        self.sim.set_channels(2)
        a, b = ctx.rpci(), ctx.tclo()
        self.assertEqual(self.sim.open_channels, 2)
        with self.assertRaises(vb.VmbdError) as cm:
            self.sim.set_channels(9)
        self.assertEqual(cm.exception.err, Err.EINVAL)
        self.sim.set_fault(vb.Fault.CPT, at=1)
        a.call("log checkpointed")
        self.assertEqual(self.sim.fault_fired, 1)
        with self.assertRaises(vb.VmbdError) as cm:
            self.sim.set_fault(99)
        self.assertEqual(cm.exception.err, Err.EINVAL)
        b.close()

    def test_counters(self):
        ctx = self.sim.context()
        ctx.get_version()
        ctx.rpci().call("log x")
        s = self.sim
        self.assertEqual(s.calls_total, ctx.calls)
        self.assertEqual(s.calls_lb + s.calls_hb, s.calls_total)
        self.assertEqual(s.calls_hb, 2)
        self.assertEqual(s.calls_by_cmd(vb.Cmd.GETVERSION), 1)

    def test_call_cost_advances_virtual_time(self):
        self.sim.call_cost_ns = 1000
        ctx = vb.Context.simulated(self.sim)
        ctx.get_version()
        ctx.get_mhz()
        self.assertEqual(self.sim.now_ns, 2000)

    def test_tz_offset_is_gettime_edx(self):
        self.sim.tz_offset_min = -300
        r = self.sim.context().call(vb.Frame(cx=int(vb.Cmd.GETTIME)))
        self.assertEqual(r.dx, (-300) & 0xFFFFFFFF)
        with self.assertRaises(ValueError):
            self.sim.tz_offset_min = 1 << 31

    def test_simulators_are_independent(self):
        other = vb.Simulator()
        other.version = 9
        self.assertEqual(self.sim.context().get_version().version, 6)
        self.assertEqual(other.context().get_version().version, 9)


if __name__ == "__main__":
    unittest.main()
