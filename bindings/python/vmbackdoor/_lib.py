"""Finding and loading libvmbackdoor.so.0, and the C prototypes.

Where the library is looked for, first match wins:

1. ``$VMBACKDOOR_LIB``: a path to the shared library. When set it is the
   only candidate (a wrong path is an error, not a reason to fall back to
   some other copy).
2. The library this package was installed with: ``cmake --install`` writes
   its absolute path into ``_installed.py`` next to this file.
3. A build tree of the source checkout this package sits in:
   ``<checkout>/build/lib/libvmbackdoor.so.0`` (``./dev build``'s layout),
   when the package is imported from ``<checkout>/bindings/python``.
4. The dynamic linker's search path: ``ctypes.util.find_library`` and then
   the soname ``libvmbackdoor.so.0`` itself.

Loading is lazy (on the first call that needs the library), so
``import vmbackdoor`` works without it and the error names every place that
was tried.
"""

import ctypes
import ctypes.util
import os
import threading
from ctypes import (POINTER, c_char_p, c_int, c_int64, c_size_t, c_uint,
                    c_uint32, c_uint64, c_void_p)

from . import _structs as S

ENV_VAR = "VMBACKDOOR_LIB"
ABI_VERSION = 0
SONAME = "libvmbackdoor.so.%d" % ABI_VERSION


class LibraryNotFoundError(OSError):
    """libvmbackdoor could not be loaded; ``tried`` lists (where, path, why)."""

    def __init__(self, tried):
        self.tried = list(tried)
        lines = ["libvmbackdoor (%s) not found; tried:" % SONAME]
        lines += ["  %s: %s (%s)" % t for t in self.tried]
        lines.append("set %s to the library's path" % ENV_VAR)
        super().__init__("\n".join(lines))


def candidates():
    """(where, path) pairs in the order they are tried."""
    env = os.environ.get(ENV_VAR)
    if env:
        return [(ENV_VAR, env)]
    found = []
    try:
        from . import _installed
        found.append(("installed", _installed.LIBRARY))
    except ImportError:
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    if os.path.basename(os.path.dirname(os.path.dirname(here))) == "bindings":
        found.append(("build tree",
                      os.path.join(checkout, "build", "lib", SONAME)))
    name = ctypes.util.find_library("vmbackdoor")
    if name:
        found.append(("find_library", name))
    found.append(("soname", SONAME))
    return found


