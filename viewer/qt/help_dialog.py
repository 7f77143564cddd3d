"""The keyboard and mouse reference (F1), built from the window's own actions."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

#: Gestures of the 3D view that are not menu actions.
VIEWPORT_GESTURES = (
    ("Turn the view", "Left-drag, or arrow keys in the 3D view"),
    ("Zoom", "Mouse wheel or right-drag; + and − in the 3D view"),
    ("Pan", "Middle-drag, or Shift + left-drag"),
    ("Select a structure", "Click it (click empty space to clear)"),
    ("Select a part of a muscle", "Click the selected muscle again"),
    ("Isolate / restore with the mouse", "Alt-click a structure; Alt-click again restores"),
    ("Name under the mouse", "Rest the mouse on a structure"),
    ("Change a layer's opacity", "[ and ] on the current row of the layers tree"),
    ("Move between panels", "Tab and Shift+Tab; Ctrl+Tab between tabbed panels"),
)


def shortcut_rows(actions) -> list[tuple[str, str]]:
    """``(what, keys)`` for every action with a shortcut, menu text without '&'."""
    rows = []
    for action in actions:
        keys = ", ".join(s.toString() for s in action.shortcuts())
        if keys:
            rows.append((action.text().replace("&", ""), keys))
    return rows


class HelpDialog(QDialog):
    """A two-column table of shortcuts and mouse gestures."""

    def __init__(self, actions, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts and mouse")
        rows = shortcut_rows(actions) + list(VIEWPORT_GESTURES)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Action", "Keys / mouse"])
        for i, (what, keys) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(what))
            self.table.setItem(i, 1, QTableWidgetItem(keys))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.setAccessibleName("Shortcuts")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 680)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(i, 0).text(), self.table.item(i, 1).text()) for i in range(self.table.rowCount())]


GETTING_STARTED = """
<h2>Getting started</h2>
<ol>
<li><b>Look around.</b> Drag in the 3D view to turn it, scroll to zoom; the keys 1–8 turn to the
named views and <i>Reset camera</i> (Home) goes back to the first one.</li>
<li><b>Pick a structure.</b> Click a muscle: it is outlined, named, its origin and insertion are
marked, and the <i>Info</i> tab describes it. Alt-click (or I) shows it alone; again restores.</li>
<li><b>Peel the layers.</b> Untick structures or groups in <i>Layers</i>; G makes everything but
the selection translucent.</li>
<li><b>Ask a question of the mechanics.</b> Choose a motion (M, or the <i>Motion</i> menu): every
muscle turns blue where it produces it and vermillion where it opposes it; <i>Actions</i> ranks
them by moment arm, <i>Plot</i> shows how that changes with the joint angle.</li>
<li><b>Move the hip.</b> Use the <i>Pose</i> sliders, or P to play the motion.
<i>Demonstrate external rotation</i> and <i>Repeat at 90° flexion</i> (Ctrl+E, Ctrl+Shift+E)
show the classic contrast in two clicks, keeping what you have set up.</li>
<li><b>Teach with it.</b> F11 shows the view full screen: Page Down, Right or Space step the open
lesson (<i>Lessons</i> menu) or the demonstrations, Page Up or Left go back, B blanks the screen,
Esc leaves. Build your own lesson with <i>Lessons &gt; Add current scene as a step</i>.</li>
<li><b>Keep your work.</b> Ctrl+Z and Ctrl+Shift+Z undo and redo any change of the scene;
<i>File &gt; Save scene</i> keeps one for later, and the viewer reopens on the scene you left.</li>
</ol>
"""


class GettingStartedDialog(QDialog):
    """Help > Getting started: seven steps from opening the viewer to presenting a lesson."""

    def __init__(self, parent: QWidget | None = None):
        from PySide6.QtWidgets import QTextBrowser

        super().__init__(parent)
        self.setWindowTitle("Getting started")
        self.browser = QTextBrowser(self)
        self.browser.setHtml(GETTING_STARTED)
        self.browser.setMinimumSize(520, 460)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
