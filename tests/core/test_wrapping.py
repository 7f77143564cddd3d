import numpy as np
import pytest

from viewer.core.wrapping import (
    cylinder_wrap_length,
    cylinder_wrap_polyline,
    sphere_wrap_length,
    sphere_wrap_polyline,
)


def test_segment_missing_the_sphere_is_straight():
    p, s = np.array([-50.0, 40.0, 0]), np.array([50.0, 40.0, 0])
    assert sphere_wrap_length(p, s, np.zeros(3), 20.0) == pytest.approx(100.0)


def test_sphere_wrap_matches_the_hand_computed_geodesic():
    # P and S on opposite sides at distance 2R: tangents sqrt(3)R each, arc pi - 2*pi/3... by formula.
    R = 10.0
    p, s = np.array([-20.0, 0, 0]), np.array([20.0, 0, 0])
    tangent = np.sqrt(400 - 100)
    arc = R * (np.pi - 2 * np.arccos(0.5))
    assert sphere_wrap_length(p, s, np.zeros(3), R) == pytest.approx(2 * tangent + arc)
    poly = sphere_wrap_polyline(p, s, np.zeros(3), R, samples=50)
    np.testing.assert_allclose(np.linalg.norm(poly[1:-1], axis=1), R, atol=1e-9)
    assert np.sum(np.linalg.norm(np.diff(poly, axis=0), axis=1)) == pytest.approx(2 * tangent + arc, rel=1e-3)


def test_wrap_length_is_continuous_as_the_segment_starts_to_touch():
    # Slide the segment through the grazing position: no jump in length.
    ys = np.linspace(5, 15, 2001)
    p = np.stack([np.full_like(ys, -40), ys, np.zeros_like(ys)], 1)
    s = np.stack([np.full_like(ys, 40), ys, np.zeros_like(ys)], 1)
    lengths = sphere_wrap_length(p, s, np.zeros(3), 10.0)
    assert np.max(np.abs(np.diff(lengths))) < 0.01
    assert lengths[0] > 80.0 and lengths[-1] == pytest.approx(80.0)


def test_cylinder_wrap_is_the_unrolled_helix():
    R = 10.0
    p, s = np.array([-20.0, 0, 0]), np.array([20.0, 0, 30.0])
    axis = np.array([0, 0, 1.0])
    planar = 2 * np.sqrt(300) + R * (np.pi - 2 * np.arccos(0.5))
    assert cylinder_wrap_length(p, s, np.zeros(3), axis, R) == pytest.approx(np.hypot(planar, 30.0))
    poly = cylinder_wrap_polyline(p, s, np.zeros(3), axis, R, samples=200)
    assert np.sum(np.linalg.norm(np.diff(poly, axis=0), axis=1)) == pytest.approx(np.hypot(planar, 30.0), rel=1e-3)
    # A segment clear of the cylinder is straight.
    q = np.array([-20.0, 15.0, 0])
    assert cylinder_wrap_length(q, q + [40, 0, 5], np.zeros(3), axis, R) == pytest.approx(np.hypot(40, 5))


def test_end_point_inside_the_obstacle_does_not_break_the_length():
    length = sphere_wrap_length(np.array([5.0, 0, 0]), np.array([-30.0, 0, 0]), np.zeros(3), 10.0)
    assert np.isfinite(length) and length >= 35.0 - 1e-9


def test_cylinder_with_a_fixed_direction_never_flips_sides():
    # The free end swings past the point opposite the fixed end: the shorter way round would
    # flip from one side to the other; the constrained path keeps going round the same side.
    axis = np.array([0, 0, 1.0])
    s = np.array([0.0, -15.0, 0.0])
    angles = np.radians(np.linspace(60, 120, 601))
    p = np.stack([60 * np.cos(angles), 60 * np.sin(angles), np.zeros_like(angles)], 1)
    free = cylinder_wrap_length(p, s, np.zeros(3), axis, 12.0)
    fixed = cylinder_wrap_length(p, s, np.zeros(3), axis, 12.0, direction=1)
    slope_free = np.diff(free)
    slope_fixed = np.diff(fixed)
    assert np.max(np.abs(np.diff(slope_free))) > 20 * np.max(np.abs(np.diff(slope_fixed)))
    poly = cylinder_wrap_polyline(p[0], s, np.zeros(3), axis, 12.0, samples=400, direction=1)
    assert np.sum(np.linalg.norm(np.diff(poly, axis=0), axis=1)) == pytest.approx(fixed[0], rel=1e-3)
