"""The policy engine through the bindings: replies and actions as Python
objects, the loop tick, settings, the local veto, sync_failed, and the
error paths (argument checks; EINVAL from sync_failed)."""

import unittest

from vmbd_test import vb

A = vb.ActionType
S = 10**9


class Policy(unittest.TestCase):
    def setUp(self):
        self.p = vb.Policy()

    def test_reset_answers_atr_with_no_action(self):
        r = self.p.feed(b"reset")
        self.assertEqual(r.reply, b"OK ATR toolbox")
        self.assertTrue(r.ok)
        self.assertEqual(r.actions, [])
        self.assertIsNone(r.fail_reply)

    def test_time_synchronize_asks_a_sync_with_a_fail_reply(self):
        r = self.p.feed("Time_Synchronize 1")
        self.assertEqual(r.reply, b"OK ")
        [a] = r.actions
        self.assertEqual(a.type, A.SYNC_ONCE)
        self.assertTrue(a.backward)
        self.assertEqual(a.cause, vb.Cause.HOST_REQUEST)
        self.assertEqual(r.fail_reply, b"ERROR Unable to sync time")
        self.assertEqual(r.sync_failed(), b"ERROR Unable to sync time")
        self.assertEqual(r.reply, b"ERROR Unable to sync time")
        self.assertFalse(r.ok)

    def test_sync_failed_without_a_sync_is_einval(self):
        r = self.p.feed("ping")
        with self.assertRaises(vb.VmbdError) as cm:
            r.sync_failed()
        self.assertEqual(cm.exception.err, vb.Err.EINVAL)
        self.assertEqual(r.reply, b"OK ")

    def test_loop_start_tick_and_settings(self):
        r = self.p.feed("Set_Option synctime.period 30", 0)
        self.assertEqual(r.reply, b"OK ")
        self.p.feed("Set_Option time.synchronize.tools.slewCorrection 1", 0)
        r = self.p.feed("Set_Option synctime 1", 5 * S)
        [a] = r.actions
        self.assertEqual((a.type, a.period_s), (A.LOOP_START, 30))
        s = self.p.settings
        self.assertEqual(s.loop_state, vb.LoopState.RUNNING)
        self.assertTrue(s.loop_active and s.slew_on and s.allow)
        self.assertEqual((s.period_s, s.percent), (30, 50))
        t = self.p.tick(5 * S)
        self.assertTrue(t.due)
        self.assertEqual(t.next_due_ns, 35 * S)
        self.assertEqual((t.period_s, t.slew_on, t.percent), (30, True, 50))
        self.assertFalse(self.p.tick(20 * S).due)

    def test_loop_inactive_tick_is_never(self):
        t = self.p.tick(0)
        self.assertEqual((t.due, t.next_due_ns), (False, vb.NEVER))

    def test_state_change_action(self):
        [a] = self.p.feed("OS_Halt").actions
        self.assertEqual((a.type, a.os_state), (A.STATE_CHANGE,
                                                vb.OsState.HALT))

    def test_local_veto(self):
        p = vb.Policy(vb.Local(disable_all=True))
        r = p.feed("Time_Synchronize 0")
        self.assertEqual(r.reply, b"OK ")
        [a] = r.actions
        self.assertEqual((a.type, a.what, a.reason),
                         (A.SKIPPED_VETO, A.SYNC_ONCE, vb.Veto.DISABLE_ALL))

    def test_bad_option_error_reply_is_not_an_exception(self):
        r = self.p.feed("Set_Option synctime 2")
        self.assertEqual(r.reply, b"ERROR Unknown or invalid option")
        self.assertEqual(r.actions, [])

    def test_binary_command_with_nul(self):
        # one trailing NUL is tolerated; any other NUL makes no match
        self.assertEqual(self.p.feed(b"ping\0").reply, b"OK ")
        self.assertEqual(self.p.feed(b"pi\0ng").reply,
                         b"ERROR Unknown Command")

    def test_argument_errors(self):
        with self.assertRaises(TypeError):
            self.p.feed(None)
        with self.assertRaises(ValueError):
            self.p.feed("Set_Option synctime 1", now_ns=1 << 63)
        with self.assertRaises(ValueError):
            self.p.feed("Zeitsynchronisation ä")
        with self.assertRaises(ValueError):
            self.p.tick(-(1 << 64))
        self.assertEqual(self.p.settings.loop_state,
                         vb.LoopState.INITIALIZING)


if __name__ == "__main__":
    unittest.main()
