"""The time-sync policy engine: TCLO command in, reply and actions out."""

import ctypes
import enum
from ctypes import byref
from dataclasses import dataclass
from typing import List, Optional

from . import _structs as S
from ._lib import lib
from ._text import Reply, check_int, to_bytes
from .errors import check

NEVER = (1 << 63) - 1  # VMBD_POLICY_NEVER


class ActionType(enum.IntEnum):
    """enum vmbd_policy_action_type; names as vmbd_policy_action_name()."""
    SYNC_ONCE = 1
    LOOP_START = 2
    LOOP_STOP = 3
    LOOP_PERIOD = 4
    SET_SLEW = 5
    SKIPPED_VETO = 6
    SKIPPED_DISALLOWED = 7
    STATE_CHANGE = 8
    CAPABILITIES = 9
    RESYNC_UNSUPPORTED = 10


class Cause(enum.IntEnum):
    """enum vmbd_sync_cause; names as vmbd_policy_cause_name()."""
    HOST_REQUEST = 1
    STARTUP = 2
    LOOP_ENABLE = 3


class Veto(enum.IntEnum):
    """enum vmbd_veto_reason; names as vmbd_policy_veto_name()."""
    DISABLE_ALL = 1
    DISABLE_PERIODIC = 2
    NEVER_BACKWARD = 3


class OsState(enum.IntEnum):
    """enum vmbd_os_state (open-vm-tools' GuestOsState)."""
    HALT = 1
    REBOOT = 2
    POWERON = 3
    RESUME = 4
    SUSPEND = 5


class LoopState(enum.IntEnum):
    INITIALIZING = 0
    STOPPED = 1
    RUNNING = 2


def _opt(cls, value):
    """0 means "not set" for these fields; unknown values stay ints."""
    if not value:
        return None
    try:
        return cls(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class Action:
    """One clock action (struct vmbd_policy_action); fields that do not
    apply to the type are None/0/False."""
    type: object                 # ActionType
    what: Optional[object]       # SKIPPED_*: the suppressed ActionType
    reason: Optional[object]     # SKIPPED_VETO: Veto
    backward: bool
    cause: Optional[object]      # SYNC_ONCE and its SKIPPED_*: Cause
    period_s: int
    slew_on: bool
    percent: int
    os_state: Optional[object]   # STATE_CHANGE: OsState

    @classmethod
    def _from_c(cls, a):
        return cls(_opt(ActionType, a.type), _opt(ActionType, a.what),
                   _opt(Veto, a.reason), bool(a.backward),
                   _opt(Cause, a.cause), a.period_s, bool(a.slew_on),
                   a.percent, _opt(OsState, a.os_state))


class PolicyResult:
    """What one command produced: reply (Reply, the exact TCLO answer),
    actions (list of Action), fail_reply (Reply or None: the answer to send
    instead if the sync the actions ask for fails)."""

    __slots__ = ("_c", "reply", "actions", "fail_reply")

    def __init__(self, c):
        self._c = c
        self._refresh()

    def _refresh(self):
        c = self._c
        # c.reply would stop at a NUL; the reply is reply_len bytes.
        self.reply = Reply(ctypes.string_at(
            ctypes.addressof(c) + S.PolicyResult.reply.offset,
            min(c.reply_len, S.POLICY_REPLY_MAX)))
        self.actions: List[Action] = [Action._from_c(c.actions[i])
                                      for i in range(c.n_actions)]
        self.fail_reply = (Reply(c.fail_reply) if c.fail_reply is not None
                           else None)

    @property
    def ok(self):
        return self.reply.startswith(b"OK")

    def sync_failed(self):
        """The daemon's sync failed: switch reply to fail_reply
        (vmbd_policy_sync_failed). VmbdError(EINVAL) when there is none."""
        check(lib().vmbd_policy_sync_failed(byref(self._c)),
              "vmbd_policy_sync_failed")
        self._refresh()
        return self.reply

    def __repr__(self):
        return "PolicyResult(reply=%r, actions=%r, fail_reply=%r)" % (
            self.reply, self.actions, self.fail_reply)


@dataclass(frozen=True)
class Local:
    """Guest-side veto (struct vmbd_policy_local)."""
    disable_all: bool = False
    disable_periodic: bool = False
    never_backward: bool = False


@dataclass(frozen=True)
class Settings:
    """Host-set state (struct vmbd_policy_settings)."""
    loop_state: object
    loop_active: bool
    period_s: int
    slew_on: bool
    percent: int
    tools_enable: bool
    startup_backward: bool
    startup_done: bool
    allow: bool
    guest_resync: bool
    guest_resync_timeout_s: int


@dataclass(frozen=True)
class Tick:
    """What the periodic loop wants now (struct vmbd_policy_tick);
    next_due_ns is NEVER when the loop is not active."""
    due: bool
    next_due_ns: int
    period_s: int
    slew_on: bool
    percent: int


class Policy:
    """The policy engine state (struct vmbd_policy). Pure: no I/O, no
    clock; now_ns is the caller's monotonic time."""

    def __init__(self, local=None):
        self._c = S.Policy()
        self._ref = byref(self._c)
        loc = local or Local()
        c_local = S.PolicyLocal(int(loc.disable_all),
                                int(loc.disable_periodic),
                                int(loc.never_backward))
        check(lib().vmbd_policy_init(self._ref, byref(c_local)),
              "vmbd_policy_init")

    def feed(self, command, now_ns=0):
        """Feed one TCLO command (bytes or ASCII str, any bytes allowed)."""
        cmd = to_bytes(command, "command")
        now_ns = check_int(now_ns, 64, "now_ns")
        out = S.PolicyResult()
        check(lib().vmbd_policy_feed(self._ref, cmd, len(cmd), now_ns,
                                     byref(out)), "vmbd_policy_feed")
        return PolicyResult(out)

    def tick(self, now_ns):
        """Is a periodic sync due at now_ns? (consumes it when due)"""
        now_ns = check_int(now_ns, 64, "now_ns")
        t = S.PolicyTick()
        check(lib().vmbd_policy_tick(self._ref, now_ns, byref(t)),
              "vmbd_policy_tick")
        return Tick(bool(t.due), t.next_due_ns, t.period_s, bool(t.slew_on),
                    t.percent)

    @property
    def settings(self):
        s = S.PolicySettings()
        lib().vmbd_policy_get_settings(self._ref, byref(s))
        try:
            loop = LoopState(s.loop_state)
        except ValueError:
            loop = s.loop_state
        return Settings(loop, bool(s.loop_active), s.period_s,
                        bool(s.slew_on), s.percent, bool(s.tools_enable),
                        bool(s.startup_backward), bool(s.startup_done),
                        bool(s.allow), bool(s.guest_resync),
                        s.guest_resync_timeout_s)

    def handler(self, clock=None):
        """A TcloLoop handler feeding this engine: clock() gives now_ns
        (default 0); the actions of each command are appended to
        self.pending_actions for the caller to perform."""
        self.pending_actions = []

        def handle(cmd):
            res = self.feed(cmd, clock() if clock else 0)
            self.pending_actions.extend(res.actions)
            return res.reply
        return handle


def action_name(value):
    return lib().vmbd_policy_action_name(int(value)).decode("ascii")


def veto_name(value):
    return lib().vmbd_policy_veto_name(int(value)).decode("ascii")


def cause_name(value):
    return lib().vmbd_policy_cause_name(int(value)).decode("ascii")
