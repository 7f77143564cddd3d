"""The posterior approach: muscles released (detached) and the capacity that remains.

Released muscles take no part in the actions and capacity sums (PRODUCT.md). Capacity for a
motion is the sum of the positive torque potentials (moment arm x PCSA x specific tension, see
:mod:`viewer.core.actions`) of the muscle lines that produce it at the pose; what remains after a
release is reported as a percentage of the intact capacity. Because the sum is over lines, a
release removes exactly its own lines' share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.actions import ActionModel
from viewer.core.motions import Motion, POSE_COORDINATES


def released_lines(actions: ActionModel, released) -> np.ndarray:
    """Boolean mask over ``actions.line_ids``: lines of the released muscles or compartments."""
    released = set(released)
    return np.array([lid in released or actions.paths.lines[c].structure in released
                     for lid, c in zip(actions.line_ids, actions.muscle_columns)], dtype=bool)


@dataclass(frozen=True)
class Capacity:
    """Capacity for one motion at one pose, intact and after the release.

    Attributes
    ----------
    intact_nm, remaining_nm : float
        Sum of positive torque potentials (N m) of all lines / of the lines still attached.
    released_share_pct : float
        The released lines' part of the intact capacity (%).
    contributions_nm : dict
        Positive torque potential of each released muscle (N m).
    """

    motion: str
    pose_deg: tuple[float, float, float]
    released: tuple[str, ...]
    intact_nm: float
    remaining_nm: float
    contributions_nm: dict

    @property
    def remaining_pct(self) -> float:
        return 100.0 * self.remaining_nm / self.intact_nm if self.intact_nm > 0 else float("nan")

    @property
    def released_share_pct(self) -> float:
        return 100.0 - self.remaining_pct

    def as_dict(self) -> dict:
        return {"motion": self.motion, "pose": dict(zip(POSE_COORDINATES, self.pose_deg)),
                "released": list(self.released), "intact_capacity_nm": round(self.intact_nm, 3),
                "remaining_capacity_nm": round(self.remaining_nm, 3), "remaining_pct": round(self.remaining_pct, 2),
                "released_share_pct": round(self.released_share_pct, 2),
                "released_contributions_nm": {k: round(v, 3) for k, v in self.contributions_nm.items()}}


def capacity(actions: ActionModel, motion: Motion, pose_deg, released=()) -> Capacity:
    """Capacity for ``motion`` at one pose with ``released`` muscles (structure or line ids) detached."""
    result = actions.at_pose(pose_deg)
    torque = result.values(motion)["line_torque"]
    positive = np.clip(torque, 0.0, None)
    mask = released_lines(actions, released)
    contributions: dict[str, float] = {}
    for k in np.flatnonzero(mask):
        structure = actions.paths.lines[actions.muscle_columns[k]].structure
        contributions[structure] = contributions.get(structure, 0.0) + float(positive[k])
    return Capacity(motion.name, result.pose_deg, tuple(released), float(positive.sum()),
                    float(positive[~mask].sum()), contributions)
