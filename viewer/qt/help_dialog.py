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
