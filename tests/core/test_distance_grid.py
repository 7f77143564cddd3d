"""Signed distance grids of the bones and pushing belly vertices out of them."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.belly import CLEARANCE_MM, DistanceGrid, push_out

RADIUS_MM = 10.0


@pytest.fixture(scope="module")
def ball() -> DistanceGrid:
    """A 10 mm ball at the origin, sampled every 2 mm and clamped at 8 mm like the bone grids."""
    axis = np.arange(-20.0, 20.0 + 1e-9, 2.0)
    x, y, z = np.meshgrid(axis, axis, axis, indexing="ij")
    values = np.minimum(np.sqrt(x**2 + y**2 + z**2) - RADIUS_MM, 8.0).astype(np.float32)
    return DistanceGrid(body="pelvis", origin_mm=np.full(3, -20.0), spacing_mm=2.0, values_mm=values)


def test_distance_and_gradient_follow_the_ball(ball):
    rng = np.random.default_rng(1)
    directions = rng.normal(size=(200, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    radii = rng.uniform(4.0, 15.0, size=200)
    d, g = ball.sample(directions * radii[:, None])
    assert np.abs(d - (radii - RADIUS_MM)).max() < 0.3
    # The gradient points away from the centre with about unit length.
    assert np.einsum("ij,ij->i", g / np.linalg.norm(g, axis=1, keepdims=True), directions).min() > 0.95
    assert np.abs(np.linalg.norm(g, axis=1) - 1.0).max() < 0.25


def test_points_off_the_grid_count_as_clear(ball):
    d, g = ball.sample(np.array([[0.0, 0.0, 25.0], [-21.0, 0.0, 0.0], [19.999, 19.999, 19.999]]))
    assert np.isinf(d[:2]).all() and not g[:2].any()
    assert np.isfinite(d[2])


def test_the_near_filter_keeps_every_point_that_matters(ball):
    """With ``within_mm`` the far points are skipped, but every point within the clearance keeps
    the same distance and gradient as without the filter."""
    pts = np.random.default_rng(2).uniform(-22.0, 22.0, size=(5000, 3))
    d_all, g_all = ball.sample(pts)
    within = CLEARANCE_MM + 2.0 * ball.spacing_mm
    d, g = ball.sample(pts, within_mm=within)
    close = d_all < CLEARANCE_MM
    assert close.sum() > 200
    assert np.array_equal(d[close], d_all[close]) and np.array_equal(g[close], g_all[close])
    skipped = np.isinf(d) & np.isfinite(d_all)
    assert skipped.sum() > 1000  # the filter does skip the far ones
    assert d_all[skipped].min() >= within - np.sqrt(3.0) * ball.spacing_mm
    kept = np.isfinite(d)
    assert np.array_equal(d[kept], d_all[kept])


def test_push_out_moves_inside_points_to_the_surface_and_leaves_the_rest(ball):
    rng = np.random.default_rng(3)
    directions = rng.normal(size=(300, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    radii = np.concatenate([rng.uniform(5.0, 9.5, size=150), rng.uniform(12.0, 18.0, size=150)])
    pts = directions * radii[:, None]
    out = push_out(pts, [ball], {})
    r_out = np.linalg.norm(out, axis=1)
    assert r_out[:150].min() > RADIUS_MM + 0.5 * CLEARANCE_MM and r_out[:150].max() < RADIUS_MM + 2.0
    # pushed straight out (along the radius) ...
    assert np.einsum("ij,ij->i", out[:150] / r_out[:150, None], directions[:150]).min() > 0.99
    # ... and points clear of the ball are not touched.
    assert np.array_equal(out[150:], pts[150:])
