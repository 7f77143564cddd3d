"""Muscle and nerve surfaces swept along their paths: a closed, tapered tube per line.

The cross-section is an ellipse whose width follows the line's :class:`SweepShape` (broad at
a fleshy origin, fullest at the belly, narrow at a tendinous insertion) and whose thickness is
a fraction of the width, thinning towards the ends. The width lies along the shape's
``width_axis`` projected across the path, so a flat muscle stays flat as the femur moves.
The mesh topology depends only on the station and ring counts, so the renderer can update the
points of an existing surface in place at every pose.
"""

from __future__ import annotations

import numpy as np

from viewer.core.anatomy import SweepShape
from viewer.core.tolerances import tol

DEFAULT_STATIONS = 48
DEFAULT_RING = 20


def resample_polyline(points: np.ndarray, n: int) -> np.ndarray:
    """``n`` points evenly spaced by arc length along a polyline ``(k, 3)``; returns ``(n, 3)``."""
    points = np.asarray(points, dtype=float)
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    keep = np.concatenate([[True], seg > tol.length_mm])
    points = points[keep]
    seg = seg[seg > tol.length_mm]
    s = np.concatenate([[0.0], np.cumsum(seg)])
    targets = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(targets, s, points[:, d]) for d in range(3)], axis=1)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def width_profile(shape: SweepShape, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Width and thickness (mm) at path fractions ``s`` in [0, 1]; each shape ``(n,)``."""
    b = shape.belly_at
    rise = shape.origin_width_mm + (shape.belly_width_mm - shape.origin_width_mm) * _smoothstep(s / b)
    fall = shape.belly_width_mm + (shape.insertion_width_mm - shape.belly_width_mm) * _smoothstep((s - b) / (1.0 - b))
    width = np.where(s <= b, rise, fall)
    # Thickest at the belly, thinning to a flat sheet or tendon at the two attachments.
    swell = np.sin(np.pi * np.clip(s, 0.0, 1.0)) ** 0.6
    thickness = width * shape.thickness_ratio * (0.3 + 0.7 * swell)
    if shape.tendon_from < 1.0:
        # Past the musculotendinous junction the belly flattens into a tendon over 12 % of the path.
        fade = _smoothstep((s - shape.tendon_from) / 0.12)
        thickness = (1.0 - fade) * thickness + fade * shape.tendon_thickness_mm
    thickness = np.maximum(thickness, shape.tendon_thickness_mm)
    return width, np.minimum(thickness, width)


def sweep_faces(stations: int = DEFAULT_STATIONS, ring: int = DEFAULT_RING) -> np.ndarray:
    """Triangles of a swept surface, shape ``(2 * ring * stations - 2 * ring, 3)`` (fixed topology).

    Vertex ``i * ring + j`` is ring point ``j`` of station ``i``; the last two vertices are the
    centres of the end caps. Triangles wind so that normals point outwards.
    """
    i = np.arange(stations - 1)[:, None]
    j = np.arange(ring)[None, :]
    a = i * ring + j
    b = i * ring + (j + 1) % ring
    c = a + ring
    d = b + ring
    side = np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)])
    start_centre = stations * ring
    end_centre = start_centre + 1
    jj = np.arange(ring)
    start = np.stack([np.full(ring, start_centre), (jj + 1) % ring, jj], -1)
    last = (stations - 1) * ring
    end = np.stack([np.full(ring, end_centre), last + jj, last + (jj + 1) % ring], -1)
    return np.concatenate([side, start, end]).astype(np.int64)


class Sweeper:
    """Swept surfaces of many lines at once (one pose per call).

    What depends only on each line's shape (width and thickness along the path, the width
    direction) is computed once here; each call then sweeps every line in a handful of array
    operations, which keeps the per-frame cost of the renderer small.

    Parameters
    ----------
    shapes : sequence of SweepShape
        One per line, in the order the polylines will be given.
    """

    def __init__(self, shapes, stations: int = DEFAULT_STATIONS, ring: int = DEFAULT_RING):
        self.shapes = list(shapes)
        self.stations, self.ring = stations, ring
        s = np.linspace(0.0, 1.0, stations)
        profiles = [width_profile(shape, s) for shape in self.shapes]
        self.half_width = 0.5 * np.array([w for w, _ in profiles]).reshape(len(self.shapes), stations)
        self.half_thickness = 0.5 * np.array([t for _, t in profiles]).reshape(len(self.shapes), stations)
        turn = _smoothstep(s)[:, None]
        axes, fallback = [], []
        for shape in self.shapes:
            axis = np.asarray(shape.width_axis, dtype=float)
            if shape.width_axis_end is None:
                axes.append(np.broadcast_to(axis, (stations, 3)))
            else:
                axes.append((1.0 - turn) * axis + turn * np.asarray(shape.width_axis_end, dtype=float))
            # Where the path runs along the width axis the projection vanishes: borrow a perpendicular.
            fallback.append((1.0, 0.0, 0.0) if abs(axis[0]) < 0.9 else (0.0, 0.0, 1.0))
        self.axes = np.array(axes).reshape(len(self.shapes), stations, 3)
        self.fallback = np.array(fallback, dtype=float).reshape(len(self.shapes), 3)
        angle = np.linspace(0.0, 2.0 * np.pi, ring, endpoint=False)
        self.cos, self.sin = np.cos(angle), np.sin(angle)

    def __call__(self, polylines) -> np.ndarray:
        """Vertices ``(n_lines, stations * ring + 2, 3)`` for one polyline ``(k, 3)`` per line."""
        centre = np.stack([resample_polyline(p, self.stations) for p in polylines])  # (L, S, 3)
        tangent = np.gradient(centre, axis=1)
        tangent /= np.linalg.norm(tangent, axis=2, keepdims=True)
        w_dir = self.axes - np.einsum("lsi,lsi->ls", tangent, self.axes)[:, :, None] * tangent
        weak = np.linalg.norm(w_dir, axis=2) < 0.2
        if weak.any():
            w_dir[weak] = np.cross(tangent, self.fallback[:, None, :])[weak]
        w_dir /= np.linalg.norm(w_dir, axis=2, keepdims=True)
        t_dir = np.cross(tangent, w_dir)
        rings = (centre[:, :, None, :]
                 + self.half_width[:, :, None, None] * self.cos[None, None, :, None] * w_dir[:, :, None, :]
                 + self.half_thickness[:, :, None, None] * self.sin[None, None, :, None] * t_dir[:, :, None, :])
        n = len(polylines)
        return np.concatenate([rings.reshape(n, -1, 3), centre[:, :1], centre[:, -1:]], axis=1)


def sweep_vertices(
    polyline: np.ndarray,
    shape: SweepShape,
    stations: int = DEFAULT_STATIONS,
    ring: int = DEFAULT_RING,
) -> np.ndarray:
    """Vertices of the swept surface along ``polyline`` ``(k, 3)``; returns ``(stations * ring + 2, 3)``."""
    return Sweeper([shape], stations, ring)([polyline])[0]
