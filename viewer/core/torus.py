"""Torus wrap surface: a path through a ring (a tendon through a fibrous loop, a muscle through
a bony or ligamentous ring), vectorised like the other wrap kernels.

The path from ``a`` to ``b`` passes through the hole (:func:`through_the_hole`). Across the tube's
thickness - from the top face, or the higher end where it lies within the thickness, to the bottom
face or the lower end (the range follows an end smoothly as it passes a face) - lie 15 levels at
the sines of evenly spaced tube angles; at each the path must stay in the disc that the
tube leaves free, ``rho <= ring - sqrt(t^2 - z^2)``, where ``t`` is the tube's radius enlarged by
the sagitta of half the angular spacing so that the chords between the level points clear the
tube. The shortest polyline from ``a`` through one point per level to ``b`` is a convex problem,
exact as far as the levels resolve the tube; it is solved by Newton's method with the points in
contact held on their circles (a step that would not shorten the path is damped), starting from
the straight line drawn in towards the ring's axis, until the reduced gradient is below 1e-10
(at most 40 iterations; none of thousands of random lines needed more than 30). It covers every
obliquity: a line nearly in the ring's plane rests on the inner side of the near part of the tube
and passes over the far part, and where the tube's inner side curves away from a path running
along the ring the path leaves it and crosses the hole. A line whose straight course clears the
tube at every level stays straight. Solved to convergence, the length is continuous with a
continuous slope as the ends move into and out of contact, across the ring's plane and round the
ring, and its derivative with respect to an end is the unit vector from the first or the last
level point to that end. Measured against a dense numerical shortest path (tests/core/test_torus.py;
10 mm tube, rings of 22-40 mm, lines 0-85 deg from the ring's axis, each end beyond the tube's
faces): the drawn course is never more than 0.013 mm inside the tube, the length is 0.001-0.031 mm
long (at most 0.014 mm up to 45 deg), the unit vectors match central differences to 1e-8, and a
batch of 1000 segments takes about 30 ms (one segment alone 3-6 ms). Where an end lies within the
tube's thickness (in the hole) the levels move with it, and the unit vectors then differ from the
derivative by up to 1e-3.

Each end is expected beyond the tube's faces or in the hole: an end beside the tube (outside the
ring and within its thickness) does not thread the ring, and the path is drawn from it straight
into the hole at its own height. With a ``side`` (the contact restricted to one half of the
ring) the tube is instead the cylinder of the tube's radius whose axis is tangent to the ring's
centre circle at the circle point nearest the line ``a b``, the path the shortest one round that
cylinder on the side facing the ring's axis (tangent line, helix, tangent line, see
:mod:`viewer.core.wrapping`); that rule follows the tube only near the contact point.

Imported OpenSim models (``method="opensim"``) use OpenSim's ``WrapTorus`` rule instead: the
circle point comes from a residual whose radial term is twice the derivative of the distance
(in effect the point nearest a circle of twice the ring radius), and the cylinder follows
OpenSim's quadrant rule (:func:`viewer.core.wrap_imported.opensim_cylinder_segment`).

Lengths in millimetres; points ``(..., 3)``; results ``(...)`` and ``(..., 3)``.
"""

from __future__ import annotations

import numpy as np

from viewer.core.wrap_imported import _opensim_cylinder
from viewer.core.wrapping import (
    _unit,
    cylinder_segment,
    cylinder_wrap_polyline,
    straight_segment,
)


def _dot(a, b):
    return np.einsum("...i,...i->...", a, b)


