"""Ellipsoid wraps, quadrant (side) constraints and conditional points: continuity, the path
never entering the surface, agreement with an independent dense numerical shortest path, and
analytic moment arms that equal finite differences of the path length."""

import numpy as np
import pytest

from viewer.core.anatomy import MuscleLine, PathPoint, SweepShape, WrapSurface
from viewer.core.errors import DataError
from viewer.core.moment_arms import moment_arms, moment_arms_fd
from viewer.core.paths import PathSet
from viewer.core.wrapping import (
    cylinder_segment,
    ellipsoid_segment,
    ellipsoid_wrap_polyline,
    sided_polyline,
    sphere_segment,
)
from viewer.io.paths_file import parse_wraps, parse_lines

SEMI = np.array([30.0, 20.0, 15.0])


def _rotation(rng) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


def taut_string(p, s, semi, frame=np.eye(3), centre=np.zeros(3), n=100, iters=60000):
    """Independent shortest path: a chain of points relaxed towards straightness and pushed
    back onto the surface wherever it enters it (converges to the taut string)."""
    P = frame @ (p - centre)
    S = frame @ (s - centre)
    x = P + (S - P) * np.linspace(0.0, 1.0, n)[:, None]
    for _ in range(iters):
        x[1:-1] = 0.5 * (x[:-2] + x[2:])
        q = x / semi
        rr = np.linalg.norm(q, axis=1)
        inside = rr < 1.0
        x[inside] = q[inside] / rr[inside, None] * semi
    return float(np.sum(np.linalg.norm(np.diff(x, axis=0), axis=1)))


def _random_crossing(rng, semi):
    d = rng.normal(size=3)
    d /= np.linalg.norm(d)
    p = d / np.linalg.norm(d / semi) * rng.uniform(1.3, 2.5)
    d2 = -d + 0.5 * rng.normal(size=3)
    s = d2 / np.linalg.norm(d2 / semi) * rng.uniform(1.3, 2.5)
    return p, s


def test_ellipsoid_path_agrees_with_a_dense_numerical_shortest_path():
    rng = np.random.default_rng(11)
    wrapped = 0
    for _ in range(8):
        frame = _rotation(rng)
        centre = rng.normal(size=3) * 5
        p, s = _random_crossing(rng, SEMI)
        a, b = frame.T @ p + centre, frame.T @ s + centre
        length = float(ellipsoid_segment(a, b, centre, frame, SEMI)[0])
        reference = taut_string(a, b, SEMI, frame, centre)
        wrapped += length > np.linalg.norm(b - a) + 0.5
        # The chain's chords cut the arc slightly short: agreement within 0.05 mm.
        assert length == pytest.approx(reference, abs=0.05)
    assert wrapped >= 5  # the cases really wrap


def test_ellipsoid_with_equal_axes_is_the_sphere():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(200, 3)) * 40, rng.normal(size=(200, 3)) * 40
    L1 = ellipsoid_segment(a, b, np.zeros(3), np.eye(3), np.full(3, 20.0))
    L2 = sphere_segment(a, b, np.zeros(3), 20.0)
    for x, y in zip(L1, L2):
        np.testing.assert_allclose(x, y, atol=1e-9)


def test_ellipsoid_path_never_enters_the_surface():
    rng = np.random.default_rng(5)
    for _ in range(40):
        p, s = _random_crossing(rng, SEMI)
        poly = ellipsoid_wrap_polyline(p, s, np.zeros(3), np.eye(3), SEMI, samples=40)
        dense = np.concatenate([poly[i] + (poly[i + 1] - poly[i]) * np.linspace(0, 1, 50)[:, None]
                                for i in range(len(poly) - 1)])
        assert np.min(np.linalg.norm(dense / SEMI, axis=1)) > 1.0 - 2e-3
        # The drawn course has the computed length.
        drawn = np.sum(np.linalg.norm(np.diff(poly, axis=0), axis=1))
        assert drawn == pytest.approx(float(ellipsoid_segment(p, s, np.zeros(3), np.eye(3), SEMI)[0]), rel=2e-3)


@pytest.mark.parametrize("kind", ["sphere", "cylinder", "ellipsoid", "sphere_side", "ellipsoid_side", "cylinder_side"])
def test_length_and_its_slope_are_continuous_through_contact(kind):
    # One end slides so that the segment goes from clear of the surface to wrapped deeply
    # (both ends stay on the side a constrained surface allows).
    ys = np.linspace(1.0, 40.0, 2001)
    p = np.stack([np.full_like(ys, -45.0), ys, np.full_like(ys, 3.0)], 1)
    s = np.broadcast_to(np.array([45.0, 8.0, -2.0]), p.shape)
    side = np.array([0.0, 1.0, 0.0]) if kind.endswith("side") else None
    if kind.startswith("sphere"):
        L = sphere_segment(p, s, np.zeros(3), 18.0, side)[0]
    elif kind.startswith("cylinder"):
        L = cylinder_segment(p, s, np.zeros(3), np.array([0.0, 0.0, 1.0]), 18.0, 0.0, side)[0]
    else:
        L = ellipsoid_segment(p, s, np.zeros(3), np.eye(3), np.array([22.0, 18.0, 14.0]), side)[0]
    step = np.diff(L)
    assert np.max(np.abs(step)) < 0.05          # no jump (0.02 mm spacing of the end point)
    slope = step / np.diff(ys)
    assert np.max(np.abs(np.diff(slope))) < 0.01  # no kink at first contact
    assert np.max(L - np.linalg.norm(s - p, axis=1)) > 3.0  # and it really wraps


