"""Shortest paths around smooth obstacles (spheres and infinite cylinders), vectorised.

A segment from P to S that would pass through the obstacle is replaced by the shortest path
around it: a tangent line, an arc on the surface, a tangent line. For a sphere the path lies
in the plane through P, S and the centre; for a cylinder it is the same construction in the
plane perpendicular to the axis, unrolled with the axial travel (a helix on the surface).
The length is continuous - and continuously differentiable - as P and S move, because the
wrapped branch meets the straight branch exactly where the segment grazes the surface.
"""

from __future__ import annotations

import numpy as np

from viewer.core.tolerances import tol


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("...i,...i->...", v, v))


def _circle_wrap(p: np.ndarray, s: np.ndarray, radius: np.ndarray, theta: np.ndarray | None = None):
    """In-plane wrap around a circle/sphere centred at the origin.

    Parameters
    ----------
    p, s : numpy.ndarray, shape (..., 3)
        End points relative to the centre.
    radius : numpy.ndarray, shape (...)
    theta : numpy.ndarray, shape (...), optional
        Angle travelled around the centre from ``p`` to ``s`` (radians). Default: the smaller
        angle between them (the path takes the shorter way round).

    Returns
    -------
    length : numpy.ndarray, shape (...)
        Path length (straight where the segment misses the obstacle).
    phi : numpy.ndarray, shape (...)
        Arc angle in radians; ``phi <= 0`` means no contact.
    radius : numpy.ndarray
        The radius used (shrunk where an end point lies inside the obstacle, so that an
        attachment inside a wrap surface never makes the length undefined).
    """
    lp, ls = _norm(p), _norm(s)
    r = np.minimum(radius, 0.999 * np.minimum(lp, ls))
    if theta is None:
        cos_ps = np.clip(np.einsum("...i,...i->...", p, s) / (lp * ls), -1.0, 1.0)
        theta = np.arccos(cos_ps)
    ap = np.arccos(r / lp)
    as_ = np.arccos(r / ls)
    phi = theta - ap - as_
    wrapped = np.sqrt(lp * lp - r * r) + np.sqrt(ls * ls - r * r) + r * phi
    straight = _norm(s - p)
    return np.where(phi > 0.0, wrapped, straight), phi, r


def _turn_angle(p2: np.ndarray, s2: np.ndarray, axis: np.ndarray, direction) -> np.ndarray | None:
    """Angle from ``p2`` to ``s2`` turning about ``axis`` in ``direction`` (+1 counter-clockwise,
    -1 clockwise), in [0, 2 pi); ``None`` where ``direction`` is 0 (take the shorter way)."""
    direction = np.asarray(direction, dtype=float)
    if not np.any(direction):
        return None
    sin_t = np.einsum("...i,...i->...", np.cross(p2, s2), axis)
    cos_t = np.einsum("...i,...i->...", p2, s2)
    ccw = np.mod(np.arctan2(sin_t, cos_t), 2.0 * np.pi)
    shortest = np.arccos(np.clip(cos_t / (_norm(p2) * _norm(s2)), -1.0, 1.0))
    turned = np.where(direction > 0, ccw, 2.0 * np.pi - ccw)
    return np.where(direction == 0, shortest, turned)


def sphere_wrap_length(p: np.ndarray, s: np.ndarray, centre: np.ndarray, radius) -> np.ndarray:
    """Length of the shortest path from ``p`` to ``s`` that does not enter a sphere.

    Shapes broadcast: ``p, s, centre`` ``(..., 3)``, ``radius`` ``(...)``; returns ``(...)`` mm.
    """
    length, _, _ = _circle_wrap(p - centre, s - centre, np.asarray(radius, dtype=float))
    return length


