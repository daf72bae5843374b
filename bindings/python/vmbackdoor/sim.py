"""The simulated VMware host (struct vmbd_sim), so Python code runs and is
tested without a VM.

The struct is allocated here as an opaque, 8-byte aligned buffer of
vmbd_sim_size() bytes; the host's personality, clocks and counters are read
and written through SimHead, a mirror of the struct's leading fields that
the layout test checks against the C compiler; everything else goes through
the library's accessor functions."""

import ctypes
import enum
from ctypes import byref, c_int64
from dataclasses import dataclass

from . import _structs as S
from ._lib import lib
from ._text import Reply, check_int, check_uint, to_bytes
from .errors import check

DEFAULT_EPOCH_NS = 1767225600 * 1000000000  # 2026-01-01T00:00:00Z


class Profile(enum.IntEnum):
    VMWARE = 0
    QEMU = 1


class Fault(enum.IntEnum):
    """enum vmbd_sim_fault_kind."""
    NONE = 0
    CPT = 1
    CLOSE = 2
    STATUS = 3
    JUNK_BITS = 4
    COOKIE = 5
    TRUNCATE = 6
    LENGTH = 7
    BAD_TYPE = 8


@dataclass(frozen=True)
class TcloRecord:
    """A host command and the guest's answer, as the simulator recorded
    them; reply is cut to 512 bytes, reply_len is the full length sent."""
    cmd: Reply
    reply: Reply
    reply_len: int


class _Field:
    """A SimHead field as a checked property (ctypes would silently
    truncate an out-of-range int)."""

    def __init__(self, name, bits, signed=False, flag=False):
        self.name, self.bits, self.signed, self.flag = name, bits, signed, flag

    def __get__(self, sim, owner):
        if sim is None:
            return self
        v = getattr(sim._head, self.name)
        return bool(v) if self.flag else v

    def __set__(self, sim, value):
        if self.flag:
            value = 1 if value else 0
        elif self.signed:
            value = check_int(value, self.bits, self.name)
        else:
            value = check_uint(value, self.bits, self.name)
        setattr(sim._head, self.name, value)


