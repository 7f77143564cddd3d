"""Fixtures for the Qt tests: one model per session, windows that close in order, and a guard
that fails any test leaving a window or an active timer behind.

The GUI tests run under Xvfb (pytest-xvfb starts it); the 3D widget needs a real X display,
so ``QT_QPA_PLATFORM=offscreen`` must not be set for this folder.

They use the built-in data through the session ``model`` fixture of ``tests/conftest.py``
(``$HIP_VIEWER_DATA`` runs them against another data folder, e.g. a teacher's customised set).
"""

from __future__ import annotations

import gc

import pytest



@pytest.fixture(scope="session", autouse=True)
def _private_settings(tmp_path_factory):
    """Point every QSettings of this session at a temporary folder, never the user's own."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


def flush_deletions() -> None:
    """Run deferred deletes and pending events until nothing is left."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()


def close_window(window) -> None:
    """Close a main window the way the app does: shutdown (plotter closed first), then delete."""
    import shiboken6

    if not shiboken6.isValid(window):
        return
    window.close()
    window.deleteLater()
    flush_deletions()


def leftovers() -> list[str]:
    """Top-level windows still alive and QTimers still running, described for a failure message."""
    import shiboken6
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    found = []
    app = QApplication.instance()
    if app is None:
        return found
    timers = set()
    for widget in app.topLevelWidgets():
        if not shiboken6.isValid(widget):
            continue
        # Qt's own hidden helper windows (tooltips, menus, drag images) are not ours.
        if widget.isVisible() or widget.objectName() == "main_window":
            found.append(f"window {type(widget).__name__} {widget.objectName() or widget.windowTitle()!r}")
        for timer in widget.findChildren(QTimer):
            timers.add(timer)
    for obj in gc.get_objects():
        if isinstance(obj, QTimer):
            timers.add(obj)
    for timer in timers:
        if shiboken6.isValid(timer) and timer.isActive():
            found.append(f"active timer {timer.objectName() or hex(id(timer))} (interval {timer.interval()} ms)")
    return found


@pytest.fixture(autouse=True)
def no_leftovers(request):
    """Fail a test that leaves a Qt window open or a timer running."""
    yield
    if request.node.get_closest_marker("allow_leftovers"):
        return
    flush_deletions()
    remaining = leftovers()
    if remaining:
        pytest.fail("test left Qt objects alive: " + "; ".join(remaining), pytrace=False)


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "hip-viewer.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, model, settings):
    """Factory for shown main windows (1280x800); all are closed in order after the test."""
    from viewer.qt.main_window import MainWindow

    made = []

    def make(**kwargs):
        kwargs.setdefault("settings", settings)
        window = MainWindow(model, **kwargs)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        wait_frame(qtbot, window)
        made.append(window)
        return window

    yield make
    for window in made:
        close_window(window)


@pytest.fixture
def window(make_window):
    """A shown main window with default layout and a private settings file."""
    return make_window()


def wait_frame(qtbot, window, timeout: int = 5000) -> None:
    """Wait until the viewport has rendered a frame after the call."""
    viewport = window.viewport
    before = viewport.frames_rendered
    viewport.request_frame()
    qtbot.waitUntil(lambda: viewport.frames_rendered > before, timeout=timeout)


def non_background_pixels(image, tolerance: int = 12) -> int:
    """Pixels that differ from the background gradient (sampled per row at the left edge)."""
    import numpy as np

    img = np.asarray(image)[..., :3].astype(int)
    background = img[:, :1, :]  # leftmost column: the gradient's colour in each row
    differs = np.abs(img - background).max(axis=2) > tolerance
    return int(differs.sum())


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_leftovers: the test checks the leftover guard itself")
