"""The info panel: the selected structure's annotation as sectioned rich text.

A line above the text gives the selected muscle's live action for the chosen motion at the
current pose (the number the 3D colouring shows); the text below is the annotation. Links to
neighbouring structures select them.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from viewer.core.actions import roles
from viewer.qt.annotation_html import (
    LINK_PREFIX,
    annotation_html,
    section_titles,
    welcome_html,
)
from viewer.qt.binding import StateBinding, follow_pose
from viewer.state.mechanics import current_result
from viewer.qt.safe_text import ResourceFreeBrowser


class InfoPanel(QWidget):
    """Annotation text of ``state.selection`` (or a welcome text when nothing is selected)."""

    def __init__(self, model, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.state = state
        self.live = QLabel(self)
        self.live.setWordWrap(True)
        self.live.setAccessibleName("Action at this pose")
        self.sections = QComboBox(self)
        self.sections.setAccessibleName("Jump to section")
        self.sections.setToolTip("Jump to a section of the text")
        self.sections.activated.connect(self._jump)
        self.browser = ResourceFreeBrowser(self)
        self.browser.setAccessibleName("Structure information")
        self.browser.anchorClicked.connect(self._on_link)
        top = QHBoxLayout()
        top.addWidget(self.live, 1)
        top.addWidget(self.sections)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)
        self._shown: str | None = "<none>"
        # The live line follows the pose at most ten times a second (see actions_panel).
        self._live_timer = QTimer(self)
        self._live_timer.setObjectName("info_live_refresh")
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(100)
        self._live_timer.timeout.connect(self._update_live)
        self._binding = StateBinding()
        self._binding.connect(state.selection_changed, self._on_selection)
        self._binding.connect(state.pose_changed, self._on_pose)
        self._binding.connect(state.motion_changed, self._update_live)
        self._on_selection(state.selection)

    def _on_selection(self, some_id) -> None:
        if some_id == self._shown:
            return
        self._shown = some_id
        self.sections.clear()
        if some_id is None:
            self.browser.setHtml(welcome_html(self.model))
            self.sections.setEnabled(False)
        else:
            self.browser.setHtml(annotation_html(self.model, some_id))
            self.sections.addItems(section_titles(self.model, some_id))
            self.sections.setEnabled(True)
        self.browser.verticalScrollBar().setValue(0)
        self._update_live()

    def _on_pose(self, *args) -> None:
        follow_pose(self, self._live_timer)

    def live_text(self) -> str:
        """The live line for the current pose (brought up to date first)."""
        if self._live_timer.isActive():
            self._update_live()
        return self.live.text()

    def _update_live(self, *args) -> None:
        self._live_timer.stop()
        some_id = self.state.selection
        motion = self.state.motion
        actions = self.model.actions
        if some_id is None or motion is None or (some_id not in actions.line_ids and some_id not in actions.structure_ids):
            self.live.setText("" if some_id is None else "Choose a motion (Actions panel) to see what it does here.")
            return
        r, torque = current_result(self.state, actions).of(some_id, motion)
        role = roles(r).item()
        text = (f"At this pose it <b>{role}</b> {motion.label}: moment arm {r:+.1f} mm, "
                f"torque potential {torque:+.1f} N·m <i>(model)</i>.")
        published = self.model.published.lookup(some_id, motion, self.state.pose)
        if published:
            text += " Published: " + "; ".join(f"{p.value_text()} ({p.short_citation()})" for p in published) + "."
        self.live.setText(text)
        self.live.setToolTip(self.model.model_source(some_id))

    def _jump(self, index: int) -> None:
        # Anchors follow the section order of annotation_html.
        text = self.browser.document()
        title = self.sections.itemText(index)
        cursor = text.find(title)
        if not cursor.isNull():
            self.browser.setTextCursor(cursor)
            self.browser.ensureCursorVisible()
            bar = self.browser.verticalScrollBar()
            rect = self.browser.cursorRect()
            bar.setValue(bar.value() + rect.top())

    def _on_link(self, url: QUrl) -> None:
        target = url.toString()
        if target.startswith(LINK_PREFIX):
            self.state.select(target[len(LINK_PREFIX):])

    def plain_text(self) -> str:
        """The text shown (tests and screen readers)."""
        return self.browser.toPlainText()

    def close_panel(self) -> None:
        self._live_timer.stop()
        self._binding.disconnect_all()
