"""Where the package finds libvmbackdoor: $VMBACKDOOR_LIB, the installed
path, a checkout's build tree, the linker's search path; and the error
when none works. Each case runs in a fresh interpreter (the library is
loaded once per process) on a copy of the package in a temporary tree."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from vmbd_test import vb

PROBE = r'''
import vmbackdoor as vb
try:
    vb.Simulator()
except vb.LibraryNotFoundError as e:
    print("NOTFOUND"); print(e); raise SystemExit(0)
mapped = sorted({l.split()[-1] for l in open("/proc/self/maps")
                 if "libvmbackdoor" in l})
print(vb.library_path()); print(";".join(mapped))
'''


class Loader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lib = os.path.realpath(vb.library_path())
        cls.pkg = os.path.dirname(os.path.abspath(vb.__file__))

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vmbd-py-loader-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def copy_package(self, parent):
        dest = os.path.join(self.tmp, parent, "vmbackdoor")
        shutil.copytree(self.pkg, dest, ignore=shutil.ignore_patterns(
            "__pycache__", "_installed.py"))
        return os.path.dirname(dest)

    def link_lib(self, subdir):
        d = os.path.join(self.tmp, subdir)
        os.makedirs(d, exist_ok=True)
        link = os.path.join(d, vb.SONAME)
        os.symlink(self.lib, link)
        return link

    def run_probe(self, path, **env_changes):
        env = {k: v for k, v in os.environ.items()
               if k not in ("VMBACKDOOR_LIB", "LD_LIBRARY_PATH")}
        env.update(env_changes, PYTHONPATH=path, PYTHONDONTWRITEBYTECODE="1")
        out = subprocess.run([sys.executable, "-c", PROBE], env=env,
                             cwd=self.tmp, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT,
                             universal_newlines=True)
        self.assertEqual(out.returncode, 0, out.stdout)
        return out.stdout.splitlines()

    def test_env_var_wins(self):
        path = self.copy_package("plain")
        link = self.link_lib("elsewhere")
        lines = self.run_probe(path, VMBACKDOOR_LIB=link)
        self.assertEqual(lines[0], link)
        self.assertEqual(lines[1], self.lib)

    def test_env_var_to_a_missing_file_is_an_error_not_a_fallback(self):
        path = self.copy_package("bindings/python")
        self.link_lib("build/lib")  # would be found without the env var
        missing = os.path.join(self.tmp, "nope.so")
        lines = self.run_probe(path, VMBACKDOOR_LIB=missing)
        self.assertEqual(lines[0], "NOTFOUND")
        self.assertIn("VMBACKDOOR_LIB: " + missing, "\n".join(lines))
        self.assertEqual(len([l for l in lines if l.startswith("  ")]), 1)

    def test_env_var_to_another_library_is_refused(self):
        path = self.copy_package("plain")
        lines = self.run_probe(path, VMBACKDOOR_LIB="libc.so.6")
        self.assertEqual(lines[0], "NOTFOUND")
        self.assertIn("not libvmbackdoor", "\n".join(lines))

    def test_installed_path(self):
        path = self.copy_package("site")
        link = self.link_lib("prefix/lib")
        with open(os.path.join(path, "vmbackdoor", "_installed.py"), "w") as f:
            f.write("LIBRARY = %r\n" % link)
        self.assertEqual(self.run_probe(path)[0], link)

    def test_build_tree_of_the_checkout(self):
        path = self.copy_package("bindings/python")
        link = self.link_lib("build/lib")
        self.assertEqual(self.run_probe(path)[0], link)

    def test_linker_search_path(self):
        path = self.copy_package("plain")
        link = self.link_lib("ldpath")
        lines = self.run_probe(path, LD_LIBRARY_PATH=os.path.dirname(link))
        self.assertNotEqual(lines[0], "NOTFOUND", lines)
        self.assertEqual(lines[1], self.lib)

    def test_nothing_found_lists_every_place_tried(self):
        path = self.copy_package("plain")
        lines = self.run_probe(path)
        if lines[0] != "NOTFOUND":
            self.skipTest("a libvmbackdoor is installed system-wide")
        text = "\n".join(lines)
        self.assertIn("soname: " + vb.SONAME, text)
        self.assertIn("set VMBACKDOOR_LIB", text)

    def test_candidates_with_the_env_var_are_only_it(self):
        old = os.environ.get("VMBACKDOOR_LIB")
        os.environ["VMBACKDOOR_LIB"] = "/x/libvmbackdoor.so.0"
        try:
            self.assertEqual(vb.candidates(),
                             [("VMBACKDOOR_LIB", "/x/libvmbackdoor.so.0")])
        finally:
            if old is None:
                del os.environ["VMBACKDOOR_LIB"]
            else:
                os.environ["VMBACKDOOR_LIB"] = old
        os.environ.pop("VMBACKDOOR_LIB", None)
        try:
            self.assertEqual(vb.candidates()[-1], ("soname", vb.SONAME))
        finally:
            if old is not None:
                os.environ["VMBACKDOOR_LIB"] = old

    def test_library_version(self):
        self.assertEqual(vb.library_version(), vb.__version__)
        want = os.environ.get("VMBD_PROJECT_VERSION")
        if want:
            self.assertEqual(vb.library_version(), want)

    def test_load_of_a_bad_path_raises(self):
        with self.assertRaises(vb.LibraryNotFoundError) as cm:
            vb.load(os.path.join(self.tmp, "absent.so"))
        self.assertEqual(cm.exception.tried[0][0], "argument")
        # the library already loaded is still the one in use
        self.assertEqual(os.path.realpath(vb.library_path()), self.lib)


if __name__ == "__main__":
    unittest.main()
