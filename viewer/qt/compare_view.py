"""Compare poses: the 3D view split into two or four linked viewports at different poses.

Each viewport is a :class:`~viewer.qt.viewport.Viewport` with its own session state that follows
the window's state (layers, selection, motion, ghost, ...) except for its pose; all their
renderers use one camera object (:func:`viewer.render.compare.share_camera`), and turning one view
re-renders the others. Each is coloured for the chosen motion (external rotation when none is
chosen); the table underneath lists the muscles whose role for that motion changes between the
poses, with the model's moment arms. A click in any viewport selects in the window's state.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS
from viewer.core.pose_text import parse_pose_value
from viewer.qt.viewport import Viewport
from viewer.render.compare import (
    DEFAULT_COMPARE_MOTION,
    fit_shared_view,
    grid_shape,
    pose_caption,
    role_changes,
    share_camera,
    visible_muscles,
)
from viewer.state import state_for_model

#: Poses offered when the comparison opens, for two and for four viewports.
DEFAULT_POSES = {2: ("neutral", "flexion=90"),
                 4: ("neutral", "flexion=45", "flexion=90", "flexion=90,external_rotation=20")}


class CompareView(QWidget):
    """Two or four viewports at different poses sharing one camera, and the role-change table."""

    def __init__(self, model, state, theme: str = "dark", parent: QWidget | None = None, count: int = 2):
        super().__init__(parent)
        self.setObjectName("compare_view")
        self.model = model
        self.state = state
        self.theme = theme
        self.viewports: list[Viewport] = []
        self.states = []
        self.poses: list[np.ndarray] = []
        self.count_box = QComboBox(self)
        self.count_box.addItems(["2 views", "4 views"])
        self.count_box.setAccessibleName("Number of views")
        self.pose_edits = [QLineEdit(self) for _ in range(4)]
        for i, edit in enumerate(self.pose_edits):
            edit.setAccessibleName(f"Pose of view {i + 1}")
            edit.setToolTip("A preset (neutral, ...) or angles, e.g. flexion=90,external_rotation=20")
            edit.returnPressed.connect(self.apply_poses)
        self.apply_button = QPushButton("Show", self)
        self.apply_button.clicked.connect(self.apply_poses)
        self.message = QLabel(self)
        controls = QHBoxLayout()
        controls.addWidget(self.count_box)
        for edit in self.pose_edits:
            controls.addWidget(edit, 1)
        controls.addWidget(self.apply_button)
        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.table = QTableWidget(self)
        self.table.setAccessibleName("Moment arms that change role")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(140)
        self.table_title = QLabel(self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.grid_host)
        bottom = QWidget(self)
        lay = QVBoxLayout(bottom)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table_title)
        lay.addWidget(self.table)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        # Changes arriving together (a lesson step, "show all") are copied once.
        self._follow_timer = QTimer(self)
        self._follow_timer.setObjectName("compare_follow")
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(0)
        self._follow_timer.timeout.connect(self._follow)
        self._connections = []
        for signal in self._followed_signals():
            signal.connect(self._schedule_follow)
            self._connections.append((signal, self._schedule_follow))
        self.state.view_requested.connect(self._on_view_requested)
        self._connections.append((self.state.view_requested, self._on_view_requested))
        self.count_box.setCurrentIndex(0 if count == 2 else 1)
        self.count_box.currentIndexChanged.connect(self._on_count)
        self.set_count(count)

    # -- building ---------------------------------------------------------------------------
    def _followed_signals(self):
        s = self.state
        names = ("visibility_changed", "opacity_changed", "selection_changed", "motion_changed", "colour_by_changed",
                 "ghost_changed", "highlight_changed", "show_mechanics_changed", "labels_changed", "legend_changed",
                 "knee_flexion_changed")
        return [getattr(s, n) for n in names if hasattr(s, n)]

    def _schedule_follow(self, *args) -> None:
        self._follow_timer.start()

    def _on_view_requested(self, name: str) -> None:
        if self.viewports:
            fit_shared_view([v.scene for v in self.viewports], name)
            for viewport in self.viewports:
                viewport.request_frame()

    def _on_count(self, index: int) -> None:
        self.set_count(2 if index == 0 else 4)

    def set_count(self, count: int) -> None:
        """Rebuild the grid with ``count`` viewports at the default poses."""
        rows, cols = grid_shape(count)
        self._close_viewports()
        for i, edit in enumerate(self.pose_edits):
            edit.setVisible(i < count)
            if i < count:
                edit.setText(DEFAULT_POSES[count][i])
        for i in range(count):
            sub = state_for_model(self.model)
            viewport = Viewport(self.model, sub, self.theme, self.grid_host)
            viewport.setObjectName(f"compare_viewport_{i}")
            viewport.picked.connect(self._on_pick)
            self.grid.addWidget(viewport, i // cols, i % cols)
            self.viewports.append(viewport)
            self.states.append(sub)
        share_camera([v.scene for v in self.viewports])
        for viewport in self.viewports:
            iren = getattr(viewport.interactor, "iren", None)
            style = iren.interactor.GetInteractorStyle() if iren is not None else None
            if style is not None:
                tag = style.AddObserver("InteractionEvent", lambda *a, src=viewport: self._camera_moved(src))
                viewport._style_observers.append((style, tag))  # removed when the viewport closes
        self.apply_poses()

    def set_poses(self, poses) -> None:
        """Show these 2 or 4 poses (degrees), rebuilding the grid if the count changes."""
        from viewer.core.motions import POSE_COORDINATES

        if len(poses) != len(self.viewports):
            self.count_box.blockSignals(True)
            self.count_box.setCurrentIndex(0 if len(poses) == 2 else 1)
            self.count_box.blockSignals(False)
            self.set_count(len(poses))
        for edit, pose in zip(self.pose_edits, poses):
            edit.setText(",".join(f"{c}={v:g}" for c, v in zip(POSE_COORDINATES, pose)))
        self.apply_poses()

    def apply_poses(self) -> None:
        """Read the pose fields, pose each viewport, fit the shared camera, refresh the table."""
        try:
            poses = [parse_pose_value(self.pose_edits[i].text().strip() or "neutral", field=f"view {i + 1} pose")
                     for i in range(len(self.viewports))]
        except DataError as exc:
            self.message.setText(exc.message)
            return
        self.message.setText("")
        self.poses = poses
        self._follow()
        fit_shared_view([v.scene for v in self.viewports], self.viewports[0].scene.last_view[0])
        for viewport in self.viewports:
            viewport.camera_moved_by_user = True  # keep the shared framing when a viewport resizes
            viewport.request_frame()

    def _follow(self, *args) -> None:
        """Copy the window's scene to every viewport, each with its own pose and caption."""
        spec = self.state.snapshot()
        motion = spec.motion or DEFAULT_COMPARE_MOTION
        for sub, pose in zip(self.states, self.poses):
            sub.apply(spec, camera=False, pose_deg=pose)
            sub.set_motion(motion)
            sub.set_caption(pose_caption(pose))
        self._fill_table(MOTIONS[motion])

    def _fill_table(self, motion) -> None:
        shown = visible_muscles(self.model, self.states[0]) if self.states else None
        changes = role_changes(self.model.actions, motion, self.poses, shown) if self.poses else []
        self.table_title.setText(f"Shown muscles whose role for {motion.label} changes between the views "
                                 "(moment arms computed by the model; + produces, − opposes)")
        self.table.clear()
        self.table.setColumnCount(1 + len(self.poses))
        self.table.setHorizontalHeaderLabels(["muscle"] + [pose_caption(p) for p in self.poses])
        self.table.setRowCount(len(changes))
        for row, change in enumerate(changes):
            self.table.setItem(row, 0, QTableWidgetItem(self.model.display_name(change["muscle"])))
            for col, (r, role) in enumerate(zip(change["moment_arms_mm"], change["roles"]), 1):
                self.table.setItem(row, col, QTableWidgetItem(f"{r:+.1f} mm ({role})"))
        self.table.resizeColumnsToContents()
        self.changes = changes

    # -- interaction --------------------------------------------------------------------------
    def _camera_moved(self, source: Viewport) -> None:
        for viewport in self.viewports:
            if viewport is not source:
                viewport.scene.plotter.renderer.ResetCameraClippingRange()
                viewport.request_frame()

    def _on_pick(self, leaf: str) -> None:
        # a click in any viewport selects in the window's state (and so in every viewport)
        self.state.select(self.model.structure_of(leaf) if leaf else None)

    def shared_camera(self):
        """The one vtkCamera every viewport's renderers use."""
        return self.viewports[0].scene.plotter.renderer.GetActiveCamera()

    # -- teardown ---------------------------------------------------------------------------
    def _close_viewports(self) -> None:
        for viewport in self.viewports:
            viewport.close_viewport()
            self.grid.removeWidget(viewport)
            viewport.deleteLater()
        self.viewports = []
        self.states = []

    def close_view(self) -> None:
        self._follow_timer.stop()
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError, ValueError):
                pass
        self._connections = []
        self._close_viewports()
