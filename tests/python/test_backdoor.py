"""Detection, host time with its lag fields, typed and raw low-level calls,
each against the simulator and each with its error path."""

import datetime
import unittest
import uuid

from vmbd_test import vb

Err = vb.Err
MSG = int(vb.Cmd.MESSAGE)
PROTO_RPCI = 0x49435052


class Errors(unittest.TestCase):
    def test_exception_carries_code_name_and_text(self):
        with self.assertRaises(vb.VmbdError) as cm:
            vb.Context().get_version()
        e = cm.exception
        self.assertEqual(e.code, -1)
        self.assertEqual(e.err, Err.EINVAL)
        self.assertEqual(e.name, "VMBD_EINVAL")
        self.assertEqual(e.strerror, vb.strerror(-1))
        self.assertEqual(e.strerror, "invalid argument")
        self.assertEqual(e.func, "vmbd_get_version")
        self.assertIn("VMBD_EINVAL (-1): invalid argument", str(e))

    def test_strerror_of_unknown_code(self):
        self.assertEqual(vb.strerror(-999), "unknown error")


class Detect(unittest.TestCase):
    VMWARE = (0x61774D56, 0x4D566572, 0x65726177)  # "VMwareVMware"

    def test_detect_names_a_hypervisor(self):
        try:
            d = vb.detect()
        except vb.VmbdError as e:  # no CPUID on this architecture
            self.assertEqual(e.err, Err.ENOTSUP)
            return
        self.assertIsInstance(d.hypervisor, vb.Hypervisor)
        self.assertEqual(d.hypervisor_name, d.hypervisor.name.lower())
        if not d.hypervisor_present:
            self.assertEqual(d.vendor, "")

    def test_detect_from_cpuid_vmware_with_vmcall(self):
        d = vb.detect_from_cpuid(1 << 31, 0x40000010, *self.VMWARE,
                                 features_ecx=0x2)
        self.assertTrue(d.is_vmware)
        self.assertEqual(d.vendor, "VMwareVMware")
        self.assertEqual(d.method, vb.Method.VMCALL)
        self.assertEqual(d.max_leaf, 0x40000010)
        self.assertEqual((d.version, d.product), (0, 0))  # open() only

    def test_detect_from_cpuid_without_the_hypervisor_bit(self):
        d = vb.detect_from_cpuid(0, 0x40000010, *self.VMWARE)
        self.assertEqual(d.hypervisor, vb.Hypervisor.NONE)
        self.assertFalse(d.hypervisor_present)

    def test_detect_from_cpuid_rejects_values_ctypes_would_truncate(self):
        with self.assertRaises(ValueError):
            vb.detect_from_cpuid(1 << 32, 0, 0, 0, 0)
        with self.assertRaises(TypeError):
            vb.detect_from_cpuid("1", 0, 0, 0, 0)

    def test_open_refuses_without_vmware_and_executes_nothing(self):
        try:
            d = vb.detect()
        except vb.VmbdError:
            d = None
        if d is not None and d.is_vmware:
            self.skipTest("running on VMware: open() would execute a real "
                          "backdoor call")
        with self.assertRaises(vb.OpenError) as cm:
            vb.Context.open()
        self.assertEqual(cm.exception.err, Err.ENOTVMWARE)
        if d is not None:
            self.assertEqual(cm.exception.detect, d)


