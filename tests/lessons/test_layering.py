"""The lesson package stays below the render and Qt layers."""

import subprocess
import sys


def test_lessons_import_neither_qt_nor_vtk():
    code = (
        "import sys, viewer.lessons\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'vtk', 'vtkmodules', 'pyvista', "
        "'pyvistaqt') or m.startswith('viewer.qt') or m in ('viewer.render.scene', 'viewer.render.offscreen'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
