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


def taut_strings(p, s, n=120, iters=20000):
    """Independent shortest paths (local torus frame): chains of points relaxed towards
    straightness and pushed back out of the tube wherever they enter it, all cases at once."""
    x = p[:, None] + (s - p)[:, None] * np.linspace(0.0, 1.0, n)[None, :, None]
    for _ in range(iters):
        x[:, 1:-1] = 0.5 * (x[:, :-2] + x[:, 2:])
        inner = x[:, 1:-1]
        rho = np.hypot(inner[..., 0], inner[..., 1])
        c = np.stack([inner[..., 0] * RING / rho, inner[..., 1] * RING / rho, np.zeros_like(rho)], -1)
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
