"""Start-up imports deferred to their first use (viewer/qt/deferred.py)."""

import subprocess
import sys
import textwrap

from viewer.qt.deferred import DeferredModule, deferred


def test_deferred_module_loads_on_first_attribute_and_frees_the_name(tmp_path, monkeypatch):
    package = tmp_path / "lazy_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "heavy.py").write_text("LOADS = []\nLOADS.append(1)\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with deferred("lazy_pkg.heavy") as stand_in:
        import lazy_pkg.heavy as bound
    assert bound is stand_in and isinstance(bound, DeferredModule)
    assert "lazy_pkg.heavy" not in sys.modules  # the name is free again after the block
    assert bound.VALUE == 42  # first use imports the real module
    import lazy_pkg.heavy as real

    assert real is bound.loaded() and real.LOADS == [1]  # imported once, shared
    assert not isinstance(real, DeferredModule)


def test_an_imported_module_is_not_replaced():
    import json

    with deferred("json") as module:
        assert module is json


def test_window_libraries_leave_matplotlib_figures_for_later():
    """Importing what the first frame needs must not build Matplotlib's figure machinery, and
    PyVista's colour helpers still reach pyplot when called."""
    code = textwrap.dedent("""
        import sys
        from viewer.qt.app import _import_libraries_before_qt
        _import_libraries_before_qt()
        assert "pyvista.plotting" in sys.modules
        print("figure" if "matplotlib.figure" in sys.modules else "no-figure")
        import pyvista.plotting.colors as colors
        cycle = colors.plt.rcParams["axes.prop_cycle"]
        print(len(list(cycle)))
        import matplotlib.pyplot as plt
        print(plt is colors.plt.loaded(), type(plt).__name__)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["no-figure", "10", "True", "module"]
