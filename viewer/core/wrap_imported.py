"""Wrap constructions of imported OpenSim models, vectorised.

The viewer's own wrap surfaces (:mod:`viewer.core.wrapping`) take the shortest path. An
imported model is only reproduced if its paths follow the rules of the program it was made
for, which differ in these places (observed by computing paths with OpenSim 4 and reading its
published wrapping algorithms):

- **Ellipsoid** (``WrapEllipsoid``): a segment wraps only while the straight segment passes
  through the ellipsoid. The path lies in the plane through the two end points and a contact
  point ``c1`` on the surface, chosen by the path wrap's *method*: ``midpoint`` (the surface
  point nearest the middle of the chord inside the ellipsoid), ``axial`` (the chord's
  crossing with the principal plane most nearly perpendicular to it, projected onto that
  plane's ellipse) or ``hybrid`` (a blend of ``axial`` and the mean direction from the chord
  to the surface, weighted by how steeply the chord crosses the principal plane). A quadrant
  mirrors ``c1`` into the allowed half. The arc is the chain of chords from the tangent
  points through rays cast from a point of the plane, one chord per millimetre of the
  straight distance between the tangent points.
- **Cylinder** (``WrapCylinder``) with a quadrant: the path wraps when the segment crosses the
  cylinder, when its ends lie on opposite sides of the quadrant's plane and it passes the
  cylinder on the forbidden side, and always when both ends lie on the forbidden side; the
  sense of travel comes from which tangent points lie in the allowed half. A finite cylinder
  lets go when both tangent points lie beyond its ends.
- **Sphere** (``WrapSphere``) with a quadrant: it wraps only while the straight segment passes
  through it; when an end lies outside the allowed half, the tangent points are chosen to face
  the centre and moved to the allowed side, not the shorter way round.
- **Torus** (``WrapTorus``): see :mod:`viewer.core.torus`.

Moment arms of these paths are taken as OpenSim takes them, from the directions of the
straight pieces at the tangent points (the force a unit tension applies to each body), so
every kernel returns the segment length and the unit vectors from the tangent points to the
two ends, like the kernels of :mod:`viewer.core.wrapping`.

All lengths in millimetres; points ``(..., 3)``; results ``(...)`` and ``(..., 3)``.
"""

from __future__ import annotations

import numpy as np

from viewer.core.wrapping import _cross, _norm, _unit, straight_segment

#: Plane methods of an ellipsoid path wrap, as stored in a path file.
ELLIPSOID_METHODS = ("hybrid", "midpoint", "axial")

#: Blend limits of the hybrid method: at or below MU_LOW the mean-direction ("fan") contact
#: point alone, at or above MU_HIGH the principal-plane one alone (cosines of the angle
#: between the chord and the nearest principal axis).
_MU_LOW, _MU_HIGH = 0.7073, 0.9
#: Chord fraction near either end over which the principal-plane contact point fades out.
_FADE = 0.3
#: Samples of the chord for the mean contact direction.
_FAN = np.arange(1, 299) / 300.0
#: One chord of the drawn arc per this many mm of straight distance between tangent points.
_CHORD_MM = 1.0
_MAX_CHORDS = 499



def _wrapped_or_straight(on, wrapped, a, p, r1, r2, s, b):
    """Length and unit end gradients of a wrapped segment: the path ``a-p-r1 ~ r2-s-b`` of
    length ``wrapped`` where ``on``, the straight segment ``a-b`` elsewhere."""
    length_s, ga_s, gb_s = straight_segment(a, b)
    return (np.where(on, wrapped, length_s), np.where(on[..., None], _unit(p - r1), ga_s),
            np.where(on[..., None], _unit(s - r2), gb_s))

def _dot(a, b):
    return np.einsum("...i,...i->...", a, b)


