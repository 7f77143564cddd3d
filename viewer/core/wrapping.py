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


# ----------------------------------------------------------------------------------------
# Batch kernels with gradients: every wrap kind returns the segment length and the gradients
# of that length with respect to the two end points (the unit vectors from the contact points
# to the ends), so that moment arms follow from one geometry pass (see viewer.core.paths).
# ----------------------------------------------------------------------------------------

_I1, _I2 = np.array([1, 2, 0]), np.array([2, 0, 1])


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis (broadcasting; cheaper than ``numpy.cross`` on small
    batches, and ``take`` cheaper than fancy indexing)."""
    return a.take(_I1, -1) * b.take(_I2, -1) - a.take(_I2, -1) * b.take(_I1, -1)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(_norm(v), 1e-12)[..., None]


def straight_segment(a: np.ndarray, b: np.ndarray):
    """Length of the straight segment ``a -> b`` and its gradients with respect to ``a`` and ``b``."""
    d = b - a
    length = _norm(d)
    u = d / np.maximum(length, 1e-12)[..., None]
    return length, -u, u


def _planar_wrap(p: np.ndarray, s: np.ndarray, n: np.ndarray, theta: np.ndarray, radius: np.ndarray):
    """Tangent-arc-tangent path around a circle of ``radius`` about the origin, in the plane
    normal to unit ``n``, travelling counter-clockwise about ``n`` through angle ``theta``.

    ``p`` and ``s`` lie in that plane. Returns (length, gradient at p, gradient at s, arc
    angle ``phi``; ``phi <= 0`` means the straight segment is the path) - the straight
    values where the path does not touch the circle.
    """
    lp, ls = _norm(p), _norm(s)
    r = np.minimum(radius, 0.999 * np.minimum(lp, ls))
    cp, cs = r / lp, r / ls
    ap, as_ = np.arccos(cp), np.arccos(cs)
    phi = theta - ap - as_
    tp, ts = np.sqrt(lp * lp - r * r), np.sqrt(ls * ls - r * r)
    wrapped = tp + ts + r * phi
    pu, su = p / lp[..., None], s / ls[..., None]
    sin_p, sin_s = np.sqrt(1.0 - cp * cp), np.sqrt(1.0 - cs * cs)
    ga_w = sin_p[..., None] * pu - cp[..., None] * _cross(n, pu)
    gb_w = sin_s[..., None] * su + cs[..., None] * _cross(n, su)
    length_s, ga_s, gb_s = straight_segment(p, s)
    on = phi > 0.0
    return (np.where(on, wrapped, length_s), np.where(on[..., None], ga_w, ga_s),
            np.where(on[..., None], gb_w, gb_s), phi)


def _sense(p: np.ndarray, s: np.ndarray, side: np.ndarray | None):
    """Plane normal and travelled angle for a wrap in the plane through ``p``, ``s`` and the
    centre: the shorter way round, or - where ``side`` (a non-zero vector) is given - the way
    whose arc passes on the side ``side`` points to (the far way if need be)."""
    m = _cross(p, s)
    mn = _norm(m)
    lp, ls = _norm(p), _norm(s)
    # p, centre and s in line: any plane containing them will do.
    trial = np.where((np.abs(p[..., :1]) < 0.9 * lp[..., None]), np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    m = np.where((mn < 1e-9 * lp * ls)[..., None], _cross(p, trial), m)
    m = _unit(m)
    cos_t = np.clip(np.einsum("...i,...i->...", p, s) / (lp * ls), -1.0, 1.0)
    theta = np.arccos(cos_t)
    if side is None:
        return m, theta
    mid = p / lp[..., None] + s / ls[..., None]
    short = np.einsum("...i,...i->...", mid, side) >= 0.0
    n = np.where(short[..., None], m, -m)
    return n, np.where(short, theta, 2.0 * np.pi - theta)


def _contact_side(side, touching, contact):
    """The side vector, dropped where it applies only on contact and the segment is clear."""
    if side is None or not np.any(contact):
        return side
    drop = np.asarray(contact) & ~touching
    return np.where(drop[..., None], 0.0, side)


def sphere_segment(a, b, centre, radius, side=None, contact=False):
    """Shortest path from ``a`` to ``b`` outside a sphere (optionally held to one side).

    Shapes broadcast: points ``(..., 3)``, ``radius`` ``(...)``. ``side`` ``(..., 3)`` is the
    quadrant constraint: a vector pointing to the half of the sphere the path must pass over
    (zero vector: no constraint). Returns (length, d length/d a, d length/d b).
    """
    p, s = a - centre, b - centre
    side = None if side is None or not np.any(side) else side
    if side is not None and np.any(contact):
        _, _, _, phi0 = _planar_wrap(p, s, *_sense(p, s, None), np.asarray(radius, dtype=float))
        side = _contact_side(side, phi0 > 0.0, contact)
    n, theta = _sense(p, s, side)
    if side is not None:
        free = _norm(side) == 0.0
        if np.any(free):
            n0, t0 = _sense(p, s, None)
            n = np.where(free[..., None], n0, n)
            theta = np.where(free, t0, theta)
    length, ga, gb, _ = _planar_wrap(p, s, n, theta, np.asarray(radius, dtype=float))
    return length, ga, gb


def cylinder_segment(a, b, centre, axis, radius, direction=0.0, side=None, contact=False):
    """Shortest path outside an infinite cylinder, unrolled helix; returns (length, dL/da, dL/db).

    ``direction`` (+1/-1/0) fixes the sense of travel about ``axis``; ``side`` (a vector
    perpendicular to the axis, or zero) makes the path pass on that side of the cylinder.
    """
    p, s = a - centre, b - centre
    hp = np.einsum("...i,...i->...", p, axis)
    hs = np.einsum("...i,...i->...", s, axis)
    p2 = p - hp[..., None] * axis
    s2 = s - hs[..., None] * axis
    direction = np.broadcast_to(np.asarray(direction, dtype=float), hp.shape)
    turn = np.einsum("...i,...i->...", _cross(p2, s2), axis)
    cos_t = np.einsum("...i,...i->...", p2, s2)
    ccw = np.mod(np.arctan2(turn, cos_t), 2.0 * np.pi)
    sense = np.where(direction != 0.0, np.sign(direction), np.where(turn >= 0.0, 1.0, -1.0))
    if side is not None and np.any(side) and np.any(contact):
        cos0 = np.einsum("...i,...i->...", _unit(p2), _unit(s2))
        r0 = np.minimum(radius, 0.999 * np.minimum(_norm(p2), _norm(s2)))
        touching = np.arccos(np.clip(cos0, -1.0, 1.0)) > np.arccos(r0 / _norm(p2)) + np.arccos(r0 / _norm(s2))
        side = _contact_side(side, touching, contact)
    if side is not None and np.any(side):
        mid = _unit(p2) + _unit(s2)
        short_sense = np.where(turn >= 0.0, 1.0, -1.0)
        keep = np.einsum("...i,...i->...", mid, side) >= 0.0
        sided = np.where(keep, short_sense, -short_sense)
        sense = np.where((_norm(side) > 0.0) & (direction == 0.0), sided, sense)
    theta = np.where(sense > 0.0, ccw, 2.0 * np.pi - ccw)
    theta = np.where(theta >= 2.0 * np.pi - 1e-12, 0.0, theta)
    n = sense[..., None] * axis
    planar, g2a, g2b, _ = _planar_wrap(p2, s2, n, theta, np.asarray(radius, dtype=float))
    h = hs - hp
    length = np.sqrt(planar * planar + h * h)
    inv = 1.0 / np.maximum(length, 1e-12)
    ga = (planar[..., None] * g2a - h[..., None] * axis) * inv[..., None]
    gb = (planar[..., None] * g2b + h[..., None] * axis) * inv[..., None]
    return length, ga, gb


#: Gauss-Legendre nodes and weights for the arc length along an ellipse.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(12)


def ellipsoid_segment(a, b, centre, frame, semi_axes, side=None, with_points: bool = False, contact=False):
    """Shortest path around an ellipsoid in the plane through ``a``, ``b`` and the centre.

    ``frame`` ``(..., 3, 3)`` holds the ellipsoid's principal axes as rows; ``semi_axes``
    ``(..., 3)`` their half-lengths in mm. Scaling by the semi-axes turns the ellipsoid into
    the unit sphere while keeping planes, lines and tangency, so the tangent points come from
    the sphere construction; the arc between them is integrated along the ellipse by
    Gauss-Legendre quadrature. Returns (length, dL/da, dL/db) (and, with ``with_points``,
    the scaled-space basis needed to draw the arc).
    """
    D = np.asarray(semi_axes, dtype=float)
    p = np.einsum("...ij,...j->...i", frame, a - centre) / D
    s = np.einsum("...ij,...j->...i", frame, b - centre) / D
    side_l = None
    if side is not None and np.any(side):
        side_l = np.einsum("...ij,...j->...i", frame, side) * D  # the sign of a side survives scaling
        if np.any(contact):
            lp0, ls0 = _norm(p), _norm(s)
            r0 = np.minimum(1.0, 0.999 * np.minimum(lp0, ls0))
            cos0 = np.clip(np.einsum("...i,...i->...", p, s) / (lp0 * ls0), -1.0, 1.0)
            touching = np.arccos(cos0) > np.arccos(r0 / lp0) + np.arccos(r0 / ls0)
            side_l = _contact_side(side_l, touching, contact)
    n, theta = _sense(p, s, side_l)
    if side_l is not None:
        free = _norm(side_l) == 0.0
        if np.any(free):
            n0, t0 = _sense(p, s, None)
            n = np.where(free[..., None], n0, n)
            theta = np.where(free, t0, theta)
    lp, ls = _norm(p), _norm(s)
    one = np.ones_like(lp)
    r = np.minimum(one, 0.999 * np.minimum(lp, ls))
    pu, su = p / lp[..., None], s / ls[..., None]
    ap, as_ = np.arccos(r / lp), np.arccos(r / ls)
    phi = theta - ap - as_
    e2 = _cross(n, pu)
    # Tangent points in scaled space: on the circle of radius r at angles ap and theta - as.
    t1 = r[..., None] * (np.cos(ap)[..., None] * pu + np.sin(ap)[..., None] * e2)
    end = ap + np.maximum(phi, 0.0)
    t2 = r[..., None] * (np.cos(end)[..., None] * pu + np.sin(end)[..., None] * e2)
    to_world = lambda v: np.einsum("...ji,...j->...i", frame, v * D)  # noqa: E731
    T1, T2 = to_world(t1), to_world(t2)
    aw, bw = a - centre, b - centre
    # Arc length: integral of |D * dc/dphi| over phi from ap to ap + phi.
    half = 0.5 * np.maximum(phi, 0.0)
    mid = ap + half
    ang = mid[..., None] + half[..., None] * _GL_X  # (..., q)
    tang = (-np.sin(ang)[..., None] * pu[..., None, :] + np.cos(ang)[..., None] * e2[..., None, :]) * D[..., None, :]
    arc = r * half * np.einsum("...q,...q->...", _norm(tang), _GL_W)
    wrapped = _norm(aw - T1) + _norm(bw - T2) + arc
    length_s, ga_s, gb_s = straight_segment(a, b)
    on = phi > 0.0
    ga = np.where(on[..., None], _unit(aw - T1), ga_s)
    gb = np.where(on[..., None], _unit(bw - T2), gb_s)
    length = np.where(on, wrapped, length_s)
    if with_points:
        return length, ga, gb, (pu, e2, r, ap, np.maximum(phi, 0.0), D)
    return length, ga, gb


def ellipsoid_wrap_polyline(p, s, centre, frame, semi_axes, samples: int = 12, side=None,
                            contact: bool = False) -> np.ndarray:
    """Points of the path around an ellipsoid (one segment), shape ``(k, 3)``."""
    p, s = np.asarray(p, float), np.asarray(s, float)
    frame = np.asarray(frame, float)
    _, _, _, (pu, e2, r, ap, phi, D) = ellipsoid_segment(p, s, centre, frame, semi_axes, side, with_points=True,
                                                         contact=contact)
    if phi <= 0.0:
        return np.array([p, s])
    ang = ap + np.linspace(0.0, float(phi), samples)
    local = r * (np.cos(ang)[:, None] * pu + np.sin(ang)[:, None] * e2) * D
    return np.vstack([p, local @ frame + centre, s])


def sided_polyline(p, s, centre, radius: float, side, samples: int = 12, contact: bool = False) -> np.ndarray:
    """Points of the path around a sphere held to one side (one segment), shape ``(k, 3)``."""
    p, s = np.asarray(p, float), np.asarray(s, float)
    pc, sc = p - centre, s - centre
    if side is not None and contact:
        _, _, _, phi0 = _planar_wrap(pc, sc, *_sense(pc, sc, None), np.asarray(radius, dtype=float))
        side = None if phi0 <= 0.0 else side
    n, theta = _sense(pc, sc, None if side is None or not np.any(side) else np.asarray(side, float))
    _, _, _, phi = _planar_wrap(pc, sc, n, theta, np.asarray(radius, dtype=float))
    if phi <= 0.0:
        return np.array([p, s])
    lp = np.linalg.norm(pc)
    r = min(radius, 0.999 * min(lp, np.linalg.norm(sc)))
    e1 = pc / lp
    e2 = _cross(n, e1)
    start = np.arccos(r / lp)
    ang = start + np.linspace(0.0, float(phi), samples)
    return np.vstack([p, r * (np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2) + centre, s])


_TIE = np.array([1e-9, 2e-9, 3e-9])


_SIGNS = np.array([-1.0, 1.0])


def round_segment(a, b, centre, axis, radius, direction, side, contact=False):
    """Straight, sphere and cylinder segments in one batch (the kernel of a pose update).

    Per segment: ``axis`` zero for a sphere (a unit vector for a cylinder), ``radius`` zero for
    a straight segment, ``direction`` the cylinder's fixed sense (0: free), ``side`` the
    quadrant vector (zero: none) and ``contact`` whether the side applies only while the
    straight segment touches the surface. Same results as :func:`sphere_segment`,
    :func:`cylinder_segment` and :func:`straight_segment`; returns (length, dL/da, dL/db).
    The two ends are processed stacked, which halves the number of array operations.
    """
    E = np.stack([a, b]) - centre  # (2, ..., 3)
    h = (E * axis).sum(-1)
    E = E - h[..., None] * axis
    p2, s2 = E[0], E[1]
    nn = _cross(p2, s2)
    cyl = (axis * axis).sum(-1) > 0.5
    sense = np.where(direction != 0.0, np.sign(direction), np.where((nn * axis).sum(-1) >= 0.0, 1.0, -1.0))
    n = np.where(cyl[..., None], sense[..., None] * axis, _unit(nn + _TIE))
    L = np.sqrt((E * E).sum(-1))
    U = E / L[..., None]
    flip = (direction == 0.0) & (((U[0] + U[1]) * side).sum(-1) < 0.0)
    r = np.minimum(radius, 0.999 * L.min(axis=0))
    C = r / L
    if np.any(contact):
        touching = np.arccos(np.clip((U[0] * U[1]).sum(-1), -1.0, 1.0)) > np.arccos(C).sum(axis=0)
        flip = flip & ~(contact & ~touching)
    n = np.where(flip[..., None], -n, n)
    theta = np.mod(np.arctan2((nn * n).sum(-1), (p2 * s2).sum(-1)), 2.0 * np.pi)
    phi = theta - np.arccos(C).sum(axis=0)
    wrapped = np.sqrt(L * L - r * r).sum(axis=0) + r * phi
    signs = _SIGNS.reshape((2,) + (1,) * (C.ndim - 1))
    G = np.sqrt(1.0 - C * C)[..., None] * U + (signs * C)[..., None] * _cross(n, U)
    d = s2 - p2
    straight = np.sqrt((d * d).sum(-1))
    u = d / np.maximum(straight, 1e-12)[..., None]
    on = phi > 0.0
    planar = np.where(on, wrapped, straight)
    ga = np.where(on[..., None], G[0], -u)
    gb = np.where(on[..., None], G[1], u)
    hh = h[1] - h[0]
    length = np.sqrt(planar * planar + hh * hh)
    inv = (1.0 / np.maximum(length, 1e-12))[..., None]
    hv = hh[..., None] * axis
    pl = planar[..., None]
    return length, (pl * ga - hv) * inv, (pl * gb + hv) * inv


_STEPS = np.concatenate([np.eye(3), -np.eye(3)])


def ellipsoid_segment_gradient(a, b, centre, frame, semi_axes, side=None, step_mm: float = 1e-4, contact=False):
    """:func:`ellipsoid_segment` with the gradients taken by central differences of its own
    length (the plane through the centre turns as an end point moves, so the tangent-line
    directions are not the whole gradient). One batched call evaluates all twelve shifts."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    shifts = step_mm * _STEPS.reshape((6,) + (1,) * (a.ndim - 1) + (3,))
    A = np.concatenate([a[None], a + shifts, np.broadcast_to(a, (6,) + a.shape)])
    B = np.concatenate([b[None], np.broadcast_to(b, (6,) + b.shape), b + shifts])
    L = ellipsoid_segment(A, B, centre, frame, semi_axes, side, contact=contact)[0]
    ga = np.moveaxis((L[1:4] - L[4:7]) / (2.0 * step_mm), 0, -1)
    gb = np.moveaxis((L[7:10] - L[10:13]) / (2.0 * step_mm), 0, -1)
    return L[0], ga, gb


