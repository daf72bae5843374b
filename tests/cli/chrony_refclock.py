#!/usr/bin/env python3
"""vmbd-time --refclock-sock against a real chronyd (issue 5 point 5).

chronyd runs with -x (it never touches the clock), a private config,
command socket and refclock socket in a 0700 directory. vmbd-time runs the
simulator in real time with the host 250 ms ahead of the guest and feeds
chronyd; chronyc must then show the refclock reachable with an offset of
-250 ms (chronyc prints local minus reference) within 10 ms.
usage: chrony_refclock.py VMBD_TIME. SKIPPED (77) without chrony.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

PROG = sys.argv[1]
HOST_AHEAD_US = 250000

chronyd = shutil.which("chronyd") or (
    "/usr/sbin/chronyd" if os.path.exists("/usr/sbin/chronyd") else None)
chronyc = shutil.which("chronyc")
if not chronyd or not chronyc:
    print("SKIPPED: chrony not installed (Debian package chrony)")
    sys.exit(77)
if os.geteuid() != 0:
    print("SKIPPED: chronyd -u root needs root")
    sys.exit(77)

d = tempfile.mkdtemp(prefix="vmbd-chrony-")
os.chmod(d, 0o700)  # else chronyd disables its command socket
conf = os.path.join(d, "chrony.conf")
with open(conf, "w") as f:
    f.write("refclock SOCK %s/vmbd.sock refid VMBD poll 0\n"
            "bindcmdaddress %s/chronyd.sock\n"
            "cmdport 0\nport 0\n"
            "pidfile %s/chronyd.pid\n"
            "driftfile %s/drift\n" % (d, d, d, d))
with open(os.path.join(d, "host.vmbd"), "w") as f:
    f.write("at 0 host-step %d\nat 3600 end\n" % HOST_AHEAD_US)

chrony = subprocess.Popen([chronyd, "-d", "-x", "-f", conf, "-u", "root"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
daemon = None
status = 1
try:
    for _ in range(50):  # wait for the refclock socket
        if os.path.exists(os.path.join(d, "vmbd.sock")):
            break
        if chrony.poll() is not None:
            print("FAIL: chronyd exited: " + chrony.stderr.read())
            sys.exit(1)
        time.sleep(0.1)
    daemon = subprocess.Popen([PROG, "daemon", "--sim", "--json", "--script",
                               os.path.join(d, "host.vmbd"),
                               "--refclock-sock", os.path.join(d, "vmbd.sock")],
                              stdout=subprocess.DEVNULL)
    line = None
    deadline = time.time() + 30
    while time.time() < deadline:
        time.sleep(1)
        out = subprocess.run([chronyc, "-h", os.path.join(d, "chronyd.sock"),
                              "-n", "-c", "sources"], capture_output=True,
                             text=True).stdout
        for l in out.splitlines():
            f = l.split(",")
            # mode,state,name,stratum,poll,reach,lastrx,offset,measured,error
            if len(f) >= 10 and f[2] == "VMBD" and int(f[5], 8) != 0:
                line = f
        if line and int(line[5], 8) >= 0o17:  # a few samples in
            break
    stats = subprocess.run([chronyc, "-h", os.path.join(d, "chronyd.sock"),
                            "-n", "sourcestats"], capture_output=True,
                           text=True).stdout
    print(stats)
    if not line:
        print("FAIL: refclock VMBD never reachable")
    else:
        measured = float(line[8])
        print("reach %s, measured offset %.6f s" % (line[5], measured))
        if abs(measured + HOST_AHEAD_US / 1e6) > 0.010:
            print("FAIL: offset %.6f s, want %.6f s +- 10 ms"
                  % (measured, -HOST_AHEAD_US / 1e6))
        elif "VMBD" not in stats:
            print("FAIL: VMBD missing from sourcestats")
        else:
            print("ok: chronyd sees the simulated host offset")
            status = 0
finally:
    # Only the processes this test started.
    for p in (daemon, chrony):
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    shutil.rmtree(d, ignore_errors=True)
sys.exit(status)