class HostTime(unittest.TestCase):
    def setUp(self):
        self.sim = vb.Simulator()
        self.ctx = self.sim.context()
        self.sim.host_ns = 1767225600 * 10**9 + 123456000
        self.sim.max_lag_us = 250000
        self.sim.interrupt_lag_us = 1234

    def test_with_lag_reports_both_lags(self):
        t = self.ctx.get_time_full_with_lag()
        self.assertEqual((t.sec, t.usec), (1767225600, 123456))
        self.assertEqual(t.max_lag_us, 250000)
        self.assertEqual(t.interrupt_lag_us, 1234)
        self.assertEqual(t.cmd, vb.Cmd.GETTIMEFULL_WITH_LAG)
        self.assertEqual(t.ns, self.sim.host_ns)
        self.assertEqual(t.datetime, datetime.datetime(
            2026, 1, 1, 0, 0, 0, 123456, tzinfo=datetime.timezone.utc))

    def test_full_and_gettime_have_no_interrupt_lag(self):
        # Without a separate field, the host folds the interrupt lag into
        # the max lag (lib/sim.c lag_with_interrupt).
        for t, cmd in ((self.ctx.get_time_full(), vb.Cmd.GETTIMEFULL),
                       (self.ctx.get_time(), vb.Cmd.GETTIME)):
            self.assertEqual((t.sec, t.usec, t.max_lag_us),
                             (1767225600, 123456, 250000 + 1234))
            self.assertIsNone(t.interrupt_lag_us)
            self.assertEqual(t.cmd, cmd)

    def test_read_host_time_falls_back_one_call_per_missing_command(self):
        self.sim.set_command(vb.Cmd.GETTIMEFULL_WITH_LAG, False)
        before = self.ctx.calls
        t = self.ctx.read_host_time()
        self.assertEqual(t.cmd, vb.Cmd.GETTIMEFULL)
        self.assertEqual(self.ctx.calls - before, 2)

    def test_read_host_time_unsupported_after_three_calls(self):
        for c in (vb.Cmd.GETTIMEFULL_WITH_LAG, vb.Cmd.GETTIMEFULL,
                  vb.Cmd.GETTIME):
            self.sim.set_command(c, False)
        with self.assertRaises(vb.VmbdError) as cm:
            self.ctx.read_host_time()
        self.assertEqual(cm.exception.err, Err.EUNSUPPORTED)
        self.assertEqual(self.ctx.calls, 3)

    def test_each_time_command_unsupported(self):
        for c, fn in ((vb.Cmd.GETTIMEFULL_WITH_LAG,
                       self.ctx.get_time_full_with_lag),
                      (vb.Cmd.GETTIMEFULL, self.ctx.get_time_full),
                      (vb.Cmd.GETTIME, self.ctx.get_time)):
            self.sim.set_command(c, False)
            with self.assertRaises(vb.VmbdError) as cm:
                fn()
            self.assertEqual(cm.exception.err, Err.EUNSUPPORTED, c)

    def test_time_before_the_epoch_is_bad_time_and_logged(self):
        lines = []
        self.ctx.set_log(lambda level, msg: lines.append((level, msg)))
        self.sim.host_ns = -5 * 10**9
        with self.assertRaises(vb.VmbdError) as cm:
            self.ctx.read_host_time()
        self.assertEqual(cm.exception.err, Err.EBADTIME)
        self.assertTrue(lines)
        self.assertEqual(lines[0][0], vb.LogLevel.WARNING)
        self.assertIsInstance(lines[0][1], str)
        self.ctx.set_log(None)
        with self.assertRaises(vb.VmbdError):
            self.ctx.read_host_time()
        self.assertEqual(len(lines), 1)

    def test_set_log_needs_a_callable(self):
        with self.assertRaises(TypeError):
            self.ctx.set_log("not callable")


class TypedCommands(unittest.TestCase):
    def setUp(self):
        self.sim = vb.Simulator()
        self.ctx = self.sim.context()

    def test_values_follow_the_simulated_host(self):
        s = self.sim
        s.version, s.product, s.mhz, s.hwversion = 7, 5, 3000, 21
        s.tsc_hz, s.apic_hz, s.memsize_mib, s.vcpu_info = \
            3 * 10**9 + 7, 66000000, 8192, 0x8
        raw = bytes(range(16))
        s.uuid = raw
        self.assertEqual(self.ctx.get_version(),
                         vb.Version(7, vb.Product.WORKSTATION_ENTERPRISE))
        self.assertEqual(self.ctx.get_mhz(), 3000)
        self.assertEqual(self.ctx.get_hwversion(), 21)
        self.assertEqual(self.ctx.get_hz(), vb.Hz(3 * 10**9 + 7, 66000000))
        self.assertEqual(self.ctx.get_memsize(), 8192)
        self.assertEqual(self.ctx.get_vcpu_info(), 0x8)
        self.assertEqual(self.ctx.get_uuid(), uuid.UUID(bytes=raw))
        self.assertEqual(vb.uuid_format(raw), str(uuid.UUID(bytes=raw)))
        self.ctx.stop_catchup()
        self.assertEqual(s.stopcatchup_count, 1)
        # one backdoor call each
        self.assertEqual(self.ctx.calls, 8)
        self.assertEqual(s.calls_by_cmd(vb.Cmd.GETVERSION), 1)

    def test_unknown_product_stays_an_int(self):
        self.sim.product = 99
        self.assertEqual(self.ctx.get_version().product, 99)

    def test_every_command_unsupported_when_disabled(self):
        for cmd, fn in ((vb.Cmd.GETVERSION, self.ctx.get_version),
                        (vb.Cmd.GETMHZ, self.ctx.get_mhz),
                        (vb.Cmd.GETHZ, self.ctx.get_hz),
                        (vb.Cmd.GETUUID, self.ctx.get_uuid),
                        (vb.Cmd.GETMEMSIZE, self.ctx.get_memsize),
                        (vb.Cmd.GETHWVERSION, self.ctx.get_hwversion),
                        (vb.Cmd.GET_VCPU_INFO, self.ctx.get_vcpu_info),
                        (vb.Cmd.STOPCATCHUP, self.ctx.stop_catchup)):
            with self.subTest(cmd=cmd.name):
                self.sim.set_command(cmd, False)
                self.assertFalse(self.sim.command_enabled(cmd))
                with self.assertRaises(vb.VmbdError) as cm:
                    fn()
                self.assertEqual(cm.exception.err, Err.EUNSUPPORTED)

    def test_unknown_values(self):
        self.sim.mhz = 0
        self.sim.memsize_mib = 0
        self.sim.hwversion = 0
        self.sim.tsc_hz = 0
        self.sim.uuid = bytes(16)
        for fn in (self.ctx.get_mhz, self.ctx.get_memsize,
                   self.ctx.get_hwversion, self.ctx.get_hz,
                   self.ctx.get_uuid):
            with self.assertRaises(vb.VmbdError) as cm:
                fn()
            self.assertEqual(cm.exception.err, Err.EUNKNOWN, fn.__name__)

    def test_uuid_format_needs_16_bytes(self):
        with self.assertRaises(ValueError):
            vb.uuid_format(b"short")

    def test_qemu_profile_memsize_in_bytes(self):
        sim = vb.Simulator(vb.Profile.QEMU)
        self.assertTrue(sim.memsize_in_bytes)
        self.assertEqual(sim.context().get_memsize(), 256)


