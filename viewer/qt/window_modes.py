"""The window's teaching modes: poses compared side by side, and the quiz panel.

Both are built on first use (the comparison makes two or four more 3D widgets; most sessions
never open either). They take the main window and use its state, model, docks and centre.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget


def set_compare(window, on: bool, count: int = 2, poses=None) -> None:
    """Show the comparison of poses in place of the 3D view (built on first use), or the 3D view.

    ``poses`` (2 or 4, degrees) sets the views' poses, e.g. from a lesson step.
    """
    count = len(poses) if poses is not None else count
    if on and window.compare_view is None:
        from viewer.qt.compare_view import CompareView

        window.compare_view = CompareView(window.model, window.state, window.scene.theme, window.centre, count=count)
        window.centre.addWidget(window.compare_view)
    if on and poses is not None:
        window.compare_view.set_poses(poses)
    if window.compare_view is not None:
        window.centre.setCurrentWidget(window.compare_view if on else window.viewport)
    window.named_actions["compare"].setChecked(on)


def open_quiz(window):
    """Dock the quiz panel (beside Info, brought to the front) and return it."""
    if "quiz" not in window.docks:
        from viewer.qt.quiz_panel import QuizPanel

        panel = QuizPanel(window.model, window.state, window.viewport, window)
        dock = QDockWidget("Quiz", window)
        dock.setObjectName("dock_quiz")
        dock.setWidget(panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.tabifyDockWidget(window.docks["info"], dock)
        window.docks["quiz"] = dock
        window.panels["quiz"] = panel
        window.panels_menu.addAction(dock.toggleViewAction())
    window.docks["quiz"].show()
    window.docks["quiz"].raise_()
    # questions, answers and explanations need the height more than the actions list does
    window.resizeDocks([window.docks["quiz"], window.docks["actions"]], [3, 1], Qt.Orientation.Vertical)
    return window.panels["quiz"]
