"""What the window remembers between runs: geometry, dock layout and the user's last choices.

Stored with ``QSettings`` in INI format under one organisation and application name, so that
tests can redirect every read and write to a temporary folder with
``QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, folder)``.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANISATION = "HipAnatomyViewer"
APPLICATION = "hip-viewer"

#: Bump when the dock layout changes incompatibly: Qt then ignores an older saved layout.
LAYOUT_VERSION = 2

KEY_GEOMETRY = "window/geometry"
KEY_DOCKS = "window/docks"
KEY_MOTION = "choices/motion"
KEY_COLOUR_BY = "choices/colour_by"
KEY_THEME = "choices/theme"
KEY_SPEED = "choices/playback_speed_deg_s"
KEY_LOOP = "choices/playback_loop"
KEY_PLAYBACK_MOTION = "choices/playback_motion"
KEY_RESTORE_SCENE = "choices/restore_last_scene"


def open_settings() -> QSettings:
    """The application's settings store (INI, per user)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


def read_str(settings: QSettings, key: str, default: str | None) -> str | None:
    """A stored string, or ``default`` when absent (an empty string means 'none chosen')."""
    value = settings.value(key, None)
    if value is None:
        return default
    return str(value)


def read_float(settings: QSettings, key: str, default: float) -> float:
    try:
        return float(settings.value(key, default))
    except (TypeError, ValueError):
        return default


def read_bool(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
