"""Importing pyvistaqt without the start-up cost of qtpy's star imports.

pyvistaqt takes its Qt classes from qtpy, whose modules run ``from PySide6.QtGui import *``
and the like: that creates every one of PySide6's several thousand wrapper types at once,
about a third of a second on a small laptop, for the few dozen names pyvistaqt uses. While
pyvistaqt is imported, :func:`import_pyvistaqt` lets ``qtpy.QtCore`` and its siblings be
small modules that look each name up in PySide6 when it is asked for (names that Qt 6 moved
from QtWidgets to QtGui, such as ``QAction``, are found there, as qtpy does). Afterwards
they are taken out of ``sys.modules``, so any later ``import qtpy`` gets the real package;
if pyvistaqt needs anything they cannot give, it is imported again with the real qtpy.
"""

from __future__ import annotations

import importlib
import sys
import types

#: qtpy's modules that pyvistaqt imports names from, each the PySide6 module of that name.
SUBMODULES = ("QtCore", "QtGui", "QtWidgets", "QtOpenGL", "QtOpenGLWidgets")


def _forwarding_module(name: str) -> types.ModuleType:
    module = types.ModuleType(f"qtpy.{name}", f"PySide6.{name}, names looked up on demand")

    def __getattr__(attr: str):  # noqa: N807 - module-level attribute hook
        if attr.startswith("__"):
            raise AttributeError(attr)
        try:
            return getattr(importlib.import_module(f"PySide6.{name}"), attr)
        except AttributeError:
            if name != "QtWidgets":
                raise
            return getattr(importlib.import_module("PySide6.QtGui"), attr)  # moved in Qt 6

    module.__getattr__ = __getattr__
    return module


def _forwarding_package() -> dict[str, types.ModuleType]:
    from PySide6 import QtCore

    package = types.ModuleType("qtpy", "PySide6 under qtpy's names (while pyvistaqt is imported)")
    package.__path__ = []
    package.API_NAME = package.API = "PySide6"
    package.QT_VERSION = QtCore.qVersion()
    package.QT5, package.QT6 = False, True
    package.PYQT5 = package.PYQT6 = package.PYSIDE2 = False
    package.PYSIDE6 = True
    modules = {"qtpy": package}
    for name in SUBMODULES:
        modules[f"qtpy.{name}"] = _forwarding_module(name)
        setattr(package, name, modules[f"qtpy.{name}"])
    return modules


def _forget(prefixes: tuple[str, ...]) -> None:
    for key in [key for key in sys.modules if key.split(".")[0] in prefixes]:
        del sys.modules[key]


def import_pyvistaqt():
    """The ``pyvistaqt`` module, imported with forwarding qtpy modules when qtpy is not loaded."""
    if "pyvistaqt" in sys.modules or "qtpy" in sys.modules:
        return importlib.import_module("pyvistaqt")
    forwarding = _forwarding_package()
    sys.modules.update(forwarding)
    try:
        return importlib.import_module("pyvistaqt")
    except (ImportError, AttributeError):
        _forget(("pyvistaqt", "qtpy"))
        return importlib.import_module("pyvistaqt")
    finally:
        for key, module in forwarding.items():
            if sys.modules.get(key) is module:
                del sys.modules[key]
