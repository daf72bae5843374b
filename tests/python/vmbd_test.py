"""Shared set-up for the binding tests: the package comes from
$VMBD_PYTHON_PATH (CTest sets it; default: bindings/python of this
checkout) and the library from $VMBACKDOOR_LIB (CTest passes the build's)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_DIR = os.environ.get("VMBD_PYTHON_PATH") or os.path.join(
    HERE, "..", "..", "bindings", "python")
sys.path.insert(0, os.path.abspath(PKG_DIR))

import vmbackdoor as vb  # noqa: E402

__all__ = ["vb"]
