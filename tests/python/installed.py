"""install_python: the package `cmake --install` put into PREFIX imports
from there and loads PREFIX's library by itself (no VMBACKDOOR_LIB), then
runs the README's five-line example.

usage: installed.py PREFIX PYTHON_INSTALL_DIR LIBDIR ABI
Exit 77 (SKIPPED) when the package directory is absolute (not inside the
test prefix)."""

import os
import subprocess
import sys

prefix, pydir, libdir, abi = sys.argv[1:5]
if os.path.isabs(pydir):
    print("SKIPPED: VMBD_PYTHON_INSTALL_DIR is absolute (%s): not installed "
          "into the test prefix" % pydir)
    sys.exit(77)
site = os.path.join(prefix, pydir)
pkg = os.path.join(site, "vmbackdoor")
for f in ("__init__.py", "_lib.py", "sim.py", "_installed.py"):
    if not os.path.isfile(os.path.join(pkg, f)):
        sys.exit("FAIL: %s not installed in %s" % (f, pkg))
want_lib = os.path.join(prefix, libdir, "libvmbackdoor.so.%s" % abi)

# The README example, then where things came from.
probe = r'''
import vmbackdoor as vb
sim = vb.Simulator()                          # a simulated VMware host
ctx = sim.context()                           # vb.Context.open() on VMware
sim.guestinfo_set("guestinfo.greeting", "hello")
print(ctx.read_host_time().datetime, ctx.rpci().info_get("guestinfo.greeting").text)
import sys
print(vb.__file__)
print(vb.library_path())
'''
env = dict(os.environ, PYTHONPATH=site)
env.pop("VMBACKDOOR_LIB", None)
out = subprocess.run([sys.executable, "-c", probe], env=env, cwd="/",
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     universal_newlines=True)
print(out.stdout, end="")
if out.returncode != 0:
    sys.exit("FAIL: the installed package did not run (exit %d)"
             % out.returncode)
lines = out.stdout.splitlines()
if lines[0] != "2026-01-01 00:00:00+00:00 hello":
    sys.exit("FAIL: example printed %r" % lines[0])
if os.path.realpath(lines[1]) != os.path.realpath(
        os.path.join(pkg, "__init__.py")):
    sys.exit("FAIL: imported %s, not the installed package" % lines[1])
if lines[2] != want_lib:
    sys.exit("FAIL: loaded %s, want %s" % (lines[2], want_lib))
print("ok: installed package in %s loads %s" % (site, want_lib))
