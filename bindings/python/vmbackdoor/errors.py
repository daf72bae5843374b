"""Library error codes as Python exceptions."""

import enum

from ._lib import lib


class Err(enum.IntEnum):
    """The VMBD_E* codes of common.h (the layout test checks each name
    against vmbd_errname() and that no library code is missing here)."""
    OK = 0
    EINVAL = -1
    ENOTVMWARE = -2
    EPERM = -3
    ENOTSUP = -4
    EUNSUPPORTED = -5
    EPROTO = -6
    EBADTIME = -7
    EUNKNOWN = -8
    ENOBACKEND = -9
    EOPEN = -20
    ECLOSED = -21
    EUNSENT = -22
    ETIMEOUT = -23
    EPOWEROFF = -24
    ENOSUCCESS = -25
    ECPT = -26
    ETOOBIG = -27
    ENOSPC = -28
    ENOTOPEN = -29
    ENOMSG = -30
    ERPC = -31
    ESYNTAX = -40
    ERANGE = -41
    EFULL = -42
    ECLOCK = -60
    ESCRIPT = -61
    EIO = -62
    ECLOCKPERM = -63


def strerror(code):
    """vmbd_strerror(code) as str."""
    return lib().vmbd_strerror(int(code)).decode("ascii", "replace")


def errname(code):
    """vmbd_errname(code) as str ("VMBD_EPROTO")."""
    return lib().vmbd_errname(int(code)).decode("ascii", "replace")


class VmbdError(Exception):
    """A negative VMBD_E* code from the library.

    code: the int (compare with Err.*); name: vmbd_errname ("VMBD_EPROTO");
    strerror: vmbd_strerror's text; func: the C function that returned it.
    """

    def __init__(self, code, func=None):
        self.code = int(code)
        self.name = errname(self.code)
        self.strerror = strerror(self.code)
        self.func = func
        where = "%s: " % func if func else ""
        super().__init__("%s%s (%d): %s" % (where, self.name, self.code,
                                             self.strerror))

    @property
    def err(self):
        """The code as an Err member (or the int if unknown here)."""
        try:
            return Err(self.code)
        except ValueError:
            return self.code


class RpcError(VmbdError):
    """The host answered an RPCI request with failure ("0 reason"):
    VMBD_ERPC, with the host's reason in ``reply`` (a Reply)."""

    def __init__(self, reply, func=None):
        self.reply = reply
        super().__init__(Err.ERPC, func)
        self.args = (self.args[0] + ": %r" % bytes(reply),)


def check(rc, func=None):
    """Raise VmbdError for a negative return code; return rc otherwise."""
    if rc < 0:
        raise VmbdError(rc, func)
    return rc
