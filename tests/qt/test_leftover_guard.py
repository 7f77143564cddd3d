"""The guard fixture that fails tests leaving windows or timers alive must itself be able to fail."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow

from tests.qt.conftest import flush_deletions, leftovers


@pytest.mark.allow_leftovers
def test_guard_reports_an_open_window_and_a_running_timer(qtbot):
    window = QMainWindow()
    window.setObjectName("forgotten_window")
    window.show()
    timer = QTimer()
    timer.setObjectName("forgotten_timer")
    timer.start(1000)
    found = leftovers()
    assert any("forgotten_window" in item for item in found)
    assert any("forgotten_timer" in item for item in found)
    timer.stop()
    window.close()
    window.deleteLater()
    flush_deletions()
    assert not [item for item in leftovers() if "forgotten" in item]


def test_a_closed_view_holds_no_wrapper_of_its_gl_surface(make_window):
    """The 3D view's GL surface is a window Qt deletes with the main window; a Python wrapper of
    it kept past that would be handed to a widget made later at the same address."""
    from tests.qt.conftest import close_window

    window = make_window()
    interactor = window.viewport.interactor
    assert getattr(interactor, "_surface", None) is not None    # held while the view is open
    close_window(window)
    assert interactor.__dict__.get("_surface") is None
