#!/usr/bin/env python3
"""vmbd-time CLI tests on the simulator (issue 5 point 8, and the CLI
contract of vmbd-time(1)). usage: vmbd_time_cli.py VMBD_TIME CASE

Every case runs the real program; JSON output is checked against the
schema in the man page. Nothing here touches the real clock: the program
runs with --sim, whose clock is the simulated guest's.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

PROG = sys.argv[1]
EVENTS = {"start", "host", "tclo", "reply", "step", "slew", "in-sync",
          "loop-start", "loop-stop", "sync-skipped", "sync-failed",
          "refclock", "channel", "log", "stop"}
INT_FIELDS = {"delta_us", "period_s", "freq_ppb", "offset_us", "backdoor_calls"}
STR_FIELDS = {"command", "reply", "cause", "reason", "message"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(args, env=None, script=None, timeout=60):
    e = dict(os.environ)
    for k in ("VMBD_TIME_DISABLE_ALL", "VMBD_TIME_DISABLE_PERIODIC",
              "VMBD_TIME_NEVER_BACKWARD"):
        e.pop(k, None)
    e.update(env or {})
    path = None
    if script is not None:
        fd, path = tempfile.mkstemp(suffix=".vmbd")
        with os.fdopen(fd, "w") as f:
            f.write(script)
        args = args + ["--script", path]
    try:
        p = subprocess.run([PROG] + args, capture_output=True, text=True,
                           env=e, timeout=timeout)
    finally:
        if path:
            os.unlink(path)
    return p


def events(p):
    """Parse JSON lines and check each against the documented schema."""
    check(p.returncode == 0, "exit %d, stderr: %s" % (p.returncode, p.stderr))
    out, last_t = [], -1.0
    for line in p.stdout.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            fail("not a JSON object: %r" % line)
        check(isinstance(ev, dict), "not an object: %r" % line)
        check(isinstance(ev.get("t"), (int, float)), "no numeric t: %r" % line)
        check(ev["t"] >= last_t, "time goes backward: %r" % line)
        last_t = ev["t"]
        check(ev.get("event") in EVENTS, "unknown event: %r" % line)
        for k, v in ev.items():
            if k in INT_FIELDS:
                check(isinstance(v, int), "%s not an integer: %r" % (k, line))
            elif k in STR_FIELDS:
                check(isinstance(v, str), "%s not a string: %r" % (k, line))
            elif k == "backward":
                check(isinstance(v, bool), "backward not a bool: %r" % line)
            else:
                check(k in ("t", "event"), "undocumented member %s" % k)
        out.append(ev)
    check(out and out[0]["event"] == "start", "first event is not start")
    check(out[-1]["event"] == "stop", "last event is not stop")
    return out


def of(evs, kind):
    return [e for e in evs if e["event"] == kind]


def replies(evs):
    return [(e["command"], e["reply"]) for e in of(evs, "reply")]


def near(a, b, tol):
    return abs(a - b) <= tol


HEADER = """at 0 tclo reset
at 0 tclo ping
at 0 tclo Capabilities_Register
at 1 tclo Set_Option synctime 0
at 1 tclo Set_Option synctime.period 60
at 1 tclo Set_Option time.synchronize.tools.startup.backward 0
at 1 tclo Set_Option time.synchronize.tools.startup 0
at 1 tclo Set_Option time.synchronize.tools.enable 1
"""


def case_demo():
    evs = events(run(["daemon", "--sim", "--json"]))
    r = replies(evs)
    check(("reset", "OK ATR toolbox") in r, "reset not answered: %r" % r)
    check(("ping", "OK ") in r, "ping not answered")
    check(("Set_Option synctime 0", "OK ") in r, "synctime 0 not answered")
    steps = of(evs, "step")
    startup = [s for s in steps if s["cause"] == "startup"]
    check(len(startup) == 1 and not startup[0]["backward"] and
          near(startup[0]["delta_us"], 5000000, 1000),
          "startup sync should step +5 s forward: %r" % startup)
    resume = [s for s in steps if s["cause"] == "host-request"]
    check(len(resume) == 1 and not resume[0]["backward"] and
          near(resume[0]["delta_us"], 3600 * 1000000, 100000),
          "Time_Synchronize 0 after the suspend should step ~+3600 s: %r"
          % resume)
    check(all(not s["backward"] and s["delta_us"] > 0
              for s in steps if s["cause"] == "loop"),
          "the loop stepped backward")
    check(of(evs, "loop-start") and of(evs, "loop-start")[0]["period_s"] == 60,
          "loop did not start with period 60")
    check(of(evs, "slew"), "the loop never slewed")
    # After a step the offset is the sampling error only.
    check(all(abs(s["offset_us"]) < 2000 for s in steps),
          "offset after a step too large: %r" % steps)
    # Text timeline of the same run: readable, same replies.
    p = run(["daemon", "--sim"])
    check(p.returncode == 0, "text demo failed")
    check("reset  -> OK ATR toolbox" in p.stdout, "timeline lacks the reset reply")
    check(len(p.stdout.splitlines()) == len(evs), "text and JSON differ in events")


def case_synctime0_drift():
    # The seed's complaint: the host keeps synctime 0 and never asks for a
    # sync; however far the guest drifts, its clock must not be touched.
    script = "at 0 guest-drift 250\n" + HEADER + "at 86400 end\n"
    evs = events(run(["daemon", "--sim", "--json"], script=script))
    for kind in ("step", "slew", "in-sync", "loop-start", "sync-failed"):
        check(not of(evs, kind), "clock action '%s' with synctime 0" % kind)
    stop = evs[-1]
    # 250 ppm over a day, untouched: +21.6 s.
    check(near(stop["offset_us"], 21600000, 2000),
          "guest clock was changed: offset %r" % stop.get("offset_us"))
    check(near(stop["t"], 86400, 1), "did not run the whole day")


def case_suspend_ahead():
    # Guest 10 s ahead, then a 4 s suspend: still 6 s ahead when the host
    # asks Time_Synchronize 0 (forward only): nothing may step back.
    script = ("at 0 host-step -10000000\n" + HEADER +
              "at 100 suspend 4\nat 105 tclo Time_Synchronize 0\nat 200 end\n")
    evs = events(run(["daemon", "--sim", "--json"], script=script))
    check(("Time_Synchronize 0", "OK ") in replies(evs), "Time_Synchronize 0 not OK")
    check(not of(evs, "step") and not of(evs, "slew"), "the clock was changed")
    ins = [e for e in of(evs, "in-sync") if e["cause"] == "host-request"]
    check(len(ins) == 1 and near(ins[0]["offset_us"], 6000000, 2000),
          "expected one in-sync with the guest 6 s ahead: %r" % ins)
    # Time_Synchronize 1 is allowed to step back.
    script = script.replace("Time_Synchronize 0", "Time_Synchronize 1")
    evs = events(run(["daemon", "--sim", "--json"], script=script))
    steps = of(evs, "step")
    check(len(steps) == 1 and steps[0]["backward"] and
          near(steps[0]["delta_us"], -6000000, 2000),
          "Time_Synchronize 1 should step -6 s: %r" % steps)


def case_host_reset():
    # The host drops every channel (VMX restart); the daemon reopens and
    # keeps answering, and the loop keeps running.
    script = (HEADER + "at 2 tclo Set_Option synctime 1\n"
              "at 100 host-reset\nat 101 tclo ping\n"
              "at 300 host-reset\nat 300 tclo Time_Synchronize 0\n"
              "at 400 end\n")
    evs = events(run(["daemon", "--sim", "--json"], script=script))
    resets = [e for e in of(evs, "host") if "reset" in e["message"]]
    check(len(resets) == 2, "host-reset events not shown: %r" % resets)
    r = replies(evs)
    check(r.count(("ping", "OK ")) == 2, "ping after the reset unanswered: %r" % r)
    check(("Time_Synchronize 0", "OK ") in r, "Time_Synchronize after reset")
    late = [e for e in evs if e["t"] > 100 and e["event"] in ("in-sync", "slew")]
    check(late, "the loop stopped after the host reset")
    # The TCLO layer reopens within the poll: nothing is lost, one line
    # per reset says so.
    ch = [e["message"] for e in of(evs, "channel")]
    check(ch.count("host dropped the TCLO channel; reopened") == 2,
          "one reopen line per host reset: %r" % ch)
    check(not any("lost" in m for m in ch), "a host reset is not a loss: %r" % ch)


def case_channel_loss():
    # The host drops the channels and refuses to open new ones for 30 s
    # (a VMX restarting its tools connection), then allows them again;
    # later a plain host reset. The daemon must survive, say so once
    # (not once a second), reopen when allowed, keep syncing meanwhile
    # (host time needs no channel), answer the next commands.
    script = (HEADER + "at 2 tclo Set_Option synctime.period 5\n"
              "at 2 tclo Set_Option synctime 1\n"
              "at 10 host-reset\nat 10 host-channels 0\n"
              "at 40 host-channels 8\nat 40.5 tclo ping\n"
              "at 60 host-reset\nat 60.5 tclo Time_Synchronize 0\n"
              "at 80 end\n")
    evs = events(run(["daemon", "--sim", "--json"], script=script))
    ch = of(evs, "channel")
    lost = [e for e in ch if "lost" in e["message"]]
    check(len(lost) == 1 and 10 <= lost[0]["t"] <= 11 and lost[0].get("reason"),
          "the loss must be logged once, with its reason: %r" % ch)
    outage = [e for e in evs if lost and lost[0]["t"] < e["t"] < 40 and
              e["event"] in ("channel", "log", "sync-failed")]
    check(not outage, "lines during the outage (one per retry?): %r" % outage)
    back = [e for e in ch if "reopened" in e["message"] and e["t"] >= 40]
    check(len(back) == 2 and back[0]["t"] <= 41 and
          "after 30" in back[0]["message"],
          "reopen when the host allows it, once per event: %r" % ch)
    check(len(ch) == 4, "channel lines: open, lost, reopened, reset: %r" % ch)
    r = [(e["t"], e["command"], e["reply"]) for e in of(evs, "reply")]
    check(any(c == "ping" and rep == "OK " and 40 < t <= 42 for t, c, rep in r),
          "ping after the outage unanswered: %r" % r)
    check(any(c == "Time_Synchronize 0" and rep == "OK " and t > 60
              for t, c, rep in r), "command after the host reset: %r" % r)
    ticks = [e for e in evs if 10 < e["t"] < 40 and e["event"] == "in-sync"
             and e["cause"] == "loop"]
    check(len(ticks) >= 5, "the loop must go on during the outage: %r" % ticks)
    check(evs[-1]["message"] == "script ended", "the daemon did not survive")
    # Retries cost the OPEN attempts only (2 calls with the cookie
    # fallback), about once a second: compare with the same run without
    # the outage.
    calm = script.replace("at 10 host-channels 0\n", "").replace(
        "at 40 host-channels 8\n", "")
    base = events(run(["daemon", "--sim", "--json"], script=calm))
    extra = evs[-1]["backdoor_calls"] - base[-1]["backdoor_calls"]
    check(extra <= 2 * 31 + 10,
          "outage cost %d calls: more than an OPEN try a second" % extra)


# The daemon's idle poll interval in ms: VMBD_AGENT_POLL_IDLE_NS (agent.h),
# 1 s less the 1 ms reply budget. The simulator charges no time for a
# call here, so from t=0 the polls land exactly on multiples of it.
POLL_MS = 999


def polls_before(t):
    """Idle polls at k * POLL_MS, k >= 0, before t seconds."""
    return -(-t * 1000 // POLL_MS)


def case_call_budget():
    # Every backdoor call is a VM exit. Exact budgets on the simulator
    # (opened like a real host: one GETVERSION):
    #   start: GETVERSION + TCLO OPEN + RPCI OPEN; stop: 2 CLOSEs;
    #   an idle poll: 2 calls (no DORECV), 3 (DORECV with length 0);
    #   a loop sync: its 2 host reads and no extra poll.
    def calls(script, args=()):
        evs = events(run(["daemon", "--sim", "--json"] + list(args),
                         script=script))
        return evs, evs[-1]["backdoor_calls"]

    # at N end: polls at k * 0.999 s before N.
    for n in (1, 5, 100):
        _, c = calls("at %d end\n" % n)
        want = 1 + 2 + 2 * polls_before(n) + 2
        check(c == want, "idle run of %d s: %d calls, want %d" % (n, c, want))
    # The "empty message" host from the second poll on (the first poll
    # runs before the script's t=0 events).
    _, c = calls("at 0 tclo-idle empty\nat 100 end\n")
    want = 1 + 2 + 2 + 3 * (polls_before(100) - 1) + 2
    check(c == want, "empty-message host: %d calls, want %d" % (c, want))
    _, c = calls("at 0 tclo-idle empty\nat 50 tclo-idle none\nat 100 end\n")
    want = (1 + 2 + 2 + 3 * (polls_before(50) - 1) +
            2 * (polls_before(100) - polls_before(50)) + 2)
    check(c == want, "back to no DORECV: %d calls, want %d" % (c, want))
    # Host commands at startup: the version goes out once, on
    # Capabilities_Register (not also when the channels open). A command
    # is answered by an immediate poll at the same instant (no call costs
    # time here), so the idle polls stay on the same grid.
    idle = polls_before(200) - polls_before(100)
    evs, c1 = calls(HEADER + "at 100 end\n")
    _, c2 = calls(HEADER + "at 200 end\n")
    check(c2 - c1 == 2 * idle,
          "idle polls after commands: %d calls, want %d" % (c2 - c1, 2 * idle))
    # With the loop on (period 7, nothing to correct): per extra 100 s,
    # the same idle polls and 2 host reads per loop sync, no poll for the
    # syncs.
    loop = HEADER + "at 2 tclo Set_Option synctime.period 7\nat 2 tclo Set_Option synctime 1\n"
    evs1, c1 = calls(loop + "at 100 end\n")
    evs2, c2 = calls(loop + "at 200 end\n")
    def syncs(evs):
        return len([e for e in evs if e["event"] in ("in-sync", "slew", "step")
                    and e.get("cause") == "loop"])
    n = syncs(evs2) - syncs(evs1)
    check(n >= 14 and not of(evs2, "step"), "loop syncs: %d" % n)
    check(c2 - c1 == 2 * idle + 2 * n,
          "100 s with %d loop syncs: %d calls, want %d" % (
              n, c2 - c1, 2 * idle + 2 * n))


def case_power_ops():
    # OS_* state changes: vmbd-time runs no scripts and powers nothing
    # off. It answers OK (vmtoolsd's powerOps answer when no script is to
    # run) and reports the outcome over RPCI: success for power-on,
    # resume and suspend (nothing to do), failure for halt and reboot
    # (not performed; the host falls back to a hard operation).
    script = (HEADER + "at 2 tclo OS_PowerOn\nat 3 tclo OS_Suspend\n"
              "at 3 suspend 100\nat 104 tclo OS_Resume\n"
              "at 105 tclo OS_Halt\nat 106 tclo OS_Reboot\n"
              "at 107 tclo ping\nat 110 end\n")
    evs = events(run(["daemon", "--sim", "--json"], script=script))
    r = replies(evs)
    for cmd in ("OS_PowerOn", "OS_Suspend", "OS_Resume", "OS_Halt", "OS_Reboot"):
        check((cmd, "OK ") in r, "%s not answered OK: %r" % (cmd, r))
    logs = [e for e in of(evs, "log") if e["message"].startswith("OS_")]
    want = {"OS_PowerOn": "status 1 3", "OS_Suspend": "status 1 5",
            "OS_Resume": "status 1 4", "OS_Halt": "status 0 1",
            "OS_Reboot": "status 0 2"}
    check(len(logs) == 5, "one line per power operation: %r" % logs)
    for e in logs:
        cmd = e["message"].split(":")[0]
        check("tools.os.statechange." + want[cmd] in e["message"],
              "%s reported as %r" % (cmd, e["message"]))
        check("reason" not in e, "the host refused the status: %r" % e)
        check(("not performed" in e["message"]) == (cmd in ("OS_Halt", "OS_Reboot")),
              "halt/reboot must say they were not performed: %r" % e)
    # No clock change of its own (resume does not sync by itself), and
    # the daemon is still there afterwards.
    for kind in ("step", "slew", "in-sync", "sync-failed"):
        check(not of(evs, kind), "a power operation caused '%s'" % kind)
    check(("ping", "OK ") in r and evs[-1]["message"] == "script ended",
          "the daemon stopped after OS_Halt/OS_Reboot")


def case_veto():
    base = events(run(["daemon", "--sim", "--json"]))
    for how in (["--disable-all"], {"VMBD_TIME_DISABLE_ALL": "1"}):
        args = ["daemon", "--sim", "--json"]
        env = None
        if isinstance(how, list):
            args += how
        else:
            env = how
        evs = events(run(args, env=env))
        check(replies(evs) == replies(base),
              "the host must get the same replies under a veto")
        check(not of(evs, "step") and not of(evs, "slew"),
              "disable-all changed the clock (%r)" % how)
        sk = of(evs, "sync-skipped")
        check(sk and all(s["reason"] == "disable-all" for s in sk),
              "vetoed syncs not reported: %r" % sk)
    evs = events(run(["daemon", "--sim", "--json", "--disable-periodic"]))
    check(not of(evs, "slew") and of(evs, "step"),
          "disable-periodic: one-shot syncs only")
    check(any(s["reason"] == "disable-periodic" for s in of(evs, "sync-skipped")),
          "disable-periodic veto not reported")
    script = ("at 0 host-step -10000000\n" + HEADER +
              "at 5 tclo Time_Synchronize 1\nat 10 end\n")
    evs = events(run(["daemon", "--sim", "--json", "--never-backward"],
                     script=script))
    check(not any(s["backward"] and s["delta_us"] < 0 for s in of(evs, "step")),
          "never-backward stepped back")
    check(any(s["reason"] == "never-backward" for s in of(evs, "sync-skipped")),
          "never-backward veto not reported")


def case_dry_run():
    evs = events(run(["daemon", "--sim", "--json", "--dry-run"]))
    logs = [e["message"] for e in of(evs, "log")]
    check(any("would step" in m for m in logs), "dry run did not report")
    # Nothing changed: the final offset is the demo's untouched one
    # (host 5 s ahead, 3600 s suspended, 3 s back, 50 ppm).
    check(evs[-1]["offset_us"] < -3600000000, "dry run changed the guest clock")


def case_usage():
    p = run(["--help"])
    check(p.returncode == 0 and "usage: vmbd-time" in p.stdout, "--help")
    for cmd in ("sync", "daemon"):
        p = run([cmd, "--help"])
        check(p.returncode == 0 and "usage: vmbd-time " + cmd in p.stdout,
              cmd + " --help")
    for v in ("--version", "-V"):
        p = run([v])
        check(p.returncode == 0 and p.stdout.startswith("vmbd-time "), v)
    for args in (["--bogus"], ["status", "--backward"], [], ["frobnicate"],
                 ["daemon", "extra"], ["daemon", "--script", "x"],
                 ["daemon", "--refclock-sock"], ["sync", "--never-backward"],
                 ["daemon", "--backward"], ["daemon", "--sim", "--force"]):
        p = run(args)
        check(p.returncode == 2, "%r: exit %d, want 2" % (args, p.returncode))
        check(len(p.stderr.strip().splitlines()) == 1 and not p.stdout,
              "%r: want one line on stderr, got %r" % (args, p.stderr))
    # A value given to a flag, a missing value: the message names the
    # option as typed and says what is wrong, in printable text (getopt's
    # optopt for a long option is no option letter to print).
    for args, want in ((["sync", "--sim", "--json=1"], "'--json' takes no value"),
                       (["daemon", "--sim", "--dry-run=yes"],
                        "'--dry-run' takes no value"),
                       (["status", "--sim", "--json=1"], "'--json' takes no value"),
                       (["status", "--sim", "--script"],
                        "option '--script' needs a value"),
                       (["daemon", "--sim", "--refclock-sock", ""],
                        "--refclock-sock needs a socket path")):
        p = run(args)
        check(p.returncode == 2, "%r: exit %d, want 2" % (args, p.returncode))
        check(len(p.stderr.strip().splitlines()) == 1 and not p.stdout,
              "%r: want one line on stderr, got %r" % (args, p.stderr))
        check(want in p.stderr and p.stderr.rstrip("\n").isprintable(),
              "%r: want %r in a printable message, got %r" % (args, want, p.stderr))


def case_script_errors():
    p = run(["daemon", "--sim"], script="at 1 tclo ping\n# fine\nat x end\n")
    check(p.returncode == 1, "bad script: exit %d" % p.returncode)
    check(":3: " in p.stderr, "line number not reported: %r" % p.stderr)
    check(p.stdout == "", "something ran despite the bad script")
    p = run(["daemon", "--sim", "--script", "/nonexistent/x"])
    check(p.returncode == 1 and "/nonexistent/x" in p.stderr, "missing file")
    # A directory is named as one, not as an I/O error.
    d = tempfile.mkdtemp()
    try:
        p = run(["daemon", "--sim", "--script", d])
    finally:
        os.rmdir(d)
    check(p.returncode == 1 and "Is a directory" in p.stderr and not p.stdout,
          "directory as script: exit %d, %r" % (p.returncode, p.stderr))


def case_script_host_events():
    # status and sync run no TCLO loop: nobody drains the host's command
    # queue. A script with more commands than the queue holds must still
    # play its later host events (the host-step here), not drop them.
    script = "".join("at %d tclo ping\n" % i for i in range(40))
    script += "at 50 host-step 2000000\nat 60 end\n"
    p = run(["status", "--sim", "--json"], script=script)
    check(p.returncode == 0, "status: exit %d: %s" % (p.returncode, p.stderr))
    st = json.loads(p.stdout.splitlines()[-1])
    check(st["event"] == "status" and near(st["offset_us"], -2000000, 10),
          "status lost the host-step after the commands: %r" % st)
    # t is seconds since the start on every line: the status comes at the
    # script's end, after its host events, not back at 0.
    ts = [json.loads(l)["t"] for l in p.stdout.splitlines()]
    check(ts == sorted(ts) and near(st["t"], 60, 0.001),
          "status t goes backward: %r" % ts)
    p = run(["sync", "--sim", "--json"], script=script)
    check(p.returncode == 0, "sync: exit %d: %s" % (p.returncode, p.stderr))
    ev = json.loads(p.stdout.splitlines()[-1])
    check(ev["event"] == "step" and near(ev["delta_us"], 2000000, 10),
          "sync lost the host-step after the commands: %r" % ev)


def case_env_values():
    # The unit's environment file sets the veto. A value that is neither
    # on nor off must not be ignored (the clock would be changed while the
    # administrator believes it vetoed): one line naming it, exit 2.
    for v in ("on", "2", "enable", "1 "):
        p = run(["daemon", "--sim", "--json"], env={"VMBD_TIME_DISABLE_ALL": v})
        check(p.returncode == 2 and not p.stdout,
              "VMBD_TIME_DISABLE_ALL=%r: exit %d, stdout %r" % (
                  v, p.returncode, p.stdout[:200]))
        check(len(p.stderr.strip().splitlines()) == 1 and
              "VMBD_TIME_DISABLE_ALL" in p.stderr,
              "VMBD_TIME_DISABLE_ALL=%r: want one line naming it: %r" % (
                  v, p.stderr))
    for v in ("1", "yes", "true"):
        evs = events(run(["daemon", "--sim", "--json"],
                         env={"VMBD_TIME_NEVER_BACKWARD": "0",
                              "VMBD_TIME_DISABLE_ALL": v}))
        check(not of(evs, "step") and "disable-all" in evs[0]["message"],
              "VMBD_TIME_DISABLE_ALL=%r did not veto" % v)
    for v in ("0", "no", "false", ""):
        evs = events(run(["daemon", "--sim", "--json"],
                         env={"VMBD_TIME_DISABLE_ALL": v}))
        check(of(evs, "step") and "disable-all" not in evs[0]["message"],
              "VMBD_TIME_DISABLE_ALL=%r vetoed" % v)


def case_write_error():
    # Output that cannot be written is a failure, not success: a script
    # reading `vmbd-time status --json > file` on a full disk must know.
    for args in (["status", "--sim"], ["status", "--sim", "--json"],
                 ["sync", "--sim", "--json"], ["daemon", "--sim", "--json"],
                 ["--help"], ["sync", "--help"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run([PROG] + args, stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=60)
        check(p.returncode == 1, "%r > /dev/full: exit %d, want 1" % (
            args, p.returncode))
        check("standard output" in p.stderr,
              "%r > /dev/full: no message: %r" % (args, p.stderr))


def case_status_sync():
    p = run(["status", "--sim", "--json"])
    check(p.returncode == 0, "status failed: " + p.stderr)
    st = json.loads(p.stdout)
    check(st["event"] == "status" and st["version"] == 6 and
          st["offset_us"] == 0 and st["max_lag_us"] > 0, "status: %r" % st)
    p = run(["status", "--sim"])
    check("guest time:" in p.stdout and "offset:" in p.stdout, "text status")
    def last(p):
        # Scripted host events come first; the answer is the last line.
        check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
        lines = [json.loads(l) for l in p.stdout.splitlines()]
        check(all(e["event"] == "host" for e in lines[:-1]), "extra output")
        return lines[-1]

    ahead = "at 0 host-step 2000000\nat 1 end\n"
    behind = "at 0 host-step -2000000\nat 1 end\n"
    st = last(run(["status", "--sim", "--json"], script=ahead))
    check(st["event"] == "status" and near(st["offset_us"], -2000000, 10),
          "status with a script: %r" % st)
    ev = last(run(["sync", "--sim", "--json"], script=ahead))
    check(ev["event"] == "step" and near(ev["delta_us"], 2000000, 10) and
          not ev["backward"], "sync: %r" % ev)
    ev = last(run(["sync", "--sim", "--json"], script=behind))
    check(ev["event"] == "in-sync", "sync stepped back without --backward")
    ev = last(run(["sync", "--sim", "--json", "--backward"], script=behind))
    check(ev["event"] == "step" and near(ev["delta_us"], -2000000, 10) and
          ev["backward"], "sync --backward: %r" % ev)


def case_signal():
    # Real-time simulator mode (--refclock-sock to nowhere): SIGTERM ends
    # the daemon cleanly with a stop event.
    d = tempfile.mkdtemp()
    p = subprocess.Popen([PROG, "daemon", "--sim", "--json", "--refclock-sock",
                          os.path.join(d, "none.sock")],
                         stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=10)
    check(p.returncode == 0, "exit %d after SIGTERM" % p.returncode)
    lines = [json.loads(l) for l in out.splitlines()]
    check(lines[-1]["event"] == "stop" and lines[-1]["message"] == "signal",
          "no clean stop: %r" % lines[-1])
    check(any(e["event"] == "refclock" for e in lines), "no refclock samples")
    # No chronyd at the path: each failed sample names the socket and why.
    why = [e.get("reason", "") for e in lines if e["event"] == "refclock"]
    check(all(os.path.join(d, "none.sock") + ": No such file or directory" == w
              for w in why), "refclock failures do not say why: %r" % why)
    os.rmdir(d)


def case_refclock_rate():
    # chronyd's `refclock SOCK ... poll 0` (the man page's example) wants
    # a sample a second. Real-time simulator, about 4.5 s: at 1 Hz that is
    # 5 samples (t = 0..4), at one per 2 s only 3.
    import socket
    d = tempfile.mkdtemp()
    path = os.path.join(d, "vmbd.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.setblocking(False)
    p = subprocess.Popen([PROG, "daemon", "--sim", "--json", "--refclock-sock",
                          path], stdout=subprocess.PIPE, text=True)
    time.sleep(4.5)
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=10)
    n = 0
    while True:
        try:
            s.recv(64)
            n += 1
        except BlockingIOError:
            break
    s.close()
    os.unlink(path)
    os.rmdir(d)
    check(p.returncode == 0, "exit %d" % p.returncode)
    ts = [e["t"] for e in map(json.loads, out.splitlines())
          if e["event"] == "refclock"]
    check(n >= 4 and len(ts) == n,
          "%d samples in 4.5 s (events at %r): want one a second" % (n, ts))
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    check(all(g < 1.1 for g in gaps), "sample gaps %r: want 1 s" % gaps)


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}

if __name__ == "__main__":
    CASES[sys.argv[2]]()
    print("ok: " + sys.argv[2])
