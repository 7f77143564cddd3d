"""Muscle and nerve paths: where each line of action runs at any pose, and how long it is.

A :class:`PathSet` compiles the model's lines into flat arrays once, so that path lengths for
many poses and all lines cost a fixed, small number of numpy operations: every fixed point
is transformed in one batch, every segment measured in one batch, and segment lengths are
summed into line lengths by one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from viewer.core.anatomy import MuscleLine
from viewer.core.kinematics import as_pose_array, rotation_matrices
from viewer.core.wrapping import (
    cylinder_wrap_length,
    cylinder_wrap_polyline,
    sphere_wrap_length,
    sphere_wrap_polyline,
)


class PathSet:
    """Compiled lines of action.

    Parameters
    ----------
    lines : sequence of MuscleLine
        Lines to compile; their order is the column order of every result.
    """

    def __init__(self, lines: Sequence[MuscleLine]):
        self.lines: tuple[MuscleLine, ...] = tuple(lines)
        self.ids: tuple[str, ...] = tuple(line.id for line in self.lines)
        self._index = {line_id: i for i, line_id in enumerate(self.ids)}

        points, on_femur = [], []
        seg_a, seg_b, seg_line, seg_wrap = [], [], [], []
        wraps: list = []
        wrap_ids: dict[int, int] = {}
        for li, line in enumerate(self.lines):
            first = len(points)
            for pt in line.points:
                points.append(np.asarray(pt.position_mm, dtype=float))
                on_femur.append(pt.body == "femur")
            for k, wrap in enumerate(line.wraps):
                seg_a.append(first + k)
                seg_b.append(first + k + 1)
                seg_line.append(li)
                if wrap is None:
                    seg_wrap.append(-1)
                else:
                    key = id(wrap)
                    if key not in wrap_ids:
                        wrap_ids[key] = len(wraps)
                        wraps.append(wrap)
                    seg_wrap.append(wrap_ids[key])

        self._points = np.array(points).reshape(-1, 3)
        self._on_femur = np.array(on_femur, dtype=bool)
        self._seg_a = np.array(seg_a, dtype=int)
        self._seg_b = np.array(seg_b, dtype=int)
        seg_wrap_arr = np.array(seg_wrap, dtype=int)
        n_seg = len(seg_a)
        self._incidence = np.zeros((n_seg, len(self.lines)))
        self._incidence[np.arange(n_seg), np.array(seg_line, dtype=int)] = 1.0

        self._wraps = wraps
        kinds = np.array([w.kind for w in wraps])
        self._plain = np.flatnonzero(seg_wrap_arr < 0)
        self._sphere = np.flatnonzero((seg_wrap_arr >= 0) & (kinds[np.maximum(seg_wrap_arr, 0)] == "sphere")) if wraps else np.array([], int)
        self._cyl = np.flatnonzero((seg_wrap_arr >= 0) & (kinds[np.maximum(seg_wrap_arr, 0)] == "cylinder")) if wraps else np.array([], int)
        self._sphere_wrap = seg_wrap_arr[self._sphere]
        self._cyl_wrap = seg_wrap_arr[self._cyl]
        # Wrap geometry gathered per wrapped segment (fixed part) for batch evaluation.
        self._w_centre = np.array([w.centre_mm for w in wraps], dtype=float).reshape(-1, 3)
        self._w_axis = np.array(
            [w.axis if w.axis is not None else (0.0, 0.0, 0.0) for w in wraps], dtype=float
        ).reshape(-1, 3)
        self._w_radius = np.array([w.radius_mm for w in wraps], dtype=float)
        self._w_femur = np.array([w.body == "femur" for w in wraps], dtype=bool)
        self._w_direction = np.array([w.direction for w in wraps], dtype=float)

    # -- lookup -------------------------------------------------------------------------
    def index(self, line_id: str) -> int:
        """Column of ``line_id`` in every result array."""
        return self._index[line_id]

    def __len__(self) -> int:
        return len(self.lines)

    # -- batch geometry -----------------------------------------------------------------
    def _world_points(self, R: np.ndarray) -> np.ndarray:
        """All fixed points in the pelvis frame, shape ``(n, k, 3)``."""
        moved = np.einsum("nij,kj->nki", R, self._points)
        return np.where(self._on_femur[None, :, None], moved, self._points[None])

    def _world_wraps(self, R: np.ndarray):
        centre = np.where(
            self._w_femur[None, :, None], np.einsum("nij,kj->nki", R, self._w_centre), self._w_centre[None]
        )
        axis = np.where(
            self._w_femur[None, :, None], np.einsum("nij,kj->nki", R, self._w_axis), self._w_axis[None]
        )
        return centre, axis

    def lengths_from_rotations(self, R: np.ndarray) -> np.ndarray:
        """Path lengths in mm, shape ``(n, m)``, for femur rotations ``R`` of shape ``(n, 3, 3)``."""
        world = self._world_points(R)
        a = world[:, self._seg_a]
        b = world[:, self._seg_b]
        seg_len = np.empty(a.shape[:2])
        plain = self._plain
        d = b[:, plain] - a[:, plain]
        seg_len[:, plain] = np.sqrt(np.einsum("nki,nki->nk", d, d))
        if self._wraps:
            centre, axis = self._world_wraps(R)
            if self._sphere.size:
                w = self._sphere_wrap
                seg_len[:, self._sphere] = sphere_wrap_length(
                    a[:, self._sphere], b[:, self._sphere], centre[:, w], self._w_radius[w]
                )
            if self._cyl.size:
                w = self._cyl_wrap
                seg_len[:, self._cyl] = cylinder_wrap_length(
                    a[:, self._cyl], b[:, self._cyl], centre[:, w], axis[:, w], self._w_radius[w],
                    self._w_direction[w],
                )
        return seg_len @ self._incidence

    def lengths(self, pose_deg) -> np.ndarray:
        """Path lengths in mm for poses ``(n, 3)`` (degrees); returns ``(n, m)``."""
        return self.lengths_from_rotations(rotation_matrices(as_pose_array(pose_deg)))

    # -- one pose, for drawing -----------------------------------------------------------
    def polylines(self, pose_deg, samples_per_arc: int = 12) -> list[np.ndarray]:
        """The drawn course of every line at one pose, in the pelvis frame.

        Returns a list (one per line, in ``ids`` order) of arrays of shape ``(k, 3)``,
        including points along every arc where the path wraps.
        """
        R = rotation_matrices(as_pose_array(pose_deg))[:1]
        world = self._world_points(R)[0]
        if self._wraps:
            centres, axes = self._world_wraps(R)
            centres, axes = centres[0], axes[0]
        out: list[np.ndarray] = []
        point_cursor = 0
        for line in self.lines:
            pts = world[point_cursor : point_cursor + len(line.points)]
            point_cursor += len(line.points)
            pieces = [pts[:1]]
            for k, wrap in enumerate(line.wraps):
                a, b = pts[k], pts[k + 1]
                if wrap is None:
                    piece = np.array([a, b])
                else:
                    wi = self._wraps.index(wrap)
                    if wrap.kind == "sphere":
                        piece = sphere_wrap_polyline(a, b, centres[wi], wrap.radius_mm, samples_per_arc)
                    else:
                        piece = cylinder_wrap_polyline(a, b, centres[wi], axes[wi], wrap.radius_mm, samples_per_arc,
                                                       wrap.direction)
                pieces.append(piece[1:])
            out.append(np.vstack(pieces))
        return out

    def polyline(self, line_id: str, pose_deg) -> np.ndarray:
        """Drawn course of one line at one pose, shape ``(k, 3)``."""
        return self.polylines(pose_deg)[self.index(line_id)]

    def insertion_points(self, pose_deg) -> np.ndarray:
        """Insertion (last point) of each line in the pelvis frame, shape ``(n, m, 3)``."""
        R = rotation_matrices(as_pose_array(pose_deg))
        world = self._world_points(R)
        last = np.cumsum([len(line.points) for line in self.lines]) - 1
        return world[:, last]
