"""Modules a library imports at start-up but uses only later, loaded on first use.

PyVista's plotting package imports ``matplotlib.pyplot`` when it is imported (for colour maps
and chart helpers it calls only on demand). Loading pyplot builds every Matplotlib artist class
with its generated documentation: about a quarter of a second of the viewer's start, spent
before the first frame for something the 3D view never needs. :func:`deferred` lets such an
import bind a stand-in module whose first attribute access imports the real module and
forwards to it; once the ``with`` block ends the stand-in leaves ``sys.modules``, so any later
``import matplotlib.pyplot`` gets the real module.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types


class DeferredModule(types.ModuleType):
    """Stands for module ``name``: the real module is imported on first attribute access."""

    def __init__(self, name: str):
        super().__init__(name, f"{name} (imported on first use)")
        self.__dict__["_deferred_real"] = None

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)  # import machinery probing; never worth a load
        return getattr(self.loaded(), attr)

    def __dir__(self):
        return dir(self.loaded())

    def loaded(self) -> types.ModuleType:
        """The real module (imported now if it was not yet)."""
        real = self.__dict__["_deferred_real"]
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_deferred_real"] = real
        return real


@contextlib.contextmanager
def deferred(name: str):
    """Within the block, ``import name`` binds a :class:`DeferredModule` (unless the module is
    imported already). Afterwards the name is free again for the real module."""
    if name in sys.modules:
        yield sys.modules[name]
        return
    parent_name, _, child = name.rpartition(".")
    parent = importlib.import_module(parent_name) if parent_name else None
    stand_in = DeferredModule(name)
    sys.modules[name] = stand_in
    try:
        yield stand_in
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        if parent is not None and getattr(parent, child, None) is stand_in:
            delattr(parent, child)