# -- closest point on an ellipsoid --------------------------------------------------------------
def closest_on_ellipsoid(u: np.ndarray, semi: np.ndarray, fixed: np.ndarray | None = None,
                         iterations: int = 40) -> np.ndarray:
    """Point of the ellipsoid ``sum((x / semi)^2) = 1`` nearest to ``u`` (local frame, mm).

    ``fixed`` (bool ``(..., 3)``, at most one True per point) keeps that coordinate of ``u``
    and solves in the elliptical section through it (the section's nearest point). Solved on
    the secular equation ``sum((a_i u_i / (t + a_i^2))^2) = 1`` by Newton's method from a
    lower bound of its root: the left side is convex and falling there, so the iteration
    approaches the root from below without overshooting.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _closest_on_ellipsoid(u, semi, fixed, iterations)


def _closest_on_ellipsoid(u, semi, fixed, iterations):
    u = np.asarray(u, float)
    a2 = semi * semi
    free = np.ones(u.shape, dtype=bool) if fixed is None else ~fixed
    au = np.where(free, semi * np.abs(u), 0.0)
    t = np.max(np.where(free, au - a2, -np.inf), axis=-1)
    c = au * au
    for _ in range(iterations):
        d = np.maximum(t[..., None] + a2, 1e-300)
        q = c / (d * d)
        g = q.sum(-1) - 1.0
        dg = -2.0 * (q / d).sum(-1)
        t = t - np.where(dg < 0.0, g / np.where(dg < 0.0, dg, -1.0), 0.0)
    x = a2 * u / np.maximum(t[..., None] + a2, 1e-300)
    return np.where(free, x, u)


def _near_zero_axis(v: np.ndarray) -> np.ndarray:
    """Coordinates that are zero to round-off: the nearest point is then sought in that section."""
    z = np.abs(v) <= 1e-9
    first = z & (np.cumsum(z, axis=-1) == 1)
    return first


# -- ellipsoid ----------------------------------------------------------------------------------
def _contact_point(p, s, semi, method, scale):
    """Contact point ``c1`` of the wrap plane (local frame, mm), whether the segment passes
    through the ellipsoid, the chord-axis cosine used by the blend and the weight of the
    mean-direction point (-1: not used). ``scale`` is 3 / (sum of the semi-axes): the
    mean-direction point lies one such unit from the chord's middle."""
    d = p - s
    f1 = d / semi
    f2 = s / semi
    aa = _dot(f1, f1)
    bb = 2.0 * _dot(f1, f2)
    cc = _dot(f2, f2) - 1.0
    disc = bb * bb - 4.0 * aa * cc
    root = np.sqrt(np.maximum(disc, 0.0))
    aa_safe = np.maximum(aa, 1e-300)
    l1 = (-bb + root) / (2.0 * aa_safe)
    l2 = (-bb - root) / (2.0 * aa_safe)
    crosses = (disc >= 0.0) & (l1 > 0.0) & (l1 < 1.0) & (l2 > 0.0) & (l2 < 1.0)
    r1 = s + l1[..., None] * d
    r2 = s + l2[..., None] * d
    r12 = r2 - r1
    mu = np.abs(_unit(d))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -r1 / np.where(r12 == 0.0, np.nan, r12)
    sv = r1[..., None, :] + np.nan_to_num(t)[..., :, None] * r12[..., None, :]  # (..., axis, 3)
    eye = np.eye(3, dtype=bool)
    c_axes = closest_on_ellipsoid(sv, semi[..., None, :], np.broadcast_to(eye, sv.shape))
    best = np.argmax(mu, axis=-1)
    take = lambda arr: np.take_along_axis(arr, best[..., None], axis=-1)[..., 0]
    mu_b = take(mu)
    t_b = take(np.nan_to_num(t, nan=-1.0))
    c_axial = np.take_along_axis(c_axes, best[..., None, None], axis=-2)[..., 0, :]
    fade = np.where((t_b < 0.0) | (t_b > 1.0), 0.0,
                    np.where(t_b < _FADE, t_b / _FADE, np.where(t_b > 1.0 - _FADE, (1.0 - t_b) / _FADE, 1.0)))
    hybrid = method == 0
    mu_b = np.where(hybrid & (mu_b > _MU_LOW) & (fade < 1.0), _MU_LOW + fade * (mu_b - _MU_LOW), mu_b)
    mid = r1 + 0.5 * r12
    c_mid = closest_on_ellipsoid(mid, semi, _near_zero_axis(mid))
    c1 = np.where((method == 1)[..., None], c_mid, c_axial)
    fan_weight = np.full(mu_b.shape, -1.0)
    need_fan = hybrid & (mu_b < _MU_HIGH) & crosses
    if np.any(need_fan):
        svf = r1[..., None, :] + _FAN[:, None] * r12[..., None, :]
        blades = _unit(closest_on_ellipsoid(svf, semi[..., None, :]) - svf).sum(-2)
        guess = mid + _unit(blades) / scale[..., None]
        c_fan = closest_on_ellipsoid(guess, semi, _near_zero_axis(guess))
        w = np.clip((mu_b - _MU_LOW) / (_MU_HIGH - _MU_LOW), 0.0, 1.0)
        blend = w[..., None] * c_axial + (1.0 - w[..., None]) * c_fan
        c_blend = closest_on_ellipsoid(blend, semi, _near_zero_axis(blend))
        fan_c1 = np.where((mu_b <= _MU_LOW)[..., None], c_fan, c_blend)
        c1 = np.where(need_fan[..., None], fan_c1, c1)
        fan_weight = np.where(need_fan, np.where(mu_b <= _MU_LOW, 1.0, 1.0 - w), fan_weight)
    return c1, crosses, mu_b, fan_weight


