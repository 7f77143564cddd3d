"""Pushing belly vertices out of a thin plate of bone onto the belly's own side."""

from __future__ import annotations

import numpy as np

from viewer.core.belly import CLEARANCE_MM, DistanceGrid, first_inside, push_out


def _plate(half_mm: float = 1.5) -> DistanceGrid:
    """A plate ``|z| <= half_mm`` (signed distance ``|z| - half_mm``) sampled every 0.5 mm."""
    axis = np.arange(-10.0, 10.01, 0.5)
    x, y, z = np.meshgrid(axis, axis, axis, indexing="ij")
    return DistanceGrid("pelvis", np.array([-10.0, -10.0, -10.0]), 0.5, np.abs(z) - half_mm)


def test_a_point_past_the_middle_of_a_plate_leaves_on_its_outward_side():
    grid = _plate()
    point = np.array([[0.0, 0.0, -0.5]])  # nearer the -z surface, but it belongs on +z
    up = np.array([[0.0, 0.0, 1.0]])
    plain = push_out(point, (grid,), {})
    sided = push_out(point, (grid,), {}, outward=up)
    assert plain[0, 2] < -1.5          # by the gradient alone it goes out through the far side
    assert sided[0, 2] >= 1.5 + CLEARANCE_MM - 1e-9
    assert sided[0, 2] < 1.5 + CLEARANCE_MM + 1.0
    np.testing.assert_allclose(sided[0, :2], 0.0)


def test_a_point_on_its_own_side_of_the_middle_takes_the_nearer_surface():
    grid = _plate()
    out = push_out(np.array([[0.0, 0.0, 0.5]]), (grid,), {}, outward=np.array([[0.0, 0.0, 1.0]]))
    np.testing.assert_allclose(out[0], [0.0, 0.0, 1.5 + CLEARANCE_MM], atol=1e-6)


def test_a_thickness_reaching_through_a_plate_is_brought_back_into_it():
    grid = _plate()
    top = np.array([[0.0, 0.0, 4.0], [5.0, 0.0, 9.0]])
    deep = np.array([[0.0, 0.0, -6.0], [5.0, 0.0, 3.0]])   # the first goes right through the plate
    out = first_inside(top, deep, (grid,), {})
    assert -1.5 <= out[0, 2] <= 1.5    # now inside the plate, to be pushed out on the top side
    np.testing.assert_allclose(out[1], deep[1])
