"""RPCI: the guest's requests to the host (`info-get`, `info-set`, ...)."""

import ctypes
from ctypes import byref, c_size_t

from . import _structs as S
from ._lib import lib
from ._text import Reply, to_bytes
from .errors import Err, RpcError, check

CHANNEL_NO_HB = 1 << 0
CHANNEL_NO_COOKIE = 1 << 1
MSG_MAX_IN = 65536
# Largest reply a host sends: GUESTMSG_MAX_IN_SIZE plus a status prefix,
# with room for the NUL the library adds.
DEFAULT_REPLY_SIZE = 65536 + 16 + 1


def channel_flags(hb=True, cookies=True):
    return (0 if hb else CHANNEL_NO_HB) | (0 if cookies else CHANNEL_NO_COOKIE)


def _call(func, name, args, buf, rlen):
    rc = func(*args, buf, len(buf), byref(rlen))
    if rc == Err.ERPC:
        raise RpcError(Reply(buf.raw[:rlen.value]), name)
    check(rc, name)
    return Reply(buf.raw[:rlen.value])


class Rpci:
    """A kept-open RPCI channel (struct vmbd_rpci) on a Context.

    Requests are bytes or ASCII str, sent as given (no NUL appended);
    replies are Reply bytes without the host's "1 " prefix. A "0 reason"
    answer raises RpcError with the reason in .reply. The reply buffer
    (reply_size bytes) is allocated once per object."""

    def __init__(self, ctx, hb=True, cookies=True,
                 reply_size=DEFAULT_REPLY_SIZE):
        if reply_size < 1:
            raise ValueError("reply_size must be at least 1")
        self._ctx = ctx  # the C channel points into it
        self._c = S.Rpci()
        self._ref = byref(self._c)
        self._buf = ctypes.create_string_buffer(reply_size)
        self._len = c_size_t()
        check(lib().vmbd_rpci_open(self._ref, ctx._ref,
                                   channel_flags(hb, cookies)),
              "vmbd_rpci_open")

    def call(self, request):
        """Send one request, return the reply (Reply)."""
        req = to_bytes(request, "request")
        return _call(lib().vmbd_rpci_call, "vmbd_rpci_call",
                     (self._ref, req, len(req)), self._buf, self._len)

    def info_get(self, key):
        """`info-get KEY` ("guestinfo.NAME"): the value as Reply.
        RpcError when the host has no such key."""
        return self.call(b"info-get " + to_bytes(key, "key"))

    def info_set(self, key, value):
        """`info-set KEY VALUE`. value: bytes or ASCII str."""
        self.call(b"info-set " + to_bytes(key, "key") + b" " +
                  to_bytes(value, "value"))

    @property
    def is_open(self):
        return bool(lib().vmbd_channel_is_open(byref(self._c.ch)))

    @property
    def reopens(self):
        """Automatic reopens so far."""
        return self._c.reopens

    def close(self):
        """Close the channel (one call if the host still has it)."""
        check(lib().vmbd_rpci_close(self._ref), "vmbd_rpci_close")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.is_open:
            self.close()


def send_one(ctx, request, hb=True, cookies=True,
             reply_size=DEFAULT_REPLY_SIZE):
    """Open, call, close, like vmware-rpctool: one request on a fresh
    channel (vmbd_rpci_send_one)."""
    req = to_bytes(request, "request")
    buf = ctypes.create_string_buffer(reply_size)
    return _call(lib().vmbd_rpci_send_one, "vmbd_rpci_send_one",
                 (ctx._ref, channel_flags(hb, cookies), req, len(req)),
                 buf, c_size_t())
