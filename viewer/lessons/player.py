"""Playing a lesson: applying resolved steps to a :class:`~viewer.state.SessionState`.

No Qt and no VTK: the Qt lesson panel drives a player with a ``QTimer`` (one tick per
intermediate pose), and headless exports drive the same player in a loop. The player never
remembers what it did before: :meth:`LessonPlayer.go_to` sets *every* part of the state a step
defines, so stepping back restores exactly what that step showed the first time.
"""

from __future__ import annotations

import numpy as np
from psygnal import Signal

from viewer.lessons.rich_text import wrapped
from viewer.lessons.schema import Camera, Lesson, SceneSpec, Step
from viewer.state import SessionState

#: Frames per second of the intermediate poses an animated step yields.
DEFAULT_FPS = 30


def ease_in_out(t: np.ndarray) -> np.ndarray:
    """Smoothstep easing on ``t`` in 0..1: starts and ends at rest, as a limb does."""
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def step_poses(step: Step, fps: float = DEFAULT_FPS) -> np.ndarray:
    """Intermediate poses of an animated step, the last being the step's pose.

    Parameters
    ----------
    step : Step
    fps : float
        Poses per second of ``step.duration_s``.

    Returns
    -------
    numpy.ndarray, shape (n, 3)
        Degrees; ``n = max(2, round(duration_s * fps))`` for an animated step, 0 rows otherwise.
        The start pose itself is not included (it is shown before the first tick).
    """
    if not step.animated:
        return np.zeros((0, 3))
    n = max(2, int(round(step.duration_s * fps)))
    t = ease_in_out(np.arange(1, n + 1) / n)[:, None]
    start = np.asarray(step.start_pose_deg, dtype=float)
    end = np.asarray(step.state.pose_deg, dtype=float)
    return start + t * (end - start)


def apply_step_state(state: SessionState, spec: SceneSpec, *, pose_deg=None) -> None:
    """Set every part of ``state`` that a step defines (visibility, opacity, pose, colouring,
    highlight, selection, ghost, mechanics) in one batch. The caption, the theme and the camera
    are left alone: the player sets the caption and requests the camera itself."""
    spec = spec.replace(caption=state.caption, theme=state.theme)
    state.apply(spec, camera=False, pose_deg=pose_deg)


class LessonPlayer:
    """Steps through a :class:`Lesson` on a :class:`SessionState`.

    Parameters
    ----------
    lesson : Lesson
    state : SessionState
        The state to drive (the window's, or an off-screen session's).
    show_caption : bool
        Also put each caption, as plain text, into ``state.caption`` so that the 3D view (and
        exported images) show it; ``False`` leaves ``state.caption`` alone (a host that shows
        the caption only elsewhere).
    caption_wrap : int or None
        Wrap that plain text to this many characters per line; ``None`` keeps only the
        caption's own line breaks (the view wraps to its width).

    Signals
    -------
    step_changed(int)
        Index (from 0) of the step now shown.
    camera_requested(Camera)
        After the state is set: a host with a 3D view should frame ``Camera`` (see
        :func:`viewer.render.camera.apply_camera`). The player has already called
        ``state.request_view`` with the view name, so a host that only follows the state still
        turns to the right side.
    """

    step_changed = Signal(int)
    camera_requested = Signal(object)

    def __init__(self, lesson: Lesson, state: SessionState, *, show_caption: bool = True,
                 caption_wrap: int | None = None):
        self.lesson = lesson
        self.state = state
        self.show_caption = show_caption
        self.caption_wrap = caption_wrap
        self._index = -1

    # -- where we are --------------------------------------------------------------------
    @property
    def index(self) -> int:
        """Index of the step shown, from 0; -1 before the first :meth:`go_to`."""
        return self._index

    @property
    def count(self) -> int:
        return len(self.lesson.steps)

    @property
    def step(self) -> Step | None:
        return self.lesson.steps[self._index] if self._index >= 0 else None

    @property
    def at_start(self) -> bool:
        return self._index <= 0

    @property
    def at_end(self) -> bool:
        return self._index >= self.count - 1

    # -- moving ---------------------------------------------------------------------------
    def go_to(self, index: int, *, animate: bool = False, fps: float = DEFAULT_FPS) -> np.ndarray:
        """Show step ``index`` (from 0).

        With ``animate`` and an animated step, the state is set with the step's *start* pose and
        the intermediate poses are returned for the caller to apply one per tick (the last is the
        step's own pose). Otherwise the step's final state is set and an empty array returned.

        Returns
        -------
        numpy.ndarray, shape (n, 3)
            Poses in degrees still to apply, in order.
        """
        if not 0 <= index < self.count:
            raise IndexError(f"step {index + 1} does not exist (the lesson has {self.count} steps)")
        step = self.lesson.steps[index]
        poses = step_poses(step, fps) if animate else np.zeros((0, 3))
        with self.state.batch():  # one redraw for the whole step
            apply_step_state(self.state, step.state, pose_deg=step.start_pose_deg if len(poses) else None)
            if self.show_caption:
                plain = step.plain_caption if self.caption_wrap is None else wrapped(step.caption, self.caption_wrap)
                self.state.set_caption(plain)
        self._index = index
        self.request_camera()
        self.step_changed.emit(index)
        return poses

    def request_camera(self) -> None:
        """Ask the host to frame the current step's camera (again, e.g. after a resize)."""
        if self.step is None:
            return
        camera: Camera = self.step.state.camera
        self.state.request_view(camera.view, camera=camera)
        self.camera_requested.emit(camera)

    def next(self, *, animate: bool = True, fps: float = DEFAULT_FPS) -> np.ndarray:
        """Go to the next step (animated by default); at the end, stay. Returns poses to play."""
        if self.at_end:
            return np.zeros((0, 3))
        return self.go_to(self._index + 1, animate=animate, fps=fps)

    def previous(self) -> None:
        """Go back one step, instantly, restoring exactly the state that step defines."""
        if self._index > 0:
            self.go_to(self._index - 1)

    def first(self) -> None:
        self.go_to(0)

    def play_through(self, *, fps: float = DEFAULT_FPS, animate: bool = True):
        """Play every step from the first to the last, applying each intermediate pose.

        Yields
        ------
        (int, numpy.ndarray)
            Step index and the pose (deg) just applied; each step yields at least once, after
            its final state is set. Useful headlessly and in tests.
        """
        for index in range(self.count):
            poses = self.go_to(index, animate=animate, fps=fps)
            for pose in poses:
                self.state.set_pose(pose)
                yield index, self.state.pose
            if not len(poses):
                yield index, self.state.pose