def cylinder_wrap_length(p, s, centre, axis, radius, direction=0) -> np.ndarray:
    """Length of the shortest path from ``p`` to ``s`` that does not enter an infinite cylinder.

    ``axis`` is a unit vector ``(..., 3)``; other shapes as :func:`sphere_wrap_length`.
    ``direction`` (+1, -1 or 0, broadcast) makes the path go round the cylinder
    counter-clockwise or clockwise about ``axis`` - the side a muscle cannot leave without
    passing through bone - instead of the shorter way, so the path never flips sides as the
    joint moves.
    """
    p = p - centre
    s = s - centre
    hp = np.einsum("...i,...i->...", p, axis)
    hs = np.einsum("...i,...i->...", s, axis)
    p2 = p - hp[..., None] * axis
    s2 = s - hs[..., None] * axis
    theta = _turn_angle(p2, s2, axis, direction)
    planar, _, _ = _circle_wrap(p2, s2, np.asarray(radius, dtype=float), theta)
    return np.sqrt(planar * planar + (hs - hp) ** 2)


def _arc_basis(p: np.ndarray, s: np.ndarray):
    """Orthonormal in-plane basis (e1 towards p, e2 towards s) for one segment."""
    e1 = p / np.linalg.norm(p)
    e2 = s - np.dot(s, e1) * e1
    n2 = np.linalg.norm(e2)
    if n2 < tol.length_mm:  # p, centre and s in line: any perpendicular gives an equally short path
        trial = np.array([1.0, 0.0, 0.0]) if abs(e1[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        e2 = trial - np.dot(trial, e1) * e1
        n2 = np.linalg.norm(e2)
    return e1, e2 / n2


def sphere_wrap_polyline(p, s, centre, radius: float, samples: int = 12) -> np.ndarray:
    """Points of the wrapped path from ``p`` to ``s`` (one segment), shape ``(k, 3)``.

    Returns just ``[p, s]`` when the segment misses the sphere; otherwise ``p``, the arc from
    the first to the second tangent point (``samples`` points), and ``s``.
    """
    pc, sc = np.asarray(p, float) - centre, np.asarray(s, float) - centre
    _, phi, r = _circle_wrap(pc, sc, np.asarray(radius, dtype=float))
    if phi <= 0.0:
        return np.array([p, s], dtype=float)
    e1, e2 = _arc_basis(pc, sc)
    start = np.arccos(r / np.linalg.norm(pc))
    angles = start + np.linspace(0.0, float(phi), samples)
    arc = r * (np.cos(angles)[:, None] * e1 + np.sin(angles)[:, None] * e2)
    return np.vstack([p, arc + centre, s])


def cylinder_wrap_polyline(p, s, centre, axis, radius: float, samples: int = 12, direction: int = 0) -> np.ndarray:
    """Points of the wrapped path around an infinite cylinder (one segment), shape ``(k, 3)``."""
    p = np.asarray(p, float)
    s = np.asarray(s, float)
    pc, sc = p - centre, s - centre
    hp, hs = float(pc @ axis), float(sc @ axis)
    p2, s2 = pc - hp * axis, sc - hs * axis
    theta = _turn_angle(p2, s2, axis, direction)
    planar, phi, r = _circle_wrap(p2, s2, np.asarray(radius, dtype=float), theta)
    if phi <= 0.0:
        return np.array([p, s], dtype=float)
    if direction:
        e1 = p2 / np.linalg.norm(p2)
        e2 = np.sign(direction) * np.cross(axis, e1)
    else:
        e1, e2 = _arc_basis(p2, s2)
    start = np.arccos(r / np.linalg.norm(p2))
    angles = start + np.linspace(0.0, float(phi), samples)
    arc2 = r * (np.cos(angles)[:, None] * e1 + np.sin(angles)[:, None] * e2)
    # Axial height grows in proportion to the distance travelled in the plane (unrolled line).
    tangent_in = np.sqrt(np.linalg.norm(p2) ** 2 - r * r)
    travelled = tangent_in + r * (angles - start)
    heights = hp + (hs - hp) * travelled / float(planar)
    arc = arc2 + heights[:, None] * axis
    return np.vstack([p, arc + centre, s])
