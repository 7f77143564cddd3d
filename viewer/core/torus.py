"""Torus wrap surface: a path through a ring (a tendon through a fibrous loop, a muscle through
a bony or ligamentous ring), vectorised like the other wrap kernels.

The path from ``a`` to ``b`` passes through the hole and rests on the inside of the tube. Near
the contact the tube is the cylinder of the tube's radius whose axis is tangent to the ring's
centre circle at the circle point nearest the line ``a b``; the path is the shortest one round
that cylinder on the side facing the ring's axis (tangent line, helix, tangent line, see
:mod:`viewer.core.wrapping`). A straight segment that clears the tube stays straight, so the
length and its slope are continuous as the ends move into and out of contact. Off the contact
section the ring curves towards the path, so where the helix travels along the ring it dips
into the tube: for lines up to 45 deg from the ring's axis by less than 0.2 mm on a 10 mm tube
and the length agrees with a dense numerical shortest path to 0.01 mm (tests/core/test_torus.py);
a line at 60-70 deg from the axis, travelling far along the ring, can dip by a few
millimetres and come out up to 0.6 mm short.

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
        point, axis, inward, found = _contact_cylinder(p, s, ring, 2.0 if opensim else 1.0, side_l)
        if opensim:
            out = _opensim_cylinder(p, s, point, axis, tube, inward, np.inf, None, with_points)
        else:
            out = cylinder_segment(p, s, point, axis, tube, 0.0, inward)
        length, ga, gb = out[:3]
        length_s, ga_s, gb_s = straight_segment(a, b)
        to_world = lambda v: np.einsum("...ji,...j->...i", frame, v)
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


def torus_depth(points, centre, frame, tube_radius, ring_radius) -> np.ndarray:
    """How far points lie inside the tube (mm; negative outside), ``(..., 3)`` -> ``(...)``."""
    x = np.einsum("...ij,...j->...i", frame, np.asarray(points, float) - centre)
    rho = np.sqrt(x[..., 0] ** 2 + x[..., 1] ** 2)
    return tube_radius - np.sqrt((rho - ring_radius) ** 2 + x[..., 2] ** 2)
