"""The session state: one observable object for pose, layers, selection, motion and captions.

Panels change it; the render layer and other panels react to its signals. Nothing here imports
Qt or VTK, so the same state drives the desktop window, the lesson player and headless exports.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from psygnal import Signal

from viewer.core.errors import DataError
from viewer.core.kinematics import DEFAULT_ROM, RangeOfMotion, check_pose, clamp_pose
from viewer.core.motions import Motion, parse_motion

COLOUR_BY = ("moment_arm", "torque")

#: Named poses (flexion, abduction, external rotation in degrees) offered as presets.
POSE_PRESETS: dict[str, tuple[float, float, float]] = {
    "neutral": (0.0, 0.0, 0.0),
    "flexion_90": (90.0, 0.0, 0.0),
    "full_external_rotation": (0.0, 0.0, 50.0),
    "full_internal_rotation": (0.0, 0.0, -40.0),
    # Sitting upright: hip flexed to about 90 deg with a little abduction and external rotation.
    "sitting": (90.0, 10.0, 10.0),
}


class SessionState:
    """Observable state of one viewing session.

    Parameters
    ----------
    leaves : dict[str, list[str]]
        Structure id -> ids of the meshes drawn for it (compartments, or the structure itself).
    visible, opacity : dict[str, ...], optional
        Initial per-leaf visibility and opacity (defaults: visible, opaque).
    rom : RangeOfMotion
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
    view_requested = Signal(str)  # camera preset name

    def __init__(self, leaves: dict[str, list[str]], visible: dict[str, bool] | None = None,
                 opacity: dict[str, float] | None = None, rom: RangeOfMotion = DEFAULT_ROM):
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

    # -- ids --------------------------------------------------------------------------
    def leaf_ids(self, some_id: str) -> list[str]:
        """Leaves of a structure id, or ``[leaf]`` for a leaf id; DataError if unknown."""
        if some_id in self.leaves:
            return list(self.leaves[some_id])
        if some_id in self._leaf_parent:
            return [some_id]
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
        if not np.allclose(new, self._pose, atol=1e-9):
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
            if abs(self._opacity[leaf] - value) > 1e-9:
                self._opacity[leaf] = value
                self.opacity_changed.emit(leaf, value)

    # -- isolate: the same gesture restores exactly what was visible before -------------
    @property
    def isolated(self) -> str | None:
        return self._isolated

    def toggle_isolate(self, some_id: str) -> None:
        """Show only ``some_id``; called again (for any id) restore the previous visibility."""
        if self._isolation_backup is not None:
            backup = self._isolation_backup
            self._isolation_backup = None
            self._isolated = None
            for leaf, vis in backup.items():
                self.set_visible(leaf, vis)
            return
        keep = set(self.leaf_ids(some_id))
        self._isolation_backup = dict(self._visible)
        self._isolated = some_id
        for leaf in self.all_leaves:
            self.set_visible(leaf, leaf in keep)

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
        if value not in COLOUR_BY:
            raise DataError(f"unknown colouring {value!r} (allowed: {', '.join(COLOUR_BY)})", field="colour_by")
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

    def request_view(self, name: str) -> None:
        self.view_requested.emit(name)


def state_for_model(model) -> SessionState:
    """A session state for a loaded :class:`viewer.io.model.HipModel`, with annotation display defaults."""
    leaves: dict[str, list[str]] = {}
    for sid in model.meshes:
        leaves.setdefault(model.structure_of(sid), []).append(sid)
    visible, opacity = {}, {}
    for structure, ids in leaves.items():
        ann = model.annotations[structure]
        for leaf in ids:
            display = ann.compartment(leaf).display if leaf != structure else ann.display
            visible[leaf] = display.visible
            opacity[leaf] = display.opacity
    return SessionState(leaves, visible, opacity)


def describe_pose(pose_deg) -> str:
    """A pose in words, e.g. ``"flexion 90°, abduction 0°, internal rotation 15°"``.

    Negative values are named by the opposite motion (``-10`` flexion is ``extension 10°``).
    """
    from viewer.core.motions import COORDINATE_WORDS, POSE_COORDINATES

    parts = []
    for name, value in zip(POSE_COORDINATES, np.asarray(pose_deg, dtype=float).ravel()):
        positive, negative = COORDINATE_WORDS[name]
        word = negative if value < -0.05 else positive
        parts.append(f"{word} {abs(value):.0f}°")
    return ", ".join(parts)


