"""The torus wrap surface: a path through a ring. Agreement with an independent dense numerical
shortest path, how far the path may dip into the tube, continuity through contact, analytic
moment arms against finite differences, and the drawn course."""

from itertools import pairwise

import numpy as np
import pytest

from viewer.core.anatomy import MuscleLine, PathPoint, SweepShape, WrapSurface
from viewer.core.moment_arms import moment_arms, moment_arms_fd
from viewer.core.paths import PathSet
from viewer.core.torus import torus_depth, torus_segment

RING, TUBE = 30.0, 10.0


def _rotation(rng) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


def taut_strings(p, s, n=120, iters=20000, ring=RING):
    """Independent shortest paths (local torus frame): chains of points relaxed towards
    straightness and pushed back out of the tube wherever they enter it, all cases at once."""
    x = p[:, None] + (s - p)[:, None] * np.linspace(0.0, 1.0, n)[None, :, None]
    for _ in range(iters):
        x[:, 1:-1] = 0.5 * (x[:, :-2] + x[:, 2:])
        inner = x[:, 1:-1]
        rho = np.hypot(inner[..., 0], inner[..., 1])
        c = np.stack([inner[..., 0] * ring / rho, inner[..., 1] * ring / rho, np.zeros_like(rho)], -1)
        d = inner - c
        dn = np.linalg.norm(d, axis=-1)
        inside = dn < TUBE
        inner[inside] = c[inside] + d[inside] / dn[inside, None] * TUBE
    return np.linalg.norm(np.diff(x, axis=1), axis=-1).sum(-1)


def _through_the_ring(rng, k, tilt_deg=30.0):
    """End points above and below the ring whose straight line crosses the ring's plane near
    the inner rim of the tube, at up to ``tilt_deg`` from the ring's axis (local frame)."""
    ang = rng.uniform(0.0, 2.0 * np.pi, k)
    rho0 = rng.uniform(21.0, 29.0, k)
    c0 = np.stack([rho0 * np.cos(ang), rho0 * np.sin(ang), np.zeros(k)], 1)
    tilt = np.radians(tilt_deg) * np.sqrt(rng.uniform(0.0, 1.0, k))
    turn = rng.uniform(0.0, 2.0 * np.pi, k)
    d = np.column_stack([np.sin(tilt) * np.cos(turn), np.sin(tilt) * np.sin(turn), np.cos(tilt)])
    return c0 + d * rng.uniform(35.0, 80.0, (k, 1)), c0 - d * rng.uniform(35.0, 80.0, (k, 1))


def test_torus_path_agrees_with_a_dense_numerical_shortest_path():
    rng = np.random.default_rng(21)
    p, s = _through_the_ring(rng, 10, tilt_deg=45.0)
    frame, centre = _rotation(rng), rng.normal(size=3) * 5
    a, b = p @ frame + centre, s @ frame + centre  # world = frame^T local + centre
    length = torus_segment(a, b, centre, frame, TUBE, RING)[0]
    reference = taut_strings(p, s)
    straight = np.linalg.norm(s - p, axis=1)
    assert np.sum(length > straight + 0.2) >= 6  # the cases really wrap
    np.testing.assert_allclose(length, reference, atol=0.03)


def test_torus_path_stays_out_of_the_tube():
    """The contact is computed on the cylinder tangent to the ring; where the helix travels
    along the ring the tube curves towards it. For lines up to 45 deg from the ring's axis the
    drawn course dips into the tube by less than 2 % of its radius (typically microns)."""
    rng = np.random.default_rng(4)
    p, s = _through_the_ring(rng, 150, tilt_deg=45.0)
    deepest = []
    for pi, si in zip(p, s):
        course = torus_segment(pi, si, np.zeros(3), np.eye(3), TUBE, RING, with_points=True)[3]
        dense = np.concatenate([u + (v - u) * np.linspace(0, 1, 40)[:, None] for u, v in pairwise(course)])
        deepest.append(torus_depth(dense, np.zeros(3), np.eye(3), TUBE, RING).max())
    deepest = np.array(deepest)
    assert deepest.max() < 0.02 * TUBE
    assert np.median(deepest) < 0.005


