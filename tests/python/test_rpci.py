"""RPCI through the bindings against the simulator: info-get/info-set,
raw requests, send_one, bytes/str handling, and the error paths."""

import unittest

from vmbd_test import vb

Err = vb.Err


class Rpci(unittest.TestCase):
    def setUp(self):
        self.sim = vb.Simulator()
        self.ctx = self.sim.context()
        self.rpci = self.ctx.rpci()

    def test_info_set_then_get_round_trip(self):
        self.rpci.info_set("guestinfo.k", "some value")
        self.assertEqual(self.sim.guestinfo_get("guestinfo.k"), b"some value")
        v = self.rpci.info_get(b"guestinfo.k")
        self.assertIsInstance(v, vb.Reply)
        self.assertEqual(v, b"some value")
        self.assertEqual(v.text, "some value")

    def test_host_set_value_is_read_as_bytes(self):
        value = "grüße".encode("utf-8")
        self.sim.guestinfo_set("guestinfo.u", value)
        v = self.rpci.info_get("guestinfo.u")
        self.assertEqual(bytes(v), value)
        self.assertEqual(v.text, "grüße")

    def test_missing_key_raises_rpc_error_with_the_hosts_reason(self):
        with self.assertRaises(vb.RpcError) as cm:
            self.rpci.info_get("guestinfo.absent")
        e = cm.exception
        self.assertIsInstance(e, vb.VmbdError)
        self.assertEqual(e.err, Err.ERPC)
        self.assertEqual(e.name, "VMBD_ERPC")
        self.assertEqual(e.reply, b"No value found")
        self.assertEqual(e.reply.text, "No value found")

    def test_unknown_command(self):
        with self.assertRaises(vb.RpcError) as cm:
            self.rpci.call("no.such.command")
        self.assertEqual(cm.exception.reply, b"Unknown command")

    def test_call_counts_five_backdoor_calls_over_hb(self):
        before = self.ctx.calls
        self.rpci.call(b"log hello from python")
        self.assertEqual(self.ctx.calls - before, 5)

    def test_lb_only_channel(self):
        with self.ctx.rpci(hb=False, cookies=False) as r:
            r.info_set("guestinfo.lb", "x" * 40)
            self.assertEqual(r.info_get("guestinfo.lb"), b"x" * 40)
        self.assertEqual(self.sim.calls_hb, 0)

    def test_binary_request_with_nul_is_sent_as_given(self):
        # binary safe: the NUL goes to the host, which refuses the value
        with self.assertRaises(vb.RpcError):
            self.rpci.call(b"info-set guestinfo.n a\0b")
        self.assertIsNone(self.sim.guestinfo_get("guestinfo.n"))

    def test_str_must_be_ascii_and_types_are_checked(self):
        with self.assertRaises(ValueError):
            self.rpci.info_set("guestinfo.k", "grüße")
        with self.assertRaises(TypeError):
            self.rpci.call(42)
        self.assertEqual(self.sim.open_channels, 1)

    def test_reply_larger_than_the_buffer_is_enospc_and_channel_survives(self):
        self.sim.guestinfo_set("guestinfo.big", "v" * 100)
        small = self.ctx.rpci(reply_size=16)
        with self.assertRaises(vb.VmbdError) as cm:
            small.info_get("guestinfo.big")
        self.assertEqual(cm.exception.err, Err.ENOSPC)
        self.assertTrue(small.is_open)
        self.sim.guestinfo_set("guestinfo.small", "ok")
        self.assertEqual(small.info_get("guestinfo.small"), b"ok")

    def test_request_too_big(self):
        with self.assertRaises(vb.VmbdError) as cm:
            self.rpci.call(b"x" * (65536 + 1))
        self.assertEqual(cm.exception.err, Err.ETOOBIG)

    def test_open_refused_when_no_channel_is_free(self):
        self.sim.set_channels(1)
        with self.assertRaises(vb.VmbdError) as cm:
            self.ctx.rpci()
        self.assertEqual(cm.exception.err, Err.EOPEN)
        self.assertEqual(cm.exception.func, "vmbd_rpci_open")

    def test_host_closing_the_channel_is_survived_by_one_reopen(self):
        self.sim.set_fault(vb.Fault.CLOSE, at=1)
        self.sim.guestinfo_set("guestinfo.k", "v")
        self.assertEqual(self.rpci.info_get("guestinfo.k"), b"v")
        self.assertEqual(self.rpci.reopens, 1)
        self.assertEqual(self.sim.fault_fired, 1)

    def test_host_dropping_every_channel_is_survived_by_reopen(self):
        self.sim.guestinfo_set("guestinfo.k", "v")
        self.assertEqual(self.sim.close_all_channels(), 1)
        self.assertEqual(self.sim.open_channels, 0)
        self.assertEqual(self.rpci.info_get("guestinfo.k"), b"v")
        self.assertEqual(self.rpci.reopens, 1)
        self.assertEqual(self.sim.close_all_channels(), 1)

    def test_persistent_failure_raises_the_channel_error(self):
        self.sim.set_fault(vb.Fault.CLOSE, at=1, count=100)
        with self.assertRaises(vb.VmbdError) as cm:
            self.rpci.info_get("guestinfo.k")
        self.assertEqual(cm.exception.err, Err.ECLOSED)

    def test_close_and_context_manager(self):
        self.assertTrue(self.rpci.is_open)
        self.rpci.close()
        self.assertFalse(self.rpci.is_open)
        self.assertEqual(self.sim.open_channels, 0)
        with self.ctx.rpci() as r:
            self.assertEqual(self.sim.open_channels, 1)
        self.assertFalse(r.is_open)
        self.assertEqual(self.sim.open_channels, 0)

    def test_open_on_an_unbound_context_is_einval(self):
        # Rpci on an unbound context never opened: the call is refused
        with self.assertRaises(vb.VmbdError) as cm:
            vb.Context().rpci()
        self.assertEqual(cm.exception.err, Err.EINVAL)

    def test_send_one_opens_and_closes(self):
        self.sim.guestinfo_set("guestinfo.k", "one")
        before = self.ctx.calls
        self.assertEqual(vb.send_one(self.ctx, "info-get guestinfo.k"),
                         b"one")
        self.assertEqual(self.ctx.calls - before, 7)
        self.assertEqual(self.sim.open_channels, 1)  # only self.rpci
        with self.assertRaises(vb.RpcError) as cm:
            vb.send_one(self.ctx, "info-get guestinfo.none")
        self.assertEqual(cm.exception.reply, b"No value found")


if __name__ == "__main__":
    unittest.main()
