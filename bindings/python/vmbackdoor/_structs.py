"""ctypes mirrors of the public C structs the bindings pass by pointer.

Each mirror names its C struct in ``_c_name_`` and uses the C field names,
so the layout test (tests/python/test_layout.py) can compare every field's
offset and size, and each struct's size, with what the C compiler says
(tests/python/layout.c prints them). A mirror that drifts from the header
fails that test instead of corrupting memory.

Only ``SimHead`` is a partial mirror: the leading fields of struct vmbd_sim
(host personality, clocks, counters). The simulator itself is an opaque
buffer of vmbd_sim_size() bytes; the rest of it is reached through the
library's accessor functions.
"""

from ctypes import (Structure, c_char, c_char_p, c_int, c_int32, c_int64,
                    c_size_t, c_uint, c_uint8, c_uint16, c_uint32, c_uint64,
                    c_void_p)

# sim_rpc.h
SIM_RPC_TCLO_CMD_MAX = 512
SIM_RPC_TCLO_REPLY_MAX = 512
SIM_MAX_CMD = 128          # sim.h VMBD_SIM_MAX_CMD
POLICY_MAX_ACTIONS = 6     # policy.h
POLICY_REPLY_MAX = 64


class Frame(Structure):
    _c_name_ = "vmbd_frame"
    _fields_ = [("ax", c_uint32), ("bx", c_uint32), ("cx", c_uint32),
                ("dx", c_uint32), ("si", c_uint64), ("di", c_uint64),
                ("bp", c_uint32)]


class Io(Structure):
    _c_name_ = "vmbd_io"
    _fields_ = [("ops", c_void_p), ("arg", c_void_p),
                ("lb_calls", c_uint64), ("hb_calls", c_uint64)]


class Ctx(Structure):
    _c_name_ = "vmbd_ctx"
    _fields_ = [("io", Io), ("log", c_void_p), ("log_arg", c_void_p)]


class Hz(Structure):
    _c_name_ = "vmbd_hz"
    _fields_ = [("tsc_hz", c_uint64), ("apic_hz", c_uint32)]


class HostTime(Structure):
    _c_name_ = "vmbd_host_time"
    _fields_ = [("sec", c_int64), ("usec", c_uint32),
                ("max_lag_us", c_uint32), ("interrupt_lag_us", c_uint32),
                ("has_interrupt_lag", c_int), ("cmd", c_int)]


class DetectInfo(Structure):
    _c_name_ = "vmbd_detect_info"
    _fields_ = [("hypervisor_present", c_int), ("hypervisor", c_int),
                ("vendor", c_char * 13), ("max_leaf", c_uint32),
                ("method", c_int), ("version", c_uint32),
                ("product", c_uint32)]


class Channel(Structure):
    _c_name_ = "vmbd_channel"
    _fields_ = [("ctx", c_void_p), ("proto", c_uint32), ("flags", c_uint),
                ("state", c_int), ("id", c_uint16), ("cookies", c_int),
                ("cookie_high", c_uint32), ("cookie_low", c_uint32),
                ("hb_unavailable", c_int), ("last_status", c_uint32),
                ("cpt_restarts", c_uint64)]


class Rpci(Structure):
    _c_name_ = "vmbd_rpci"
    _fields_ = [("ch", Channel), ("reopens", c_uint64)]


class Tclo(Structure):
    _c_name_ = "vmbd_tclo"
    _fields_ = [("ch", Channel), ("reopens", c_uint64),
                ("commands", c_uint64)]


class PolicyLocal(Structure):
    _c_name_ = "vmbd_policy_local"
    _fields_ = [("disable_all", c_int), ("disable_periodic", c_int),
                ("never_backward", c_int)]


class PolicySettings(Structure):
    _c_name_ = "vmbd_policy_settings"
    _fields_ = [("loop_state", c_int), ("loop_active", c_int),
                ("period_s", c_uint32), ("slew_on", c_int),
                ("percent", c_uint32), ("tools_enable", c_int),
                ("startup_backward", c_int), ("startup_done", c_int),
                ("allow", c_int), ("guest_resync", c_int),
                ("guest_resync_timeout_s", c_uint32)]


class Policy(Structure):
    _c_name_ = "vmbd_policy"
    _fields_ = [("local", PolicyLocal), ("s", PolicySettings),
                ("next_due_ns", c_int64), ("resync_noted", c_int)]


class PolicyAction(Structure):
    _c_name_ = "vmbd_policy_action"
    _fields_ = [("type", c_int), ("what", c_int), ("reason", c_int),
                ("backward", c_int), ("cause", c_int),
                ("period_s", c_uint32), ("slew_on", c_int),
                ("percent", c_uint32), ("os_state", c_int)]


class PolicyResult(Structure):
    _c_name_ = "vmbd_policy_result"
    _fields_ = [("reply", c_char * POLICY_REPLY_MAX),
                ("reply_len", c_size_t), ("n_actions", c_size_t),
                ("actions", PolicyAction * POLICY_MAX_ACTIONS),
                ("fail_reply", c_char_p)]


class PolicyTick(Structure):
    _c_name_ = "vmbd_policy_tick"
    _fields_ = [("due", c_int), ("next_due_ns", c_int64),
                ("period_s", c_uint32), ("slew_on", c_int),
                ("percent", c_uint32)]


class SimTcloRecord(Structure):
    _c_name_ = "vmbd_sim_tclo_record"
    _fields_ = [("cmd", c_char * (SIM_RPC_TCLO_CMD_MAX + 1)),
                ("cmd_len", c_uint32),
                ("reply", c_char * (SIM_RPC_TCLO_REPLY_MAX + 1)),
                ("reply_len", c_uint32)]


class SimHead(Structure):
    """The leading fields of struct vmbd_sim (a partial mirror)."""
    _c_name_ = "vmbd_sim"
    _partial_ = True
    _fields_ = [("version", c_uint32), ("product", c_uint32),
                ("hwversion", c_uint32), ("mhz", c_uint32),
                ("tsc_hz", c_uint64), ("apic_hz", c_uint32),
                ("uuid", c_uint8 * 16), ("memsize_mib", c_uint64),
                ("memsize_in_bytes", c_int), ("vcpu_info", c_uint32),
                ("tz_offset_min", c_int32),
                ("disabled", c_uint32 * (SIM_MAX_CMD // 32)),
                ("cmd_low_byte", c_int), ("lb_only", c_int),
                ("now_ns", c_int64), ("host_epoch_ns", c_int64),
                ("host_offset_ns", c_int64), ("max_lag_us", c_uint32),
                ("interrupt_lag_us", c_uint32), ("read_jitter_us", c_uint32),
                ("call_cost_ns", c_uint64), ("rng", c_uint64),
                ("guest_ns", c_int64), ("guest_drift_ppb", c_int64),
                ("guest_freq_ppb", c_int64), ("guest_slew_ns", c_int64),
                ("guest_slew_rate_ppb", c_int64), ("guest_frac", c_int64),
                ("guest_slew_frac", c_int64), ("suspended", c_int),
                ("calls_total", c_uint64), ("calls_lb", c_uint64),
                ("calls_hb", c_uint64),
                ("calls_by_cmd", c_uint64 * SIM_MAX_CMD),
                ("stopcatchup_count", c_uint64)]


# Every mirror, for the layout test.
MIRRORS = (Frame, Io, Ctx, Hz, HostTime, DetectInfo, Channel, Rpci, Tclo,
           PolicyLocal, PolicySettings, Policy, PolicyAction, PolicyResult,
           PolicyTick, SimTcloRecord, SimHead)