def test_length_and_slope_are_continuous_through_contact():
    # One end slides so that the line through the ring moves from the middle of the hole onto
    # the tube.
    xs = np.linspace(0.0, 36.0, 2001)
    p = np.stack([xs, np.full_like(xs, 2.0), np.full_like(xs, 60.0)], 1)
    s = np.broadcast_to(np.array([20.0, -3.0, -55.0]), p.shape)
    L = torus_segment(p, s, np.zeros(3), np.eye(3), TUBE, RING)[0]
    step = np.diff(L)
    assert np.max(np.abs(step)) < 0.05
    slope = step / np.diff(xs)
    assert np.max(np.abs(np.diff(slope))) < 0.01
    assert np.max(L - np.linalg.norm(s - p, axis=1)) > 0.8  # it really wraps at the end


def _line(line_id, points, wraps):
    return MuscleLine(line_id, line_id, "muscle", tuple(points), tuple(wraps), SweepShape(8.0, 8.0, 8.0), 1.0)


def test_torus_in_a_path_set_gives_analytic_moment_arms_and_drawn_lengths():
    # A ring on the femur below the hip that a line from the pelvis passes through.
    frame = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # the ring's axis along -Y
    ring = WrapSurface("loop", "torus", "femur", np.array([5.0, -120.0, 10.0]), TUBE, frame=frame,
                       ring_radius_mm=RING)
    lines = [_line(f"m{k}", [PathPoint("o", "pelvis", np.array([x, 40.0, z])),
                             PathPoint("i", "femur", np.array([x + 4.0, -260.0, z - 3.0]))], [ring])
             for k, (x, z) in enumerate([(25.0, 12.0), (-22.0, 8.0), (8.0, 33.0), (3.0, -12.0)])]
    paths = PathSet(lines)
    rng = np.random.default_rng(2)
    poses = np.stack([rng.uniform(-10, 40, 30), rng.uniform(-10, 10, 30), rng.uniform(-20, 20, 30)], 1)
    exact = moment_arms(paths, poses)
    fd = moment_arms_fd(paths, poses, 0.01)
    np.testing.assert_allclose(exact, fd, atol=0.05)
    lengths = paths.lengths(poses)
    chords = np.array([[np.linalg.norm(np.diff(c, axis=0), axis=1).sum() for c in paths.polylines(p)] for p in poses])
    np.testing.assert_allclose(chords, lengths, atol=0.02)
    straight = np.array([[np.linalg.norm(c[-1] - c[0]) for c in paths.polylines(p)] for p in poses])
    assert np.sum(lengths > straight + 0.1) >= 40  # the ring is in contact at many poses


@pytest.mark.parametrize("method", [None, "opensim"])
def test_a_line_clear_of_the_tube_is_straight(method):
    p, s = np.array([2.0, 1.0, 50.0]), np.array([-3.0, 2.0, -50.0])  # down the middle of the hole
    length, _, gb = torus_segment(p, s, np.zeros(3), np.eye(3), TUBE, RING, method=method)
    assert length == pytest.approx(np.linalg.norm(s - p))
    np.testing.assert_allclose(gb, (s - p) / np.linalg.norm(s - p))


def _steps_and_kinks(L, x):
    """Largest jump of the length between neighbouring samples and largest change of its slope."""
    slope = np.diff(L) / np.diff(x)
    return np.max(np.abs(np.diff(L))), np.max(np.abs(np.diff(slope)))


