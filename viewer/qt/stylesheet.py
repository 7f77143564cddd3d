"""The window's style sheet: font size and a visible keyboard focus on every control."""

from __future__ import annotations

#: Visible keyboard focus on every kind of control (WCAG 2.4.7); Okabe-Ito orange.
FOCUS_COLOUR = "#E69F00"


def window_stylesheet(font_pt: float) -> str:
    focusable = ("QPushButton", "QToolButton", "QCheckBox", "QRadioButton", "QComboBox", "QLineEdit",
                 "QAbstractSpinBox", "QTreeView", "QListView", "QTableView", "QTextBrowser", "QSlider", "QTabBar")
    focus = ", ".join(f"{w}:focus" for w in focusable)
    return (f"QMainWindow, QMainWindow QWidget {{ font-size: {font_pt:.1f}pt; }}\n"
            f"{focus} {{ border: 2px solid {FOCUS_COLOUR}; border-radius: 3px; }}\n"
            f"QDockWidget::title {{ font-weight: bold; padding: 3px; }}\n")