def _tangent_points(p, c1, n_s, q_s, rho):
    """Tangent point (scaled space, on the circle of centre ``q_s``, radius ``rho`` and normal
    ``n_s``) of the line from ``p`` (scaled), the one nearer ``c1`` (scaled)."""
    v = p - q_s
    v = v - _dot(v, n_s)[..., None] * n_s
    dv = np.maximum(_norm(v), 1e-300)
    e1 = v / dv[..., None]
    e2 = _cross(n_s, e1)
    cos_a = np.clip(rho / dv, -1.0, 1.0)
    sin_a = np.sqrt(1.0 - cos_a * cos_a)
    t_plus = q_s + rho[..., None] * (cos_a[..., None] * e1 + sin_a[..., None] * e2)
    t_minus = q_s + rho[..., None] * (cos_a[..., None] * e1 - sin_a[..., None] * e2)
    closer = _norm(t_plus - c1) <= _norm(t_minus - c1)
    return np.where(closer[..., None], t_plus, t_minus)


def _ray_polyline_length(r1, r2, vs, vs4, semi, far, chord_mm):
    """Length of the chain of chords OpenSim draws from ``r1`` to ``r2`` (local frame, mm):
    rays from the plane point on the principal axis nearest the plane normal, turned in
    equal steps, cut with the ellipsoid. ``far`` turns the long way round."""
    imax = np.argmax(np.abs(vs), axis=-1)
    vs_i = np.take_along_axis(vs, imax[..., None], axis=-1)[..., 0]
    a0 = np.zeros(vs.shape)
    np.put_along_axis(a0, imax[..., None], (-vs4 / np.where(vs_i == 0.0, 1e-300, vs_i))[..., None], axis=-1)
    ar1 = _unit(r1 - a0)
    ar2 = _unit(r2 - a0)
    phi0 = np.arccos(np.clip(_dot(ar1, ar2), -1.0, 1.0))
    n_seg = np.clip(np.floor(chord_mm / _CHORD_MM), 0, _MAX_CHORDS).astype(int)
    short = n_seg < 2
    n_eff = np.maximum(n_seg, 1)
    dphi = np.where(far, -(2.0 * np.pi - phi0), phi0) / n_eff
    vsz = _unit(_cross(ar1, ar2))
    vsy = _cross(vsz, ar1)
    k_max = int(n_eff.max()) if n_eff.size else 1
    k = np.arange(1, k_max)
    phi = k * dphi[..., None]  # (..., k)
    ray = np.cos(phi)[..., None] * ar1[..., None, :] + np.sin(phi)[..., None] * vsy[..., None, :]
    f1 = ray / semi[..., None, :]
    f2 = a0[..., None, :] / semi[..., None, :]
    aa = _dot(f1, f1)
    bb = 2.0 * _dot(f1, f2)
    cc = _dot(f2, f2) - 1.0
    mu3 = (-bb + np.sqrt(np.maximum(bb * bb - 4.0 * aa * cc, 0.0))) / (2.0 * aa)
    pts = a0[..., None, :] + mu3[..., None] * ray
    used = k < n_eff[..., None]  # interior points 1 .. n - 1
    last = np.take_along_axis(pts, np.clip(n_eff - 2, 0, max(k_max - 2, 0))[..., None, None], axis=-2)[..., 0, :] \
        if k_max > 1 else r1
    chain = np.concatenate([r1[..., None, :], pts], axis=-2)
    steps = _norm(np.diff(chain, axis=-2))  # r1 -> pt1, pt1 -> pt2, ...
    inner = np.where(used, steps, 0.0).sum(-1)
    total = inner + _norm(r2 - np.where((n_eff > 1)[..., None], last, r1))
    first = np.where((n_eff > 1)[..., None], pts[..., 0, :], r2) if k_max > 1 else r2
    length = np.where(short, chord_mm, total)
    return length, first, last, (pts, n_eff)


