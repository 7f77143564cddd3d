"""The pose panel: the femur's three joint angles as sliders and spin boxes, plus presets.

Below them, knee flexion (0-120°) bends the leg so that rotation of the thigh shows as the foot
swinging; it is for display only, the mechanics are hip-only.

Each row is labelled in anatomical words with the sign convention, on one line that fits the
narrow right-hand column (the full wording is the tooltip and accessible name), with the
joint's range of motion written under the ends of its slider. Dragging a slider moves the femur live (every step goes to
the session state, the scene re-sweeps the muscles in place).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from viewer.core.motions import COORDINATE_WORDS, POSE_COORDINATES
from viewer.core.spec import KNEE_FLEXION_RANGE_DEG, PRESET_KNEE_FLEXION_DEG
from viewer.core.tolerances import tol
from viewer.qt.binding import StateBinding
from viewer.state import POSE_PRESETS

#: Preset buttons in display order: (preset key, button text, tooltip).
PRESET_BUTTONS = (
    ("neutral", "&Neutral", "All angles 0° (anatomical position)"),
    ("flexion_90", "&90° flexion", "Hip flexed to 90°, no abduction or rotation"),
    ("full_external_rotation", "Full e&xt. rot.", "External rotation to the end of its range"),
    ("full_internal_rotation", "Full in&t. rot.", "Internal rotation to the end of its range"),
    ("sitting", "Sitti&ng", "Upright sitting: about 90° flexion, a little abduction and external rotation, knee bent 90°"),
)


def coordinate_label(name: str) -> str:
    """``"Flexion (+) / Extension (−)"`` for a pose coordinate."""
    positive, negative = COORDINATE_WORDS[name]
    return f"{positive.capitalize()} (+) / {negative.capitalize()} (−)"


#: The ranges under the sliders: plain text colour (readable when projected), a point smaller
#: than the row names so that the panel fits the height of an 800-pixel window.
RANGE_STYLE = "color: palette(window-text); font-size: 8pt;"


def panel_label(name: str) -> str:
    """The row text in the panel: ``"Flexion (+) / extension (−)"``; two motions that share a
    noun name it once (``"Rotation: external (+) / internal (−)"``) so that the row fits."""
    positive, negative = COORDINATE_WORDS[name]
    pos, neg = positive.split(), negative.split()
    if len(pos) == len(neg) == 2 and pos[1] == neg[1]:
        return f"{pos[1].capitalize()}: {pos[0]} (+) / {neg[0]} (−)"
    return f"{positive.capitalize()} (+) / {negative} (−)"


def _range_row(parent: QWidget, lo: float, hi: float, style: str) -> QWidget:
    """The range of a slider written under its two ends (``−20°`` … ``120°``)."""
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for value, align in ((lo, Qt.AlignmentFlag.AlignLeft), (hi, Qt.AlignmentFlag.AlignRight)):
        text = f"{value:g}°".replace("-", "−")
        label = QLabel(text, row)
        label.setStyleSheet(style)
        label.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label, 1, align)
    row.setToolTip(f"{lo:g}° … {hi:g}°")
    return row


class PosePanel(QWidget):
    """Sliders and spin boxes for flexion, abduction and external rotation (degrees)."""

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self._syncing = False
        self.sliders: list[QSlider] = []
        self.spins: list[QDoubleSpinBox] = []
        limits = state.rom.as_array()
        grid = QGridLayout()
        grid.setColumnStretch(0, 1)
        grid.setVerticalSpacing(0)
        self.labels: list[QLabel] = []
        for i, name in enumerate(POSE_COORDINATES):
            lo, hi = (float(v) for v in limits[i])
            positive, negative = COORDINATE_WORDS[name]
            label = QLabel(panel_label(name), self)
            label.setToolTip(coordinate_label(name))
            label.setAccessibleName(coordinate_label(name))
            self.labels.append(label)
            slider = QSlider(Qt.Orientation.Horizontal, self)
            slider.setRange(int(round(lo)), int(round(hi)))
            slider.setSingleStep(1)
            slider.setPageStep(10)
            slider.setTracking(True)  # follow every step while dragging, not only on release
            slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            # No tick marks: the range written under the slider's ends takes their place.
            tip = f"{negative} {abs(lo):g}° to {positive} {hi:g}°"
            slider.setToolTip(tip)
            slider.setAccessibleName(coordinate_label(name))
            spin = QDoubleSpinBox(self)
            spin.setRange(lo, hi)
            spin.setDecimals(1)
            spin.setSingleStep(1.0)
            spin.setSuffix(" °")
            spin.setKeyboardTracking(False)  # typing "45" must not pass through 4°
            spin.setToolTip(tip)
            spin.setAccessibleName(coordinate_label(name) + " in degrees")
            label.setBuddy(slider)
            range_row = _range_row(self, lo, hi, RANGE_STYLE)
            grid.addWidget(label, 3 * i, 0, 1, 3)
            grid.addWidget(slider, 3 * i + 1, 0, 1, 2)
            grid.addWidget(spin, 3 * i + 1, 2)
            grid.addWidget(range_row, 3 * i + 2, 0, 1, 2)
            slider.valueChanged.connect(lambda value, c=i: self._on_slider(c, value))
            spin.valueChanged.connect(lambda value, c=i: self._on_spin(c, value))
            self.sliders.append(slider)
            self.spins.append(spin)

        # knee flexion: display only
        lo, hi = KNEE_FLEXION_RANGE_DEG
        row = 3 * len(POSE_COORDINATES)
        knee_label = QLabel("Knee flexion (display only)", self)
        self.labels.append(knee_label)
        self.knee_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.knee_slider.setRange(int(lo), int(hi))
        self.knee_slider.setPageStep(10)
        self.knee_slider.setTracking(True)
        tip = (f"Bend the knee {lo:g}° to {hi:g}°: at 90° the foot swings as the thigh rotates. "
               "The mechanics are those of the hip alone.")
        self.knee_slider.setToolTip(tip)
        self.knee_slider.setAccessibleName("Knee flexion")
        self.knee_spin = QDoubleSpinBox(self)
        self.knee_spin.setRange(lo, hi)
        self.knee_spin.setDecimals(1)
        self.knee_spin.setSuffix(" °")
        self.knee_spin.setKeyboardTracking(False)
        self.knee_spin.setToolTip(tip)
        self.knee_spin.setAccessibleName("Knee flexion in degrees")
        knee_label.setBuddy(self.knee_slider)
        grid.addWidget(knee_label, row, 0, 1, 3)
        grid.addWidget(self.knee_slider, row + 1, 0, 1, 2)
        grid.addWidget(self.knee_spin, row + 1, 2)
        grid.addWidget(_range_row(self, lo, hi, RANGE_STYLE), row + 2, 0, 1, 2)
        self.knee_slider.valueChanged.connect(lambda value: self._on_knee_input(float(value)))
        self.knee_spin.valueChanged.connect(self._on_knee_input)

        presets = QGridLayout()
        presets.setVerticalSpacing(3)
        self.preset_buttons: dict[str, QPushButton] = {}
        for k, (key, text, tip) in enumerate(PRESET_BUTTONS):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, name=key: self.apply_preset(name))
            presets.addWidget(button, k // 2, k % 2)  # two columns fit a narrow dock
            self.preset_buttons[key] = button
        self.reset_button = QPushButton("&Reset pose", self)
        self.reset_button.setToolTip("Joint angles back to the neutral pose; layers and camera stay (Ctrl+0)")
        self.reset_button.clicked.connect(self.reset)
        presets.addWidget(self.reset_button, len(PRESET_BUTTONS) // 2, len(PRESET_BUTTONS) % 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(grid)
        layout.addLayout(presets)
        layout.addStretch(1)

        self._binding = StateBinding()
        self._binding.connect(state.pose_changed, self._on_pose)
        self._binding.connect(state.knee_flexion_changed, self._on_knee)
        self._on_pose(state.pose)
        self._on_knee(state.knee_flexion_deg)

    # -- input -> state ---------------------------------------------------------------------
    def _on_slider(self, coordinate: int, value: int) -> None:
        if not self._syncing:
            self.state.set_coordinate(coordinate, float(value), clamp=True)

    def _on_spin(self, coordinate: int, value: float) -> None:
        if not self._syncing:
            self.state.set_coordinate(coordinate, float(value), clamp=True)

    def _on_knee_input(self, value: float) -> None:
        if not self._syncing:
            self.state.set_knee_flexion(float(value))

    def apply_preset(self, name: str) -> None:
        """Set one of :data:`viewer.state.POSE_PRESETS` (clamped to this state's range) and the
        knee flexion that goes with it (straight unless the preset bends it)."""
        self.state.set_pose(POSE_PRESETS[name], clamp=True)
        self.state.set_knee_flexion(PRESET_KNEE_FLEXION_DEG.get(name, 0.0))

    def reset(self) -> None:
        self.apply_preset("neutral")

    # -- state -> widgets -------------------------------------------------------------------
    def _on_pose(self, pose) -> None:
        self._syncing = True
        try:
            for slider, spin, value in zip(self.sliders, self.spins, pose):
                # Sliders step in whole degrees; the spin box shows the exact angle.
                if slider.value() != round(float(value)) and not slider.isSliderDown():
                    slider.setValue(round(float(value)))
                if abs(spin.value() - float(value)) > tol.angle_deg:
                    spin.setValue(float(value))
        finally:
            self._syncing = False

    def _on_knee(self, value) -> None:
        self._syncing = True
        try:
            if self.knee_slider.value() != round(float(value)) and not self.knee_slider.isSliderDown():
                self.knee_slider.setValue(round(float(value)))
            if abs(self.knee_spin.value() - float(value)) > tol.angle_deg:
                self.knee_spin.setValue(float(value))
        finally:
            self._syncing = False

    def close_panel(self) -> None:
        self._binding.disconnect_all()