class RawCalls(unittest.TestCase):
    """vmbd_call, vmbd_io_in and the HB port: one whole RPCI request
    (info-get) by hand, the way PROTOCOL.md section 3 describes it."""

    def setUp(self):
        self.sim = vb.Simulator()
        self.ctx = self.sim.context()

    def msg(self, sub, bx=0, chan=0):
        return self.ctx.call(vb.Frame(bx=bx, cx=MSG | sub << 16,
                                      dx=chan << 16))

    def test_rpci_request_over_lb_calls_and_the_hb_port(self):
        self.sim.guestinfo_set("guestinfo.k", "v1")
        r = self.msg(0, bx=PROTO_RPCI)                       # OPEN
        self.assertEqual(r.cx >> 16, 0x01)
        chan = r.dx >> 16
        req = b"info-get guestinfo.k"
        r = self.msg(1, bx=len(req), chan=chan)               # SENDSIZE
        self.assertEqual(r.cx >> 16, 0x81)                    # SUCCESS|HB
        hb = vb.Frame(ax=vb.MAGIC, bx=1 << 16,
                      dx=vb.PORT_HB | chan << 16)
        r = self.ctx.hb_out(hb, req)
        self.assertEqual(r.bx >> 16, 0x01)
        r = self.msg(3, chan=chan)                             # RECVSIZE
        self.assertEqual(r.cx >> 16, 0x83)                    # +DORECV
        size = r.bx
        r, data = self.ctx.hb_in(hb, size)
        self.assertEqual(r.bx >> 16, 0x01)
        self.assertEqual(data, b"1 v1")
        self.assertEqual(self.msg(5, bx=1, chan=chan).cx >> 16, 1)  # RECVSTATUS
        self.assertEqual(self.msg(6, chan=chan).cx >> 16, 1)        # CLOSE
        self.assertEqual(self.sim.calls_hb, 2)
        self.assertEqual(self.ctx.calls, 7)

    def test_io_in_sends_the_frame_as_given(self):
        r = self.ctx.io_in(vb.Frame(ax=vb.MAGIC, cx=int(vb.Cmd.GETVERSION),
                                    dx=vb.PORT_LB))
        self.assertEqual(r.bx, vb.MAGIC)
        # a wrong port: nobody answers, eax reads all ones
        r = self.ctx.io_in(vb.Frame(ax=vb.MAGIC, cx=10, dx=0x5600))
        self.assertEqual(r.ax, 0xFFFFFFFF)

    def test_call_sets_magic_and_port(self):
        r = self.ctx.call(vb.Frame(cx=int(vb.Cmd.GETVERSION)))
        self.assertEqual((r.ax, r.bx), (6, vb.MAGIC))

    def test_unbound_context_is_einval(self):
        ctx = vb.Context()
        for fn, args in ((ctx.call, ()), (ctx.io_in, ()),
                         (ctx.hb_out, (b"x",)), (ctx.hb_in, (4,))):
            with self.assertRaises(vb.VmbdError) as cm:
                fn(vb.Frame(), *args)
            self.assertEqual(cm.exception.err, Err.EINVAL, fn.__name__)
        self.assertEqual(ctx.calls, 0)

    def test_hb_without_hb_port_is_enotsup(self):
        self.sim.lb_only = True
        with self.assertRaises(vb.VmbdError) as cm:
            self.ctx.hb_out(vb.Frame(ax=vb.MAGIC, dx=vb.PORT_HB), b"abc")
        self.assertEqual(cm.exception.err, Err.ENOTSUP)
        with self.assertRaises(vb.VmbdError) as cm:
            self.ctx.hb_in(vb.Frame(ax=vb.MAGIC, dx=vb.PORT_HB), 3)
        self.assertEqual(cm.exception.err, Err.ENOTSUP)
        self.assertEqual(self.ctx.calls, 0)

    def test_frame_values_are_range_checked(self):
        with self.assertRaises(ValueError):
            self.ctx.call(vb.Frame(bx=1 << 32))
        with self.assertRaises(ValueError):
            self.ctx.call(vb.Frame(si=-1))
        self.assertEqual(self.ctx.calls, 0)


if __name__ == "__main__":
    unittest.main()