class Simulator:
    """An in-process simulated VMware host in virtual time.

    Attributes mirror struct vmbd_sim's host personality (version, product,
    max_lag_us, interrupt_lag_us, ...) and counters (calls_total, ...)."""

    version = _Field("version", 32)
    product = _Field("product", 32)
    hwversion = _Field("hwversion", 32)
    mhz = _Field("mhz", 32)
    tsc_hz = _Field("tsc_hz", 64)
    apic_hz = _Field("apic_hz", 32)
    memsize_mib = _Field("memsize_mib", 64)
    memsize_in_bytes = _Field("memsize_in_bytes", 32, flag=True)
    vcpu_info = _Field("vcpu_info", 32)
    tz_offset_min = _Field("tz_offset_min", 32, signed=True)
    lb_only = _Field("lb_only", 32, flag=True)
    max_lag_us = _Field("max_lag_us", 32)
    interrupt_lag_us = _Field("interrupt_lag_us", 32)
    read_jitter_us = _Field("read_jitter_us", 32)
    call_cost_ns = _Field("call_cost_ns", 64)
    calls_total = _Field("calls_total", 64)
    calls_lb = _Field("calls_lb", 64)
    calls_hb = _Field("calls_hb", 64)
    stopcatchup_count = _Field("stopcatchup_count", 64)

    def __init__(self, profile=Profile.VMWARE):
        size = lib().vmbd_sim_size()
        if size < ctypes.sizeof(S.SimHead):
            raise RuntimeError("vmbd_sim_size() %d is smaller than the "
                               "mirrored head %d: library and bindings "
                               "disagree" % (size, ctypes.sizeof(S.SimHead)))
        # uint64 elements: the buffer is aligned for every field.
        self._buf = (ctypes.c_uint64 * ((size + 7) // 8))()
        self._ptr = ctypes.c_void_p(ctypes.addressof(self._buf))
        self._head = S.SimHead.from_buffer(self._buf)
        lib().vmbd_sim_init(self._ptr)
        if profile != Profile.VMWARE:
            self.set_profile(profile)

    @property
    def size(self):
        """sizeof(struct vmbd_sim) as the library reports it."""
        return lib().vmbd_sim_size()

    def context(self):
        """A Context whose backend is this simulator."""
        from .backdoor import Context
        return Context.simulated(self)

    # --- personality -------------------------------------------------
    def set_profile(self, profile):
        check(lib().vmbd_sim_set_profile(self._ptr, int(profile)),
              "vmbd_sim_set_profile")

    def set_command(self, cmd, enabled):
        """Switch a low-level command on or off (off: answers unknown)."""
        check(lib().vmbd_sim_set_command(self._ptr,
                                         check_uint(cmd, 32, "cmd"),
                                         1 if enabled else 0),
              "vmbd_sim_set_command")

    def command_enabled(self, cmd):
        return bool(lib().vmbd_sim_command_enabled(
            self._ptr, check_uint(cmd, 32, "cmd")))

    @property
    def uuid(self):
        return bytes(self._head.uuid)

    @uuid.setter
    def uuid(self, raw):
        raw = bytes(raw)
        if len(raw) != 16:
            raise ValueError("a UUID is 16 bytes, not %d" % len(raw))
        ctypes.memmove(self._head.uuid, raw, 16)

    def calls_by_cmd(self, cmd):
        """LB calls with valid magic and port for command cmd."""
        if not 0 <= cmd < S.SIM_MAX_CMD:
            raise ValueError("cmd %d not below %d" % (cmd, S.SIM_MAX_CMD))
        return self._head.calls_by_cmd[cmd]

    # --- virtual time (all ns) ---------------------------------------
    def _ns(self, value, what="ns"):
        return check_int(value, 64, what)

    def advance(self, ns):
        lib().vmbd_sim_advance(self._ptr, self._ns(ns))

    def advance_to(self, now_ns):
        lib().vmbd_sim_advance_to(self._ptr, self._ns(now_ns))

    @property
    def now_ns(self):
        """True time since the simulator was created."""
        return lib().vmbd_sim_now(self._ptr)

    def suspend(self, ns):
        lib().vmbd_sim_suspend(self._ptr, self._ns(ns))

    @property
    def host_ns(self):
        return lib().vmbd_sim_host_now(self._ptr)

    @host_ns.setter
    def host_ns(self, value):
        lib().vmbd_sim_host_set(self._ptr, self._ns(value, "host_ns"))

    def host_step(self, delta_ns):
        lib().vmbd_sim_host_step(self._ptr, self._ns(delta_ns))

    def seed(self, seed):
        lib().vmbd_sim_seed(self._ptr, check_uint(seed, 64, "seed"))

    @property
    def guest_ns(self):
        return lib().vmbd_sim_guest_now(self._ptr)

    @guest_ns.setter
    def guest_ns(self, value):
        lib().vmbd_sim_guest_set(self._ptr, self._ns(value, "guest_ns"))

    def guest_step(self, delta_ns):
        lib().vmbd_sim_guest_step(self._ptr, self._ns(delta_ns))

    def guest_set_drift(self, ppb):
        lib().vmbd_sim_guest_set_drift(self._ptr, self._ns(ppb, "ppb"))

    def guest_set_freq(self, ppb):
        lib().vmbd_sim_guest_set_freq(self._ptr, self._ns(ppb, "ppb"))

    def guest_slew(self, delta_ns):
        """adjtime(): returns the previous pending slew."""
        old = c_int64()
        lib().vmbd_sim_guest_slew(self._ptr, self._ns(delta_ns), byref(old))
        return old.value

    # --- GuestRPC side -----------------------------------------------
    def set_channels(self, n):
        check(lib().vmbd_sim_rpc_set_channels(self._ptr,
                                              check_uint(n, 32, "n")),
              "vmbd_sim_rpc_set_channels")

    @property
    def open_channels(self):
        return lib().vmbd_sim_rpc_open_channels(self._ptr)

    def close_all_channels(self):
        """The host drops every channel (a tools restart, vMotion); returns
        how many were open. Guests must open new ones."""
        return lib().vmbd_sim_rpc_close_all(self._ptr)

    def set_fault(self, kind, at=1, count=1, value=0):
        """Arm one fault (Fault.*) on the at-th next MESSAGE/HB call."""
        check(lib().vmbd_sim_rpc_set_fault(
            self._ptr, check_int(int(kind), 32, "kind"),
            check_uint(at, 32, "at"), check_uint(count, 32, "count"),
            check_uint(value, 32, "value")), "vmbd_sim_rpc_set_fault")

    @property
    def fault_fired(self):
        return lib().vmbd_sim_rpc_fault_fired(self._ptr)

    def guestinfo_set(self, key, value):
        """Host side of guestinfo (what the .vmx sets). NUL-terminated in C:
        key and value must not contain NUL."""
        check(lib().vmbd_sim_guestinfo_set(
            self._ptr, to_bytes(key, "key", allow_nul=False),
            to_bytes(value, "value", allow_nul=False)),
            "vmbd_sim_guestinfo_set")

    def guestinfo_get(self, key):
        """The value (Reply) or None when the key is not set."""
        v = lib().vmbd_sim_guestinfo_get(
            self._ptr, to_bytes(key, "key", allow_nul=False))
        return None if v is None else Reply(v)

    def tclo_push(self, command):
        """Queue a TCLO command the host sends at the guest's next poll."""
        cmd = to_bytes(command, "command")
        check(lib().vmbd_sim_tclo_push(self._ptr, cmd, len(cmd)),
              "vmbd_sim_tclo_push")

    @property
    def tclo_pending(self):
        return lib().vmbd_sim_tclo_pending(self._ptr)

    @property
    def tclo_records(self):
        """Recorded (command, answer) pairs, oldest first."""
        out = []
        for i in range(lib().vmbd_sim_tclo_record_count(self._ptr)):
            rec = lib().vmbd_sim_tclo_record(self._ptr, i).contents
            base = ctypes.addressof(rec)
            cmd = ctypes.string_at(base + S.SimTcloRecord.cmd.offset,
                                   min(rec.cmd_len, S.SIM_RPC_TCLO_CMD_MAX))
            reply = ctypes.string_at(
                base + S.SimTcloRecord.reply.offset,
                min(rec.reply_len, S.SIM_RPC_TCLO_REPLY_MAX))
            out.append(TcloRecord(Reply(cmd), Reply(reply), rec.reply_len))
        return out
