"""Moment arms by the tendon-excursion definition, r = -dL/d(theta), for many poses at once.

Positive r for a pose coordinate means the line shortens as that coordinate increases, i.e. the
muscle produces that motion (PRODUCT.md). :func:`moment_arms` takes the derivative of the
path length with respect to each joint angle analytically, in the same pass that measures the
paths (:meth:`viewer.core.paths.PathSet.lengths_and_moment_arms`); theta in radians and L in
mm, so r is in mm - the same quantity OpenSim's ``computeMomentArm`` reports for a
coordinate. :func:`moment_arms_fd` is the central finite-difference version of the same
quantity, kept as an independent check.
"""

from __future__ import annotations

import numpy as np

from viewer.core.kinematics import as_pose_array, rotation_matrices
from viewer.core.motions import Motion
from viewer.core.paths import PathSet

#: Finite-difference half-step in degrees. Results change by far less than 0.1 mm between
#: 0.1 and 1 deg (see tests/core/test_moment_arms.py), so this is not a tuning knob.
DEFAULT_STEP_DEG = 0.25


def moment_arms(paths: PathSet, pose_deg, step_deg: float | None = None) -> np.ndarray:
    """Moment arms of every line about all three pose coordinates.

    Parameters
    ----------
    paths : PathSet
    pose_deg : array_like, shape (n, 3) or (3,)
        Flexion, abduction, external rotation in degrees.
    step_deg : float, optional
        If given, use central differences with this half-step instead of the analytic
        derivative (:func:`moment_arms_fd`).

    Returns
    -------
    numpy.ndarray, shape (n, m, 3)
        ``r[i, j, c]`` in mm: line ``j`` at pose ``i`` for coordinate ``c`` (flexion,
        abduction, external rotation), positive where the line produces that motion.
    """
    if step_deg is not None:
        return moment_arms_fd(paths, pose_deg, step_deg)
    return paths.lengths_and_moment_arms(pose_deg)[1]


def moment_arms_fd(paths: PathSet, pose_deg, step_deg: float = DEFAULT_STEP_DEG) -> np.ndarray:
    """Moment arms by central finite differences of the path lengths (same layout as
    :func:`moment_arms`).

    Parameters
    ----------
    paths : PathSet
    pose_deg : array_like, shape (n, 3) or (3,)
        Flexion, abduction, external rotation in degrees.
    step_deg : float
        Central-difference half-step.

    Returns
    -------
    numpy.ndarray, shape (n, m, 3)
        ``r[i, j, c]`` in mm: line ``j`` at pose ``i`` for coordinate ``c`` (flexion,
        abduction, external rotation), positive where the line produces that motion.
    """
    pose = as_pose_array(pose_deg)
    n = pose.shape[0]
    offsets = np.zeros((6, 3))
    offsets[[0, 2, 4], [0, 1, 2]] = step_deg
    offsets[[1, 3, 5], [0, 1, 2]] = -step_deg
    # One batch: every pose with every +/- step, (n * 6) rotations in total.
    shifted = (pose[:, None, :] + offsets[None]).reshape(-1, 3)
    lengths = paths.lengths_from_rotations(rotation_matrices(shifted), shifted).reshape(n, 6, -1)
    dl = lengths[:, 0::2, :] - lengths[:, 1::2, :]  # (n, 3, m)
    r = -dl / (2.0 * np.radians(step_deg))
    return np.transpose(r, (0, 2, 1))


def lengths_and_moment_arms(paths: PathSet, pose_deg, step_deg: float | None = None
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Lengths ``(n, m)`` mm and moment arms ``(n, m, 3)`` mm of every line from one pass
    (:meth:`PathSet.lengths_and_moment_arms`); with ``step_deg``, the moment arms are central
    finite differences instead."""
    if step_deg is None:
        return paths.lengths_and_moment_arms(pose_deg)
    return paths.lengths(pose_deg), moment_arms_fd(paths, pose_deg, step_deg)


def motion_moment_arms(paths: PathSet, motion: Motion, pose_deg, step_deg: float | None = None) -> np.ndarray:
    """Moment arms for one motion (sign per PRODUCT.md), shape ``(n, m)`` in mm."""
    return motion.sign * moment_arms(paths, pose_deg, step_deg)[:, :, motion.coordinate]


def moment_arms_loop(paths: PathSet, pose_deg, step_deg: float = DEFAULT_STEP_DEG) -> np.ndarray:
    """Straightforward per-pose, per-coordinate loop of the same maths (benchmark baseline only)."""
    pose = as_pose_array(pose_deg)
    out = np.empty((pose.shape[0], len(paths), 3))
    h = np.radians(step_deg)
    for i, p in enumerate(pose):
        for c in range(3):
            up, down = p.copy(), p.copy()
            up[c] += step_deg
            down[c] -= step_deg
            l_up = paths.lengths_from_rotations(rotation_matrices(up[None]), up[None])[0]
            l_down = paths.lengths_from_rotations(rotation_matrices(down[None]), down[None])[0]
            out[i, :, c] = -(l_up - l_down) / (2.0 * h)
    return out


def joint_axes(pose_deg) -> np.ndarray:
    """Instantaneous rotation axis of each pose coordinate, pelvis frame, shape ``(n, 3, 3)``.

    Row ``c`` is the unit axis about which increasing coordinate ``c`` rotates the femur:
    flexion about pelvis Z; abduction about minus the floating axis ``Rz(flexion) X``; external
    rotation about minus the femur's Y axis. Used to draw the axes and to cross-check the
    excursion moment arms against ``(r x f) . axis`` for straight lines.
    """
    pose = as_pose_array(pose_deg)
    R = rotation_matrices(pose)
    q = np.radians(pose[:, 0])
    axes = np.zeros((pose.shape[0], 3, 3))
    axes[:, 0] = (0.0, 0.0, 1.0)
    axes[:, 1, 0] = -np.cos(q)
    axes[:, 1, 1] = -np.sin(q)
    axes[:, 2] = -R[:, :, 1]
    return axes
