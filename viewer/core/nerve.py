"""The sciatic nerve's neighbours: how close each muscle comes to the nerve along its course.

At a pose, the nerve's drawn course is sampled evenly by arc length; for every sample the
distance to each neighbour's drawn course (a polyline, wrapping arcs included) is the distance
to its nearest segment. The smallest over the samples is the clearance, reported with where along
the nerve it occurs (mm from the nerve's proximal end). Distances are between lines of action
(centrelines), so they measure how the neighbours close in on the nerve as the hip moves, not
the thin fat planes an MRI shows between their surfaces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.paths import PathSet
from viewer.core.sweep import resample_polyline

NERVE_SAMPLES = 80


def point_polyline_distance(points: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    """Distance from each point ``(k, 3)`` to a polyline ``(s, 3)``; returns ``(k,)`` mm."""
    a = polyline[:-1]
    ab = polyline[1:] - a
    ab2 = np.maximum(np.einsum("si,si->s", ab, ab), 1e-12)
    t = np.clip(np.einsum("ksi,si->ks", points[:, None, :] - a[None], ab) / ab2, 0.0, 1.0)
    nearest = a[None] + t[:, :, None] * ab[None]
    return np.linalg.norm(points[:, None, :] - nearest, axis=2).min(axis=1)


@dataclass(frozen=True)
class NerveClearance:
    """Clearance of one neighbour at one pose."""

    neighbour: str
    pose_deg: tuple[float, float, float]
    clearance_mm: float
    along_nerve_mm: float
    nerve_point_mm: tuple[float, float, float]

    def as_dict(self) -> dict:
        return {"neighbour": self.neighbour,
                "pose": dict(zip(("flexion", "abduction", "external_rotation"), self.pose_deg)),
                "clearance_mm": round(self.clearance_mm, 2), "along_nerve_mm": round(self.along_nerve_mm, 1)}


def nerve_clearances(paths: PathSet, nerve_id: str, neighbours, pose_deg) -> list[NerveClearance]:
    """Clearance of each neighbour line (or the lines of a neighbour muscle) from the nerve at one pose.

    Parameters
    ----------
    paths : PathSet
    nerve_id : str
        The nerve's line id.
    neighbours : mapping of str -> sequence of str
        Neighbour name -> the line ids that make it up (a compartmented muscle has several).
    pose_deg : array_like, shape (3,)
    """
    pose = np.asarray(pose_deg, dtype=float).reshape(3)
    courses = paths.polylines(pose)
    nerve = resample_polyline(courses[paths.index(nerve_id)], NERVE_SAMPLES)
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(nerve, axis=0), axis=1))])
    out = []
    for name, line_ids in neighbours.items():
        d = np.min([point_polyline_distance(nerve, courses[paths.index(lid)]) for lid in line_ids], axis=0)
        k = int(d.argmin())
        out.append(NerveClearance(name, tuple(float(v) for v in pose), float(d[k]), float(along[k]),
                                  tuple(float(v) for v in nerve[k])))
    return out
