"""Sweeps of the mechanics over many poses: one coordinate, or a flexion x rotation grid.

Used by the command line (``moment-arms``), the plot panel, the bench and animations; each
builds its poses here and evaluates them in one batched call
(:meth:`viewer.core.actions.ActionModel.evaluate`).
"""

from __future__ import annotations

import numpy as np

from viewer.core.actions import ActionModel, roles
from viewer.core.motions import POSE_COORDINATES, Motion
from viewer.core.tolerances import tol


def angle_range(lo_deg: float, hi_deg: float, step_deg: float) -> np.ndarray:
    """``lo, lo + step, ...`` up to and including ``hi`` (deg)."""
    return np.arange(lo_deg, hi_deg + tol.angle_deg, step_deg)


def pose_grid(base_pose_deg, coordinate: int, angles_deg) -> np.ndarray:
    """Poses ``(n, 3)`` deg: ``base_pose_deg`` with one coordinate swept through ``angles_deg``."""
    angles = np.asarray(angles_deg, dtype=float)
    poses = np.repeat(np.asarray(base_pose_deg, dtype=float)[None], len(angles), axis=0)
    poses[:, coordinate] = angles
    return poses


def grid_2d(flexion_deg, rotation_deg, abduction_deg: float = 0.0) -> np.ndarray:
    """Poses ``(len(rotation) * len(flexion), 3)`` deg over flexion x external rotation, rotation
    varying slowest (reshape values to ``(n_rotation, n_flexion)``)."""
    F, R = np.meshgrid(np.asarray(flexion_deg, dtype=float), np.asarray(rotation_deg, dtype=float))
    return np.stack([F.ravel(), np.full(F.size, float(abduction_deg)), R.ravel()], axis=1)


def columns(actions: ActionModel, values: dict, ids: list[str], key: str = "r") -> np.ndarray:
    """Values ``(n, len(ids))`` of muscles (whole) or compartments from :meth:`ActionModel.evaluate`.

    ``key`` is ``"r"`` (moment arm, mm) or ``"torque"`` (N m).
    """
    cols = []
    for some_id in ids:
        if some_id in actions.structure_ids:
            cols.append(values[f"muscle_{key}"][:, actions.structure_ids.index(some_id)])
        else:
            cols.append(values[f"line_{key}"][:, actions.line_ids.index(some_id)])
    return np.stack(cols, axis=1) if cols else np.zeros((len(values["line_r"]), 0))


def moment_arm_rows(actions: ActionModel, ids: list[str], motions: list[Motion], coordinate: int, angles_deg,
                    base_pose_deg) -> list[dict]:
    """Rows of moment arm and torque potential for each id, motion and swept angle (the
    ``moment-arms`` table: ``muscle``, ``motion``, ``pose``, ``moment_arm_mm``,
    ``torque_potential_nm``, ``role``)."""
    poses = pose_grid(base_pose_deg, coordinate, angles_deg)
    rows = []
    for motion in motions:
        values = actions.evaluate(motion, poses)
        r_all, t_all = columns(actions, values, ids, "r"), columns(actions, values, ids, "torque")
        for j, some_id in enumerate(ids):
            r, t = r_all[:, j], t_all[:, j]
            for i, pose in enumerate(poses):
                rows.append({
                    "muscle": some_id, "motion": motion.name,
                    "pose": dict(zip(POSE_COORDINATES, (float(v) for v in pose))),
                    "moment_arm_mm": round(float(r[i]), 3), "torque_potential_nm": round(float(t[i]), 4),
                    "role": str(roles(np.array(r[i])).item()),
                })
    return rows