class Playback:
    """An animation of one motion through the joint's range, stepped by the caller's clock.

    The femur moves along the motion's coordinate at ``speed_deg_s``, first in the motion's
    own direction. Looping, it bounces between the two limits of the range of motion; without
    looping it goes to the end of the range, comes back to where it started and stops. A window
    drives :meth:`advance` from a timer; tests and exports call it with any time step.

    Parameters
    ----------
    state : SessionState
        The session whose pose is animated.
    """

    playing_changed = Signal(bool)
    settings_changed = Signal()  # motion, speed or loop

    MIN_SPEED_DEG_S = 5.0
    MAX_SPEED_DEG_S = 120.0

    def __init__(self, state: SessionState, motion: Motion | str = "external_rotation", speed_deg_s: float = 30.0,
                 loop: bool = True):
        self.state = state
        self._motion = parse_motion(motion) if isinstance(motion, str) else motion
        self._speed = float(np.clip(speed_deg_s, self.MIN_SPEED_DEG_S, self.MAX_SPEED_DEG_S))
        self._loop = bool(loop)
        self._playing = False
        self._direction = self._motion.sign
        self._start = 0.0
        self._turned = False
        #: A line under the caption: text, or a function of the pose (deg) returning text.
        self.context = ""
        self.show_caption = True
        self._caption: str | None = None  # the caption this playback last wrote
        # While its caption is on screen it follows the pose, also when a slider moves it.
        state.pose_changed.connect(self._on_pose)

    def close(self) -> None:
        """Stop following the state."""
        self.pause()
        self.state.pose_changed.disconnect(self._on_pose)

    def _on_pose(self, pose) -> None:
        # While playing, advance() writes the caption itself once per step.
        if not self._playing and self._caption is not None and self.state.caption == self._caption:
            self._update_caption()

    @property
    def motion(self) -> Motion:
        return self._motion

    def set_motion(self, motion: Motion | str) -> None:
        motion = parse_motion(motion) if isinstance(motion, str) else motion
        if motion != self._motion:
            self._motion = motion
            self._restart()
            self.settings_changed.emit()

    @property
    def speed_deg_s(self) -> float:
        return self._speed

    def set_speed(self, speed_deg_s: float) -> None:
        """Degrees per second, clamped to 5..120."""
        speed = float(np.clip(speed_deg_s, self.MIN_SPEED_DEG_S, self.MAX_SPEED_DEG_S))
        if speed != self._speed:
            self._speed = speed
            self.settings_changed.emit()

    @property
    def loop(self) -> bool:
        return self._loop

    def set_loop(self, on: bool) -> None:
        if bool(on) != self._loop:
            self._loop = bool(on)
            self.settings_changed.emit()

    @property
    def playing(self) -> bool:
        return self._playing

    def limits(self) -> tuple[float, float]:
        """Low and high limit (deg) of the animated coordinate."""
        lo, hi = self.state.rom.as_array()[self._motion.coordinate]
        return float(lo), float(hi)

    def _restart(self) -> None:
        self._start = float(self.state.pose[self._motion.coordinate])
        lo, hi = self.limits()
        end = hi if self._motion.sign > 0 else lo
        # Already at the end of the motion: travel the range the other way first.
        self._direction = -self._motion.sign if abs(self._start - end) < 0.5 else self._motion.sign
        self._turned = False

    def play(self) -> None:
        if not self._playing:
            self._restart()
            self._playing = True
            self.playing_changed.emit(True)
            self._update_caption()

    def pause(self) -> None:
        if self._playing:
            self._playing = False
            self.playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def advance(self, dt_s: float) -> bool:
        """Move the pose on by ``dt_s`` seconds of animation; returns whether it still plays."""
        if not self._playing:
            return False
        c = self._motion.coordinate
        lo, hi = self.limits()
        angle = float(self.state.pose[c])
        step = self._speed * max(float(dt_s), 0.0)
        while step > 1e-12:
            end = hi if self._direction > 0 else lo
            if not self._loop and self._turned:
                end = self._start  # on the way back: stop where we started
            room = abs(end - angle)
            if step < room:
                angle += self._direction * step
                step = 0.0
            else:
                angle = end
                step -= room
                if not self._loop and self._turned:
                    self.state.set_coordinate(c, angle)
                    self._update_caption()
                    self.pause()
                    return False
                self._direction = -self._direction
                self._turned = True
                if room < 1e-12 and hi - lo < 1e-12:
                    break
        self.state.set_coordinate(c, angle)
        self._update_caption()
        return True

    def _update_caption(self) -> None:
        if not self.show_caption:
            return
        text = f"{self._motion.label.capitalize()}: {describe_pose(self.state.pose)}"
        context = self.context(self.state.pose) if callable(self.context) else self.context
        if context:
            text += f"\n{context}"
        self._caption = text
        self.state.set_caption(text)
