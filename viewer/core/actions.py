"""Who acts on a motion: moment arms, torque potential and role of every muscle, ranked.

Torque potential for a motion is moment arm x PCSA x specific tension: the most torque a line
could add to that motion at full activation, ignoring force-length effects. The specific
tension is 61 N/cm^2, the value of Arnold et al. 2010 (Ann Biomed Eng 38:269-279), which they
chose so that model joint torques matched dynamometer measurements and which sits in the
range reported for human muscle.

Role thresholds: a line whose moment arm for the motion is within +/-2 mm of zero is
``negligible``. Two millimetres is about a tenth of a typical deep-rotator moment arm and below
what the simplified bone and path geometry can resolve, so a smaller value carries no sign a
teacher should read. Above it the line ``produces`` (r > 0) or ``opposes`` (r < 0) the motion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.kinematics import as_pose_array
from viewer.core.moment_arms import motion_moment_arms
from viewer.core.motions import POSE_COORDINATES, Motion
from viewer.core.paths import PathSet

SPECIFIC_TENSION_N_PER_CM2 = 61.0
NEGLIGIBLE_MOMENT_ARM_MM = 2.0
ROLES = ("produces", "opposes", "negligible")
RANK_KEYS = ("torque", "moment_arm")


def roles(moment_arm_mm: np.ndarray) -> np.ndarray:
    """Role of each moment arm (``"produces"``, ``"opposes"``, ``"negligible"``), same shape."""
    r = np.asarray(moment_arm_mm, dtype=float)
    out = np.full(r.shape, "negligible", dtype=object)
    out[r >= NEGLIGIBLE_MOMENT_ARM_MM] = "produces"
    out[r <= -NEGLIGIBLE_MOMENT_ARM_MM] = "opposes"
    return out


def torque_potential_nm(moment_arm_mm: np.ndarray, pcsa_cm2: np.ndarray) -> np.ndarray:
    """Moment arm (mm) x PCSA (cm^2) x specific tension (N/cm^2), in N m; broadcasts."""
    return np.asarray(moment_arm_mm) * 1e-3 * np.asarray(pcsa_cm2) * SPECIFIC_TENSION_N_PER_CM2


@dataclass(frozen=True)
class ActionRow:
    """One muscle (or compartment, or a compartmented muscle as a whole) for one motion at one pose."""

    muscle: str
    structure: str
    level: str  # "muscle" (a whole muscle) or "compartment"
    motion: str
    pose_deg: tuple[float, float, float]
    moment_arm_mm: float
    torque_potential_nm: float
    pcsa_cm2: float
    role: str
    rank: int = 0

    def as_dict(self) -> dict:
        """JSON-ready dict; ``pose`` keyed by coordinate name."""
        return {
            "rank": self.rank,
            "muscle": self.muscle,
            "structure": self.structure,
            "level": self.level,
            "motion": self.motion,
            "pose": dict(zip(POSE_COORDINATES, self.pose_deg)),
            "moment_arm_mm": round(self.moment_arm_mm, 3),
            "torque_potential_nm": round(self.torque_potential_nm, 4),
            "pcsa_cm2": self.pcsa_cm2,
            "role": self.role,
        }


class ActionModel:
    """Moment arms and torque potential of the muscle lines, per line and per whole muscle.

    Parameters
    ----------
    paths : PathSet
        Compiled lines; only ``kind == "muscle"`` lines with a PCSA take part.
    """

    def __init__(self, paths: PathSet):
        self.paths = paths
        self.muscle_columns = np.array([i for i, line in enumerate(paths.lines) if line.is_muscle], dtype=int)
        lines = [paths.lines[i] for i in self.muscle_columns]
        self.line_ids = [line.id for line in lines]
        self.pcsa = np.array([line.pcsa_cm2 if line.pcsa_cm2 is not None else np.nan for line in lines])
        if np.isnan(self.pcsa).any():
            missing = [line.id for line in lines if line.pcsa_cm2 is None]
            raise ValueError(f"muscle lines without PCSA: {missing}")
        structures: dict[str, list[int]] = {}
        for k, line in enumerate(lines):
            structures.setdefault(line.structure, []).append(k)
        self.structures = structures
        # Rows of `grouping` sum compartment values into whole muscles (PCSA-weighted for r).
        self.structure_ids = list(structures)
        self.grouping = np.zeros((len(lines), len(structures)))
        for j, members in enumerate(structures.values()):
            self.grouping[members, j] = 1.0
        self.structure_pcsa = self.pcsa @ self.grouping

    def line_moment_arms(self, motion: Motion, pose_deg) -> np.ndarray:
        """Moment arm of each muscle line for ``motion``, shape ``(n, n_lines)`` mm."""
        return motion_moment_arms(self.paths, motion, pose_deg)[:, self.muscle_columns]

    def evaluate(self, motion: Motion, pose_deg):
        """Line and whole-muscle values for many poses.

        Returns
        -------
        dict with ``line_r`` ``(n, n_lines)`` mm, ``line_torque`` N m, ``muscle_r``
        ``(n, n_structures)`` mm (PCSA-weighted mean of its lines) and ``muscle_torque`` N m.
        """
        r = self.line_moment_arms(motion, pose_deg)
        torque = torque_potential_nm(r, self.pcsa)
        muscle_torque = torque @ self.grouping
        muscle_r = (r * self.pcsa) @ self.grouping / self.structure_pcsa
        return {"line_r": r, "line_torque": torque, "muscle_r": muscle_r, "muscle_torque": muscle_torque}

    def table(self, motion: Motion, pose_deg, rank_by: str = "torque", include_compartments: bool = True) -> list[ActionRow]:
        """Ranked rows for one pose: producers first (largest first), then negligible, then opposers.

        Whole muscles and (for compartmented muscles) their compartments are ranked together;
        a compartment row has ``level == "compartment"``.
        """
        if rank_by not in RANK_KEYS:
            raise ValueError(f"rank_by must be one of {RANK_KEYS}")
        pose = as_pose_array(pose_deg)[0]
        values = self.evaluate(motion, pose[None])
        pose_t = tuple(float(v) for v in pose)
        rows: list[ActionRow] = []
        for j, structure in enumerate(self.structure_ids):
            r = float(values["muscle_r"][0, j])
            rows.append(
                ActionRow(structure, structure, "muscle", motion.name, pose_t, r,
                          float(values["muscle_torque"][0, j]), float(self.structure_pcsa[j]), roles(np.array(r)).item())
            )
            members = self.structures[structure]
            if include_compartments and (len(members) > 1 or self.line_ids[members[0]] != structure):
                for k in members:
                    rk = float(values["line_r"][0, k])
                    rows.append(
                        ActionRow(self.line_ids[k], structure, "compartment", motion.name, pose_t, rk,
                                  float(values["line_torque"][0, k]), float(self.pcsa[k]), roles(np.array(rk)).item())
                    )
        key = (lambda row: row.torque_potential_nm) if rank_by == "torque" else (lambda row: row.moment_arm_mm)
        rows.sort(key=key, reverse=True)
        return [ActionRow(**{**row.__dict__, "rank": i + 1}) for i, row in enumerate(rows)]
