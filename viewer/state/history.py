"""Undo and redo of scene changes, built on :meth:`SessionState.snapshot` and ``apply``.

The history keeps whole scenes, not commands: :meth:`SceneHistory.record` compares the
session's scene with the last one kept and, when they differ, keeps the new one. The host
decides when a change is finished (the window records after a short pause, so that one slider
drag or one animation is one step); undo and redo apply a kept scene in one batch.
"""

from __future__ import annotations

from viewer.core.spec import SceneSpec

#: Scenes kept for undo.
HISTORY_LIMIT = 100


class SceneHistory:
    """Undo/redo stack of :class:`~viewer.core.spec.SceneSpec` for one session state."""

    def __init__(self, state, limit: int = HISTORY_LIMIT):
        self.state = state
        self.limit = int(limit)
        self._current: SceneSpec = state.snapshot()
        self._undo: list[SceneSpec] = []
        self._redo: list[SceneSpec] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def record(self) -> bool:
        """Keep the session's scene as a new step if it changed; returns whether it did."""
        scene = self.state.snapshot()
        if scene == self._current:
            return False
        self._undo.append(self._current)
        del self._undo[:-self.limit]
        self._current = scene
        self._redo.clear()
        return True

    def reset(self) -> None:
        """Forget every step; the session's scene becomes the start."""
        self._current = self.state.snapshot()
        self._undo.clear()
        self._redo.clear()

    def undo(self) -> bool:
        """Show the scene before the last change; returns False when there is none."""
        self.record()
        if not self._undo:
            return False
        self._redo.append(self._current)
        self._show(self._undo.pop())
        return True

    def redo(self) -> bool:
        """Show the scene undone last; returns False when there is none."""
        self.record()
        if not self._redo:
            return False
        self._undo.append(self._current)
        self._show(self._redo.pop())
        return True

    def _show(self, scene: SceneSpec) -> None:
        self._current = scene
        self.state.apply(scene)
