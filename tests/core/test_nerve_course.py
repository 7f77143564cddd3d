"""The sciatic nerve's course: from the sacral foramina, below piriformis, on the short rotators
midway between the ischial tuberosity and the greater trochanter (Gray's Anatomy, 42nd ed.)."""

from __future__ import annotations

import numpy as np
import pytest


def test_the_nerve_starts_at_the_sacral_foramina(model):
    start = model.paths.polylines(np.zeros(3))[model.paths.index("sciatic_nerve")][0]
    foramina = [model.landmarks[f"anterior_sacral_foramen_s{k}"].position_mm for k in (2, 3, 4)]
    assert min(np.linalg.norm(start - f) for f in foramina) < 30.0


def test_the_nerve_lies_on_quadratus_femoris_midway_between_tuberosity_and_trochanter(model):
    nerve = model.meshes["sciatic_nerve"].vertices
    qf = model.meshes["quadratus_femoris"].vertices
    y = qf[:, 1].mean()
    at = nerve[np.abs(nerve[:, 1] - y) < 4]
    tuberosity = model.landmarks["ischial_tuberosity"].position_mm
    trochanter = model.landmarks["quadrate_tubercle"].position_mm
    midway = 0.5 * (tuberosity[2] + trochanter[2])
    assert abs(at[:, 2].mean() - midway) < 8.0, (at[:, 2].mean(), midway)
    # on the muscle's back: the nerve's front within a few millimetres of the muscle's back
    under = qf[(np.abs(qf[:, 1] - y) < 4) & (np.abs(qf[:, 2] - at[:, 2].mean()) < 8)]
    gap = under[:, 0].min() - at[:, 0].max()
    assert -1.0 < gap < 6.0, gap


# -- the nerve as drawn (viewer.core.nerve_course) ---------------------------------------------

RANGE_OF_MOTION = [(0, 0, 0), (30, 0, 0), (60, 0, 0), (90, 0, 0), (110, 0, 0), (120, 0, 0), (90, 0, 40),
                   (90, 0, -30), (90, -20, 0), (90, 30, 0), (120, 45, 50), (120, -30, -40), (0, 45, 0),
                   (0, -30, 0), (-20, 0, 0), (-20, -30, 50), (-20, 45, -40), (45, 20, 30), (60, -15, -20),
                   (10, 10, 40), (-10, -20, -30)]


def _drawn(model, pose):
    from viewer.core.kinematics import body_transform
    from viewer.core.nerve_course import nerve_vertices

    k = model.paths.index("sciatic_nerve")
    femur = {"femur": body_transform("femur", np.asarray(pose, dtype=float))}
    return nerve_vertices(model.paths.polylines(pose)[k], model.paths.lines[k].shape, model.bone_distance, femur)


def _distance_to_bones(model, points, pose):
    from viewer.core.kinematics import body_transform

    nearest = np.inf
    for grid in model.bone_distance:
        T = body_transform(grid.body, np.asarray(pose, dtype=float)) if grid.body != "pelvis" else np.eye(4)
        d, _ = grid.sample((points - T[:3, 3]) @ T[:3, :3])
        nearest = min(nearest, float(d.min()))
    return nearest


def test_the_drawn_nerve_stays_out_of_the_bones_over_the_range_of_motion(model):
    """Swept along its straight path segments the tube went up to 15 mm into the femur (flexion
    past 100 degrees; extension with adduction and external rotation)."""
    from viewer.core.sweep import sweep_vertices

    k = model.paths.index("sciatic_nerve")
    straight = sweep_vertices(model.paths.polylines((120, 0, 0))[k], model.paths.lines[k].shape)
    assert _distance_to_bones(model, straight, (120, 0, 0)) < -5.0  # what the straight sweep did
    depths = {pose: _distance_to_bones(model, _drawn(model, pose), pose) for pose in RANGE_OF_MOTION}
    assert min(depths.values()) > 0.0, min(depths.items(), key=lambda kv: kv[1])


def _largest_turn_deg(course: np.ndarray) -> float:
    d = np.diff(course, axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return float(np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", d[1:], d[:-1]), -1.0, 1.0))).max())


@pytest.mark.parametrize("pose", [(0, 0, 0), (90, 0, 0), (120, 0, 0), (90, 0, 40), (45, 20, 30)])
def test_the_drawn_nerve_bends_smoothly(model, pose):
    """No corner: between neighbouring points of the course (about 10 mm apart) its direction
    turns by less than 30 degrees (the straight path turns by 28-89 degrees at its points). (At
    the far corners of the range, where it is pushed round the femur, it bends more tightly.)"""
    from viewer.core.kinematics import body_transform
    from viewer.core.nerve_course import clearance_for, drawn_course
    from viewer.core.sweep import resample_polyline

    k = model.paths.index("sciatic_nerve")
    path = model.paths.polylines(pose)[k]
    femur = {"femur": body_transform("femur", np.asarray(pose, dtype=float))}
    course = drawn_course(path, model.bone_distance, femur, clearance_for(model.paths.lines[k].shape))
    assert _largest_turn_deg(course) < 30.0
    assert _largest_turn_deg(resample_polyline(path, len(course))) > 25.0


def test_the_drawn_nerve_passes_by_every_point_of_its_path(model):
    from viewer.core.nerve_course import drawn_course

    k = model.paths.index("sciatic_nerve")
    path = model.paths.polylines(np.zeros(3))[k]
    course = drawn_course(path, model.bone_distance, {})
    for point in path:
        assert np.linalg.norm(course - point, axis=1).min() < 5.0, point
    np.testing.assert_allclose(course[[0, -1]], path[[0, -1]])  # the ends stay


def test_the_nerve_mesh_is_the_drawn_nerve_at_neutral(model):
    np.testing.assert_allclose(model.meshes["sciatic_nerve"].vertices, _drawn(model, (0, 0, 0)), atol=1e-3)


def test_a_spline_through_a_corner_passes_every_point_without_overshoot():
    from viewer.core.nerve_course import spline_through

    points = np.array([[0.0, 0.0, 0.0], [0.0, 100.0, 0.0], [100.0, 100.0, 0.0], [100.0, 130.0, 0.0]])
    curve = spline_through(points, per_segment=50)
    for point in points:
        assert np.linalg.norm(curve - point, axis=1).min() < 1e-9
    # It rounds the corners (a little longer than the straight path, never looping) and stays
    # close to the path's box.
    length = np.linalg.norm(np.diff(curve, axis=0), axis=1).sum()
    assert 230.0 <= length < 1.1 * 230.0
    assert curve[:, 0].min() > -10.0 and curve[:, 1].max() < 140.0 and np.abs(curve[:, 2]).max() == 0.0
