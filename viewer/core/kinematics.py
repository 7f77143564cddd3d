"""Hip joint kinematics: pose angles to the femur's transform, and the joint's range of motion.

Joint coordinate system after Wu et al. 2002 (ISB recommendation, J Biomech 35:543-548):
flexion about the pelvis Z axis, adduction about the floating axis, internal rotation about
the femur Y axis, applied in that order. Both frames have their origin at the hip joint
centre, so the transform is a pure rotation::

    R_pelvis_femur = Rz(flexion) @ Rx(adduction) @ Ry(internal_rotation)

with adduction = -abduction and internal_rotation = -external_rotation (the user-facing
coordinates of :mod:`viewer.core.motions`). For the right hip, +Z rotation swings the knee
forwards (flexion), +X rotation swings it medially (adduction) and +Y rotation turns the
front of the femur medially (internal rotation).
"""

from __future__ import annotations

import math

from dataclasses import dataclass

import numpy as np

from viewer.core.errors import DataError
from viewer.core.motions import COORDINATE_WORDS, POSE_COORDINATES
from viewer.core.tolerances import tol


@dataclass(frozen=True)
class RangeOfMotion:
    """Limits of each pose coordinate in degrees, ``(low, high)``.

    Defaults are normal adult active ranges: flexion 120 deg and extension 20 deg, abduction
    45 deg and adduction 30 deg, external rotation 50 deg and internal rotation 40 deg
    (Wilson & Furukawa 2014, Am Fam Physician 89(1):27-34, normal ranges: flexion 110-120,
    extension 10-15 (up to 30 in AAOS norms), abduction 30-50, adduction 20-30, external
    rotation 40-60, internal rotation 30-40 deg; American Academy of Orthopaedic Surgeons,
    Joint Motion: Method of Measuring and Recording, 1965).
    """

    flexion: tuple[float, float] = (-20.0, 120.0)
    abduction: tuple[float, float] = (-30.0, 45.0)
    external_rotation: tuple[float, float] = (-40.0, 50.0)

    def as_array(self) -> np.ndarray:
        """Limits as an array of shape ``(3, 2)`` in pose-coordinate order."""
        return np.array([getattr(self, c) for c in POSE_COORDINATES], dtype=float)

    def describe(self, coordinate: str) -> str:
        """Range of one coordinate in words, e.g. ``"-20..120 deg (extension 20 to flexion 120)"``."""
        lo, hi = getattr(self, coordinate)
        pos, neg = COORDINATE_WORDS[coordinate]
        return f"{lo:g}..{hi:g} deg ({neg} {abs(lo):g} to {pos} {hi:g})"


DEFAULT_ROM = RangeOfMotion()


