"""File > Save scene... and Open scene...: the window's scene as a scene file and back.

A saved scene records what the view shows (:meth:`viewer.state.SessionState.snapshot`) with
the camera exactly where the user left it; opening one applies it to the session in one batch
(:mod:`viewer.io.scene_file` describes the format).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from viewer.core.errors import DataError
from viewer.core.spec import Camera, SceneSpec
from viewer.io.scene_file import load_scene, save_scene
from viewer.state import state_for_model

FILTER = "Scene files (*.yaml *.yml)"


def defaults(model) -> SceneSpec:
    """What a fresh session of ``model`` shows: the base a scene file is read over."""
    return state_for_model(model).snapshot()


def current_scene(window) -> SceneSpec:
    """The window's scene with its camera as it is now (position, focal point, up)."""
    spec = window.state.snapshot()
    cam = window.scene.camera_state()
    camera = Camera(view=spec.camera.view, position=tuple(cam["position"]), focal_point=tuple(cam["focal_point"]),
                    up=tuple(cam["up"]))
    return replace(spec, camera=camera)


def save_scene_as(window, path: str | Path | None = None) -> Path | None:
    """Write the window's scene to ``path`` (asked for when None); returns the path written."""
    if path is None:
        path, _ = QFileDialog.getSaveFileName(window, "Save scene", "scene.yaml", FILTER)
        if not path:
            return None
    written = save_scene(path, current_scene(window), defaults(window.model), window.model.catalogue)
    window.statusBar().showMessage(f"Saved scene {written}", 6000)
    return written


def open_scene(window, path: str | Path | None = None) -> SceneSpec | None:
    """Show the scene of a scene file (asked for when None) in the window; returns it."""
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Open scene", "", FILTER)
        if not path:
            return None
    spec = load_scene(path, defaults(window.model), window.model.catalogue)
    window.state.apply(spec)
    window.statusBar().showMessage(f"Opened scene {Path(path).name}", 6000)
    return spec


def last_scene_path(window) -> Path:
    """Where the scene shown at closing is kept: beside the window's settings file."""
    settings = Path(window.settings.fileName())
    return settings.with_name(f"{settings.stem}-last-scene.yaml")


def save_last_scene(window) -> Path | None:
    """Keep the window's scene for the next start (a problem writing it is not an error)."""
    try:
        return save_scene(last_scene_path(window), current_scene(window), defaults(window.model), window.model.catalogue)
    except DataError:
        return None


def restore_last_scene(window) -> SceneSpec | None:
    """Show the scene kept at the last closing, if there is one that fits the data; a kept
    scene that no longer fits (other data, older version) is skipped with a status message."""
    path = last_scene_path(window)
    if not path.is_file():
        return None
    try:
        spec = load_scene(path, defaults(window.model), window.model.catalogue)
    except DataError as exc:
        window.statusBar().showMessage(f"The last scene was not restored: {exc.message}", 8000)
        return None
    window.state.apply(spec)
    return spec
