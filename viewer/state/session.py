"""The session state: one observable object holding one scene specification.

Panels change it; the render layer and other panels react to its signals. Nothing here imports
Qt or VTK, so the same state drives the desktop window, the lesson player and headless exports.

The whole of what the view shows is a :class:`~viewer.core.spec.SceneSpec`:
:meth:`SessionState.snapshot` returns it, :meth:`SessionState.apply` sets it, and
:meth:`SessionState.batch` groups many changes so that listeners that redraw (the render
layer) do so once, when the outermost batch ends (``batch_finished``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np
from psygnal import Signal

from viewer.core.catalogue import Catalogue
from viewer.core.errors import DataError
from viewer.core.kinematics import DEFAULT_ROM, RangeOfMotion, check_pose, clamp_pose
from viewer.core.motions import Motion, parse_motion
from viewer.core.spec import (
    COLOUR_BY,
    POSE_PRESETS,
    Camera,
    SceneSpec,
    check_colour_by,
    check_knee_flexion,
    check_theme,
    resolve_layers,
)
from viewer.core.tolerances import tol
from viewer.core.views import check_view

__all__ = ["COLOUR_BY", "POSE_PRESETS", "SessionState", "state_for_model"]


class SessionState:
    """Observable state of one viewing session.

    Parameters
    ----------
    leaves : dict[str, list[str]]
        Structure id -> ids of the meshes drawn for it (compartments, or the structure itself).
    visible, opacity : dict[str, ...], optional
        Initial per-leaf visibility and opacity (defaults: visible, opaque).
    rom : RangeOfMotion
    catalogue : Catalogue, optional
        Names and "did you mean" hints for unknown ids.
    """

    pose_changed = Signal(object)  # numpy array (3,) degrees
    visibility_changed = Signal(str, bool)  # leaf id, visible
    opacity_changed = Signal(str, float)  # leaf id, opacity 0..1
    selection_changed = Signal(object)  # structure or leaf id, or None
    motion_changed = Signal(object)  # Motion or None
    colour_by_changed = Signal(str)
    ghost_changed = Signal(bool)
    highlight_changed = Signal(tuple)  # ids highlighted by a lesson step
    caption_changed = Signal(str)
    show_mechanics_changed = Signal(bool)  # line of action and joint axis for the selection
    view_requested = Signal(str)  # camera preset name (the named view, framed as the window does)
    camera_changed = Signal(object)  # Camera to frame as a lesson or scene file asks
    knee_flexion_changed = Signal(float)
    labels_changed = Signal(bool)
    callouts_changed = Signal(tuple, bool)  # ids named by callouts, every visible muscle named
    legend_changed = Signal(bool)
    theme_changed = Signal(str)
    released_changed = Signal(tuple)  # muscles detached (posterior approach)
    section_changed = Signal(object)  # Section or None
    show_spaces_changed = Signal(bool)
    batch_finished = Signal()  # the outermost batch() ended: redraw once

    def __init__(self, leaves: dict[str, list[str]], visible: dict[str, bool] | None = None,
                 opacity: dict[str, float] | None = None, rom: RangeOfMotion = DEFAULT_ROM,
                 catalogue: Catalogue | None = None):
        self.catalogue = catalogue
        self.leaves = {k: list(v) for k, v in leaves.items()}
        self._leaf_parent = {leaf: s for s, ls in self.leaves.items() for leaf in ls}
        self.rom = rom
        self._pose = np.zeros(3)
        self._visible = {leaf: True for leaf in self._leaf_parent}
        self._visible.update(visible or {})
        self._opacity = {leaf: 1.0 for leaf in self._leaf_parent}
        self._opacity.update(opacity or {})
        self._selection: str | None = None
        self._motion: Motion | None = None
        self._colour_by = "moment_arm"
        self._ghost = False
        self._highlight: tuple[str, ...] = ()
        self._caption = ""
        self._show_mechanics = False
        self._isolation_backup: dict[str, bool] | None = None
        self._isolated: str | None = None
        self._knee_flexion = 0.0
        self._labels = True
        self._callouts: tuple[str, ...] = ()
        self._label_visible = False
        self._legend = True
        self._camera = Camera()
        self._theme = "dark"
        self._released: tuple[str, ...] = ()
        self._section = None
        self._show_spaces = False
        self._batch_depth = 0
        #: The mechanics of the current pose (:class:`viewer.state.mechanics.MechanicsModel`),
        #: attached by :func:`state_for_model`; None for a state without a model.
        self.mechanics = None

    # -- the scene specification -----------------------------------------------------------
    def snapshot(self) -> SceneSpec:
        """Everything the view shows now, as one plain record."""
        return SceneSpec(
            visible=self._visible, opacity=self._opacity, pose_deg=tuple(self._pose),
            knee_flexion_deg=self._knee_flexion, motion=self._motion.name if self._motion else None,
            colour_by=self._colour_by, highlight=self._highlight, selection=self._selection,
            ghost=self._ghost, show_mechanics=self._show_mechanics, callouts=self._callouts,
            label_visible=self._label_visible, labels=self._labels, legend=self._legend,
            camera=self._camera, caption=self._caption, theme=self._theme,
            released=self._released, section=self._section, show_spaces=self._show_spaces,
        )

    def apply(self, spec: SceneSpec, *, camera: bool = True, pose_deg=None) -> None:
        """Show ``spec``: every field it holds, in one batch (one redraw).

        Leaves the spec does not name keep their visibility and opacity. ``camera=False``
        leaves the camera alone; ``pose_deg`` overrides the spec's pose (an animation frame).
        """
        with self.batch():
            for leaf, visible in spec.visible.items():
                self.set_visible(leaf, visible)
            for leaf, alpha in spec.opacity.items():
                self.set_opacity(leaf, alpha)
            self.set_pose(spec.pose_deg if pose_deg is None else pose_deg)
            self.set_knee_flexion(spec.knee_flexion_deg)
            self.set_colour_by(spec.colour_by)
            self.set_motion(spec.motion)
            self.set_highlight(spec.highlight)
            self.select(spec.selection)
            self.set_ghost(spec.ghost)
            self.set_show_mechanics(spec.show_mechanics)
            self.set_callouts(spec.callouts, spec.label_visible)
            self.set_labels(spec.labels)
            self.set_legend(spec.legend)
            self.set_theme(spec.theme)
            self.set_released(spec.released)
            self.set_section(spec.section)
            self.set_show_spaces(spec.show_spaces)
            self.set_caption(spec.caption)
            if camera:
                self.set_camera(spec.camera)

    @contextmanager
    def batch(self) -> Iterator["SessionState"]:
        """Group changes: signals still report each change, but ``batch_finished`` is emitted
        once when the outermost batch ends, and listeners that redraw wait for it."""
        self._batch_depth += 1
        try:
            yield self
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self.batch_finished.emit()

    @property
    def in_batch(self) -> bool:
        return self._batch_depth > 0

    # -- ids --------------------------------------------------------------------------
    def leaf_ids(self, some_id: str) -> list[str]:
        """Leaves of a structure id, or ``[leaf]`` for a leaf id; DataError if unknown."""
        if some_id in self.leaves:
            return list(self.leaves[some_id])
        if some_id in self._leaf_parent:
            return [some_id]
        if self.catalogue is not None:
            raise DataError(self.catalogue.unknown_message(str(some_id)), field="structure")
        known = ", ".join(sorted(self.leaves))
        raise DataError(f"unknown structure {some_id!r} (known: {known})", field="structure")

    def structure_of(self, leaf: str) -> str:
        return self._leaf_parent.get(leaf, leaf)

    @property
    def all_leaves(self) -> list[str]:
        return list(self._leaf_parent)

    # -- pose -------------------------------------------------------------------------
    @property
    def pose(self) -> np.ndarray:
        return self._pose.copy()

    def set_pose(self, pose_deg, *, clamp: bool = False) -> None:
        """Set flexion, abduction, external rotation (deg). Out-of-range is an error unless ``clamp``."""
        new = clamp_pose(pose_deg, self.rom)[0] if clamp else check_pose(pose_deg, self.rom)[0]
        if not np.allclose(new, self._pose, atol=tol.angle_deg):
            self._pose = new
            self.pose_changed.emit(self.pose)

    def set_coordinate(self, index: int, value_deg: float, *, clamp: bool = True) -> None:
        pose = self.pose
        pose[index] = value_deg
        self.set_pose(pose, clamp=clamp)

    # -- layers -----------------------------------------------------------------------
    def is_visible(self, some_id: str) -> bool:
        """True if any leaf of ``some_id`` is visible."""
        return any(self._visible[leaf] for leaf in self.leaf_ids(some_id))

    def visibility(self) -> dict[str, bool]:
        return dict(self._visible)

    def set_visible(self, some_id: str, visible: bool) -> None:
        for leaf in self.leaf_ids(some_id):
            if self._visible[leaf] != bool(visible):
                self._visible[leaf] = bool(visible)
                self.visibility_changed.emit(leaf, bool(visible))

    def set_many_visible(self, ids: Iterable[str], visible: bool) -> None:
        with self.batch():
            for some_id in ids:
                self.set_visible(some_id, visible)

    def show_all(self) -> None:
        self._isolation_backup = None
        self._isolated = None
        self.set_many_visible(self.all_leaves, True)

    def opacity(self, some_id: str) -> float:
        return self._opacity[self.leaf_ids(some_id)[0]]

    def set_opacity(self, some_id: str, value: float) -> None:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise DataError(f"opacity {value:g} is outside 0..1", field="opacity")
        for leaf in self.leaf_ids(some_id):
            if abs(self._opacity[leaf] - value) > tol.opacity:
                self._opacity[leaf] = value
                self.opacity_changed.emit(leaf, value)

    # -- isolate: the same gesture restores exactly what was visible before -------------
    @property
    def isolated(self) -> str | None:
        return self._isolated

    def toggle_isolate(self, some_id: str) -> None:
        """Show only ``some_id``; called again (for any id) restore the previous visibility."""
        with self.batch():
            if self._isolation_backup is not None:
                backup = self._isolation_backup
                self._isolation_backup = None
                self._isolated = None
                for leaf, vis in backup.items():
                    self.set_visible(leaf, vis)
                return
            if self.catalogue is not None:  # the one only/hide/show resolver
                target = resolve_layers(self._visible, self.catalogue, only=[some_id])
            else:
                keep = set(self.leaf_ids(some_id))
                target = {leaf: leaf in keep for leaf in self._visible}
            self._isolation_backup = dict(self._visible)
            self._isolated = some_id
            for leaf, visible in target.items():
                self.set_visible(leaf, visible)

    # -- selection, motion, display modes -------------------------------------------------
    @property
    def selection(self) -> str | None:
        return self._selection

    def select(self, some_id: str | None) -> None:
        if some_id is not None:
            self.leaf_ids(some_id)  # raises for an unknown id
        if some_id != self._selection:
            self._selection = some_id
            self.selection_changed.emit(some_id)

    @property
    def motion(self) -> Motion | None:
        return self._motion

    def set_motion(self, motion: Motion | str | None) -> None:
        if isinstance(motion, str):
            motion = parse_motion(motion)
        if motion != self._motion:
            self._motion = motion
            self.motion_changed.emit(motion)

    @property
    def colour_by(self) -> str:
        return self._colour_by

    def set_colour_by(self, value: str) -> None:
        check_colour_by(value)
        if value != self._colour_by:
            self._colour_by = value
            self.colour_by_changed.emit(value)

    @property
    def ghost(self) -> bool:
        return self._ghost

    def set_ghost(self, on: bool) -> None:
        if bool(on) != self._ghost:
            self._ghost = bool(on)
            self.ghost_changed.emit(self._ghost)

    @property
    def highlight(self) -> tuple[str, ...]:
        return self._highlight

    def set_highlight(self, ids: Iterable[str]) -> None:
        ids = tuple(ids)
        for some_id in ids:
            self.leaf_ids(some_id)
        if ids != self._highlight:
            self._highlight = ids
            self.highlight_changed.emit(ids)

    @property
    def caption(self) -> str:
        return self._caption

    def set_caption(self, text: str) -> None:
        if text != self._caption:
            self._caption = text
            self.caption_changed.emit(text)

    @property
    def show_mechanics(self) -> bool:
        return self._show_mechanics

    def set_show_mechanics(self, on: bool) -> None:
        if bool(on) != self._show_mechanics:
            self._show_mechanics = bool(on)
            self.show_mechanics_changed.emit(self._show_mechanics)

    # -- display coordinates and overlays ----------------------------------------------------
    @property
    def knee_flexion_deg(self) -> float:
        return self._knee_flexion

    def set_knee_flexion(self, value_deg: float) -> None:
        """Knee flexion shown with the pose, 0..120 deg."""
        value = check_knee_flexion(value_deg)
        if abs(value - self._knee_flexion) > tol.angle_deg:
            self._knee_flexion = value
            self.knee_flexion_changed.emit(value)

    @property
    def labels(self) -> bool:
        return self._labels

    def set_labels(self, on: bool) -> None:
        if bool(on) != self._labels:
            self._labels = bool(on)
            self.labels_changed.emit(self._labels)

    @property
    def callouts(self) -> tuple[str, ...]:
        return self._callouts

    @property
    def label_visible(self) -> bool:
        return self._label_visible

    def set_callouts(self, ids: Iterable[str], label_visible: bool | None = None) -> None:
        """Name ``ids`` with callouts; ``label_visible`` (when given) names every visible muscle too."""
        ids = tuple(dict.fromkeys(ids))
        for some_id in ids:
            self.leaf_ids(some_id)
        every = self._label_visible if label_visible is None else bool(label_visible)
        if ids != self._callouts or every != self._label_visible:
            self._callouts, self._label_visible = ids, every
            self.callouts_changed.emit(ids, every)

    def set_label_visible(self, on: bool) -> None:
        """A callout for every visible muscle (on) or only the named ones (off)."""
        self.set_callouts(self._callouts, bool(on))

    @property
    def legend(self) -> bool:
        return self._legend

    def set_legend(self, on: bool) -> None:
        if bool(on) != self._legend:
            self._legend = bool(on)
            self.legend_changed.emit(self._legend)

    @property
    def theme(self) -> str:
        return self._theme

    def set_theme(self, name: str) -> None:
        check_theme(name)
        if name != self._theme:
            self._theme = name
            self.theme_changed.emit(name)

    # -- the clinical lens ---------------------------------------------------------------------
    @property
    def released(self) -> tuple[str, ...]:
        return self._released

    def set_released(self, ids: Iterable[str]) -> None:
        """Detach these muscles (structure or compartment ids); an empty list repairs them all."""
        ids = tuple(dict.fromkeys(ids))
        for some_id in ids:
            self.leaf_ids(some_id)
        if ids != self._released:
            self._released = ids
            self.released_changed.emit(ids)

    def release(self, some_id: str, released: bool = True) -> None:
        """Release (or repair) one muscle."""
        ids = [i for i in self._released if i != some_id] + ([some_id] if released else [])
        self.set_released(ids)

    @property
    def section(self):
        return self._section

    def set_section(self, section) -> None:
        """Cut the view with a :class:`~viewer.core.sections.Section` (None: no cut)."""
        if section != self._section:
            self._section = section
            self.section_changed.emit(section)

    @property
    def show_spaces(self) -> bool:
        return self._show_spaces

    def set_show_spaces(self, on: bool) -> None:
        if bool(on) != self._show_spaces:
            self._show_spaces = bool(on)
            self.show_spaces_changed.emit(self._show_spaces)

    # -- camera ------------------------------------------------------------------------------
    @property
    def camera(self) -> Camera:
        return self._camera

    def request_view(self, name: str, *, camera: Camera | None = None) -> None:
        """Turn to a named view, framed as the window frames it (always emitted, so the same
        view can be asked for again after the user moved the camera). ``camera`` records the
        full camera a lesson step asked for (its host frames it)."""
        check_view(name)
        self._camera = camera if camera is not None else Camera(view=name)
        self.view_requested.emit(name)

    def set_camera(self, camera: Camera) -> None:
        """Frame ``camera`` (named view with zoom and focus, or an explicit camera); always emitted."""
        check_view(camera.view)
        self._camera = camera
        self.camera_changed.emit(camera)


def state_for_model(model) -> SessionState:
    """A session state for a loaded :class:`viewer.io.model.HipModel`, with the catalogue's
    display defaults and the mechanics of the current pose attached."""
    from viewer.state.mechanics import MechanicsModel

    catalogue: Catalogue = model.catalogue
    leaves: dict[str, list[str]] = {}
    for sid in model.meshes:
        leaves.setdefault(catalogue.structure_of(sid), []).append(sid)
    visible = {leaf: catalogue[leaf].visible for ls in leaves.values() for leaf in ls}
    opacity = {leaf: catalogue[leaf].opacity for ls in leaves.values() for leaf in ls}
    state = SessionState(leaves, visible, opacity, catalogue=catalogue)
    state.mechanics = MechanicsModel(state, model.actions)
    return state