_END_SIGNS = np.array([-1.0, 1.0])[None, :, None]


def free_round_segments(E: np.ndarray, centre: np.ndarray, axis: np.ndarray, radius: np.ndarray, cylinders: bool):
    """:func:`round_segment` for segments with no fixed sense and no side (the common case),
    with the two ends stacked on axis 1 and fewer array operations.

    ``E`` ``(n, 2, S, 3)``: start and end points; ``centre``, ``axis`` ``(n, S, 3)`` (axis
    zero for spheres and straight segments); ``radius`` ``(S,)`` (zero: straight);
    ``cylinders`` whether any axis is non-zero. Returns the lengths ``(n, S)`` and the
    gradients with respect to both ends ``(n, 2, S, 3)``.

    In the plane of the wrap every gradient is a combination ``alpha p + beta s`` of the two
    ends (relative to the centre, projected off a cylinder's axis): for a wrapped segment the
    unit tangent from the contact point, for a straight one ``-+(s - p) / |s - p|``; only the
    two coefficients differ, so the branch is taken on them.
    """
    add = np.add.reduce
    P = E - centre[:, None]
    if cylinders:
        h = add(P * axis[:, None], -1)
        P = P - h[..., None] * axis[:, None]
    p2, s2 = P[:, 0], P[:, 1]
    nn = _cross(p2, s2)
    cross_len = np.sqrt(add(nn * nn, -1))
    ps = add(p2 * s2, -1)
    L2 = add(P * P, -1)
    L = np.sqrt(L2)
    La, Lb = L[:, 0], L[:, 1]
    r = np.minimum(radius, 0.999 * np.minimum(La, Lb))
    C = r[:, None] / L
    ac = np.arccos(C)
    tangent = np.sqrt(L2 - (r * r)[:, None])
    phi = np.arctan2(cross_len, ps) - ac[:, 0] - ac[:, 1]
    on = phi > 0.0
    straight = np.sqrt(np.maximum(L2[:, 0] + L2[:, 1] - 2.0 * ps, 0.0))
    planar = np.where(on, tangent[:, 0] + tangent[:, 1] + r * phi, straight)
    denom = L * np.maximum(straight, 1e-12)[:, None]
    on2 = on[:, None]
    # Gradient = c1 * unit(end) + sign * q * (n x end) * |p x s|, n the plane normal.
    c1 = np.where(on2, tangent / L, (L2 - ps[:, None]) / denom)
    q = _END_SIGNS * np.where(on2, C / np.maximum(cross_len, 1e-300)[:, None], 1.0 / denom)
    if cylinders:
        hh = h[:, 1] - h[:, 0]
        length = np.sqrt(planar * planar + hh * hh)
        inv = 1.0 / np.maximum(length, 1e-12)
        k = (planar * inv)[:, None]
        c1 = c1 * k
        q = q * k
    else:
        length = planar
    qa, qb = q[:, 0], q[:, 1]
    alpha = np.empty_like(c1)
    beta = np.empty_like(c1)
    alpha[:, 0] = (c1[:, 0] - qa * ps) / La
    alpha[:, 1] = -qb * Lb
    beta[:, 0] = qa * La
    beta[:, 1] = (c1[:, 1] + qb * ps) / Lb
    G = alpha[..., None] * p2[:, None] + beta[..., None] * s2[:, None]
    if cylinders:
        G += (_END_SIGNS * (hh * inv)[:, None])[..., None] * axis[:, None]
    return length, G
