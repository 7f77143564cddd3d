"""Moment arms of synthetic lines: excursion against geometry, continuity, step size."""

import numpy as np
import pytest

from viewer.core.anatomy import MuscleLine, PathPoint, SweepShape, WrapSurface
from viewer.core.kinematics import rotation_matrices
from viewer.core.moment_arms import DEFAULT_STEP_DEG, joint_axes, moment_arms, moment_arms_loop
from viewer.core.motions import MOTIONS
from viewer.core.paths import PathSet

SHAPE = SweepShape(10, 12, 6)


def _line(line_id, origin, insertion, wrap=None, via=None):
    pts = [PathPoint("o", "pelvis", np.array(origin, float))]
    if via is not None:
        pts.append(PathPoint("v", "pelvis", np.array(via, float)))
    pts.append(PathPoint("i", "femur", np.array(insertion, float)))
    wraps = [None] * (len(pts) - 1)
    wraps[-1] = wrap
    return MuscleLine(line_id, line_id, "muscle", tuple(pts), tuple(wraps), SHAPE, pcsa_cm2=2.0)


@pytest.fixture(scope="module")
def straight():
    rng = np.random.default_rng(7)
    lines = [_line(f"m{i}", rng.uniform(-80, 80, 3) + [0, 60, 0], rng.uniform(-40, 40, 3) + [0, -40, 30]) for i in range(12)]
    return PathSet(lines)


def test_excursion_equals_geometric_moment_arm_for_straight_lines(straight):
    rng = np.random.default_rng(11)
    poses = rng.uniform([-20, -30, -40], [120, 45, 50], size=(25, 3))
    r = moment_arms(straight, poses, step_deg=0.05)
    axes = joint_axes(poses)
    R = rotation_matrices(poses)
    for i in range(len(poses)):
        for j, line in enumerate(straight.lines):
            origin = line.points[0].position_mm
            insertion = R[i] @ line.points[-1].position_mm
            pull = (origin - insertion) / np.linalg.norm(origin - insertion)  # force on the femur
            for c in range(3):
                geometric = np.dot(np.cross(insertion, pull), axes[i, c])
                assert r[i, j, c] == pytest.approx(geometric, abs=1e-3)


def test_step_size_does_not_change_results(straight):
    wrapped = PathSet([_line("w", [-60, 20, -20], [-10, 0, 50], WrapSurface("s", "sphere", "femur", np.zeros(3), 28.0)),
                       *straight.lines])
    poses = np.array([[0, 0, 0], [45, 10, 20], [90, -10, -30]], float)
    a = moment_arms(wrapped, poses, step_deg=0.1)
    b = moment_arms(wrapped, poses, step_deg=1.0)
    assert np.max(np.abs(a - b)) < 0.1


def test_vectorised_and_loop_agree(straight):
    poses = np.array([[10, 5, -5], [100, 20, 30]], float)
    np.testing.assert_allclose(moment_arms(straight, poses, step_deg=DEFAULT_STEP_DEG), moment_arms_loop(straight, poses), atol=1e-9)


def test_wrapped_line_moment_arm_is_continuous_in_pose():
    wrap = WrapSurface("head", "sphere", "femur", np.zeros(3), 28.0)
    cyl = WrapSurface("gt", "cylinder", "femur", np.array([-8, -30, 38.0]), 32.0, np.array([0.0, 1.0, 0.0]), direction=1)
    ps = PathSet([_line("a", [-60, 25, -30], [-12, -5, 45], wrap), _line("b", [-90, 100, -30], [-5, -75, 50], cyl)])
    flex = np.arange(-20, 121, 1.0)
    poses = np.stack([flex, np.zeros_like(flex), np.zeros_like(flex)], 1)
    r = moment_arms(ps, poses)
    assert np.max(np.abs(np.diff(r, axis=0))) < 3.0


def test_motion_sign_convention():
    # A line pulling the femur's lateral point backwards externally rotates it.
    ps = PathSet([_line("er", [-100, 0, 40], [0, 0, 40])])
    r = moment_arms(ps, np.zeros(3))[0, 0]
    assert r[2] > 30  # produces external rotation
    assert MOTIONS["internal_rotation"].sign * r[2] < 0
