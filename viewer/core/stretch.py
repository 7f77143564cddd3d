"""Muscle and nerve length change: stretch of every line at any pose, and where it is greatest.

Stretch of a line (PRODUCT.md): ``stretch_pct = 100 * (L - L_neutral) / L_neutral``, with ``L``
the path length at the pose and ``L_neutral`` the length at flexion = abduction = external
rotation = 0. Positive means lengthened, negative shortened. Lengths come from
:meth:`viewer.core.paths.PathSet.lengths`, so a stretch is exactly a path length difference.

:func:`greatest_stretch` searches the joint's range of motion for the pose that lengthens a line
most: a coarse grid over the whole range, then a pattern search from the best grid poses that
halves its step until it is finer than a tenth of a degree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.kinematics import DEFAULT_ROM, RangeOfMotion, as_pose_array
from viewer.core.motions import POSE_COORDINATES
from viewer.core.paths import PathSet

NEUTRAL_POSE_DEG = np.zeros(3)


def neutral_lengths(paths: PathSet) -> np.ndarray:
    """Path length of every line at the neutral pose, shape ``(m,)`` mm."""
    return paths.lengths(NEUTRAL_POSE_DEG[None])[0]


def stretch_pct(lengths_mm: np.ndarray, neutral_mm: np.ndarray) -> np.ndarray:
    """``100 * (L - L0) / L0``; ``lengths_mm`` ``(..., m)``, ``neutral_mm`` ``(m,)``; same shape out."""
    return 100.0 * (np.asarray(lengths_mm) - neutral_mm) / neutral_mm


def lengths_and_stretch(paths: PathSet, pose_deg) -> tuple[np.ndarray, np.ndarray]:
    """Lengths (mm) and stretch (%) of every line at poses ``(n, 3)`` deg; each ``(n, m)``."""
    lengths = paths.lengths(as_pose_array(pose_deg))
    return lengths, stretch_pct(lengths, neutral_lengths(paths))


@dataclass(frozen=True)
class GreatestStretch:
    """The pose of greatest stretch of one line within a range of motion (or a part of it)."""

    line: str
    pose_deg: tuple[float, float, float]
    length_mm: float
    neutral_length_mm: float
    held: dict  # coordinate name -> value (deg) held fixed during the search

    @property
    def stretch_mm(self) -> float:
        return self.length_mm - self.neutral_length_mm

    @property
    def stretch_pct(self) -> float:
        return 100.0 * self.stretch_mm / self.neutral_length_mm

    def as_dict(self) -> dict:
        return {
            "muscle": self.line,
            "pose": dict(zip(POSE_COORDINATES, (round(v, 2) for v in self.pose_deg))),
            "length_mm": round(self.length_mm, 2),
            "neutral_length_mm": round(self.neutral_length_mm, 2),
            "stretch_mm": round(self.stretch_mm, 2),
            "stretch_pct": round(self.stretch_pct, 2),
            "held": dict(self.held),
        }


def greatest_stretch(paths: PathSet, line_ids, rom: RangeOfMotion = DEFAULT_ROM, *, held: dict | None = None,
                     grid_step_deg: float = 5.0, tolerance_deg: float = 0.05, starts: int = 3) -> list[GreatestStretch]:
    """Pose of greatest length of each line within ``rom``.

    Parameters
    ----------
    paths : PathSet
    line_ids : sequence of str
    rom : RangeOfMotion
        The search stays inside these limits (the model's joint range, README).
    held : dict, optional
        ``{coordinate index: degrees}`` held fixed (e.g. ``{2: 0.0}`` keeps rotation neutral).
    grid_step_deg : float
        Spacing of the coarse grid.
    tolerance_deg : float
        The pattern search stops when its step is below this.
    starts : int
        How many of the best grid poses are refined (guards against a second local peak).

    Returns
    -------
    list of GreatestStretch, one per line, in the order given.
    """
    held = dict(held or {})
    limits = rom.as_array()
    axes = []
    for c in range(3):
        if c in held:
            axes.append(np.array([float(held[c])]))
        else:
            lo, hi = limits[c]
            n = int(np.ceil((hi - lo) / grid_step_deg)) + 1
            axes.append(np.linspace(lo, hi, n))
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    cols = [paths.index(line_id) for line_id in line_ids]
    neutral = neutral_lengths(paths)[cols]
    grid_lengths = paths.lengths(grid)[:, cols]  # (g, k)
    free = np.array([c not in held for c in range(3)])
    # Every combination of -1/0/+1 on the free coordinates: the pattern search's neighbours.
    steps = np.stack(np.meshgrid(*[[-1.0, 0.0, 1.0] if f else [0.0] for f in free], indexing="ij"), -1).reshape(-1, 3)
    out: list[GreatestStretch] = []
    for k, line_id in enumerate(line_ids):
        best_idx = np.argsort(grid_lengths[:, k])[::-1][:starts]
        pose = grid[best_idx].copy()  # (s, 3): refine several starts at once
        value = grid_lengths[best_idx, k].copy()
        h = grid_step_deg / 2.0
        col = cols[k]
        while h >= tolerance_deg:
            trial = np.clip(pose[:, None, :] + h * steps[None], limits[:, 0], limits[:, 1]).reshape(-1, 3)
            lengths = paths.lengths(trial)[:, col].reshape(len(pose), len(steps))
            j = lengths.argmax(axis=1)
            better = lengths[np.arange(len(pose)), j] > value + 1e-9
            if better.any():
                pose[better] = trial.reshape(len(pose), len(steps), 3)[better, j[better]]
                value[better] = lengths[better, j[better]]
            else:
                h /= 2.0
        i = int(value.argmax())
        out.append(GreatestStretch(line_id, tuple(float(v) for v in pose[i]), float(value[i]), float(neutral[k]),
                                   {POSE_COORDINATES[c]: float(v) for c, v in held.items()}))
    return out
