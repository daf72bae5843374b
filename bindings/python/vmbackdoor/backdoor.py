"""Contexts, detection and the typed low-level backdoor commands."""

import ctypes
import datetime
import enum
import uuid as _uuid
from dataclasses import dataclass
from ctypes import byref, c_uint32, c_uint64

from . import _structs as S
from ._lib import LOG_FN, lib
from ._text import check_uint
from .errors import VmbdError, check

MAGIC = 0x564D5868
PORT_LB = 0x5658
PORT_HB = 0x5659


class Cmd(enum.IntEnum):
    """Low-level command numbers (enum vmbd_cmd)."""
    GETMHZ = 1
    GETVERSION = 10
    GETHWVERSION = 17
    GETUUID = 19
    GETMEMSIZE = 20
    GETTIME = 23
    STOPCATCHUP = 24
    MESSAGE = 30
    GETHZ = 45
    GETTIMEFULL = 46
    GETTIMEFULL_WITH_LAG = 55
    GET_VCPU_INFO = 68


class Product(enum.IntEnum):
    """GETVERSION product types (enum vmbd_product)."""
    UNSET = 0
    EXPRESS = 1
    ESX = 2
    SERVER = 3
    WORKSTATION = 4
    WORKSTATION_ENTERPRISE = 5


class Hypervisor(enum.IntEnum):
    """enum vmbd_hypervisor; member names are vmbd_hypervisor_name()
    upper-cased."""
    NONE = 0
    VMWARE = 1
    KVM = 2
    HYPERV = 3
    XEN = 4
    TCG = 5
    VBOX = 6
    OTHER = 7


class LogLevel(enum.IntEnum):
    """enum vmbd_log_level."""
    ERROR = 0
    WARNING = 1
    INFO = 2
    DEBUG = 3


class Method(enum.IntEnum):
    """enum vmbd_call_method."""
    PORT = 0
    VMCALL = 1
    VMMCALL = 2
    ARM64 = 3


