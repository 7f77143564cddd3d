"""The knee: one display coordinate that swings the leg about the femoral epicondylar axis."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.kinematics import body_transform, femur_transform, knee_transform

KNEE = np.array([0.0, -390.0, 0.0])
ANKLE = np.array([0.0, -760.0, 0.0, 1.0])


def test_straight_knee_leaves_the_leg_in_the_femur_frame():
    np.testing.assert_allclose(knee_transform(0.0, KNEE)[0], np.eye(4), atol=1e-12)


def test_flexion_swings_the_foot_backwards_about_the_knee():
    for angle in (30.0, 90.0, 120.0):
        ankle = knee_transform(angle, KNEE)[0] @ ANKLE
        assert np.linalg.norm(ankle[:3] - KNEE) == pytest.approx(370.0)
        assert ankle[0] < 0  # behind the knee
        assert ankle[2] == pytest.approx(0.0)
    np.testing.assert_allclose(knee_transform(90.0, KNEE)[0] @ ANKLE, [-370.0, -390.0, 0.0, 1.0], atol=1e-9)


def test_leg_follows_the_femur_and_the_knee():
    pose = [30.0, 10.0, 20.0]
    T = body_transform("leg", pose, 60.0, KNEE)
    np.testing.assert_allclose(T, femur_transform(pose)[0] @ knee_transform(60.0, KNEE)[0], atol=1e-12)
    np.testing.assert_allclose(body_transform("pelvis", pose), np.eye(4))
    np.testing.assert_allclose(body_transform("femur", pose, 60.0, KNEE), femur_transform(pose)[0])


@pytest.mark.parametrize("hip_flexion", [0.0, 90.0])
def test_at_90_degrees_of_knee_flexion_the_foot_shows_the_hip_rotation(hip_flexion):
    # external rotation of the hip swings the foot medially (towards -Z), internal laterally
    feet = {er: body_transform("leg", [hip_flexion, 0.0, er], 90.0, KNEE) @ ANKLE for er in (-30.0, 0.0, 30.0)}
    assert feet[30.0][2] < feet[0.0][2] - 100 < feet[-30.0][2] - 200


def test_with_the_knee_straight_the_toes_turn_out_in_external_rotation():
    toe = np.array([180.0, -815.0, 30.0, 1.0])  # in front of the ankle
    z = {er: (body_transform("leg", [0.0, 0.0, er], 0.0, KNEE) @ toe)[2] for er in (-30.0, 0.0, 30.0)}
    assert z[30.0] > z[0.0] + 50 > z[-30.0] + 100