@pytest.mark.parametrize("p, s_xy", [((40.0, 5.0, 25.0), (15.0, -4.0)), ((45.0, 0.0, 12.0), (17.0, 0.0))])
def test_length_and_slope_are_continuous_as_an_end_crosses_the_ring_plane(p, s_xy):
    # The lower end rises into the hole through the tube's bottom face and on through the ring's plane.
    zs = np.linspace(-16.0, 8.0, 4001)
    s = np.stack([np.full_like(zs, s_xy[0]), np.full_like(zs, s_xy[1]), zs], 1)
    L = torus_segment(np.broadcast_to(p, s.shape), s, np.zeros(3), np.eye(3), TUBE, RING)[0]
    step, kink = _steps_and_kinks(L, zs)
    assert step < 0.01 and kink < 0.01
    assert np.max(L - np.linalg.norm(s - np.asarray(p), axis=1)) > 0.2  # it wraps over part of the sweep


@pytest.mark.parametrize("p, s", [((25.0, 0.0, 40.0), (24.0, 0.0, -40.0)), ((10.0, 0.0, 30.0), (30.0, 0.0, -8.0))])
def test_length_and_slope_are_continuous_as_the_contact_moves_round_the_ring(p, s):
    # The lower end turns about the ring's axis, so that the contact slides round the ring.
    ang = np.linspace(-1.0, 1.0, 2001)
    b = np.stack([s[0] * np.cos(ang), s[0] * np.sin(ang), np.full_like(ang, s[2])], 1)
    L = torus_segment(np.broadcast_to(p, b.shape), b, np.zeros(3), np.eye(3), TUBE, RING)[0]
    step, kink = _steps_and_kinks(L, ang)
    assert step < 0.01 and kink < 0.01
    assert np.min(L - np.linalg.norm(b - np.asarray(p), axis=1)) > 0.04  # in contact all along


def _oblique_lines(rng, k, lo_deg, hi_deg, ring=RING):
    """End points whose straight line crosses the ring's plane inside the tube's footprint near
    the inner rim, at ``lo_deg..hi_deg`` from the ring's axis, each end at least 5 mm beyond the
    tube's faces, the upper end ``a`` or ``b`` at random (local frame)."""
    ang = rng.uniform(0.0, 2.0 * np.pi, k)
    rho0 = rng.uniform(ring - TUBE + 1.0, ring - 1.0, k)
    c0 = np.stack([rho0 * np.cos(ang), rho0 * np.sin(ang), np.zeros(k)], 1)
    tilt = np.radians(rng.uniform(lo_deg, hi_deg, k))
    turn = rng.uniform(0.0, 2.0 * np.pi, k)
    d = np.column_stack([np.sin(tilt) * np.cos(turn), np.sin(tilt) * np.sin(turn), np.cos(tilt)])
    reach = np.maximum(rng.uniform(35.0, 80.0, (2, k)), (TUBE + 5.0) / np.cos(tilt))[..., None]
    p, s = c0 + d * reach[0], c0 - d * reach[1]
    flip = (rng.uniform(size=k) < 0.5)[:, None]
    return np.where(flip, s, p), np.where(flip, p, s)


def test_the_path_stays_out_of_the_tube_at_every_obliquity():
    """Hundreds of lines through rings of 22-40 mm at 0-85 deg from the ring's axis (at high
    obliquity the line also crosses the far side of the ring): the drawn course, sampled densely,
    is never more than 0.05 mm inside the tube."""
    rng = np.random.default_rng(12)
    deepest, wraps = [], 0
    for lo, hi in [(0.0, 45.0), (45.0, 60.0), (60.0, 70.0), (70.0, 80.0), (80.0, 85.0)]:
        for _ in range(60):
            ring = rng.uniform(22.0, 40.0)
            (p,), (s,) = _oblique_lines(rng, 1, lo, hi, ring)
            length, _, _, course = torus_segment(p, s, np.zeros(3), np.eye(3), TUBE, ring, with_points=True)
            wraps += length > np.linalg.norm(s - p) + 0.05
            dense = np.concatenate([u + (v - u) * np.linspace(0, 1, 40)[:, None] for u, v in pairwise(course)])
            deepest.append(torus_depth(dense, np.zeros(3), np.eye(3), TUBE, ring).max())
            assert np.linalg.norm(np.diff(course, axis=0), axis=1).sum() == pytest.approx(length, abs=1e-9)
    assert wraps >= 250
    assert max(deepest) < 0.05


