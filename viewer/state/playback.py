"""Playing a motion: the timeline that moves the session's pose, and poses in words."""

from __future__ import annotations

import numpy as np
from psygnal import Signal

from viewer.core.motions import Motion, parse_motion
from viewer.core.tolerances import tol
from viewer.state.session import SessionState


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
        while step > tol.divisor:
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
                if room < tol.divisor and hi - lo < tol.divisor:
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