def as_pose_array(pose_deg) -> np.ndarray:
    """Return ``pose_deg`` as a float array of shape ``(n, 3)`` (a single pose becomes ``(1, 3)``)."""
    arr = np.asarray(pose_deg, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise DataError(f"a pose array must have shape (n, 3), got {arr.shape}", field="pose")
    return arr


def check_pose(pose_deg, rom: RangeOfMotion = DEFAULT_ROM, *, field: str = "pose") -> np.ndarray:
    """Validate poses against the range of motion.

    Parameters
    ----------
    pose_deg : array_like, shape (3,) or (n, 3)
        Flexion, abduction and external rotation in degrees.

    Returns
    -------
    numpy.ndarray, shape (n, 3)

    Raises
    ------
    DataError
        Naming the first offending coordinate, its value and the allowed range.
    """
    arr = as_pose_array(pose_deg)
    if not np.all(np.isfinite(arr)):
        raise DataError("pose angles must be finite numbers", field=field)
    limits = rom.as_array()
    bad = (arr < limits[:, 0] - tol.angle_deg) | (arr > limits[:, 1] + tol.angle_deg)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        name = POSE_COORDINATES[col]
        raise DataError(
            f"{name}={arr[row, col]:g} deg is outside the joint's range {rom.describe(name)}",
            field=field,
        )
    return arr


def clamp_pose(pose_deg, rom: RangeOfMotion = DEFAULT_ROM) -> np.ndarray:
    """Clamp poses into the range of motion (for interactive controls that ask for it)."""
    limits = rom.as_array()
    return np.clip(as_pose_array(pose_deg), limits[:, 0], limits[:, 1])


def rotation_matrices(pose_deg) -> np.ndarray:
    """Femur-to-pelvis rotations for an array of poses.

    Parameters
    ----------
    pose_deg : array_like, shape (n, 3)
        Flexion, abduction, external rotation in degrees.

    Returns
    -------
    numpy.ndarray, shape (n, 3, 3)
        ``R`` such that ``p_pelvis = R @ p_femur``.
    """
    pose = as_pose_array(pose_deg)
    if pose.shape[0] == 1:
        return _one_rotation(*pose[0].tolist())
    q = np.radians(pose)
    flex, add, introt = q[:, 0], -q[:, 1], -q[:, 2]
    cz, sz = np.cos(flex), np.sin(flex)
    cx, sx = np.cos(add), np.sin(add)
    cy, sy = np.cos(introt), np.sin(introt)
    # Rz @ Rx @ Ry written out, so that a batch costs a handful of array operations.
    R = np.empty((q.shape[0], 3, 3))
    R[:, 0, 0] = cz * cy - sz * sx * sy
    R[:, 0, 1] = -sz * cx
    R[:, 0, 2] = cz * sy + sz * sx * cy
    R[:, 1, 0] = sz * cy + cz * sx * sy
    R[:, 1, 1] = cz * cx
    R[:, 1, 2] = sz * sy - cz * sx * cy
    R[:, 2, 0] = -cx * sy
    R[:, 2, 1] = sx
    R[:, 2, 2] = cx * cy
    return R


def _one_rotation(flexion: float, abduction: float, external: float) -> np.ndarray:
    """:func:`rotation_matrices` for one pose from scalar maths (a pose update of the
    interactive viewer is one pose; array operations on single values cost more than the maths)."""
    cz, sz = math.cos(math.radians(flexion)), math.sin(math.radians(flexion))
    cx, sx = math.cos(math.radians(-abduction)), math.sin(math.radians(-abduction))
    cy, sy = math.cos(math.radians(-external)), math.sin(math.radians(-external))
    return np.array([[[cz * cy - sz * sx * sy, -sz * cx, cz * sy + sz * sx * cy],
                      [sz * cy + cz * sx * sy, cz * cx, sz * sy - cz * sx * cy],
                      [-cx * sy, sx, cx * cy]]])


def femur_transform(pose_deg) -> np.ndarray:
    """4x4 transforms ``T_pelvis_femur`` (femur frame to pelvis frame), shape ``(n, 4, 4)``."""
    R = rotation_matrices(pose_deg)
    T = np.zeros((R.shape[0], 4, 4))
    T[:, :3, :3] = R
    T[:, 3, 3] = 1.0
    return T


def pose_from_rotation(R: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rotation_matrices`: poses in degrees, shape ``(n, 3)``, from ``(n, 3, 3)``."""
    R = np.asarray(R, dtype=float).reshape(-1, 3, 3)
    add = np.arcsin(np.clip(R[:, 2, 1], -1.0, 1.0))
    flex = np.arctan2(-R[:, 0, 1], R[:, 1, 1])
    introt = np.arctan2(-R[:, 2, 0], R[:, 2, 2])
    return np.degrees(np.stack([flex, -add, -introt], axis=1))


def knee_transform(knee_flexion_deg, knee_centre_mm) -> np.ndarray:
    """4x4 transforms ``T_femur_leg`` (leg frame to femur frame), shape ``(n, 4, 4)``.

    The leg frame is the femur frame at full knee extension; flexing the knee by ``θ`` turns it
    about the femur's Z axis (the epicondylar axis) through the knee centre, so that the foot
    swings backwards. A display coordinate only: the mechanics are hip-only.
    """
    theta = np.radians(np.atleast_1d(np.asarray(knee_flexion_deg, dtype=float)))
    c, s = np.cos(-theta), np.sin(-theta)
    centre = np.asarray(knee_centre_mm, dtype=float).reshape(3)
    T = np.zeros((len(theta), 4, 4))
    T[:, 0, 0], T[:, 0, 1], T[:, 1, 0], T[:, 1, 1] = c, -s, s, c
    T[:, 2, 2] = 1.0
    T[:, 3, 3] = 1.0
    T[:, :3, 3] = centre - T[:, :3, :3] @ centre
    return T


def body_transform(body: str, pose_deg, knee_flexion_deg=0.0, knee_centre_mm=(0.0, 0.0, 0.0)) -> np.ndarray:
    """4x4 transform ``(4, 4)`` from a body's frame to the pelvis frame at one pose."""
    if body == "pelvis":
        return np.eye(4)
    T = femur_transform(np.asarray(pose_deg, dtype=float).reshape(1, 3))[0]
    if body == "leg":
        T = T @ knee_transform(knee_flexion_deg, knee_centre_mm)[0]
    return T
