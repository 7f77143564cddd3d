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
