"""Undo and redo in the window: every change of the session's scene, one step per pause.

A change is kept as an undo step once nothing has changed for :data:`UNDO_SETTLE_MS`, so one
slider drag or one animation is one step (:class:`viewer.state.SceneHistory` keeps the scenes).
"""

from __future__ import annotations

from psygnal import Signal
from PySide6.QtCore import QTimer

from viewer.state import SceneHistory

UNDO_SETTLE_MS = 400


def install_undo(window) -> None:
    """Give ``window`` its scene history, the settle timer and the state connections."""
    window.history = SceneHistory(window.state)
    timer = QTimer(window)
    timer.setObjectName("undo_settle")
    timer.setSingleShot(True)
    timer.setInterval(UNDO_SETTLE_MS)
    timer.timeout.connect(window.record_scene)
    window._undo_timer = timer
    for name, attr in vars(type(window.state)).items():
        if isinstance(attr, Signal) and name != "batch_finished":  # every change of the scene
            window._binding.connect(getattr(window.state, name), lambda *args: timer.start())
