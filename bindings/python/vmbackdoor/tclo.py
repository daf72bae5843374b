"""TCLO: the host's commands to the guest, and a poll loop."""

import ctypes
import time
from ctypes import byref, c_size_t

from . import _structs as S
from ._lib import lib
from ._text import Reply, to_bytes
from .errors import Err, check
from .rpci import channel_flags

# Host commands are short ("Set_Option synctime 1"); 64 KiB is what a host
# may send at most.
DEFAULT_CMD_SIZE = 65536 + 16 + 1


class Tclo:
    """A TCLO poller (struct vmbd_tclo) on a Context.

    poll(reply) sends the answer to the previous command and returns the
    next command (Reply) or None when the host has nothing. Never sleeps."""

    def __init__(self, ctx, hb=True, cookies=True, cmd_size=DEFAULT_CMD_SIZE):
        if cmd_size < 1:
            raise ValueError("cmd_size must be at least 1")
        self._ctx = ctx
        self._c = S.Tclo()
        self._ref = byref(self._c)
        self._buf = ctypes.create_string_buffer(cmd_size)
        self._len = c_size_t()
        check(lib().vmbd_tclo_open(self._ref, ctx._ref,
                                   channel_flags(hb, cookies)),
              "vmbd_tclo_open")

    def poll(self, reply=b""):
        reply = to_bytes(reply, "reply")
        rc = lib().vmbd_tclo_poll(self._ref, reply, len(reply), self._buf,
                                  len(self._buf), byref(self._len))
        if rc == Err.ENOMSG:
            return None
        check(rc, "vmbd_tclo_poll")
        return Reply(self._buf.raw[:self._len.value])

    @property
    def commands(self):
        """Commands received so far."""
        return self._c.commands

    @property
    def reopens(self):
        return self._c.reopens

    @property
    def is_open(self):
        return bool(lib().vmbd_channel_is_open(byref(self._c.ch)))

    def close(self):
        check(lib().vmbd_tclo_close(self._ref), "vmbd_tclo_close")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.is_open:
            self.close()


class TcloLoop:
    """The poll loop: each command goes to handler(cmd: Reply) -> bytes or
    ASCII str, and that answer is sent with the next poll (TCLO answers
    ride on the following poll, as open-vm-tools does).

    step() is one poll; run_until_idle() polls until the host has nothing
    (sending the last answer on the way); serve() polls forever, sleeping
    `interval` seconds whenever idle, until stop() is true."""

    def __init__(self, tclo, handler):
        self.tclo = tclo if isinstance(tclo, Tclo) else Tclo(tclo)
        self.handler = handler
        self._pending = b""
        self.handled = 0

    def step(self):
        """One poll: returns the command handled, or None when idle."""
        reply, self._pending = self._pending, b""
        cmd = self.tclo.poll(reply)
        if cmd is None:
            return None
        self._pending = to_bytes(self.handler(cmd), "handler's answer")
        self.handled += 1
        return cmd

    def run_until_idle(self, max_steps=10000):
        """Poll until an idle poll (which also delivers the last answer);
        returns the commands handled. RuntimeError after max_steps polls
        (a host that never stops sending)."""
        for _ in range(max_steps):
            if self.step() is None:
                return self.handled
        raise RuntimeError("TCLO host still sending after %d polls"
                           % max_steps)

    def serve(self, stop, interval=1.0, sleep=time.sleep):
        """Poll until stop() is true: again at once after a command,
        `interval` seconds after an idle poll (sleep is injectable, e.g. to
        advance a simulator's virtual time)."""
        while not stop():
            if self.step() is None:
                sleep(interval)
        return self.handled
