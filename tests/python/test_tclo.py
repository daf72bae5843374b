"""TCLO through the bindings: the poller, the poll loop object (with the
policy engine as its handler), and the error paths."""

import unittest

from vmbd_test import vb

Err = vb.Err


class Tclo(unittest.TestCase):
    def setUp(self):
        self.sim = vb.Simulator()
        self.ctx = self.sim.context()

    def test_poll_returns_commands_then_none(self):
        t = self.ctx.tclo()
        self.assertIsNone(t.poll())
        self.sim.tclo_push("ping")
        cmd = t.poll()
        self.assertIsInstance(cmd, vb.Reply)
        self.assertEqual(cmd, b"ping")
        self.assertIsNone(t.poll("OK "))
        self.assertEqual(t.commands, 1)
        [rec] = self.sim.tclo_records
        self.assertEqual((rec.cmd, rec.reply, rec.reply_len),
                         (b"ping", b"OK ", 3))

    def test_idle_poll_costs_two_backdoor_calls(self):
        t = self.ctx.tclo()
        before = self.ctx.calls
        t.poll()
        self.assertEqual(self.ctx.calls - before, 2)

    def test_command_larger_than_buffer_is_enospc(self):
        t = self.ctx.tclo(cmd_size=8)
        self.sim.tclo_push("Set_Option synctime 1")
        with self.assertRaises(vb.VmbdError) as cm:
            t.poll()
        self.assertEqual(cm.exception.err, Err.ENOSPC)
        self.assertTrue(t.is_open)
        self.sim.tclo_push("ping")
        self.assertEqual(t.poll(), b"ping")

    def test_open_refused(self):
        self.sim.set_channels(1)
        self.ctx.rpci()
        with self.assertRaises(vb.VmbdError) as cm:
            self.ctx.tclo()
        self.assertEqual(cm.exception.err, Err.EOPEN)

    def test_reply_type_checked(self):
        t = self.ctx.tclo()
        with self.assertRaises(TypeError):
            t.poll(reply=3)

    def test_close_and_context_manager(self):
        with self.ctx.tclo() as t:
            self.assertEqual(self.sim.open_channels, 1)
        self.assertFalse(t.is_open)
        self.assertEqual(self.sim.open_channels, 0)
        self.assertEqual(t.reopens, 0)


class Loop(unittest.TestCase):
    def setUp(self):
        self.sim = vb.Simulator()
        self.ctx = self.sim.context()

    def test_policy_engine_answers_the_host(self):
        for c in ("reset", "Set_Option synctime 1", "Time_Synchronize 0",
                  "Bogus_Command"):
            self.sim.tclo_push(c)
        policy = vb.Policy()
        loop = vb.TcloLoop(self.ctx, policy.handler())
        self.assertEqual(loop.run_until_idle(), 4)
        self.assertEqual([(r.cmd, r.reply) for r in self.sim.tclo_records], [
            (b"reset", b"OK ATR toolbox"),
            (b"Set_Option synctime 1", b"OK "),
            (b"Time_Synchronize 0", b"OK "),
            (b"Bogus_Command", b"ERROR Unknown Command")])
        self.assertEqual([a.type for a in policy.pending_actions],
                         [vb.ActionType.LOOP_START, vb.ActionType.SYNC_ONCE])

    def test_handler_may_answer_str(self):
        self.sim.tclo_push("ping")
        loop = vb.TcloLoop(self.ctx.tclo(), lambda cmd: "OK " + cmd.text)
        self.assertEqual(loop.step(), b"ping")
        self.assertIsNone(loop.step())
        self.assertEqual(self.sim.tclo_records[0].reply, b"OK ping")

    def test_bad_handler_answer_raises(self):
        self.sim.tclo_push("ping")
        loop = vb.TcloLoop(self.ctx.tclo(), lambda cmd: None)
        with self.assertRaises(TypeError):
            loop.step()

    def test_run_until_idle_is_bounded(self):
        # a host that queues a new command for every answer never idles
        def handler(cmd):
            self.sim.tclo_push("ping")
            return b"OK "
        self.sim.tclo_push("ping")
        loop = vb.TcloLoop(self.ctx.tclo(), handler)
        with self.assertRaises(RuntimeError):
            loop.run_until_idle(max_steps=20)
        self.assertEqual(loop.handled, 20)

    def test_serve_sleeps_only_when_idle(self):
        slept = []

        def sleep(seconds):
            slept.append(seconds)
            self.sim.advance(int(seconds * 1e9))
            if len(slept) == 2:
                self.sim.tclo_push("ping")

        loop = vb.TcloLoop(self.ctx.tclo(), lambda cmd: b"OK ")
        handled = loop.serve(stop=lambda: len(slept) >= 4, interval=1.0,
                             sleep=sleep)
        self.assertEqual(handled, 1)
        self.assertEqual(slept, [1.0] * 4)
        self.assertEqual(self.sim.now_ns, 4 * 10**9)
        self.assertEqual(self.sim.tclo_records[0].reply, b"OK ")


if __name__ == "__main__":
    unittest.main()