@pytest.mark.parametrize("kind", ["sphere", "cylinder", "ellipsoid"])
def test_side_constraint_sends_the_path_over_the_chosen_half(kind):
    p, s = np.array([-45.0, -5.0, 0.0]), np.array([45.0, -3.0, 0.0])  # the straight line passes below
    up = np.array([0.0, 1.0, 0.0])
    if kind == "sphere":
        poly = sided_polyline(p, s, np.zeros(3), 18.0, up, 30)
        free = sphere_segment(p, s, np.zeros(3), 18.0)[0]
        held = sphere_segment(p, s, np.zeros(3), 18.0, up)[0]
    elif kind == "cylinder":
        from viewer.core.wrapping import cylinder_wrap_polyline

        poly = cylinder_wrap_polyline(p, s, np.zeros(3), np.array([0.0, 0.0, 1.0]), 18.0, 30, direction=-1)
        free = cylinder_segment(p, s, np.zeros(3), np.array([0.0, 0.0, 1.0]), 18.0)[0]
        held = cylinder_segment(p, s, np.zeros(3), np.array([0.0, 0.0, 1.0]), 18.0, 0.0, up)[0]
        assert held == pytest.approx(float(np.sum(np.linalg.norm(np.diff(poly, axis=0), axis=1))), rel=1e-3)
    else:
        poly = ellipsoid_wrap_polyline(p, s, np.zeros(3), np.eye(3), np.array([22.0, 18.0, 14.0]), 30, up)
        free = ellipsoid_segment(p, s, np.zeros(3), np.eye(3), np.array([22.0, 18.0, 14.0]))[0]
        held = ellipsoid_segment(p, s, np.zeros(3), np.eye(3), np.array([22.0, 18.0, 14.0]), up)[0]
    assert np.all(poly[1:-1, 1] > 0.0)          # over the top
    assert held > free + 3.0                    # the far way round is longer


def _line(line_id, points, wraps):
    shape = SweepShape(10.0, 10.0, 10.0)
    return MuscleLine(line_id, line_id, "muscle", tuple(points), tuple(wraps), shape, 1.0)


def _random_lines(rng):
    lines = []
    kinds = [
        WrapSurface("head", "sphere", "femur", np.array([0.0, 0.0, 0.0]), 26.0),
        WrapSurface("post", "sphere", "pelvis", np.array([-30.0, 10.0, 10.0]), 15.0, side=np.array([-1.0, 0, 0])),
        WrapSurface("neck", "cylinder", "femur", np.array([0.0, -10.0, 20.0]), 14.0, np.array([0.0, 0.6, 0.8]), 1),
        WrapSurface("tub", "cylinder", "pelvis", np.array([-20.0, -40.0, 0.0]), 12.0, np.array([1.0, 0.0, 0.0]),
                    side=np.array([0.0, 0.0, 1.0])),
        WrapSurface("troch", "ellipsoid", "femur", np.array([-10.0, -20.0, 45.0]), 30.0, frame=_rotation(rng),
                    semi_axes_mm=np.array([30.0, 22.0, 16.0])),
        WrapSurface("ischium", "ellipsoid", "pelvis", np.array([-35.0, -45.0, -5.0]), 25.0, frame=_rotation(rng),
                    semi_axes_mm=np.array([25.0, 15.0, 12.0]), side=np.array([-1.0, 0.0, 0.0])),
    ]
    for k, wrap in enumerate(kinds):
        for j in range(3):
            o = rng.normal(size=3) * 25 + [-50, 30, -20]
            i = rng.normal(size=3) * 15 + [-15, -25, 45]
            pts = [PathPoint("o", "pelvis", o), PathPoint("i", "femur", i)]
            lines.append(_line(f"{wrap.name}{j}", pts, [wrap]))
    # A line with a conditional via point (on the path only for flexion below 45 deg).
    pts = [PathPoint("o", "pelvis", np.array([40.0, 60.0, 20.0])),
           PathPoint("v", "pelvis", np.array([30.0, -40.0, 25.0])),
           PathPoint("c", "pelvis", np.array([35.0, -60.0, 22.0]), condition=(0, -90.0, 45.0)),
           PathPoint("i", "femur", np.array([5.0, -55.0, 8.0]))]
    lines.append(_line("conditional", pts, [None, None, None]))
    return lines


