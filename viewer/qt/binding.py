"""Connections from the session state's signals to a widget, made and undone together.

Panels subscribe to the state when they are built and must unsubscribe before their widgets
are deleted: a state signal reaching a deleted Qt object would raise. Each panel keeps one
:class:`StateBinding` and calls :meth:`StateBinding.disconnect_all` from its ``close_panel``.
"""

from __future__ import annotations


class StateBinding:
    """A list of ``(signal, slot)`` pairs connected through it."""

    def __init__(self):
        self._pairs: list[tuple[object, object]] = []

    def connect(self, signal, slot) -> None:
        signal.connect(slot)
        self._pairs.append((signal, slot))

    def disconnect_all(self) -> None:
        for signal, slot in self._pairs:
            signal.disconnect(slot)
        self._pairs.clear()

    def __len__(self) -> int:
        return len(self._pairs)


def follow_pose(panel, timer) -> None:
    """Schedule ``panel``'s refresh on a pose change through its single-shot ``timer``.

    Shown, the panel follows the pose at most once per timer interval; hidden (a tab behind
    another) it waits until the pose has settled, so that a drag costs nothing there.
    """
    if not panel.isVisible() or not timer.isActive():
        timer.start()
