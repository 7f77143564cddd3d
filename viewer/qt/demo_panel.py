"""The demonstration panel: play any motion through its range, and the two ready-made lessons.

Play/pause, loop and speed drive :class:`viewer.state.Playback`. There is one motion: the
one that colours the muscles (``state.motion``, also chosen in the Actions panel and the
Motion menu) is the one that is animated, so what moves and what is coloured always agree;
a caption in the 3D view names the pose. "Demonstrate external
rotation" and "Repeat at 90° flexion" set up the classic teaching sequence in one click.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from viewer.core.motions import MOTIONS
from viewer.qt.binding import StateBinding
from viewer.qt.demonstration import demonstrate_external_rotation


class DemoPanel(QWidget):
    """Controls for :class:`viewer.state.Playback` and the one-click demonstrations."""

    def __init__(self, model, state, playback, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.state = state
        self.playback = playback
        self._syncing = False

        self.motion_combo = QComboBox(self)
        for name in MOTIONS:
            self.motion_combo.addItem(name.replace("_", " ").capitalize(), name)
        self.motion_combo.setAccessibleName("Motion to colour and animate")
        self.motion_combo.setToolTip("The motion the muscles are coloured for and the animation plays "
                                     "(the same as in the Actions panel)")
        self.motion_combo.currentIndexChanged.connect(self._on_motion)
        self.play_button = QPushButton("▶ &Play", self)
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play or pause the animation (P)")
        self.play_button.clicked.connect(self._on_play_clicked)
        self.loop_box = QCheckBox("&Loop", self)
        self.loop_box.setToolTip("Keep going back and forth; off: out to the end of the range and back once")
        self.loop_box.toggled.connect(self.playback.set_loop)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.speed_slider.setRange(int(playback.MIN_SPEED_DEG_S), int(playback.MAX_SPEED_DEG_S))
        self.speed_slider.setSingleStep(5)
        self.speed_slider.setPageStep(15)
        self.speed_slider.setAccessibleName("Animation speed in degrees per second")
        self.speed_slider.valueChanged.connect(self._on_speed)
        self.speed_label = QLabel(self)
        self.speed_label.setMinimumWidth(60)
        self.demo_button = QPushButton("Demonstrate &external rotation", self)
        self.demo_button.setToolTip("Hide gluteus maximus, look from behind and rotate the thigh outward (Ctrl+E)")
        self.demo_button.clicked.connect(self.demonstrate)
        self.demo90_button = QPushButton("Repeat at &90° flexion", self)
        self.demo90_button.setToolTip("The same with the hip flexed to 90°: watch piriformis (Ctrl+Shift+E)")
        self.demo90_button.clicked.connect(self.demonstrate_flexed)
        self.stop_button = QPushButton("&Stop", self)
        self.stop_button.setToolTip("Stop the animation and clear the caption (the pose stays)")
        self.stop_button.clicked.connect(self.stop)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName("Caption")
        self.caption.setMinimumHeight(36)

        form = QFormLayout()
        form.addRow("M&otion:", self.motion_combo)
        speed = QHBoxLayout()
        speed.addWidget(self.speed_slider, 1)
        speed.addWidget(self.speed_label)
        form.addRow("Speed:", speed)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.stop_button)
        controls.addWidget(self.loop_box)
        controls.addStretch(1)
        demos = QVBoxLayout()  # one above the other: the dock column stays narrow
        demos.addWidget(self.demo_button)
        demos.addWidget(self.demo90_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addLayout(controls)
        layout.addLayout(demos)
        layout.addWidget(self.caption)
        layout.addStretch(1)

        self._binding = StateBinding()
        self._binding.connect(playback.playing_changed, self._on_playing)
        self._binding.connect(playback.settings_changed, self._sync)
        self._binding.connect(state.caption_changed, self._on_caption)
        self._binding.connect(state.motion_changed, self._on_state_motion)
        self._sync()
        self._on_playing(playback.playing)

    # -- input -> playback --------------------------------------------------------------------
    def _on_motion(self, index: int) -> None:
        if not self._syncing:
            self.state.set_motion(self.motion_combo.itemData(index))

    def _on_state_motion(self, motion) -> None:
        """The colouring motion is the animated one (no motion: the animation keeps its own)."""
        if motion is not None:
            self.playback.set_motion(motion)

    def _on_speed(self, value: int) -> None:
        self.speed_label.setText(f"{value} °/s")
        if not self._syncing:
            self.playback.set_speed(float(value))

    def _on_play_clicked(self, checked: bool) -> None:
        if checked:
            self.play()
        else:
            self.playback.pause()

    def play(self) -> None:
        """Start the chosen motion, coloured for it."""
        self.state.set_motion(self.playback.motion)
        self.playback.play()

    def toggle(self) -> None:
        self.playback.pause() if self.playback.playing else self.play()

    def stop(self) -> None:
        self.playback.pause()
        self.playback.context = ""
        self.state.set_caption("")

    def demonstrate(self) -> None:
        demonstrate_external_rotation(self.model, self.state, self.playback, flexion_deg=0.0, view="posterior")

    def demonstrate_flexed(self) -> None:
        demonstrate_external_rotation(self.model, self.state, self.playback, flexion_deg=90.0, view="posterolateral")

    # -- playback -> widgets ------------------------------------------------------------------
    def _sync(self) -> None:
        self._syncing = True
        try:
            index = self.motion_combo.findData(self.playback.motion.name)
            self.motion_combo.setCurrentIndex(index)
            self.loop_box.setChecked(self.playback.loop)
            self.speed_slider.setValue(round(self.playback.speed_deg_s))
            self.speed_label.setText(f"{round(self.playback.speed_deg_s)} °/s")
        finally:
            self._syncing = False

    def _on_caption(self, text: str) -> None:
        self.caption.setText(text)

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setChecked(playing)
        self.play_button.setText("❚❚ &Pause" if playing else "▶ &Play")

    def close_panel(self) -> None:
        self._binding.disconnect_all()
