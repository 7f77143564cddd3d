"""Presentation mode: the 3D view full screen for a class, stepped with a clicker or the keys.

Only the view, its caption strip and a small step counter stay on screen. Page Down, Right
and Space step forward, Page Up and Left step back (what presentation clickers send); B (or
the full stop some clickers send) blanks the screen and brings it back. The steps are those of
the open lesson, or, without one, the two demonstrations (external rotation, then the same
at 90° of flexion). Texts in the view scale with the screen's height. The framing is kept:
a lesson step's camera is framed again for the new size, a camera moved by hand stays put.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLayout

#: Keys that step forward, back and blank the screen in presentation mode.
NEXT_KEYS = (Qt.Key.Key_PageDown, Qt.Key.Key_Right, Qt.Key.Key_Space)
PREVIOUS_KEYS = (Qt.Key.Key_PageUp, Qt.Key.Key_Left)
BLANK_KEYS = (Qt.Key.Key_B, Qt.Key.Key_Period)
#: Screen height (px) at which the view's texts are drawn at their base size; taller screens
#: scale them up in proportion, never below :data:`MIN_SCALE`.
BASE_HEIGHT_PX = 640
MIN_SCALE = 1.2
#: The demonstrations stepped when no lesson is open, in order.
DEMONSTRATIONS = ("Demonstration: external rotation", "Demonstration: external rotation at 90° flexion")


def presentation_scale(height_px: int) -> float:
    """Font scale of the view's texts on a screen ``height_px`` tall."""
    return max(MIN_SCALE, round(height_px / BASE_HEIGHT_PX, 2))


class Presenter(QObject):
    """Presentation keys, the step counter and the blank screen of one main window."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.demo_index = -1
        self._shortcuts: list[QShortcut] = []
        for keys, slot in ((NEXT_KEYS, self.next), (PREVIOUS_KEYS, self.previous), (BLANK_KEYS, self.toggle_blank)):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), window)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.setAutoRepeat(False)
                shortcut.activated.connect(slot)
                shortcut.setEnabled(False)
                self._shortcuts.append(shortcut)
        self._blanked = False
        self._reframe = QTimer(self)
        self._reframe.setObjectName("presentation_reframe")
        self._reframe.setSingleShot(True)
        self._reframe.setInterval(60)
        self._reframe.timeout.connect(self._frame_again)
        self._camera = None
        self.active = False

    # -- entering and leaving -------------------------------------------------------------------
    def switch(self, on: bool) -> None:
        """Full screen for a class: only the 3D view with its caption and a step counter (and back)."""
        from viewer.qt.main_window import BASE_FONT_PT, PRESENTATION_SCALE, _stylesheet
        from viewer.qt.settings import LAYOUT_VERSION

        window = self.window
        if on == window._presentation:
            return
        window._presentation = on
        if on:
            window._before_presentation = {"maximized": window.isMaximized(), "geometry": window.saveGeometry(),
                                         "docks": window.saveState(LAYOUT_VERSION)}
            for dock in window.docks.values():
                dock.hide()
            for bar in (window.menuBar(), window.toolbar, window.statusBar()):
                bar.hide()
            window.setStyleSheet(_stylesheet(BASE_FONT_PT * PRESENTATION_SCALE))
            screen = window.screen()
            height = screen.geometry().height() if screen is not None else window.height()
            window.scene.set_font_scale(presentation_scale(height))
            # The panels' minimum sizes must not make the window taller than the screen (the
            # caption at the bottom would be cut off): no size constraint while presenting.
            window.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
            window.setMinimumSize(0, 0)
            if screen is not None:  # without a window manager full screen does not resize by itself
                window.setGeometry(screen.geometry())
            window.showFullScreen()
        else:
            window.setStyleSheet(_stylesheet(BASE_FONT_PT))
            window.scene.set_font_scale(1.0)
            for bar in (window.menuBar(), window.toolbar, window.statusBar()):
                bar.show()
            window.layout().setSizeConstraint(QLayout.SizeConstraint.SetDefaultConstraint)
            window.showNormal()
            if "docks" in window._before_presentation:
                window.restoreState(window._before_presentation["docks"], LAYOUT_VERSION)
            if window._before_presentation.get("maximized"):
                window.showMaximized()
            elif "geometry" in window._before_presentation:
                window.restoreGeometry(window._before_presentation["geometry"])
        window.presenter.set_active(on)
        window.named_actions["presentation"].setChecked(on)

    def set_active(self, on: bool) -> None:
        """Turn the keys, counter and framing on (entering) or off (leaving)."""
        self.active = bool(on)
        viewport = self.window.viewport
        self._camera = viewport.scene.camera_state() if viewport.camera_moved_by_user else None
        for shortcut in self._shortcuts:
            shortcut.setEnabled(self.active)
        if not self.active:
            self.set_blank(False)
        self.update_counter()
        self._reframe.start()

    def _frame_again(self) -> None:
        """Keep the framing across the change of size: a hand-moved camera is put back where it
        was; a lesson step's camera is framed again; a named view re-fits by itself."""
        window = self.window
        if window.closed:
            return
        if self._camera is not None:
            window.scene.set_camera_state(self._camera)
            window.viewport.camera_moved_by_user = True
        else:
            panel = window.lesson_panel_if_open()
            if panel is not None and panel.lesson is not None:
                panel.request_camera()
        window.viewport.request_frame()

    # -- stepping -----------------------------------------------------------------------------------
    def next(self) -> None:
        panel = self.window.lesson_panel_if_open()
        if panel is not None and panel.lesson is not None:
            panel.next()
        elif self.demo_index < len(DEMONSTRATIONS) - 1:
            self.demo_index += 1
            self._run_demonstration()
        self.update_counter()

    def previous(self) -> None:
        panel = self.window.lesson_panel_if_open()
        if panel is not None and panel.lesson is not None:
            panel.previous()
        elif self.demo_index > 0:
            self.demo_index -= 1
            self._run_demonstration()
        self.update_counter()

    def _run_demonstration(self) -> None:
        if self.demo_index == 0:
            self.window.demonstrate()
        else:
            self.window.demonstrate_flexed()

    def step_text(self) -> str:
        """What the counter says: the lesson step, the demonstration, or nothing."""
        panel = self.window.lesson_panel_if_open()
        if panel is not None and panel.lesson is not None:
            return f"{panel.index + 1} / {len(panel.lesson.steps)}"
        if self.demo_index >= 0:
            return f"Demo {self.demo_index + 1} / {len(DEMONSTRATIONS)}"
        return ""

    def update_counter(self, *args) -> None:
        """Draw the step counter in the view (a text of the scene, so screenshots show it)."""
        if self.window.closed:
            return
        self.window.scene.overlays.set_counter(self.step_text() if self.active else "")
        self.window.viewport.request_frame()

    # -- blank ----------------------------------------------------------------------------------------
    @property
    def blanked(self) -> bool:
        return self._blanked

    def toggle_blank(self) -> None:
        self.set_blank(not self._blanked)

    def set_blank(self, on: bool) -> None:
        """Black out the view (the room looks at the teacher) and bring it back."""
        self._blanked = bool(on)
        self.window.viewport.set_blank(self._blanked)

    def close(self) -> None:
        self._reframe.stop()
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