def ring_point_on_line(p, d, ring, radial_factor: float = 1.0, iterations: int = 60):
    """Point of the line ``p + u d`` (unit ``d``; local torus frame, ring about Z in the plane
    Z = 0) where the squared distance to the ring's centre circle is stationary, found by
    Newton's method from ``u = 0``, and that squared distance. ``radial_factor`` scales the
    radial term of the residual (2: OpenSim's rule)."""
    u = np.zeros(p.shape[:-1])
    c3 = p[..., 0] * d[..., 0] + p[..., 1] * d[..., 1]
    c4 = d[..., 0] ** 2 + d[..., 1] ** 2
    c5 = p[..., 0] ** 2 + p[..., 1] ** 2
    pd = _dot(p, d)
    k = 2.0 * radial_factor * ring
    for _ in range(iterations):
        rho2 = np.maximum(u * u * c4 + 2.0 * c3 * u + c5, 1e-300)
        rho = np.sqrt(rho2)
        g = c4 * u + c3
        f = 2.0 * pd + 2.0 * u - k * g / rho
        df = 2.0 - k * (c4 / rho - g * g / (rho2 * rho))
        df = np.where(np.abs(df) > 1e-9, df, 1e-9)
        u = u - np.clip(f / df, -1e3, 1e3)
    x = p + u[..., None] * d
    dist2 = _dot(x, x) + ring * ring - 2.0 * ring * np.sqrt(x[..., 0] ** 2 + x[..., 1] ** 2)
    return x, dist2


def _contact_cylinder(p, s, ring, radial_factor, side_l=None):
    """Centre (on the ring's centre circle), axis (tangent to it) and inward unit vector of the
    cylinder that stands for the tube, and whether a contact section was found."""
    d = _unit(s - p)
    x1, e1 = ring_point_on_line(p, d, ring, radial_factor)
    x2, e2 = ring_point_on_line(s, -d, ring, radial_factor)
    pick2 = e2 <= e1
    found = np.ones(pick2.shape, dtype=bool)
    if side_l is not None:
        ok1, ok2 = _dot(x1, side_l) >= 0.0, _dot(x2, side_l) >= 0.0
        constrained = _dot(side_l, side_l) > 0.5
        pick2 = np.where(constrained, np.where(ok1 & ok2, pick2, ok2 & ~ok1), pick2)
        found = ~constrained | ok1 | ok2
    x = np.where(pick2[..., None], x2, x1)
    rho = np.maximum(np.sqrt(x[..., 0] ** 2 + x[..., 1] ** 2), 1e-300)
    inward = np.stack([-x[..., 0] / rho, -x[..., 1] / rho, np.zeros_like(rho)], axis=-1)
    point = -ring[..., None] * inward
    axis = np.stack([-inward[..., 1], inward[..., 0], np.zeros_like(rho)], axis=-1)
    return point, axis, inward, found


#: Levels across the tube at which the path through the hole is solved, from the top face down:
#: the sines of evenly spaced tube angles.
_LEVELS = np.sin(np.linspace(0.5 * np.pi, -0.5 * np.pi, 17)[1:-1])
#: The tube is enlarged by the sagitta of half the angular spacing of the levels, so that the chords
#: between level points stay clear of it.
_INFLATE = 1.0 / np.cos(0.5 * np.pi / 16.0)
#: Newton iterations at most, and the reduced gradient at which a path counts as solved.
_ITERATIONS, _SOLVED = 40, 1e-10
#: Width over which the range of the levels comes to follow an end that passes a face of the tube
#: (a fraction of the tube's radius).
_FACE_EASE = 0.02
#: Stiffness that holds a point in contact on its circle during a Newton step.
_HOLD = 1e6


def _hole_levels(p, s, ring, tube):
    """Heights of the levels between ``p`` (above) and ``s`` (below) across the tube, and the radius
    of the disc that the tube leaves free at each (local frame, ``(n, m)``)."""
    t = tube * _INFLATE
    # the levels span the tube's thickness, or the part of it between the ends where an end lies
    # within it; the range follows an end smoothly as it passes a face
    w = _FACE_EASE * tube
    top = t - w * np.logaddexp(0.0, (t - p[:, 2]) / w)
    bottom = w * np.logaddexp(0.0, (t + s[:, 2]) / w) - t
    z = 0.5 * (top + bottom)[:, None] + 0.5 * (top - bottom)[:, None] * _LEVELS
    free = ring[:, None] - np.sqrt(np.maximum(t[:, None] ** 2 - z * z, 0.0))
    return z, free, top - bottom > 1e-9 * tube


