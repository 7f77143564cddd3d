"""Named camera views of the right hip (pelvis frame: X anterior, Y superior, Z right).

Plain data, so that lesson and scene files can be checked without a renderer; the render
layer's camera (:mod:`viewer.render.camera`) turns a name into a camera.
"""

from __future__ import annotations

import numpy as np

from viewer.core.errors import DataError

#: view name -> (direction from the focal point to the camera, view-up vector)
VIEWS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "anterior": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "posterior": ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "lateral": ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
    "medial": ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),
    "superior": ((0.0, 1.0, 0.0), (1.0, 0.0, 0.0)),
    "inferior": ((0.0, -1.0, 0.0), (1.0, 0.0, 0.0)),
    # Oblique views teachers use: from behind and to the side, from the front and side.
    "posterolateral": ((-0.75, 0.25, 0.62), (0.0, 1.0, 0.0)),
    "anterolateral": ((0.7, 0.25, 0.67), (0.0, 1.0, 0.0)),
}

#: The view a session, a lesson and a scene file start from.
DEFAULT_VIEW = "posterolateral"


def check_view(name: str) -> str:
    """Return ``name`` if it is a known view, else raise a DataError listing them."""
    if name not in VIEWS:
        raise DataError(f"unknown view {name!r} (allowed: {', '.join(VIEWS)})", field="view")
    return name


def camera_for(name: str, focal_point: np.ndarray, distance: float):
    """Camera position, focal point and view-up for a named view."""
    direction, up = VIEWS[check_view(name)]
    d = np.asarray(direction, dtype=float)
    d /= np.linalg.norm(d)
    return (tuple(np.asarray(focal_point, dtype=float) + distance * d), tuple(focal_point), up)