def opensim_ellipsoid_segment(a, b, centre, frame, semi_axes, side=None, method=0, with_points: bool = False):
    """Segment ``a -> b`` over an ellipsoid by OpenSim's rules (see the module docstring).

    ``frame`` rows are the principal axes, ``semi_axes`` their half-lengths (mm); ``side`` a
    body-frame quadrant vector (zero: none); ``method`` 0 hybrid, 1 midpoint, 2 axial.
    Returns (length, unit vector from the first tangent point to ``a``, from the second to
    ``b``) and, with ``with_points`` (one segment), the drawn course ``(k, 3)``.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _opensim_ellipsoid(a, b, centre, frame, semi_axes, side, method, with_points)


def _opensim_ellipsoid(a, b, centre, frame, semi_axes, side, method, with_points):
    semi = np.broadcast_to(np.asarray(semi_axes, float), np.shape(a))
    pw = np.einsum("...ij,...j->...i", frame, a - centre)
    sw = np.einsum("...ij,...j->...i", frame, b - centre)
    method = np.broadcast_to(np.asarray(method), pw.shape[:-1])
    scale = 3.0 / semi.sum(-1)
    pe = _dot(pw / semi, pw / semi) - 1.0
    se = _dot(sw / semi, sw / semi) - 1.0
    outside = (pe >= -1e-4) & (se >= -1e-4)
    cos_ps = _dot(_unit(-pw), _unit(-sw))
    apart = np.abs(cos_ps - 1.0) >= 1e-4
    c1, crosses, mu_b, fan_w = _contact_point(pw, sw, semi, method, scale)
    on = outside & apart & crosses
    # Quadrant: mirror c1 into the allowed half, pulled towards the dividing plane.
    far = np.zeros(on.shape, dtype=bool)
    if side is not None and np.any(side):
        side_l = np.einsum("...ij,...j->...i", frame, np.broadcast_to(side, np.shape(a)))
        axis = np.argmax(np.abs(side_l), axis=-1)
        sign = np.sign(np.take_along_axis(side_l, axis[..., None], axis=-1)[..., 0])
        c_ax = np.take_along_axis(c1, axis[..., None], axis=-1)[..., 0]
        wrong = (sign != 0.0) & (np.where(c_ax >= 0.0, 1.0, -1.0) != sign)
        w = np.where(fan_w >= 0.0, fan_w, 1.0 - (mu_b - _MU_LOW) / (_MU_HIGH - _MU_LOW))
        w = np.minimum(w, 1.0)
        moved = -c_ax * np.where(w > 0.0, 1.0 - w, 1.0)
        flipped = c1.copy()
        np.put_along_axis(flipped, axis[..., None], moved[..., None], axis=-1)
        again = closest_on_ellipsoid(flipped, semi, _near_zero_axis(flipped))
        flipped = np.where((w > 0.0)[..., None], again, flipped)
        c1 = np.where(wrong[..., None], flipped, c1)
        far = wrong
    # The wrap plane through a, b and c1; its section of the ellipsoid is a circle of the
    # unit sphere in coordinates scaled by the semi-axes (tangency and planes survive scaling).
    vs = _unit(_cross(pw - sw, pw - c1))
    vs4 = -_dot(vs, c1)
    n_s = _unit(vs * semi)
    p_s, s_s, c_s = pw / semi, sw / semi, c1 / semi
    dist = _dot(n_s, c_s)
    q_s = dist[..., None] * n_s
    rho = np.sqrt(np.maximum(1.0 - dist * dist, 0.0))
    r1 = _tangent_points(p_s, c_s, n_s, q_s, rho) * semi
    r2 = _tangent_points(s_s, c_s, n_s, q_s, rho) * semi
    chord = np.where(on, _norm(r2 - r1), 0.0)
    arc, first, last, chain = _ray_polyline_length(r1, r2, vs, vs4, semi, far, chord)
    if side is not None and np.any(side):
        wrong_way = ((_dot(_unit(pw - r1), _unit(first - r1)) > 0.0) | (_dot(_unit(sw - r2), _unit(last - r2)) > 0.0))
        redo = ~far & wrong_way & (np.floor(chord / _CHORD_MM) >= 2) & (sign != 0.0)
        if np.any(redo & on):
            arc2, _, _, chain2 = _ray_polyline_length(r1, r2, vs, vs4, semi, np.ones_like(far), chord)
            arc = np.where(redo, arc2, arc)
            if with_points and bool(redo):
                chain = chain2
    wrapped = _norm(pw - r1) + _norm(sw - r2) + arc
    length_s, ga_s, gb_s = straight_segment(a, b)
    to_world = lambda v: np.einsum("...ji,...j->...i", frame, v)
    ga = to_world(_unit(pw - r1))
    gb = to_world(_unit(sw - r2))
    result = (np.where(on, wrapped, length_s), np.where(on[..., None], ga, ga_s), np.where(on[..., None], gb, gb_s))
    if not with_points:
        return result
    if not bool(on):
        return result + (np.array([a, b], dtype=float),)
    pts, n_eff = chain
    inner = pts[: max(int(n_eff) - 1, 0)] if int(np.floor(chord / _CHORD_MM)) >= 2 else np.zeros((0, 3))
    local = np.vstack([r1, inner, r2])
    return result + (np.vstack([a, to_world(local) + centre, b]),)


# -- cylinder -----------------------------------------------------------------------------------
def opensim_cylinder_segment(a, b, centre, axis, radius, side=None, half_length=np.inf, exact=None,
                             with_points: bool = False):
    """Segment ``a -> b`` over a cylinder by OpenSim's rules (see the module docstring).

    ``axis`` unit ``(..., 3)``; ``side`` a unit vector perpendicular to it pointing to the
    allowed half (zero: no quadrant); ``half_length`` half the cylinder's length (mm).
    Returns (length, unit vector from the first tangent point to ``a``, from the second to
    ``b``) and, with ``with_points`` (one segment), the drawn course ``(k, 3)``.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _opensim_cylinder(a, b, centre, axis, radius, side, half_length, exact, with_points)


