import numpy as np
import pytest

from viewer.core.errors import DataError
from viewer.core.kinematics import (
    DEFAULT_ROM,
    check_pose,
    clamp_pose,
    femur_transform,
    pose_from_rotation,
    rotation_matrices,
)
from viewer.core.motions import MOTIONS, parse_motion


def _rz(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _rx(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def test_rotation_is_the_isb_sequence_flexion_adduction_internal_rotation():
    rng = np.random.default_rng(3)
    poses = rng.uniform([-20, -30, -40], [120, 45, 50], size=(50, 3))
    R = rotation_matrices(poses)
    for pose, r in zip(poses, R):
        flex, abd, er = np.radians(pose)
        expected = _rz(flex) @ _rx(-abd) @ _ry(-er)
        np.testing.assert_allclose(r, expected, atol=1e-12)
    np.testing.assert_allclose(pose_from_rotation(R), poses, atol=1e-9)


def test_motions_move_the_right_femur_the_way_anatomy_names_them():
    knee = np.array([0.0, -400.0, 0.0])
    front = np.array([30.0, -200.0, 0.0])
    assert (rotation_matrices([90, 0, 0])[0] @ knee)[0] > 390  # flexion: knee forwards
    assert (rotation_matrices([0, 30, 0])[0] @ knee)[2] > 190  # abduction: knee lateral (+Z, right side)
    assert (rotation_matrices([0, -20, 0])[0] @ knee)[2] < -130  # adduction: knee medial
    assert (rotation_matrices([0, 0, 30])[0] @ front)[2] > 14  # external rotation: front of the thigh turns out
    assert (rotation_matrices([0, 0, -30])[0] @ front)[2] < -14


def test_transform_is_a_rigid_4x4():
    T = femur_transform([[40, 10, -20], [0, 0, 0]])
    assert T.shape == (2, 4, 4)
    np.testing.assert_allclose(T[1], np.eye(4))
    np.testing.assert_allclose(T[0, :3, :3] @ T[0, :3, :3].T, np.eye(3), atol=1e-12)
    assert np.linalg.det(T[0, :3, :3]) == pytest.approx(1.0)


def test_pose_outside_the_range_names_value_and_range():
    with pytest.raises(DataError) as err:
        check_pose([130, 0, 0])
    assert "flexion=130 deg is outside the joint's range -20..120 deg (extension 20 to flexion 120)" in str(err.value)
    with pytest.raises(DataError, match="external_rotation=-55 deg"):
        check_pose([[0, 0, 0], [0, 0, -55]])
    np.testing.assert_allclose(clamp_pose([130, -50, 60]), [[120, -30, 50]])
    assert DEFAULT_ROM.as_array().shape == (3, 2)


def test_motion_names_and_aliases():
    assert parse_motion("External-Rotation") is MOTIONS["external_rotation"]
    assert parse_motion("extension").sign == -1
    assert MOTIONS["abduction"].opposite.name == "adduction"
    with pytest.raises(DataError, match="unknown motion 'twist' \\(allowed: flexion, extension"):
        parse_motion("twist")
