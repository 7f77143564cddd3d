"""The animation clock: a ``QTimer`` that steps :class:`viewer.state.Playback` on the GUI thread.

No thread: each tick moves the pose by the real time elapsed since the last tick (capped, so a
slow frame does not make the femur jump), and the scene redraws on the next paint.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer

#: About 30 ticks per second; the pose moves by elapsed time, so a slower machine stays on speed.
TICK_MS = 33
#: Longest time step one tick may apply (s).
MAX_STEP_S = 0.1


class PlaybackTimer(QObject):
    """Runs ``playback.advance`` while ``playback.playing``."""

    def __init__(self, playback, parent: QObject | None = None, interval_ms: int = TICK_MS):
        super().__init__(parent)
        self.playback = playback
        self.timer = QTimer(self)
        self.timer.setObjectName("playback_timer")
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self.ticks = 0
        playback.playing_changed.connect(self._on_playing)
        self._on_playing(playback.playing)

    def _on_playing(self, playing: bool) -> None:
        if playing:
            self._clock.restart()
            self.timer.start()
        else:
            self.timer.stop()

    def _tick(self) -> None:
        dt = min(self._clock.restart() / 1000.0, MAX_STEP_S)
        self.ticks += 1
        self.playback.advance(dt)

    def stop(self) -> None:
        """Stop ticking and stop following the playback (before deletion)."""
        self.timer.stop()
        self.playback.playing_changed.disconnect(self._on_playing)
