"""The ctypes mirrors and Python enums agree with the C library.

Layout: every field of every mirror in vmbackdoor/_structs.py has the
offset and size the C compiler gives (tests/python/layout.c, path in
$VMBD_LAYOUT_HELPER), and every complete mirror has the struct's size.
Enums: every name matches the library's own name function, and no error
code the library knows is missing from vmbackdoor.Err."""

import ctypes
import os
import subprocess
import unittest

from vmbd_test import vb
from vmbackdoor import _structs as S


def c_layout():
    helper = os.environ.get("VMBD_LAYOUT_HELPER")
    if not helper:
        raise unittest.SkipTest("VMBD_LAYOUT_HELPER not set (CTest sets it)")
    out = subprocess.run([helper], check=True, stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    structs, fields = {}, {}
    for line in out.splitlines():
        kind, name, *nums = line.split()
        if kind == "struct":
            structs[name] = int(nums[0])
        else:
            fields[name] = (int(nums[0]), int(nums[1]))
    return structs, fields


class Layout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.structs, cls.fields = c_layout()

    def test_every_mirror_field_matches_c(self):
        for mirror in S.MIRRORS:
            cname = mirror._c_name_
            self.assertIn(cname, self.structs, "layout.c lacks " + cname)
            for fname, _ in mirror._fields_:
                key = "%s.%s" % (cname, fname)
                with self.subTest(field=key):
                    self.assertIn(key, self.fields, "layout.c lacks " + key)
                    desc = getattr(mirror, fname)
                    self.assertEqual((desc.offset, desc.size),
                                     self.fields[key])

    def test_complete_mirrors_have_the_struct_size(self):
        for mirror in S.MIRRORS:
            with self.subTest(struct=mirror._c_name_):
                if getattr(mirror, "_partial_", False):
                    self.assertLessEqual(ctypes.sizeof(mirror),
                                         self.structs[mirror._c_name_])
                else:
                    self.assertEqual(ctypes.sizeof(mirror),
                                     self.structs[mirror._c_name_])

    def test_every_c_field_is_mirrored(self):
        # A field the helper prints but no mirror has means the mirror is
        # stale (or the helper lists something nobody needs).
        mirrored = {"%s.%s" % (m._c_name_, f) for m in S.MIRRORS
                    for f, _ in m._fields_}
        self.assertEqual(set(self.fields) - mirrored, set())

    def test_sim_size_is_the_structs(self):
        self.assertEqual(vb.Simulator().size, self.structs["vmbd_sim"])


class Enums(unittest.TestCase):
    def test_error_names_match_the_library(self):
        for e in vb.Err:
            self.assertEqual(vb.errname(e), "VMBD_" + e.name)

    def test_no_library_error_code_is_missing(self):
        # Every code in the library's table has a name other than the
        # fallback; every such code in the layers' ranges is in Err.
        unknown = vb.errname(-1000)
        known = {c for c in range(-100, 1) if vb.errname(c) != unknown}
        self.assertEqual(known, {int(e) for e in vb.Err})

    def test_policy_names_match_the_library(self):
        for a in vb.ActionType:
            self.assertEqual(vb.action_name(a), a.name)
        for c in vb.Cause:
            self.assertEqual(vb.cause_name(c), c.name)
        for v in vb.Veto:
            self.assertEqual(vb.veto_name(v), v.name)
        self.assertEqual(vb.action_name(len(vb.ActionType) + 1), "?")

    def test_hypervisor_names_match_the_library(self):
        for h in vb.Hypervisor:
            self.assertEqual(vb.hypervisor_name(h), h.name.lower())


if __name__ == "__main__":
    unittest.main()
