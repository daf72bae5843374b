"""Python bindings (ctypes) for libvmbackdoor, the VMware backdoor library.

    import vmbackdoor as vb
    sim = vb.Simulator()                      # a simulated VMware host
    ctx = sim.context()                       # or vb.Context.open() on VMware
    print(ctx.read_host_time().datetime)
    print(ctx.rpci().info_get("guestinfo.x")) # RpcError if unset

Errors are VmbdError (code, name, strerror). Commands are bytes or ASCII
str; replies are Reply (bytes with .text). See README.md.
"""

from ._lib import (ENV_VAR, LibraryNotFoundError, SONAME, candidates,
                   library_path, load)
from ._text import Reply
from .backdoor import (Cmd, Context, DetectInfo, Frame, HostTime, Hypervisor,
                       Hz, LogLevel, MAGIC, Method, OpenError, PORT_HB, PORT_LB,
                       Product, Version, detect, detect_from_cpuid,
                       hypervisor_name, uuid_format)
from .errors import Err, RpcError, VmbdError, errname, strerror
from .policy import (NEVER, Action, ActionType, Cause, Local, LoopState,
                     OsState, Policy, PolicyResult, Settings, Tick, Veto,
                     action_name, cause_name, veto_name)
from .rpci import Rpci, send_one
from .sim import Fault, Profile, Simulator, TcloRecord
from .tclo import Tclo, TcloLoop



def library_version():
    """vmbd_version() of the loaded library ("0.1.0")."""
    from ._lib import lib
    return lib().vmbd_version().decode("ascii")


def __getattr__(name):
    # The package ships with the library: its version is the library's
    # (CMake's project version is the only place it is written).
    if name == "__version__":
        return library_version()
    raise AttributeError("module 'vmbackdoor' has no attribute %r" % name)


__all__ = [n for n in dir() if not n.startswith("_")]
