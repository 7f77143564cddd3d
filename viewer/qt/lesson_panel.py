"""The lesson panel: open a lesson, step forward and back, and play it through.

A thin widget over :class:`viewer.lessons.LessonPlayer`: buttons and keys become player calls,
and a ``QTimer`` applies an animated step's intermediate poses to the session state (no thread).
Everything a step shows goes through the :class:`~viewer.state.SessionState`; the camera, which
the state only knows by view name, is also announced with :attr:`LessonPanel.camera_requested`
so that the window hosting the 3D view can frame the step exactly::

    panel = LessonPanel(state, model, lesson)
    panel.camera_requested.connect(lambda camera: apply_camera(scene, camera))
    panel.request_camera()                # frame the first step, shown while the panel was built
    panel.install_shortcuts(main_window)  # window-wide keys, off until...
    panel.set_presentation_keys(True)     # ...full-screen presentation: arrows, Page Up/Down, Space

(:func:`viewer.render.camera.apply_camera`). Call :meth:`LessonPanel.close_panel` before the
panel is deleted: it stops the timers and disconnects from the state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from viewer.core.errors import DataError
from viewer.lessons import Lesson, LessonPlayer, find_lesson, list_lessons, load_lesson
from viewer.lessons.player import DEFAULT_FPS
from viewer.lessons.rich_text import qt_rich_text

#: Animation tick (ms): about 30 poses per second.
TICK_MS = int(round(1000 / DEFAULT_FPS))
#: Default pause on each step when playing a lesson through (s).
DEFAULT_DWELL_S = 6.0


class LessonPanel(QWidget):
    """Plays lessons on a session state.

    Parameters
    ----------
    state : viewer.state.SessionState
    model : viewer.io.model.HipModel or None
        Used to list and load lessons (its data folder's and the built-in ones). Without a
        model the panel plays only the lesson it is given.
    lesson : Lesson, optional
        Shown at its first step straight away.
    caption_in_view : bool
        Also show each caption at the bottom of the 3D view (through ``state.caption``), which
        keeps it on screen in full-screen presentation.

    Signals
    -------
    step_changed(int)
        Index (from 0) of the step now shown.
    lesson_changed(object)
        The lesson now loaded (or None).
    camera_requested(object)
        A :class:`viewer.lessons.Camera` to frame (view, zoom, focus).
    playing_changed(bool)
        Playing the lesson through started or stopped.
    """

    step_changed = Signal(int)
    lesson_changed = Signal(object)
    camera_requested = Signal(object)
    playing_changed = Signal(bool)

    def __init__(self, state, model=None, lesson: Lesson | None = None, parent: QWidget | None = None, *,
                 caption_in_view: bool = True):
        super().__init__(parent)
        self.state = state
        self.model = model
        self.caption_in_view = caption_in_view
        self.player: LessonPlayer | None = None
        self._poses = np.zeros((0, 3))
        self._anim_duration_ms = 0
        self._playing = False
        self._shortcuts: list[QShortcut] = []

        self._anim_timer = QTimer(self)
        self._anim_timer.setObjectName("lesson_animation_timer")
        self._anim_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._anim_timer.setInterval(TICK_MS)
        self._anim_timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self._dwell_timer = QTimer(self)
        self._dwell_timer.setObjectName("lesson_dwell_timer")
        self._dwell_timer.setSingleShot(True)
        self._dwell_timer.timeout.connect(self._advance_playing)

        self._build()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if lesson is not None:
            self.set_lesson(lesson)
        else:
            self._refresh()

    # -- widgets --------------------------------------------------------------------------
    def _build(self) -> None:
        self.lesson_combo = QComboBox(self)
        self.lesson_combo.setAccessibleName("Lesson")
        self.lesson_combo.setToolTip("Built-in lessons and those in the data folder")
        self.lesson_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.open_button = QPushButton("&Open…", self)
        self.open_button.setToolTip("Open a lesson file (.yaml)")
        self.open_button.clicked.connect(self._choose_file)
        if self.model is not None:
            self.lesson_combo.addItem("Choose a lesson…", None)
            for _, title, path in list_lessons(self.model.data_dir):
                self.lesson_combo.addItem(title, str(path))
            self.lesson_combo.activated.connect(self._on_combo)
        else:
            self.lesson_combo.setEnabled(False)
            self.open_button.setEnabled(False)

        self.title_label = QLabel(self)
        self.title_label.setObjectName("lesson_title")
        self.title_label.setWordWrap(True)
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title_label.setFont(font)
        self.description_label = QLabel(self)
        self.description_label.setWordWrap(True)
        self.description_label.setStyleSheet("font-style: italic;")
        self.step_label = QLabel(self)
        self.step_label.setObjectName("lesson_step")
        self.caption_label = QLabel(self)
        self.caption_label.setObjectName("lesson_caption")
        self.caption_label.setTextFormat(Qt.TextFormat.RichText)
        self.caption_label.setWordWrap(True)
        self.caption_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.caption_label.setMinimumHeight(90)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("lesson_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #D55E00;")
        self.error_label.hide()

        self.back_button = QPushButton("◀ &Back", self)
        self.back_button.setToolTip("Previous step (Left arrow, Page Up)")
        self.back_button.clicked.connect(self.previous)
        self.play_button = QPushButton("▶ &Play", self)
        self.play_button.setToolTip("Play the lesson through from this step (Space)")
        self.play_button.setCheckable(True)
        self.play_button.clicked.connect(self._on_play_clicked)
        self.next_button = QPushButton("&Next ▶", self)
        self.next_button.setToolTip("Next step (Right arrow, Page Down)")
        self.next_button.clicked.connect(self.next)
        self.restart_button = QPushButton("&Restart", self)
        self.restart_button.setToolTip("Back to the first step (Home)")
        self.restart_button.clicked.connect(self.restart)
        self.dwell_spin = QDoubleSpinBox(self)
        self.dwell_spin.setRange(0.5, 60.0)
        self.dwell_spin.setDecimals(1)
        self.dwell_spin.setSingleStep(0.5)
        self.dwell_spin.setValue(DEFAULT_DWELL_S)
        self.dwell_spin.setSuffix(" s per step")
        self.dwell_spin.setToolTip("When playing through: how long each step stays after its animation")
        self.dwell_spin.setAccessibleName("Seconds per step when playing")

        top = QHBoxLayout()
        top.addWidget(self.lesson_combo, 1)
        top.addWidget(self.open_button)
        buttons = QHBoxLayout()
        for button in (self.restart_button, self.back_button, self.play_button, self.next_button):
            buttons.addWidget(button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.step_label, 1)
        bottom.addWidget(self.dwell_spin)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title_label)
        layout.addWidget(self.description_label)
        layout.addWidget(self.caption_label, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        layout.addLayout(bottom)

    # -- lessons ----------------------------------------------------------------------------
    @property
    def lesson(self) -> Lesson | None:
        return self.player.lesson if self.player is not None else None

    @property
    def index(self) -> int:
        """Index (from 0) of the step shown; -1 without a lesson."""
        return self.player.index if self.player is not None else -1

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def animating(self) -> bool:
        return self._anim_timer.isActive()

    def set_lesson(self, lesson: Lesson | None) -> None:
        """Show ``lesson`` at its first step (or nothing)."""
        self.stop()
        self._release_player()
        self.error_label.hide()
        if lesson is not None:
            # Unwrapped: the 3D view wraps the caption to its own width.
            self.player = LessonPlayer(lesson, self.state, show_caption=self.caption_in_view)
            self.player.step_changed.connect(self._on_step)
            self.player.camera_requested.connect(self._on_camera)
            self.player.go_to(0)
        elif self.caption_in_view:
            self.state.set_caption("")
        self._refresh()
        self.lesson_changed.emit(lesson)

    def open_lesson(self, name_or_file: str | Path) -> bool:
        """Load a lesson by name, title or file for the panel's model; show any error in the panel.

        Returns
        -------
        bool
            Whether the lesson loaded.
        """
        if self.model is None:
            self._show_error("no model to check the lesson against")
            return False
        try:
            lesson = load_lesson(find_lesson(name_or_file, self.model.data_dir), self.model)
        except DataError as exc:
            self._show_error(exc.message)
            return False
        self.set_lesson(lesson)
        return True

    def _on_combo(self, row: int) -> None:
        path = self.lesson_combo.itemData(row)
        if path:
            self.open_lesson(path)

    def _choose_file(self) -> None:
        start = str(self.model.data_dir) if self.model is not None else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open a lesson", start, "Lessons (*.yaml *.yml)")
        if path:
            self.open_lesson(path)

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def request_camera(self) -> None:
        """Announce the current step's camera again: call it once after connecting
        :attr:`camera_requested` (the first step is shown while the panel is built), and after
        the 3D view is resized if the framing should follow."""
        if self.player is not None:
            self.player.request_camera()

    # -- stepping ---------------------------------------------------------------------------
    def next(self) -> None:
        """Next step, animating its pose change (a running animation finishes at once first)."""
        if self.player is None:
            return
        self._finish_animation()
        self._start_animation(self.player.next(animate=True))

    def previous(self) -> None:
        """Previous step, instantly and exactly as that step defines it."""
        if self.player is None:
            return
        self.stop()
        self.player.previous()

    def restart(self) -> None:
        if self.player is None:
            return
        self.stop()
        self.player.first()

    def go_to(self, index: int, *, animate: bool = False) -> None:
        """Show step ``index`` (from 0)."""
        if self.player is None:
            return
        self._finish_animation()
        self._start_animation(self.player.go_to(index, animate=animate))

    # -- animation of one step -----------------------------------------------------------------
    def _start_animation(self, poses: np.ndarray) -> None:
        self._poses = np.asarray(poses, dtype=float)
        if not len(self._poses):
            self._after_step()
            return
        self._anim_duration_ms = max(1, int(round(1000.0 * len(self._poses) / DEFAULT_FPS)))
        self._clock.restart()
        self._anim_timer.start()
        self._refresh()

    def _tick(self) -> None:
        # Follow the clock rather than counting ticks: a slow frame skips poses, never time.
        n = len(self._poses)
        done = min(n, int(np.ceil(n * self._clock.elapsed() / self._anim_duration_ms)))
        if done >= 1:
            self.state.set_pose(self._poses[done - 1])
        if done >= n:
            self._anim_timer.stop()
            self._poses = np.zeros((0, 3))
            self._refresh()
            self._after_step()

    def _finish_animation(self) -> None:
        """Jump a running animation to its end pose."""
        if self._anim_timer.isActive():
            self._anim_timer.stop()
            self.state.set_pose(self._poses[-1])
            self._poses = np.zeros((0, 3))

    def _after_step(self) -> None:
        if self._playing:
            if self.player is not None and self.player.at_end:
                self.stop()
            else:
                self._dwell_timer.start(int(round(self.dwell_spin.value() * 1000)))

    # -- playing through ----------------------------------------------------------------------
    def play(self) -> None:
        """Play from the current step to the end: each step's animation, then a pause, then the next."""
        if self.player is None or self._playing:
            return
        if self.player.at_end:
            self.player.first()
        self._playing = True
        self.playing_changed.emit(True)
        self._refresh()
        if not self._anim_timer.isActive():
            self._after_step()

    def stop(self) -> None:
        """Stop playing through and finish any running animation."""
        self._dwell_timer.stop()
        self._finish_animation()
        if self._playing:
            self._playing = False
            self.playing_changed.emit(False)
        self._refresh()

    def toggle_play(self) -> None:
        self.stop() if self._playing else self.play()

    def _on_play_clicked(self) -> None:
        self.toggle_play()

    def _advance_playing(self) -> None:
        if not self._playing or self.player is None:
            return
        self._start_animation(self.player.next(animate=True))

    # -- keys --------------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        action = self._key_actions().get(event.key())
        if action is not None:
            action()
            event.accept()
            return
        super().keyPressEvent(event)

    def _key_actions(self) -> dict:
        return {
            Qt.Key.Key_Right: self.next, Qt.Key.Key_PageDown: self.next,
            Qt.Key.Key_Left: self.previous, Qt.Key.Key_PageUp: self.previous,
            Qt.Key.Key_Space: self.toggle_play, Qt.Key.Key_Home: self.restart,
        }

    def install_shortcuts(self, window: QWidget, *, enabled: bool = False) -> None:
        """Create window-wide lesson keys on ``window``: Right / Page Down next, Left / Page Up
        back, Space play or pause, Home restart (presentation clickers send Page Up / Down).

        They start disabled: window-wide arrows would take the arrow keys from sliders and spin
        boxes. The host turns them on for full-screen presentation with
        :meth:`set_presentation_keys`; otherwise the keys work while the panel has focus.
        """
        for key, action in self._key_actions().items():
            shortcut = QShortcut(QKeySequence(key), window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.setAutoRepeat(False)
            shortcut.activated.connect(action)
            shortcut.setEnabled(enabled)
            self._shortcuts.append(shortcut)

    def set_presentation_keys(self, on: bool) -> None:
        """Enable or disable the window-wide lesson keys made by :meth:`install_shortcuts`."""
        for shortcut in self._shortcuts:
            shortcut.setEnabled(bool(on))

    # -- reactions -------------------------------------------------------------------------------
    def _on_step(self, index: int) -> None:
        self._refresh()
        self.step_changed.emit(index)

    def _on_camera(self, camera) -> None:
        self.camera_requested.emit(camera)

    def _refresh(self) -> None:
        lesson = self.lesson
        has = lesson is not None
        self.title_label.setText(lesson.title if has else "No lesson open")
        self.description_label.setText(lesson.description if has else
                                       "Choose a lesson above, or open a lesson file.")
        self.description_label.setVisible(bool(self.description_label.text()))
        if has and self.player.step is not None:
            step = self.player.step
            self.caption_label.setText(qt_rich_text(step.caption))
            self.step_label.setText(f"Step {step.number} of {len(lesson.steps)}")
        else:
            self.caption_label.setText("")
            self.step_label.setText("")
        self.back_button.setEnabled(has and not self.player.at_start)
        self.next_button.setEnabled(has and not self.player.at_end)
        self.restart_button.setEnabled(has and not self.player.at_start)
        self.play_button.setEnabled(has)
        self._sync_combo()
        self.play_button.setChecked(self._playing)
        self.play_button.setText("&Pause" if self._playing else "▶ &Play")

    def _sync_combo(self) -> None:
        """Show the open lesson in the combo box when it is one of the listed ones."""
        lesson = self.lesson
        path = str(lesson.path) if lesson is not None and lesson.path is not None else None
        row = self.lesson_combo.findData(path) if path else -1
        if row < 0 and lesson is not None and lesson.path is not None:
            wanted = Path(lesson.path).resolve()
            for i in range(self.lesson_combo.count()):
                data = self.lesson_combo.itemData(i)
                if data and Path(data).resolve() == wanted:
                    row = i
                    break
        self.lesson_combo.setCurrentIndex(max(row, 0))

    # -- teardown ----------------------------------------------------------------------------------
    def _release_player(self) -> None:
        if self.player is not None:
            self.player.step_changed.disconnect(self._on_step)
            self.player.camera_requested.disconnect(self._on_camera)
            self.player = None

    def close_panel(self) -> None:
        """Stop the timers and let go of the state (call before the panel is deleted)."""
        self._dwell_timer.stop()
        self._anim_timer.stop()
        self._playing = False
        self._release_player()
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self._shortcuts.clear()