def _opensim_cylinder(a, b, centre, axis, radius, side, half_length, exact, with_points):
    shape = np.shape(a)
    axis = np.broadcast_to(axis, shape)
    side = np.zeros(shape) if side is None else np.broadcast_to(side, shape)
    radius = np.broadcast_to(np.asarray(radius, float), shape[:-1])
    p, s = a - centre, b - centre
    hp, hs = _dot(p, axis), _dot(s, axis)
    p2 = p - hp[..., None] * axis
    s2 = s - hs[..., None] * axis
    dp, ds = _norm(p2), _norm(s2)
    outside = (dp >= radius) & (ds >= radius)
    d2 = s2 - p2
    t12 = -_dot(p2, d2) / np.maximum(_dot(d2, d2), 1e-300)
    near = p + t12[..., None] * (s - p)
    crosses = (_norm(p2 + t12[..., None] * d2) < radius) & (t12 > 0.0) & (t12 < 1.0)
    constrained = _dot(side, side) > 0.5
    on_p, on_s, on_near = _dot(p, side) >= 0.0, _dot(s, side) >= 0.0, _dot(near, side) >= 0.0
    either = on_p | on_s
    wraps = np.where(constrained,
                     np.where(either, crosses | ((on_p != on_s) & ~on_near), True),
                     crosses) & outside
    # Tangent points: "a" leaves p turning counter-clockwise about the axis, "b" clockwise.
    with np.errstate(invalid="ignore", divide="ignore"):
        up, us = p2 / dp[..., None], s2 / ds[..., None]
        cp, cs = radius / dp, radius / ds
        sp, ss = np.sqrt(np.maximum(1.0 - cp * cp, 0.0)), np.sqrt(np.maximum(1.0 - cs * cs, 0.0))
    tp_a = radius[..., None] * (cp[..., None] * up + sp[..., None] * _cross(axis, up))
    tp_b = radius[..., None] * (cp[..., None] * up - sp[..., None] * _cross(axis, up))
    ts_a = radius[..., None] * (cs[..., None] * us + ss[..., None] * _cross(axis, us))
    ts_b = radius[..., None] * (cs[..., None] * us - ss[..., None] * _cross(axis, us))
    A, B = _dot(tp_a, side) >= 0.0, _dot(tp_b, side) >= 0.0
    C, D = _dot(ts_a, side) >= 0.0, _dot(ts_b, side) >= 0.0
    alpha = np.arccos(np.clip(_dot(_unit(tp_a), _unit(ts_b)), -1.0, 1.0))
    beta = np.arccos(np.clip(_dot(_unit(tp_b), _unit(ts_a)), -1.0, 1.0))
    none_on = ~A & ~B & ~C & ~D
    ccw_c = np.where(A & B, ~C, np.where(A, True, np.where(B, False, np.where(C, False, np.where(D, True, alpha > beta)))))
    turn = _dot(_cross(p2, s2), axis)
    ccw = np.where(constrained, ccw_c, turn >= 0.0)
    far = constrained & (none_on | np.where(ccw, alpha > beta, alpha <= beta))
    t1 = np.where(ccw[..., None], tp_a, tp_b)
    t2 = np.where(ccw[..., None], ts_b, ts_a)
    long_wrap = constrained & (_dot(t1 + t2, (t1 - p2) + (t2 - s2)) < 0.0)
    # Tangent points slid along the cylinder into the plane through both ends and the apex
    # line (the generator of the cylinder facing the middle of the segment).
    frac = dp / np.maximum(dp + ds, 1e-300)
    mpt = p + frac[..., None] * (s - p)
    axispt = _dot(mpt, axis)[..., None] * axis
    normal = _unit(_cross(_unit(p - axispt), _unit(s - axispt)))
    vert = _unit(_cross(axis, normal))
    apex1, apex2 = axispt + radius[..., None] * vert, axispt - radius[..., None] * vert
    first = _norm(mpt - apex1) < _norm(mpt - apex2)
    apex = np.where((first != far)[..., None], apex1, apex2)
    plane = _unit(_cross(_unit(p - apex), _unit(s - apex)))
    r1 = t1 + hp[..., None] * axis
    r2 = t2 + hs[..., None] * axis
    with np.errstate(invalid="ignore", divide="ignore"):
        lift1 = _dot(p - r1, plane) / _dot(axis, plane)
        lift2 = _dot(p - r2, plane) / _dot(axis, plane)
    z1 = np.where(np.isfinite(lift1) & (np.abs(lift1) < 1e4), hp + np.nan_to_num(lift1), hp)
    z2 = np.where(np.isfinite(lift2) & (np.abs(lift2) < 1e4), hs + np.nan_to_num(lift2), hs)
    z1 = np.where(np.abs(z1 - hs) < np.abs(hp - hs), z1, hp)
    z2 = np.where(np.abs(z2 - hp) < np.abs(hs - hp), z2, hs)
    if exact is not None and np.any(exact):
        # Several wraps on one path: the tangent points are iterated to tangency, i.e. the
        # unrolled geodesic.
        phi_g = np.arccos(np.clip(_dot(_unit(t1), _unit(t2)), -1.0, 1.0))
        phi_g = np.where(long_wrap, 2.0 * np.pi - phi_g, phi_g)
        tan_p = np.sqrt(np.maximum(dp * dp - radius * radius, 0.0))
        tan_s = np.sqrt(np.maximum(ds * ds - radius * radius, 0.0))
        planar = np.maximum(tan_p + tan_s + radius * phi_g, 1e-300)
        z1 = np.where(exact, hp + (hs - hp) * tan_p / planar, z1)
        z2 = np.where(exact, hs - (hs - hp) * tan_s / planar, z2)
    within = (np.abs(z1) <= half_length) | (np.abs(z2) <= half_length)
    on = wraps & within
    r1 = t1 + z1[..., None] * axis
    r2 = t2 + z2[..., None] * axis
    theta = np.arccos(np.clip(_dot(_unit(t1), _unit(t2)), -1.0, 1.0))
    theta = np.where(long_wrap, 2.0 * np.pi - theta, theta)
    spiral = np.sqrt((radius * theta) ** 2 + (z2 - z1) ** 2)
    wrapped = _norm(p - r1) + spiral + _norm(s - r2)
    result = _wrapped_or_straight(on, wrapped, a, p, r1, r2, s, b)
    if not with_points:
        return result
    if not bool(on):
        return result + (np.array([a, b], dtype=float),)
    # The spiral from r1 to r2: the short way round, or the long way for a long wrap.
    turn_axis = _unit(_cross(t1, t2)) if _norm(_cross(t1, t2)) > 1e-12 else axis
    sense = -1.0 if bool(long_wrap) else 1.0
    f = np.linspace(0.0, 1.0, 13)[:, None]
    ang = sense * f * theta
    u1 = t1 / radius
    spiral = radius * (np.cos(ang) * u1 + np.sin(ang) * _cross(turn_axis, u1)) + (z1 + f * (z2 - z1)) * axis
    return result + (np.vstack([a, spiral + centre, b]),)