@pytest.mark.parametrize("lo, hi", [(60.0, 72.0), (72.0, 85.0)])
def test_oblique_lines_agree_with_a_dense_numerical_shortest_path(lo, hi):
    rng = np.random.default_rng(int(lo))
    p, s = _oblique_lines(rng, 10, lo, hi)
    frame, centre = _rotation(rng), rng.normal(size=3) * 5
    a, b = p @ frame + centre, s @ frame + centre
    length = torus_segment(a, b, centre, frame, TUBE, RING)[0]
    reference = taut_strings(p, s, n=200, iters=50000)
    assert np.all(length > np.linalg.norm(s - p, axis=1) + 0.3)  # they all wrap
    np.testing.assert_allclose(length, reference, atol=0.05)


def test_unit_vectors_are_the_derivatives_of_the_length():
    """dL/da = ga and dL/db = gb (unit vectors from the tangent points to the ends) against
    central differences, for lines at every obliquity up to 85 deg."""
    rng = np.random.default_rng(8)
    p, s = _oblique_lines(rng, 300, 0.0, 85.0)
    frame, centre = _rotation(rng), rng.normal(size=3) * 5
    a, b = p @ frame + centre, s @ frame + centre
    _, ga, gb = torus_segment(a, b, centre, frame, TUBE, RING)
    np.testing.assert_allclose(np.linalg.norm(ga, axis=1), 1.0, atol=1e-9)
    h = 1e-5
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        length = lambda a_, b_: torus_segment(a_, b_, centre, frame, TUBE, RING)[0]
        fa, fb = length(a + e, b) - length(a - e, b), length(a, b + e) - length(a, b - e)
        np.testing.assert_allclose(fa / (2 * h), ga[:, k], atol=1e-6)
        np.testing.assert_allclose(fb / (2 * h), gb[:, k], atol=1e-6)


@pytest.mark.parametrize("tilt_deg, clear_at_first", [(65.0, True), (75.0, False), (85.0, False)])
def test_length_and_slope_are_continuous_for_oblique_lines(tilt_deg, clear_at_first):
    """An oblique line slides sideways across the hole towards the rim: at 65 deg from the ring's
    axis from clear of the tube into contact; at 75 and 85 deg, long enough to reach the far side
    of the ring too, from touching both sides to pressing on the near one."""
    t = np.radians(tilt_deg)
    d = np.array([np.sin(t), 0.0, np.cos(t)])
    reach = (TUBE + 5.0) / np.cos(t)
    offsets = np.linspace(0.0, 22.0, 2201)  # the crossing point moves from near the axis towards the rim
    c0 = np.stack([np.full_like(offsets, 4.0), offsets, np.zeros_like(offsets)], 1)
    p, s = c0 + d * reach, c0 - d * 1.3 * reach
    L, ga, gb = torus_segment(p, s, np.zeros(3), np.eye(3), TUBE, RING)
    step, kink = _steps_and_kinks(L, offsets)
    assert step < 0.02 and kink < 0.02
    wrap = L - np.linalg.norm(s - p, axis=1)
    assert (wrap[0] == 0.0) == clear_at_first and wrap.max() - wrap.min() > 0.4
    # both ends move sideways: the slope is the sum of the unit vectors' sideways components
    analytic = ga[:, 1] + gb[:, 1]
    np.testing.assert_allclose(np.diff(L) / np.diff(offsets), 0.5 * (analytic[:-1] + analytic[1:]), atol=2e-3)