def _chain_lengths(q, p, s, dz):
    dxy = np.diff(np.concatenate([p[:, None, :2], q, s[:, None, :2]], axis=1), axis=1)
    return np.sqrt(np.einsum("nki,nki->nk", dxy, dxy) + dz * dz)


def _solve_chain(a, b, c, e, f, g, rx, ry):
    """Solve the symmetric block-tridiagonal system with 2x2 diagonal blocks ``[[a, b], [b, c]]``
    and off-diagonal blocks ``[[e, f], [f, g]]`` (between level k and k + 1), all ``(n, m)``."""
    a, b, c, e, f, g, rx, ry = (np.ascontiguousarray(v.T) for v in (a, b, c, e, f, g, rx, ry))
    m = a.shape[0]
    ia, ib, ic, yx, yy = (np.empty_like(a) for _ in range(5))
    sa, sb, sc, px, py = a[0], b[0], c[0], rx[0], ry[0]
    for k in range(m):
        if k:
            ek, fk, gk = e[k - 1], f[k - 1], g[k - 1]
            w11, w12 = ek * ia[k - 1] + fk * ib[k - 1], ek * ib[k - 1] + fk * ic[k - 1]
            w21, w22 = fk * ia[k - 1] + gk * ib[k - 1], fk * ib[k - 1] + gk * ic[k - 1]
            sa, sb, sc = a[k] - w11 * ek - w12 * fk, b[k] - w11 * fk - w12 * gk, c[k] - w21 * fk - w22 * gk
            px, py = rx[k] - w11 * px - w12 * py, ry[k] - w21 * px - w22 * py
        det = 1.0 / (sa * sc - sb * sb)
        ia[k], ib[k], ic[k], yx[k], yy[k] = sc * det, -sb * det, sa * det, px, py
    x, y = np.empty_like(a), np.empty_like(a)
    tx, ty = yx[-1], yy[-1]
    for k in range(m - 1, -1, -1):
        if k < m - 1:
            tx = yx[k] - e[k] * x[k + 1] - f[k] * y[k + 1]
            ty = yy[k] - f[k] * x[k + 1] - g[k] * y[k + 1]
        x[k], y[k] = ia[k] * tx + ib[k] * ty, ib[k] * tx + ic[k] * ty
    return x.T, y.T


def _newton_step(q, act, mu, p, s, dz, free):
    """One damped Newton step on the length of the chain, the points in contact held on their
    circles; returns the new points and contact set, and the largest reduced gradient before it."""
    dxy = np.diff(np.concatenate([p[:, None, :2], q, s[:, None, :2]], axis=1), axis=1)
    seg = np.sqrt(np.einsum("nki,nki->nk", dxy, dxy) + dz * dz)
    u = dxy / seg[..., None]
    grad = u[:, :-1] - u[:, 1:]
    out = q / np.maximum(np.linalg.norm(q, axis=-1), 1e-300)[..., None]
    push = -np.einsum("nki,nki->nk", grad, out)  # how hard the path presses outwards on the tube
    act = act & (push > 0.0)
    grad = np.where(act[..., None], grad + push[..., None] * out, grad)
    inv = 1.0 / seg
    hxx, hyy, hxy = (1.0 - u[..., 0] ** 2) * inv, (1.0 - u[..., 1] ** 2) * inv, -u[..., 0] * u[..., 1] * inv
    bend = np.where(act, push / free, 0.0)
    hold = np.where(act, _HOLD, 0.0)
    damp = mu[:, None] * (inv[:, :-1] + inv[:, 1:])
    dx, dy = _solve_chain(hxx[:, :-1] + hxx[:, 1:] + bend + hold * out[..., 0] ** 2 + damp,
                          hxy[:, :-1] + hxy[:, 1:] + hold * out[..., 0] * out[..., 1],
                          hyy[:, :-1] + hyy[:, 1:] + bend + hold * out[..., 1] ** 2 + damp,
                          -hxx[:, 1:-1], -hxy[:, 1:-1], -hyy[:, 1:-1], -grad[..., 0], -grad[..., 1])
    q_new = q + np.stack([dx, dy], axis=-1)
    rho = np.linalg.norm(q_new, axis=-1)
    act_new = act | (rho > free)
    q_new = np.where(act_new[..., None], q_new * (free / np.maximum(rho, 1e-300))[..., None], q_new)
    return q_new, act_new, np.abs(grad).max(axis=(1, 2))


