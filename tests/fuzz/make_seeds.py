#!/usr/bin/env python3
"""Write the hand-made seed inputs of every fuzz target.

    python3 tests/fuzz/make_seeds.py

Seeds are named seed-*; the script rewrites exactly those and leaves every
other corpus file (inputs the fuzzer found, crash reproducers, the
channel target's hand-made seeds) alone. The
formats are the ones the targets' header comments describe; the
channel_ops seeds come from a model of a well-behaved host, so the fuzzer starts from
complete, successful conversations and mutates them into hostile ones.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

# ---- message channel protocol numbers (include/vmbackdoor/channel.h) ----
SUCCESS, DORECV, CLOSED, UNSENT, CPT, POWEROFF, TIMEOUT, HB = (
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80)
T_SENDSIZE, T_SENDPAYLOAD = 1, 2


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def clean(target):
    d = os.path.join(CORPUS, target)
    if os.path.isdir(d):
        for n in os.listdir(d):
            if n.startswith("seed-"):
                os.remove(os.path.join(d, n))


# ---- script: host scripts (include/vmbackdoor/script.h) ----
SCRIPTS = {
    "demo": open(os.path.join(HERE, "..", "..", "lib", "script_demo.c"))
    .read().split("demo_script[] =")[1].split(";")[0],
    "every-kind": "# a comment line\n\n   \t  \n"
    "at 0 guest-drift 12.5\nat 1.5 host-step -2500   # trailing\n"
    "at 2\ttclo   Set_Option  synctime 1  \nat 2 suspend 3600.000000001\n"
    "at 10 guest-drift -0.001\nat 86400 end\n# after end\n",
    "crlf": "at 0 tclo reset\r\nat 1 end",
    "limits": "at 999999999.999999999 host-step -1000000000000000\n"
    "at 1000000000 guest-drift -100000\nat 1000000000 end\n",
    "only-end": "at 0 end\n",
}


def script_text(v):
    # The demo is C string literals: join them.
    if v.lstrip().startswith('"'):
        out = []
        for part in v.split('"')[1::2]:
            out.append(part.encode().decode("unicode_escape"))
        return "".join(out)
    return v


def seeds_script():
    clean("script")
    for name, v in SCRIPTS.items():
        write("script", name, script_text(v).encode())


# ---- policy: 4 header bytes, commands separated by 0xFF ----
POLICY = {
    "tools-start": [
        b"reset", b"ping", b"Capabilities_Register",
        b"Set_Option broadcastIP 1", b"Set_Option synctime 0",
        b"Set_Option synctime.period 60",
        b"Set_Option time.synchronize.tools.startup.backward 1",
        b"Set_Option time.synchronize.tools.startup 1",
        b"Set_Option time.synchronize.tools.enable 1",
        b"Set_Option time.synchronize.tools.slewCorrection 1",
        b"Set_Option time.synchronize.tools.percentCorrection 30",
        b"Set_Option synctime 1", b"Time_Synchronize 1",
    ],
    "resume": [b"OS_Resume", b"Time_Synchronize 0", b"Set_Option synctime 1",
               b"Set_Option synctime.period 0", b"Set_Option synctime 0"],
    "allow": [b"Set_Option synctime 1", b"Set_Option time.synchronize.allow 0",
              b"Time_Synchronize 1", b"Set_Option time.synchronize.allow 1",
              b"Set_Option time.synchronize.guest.resync 1",
              b"Set_Option time.synchronize.guest.resync.timeout 30"],
    "power": [b"OS_Halt", b"OS_Reboot", b"OS_PowerOn", b"OS_Suspend",
              b"Broadcast_IP", b"", b"   ", b"ping\x00", b"ping\x00\x00",
              b"Set_Option", b"Set_Option synctime", b"Set_Option synctime x",
              b"Set_Option synctime 4294967296", b"Set_Option synctime 07"],
}


def seeds_policy():
    clean("policy")
    for i, (name, cmds) in enumerate(POLICY.items()):
        # veto bits vary per seed; 1 s .. 65 s between commands
        head = bytes([i & 7]) + struct.pack("<I", 1000 + 16000 * i)[:3]
        write("policy", name, head + b"\xff".join(cmds))
    write("policy", "never-backward-startup",
          b"\x04\xe8\x03\x00" + b"\xff".join(POLICY["tools-start"]))


# ---- rpci: flags, reply buffer size - 1 (LE16), the host's raw reply ----
RPCI = {
    "ok": (0, 64, b"1 hello"),
    "ok-empty": (0, 64, b"1 "),
    "fail": (1, 64, b"0 No value found"),
    "no-prefix": (0, 64, b"hello"),
    "too-short": (0, 64, b"1"),
    "empty": (1, 64, b""),
    "nul-inside": (0, 64, b"1 a\x00b"),
    "exact-fit": (1, 7, b"1 abcde"),
    "too-big": (0, 3, b"1 abcdef"),
}


def seeds_rpci():
    clean("rpci")
    for name, (flags, size, reply) in RPCI.items():
        write("rpci", name, bytes([flags]) + struct.pack("<H", size - 1) + reply)


# ---- channel_ops: operations interleaved with a scripted host's answers ----
class Conv:
    """One fuzz_channel_ops input: driver bytes and host answers in order."""

    def __init__(self, lb_backend=False):
        self.b = bytearray([1 if lb_backend else 0])

    def lb(self, status, bx=0, typ=0):
        self.b += bytes([status, typ]) + struct.pack("<I", bx & 0xFFFFFFFF)

    def hb_out(self, status=SUCCESS):
        self.b += bytes([status, 0])

    def hb_in(self, payload, status=SUCCESS):
        self.b += bytes([status, 0]) + payload

    # driver operations (op byte % 7)
    def open(self, flags=0, tclo=False, cookie_ok=True):
        self.b += bytes([0, flags | (4 if tclo else 0)])
        if not cookie_ok and not flags & 2:
            self.lb(0)            # cookie flag refused: one more try
        self.lb(SUCCESS | (0 if flags & 1 else HB), 0x12345678)

    def send(self, msg, hb):
        self.b += bytes([1]) + struct.pack("<H", len(msg)) + b"\x00"
        self.host_send(msg, hb)

    def host_send(self, msg, hb, cpt_first=False):
        if cpt_first:
            self.lb(CPT)
        self.lb(SUCCESS | (HB if hb else 0))
        if not msg:
            return
        if hb:
            self.hb_out()
        else:
            for _ in range(0, len(msg), 4):
                self.lb(SUCCESS)

    def recv(self, size, msg, hb):
        self.b += bytes([2]) + struct.pack("<H", size)
        self.host_recv(msg, hb, size)

    def host_recv(self, msg, hb, size):
        if msg is None:
            self.lb(SUCCESS)      # nothing waiting
            return
        self.lb(SUCCESS | DORECV | (HB if hb else 0), len(msg), T_SENDSIZE)
        if len(msg) > size:
            self.lb(SUCCESS)      # the refusal step
            return
        if msg:
            if hb:
                self.hb_in(msg)
            else:
                for i in range(0, len(msg), 4):
                    w = msg[i:i + 4].ljust(4, b"\0")
                    self.lb(SUCCESS, struct.unpack("<I", w)[0], T_SENDPAYLOAD)
        self.lb(SUCCESS)          # RECVSTATUS

    def close(self):
        self.b += bytes([3])
        self.lb(SUCCESS)

    def rpci_open(self, flags=0):
        self.b += bytes([5, 0, 0, 0, flags])
        self.lb(SUCCESS | (0 if flags & 1 else HB), 0xCAFE)

    def rpci_call(self, req_len, size, reply, hb):
        self.b += bytes([5, req_len]) + struct.pack("<H", size - 1)
        self.host_send(bytes(req_len), hb)
        self.host_recv(reply, hb, size)

    def tclo_open(self, flags=0):
        self.b += bytes([6, 0, 0, 0, flags])
        self.lb(SUCCESS | (0 if flags & 1 else HB), 0xBEEF)

    def tclo_poll(self, ans_len, size, cmd, hb):
        self.b += bytes([6, ans_len]) + struct.pack("<H", size - 1)
        self.host_send(bytes(ans_len), hb)
        self.host_recv(cmd, hb, size - 1)


def seeds_channel_ops():
    clean("channel_ops")
    c = Conv()
    c.open()
    c.send(b"info-get guestinfo.ip", hb=True)
    c.recv(64, b"1 10.0.0.1", hb=True)
    c.close()
    write("channel_ops", "hb-roundtrip", bytes(c.b))

    c = Conv()
    c.open(flags=1)
    c.send(b"tools.set.version 12389", hb=False)
    c.recv(64, b"1 ", hb=False)
    c.recv(64, None, hb=False)
    c.close()
    write("channel_ops", "lb-roundtrip", bytes(c.b))

    c = Conv(lb_backend=True)
    c.open(cookie_ok=False)
    c.send(b"x" * 9, hb=True)      # host says HB, backend cannot: LB
    c.recv(8, b"y" * 13, hb=True)  # refused: larger than the buffer
    write("channel_ops", "lb-backend-refuse", bytes(c.b))

    c = Conv()
    c.rpci_open()
    c.rpci_call(8, 32, b"1 value", hb=True)
    c.rpci_call(8, 32, b"0 No value found", hb=False)
    write("channel_ops", "rpci", bytes(c.b))

    c = Conv()
    c.tclo_open()
    c.tclo_poll(0, 64, b"reset", hb=True)
    c.tclo_poll(14, 64, b"ping", hb=True)
    c.tclo_poll(3, 64, None, hb=True)
    c.tclo_poll(3, 64, b"", hb=True)
    write("channel_ops", "tclo", bytes(c.b))

    c = Conv()
    c.open()
    c.b += bytes([1]) + struct.pack("<H", 5) + b"\x00"
    c.host_send(b"hello", hb=True, cpt_first=True)   # CPT, then resent
    c.b += bytes([2]) + struct.pack("<H", 16)
    c.lb(CPT)
    c.host_recv(b"abc", False, 16)
    c.b += bytes([1]) + struct.pack("<H", 4) + b"\x00"
    c.lb(CLOSED)                                      # the host closed it
    c.b += bytes([4])              # reopen: closed already, so OPEN only
    c.lb(SUCCESS | HB, 7)
    write("channel_ops", "cpt-closed-reopen", bytes(c.b))


def main():
    seeds_script()
    seeds_policy()
    seeds_rpci()
    seeds_channel_ops()
    return 0


if __name__ == "__main__":
    sys.exit(main())