# -- sphere with a quadrant ---------------------------------------------------------------------
def opensim_sphere_segment(a, b, centre, radius, side, with_points: bool = False):
    """Segment ``a -> b`` over a sphere with a quadrant by OpenSim's rule: the path wraps only
    while the straight segment passes through the sphere, in the plane through both ends and
    the centre; when an end lies outside the allowed half (``side``, a unit vector; zero: no
    quadrant) the tangent points are those facing the centre from the ends, moved to the other
    side of the plane if their sum points away from the allowed half, and the arc goes the
    long way round when the tangent points then face away from the ends.
    Returns (length, unit vector from the first tangent point to ``a``, from the second to
    ``b``) and, with ``with_points`` (one segment), the drawn course ``(k, 3)``.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        shape = np.shape(a)
        R = np.broadcast_to(np.asarray(radius, float), shape[:-1])
        side = np.broadcast_to(side, shape)
        p, s = a - centre, b - centre
        d = p - s
        aa = _dot(d, d)
        bb = 2.0 * _dot(s, d)
        cc = _dot(s, s) - R * R
        disc = bb * bb - 4.0 * aa * cc
        root = np.sqrt(np.maximum(disc, 0.0))
        l1, l2 = (-bb + root) / (2.0 * aa), (-bb - root) / (2.0 * aa)
        outside = (_norm(p) >= R) & (_norm(s) >= R)
        on = outside & (disc >= 0.0) & (l1 > 0.0) & (l1 < 1.0) & (l2 > 0.0) & (l2 < 1.0) & (l1 >= l2)
        n = _unit(_cross(_unit(d), _unit(s)))

        def candidates(x):
            lx = _norm(x)
            y = -x / lx[..., None]
            z = _cross(n, y)
            ang = np.arcsin(np.clip(R / lx, -1.0, 1.0))
            t = (lx * np.cos(ang))[..., None]
            return (x + t * (np.cos(ang)[..., None] * y + np.sin(ang)[..., None] * z),
                    x + t * (np.cos(ang)[..., None] * y - np.sin(ang)[..., None] * z))

        (p_a, p_b), (s_a, s_b) = candidates(p), candidates(s)
        up_a, up_b, us_a, us_b = _unit(p_a), _unit(p_b), _unit(s_a), _unit(s_b)
        dots = np.stack([_dot(up_a, us_a), _dot(up_a, us_b), _dot(up_b, us_a), _dot(up_b, us_b)], axis=-1)
        best = np.argmax(dots, axis=-1)
        first_a = best < 2
        second_a = (best == 0) | (best == 2)
        # The quadrant, when an end lies outside the allowed half.
        constrained = _dot(side, side) > 0.5
        away = constrained & ~((_dot(p, side) >= 0.0) & (_dot(s, side) >= 0.0))
        towards = _unit(-p - s)
        q1 = _dot(up_a, towards) > _dot(up_b, towards)
        q2 = _dot(us_a, towards) > _dot(us_b, towards)
        t1 = np.where(q1[..., None], p_a, p_b)
        t2 = np.where(q2[..., None], s_a, s_b)
        flip = _dot(_unit((t1 - p) + (t2 - s)), side) < 0.0
        q1, q2 = q1 != flip, q2 != flip
        first_a = np.where(away, q1, first_a)
        second_a = np.where(away, q2, second_a)
        r1 = np.where(first_a[..., None], p_a, p_b)
        r2 = np.where(second_a[..., None], s_a, s_b)
        far = away & (_dot(r1 + r2, (r1 - p) + (r2 - s)) < 0.0)
        theta = np.arccos(np.clip(_dot(_unit(r1), _unit(r2)), -1.0, 1.0))
        theta = np.where(far, -(2.0 * np.pi - theta), theta)
        wrapped = _norm(p - r1) + R * theta + _norm(s - r2)
        result = _wrapped_or_straight(on, wrapped, a, p, r1, r2, s, b)
        if not with_points:
            return result
        if not bool(on):
            return result + (np.array([a, b], dtype=float),)
        u1 = _unit(r1)
        turn = _unit(_cross(r1, r2))
        ang = np.linspace(0.0, float(theta), 13)[:, None]
        arc = float(R) * (np.cos(ang) * u1 + np.sin(ang) * _cross(turn, u1))
        return result + (np.vstack([a, arc + centre, b]),)