# (function name, restype, argtypes). Every function the package calls is
# declared here, so a library without one fails at load time with its name.
_P = c_void_p
_PROTOTYPES = [
    ("vmbd_strerror", c_char_p, [c_int]),
    ("vmbd_errname", c_char_p, [c_int]),
    ("vmbd_version", c_char_p, []),
    ("vmbd_version_number", c_uint, []),
    # backdoor.h
    ("vmbd_ctx_init", c_int, [POINTER(S.Ctx), _P, _P]),
    ("vmbd_ctx_calls", c_uint64, [POINTER(S.Ctx)]),
    ("vmbd_ctx_set_log", None, [POINTER(S.Ctx), _P, _P]),
    ("vmbd_call", c_int, [POINTER(S.Ctx), POINTER(S.Frame)]),
    ("vmbd_get_version", c_int,
     [POINTER(S.Ctx), POINTER(c_uint32), POINTER(c_uint32)]),
    ("vmbd_get_mhz", c_int, [POINTER(S.Ctx), POINTER(c_uint32)]),
    ("vmbd_get_hz", c_int, [POINTER(S.Ctx), POINTER(S.Hz)]),
    ("vmbd_get_uuid", c_int, [POINTER(S.Ctx), POINTER(ctypes.c_uint8 * 16)]),
    ("vmbd_uuid_format", c_int,
     [POINTER(ctypes.c_uint8 * 16), ctypes.c_char_p, c_size_t]),
    ("vmbd_get_memsize", c_int, [POINTER(S.Ctx), POINTER(c_uint64)]),
    ("vmbd_get_hwversion", c_int, [POINTER(S.Ctx), POINTER(c_uint32)]),
    ("vmbd_get_vcpu_info", c_int, [POINTER(S.Ctx), POINTER(c_uint32)]),
    ("vmbd_get_time", c_int, [POINTER(S.Ctx), POINTER(S.HostTime)]),
    ("vmbd_get_time_full", c_int, [POINTER(S.Ctx), POINTER(S.HostTime)]),
    ("vmbd_get_time_full_with_lag", c_int,
     [POINTER(S.Ctx), POINTER(S.HostTime)]),
    ("vmbd_read_host_time", c_int, [POINTER(S.Ctx), POINTER(S.HostTime)]),
    ("vmbd_stop_catchup", c_int, [POINTER(S.Ctx)]),
    # io.h
    ("vmbd_io_in", c_int, [POINTER(S.Io), POINTER(S.Frame)]),
    ("vmbd_io_hb_out", c_int, [POINTER(S.Io), POINTER(S.Frame)]),
    ("vmbd_io_hb_in", c_int, [POINTER(S.Io), POINTER(S.Frame)]),
    # detect.h
    ("vmbd_detect", c_int, [POINTER(S.DetectInfo)]),
    ("vmbd_detect_from_cpuid", None,
     [POINTER(S.DetectInfo), c_uint32, c_uint32, c_uint32, c_uint32,
      c_uint32, c_uint32]),
    ("vmbd_hypervisor_name", c_char_p, [c_int]),
    ("vmbd_open", c_int, [POINTER(S.Ctx), c_uint, POINTER(S.DetectInfo)]),
    # rpci.h, tclo.h
    ("vmbd_rpci_open", c_int, [POINTER(S.Rpci), POINTER(S.Ctx), c_uint]),
    ("vmbd_rpci_close", c_int, [POINTER(S.Rpci)]),
    ("vmbd_rpci_call", c_int,
     [POINTER(S.Rpci), c_char_p, c_size_t, _P, c_size_t,
      POINTER(c_size_t)]),
    ("vmbd_rpci_send_one", c_int,
     [POINTER(S.Ctx), c_uint, c_char_p, c_size_t, _P, c_size_t,
      POINTER(c_size_t)]),
    ("vmbd_tclo_open", c_int, [POINTER(S.Tclo), POINTER(S.Ctx), c_uint]),
    ("vmbd_tclo_close", c_int, [POINTER(S.Tclo)]),
    ("vmbd_tclo_poll", c_int,
     [POINTER(S.Tclo), c_char_p, c_size_t, _P, c_size_t,
      POINTER(c_size_t)]),
    ("vmbd_channel_is_open", c_int, [POINTER(S.Channel)]),
    # policy.h
    ("vmbd_policy_init", c_int, [POINTER(S.Policy), POINTER(S.PolicyLocal)]),
    ("vmbd_policy_feed", c_int,
     [POINTER(S.Policy), c_char_p, c_size_t, c_int64,
      POINTER(S.PolicyResult)]),
    ("vmbd_policy_tick", c_int,
     [POINTER(S.Policy), c_int64, POINTER(S.PolicyTick)]),
    ("vmbd_policy_sync_failed", c_int, [POINTER(S.PolicyResult)]),
    ("vmbd_policy_get_settings", None,
     [POINTER(S.Policy), POINTER(S.PolicySettings)]),
    ("vmbd_policy_action_name", c_char_p, [c_int]),
    ("vmbd_policy_veto_name", c_char_p, [c_int]),
    ("vmbd_policy_cause_name", c_char_p, [c_int]),
    # sim.h
    ("vmbd_sim_size", c_size_t, []),
    ("vmbd_sim_init", None, [_P]),
    ("vmbd_sim_set_profile", c_int, [_P, c_int]),
    ("vmbd_sim_io_ops", _P, []),
    ("vmbd_sim_set_command", c_int, [_P, c_uint, c_int]),
    ("vmbd_sim_command_enabled", c_int, [_P, c_uint]),
    ("vmbd_sim_advance", None, [_P, c_int64]),
    ("vmbd_sim_advance_to", None, [_P, c_int64]),
    ("vmbd_sim_now", c_int64, [_P]),
    ("vmbd_sim_suspend", None, [_P, c_int64]),
    ("vmbd_sim_host_now", c_int64, [_P]),
    ("vmbd_sim_host_set", None, [_P, c_int64]),
    ("vmbd_sim_host_step", None, [_P, c_int64]),
    ("vmbd_sim_seed", None, [_P, c_uint64]),
    ("vmbd_sim_guest_now", c_int64, [_P]),
    ("vmbd_sim_guest_set", None, [_P, c_int64]),
    ("vmbd_sim_guest_step", None, [_P, c_int64]),
    ("vmbd_sim_guest_set_drift", None, [_P, c_int64]),
    ("vmbd_sim_guest_set_freq", None, [_P, c_int64]),
    ("vmbd_sim_guest_slew", None, [_P, c_int64, POINTER(c_int64)]),
    # sim_rpc.h
    ("vmbd_sim_rpc_set_channels", c_int, [_P, c_uint]),
    ("vmbd_sim_rpc_open_channels", c_uint, [_P]),
    ("vmbd_sim_rpc_close_all", c_uint, [_P]),
    ("vmbd_sim_rpc_set_fault", c_int, [_P, c_int, c_uint32, c_uint32,
                                       c_uint32]),
    ("vmbd_sim_rpc_fault_fired", c_uint32, [_P]),
    ("vmbd_sim_guestinfo_set", c_int, [_P, c_char_p, c_char_p]),
    ("vmbd_sim_guestinfo_get", c_char_p, [_P, c_char_p]),
    ("vmbd_sim_tclo_push", c_int, [_P, c_char_p, c_size_t]),
    ("vmbd_sim_tclo_pending", c_uint, [_P]),
    ("vmbd_sim_tclo_record_count", c_uint, [_P]),
    ("vmbd_sim_tclo_record", POINTER(S.SimTcloRecord), [_P, c_uint]),
]

# vmbd_log_fn: void (*)(void *arg, int level, const char *msg)
LOG_FN = ctypes.CFUNCTYPE(None, c_void_p, c_int, c_char_p)

_lock = threading.Lock()
_loaded = None
_path = None


def _bind(dll):
    for name, restype, argtypes in _PROTOTYPES:
        fn = getattr(dll, name)  # AttributeError names the missing symbol
        fn.restype = restype
        fn.argtypes = argtypes
    return dll


def load(path=None):
    """Load the library (once) and return the ctypes handle.

    path: load exactly this file instead of searching (and make it the
    library every later call uses). Raises LibraryNotFoundError."""
    global _loaded, _path
    with _lock:
        if _loaded is not None and path is None:
            return _loaded
        tried = []
        for where, cand in ([("argument", path)] if path else candidates()):
            try:
                dll = ctypes.CDLL(cand)
            except OSError as e:
                tried.append((where, cand, str(e).split(":")[-1].strip()
                              or "cannot load"))
                continue
            try:
                _bind(dll)
            except AttributeError as e:
                tried.append((where, cand, "not libvmbackdoor: %s" % e))
                continue
            _loaded, _path = dll, cand
            return dll
        raise LibraryNotFoundError(tried)


def lib():
    """The loaded library (loading it on first use)."""
    return _loaded if _loaded is not None else load()


def library_path():
    """Path (or name) the library was loaded from."""
    lib()
    return _path
