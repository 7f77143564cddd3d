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

:meth:`ActionModel.at_pose` is the one mechanics call per pose: every line's length and its
moment arms about all three coordinates, in one :class:`MechanicsResult` that answers for any
motion (values, roles, the ranked table). The session keeps the current one
(:mod:`viewer.state.mechanics`); sweeps over many poses are in :mod:`viewer.core.sweeps`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.constants import NEGLIGIBLE_MOMENT_ARM_MM, SPECIFIC_TENSION_N_PER_CM2
from viewer.core.kinematics import as_pose_array
from viewer.core.moment_arms import lengths_and_moment_arms, motion_moment_arms
from viewer.core.motions import POSE_COORDINATES, Motion
from viewer.core.paths import PathSet

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

    def at_pose(self, pose_deg) -> "MechanicsResult":
        """Lengths and moment arms (three coordinates) of every line at one pose, in one call."""
        pose = as_pose_array(pose_deg)[0]
        lengths, r = lengths_and_moment_arms(self.paths, pose[None])
        return MechanicsResult(self, tuple(float(v) for v in pose), lengths[0], r[0])

    def table(self, motion: Motion, pose_deg, rank_by: str = "torque", include_compartments: bool = True) -> list[ActionRow]:
        """Ranked rows for one pose (see :meth:`MechanicsResult.table`)."""
        return self.at_pose(pose_deg).table(motion, rank_by, include_compartments)


class MechanicsResult:
    """Everything the mechanics say about one pose: lengths, moment arms, roles, torques.

    Attributes
    ----------
    pose_deg : tuple of 3 floats
    line_ids : list of str
        Every line of action (muscles, compartments and nerves), in path order.
    lengths_mm : numpy.ndarray, shape (m,)
    moment_arms_mm : numpy.ndarray, shape (m, 3)
        ``r`` about flexion, abduction and external rotation, positive where the line
        produces the positive motion of that coordinate.
    """

    def __init__(self, actions: ActionModel, pose_deg: tuple[float, float, float], lengths_mm: np.ndarray,
                 moment_arms_mm: np.ndarray):
        self.actions = actions
        self.pose_deg = pose_deg
        self.line_ids = [line.id for line in actions.paths.lines]
        self.lengths_mm = lengths_mm
        self.moment_arms_mm = moment_arms_mm
        self._index = {line_id: k for k, line_id in enumerate(self.line_ids)}
        self._cache: dict[str, dict[str, np.ndarray]] = {}

    def length(self, line_id: str) -> float:
        return float(self.lengths_mm[self._index[line_id]])

    def moment_arm(self, line_id: str, motion: Motion) -> float:
        """Moment arm (mm) of any line (muscle, compartment, nerve) for a motion."""
        return float(motion.sign * self.moment_arms_mm[self._index[line_id], motion.coordinate])

    def values(self, motion: Motion) -> dict[str, np.ndarray]:
        """Muscle values for a motion, as :meth:`ActionModel.evaluate` returns for one pose
        (``line_r``, ``line_torque`` per muscle line; ``muscle_r``, ``muscle_torque`` per muscle)."""
        if motion.name not in self._cache:
            a = self.actions
            r = motion.sign * self.moment_arms_mm[a.muscle_columns, motion.coordinate]
            torque = torque_potential_nm(r, a.pcsa)
            self._cache[motion.name] = {
                "line_r": r, "line_torque": torque, "muscle_torque": torque @ a.grouping,
                "muscle_r": (r * a.pcsa) @ a.grouping / a.structure_pcsa,
            }
        return self._cache[motion.name]

    def of(self, some_id: str, motion: Motion) -> tuple[float, float]:
        """Moment arm (mm) and torque potential (N m) of a whole muscle or one muscle line."""
        a, v = self.actions, self.values(motion)
        if some_id in a.structure_ids:
            j = a.structure_ids.index(some_id)
            return float(v["muscle_r"][j]), float(v["muscle_torque"][j])
        k = a.line_ids.index(some_id)
        return float(v["line_r"][k]), float(v["line_torque"][k])

    def roles(self, motion: Motion) -> dict[str, str]:
        """Role of every muscle line and whole muscle for a motion."""
        v = self.values(motion)
        out = dict(zip(self.actions.line_ids, roles(v["line_r"])))
        out.update(zip(self.actions.structure_ids, roles(v["muscle_r"])))
        return out

    def table(self, motion: Motion, rank_by: str = "torque", include_compartments: bool = True) -> list[ActionRow]:
        """Ranked rows: producers first (largest first), then negligible, then opposers.

        Whole muscles and (for compartmented muscles) their compartments are ranked together;
        a compartment row has ``level == "compartment"``.
        """
        if rank_by not in RANK_KEYS:
            raise ValueError(f"rank_by must be one of {RANK_KEYS}")
        a = self.actions
        values = self.values(motion)
        pose_t = self.pose_deg
        rows: list[ActionRow] = []
        for j, structure in enumerate(a.structure_ids):
            r = float(values["muscle_r"][j])
            rows.append(
                ActionRow(structure, structure, "muscle", motion.name, pose_t, r,
                          float(values["muscle_torque"][j]), float(a.structure_pcsa[j]), roles(np.array(r)).item())
            )
            members = a.structures[structure]
            if include_compartments and (len(members) > 1 or a.line_ids[members[0]] != structure):
                for k in members:
                    rk = float(values["line_r"][k])
                    rows.append(
                        ActionRow(a.line_ids[k], structure, "compartment", motion.name, pose_t, rk,
                                  float(values["line_torque"][k]), float(a.pcsa[k]), roles(np.array(rk)).item())
                    )
        key = (lambda row: row.torque_potential_nm) if rank_by == "torque" else (lambda row: row.moment_arm_mm)
        rows.sort(key=key, reverse=True)
        return [ActionRow(**{**row.__dict__, "rank": i + 1}) for i, row in enumerate(rows)]