def through_the_hole(p, s, ring, tube):
    """Shortest path from ``p`` (above the ring's plane or higher than ``s``, local frame) to
    ``s`` through the hole, as its points at the levels across the tube ``(n, m, 3)``, and which
    rows touch the tube (the others are the straight line ``p s``)."""
    z, free, across = _hole_levels(p, s, ring, tube)
    frac = (p[:, 2:3] - z) / np.where(across, p[:, 2] - s[:, 2], 1.0)[:, None]
    q = p[:, None, :2] + frac[..., None] * (s - p)[:, None, :2]
    rho = np.linalg.norm(q, axis=-1)
    touch = across & np.any(rho > free, axis=-1)
    rows = np.nonzero(touch)[0]
    if rows.size:
        # start from the straight line drawn in towards the ring's axis until it clears the tube
        scale = np.minimum(1.0, np.min(0.999 * free[rows] / np.maximum(rho[rows], 1e-300), axis=-1))
        qs, ps, ss, fr = q[rows] * scale[:, None, None], p[rows], s[rows], free[rows]
        dz = np.diff(np.concatenate([ps[:, None, 2], z[rows], ss[:, None, 2]], axis=1), axis=1)
        act = np.zeros(fr.shape, dtype=bool)
        mu = np.full(rows.size, 1e-2)
        length = _chain_lengths(qs, ps, ss, dz).sum(-1)
        live = np.arange(rows.size)
        for _ in range(_ITERATIONS):
            q_new, act_new, gmax = _newton_step(qs[live], act[live], mu[live], ps[live], ss[live], dz[live],
                                                fr[live])
            l_new = _chain_lengths(q_new, ps[live], ss[live], dz[live]).sum(-1)
            better = (l_new <= length[live] + 1e-13) & (gmax > _SOLVED)
            keep = live[better]
            qs[keep], act[keep], length[keep] = q_new[better], act_new[better], l_new[better]
            mu[live] = np.where(better, np.maximum(0.1 * mu[live], 1e-12), 4.0 * mu[live])
            live = live[gmax > _SOLVED]
            if not live.size:
                break
        q[rows] = qs
    return np.concatenate([q, z[..., None]], axis=-1), touch


