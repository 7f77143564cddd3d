"""pyvistaqt imported without qtpy's star imports, and the real qtpy afterwards."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import viewer.qt.viewport as viewport
from PySide6.QtOpenGLWidgets import QOpenGLWidget
assert issubclass(viewport.QtInteractor, QOpenGLWidget)
assert "qtpy" not in sys.modules, "the forwarding modules were left behind"
import qtpy.QtCore
assert qtpy.QtCore.__file__ and qtpy.QtCore.__file__.endswith(".py"), qtpy.QtCore
from pyvistaqt import rwi
assert rwi.QApplication.__module__.startswith("PySide6")
print("ok")
"""


def test_pyvistaqt_comes_with_pyside6_names_and_leaves_qtpy_to_later_imports():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
