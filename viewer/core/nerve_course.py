"""The sciatic nerve as drawn: a smooth course through the points of its path, kept off the bones.

The nerve's path (``meshes/muscle_paths.json``) is a few points: the sacral plexus, the
infrapiriform foramen, the back of the short rotators, and two points on the back of the thigh
that move with the femur. Swept along those straight segments the nerve bends at sharp corners,
and with the hip flexed past 100 degrees the segment into the thigh cuts through the femur.
The drawn course is instead a centripetal Catmull-Rom curve through the same points (it passes
through every one of them, without loops or overshoot), lightly smoothed and pushed clear of
the bones by the tube's half thickness, and the swept tube's own vertices are then pushed out
of the bones as the muscle bellies' are. The mechanics (clearances, lengths) keep using the
path itself.
"""

from __future__ import annotations

import numpy as np

from viewer.core.anatomy import SweepShape
from viewer.core.belly import CLEARANCE_MM, push_out
from viewer.core.sweep import DEFAULT_RING, DEFAULT_STATIONS, resample_polyline, sweep_vertices, width_profile

#: Points of the drawn course (evenly spaced by arc length).
COURSE_SAMPLES = 48
#: Samples of the curve between two points of the path, before the even resampling.
SPLINE_SAMPLES = 40
#: Rounds of (smoothing, then pushing clear of the bones), and smoothing passes per round.
ROUNDS, PASSES = 2, 2
#: The course keeps this far (mm) beyond the tube's half thickness from a bone.
MARGIN_MM = 1.0


def spline_through(points: np.ndarray, per_segment: int = SPLINE_SAMPLES) -> np.ndarray:
    """Points ``(m, 3)`` of the centripetal Catmull-Rom curve through ``points`` ``(k, 3)``.

    The curve passes through every point in order; its ends are continued by reflecting the
    neighbouring point, so the first and last segments leave and arrive along the path.
    """
    p = np.asarray(points, dtype=float)
    if len(p) < 3:
        return p.copy()
    ext = np.vstack([2.0 * p[0] - p[1], p, 2.0 * p[-1] - p[-2]])
    pieces = []
    for i in range(1, len(ext) - 2):
        p0, p1, p2, p3 = ext[i - 1], ext[i], ext[i + 1], ext[i + 2]
        # Knots spaced by the square root of the chord lengths (centripetal).
        t1 = np.sqrt(max(np.linalg.norm(p1 - p0), 1e-9))
        t2 = t1 + np.sqrt(max(np.linalg.norm(p2 - p1), 1e-9))
        t3 = t2 + np.sqrt(max(np.linalg.norm(p3 - p2), 1e-9))
        t = np.linspace(t1, t2, per_segment, endpoint=False)[:, None]
        a1 = ((t1 - t) * p0 + t * p1) / t1
        a2 = ((t2 - t) * p1 + (t - t1) * p2) / (t2 - t1)
        a3 = ((t3 - t) * p2 + (t - t2) * p3) / (t3 - t2)
        b1 = ((t2 - t) * a1 + t * a2) / t2
        b2 = ((t3 - t) * a2 + (t - t1) * a3) / (t3 - t1)
        pieces.append(((t2 - t) * b1 + (t - t1) * b2) / (t2 - t1))
    pieces.append(p[-1:])
    return np.vstack(pieces)


def _smoothed(course: np.ndarray, passes: int) -> np.ndarray:
    """``course`` with each inner point moved to the (1, 2, 1) average of itself and its
    neighbours, ``passes`` times; the two ends stay."""
    c = course.copy()
    for _ in range(passes):
        c[1:-1] = 0.25 * c[:-2] + 0.5 * c[1:-1] + 0.25 * c[2:]
    return c


def clearance_for(shape: SweepShape) -> float:
    """How far (mm) a tube of ``shape``'s centre line keeps from a bone: its largest half
    thickness and :data:`MARGIN_MM`."""
    _, thickness = width_profile(shape, np.linspace(0.0, 1.0, DEFAULT_STATIONS))
    return float(0.5 * thickness.max() + MARGIN_MM)


def drawn_course(polyline: np.ndarray, grids=(), matrices: dict | None = None,
                 clearance_mm: float = 5.0) -> np.ndarray:
    """The nerve's drawn centre line ``(COURSE_SAMPLES, 3)`` through ``polyline``'s points (pelvis
    frame) at the pose of ``matrices`` (4x4 from each bone's frame to the pelvis frame), clear
    of the bones of ``grids`` (:class:`viewer.core.belly.DistanceGrid`) by ``clearance_mm``."""
    course = resample_polyline(spline_through(polyline), COURSE_SAMPLES)
    matrices = matrices or {}
    for _ in range(ROUNDS):
        course = _smoothed(course, PASSES)
        if grids:
            course[1:-1] = push_out(course[1:-1], grids, matrices, passes=3, clearance_mm=clearance_mm)
    return course


def nerve_vertices(polyline: np.ndarray, shape: SweepShape, grids=(), matrices: dict | None = None,
                   stations: int = DEFAULT_STATIONS, ring: int = DEFAULT_RING) -> np.ndarray:
    """Vertices of the nerve's tube (as :func:`viewer.core.sweep.sweep_vertices`) along its drawn
    course, with any vertex still within a bone pushed out of it."""
    matrices = matrices or {}
    width, thickness = width_profile(shape, np.linspace(0.0, 1.0, stations))
    course = drawn_course(polyline, grids, matrices, float(0.5 * thickness.max() + MARGIN_MM))
    vertices = sweep_vertices(course, shape, stations, ring)
    if not grids:
        return vertices
    # Only the rings whose centre is within their own half width of a bone can reach into it.
    centres = resample_polyline(course, stations)
    half_width = 0.5 * width
    nearest = np.full(stations, np.inf)
    for grid in grids:
        T = matrices.get(grid.body, np.eye(4))
        d, _ = grid.sample((centres - T[:3, 3]) @ T[:3, :3], within_mm=half_width.max() + 2.0 * grid.spacing_mm)
        nearest = np.minimum(nearest, d)
    near = np.flatnonzero(nearest < half_width + CLEARANCE_MM + 1.0)
    if len(near):
        rows = (near[:, None] * ring + np.arange(ring)).ravel()
        rows = np.concatenate([rows, [stations * ring] if near[0] == 0 else [],
                               [stations * ring + 1] if near[-1] == stations - 1 else []]).astype(np.intp)
        vertices[rows] = push_out(vertices[rows], grids, matrices)
    return vertices