def test_analytic_moment_arms_equal_finite_differences_for_every_wrap_kind():
    rng = np.random.default_rng(7)
    paths = PathSet(_random_lines(rng))
    poses = np.stack([rng.uniform(-10, 90, 60), rng.uniform(-20, 20, 60), rng.uniform(-30, 30, 60)], 1)
    poses = poses[np.abs(poses[:, 0] - 45.0) > 1.0]  # away from the conditional point's switch
    exact = moment_arms(paths, poses)
    fd = moment_arms_fd(paths, poses, 0.01)
    np.testing.assert_allclose(exact, fd, atol=2e-3)
    assert np.abs(exact).max() > 20.0
    # The lengths of one pass equal the plain length evaluation.
    lengths, _ = paths.lengths_and_moment_arms(poses)
    np.testing.assert_allclose(lengths, paths.lengths(poses), atol=1e-9)


def test_conditional_point_joins_and_leaves_the_path():
    rng = np.random.default_rng(7)
    paths = PathSet(_random_lines(rng))
    j = paths.index("conditional")
    on = paths.polylines([30.0, 0.0, 0.0])[j]
    off = paths.polylines([60.0, 0.0, 0.0])[j]
    assert len(on) == 4 and len(off) == 3
    np.testing.assert_allclose(np.sum(np.linalg.norm(np.diff(on, axis=0), axis=1)), paths.lengths([30.0, 0, 0])[0, j])
    np.testing.assert_allclose(np.sum(np.linalg.norm(np.diff(off, axis=0), axis=1)), paths.lengths([60.0, 0, 0])[0, j])


def test_drawn_courses_have_the_computed_lengths():
    rng = np.random.default_rng(3)
    paths = PathSet(_random_lines(rng))
    for pose in ([0.0, 0.0, 0.0], [70.0, -15.0, 20.0], [-10.0, 15.0, -25.0]):
        drawn = [np.sum(np.linalg.norm(np.diff(p, axis=0), axis=1)) for p in paths.polylines(pose, 60)]
        np.testing.assert_allclose(drawn, paths.lengths(pose)[0], rtol=2e-3)


@pytest.mark.parametrize("spec, message", [
    ({"kind": "ellipsoid", "body": "femur", "centre": [0, 0, 0]}, "semi_axes"),
    ({"kind": "ellipsoid", "body": "femur", "centre": [0, 0, 0], "semi_axes": [10, -1, 5]}, "positive"),
    ({"kind": "ellipsoid", "body": "femur", "centre": [0, 0, 0], "semi_axes": [10, 8, 5],
      "axes": [[1, 0, 0], [1, 1, 0], [0, 0, 1]]}, "orthonormal"),
    ({"kind": "sphere", "body": "femur", "centre": [0, 0, 0], "radius": 5, "semi_axes": [1, 1, 1]}, "unknown field"),
    ({"kind": "cone", "body": "femur", "centre": [0, 0, 0]}, "unknown wrap kind"),
    ({"kind": "torus", "body": "femur", "centre": [0, 0, 0], "radius": 5}, "ring_radius"),
    ({"kind": "torus", "body": "femur", "centre": [0, 0, 0], "radius": 5, "ring_radius": 4}, "must exceed the tube"),
    ({"kind": "ellipsoid", "body": "femur", "centre": [0, 0, 0], "semi_axes": [10, 8, 5], "method": "fan"},
     "method 'fan'"),
    ({"kind": "cylinder", "body": "femur", "centre": [0, 0, 0], "radius": 5, "axis": [0, 0, 1], "length": -3},
     "length"),
    ({"kind": "cylinder", "body": "femur", "centre": [0, 0, 0], "radius": 5, "axis": [0, 0, 1], "direction": 1,
      "side": [1, 0, 0]}, "either a direction or a side"),
])
def test_bad_wrap_definitions_name_the_field(spec, message):
    with pytest.raises(DataError, match=message) as info:
        parse_wraps({"w": spec}, "paths.yaml")
    assert "paths.yaml" in str(info.value)


def test_bad_conditions_name_the_field():
    base = {"name": "v", "body": "pelvis", "position": [0, 0, 0]}
    doc = lambda cond: {"lines": {"m": {"points": [dict(base, name="o"), dict(base, condition=cond),  # noqa: E731
                                                   dict(base, name="i", body="femur")],
                                        "shape": {"origin": 5, "belly": 5, "insertion": 5}}}}
    with pytest.raises(DataError, match="unknown coordinate 'knee'"):
        parse_lines(doc({"coordinate": "knee", "range": [0, 10]}), {}, "p.yaml")
    with pytest.raises(DataError, match="low < high"):
        parse_lines(doc({"coordinate": "flexion", "range": [10, 0]}), {}, "p.yaml")
    lines = parse_lines(doc({"coordinate": "abduction", "range": [-10, 20]}), {}, "p.yaml")
    assert lines[0].points[1].condition == (1, -10.0, 20.0)