def torus_segment(a, b, centre, frame, tube_radius, ring_radius, side=None, method=None, with_points: bool = False):
    """Segment ``a -> b`` through a torus.

    ``frame`` rows are the torus axes (the ring's axis last); ``ring_radius`` is the radius of
    the circle through the tube's centres, ``tube_radius`` the tube's (mm). ``side`` (body
    frame, zero or None for none) restricts the contact to one half of the ring, and
    ``method="opensim"`` follows OpenSim's rule (module docstring). Returns (length, unit
    vector from the first tangent point to ``a``, from the second to ``b``) and, with
    ``with_points`` (one segment), the drawn course ``(k, 3)``.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        shape = np.shape(a)
        ring = np.broadcast_to(np.asarray(ring_radius, float), shape[:-1])
        tube = np.broadcast_to(np.asarray(tube_radius, float), shape[:-1])
        p = np.einsum("...ij,...j->...i", frame, a - centre)
        s = np.einsum("...ij,...j->...i", frame, b - centre)
        side_l = None
        if side is not None and np.any(side):
            side_l = np.einsum("...ij,...j->...i", frame, np.broadcast_to(side, shape))
        opensim = method == "opensim"
        to_world = lambda v: np.einsum("...ji,...j->...i", frame, v)
        if not opensim and side_l is None:
            return _hole_segment(a, b, p, s, ring, tube, centre, frame, with_points)
        point, axis, inward, found = _contact_cylinder(p, s, ring, 2.0 if opensim else 1.0, side_l)
        if opensim:
            out = _opensim_cylinder(p, s, point, axis, tube, inward, np.inf, None, with_points)
        else:
            out = cylinder_segment(p, s, point, axis, tube, 0.0, inward)
        length, ga, gb = out[:3]
        length_s, ga_s, gb_s = straight_segment(a, b)
        result = (np.where(found, length, length_s), np.where(found[..., None], to_world(ga), ga_s),
                  np.where(found[..., None], to_world(gb), gb_s))
        if not with_points:
            return result
        if not bool(found):
            return result + (np.array([a, b], dtype=float),)
        if opensim:
            return result + (to_world(out[3]) + centre,)
        pc, sc = p - point, s - point
        p2, s2 = pc - _dot(pc, axis) * axis, sc - _dot(sc, axis) * axis
        short = 1 if _dot(np.cross(p2, s2), axis) >= 0 else -1
        mid = _unit(p2) + _unit(s2)
        sense = short if _dot(mid, inward) >= 0 else -short
        local = cylinder_wrap_polyline(p, s, point, axis, float(tube), 12, sense)
        return result + (to_world(local) + centre,)


def _hole_segment(a, b, p, s, ring, tube, centre, frame, with_points):
    """:func:`torus_segment` without a side: the path through the hole (:func:`through_the_hole`)."""
    shape = p.shape
    flat = lambda v: np.reshape(v, (-1, 3))
    p1, s1 = flat(p), flat(s)
    ring1, tube1 = np.reshape(ring, -1), np.reshape(tube, -1)
    down = np.where(p1[:, 2] >= s1[:, 2], 1.0, -1.0)[:, None]  # mirror so that p lies higher
    mirror = np.concatenate([np.ones((len(down), 2)), down], axis=1)
    q, touch = through_the_hole(p1 * mirror, s1 * mirror, ring1, tube1)
    q = q * mirror[:, None, :]
    first = np.where(touch[:, None], q[:, 0], s1)
    last = np.where(touch[:, None], q[:, -1], p1)
    course = np.concatenate([p1[:, None], q, s1[:, None]], axis=1)
    length = np.where(touch, np.linalg.norm(np.diff(course, axis=1), axis=-1).sum(-1), np.linalg.norm(s1 - p1, axis=-1))
    to_world = lambda v: np.einsum("...ji,...j->...i", frame, v.reshape(shape))
    result = (length.reshape(shape[:-1]), to_world(_unit(p1 - first)), to_world(_unit(s1 - last)))
    if not with_points:
        return result
    if not bool(touch[0]):
        return result + (np.array([a, b], dtype=float),)
    return result + (np.einsum("ji,kj->ki", frame, course[0]) + centre,)


def torus_depth(points, centre, frame, tube_radius, ring_radius) -> np.ndarray:
    """How far points lie inside the tube (mm; negative outside), ``(..., 3)`` -> ``(...)``."""
    x = np.einsum("...ij,...j->...i", frame, np.asarray(points, float) - centre)
    rho = np.sqrt(x[..., 0] ** 2 + x[..., 1] ** 2)
    return tube_radius - np.sqrt((rho - ring_radius) ** 2 + x[..., 2] ** 2)
