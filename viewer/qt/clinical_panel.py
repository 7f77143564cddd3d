"""The clinical panel: provocation tests, the ischiofemoral space, the sciatic nerve's neighbours,
the posterior approach and cutting planes.

Thin, as every panel: each control turns into one change of the session state (pose, colouring,
caption, released muscles, section, spaces) and the readouts are computed by the core at the
state's pose. Every number shown says where it comes from: "computed by the model", or the
published source's key from ``annotations/clinical/clinical.yaml``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from viewer.core.clinical_tests import clinical_caption, evaluate_test
from viewer.core.errors import DataError
from viewer.core.motions import parse_motion
from viewer.core.nerve import nerve_clearances
from viewer.core.release import capacity
from viewer.core.sections import Section, section_range
from viewer.core.stretch import lengths_and_stretch
from viewer.io.clinical import clinical_for
from viewer.qt.binding import StateBinding, follow_pose

#: Readouts follow the pose at most this often while a slider is dragged (ms).
LIVE_REFRESH_MS = 80
PLANES = ("none", "axial", "coronal", "sagittal", "oblique")


class ClinicalPanel(QWidget):
    """Tests, spaces, nerve, posterior approach and section controls for one session state."""

    def __init__(self, model, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.state = state
        self._binding = StateBinding()
        self._refresh_timer = None
        #: Three surface points picked for an oblique plane (pelvis frame, mm).
        self.picked_points: list[np.ndarray] = []
        # The panel is closed in the default layout: its data (the ischiofemoral space model is
        # computed from the meshes) and controls are built when it is first shown or used.
        self._built = False

    def __getattr__(self, name: str):
        # Only reached for an attribute not found: a control or datum of the unbuilt panel.
        if name.startswith("_") or self.__dict__.get("_built", True):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self.ensure_built()
        return getattr(self, name)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.ensure_built()
        super().showEvent(event)

    def ensure_built(self) -> None:
        """Build the panel's data and controls (once)."""
        if self._built:
            return
        self._built = True
        model, state = self.model, self.state
        try:
            self.data = clinical_for(model)
        except DataError as exc:
            # A data folder without the landmarks, lines or file the clinical tools need (e.g. an
            # imported OpenSim model): say why, and offer nothing that would fail.
            self.data = None
            label = QLabel(f"The clinical tools are not available for this data folder:<br><i>{exc.message}</i>", self)
            label.setWordWrap(True)
            QVBoxLayout(self).addWidget(label)
            return
        self._syncing = False
        points = np.vstack([record.vertices for record in model.meshes.values()])
        self._bounds = (points.min(axis=0), points.max(axis=0))

        # -- provocation tests
        self.test_combo = QComboBox(self)
        for test in self.data.tests.values():
            self.test_combo.addItem(test.display_name, test.id)
        self.test_combo.setAccessibleName("Clinical test")
        # Long test names must not widen the dock (and shrink the 3D view): elide them instead.
        self.test_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.test_combo.setMinimumContentsLength(14)
        self.apply_test_button = QPushButton("Show &test", self)
        self.apply_test_button.setToolTip("Set the test's pose (lower leg included), colouring and a caption "
                                          "computed by the model")
        self.apply_test_button.clicked.connect(self.apply_selected_test)
        self.test_source = QLabel(self)
        self.test_source.setWordWrap(True)
        self.test_combo.currentIndexChanged.connect(self._show_test_source)

        # -- spaces and nerve
        self.spaces_box = QCheckBox("Show the ischiofemoral space", self)
        self.spaces_box.toggled.connect(self._on_spaces_box)
        self.space_label = QLabel(self)
        self.space_label.setWordWrap(True)
        self.space_label.setTextFormat(Qt.TextFormat.RichText)
        self.nerve_label = QLabel(self)
        self.nerve_label.setWordWrap(True)
        self.nerve_label.setTextFormat(Qt.TextFormat.RichText)

        # -- posterior approach
        self.release_list = QListWidget(self)
        self.release_list.setAccessibleName("Muscles to release")
        for sid in (*self.data.release_default, *self.data.release_optional):
            item = QListWidgetItem(model.display_name(sid))
            item.setData(Qt.ItemDataRole.UserRole, sid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if sid in self.data.release_default else Qt.CheckState.Unchecked)
            self.release_list.addItem(item)
        self.release_list.setMaximumHeight(6 * self.fontMetrics().height() + 16)
        self.release_button = QPushButton("&Release", self)
        self.release_button.setToolTip("Detach the ticked muscles: drawn retracted, left out of the actions and capacity")
        self.release_button.clicked.connect(self.release_checked)
        self.repair_button = QPushButton("Re&pair", self)
        self.repair_button.clicked.connect(lambda: self.state.set_released([]))
        self.capacity_label = QLabel(self)
        self.capacity_label.setWordWrap(True)
        self.capacity_label.setTextFormat(Qt.TextFormat.RichText)

        # -- section
        self.plane_combo = QComboBox(self)
        for plane in PLANES:
            self.plane_combo.addItem(plane.capitalize() if plane != "none" else "No section", plane)
        self.plane_combo.setAccessibleName("Cutting plane")
        self.plane_combo.currentIndexChanged.connect(self._on_plane)
        self.plane_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.plane_slider.setAccessibleName("Cutting plane position in millimetres")
        self.plane_slider.setEnabled(False)
        self.plane_slider.valueChanged.connect(self._on_slider)
        self.plane_label = QLabel(self)
        self.pick_label = QLabel("Oblique: pick three points on the model (click with Shift)", self)
        self.pick_label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        tests = QGroupBox("Provocation tests", self)
        form = QFormLayout(tests)
        row = QHBoxLayout()
        row.addWidget(self.test_combo, 1)
        row.addWidget(self.apply_test_button)
        form.addRow(row)
        form.addRow(self.test_source)
        layout.addWidget(tests)
        spaces = QGroupBox("Ischiofemoral space and sciatic nerve", self)
        box = QVBoxLayout(spaces)
        box.addWidget(self.spaces_box)
        box.addWidget(self.space_label)
        box.addWidget(self.nerve_label)
        layout.addWidget(spaces)
        approach = QGroupBox("Posterior approach", self)
        box = QVBoxLayout(approach)
        box.addWidget(self.release_list)
        buttons = QHBoxLayout()
        buttons.addWidget(self.release_button)
        buttons.addWidget(self.repair_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        box.addWidget(self.capacity_label)
        layout.addWidget(approach)
        section = QGroupBox("Section", self)
        form = QFormLayout(section)
        form.addRow("Plane:", self.plane_combo)
        form.addRow(self.plane_slider)
        form.addRow(self.plane_label)
        form.addRow(self.pick_label)
        layout.addWidget(section)
        layout.addStretch(1)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setObjectName("clinical_refresh")
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(LIVE_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._binding.connect(state.pose_changed, self._on_pose)
        for signal in (state.released_changed, state.show_spaces_changed, state.section_changed):
            self._binding.connect(signal, self._on_state)
        self._show_test_source()
        self._on_state()

    # -- input -> state ---------------------------------------------------------------------------
    def apply_selected_test(self) -> None:
        self.apply_test(self.test_combo.currentData())

    def apply_test(self, name: str) -> None:
        """Set a test's pose, knee flexion, colouring and computed caption in one batch."""
        test = self.data.test(name)
        colour_by, motion = test.colour_mode
        caption = clinical_caption(test, evaluate_test(self.model.actions, test), self.model.display_name)
        with self.state.batch():
            self.state.set_pose(test.pose_deg)
            self.state.set_knee_flexion(test.knee_flexion_deg)
            self.state.set_colour_by(colour_by)
            self.state.set_motion(motion)
            self.state.set_caption(caption)

    def _on_spaces_box(self, on: bool) -> None:
        if not self._syncing:
            self.state.set_show_spaces(on)

    def checked_muscles(self) -> list[str]:
        out = []
        for i in range(self.release_list.count()):
            item = self.release_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def release_checked(self) -> None:
        self.state.set_released(self.checked_muscles())

    def _on_plane(self, index: int) -> None:
        if self._syncing:
            return
        plane = self.plane_combo.itemData(index)
        if plane == "none":
            self.state.set_section(None)
            return
        if plane == "oblique":
            if len(self.picked_points) < 3:
                self.plane_label.setText("Pick three points first (Shift-click on the model)")
                return
            section = self.oblique_section()
        else:
            lo, hi = section_range(plane, *self._bounds)
            current = self.state.section
            offset = current.offset_mm if current is not None and current.plane == plane else 0.5 * (lo + hi)
            if plane == "axial" and current is None:
                # Start at the lesser trochanter: the level of the ischiofemoral space.
                offset = float(self.model.landmarks["lesser_trochanter"].position_mm[1])
            section = Section(plane, float(np.clip(offset, lo + 1, hi - 1)))
        self.state.set_section(section)

    def add_picked_point(self, point_mm) -> None:
        """Remember a picked surface point; the last three define the oblique plane."""
        self.picked_points = (self.picked_points + [np.asarray(point_mm, dtype=float)])[-3:]
        self.pick_label.setText(f"Oblique: {len(self.picked_points)} of 3 points picked")
        if len(self.picked_points) == 3 and self.plane_combo.currentData() == "oblique":
            self._on_plane(self.plane_combo.currentIndex())

    def oblique_section(self) -> Section:
        a, b, c = self.picked_points
        if np.linalg.norm(np.cross(b - a, c - a)) < 1e-6:
            raise DataError("the three picked points lie on one line", field="section")
        points = tuple(tuple(float(v) for v in p) for p in self.picked_points)
        plane = Section("oblique", 0.0, points)
        return Section("oblique", float(plane.origin @ plane.normal), points)

    def _on_slider(self, value: int) -> None:
        if self._syncing or self.state.section is None:
            return
        self.state.set_section(self.state.section.moved(float(value)))

    # -- state -> widgets -------------------------------------------------------------------------
    def _on_pose(self, *args) -> None:
        follow_pose(self, self._refresh_timer)

    def _on_state(self, *args) -> None:
        self._syncing = True
        try:
            self.spaces_box.setChecked(self.state.show_spaces)
            section = self.state.section
            plane = "none" if section is None else section.plane
            self.plane_combo.setCurrentIndex(self.plane_combo.findData(plane))
            self.plane_slider.setEnabled(section is not None)
            if section is not None:
                lo, hi = section_range(section.plane, *self._bounds, section.normal)
                self.plane_slider.setRange(int(np.ceil(lo)) + 1, int(np.floor(hi)) - 1)
                self.plane_slider.setValue(int(round(section.offset_mm)))
                self.plane_label.setText(f"{section.plane} at {section.offset_mm:.0f} mm")
            else:
                self.plane_label.setText("")
        finally:
            self._syncing = False
        self.refresh()

    def _show_test_source(self, *args) -> None:
        test = self.data.test(self.test_combo.currentData())
        self.test_source.setText(f"{test.description}<br><i>Position after {test.source}: "
                                 f"{self.data.references[test.source]}</i>")
        self.test_source.setTextFormat(Qt.TextFormat.RichText)

    def refresh(self) -> None:
        """Recompute the readouts at the state's pose."""
        pose = self.state.pose
        if self.state.show_spaces:
            measured = self.data.space_model.measure(pose[None])
            parts = []
            for definition in self.data.spaces:
                value = float(measured[definition.id].distance_mm[0])
                pubs = "<br>".join(f"&nbsp;&nbsp;published {p.text()}" for p in self.data.published[definition.id])
                parts.append(f"<b>{definition.display_name}: {value:.1f} mm</b> (computed by the model)<br>{pubs}")
            self.space_label.setText("<br>".join(parts))
        else:
            self.space_label.setText("")
        clearances = nerve_clearances(self.model.paths, self.data.nerve, self.data.nerve_neighbours, pose)
        _, stretch = lengths_and_stretch(self.model.paths, pose[None])
        nerve = float(stretch[0, self.model.paths.index(self.data.nerve)])
        rows = ", ".join(f"{self.model.display_name(c.neighbour).lower()} {c.clearance_mm:.0f} mm" for c in clearances)
        self.nerve_label.setText(f"Sciatic nerve (computed by the model): length {nerve:+.1f} % from neutral; "
                                 f"closest approach of {rows} (centreline distances)")
        released = self.state.released
        if released:
            lines = []
            for name in ("external_rotation", "abduction"):
                cap = capacity(self.model.actions, parse_motion(name), pose, released)
                lines.append(f"{name.replace('_', ' ')}: <b>{cap.remaining_pct:.0f} %</b> of intact remains "
                             f"({cap.remaining_nm:.1f} of {cap.intact_nm:.1f} N·m)")
            names = ", ".join(self.model.display_name(m) for m in released)
            self.capacity_label.setText(f"Released: {names}.<br>" + "<br>".join(lines)
                                        + "<br><i>Sum of positive torque potentials, computed by the model.</i>")
        else:
            self.capacity_label.setText("All muscles attached.")

    def close_panel(self) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
        self._binding.disconnect_all()