def _enum(cls, value):
    try:
        return cls(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class Frame:
    """A backdoor register frame (struct vmbd_frame)."""
    ax: int = 0
    bx: int = 0
    cx: int = 0
    dx: int = 0
    si: int = 0
    di: int = 0
    bp: int = 0

    def _to_c(self):
        f = S.Frame()
        for name, bits in (("ax", 32), ("bx", 32), ("cx", 32), ("dx", 32),
                           ("si", 64), ("di", 64), ("bp", 32)):
            setattr(f, name, check_uint(getattr(self, name), bits,
                                        "frame." + name))
        return f

    @classmethod
    def _from_c(cls, f):
        return cls(f.ax, f.bx, f.cx, f.dx, f.si, f.di, f.bp)


@dataclass(frozen=True)
class Version:
    version: int
    product: object  # Product, or the raw int for a type not in Product


@dataclass(frozen=True)
class Hz:
    tsc_hz: int
    apic_hz: int


@dataclass(frozen=True)
class HostTime:
    """The host's time and its lag fields (struct vmbd_host_time).

    interrupt_lag_us is None unless the host reported it
    (GETTIMEFULL_WITH_LAG); cmd says which command answered."""
    sec: int
    usec: int
    max_lag_us: int
    interrupt_lag_us: object
    cmd: object  # Cmd

    @property
    def ns(self):
        """Host time in ns since the Unix epoch."""
        return self.sec * 1000000000 + self.usec * 1000

    @property
    def datetime(self):
        """Host time as an aware UTC datetime."""
        return (datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
                + datetime.timedelta(seconds=self.sec,
                                     microseconds=self.usec))

    @classmethod
    def _from_c(cls, t):
        return cls(t.sec, t.usec, t.max_lag_us,
                   t.interrupt_lag_us if t.has_interrupt_lag else None,
                   _enum(Cmd, t.cmd))


@dataclass(frozen=True)
class DetectInfo:
    """CPUID detection result (struct vmbd_detect_info)."""
    hypervisor_present: bool
    hypervisor: object  # Hypervisor
    vendor: str
    max_leaf: int
    method: object  # Method
    # GETVERSION's answer, filled only by a successful Context.open()
    # (0 from detect()): no second GETVERSION needed to show it.
    version: int = 0
    product: object = 0  # Product

    @property
    def hypervisor_name(self):
        return hypervisor_name(self.hypervisor)

    @property
    def is_vmware(self):
        return self.hypervisor == Hypervisor.VMWARE

    @classmethod
    def _from_c(cls, d):
        return cls(bool(d.hypervisor_present),
                   _enum(Hypervisor, d.hypervisor),
                   d.vendor.decode("ascii", "replace"), d.max_leaf,
                   _enum(Method, d.method), d.version,
                   _enum(Product, d.product) if d.product else 0)


def hypervisor_name(hv):
    """vmbd_hypervisor_name(): "vmware", "kvm", ..., "none"."""
    return lib().vmbd_hypervisor_name(int(hv)).decode("ascii")


def detect():
    """CPUID detection; never executes a backdoor instruction.
    VmbdError(ENOTSUP) where CPUID is unavailable (non-x86)."""
    d = S.DetectInfo()
    check(lib().vmbd_detect(byref(d)), "vmbd_detect")
    return DetectInfo._from_c(d)


def detect_from_cpuid(leaf1_ecx, max_leaf, vendor_ebx, vendor_ecx,
                      vendor_edx, features_ecx=0):
    """The detection decision from raw CPUID register values (pure).
    ValueError for a value that is not a 32-bit unsigned int."""
    regs = [check_uint(v, 32, n) for v, n in (
        (leaf1_ecx, "leaf1_ecx"), (max_leaf, "max_leaf"),
        (vendor_ebx, "vendor_ebx"), (vendor_ecx, "vendor_ecx"),
        (vendor_edx, "vendor_edx"), (features_ecx, "features_ecx"))]
    d = S.DetectInfo()
    lib().vmbd_detect_from_cpuid(byref(d), *regs)
    return DetectInfo._from_c(d)


def uuid_format(raw):
    """vmbd_uuid_format(): 16 bytes (string byte order) -> 36-char str."""
    raw = bytes(raw)
    if len(raw) != 16:
        raise ValueError("a UUID is 16 bytes, not %d" % len(raw))
    arr = (ctypes.c_uint8 * 16).from_buffer_copy(raw)
    buf = ctypes.create_string_buffer(37)
    check(lib().vmbd_uuid_format(byref(arr), buf, len(buf)),
          "vmbd_uuid_format")
    return buf.value.decode("ascii")


OPEN_FORCE = 1 << 0
OPEN_NO_ACCESS_REQUEST = 1 << 1


class OpenError(VmbdError):
    """vmbd_open() failed; ``detect`` holds the detection result."""

    def __init__(self, code, info):
        self.detect = info
        super().__init__(code, "vmbd_open")


class Context:
    """A backdoor context (struct vmbd_ctx) bound to a backend.

    Context() is unbound (every call fails with VMBD_EINVAL);
    Context.open() binds the real backdoor, Simulator.context() (or
    Context.simulated(sim)) the simulator. Not thread-safe: one context per
    thread, as in C."""

    def __init__(self):
        self._c = S.Ctx()
        self._ref = byref(self._c)
        self._keep = None  # what the backend's argument points into
        self._log = None   # the C callback object, kept alive while set
        self.detect_info = None  # DetectInfo of a successful open()

    @classmethod
    def simulated(cls, sim):
        """A context whose backend is the simulator `sim`."""
        ctx = cls()
        check(lib().vmbd_ctx_init(ctx._ref, lib().vmbd_sim_io_ops(),
                                  sim._ptr), "vmbd_ctx_init")
        ctx._keep = sim
        return ctx

    @classmethod
    def open(cls, force=False, no_access_request=False):
        """The real backdoor: vmbd_open(). Without force, nothing is
        executed unless CPUID says VMware (OpenError ENOTVMWARE otherwise,
        carrying the DetectInfo). On success ctx.detect_info holds the
        detection and the GETVERSION answer vmbd_open() made."""
        ctx = cls()
        flags = (OPEN_FORCE if force else 0) | \
            (OPEN_NO_ACCESS_REQUEST if no_access_request else 0)
        d = S.DetectInfo()
        rc = lib().vmbd_open(ctx._ref, flags, byref(d))
        if rc < 0:
            raise OpenError(rc, DetectInfo._from_c(d))
        ctx.detect_info = DetectInfo._from_c(d)
        return ctx

    @property
    def calls(self):
        """Backdoor calls made through this context (LB + HB)."""
        return lib().vmbd_ctx_calls(self._ref)

    def set_log(self, fn):
        """Receive the library's log lines: fn(level: LogLevel, msg: str),
        called synchronously during library calls on this context; None
        removes it. An exception in fn cannot cross C: it is printed by
        ctypes and the call continues."""
        if fn is None:
            lib().vmbd_ctx_set_log(self._ref, None, None)
            self._log = None
            return
        if not callable(fn):
            raise TypeError("log callback must be callable or None")

        def trampoline(_arg, level, msg):
            fn(_enum(LogLevel, level), msg.decode("utf-8", "replace"))
        cb = LOG_FN(trampoline)
        lib().vmbd_ctx_set_log(self._ref, ctypes.cast(cb, ctypes.c_void_p),
                               None)
        self._log = cb

    # --- raw calls ---------------------------------------------------
    def call(self, frame):
        """vmbd_call(): one LB call, eax = magic and dx's low half = the LB
        port set for you; returns the reply Frame uninterpreted."""
        f = frame._to_c()
        check(lib().vmbd_call(self._ref, byref(f)), "vmbd_call")
        return Frame._from_c(f)

    def io_in(self, frame):
        """vmbd_io_in(): the frame exactly as given (magic, port and all)."""
        f = frame._to_c()
        check(lib().vmbd_io_in(byref(self._c.io), byref(f)), "vmbd_io_in")
        return Frame._from_c(f)

    def hb_out(self, frame, data):
        """vmbd_io_hb_out(): `rep outsb` of `data` (bytes): si is set to the
        data's address and cx to its length. Returns the reply Frame."""
        data = bytes(data)
        buf = ctypes.create_string_buffer(data, len(data) or 1)
        f = frame._to_c()
        f.si = ctypes.addressof(buf)
        f.cx = check_uint(len(data), 32, "data length")
        check(lib().vmbd_io_hb_out(byref(self._c.io), byref(f)),
              "vmbd_io_hb_out")
        return Frame._from_c(f)

    def hb_in(self, frame, size):
        """vmbd_io_hb_in(): `rep insb` of `size` bytes: di is set to a fresh
        buffer and cx to size. Returns (reply Frame, the size bytes)."""
        size = check_uint(size, 32, "size")
        buf = ctypes.create_string_buffer(size or 1)
        f = frame._to_c()
        f.di = ctypes.addressof(buf)
        f.cx = size
        check(lib().vmbd_io_hb_in(byref(self._c.io), byref(f)),
              "vmbd_io_hb_in")
        return Frame._from_c(f), buf.raw[:size]

    # --- typed commands ----------------------------------------------
    def get_version(self):
        v, p = c_uint32(), c_uint32()
        check(lib().vmbd_get_version(self._ref, byref(v), byref(p)),
              "vmbd_get_version")
        return Version(v.value, _enum(Product, p.value))

    def get_mhz(self):
        v = c_uint32()
        check(lib().vmbd_get_mhz(self._ref, byref(v)), "vmbd_get_mhz")
        return v.value

    def get_hz(self):
        h = S.Hz()
        check(lib().vmbd_get_hz(self._ref, byref(h)), "vmbd_get_hz")
        return Hz(h.tsc_hz, h.apic_hz)

    def get_uuid(self):
        """The BIOS UUID as a uuid.UUID."""
        raw = (ctypes.c_uint8 * 16)()
        check(lib().vmbd_get_uuid(self._ref, byref(raw)), "vmbd_get_uuid")
        return _uuid.UUID(bytes=bytes(raw))

    def get_memsize(self):
        """Memory size in MiB."""
        v = c_uint64()
        check(lib().vmbd_get_memsize(self._ref, byref(v)), "vmbd_get_memsize")
        return v.value

    def get_hwversion(self):
        v = c_uint32()
        check(lib().vmbd_get_hwversion(self._ref, byref(v)),
              "vmbd_get_hwversion")
        return v.value

    def get_vcpu_info(self):
        v = c_uint32()
        check(lib().vmbd_get_vcpu_info(self._ref, byref(v)),
              "vmbd_get_vcpu_info")
        return v.value

    def _time(self, name):
        t = S.HostTime()
        check(getattr(lib(), name)(self._ref, byref(t)), name)
        return HostTime._from_c(t)

    def get_time(self):
        """GETTIME (23) only."""
        return self._time("vmbd_get_time")

    def get_time_full(self):
        """GETTIMEFULL (46) only."""
        return self._time("vmbd_get_time_full")

    def get_time_full_with_lag(self):
        """GETTIMEFULL_WITH_LAG (55) only."""
        return self._time("vmbd_get_time_full_with_lag")

    def read_host_time(self):
        """The open-vm-tools chain WITH_LAG -> FULL -> GETTIME."""
        return self._time("vmbd_read_host_time")

    def stop_catchup(self):
        check(lib().vmbd_stop_catchup(self._ref), "vmbd_stop_catchup")

    # --- channels ----------------------------------------------------
    def rpci(self, **kw):
        """An Rpci (kept-open RPCI channel) on this context."""
        from .rpci import Rpci
        return Rpci(self, **kw)

    def tclo(self, **kw):
        """A Tclo poller on this context."""
        from .tclo import Tclo
        return Tclo(self, **kw)
