"""Every public function, method and property of the package is exercised
by name somewhere in tests/python/test_*.py (a textual check: it catches a
wrapper added without a test, not a weak test)."""

import glob
import inspect
import os
import re
import unittest

from vmbd_test import vb

CLASSES = (vb.Context, vb.Rpci, vb.Tclo, vb.TcloLoop, vb.Policy,
           vb.PolicyResult, vb.Simulator, vb.VmbdError, vb.HostTime,
           vb.DetectInfo, vb.Reply)


def public_names():
    names = {n for n in vb.__all__
             if inspect.isfunction(getattr(vb, n, None))}
    for cls in CLASSES:
        for n, _ in inspect.getmembers(cls):
            if n.startswith("_") or n in dir(Exception) or n in dir(bytes):
                continue
            names.add(n)
    return names


class Coverage(unittest.TestCase):
    def test_every_public_name_is_used_by_a_test(self):
        here = os.path.dirname(os.path.abspath(__file__))
        text = ""
        for path in glob.glob(os.path.join(here, "test_*.py")):
            if not path.endswith("test_api_coverage.py"):
                with open(path) as f:
                    text += f.read()
        missing = sorted(n for n in public_names()
                         if not re.search(r"\b%s\b" % re.escape(n), text))
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
