"""Muscle and nerve paths: where each line of action runs at any pose, how long it is, and
how its length changes with each joint coordinate.

A :class:`PathSet` compiles the model's lines into flat arrays once, so that path lengths for
many poses and all lines cost a fixed, small number of numpy operations: every fixed point
is transformed in one batch, every segment measured in one batch (straight, or wrapped round
a sphere or cylinder by one fused kernel; ellipsoids, tori and the wraps of imported models
by their own kernels), and segment lengths are summed into line lengths by one matrix
product. A segment whose ends and wrap surface lie on one body never changes: it is
measured once, when the set is compiled.

Moment arms come from the same pass. Each segment kernel returns the gradient of its length
with respect to its two end points (the unit vectors from the contact points to the ends).
A joint coordinate turns the femur about an axis ``w`` through the hip centre, so a femur
point ``x`` moves at ``w x x`` and the segment length changes at
``w . sum((m_end - m_wrap) * (x_end x g_end))`` - ``m`` being 1 for what moves with the
femur (a wrap surface carried by the femur moving with it is the same as both ends moving
the other way). The excursion moment arm ``r = -dL/dtheta`` is then one dot product per line
and coordinate, with no finite differences.

Conditional points (on the path only while a pose coordinate lies in a range) are handled by
compiling, for every run of conditional points, the segment that bypasses them; at each pose
exactly one chain of segments is active.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from viewer.core.anatomy import MuscleLine
from viewer.core.kinematics import as_pose_array, rotation_matrices
from viewer.core.torus import torus_segment
from viewer.core.wrap_imported import (
    ELLIPSOID_METHODS,
    opensim_cylinder_segment,
    opensim_ellipsoid_segment,
    opensim_sphere_segment,
)
from viewer.core.wrapping import (
    _cross,
    cylinder_wrap_polyline,
    ellipsoid_segment_gradient,
    ellipsoid_wrap_polyline,
    free_round_segments,
    round_segment,
    sided_polyline,
)

WRAP_KINDS = ("sphere", "cylinder", "ellipsoid", "torus")


def _kernel(wrap) -> str:
    """Which batch kernel measures segments over ``wrap``: ``round`` (straight, sphere and the
    viewer's cylinders, one fused kernel) or one of the kernels run apart."""
    if wrap.kind == "ellipsoid":
        return "ellipsoid" if wrap.method is None else "opensim_ellipsoid"
    if wrap.kind == "cylinder" and wrap.length_mm is not None:
        return "opensim_cylinder"
    if wrap.kind == "torus":
        return "torus" if wrap.method is None else "opensim_torus"
    if wrap.kind == "sphere" and wrap.method == "opensim":
        return "opensim_sphere"
    return "round"


def joint_axis_vectors(pose_deg: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Rotation axis of each pose coordinate (flexion, abduction, external rotation), pelvis
    frame, shape ``(n, 3, 3)``: row ``c`` is the angular velocity of the femur per radian of
    coordinate ``c``."""
    if pose_deg.shape[0] == 1:
        q = math.radians(pose_deg[0, 0])
        y0, y1, y2 = R[0, :, 1].tolist()
        return np.array([[[0.0, 0.0, 1.0], [-math.cos(q), -math.sin(q), 0.0], [-y0, -y1, -y2]]])
    q = np.radians(pose_deg[:, 0])
    axes = np.zeros((pose_deg.shape[0], 3, 3))
    axes[:, 0, 2] = 1.0
    axes[:, 1, 0] = -np.cos(q)
    axes[:, 1, 1] = -np.sin(q)
    axes[:, 2] = -R[:, :, 1]
    return axes


def _per_line(values: np.ndarray, incidence: np.ndarray) -> np.ndarray:
    """Segment values ``(n, S)`` summed into lines, ``(n, m)``. Written as a stack of
    row-vector products: a plain matrix product of this shape goes to the multithreaded BLAS,
    whose threads cost far more than the sums on a busy machine."""
    return (values[:, None, :] @ incidence)[:, 0]


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

        points, on_femur, conditions = [], [], []
        seg_a, seg_b, seg_line, seg_wrap, seg_between = [], [], [], [], []
        wraps: list = []
        wrap_ids: dict[int, int] = {}
        self._line_first: list[int] = []
        for li, line in enumerate(self.lines):
            first = len(points)
            self._line_first.append(first)
            for pt in line.points:
                points.append(np.asarray(pt.position_mm, dtype=float))
                on_femur.append(pt.body == "femur")
                conditions.append(pt.condition)
            k_pts = len(line.points)
            for i in range(k_pts - 1):
                for j in range(i + 1, k_pts):
                    between = list(range(i + 1, j))
                    if any(line.points[b].condition is None for b in between):
                        break
                    wrap = next((w for w in line.wraps[i:j] if w is not None), None)
                    seg_a.append(first + i)
                    seg_b.append(first + j)
                    seg_line.append(li)
                    seg_between.append([first + b for b in between])
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
        self._femur_idx = np.flatnonzero(self._on_femur)
        self._conditions = conditions
        self._seg_a = np.array(seg_a, dtype=int)
        self._seg_b = np.array(seg_b, dtype=int)
        self._seg_line = np.array(seg_line, dtype=int)
        self._seg_between = seg_between
        seg_wrap_arr = np.array(seg_wrap, dtype=int)
        self._seg_wrap = seg_wrap_arr
        n_seg = len(seg_a)
        self._incidence = np.zeros((n_seg, len(self.lines)))
        self._incidence[np.arange(n_seg), self._seg_line] = 1.0
        # Conditional points: the segments whose activity depends on the pose.
        self._cond_points = [k for k, c in enumerate(conditions) if c is not None]
        self._conditional = bool(self._cond_points)
        if self._conditional:
            self._cond_index = {k: i for i, k in enumerate(self._cond_points)}
            self._cond_coord = np.array([conditions[k][0] for k in self._cond_points], dtype=int)
            self._cond_lo = np.array([conditions[k][1] for k in self._cond_points], dtype=float)
            self._cond_hi = np.array([conditions[k][2] for k in self._cond_points], dtype=float)

        self._wraps = wraps
        kinds = np.array([w.kind for w in wraps]) if wraps else np.array([], dtype=str)
        wrap_kind = np.where(seg_wrap_arr >= 0, kinds[np.maximum(seg_wrap_arr, 0)] if wraps else "", "")
        self._plain = np.flatnonzero(seg_wrap_arr < 0)
        self._by_kind = {kind: np.flatnonzero(wrap_kind == kind) for kind in WRAP_KINDS}
        self._w_centre = np.array([w.centre_mm for w in wraps], dtype=float).reshape(-1, 3)
        self._w_axis = np.array(
            [w.axis if w.axis is not None else (0.0, 0.0, 0.0) for w in wraps], dtype=float
        ).reshape(-1, 3)
        self._w_radius = np.array([w.radius_mm for w in wraps], dtype=float)
        self._w_femur = np.array([w.body == "femur" for w in wraps], dtype=bool)
        self._w_direction = np.array([w.direction for w in wraps], dtype=float)
        self._w_contact = np.array([bool(w.side_on_contact) for w in wraps], dtype=bool)
        self._w_side = np.array(
            [w.side if w.side is not None else (0.0, 0.0, 0.0) for w in wraps], dtype=float
        ).reshape(-1, 3)
        self._w_frame = np.array(
            [w.frame if w.frame is not None else np.eye(3) for w in wraps], dtype=float
        ).reshape(-1, 3, 3)
        self._w_semi = np.array(
            [w.semi_axes_mm if w.semi_axes_mm is not None else (w.radius_mm,) * 3 for w in wraps], dtype=float
        ).reshape(-1, 3)
        # Signs (m_end - m_wrap) per segment end, for the length gradient.
        m_wrap = np.where(seg_wrap_arr >= 0, self._w_femur[np.maximum(seg_wrap_arr, 0)] if wraps else False, False)
        m_wrap = m_wrap.astype(float)
        on_f = self._on_femur.astype(float)
        self._sign_ab = np.concatenate([on_f[self._seg_a] - m_wrap, on_f[self._seg_b] - m_wrap])
        self._w_method = np.array([ELLIPSOID_METHODS.index(w.method) if w.kind == "ellipsoid" and w.method else 0
                                   for w in wraps], dtype=int)
        self._w_half = np.array([0.5 * w.length_mm if w.length_mm else np.inf for w in wraps], dtype=float)
        self._w_ring = np.array([w.ring_radius_mm or 0.0 for w in wraps], dtype=float)
        # Segments of paths with more than one wrap surface (OpenSim then iterates cylinder
        # tangent points to tangency).
        n_wraps = [len({id(w) for w in line.wraps if w is not None}) for line in self.lines]
        self._seg_multi = np.array([n_wraps[li] > 1 for li in seg_line], dtype=bool)
        # Round kernel (straight, sphere, cylinder) per segment; the other kernels apart.
        kernels = np.array([_kernel(w) for w in wraps]) if wraps else np.array([], dtype=str)
        seg_kernel = np.where(seg_wrap_arr >= 0, kernels[np.maximum(seg_wrap_arr, 0)] if wraps else "", "round")
        self._extra = [(k, np.flatnonzero(seg_kernel == k)) for k in ("ellipsoid", "opensim_ellipsoid",
                                                                        "opensim_cylinder", "torus", "opensim_torus",
                                                                        "opensim_sphere")]
        # A segment whose ends and wrap surface all lie on one body keeps its length at every
        # pose and has no moment arm: measured once here, left out of every pose update.
        seg_femur_a, seg_femur_b = self._on_femur[self._seg_a], self._on_femur[self._seg_b]
        fixed = (seg_femur_a == seg_femur_b) & ((seg_wrap_arr < 0) | (m_wrap.astype(bool) == seg_femur_a))
        self._fixed_idx = np.flatnonzero(fixed)
        self._extra = [(k, sel[~fixed[sel]]) for k, sel in self._extra]
        self._extra = [(k, sel) for k, sel in self._extra if sel.size]
        self._round = np.flatnonzero((seg_kernel == "round") & ~fixed)
        rw = seg_wrap_arr[self._round]
        has = rw >= 0
        wi = np.maximum(rw, 0)
        pick = lambda arr, fill: np.where(has[:, None], arr[wi], fill) if wraps else np.zeros((len(rw), 3))  # noqa: E731
        r_centre = pick(self._w_centre, 0.0)
        r_axis = np.where((wrap_kind[self._round] == "cylinder")[:, None], pick(self._w_axis, 0.0), 0.0)
        r_side = pick(self._w_side, 0.0)
        if wraps:
            self._r_radius = np.where(has, self._w_radius[wi], 0.0)
            self._r_direction = np.where(has, self._w_direction[wi], 0.0)
            self._r_contact = np.where(has, self._w_contact[wi], False)
            r_femur = np.where(has, self._w_femur[wi], False)
        else:
            self._r_radius = np.zeros(len(rw))
            self._r_direction = np.zeros(len(rw))
            self._r_contact = np.zeros(len(rw), dtype=bool)
            r_femur = np.zeros(len(rw), dtype=bool)
        # Every vector that turns with the femur, stacked so that one product moves them all:
        # the points, then the round segments' centres, axes and sides.
        self._stack = np.vstack([self._points, r_centre, r_axis, r_side])
        n_pts, n_r = len(self._points), len(rw)
        moves = np.concatenate([self._on_femur, r_femur, r_femur, r_femur])
        self._moving = np.flatnonzero(moves)
        self._stack_moving = self._stack[self._moving]
        self._slices = (slice(0, n_pts), slice(n_pts, n_pts + n_r), slice(n_pts + n_r, n_pts + 2 * n_r),
                        slice(n_pts + 2 * n_r, n_pts + 3 * n_r))
        self._ends = np.stack([self._seg_a[self._round], self._seg_b[self._round]])  # (2, round)
        self._free = not (np.any(self._r_direction) or np.any(r_side))
        self._straight = not np.any(self._r_radius)
        self._any_cyl = bool(np.any(r_axis))
        self._fixed_len = np.zeros(n_seg)
        self._fixed_len[self._fixed_idx] = [self._rest_length(k) for k in self._fixed_idx]
        self._fixed_lines = self._fixed_len @ self._incidence
        # Moment of a round segment's ends -> moment arm of its line: -(m_end - m_wrap) per line.
        sign_ab = self._sign_ab.reshape(2, n_seg)[:, self._round]
        self._round_moment = -(sign_ab[:, :, None] * self._incidence[self._round][None]).reshape(-1, len(self.lines))
        self._round_incidence = self._incidence[self._round]
        self._straight_moment = -(sign_ab[1] - sign_ab[0])[:, None] * self._round_incidence

    def _rest_length(self, k: int) -> float:
        """Length of segment ``k`` at the neutral pose (for segments that never change)."""
        a, b = self._points[self._seg_a[k]], self._points[self._seg_b[k]]
        wi = self._seg_wrap[k]
        if wi < 0:
            return float(np.linalg.norm(b - a))
        wrap = self._wraps[wi]
        kernel = _kernel(wrap)
        if kernel != "round":
            R1 = np.eye(3)[None]
            return float(self._extra_kernel(kernel, a[None, None], b[None, None], np.array([k]), *self._world_wraps(R1))[0][0, 0])
        axis = self._w_axis[wi] if wrap.kind == "cylinder" else np.zeros(3)
        return float(round_segment(a[None], b[None], self._w_centre[wi][None], axis[None], self._w_radius[wi:wi + 1],
                                   self._w_direction[wi:wi + 1], self._w_side[wi][None],
                                   self._w_contact[wi:wi + 1])[0][0])

    # -- lookup -------------------------------------------------------------------------
    def index(self, line_id: str) -> int:
        """Column of ``line_id`` in every result array."""
        return self._index[line_id]

    def __len__(self) -> int:
        return len(self.lines)

    # -- batch geometry -----------------------------------------------------------------
    def _world_points(self, R: np.ndarray) -> np.ndarray:
        """All fixed points in the pelvis frame, shape ``(n, k, 3)``."""
        world = np.broadcast_to(self._points, (R.shape[0],) + self._points.shape).copy()
        if self._femur_idx.size:
            world[:, self._femur_idx] = np.einsum("nij,kj->nki", R, self._points[self._femur_idx])
        return world

    def _world_wraps(self, R: np.ndarray):
        """Wrap centres ``(n, w, 3)``, axes, sides ``(n, w, 3)`` and frames ``(n, w, 3, 3)``."""
        n = R.shape[0]
        femur = self._w_femur
        centre = np.broadcast_to(self._w_centre, (n,) + self._w_centre.shape).copy()
        axis = np.broadcast_to(self._w_axis, (n,) + self._w_axis.shape).copy()
        side = np.broadcast_to(self._w_side, (n,) + self._w_side.shape).copy()
        frame = np.broadcast_to(self._w_frame, (n,) + self._w_frame.shape).copy()
        if femur.any():
            centre[:, femur] = np.einsum("nij,kj->nki", R, self._w_centre[femur])
            axis[:, femur] = np.einsum("nij,kj->nki", R, self._w_axis[femur])
            side[:, femur] = np.einsum("nij,kj->nki", R, self._w_side[femur])
            # Rows are the principal axes: rotate each row.
            frame[:, femur] = np.einsum("nij,kaj->nkai", R, self._w_frame[femur])
        return centre, axis, side, frame

    def _line_results(self, R: np.ndarray, pose: np.ndarray | None, gradients: bool):
        """Path lengths ``(n, m)`` and, with ``gradients``, minus the moment of every line's
        end gradients about the hip centre, ``-sum((m_end - m_wrap) * x_end x g_end)``,
        ``(n, 3, m)``: a moment arm is its dot product with a joint axis."""
        n = R.shape[0]
        world = np.empty((n,) + self._stack.shape)
        world[:] = self._stack
        if self._moving.size:
            world[:, self._moving] = self._stack_moving @ R.transpose(0, 2, 1)
        _, c_sl, u_sl, side_sl = self._slices
        E = world.take(self._ends, 1)  # (n, 2, round, 3)
        G = None
        if self._straight:
            # Straight segments only: the two ends' moments add up to (a x b) / L.
            d = E[:, 1] - E[:, 0]
            seg_len = np.sqrt(np.add.reduce(d * d, -1))
        elif self._free:
            seg_len, G = free_round_segments(E, world[:, c_sl], world[:, u_sl], self._r_radius, self._any_cyl)
        else:
            contact = self._r_contact if self._r_contact.any() else False
            seg_len, ga, gb = round_segment(E[:, 0], E[:, 1], world[:, c_sl], world[:, u_sl], self._r_radius,
                                            self._r_direction, world[:, side_sl], contact)
            G = np.stack([ga, gb], axis=1)
        weights = None
        if self._conditional:
            from viewer.core.kinematics import pose_from_rotation

            weights = self._weights(pose_from_rotation(R) if pose is None else pose)
        if weights is None:
            lengths = _per_line(seg_len, self._round_incidence) + self._fixed_lines
        else:
            fixed = self._fixed_idx
            lengths = (_per_line(seg_len * weights[:, self._round], self._round_incidence)
                       + _per_line(weights[:, fixed] * self._fixed_len[fixed], self._incidence[fixed]))
        moment = None
        if gradients and G is None:
            M = _cross(E[:, 0], E[:, 1]) / np.maximum(seg_len, 1e-12)[..., None]
            if weights is not None:
                M = M * weights[:, self._round, None]
            moment = M.transpose(0, 2, 1) @ self._straight_moment
        elif gradients:
            M = _cross(E, G)
            if weights is not None:
                M = M * weights[:, None, self._round, None]
            moment = M.reshape(n, -1, 3).transpose(0, 2, 1) @ self._round_moment
        if self._extra:
            pts = world[:, self._slices[0]]
            S = len(self._seg_a)
            centre, axis, side, frame = self._world_wraps(R)
            for kernel, sel in self._extra:
                a, b = pts[:, self._seg_a[sel]], pts[:, self._seg_b[sel]]
                seg, ga, gb = self._extra_kernel(kernel, a, b, sel, centre, axis, side, frame)
                w = None if weights is None else weights[:, sel]
                lengths = lengths + _per_line(seg if w is None else seg * w, self._incidence[sel])
                if gradients:
                    m = self._sign_ab[sel][:, None] * _cross(a, ga) + self._sign_ab[S + sel][:, None] * _cross(b, gb)
                    if w is not None:
                        m = m * w[..., None]
                    moment = moment - m.transpose(0, 2, 1) @ self._incidence[sel]
        return lengths, moment

    def _extra_kernel(self, kernel: str, a, b, sel, centre, axis, side, frame):
        """Lengths and end gradients of the segments ``a -> b`` over wraps ``w`` by one of the
        kernels run apart from the round one."""
        w = self._seg_wrap[sel]
        exact = self._seg_multi[sel]
        s_arg = side[:, w] if self._w_side[w].any() else None
        if kernel == "ellipsoid":
            return ellipsoid_segment_gradient(a, b, centre[:, w], frame[:, w], self._w_semi[w], s_arg,
                                              contact=self._w_contact[w])
        if kernel == "opensim_ellipsoid":
            return opensim_ellipsoid_segment(a, b, centre[:, w], frame[:, w], self._w_semi[w], s_arg,
                                             self._w_method[w])
        if kernel == "opensim_sphere":
            return opensim_sphere_segment(a, b, centre[:, w], self._w_radius[w], side[:, w])
        if kernel == "opensim_cylinder":
            return opensim_cylinder_segment(a, b, centre[:, w], axis[:, w], self._w_radius[w], side[:, w],
                                            self._w_half[w], exact)
        return torus_segment(a, b, centre[:, w], frame[:, w], self._w_radius[w], self._w_ring[w], s_arg,
                             "opensim" if kernel == "opensim_torus" else None)

    def _weights(self, pose: np.ndarray) -> np.ndarray | None:
        """Which compiled segments are on the path at each pose, ``(n, S)`` of 0/1 (``None``
        when the model has no conditional points: every segment always is)."""
        if not self._conditional:
            return None
        values = pose[:, self._cond_coord]
        active = (values >= self._cond_lo - 1e-9) & (values <= self._cond_hi + 1e-9)  # (n, C)
        n = pose.shape[0]
        weights = np.ones((n, len(self._seg_a)))

        def on(k):
            if self._conditions[k] is None:
                return np.ones(n, dtype=bool)
            return active[:, self._cond_index[k]]

        for si, (ka, kb, between) in enumerate(zip(self._seg_a, self._seg_b, self._seg_between)):
            if self._conditions[ka] is None and self._conditions[kb] is None and not between:
                continue
            w = on(ka) & on(kb)
            for k in between:
                w &= ~on(k)
            weights[:, si] = w
        return weights

    def lengths_from_rotations(self, R: np.ndarray, pose_deg: np.ndarray | None = None) -> np.ndarray:
        """Path lengths in mm, shape ``(n, m)``, for femur rotations ``R`` of shape ``(n, 3, 3)``.

        ``pose_deg`` (the same poses in degrees) is needed only by models with conditional
        points; without it they are taken from ``R``.
        """
        pose = None if pose_deg is None or not self._conditional else as_pose_array(pose_deg)
        return self._line_results(R, pose, gradients=False)[0]

    def lengths(self, pose_deg) -> np.ndarray:
        """Path lengths in mm for poses ``(n, 3)`` (degrees); returns ``(n, m)``."""
        pose = as_pose_array(pose_deg)
        return self.lengths_from_rotations(rotation_matrices(pose), pose)

    def lengths_and_moment_arms(self, pose_deg) -> tuple[np.ndarray, np.ndarray]:
        """Path lengths ``(n, m)`` in mm and moment arms ``(n, m, 3)`` in mm from one pass.

        ``r[i, j, c] = -dL_j/dtheta_c`` for the coordinates flexion, abduction and external
        rotation (theta in radians), positive where line ``j`` produces that motion.
        """
        pose = as_pose_array(pose_deg)
        R = rotation_matrices(pose)
        lengths, moment = self._line_results(R, pose, gradients=True)
        return lengths, (joint_axis_vectors(pose, R) @ moment).transpose(0, 2, 1)

    # -- one pose, for drawing -----------------------------------------------------------
    def active_points(self, line_index: int, pose_deg) -> list[int]:
        """Indices (within the line) of the points on the path of one line at one pose."""
        line = self.lines[line_index]
        pose = as_pose_array(pose_deg)[0]
        keep = []
        for k, pt in enumerate(line.points):
            c = pt.condition
            if c is None or c[1] - 1e-9 <= pose[c[0]] <= c[2] + 1e-9:
                keep.append(k)
        return keep

    def polylines(self, pose_deg, samples_per_arc: int = 12) -> list[np.ndarray]:
        """The drawn course of every line at one pose, in the pelvis frame.

        Returns a list (one per line, in ``ids`` order) of arrays of shape ``(k, 3)``,
        including points along every arc where the path wraps.
        """
        R = rotation_matrices(as_pose_array(pose_deg))[:1]
        world = self._world_points(R)[0]
        if self._wraps:
            centres, axes, sides, frames = (x[0] for x in self._world_wraps(R))
        out: list[np.ndarray] = []
        for li, line in enumerate(self.lines):
            first = self._line_first[li]
            keep = self.active_points(li, pose_deg) if self._conditional else list(range(len(line.points)))
            pieces = [world[first + keep[0]][None]]
            for i, j in zip(keep[:-1], keep[1:]):
                a, b = world[first + i], world[first + j]
                wrap = next((w for w in line.wraps[i:j] if w is not None), None)
                if wrap is None:
                    piece = np.array([a, b])
                else:
                    wi = self._wraps.index(wrap)
                    side = sides[wi] if wrap.side is not None else None
                    contact = wrap.side_on_contact
                    kernel = _kernel(wrap)
                    if kernel == "opensim_sphere":
                        piece = opensim_sphere_segment(a, b, centres[wi], wrap.radius_mm, sides[wi], with_points=True)[3]
                    elif kernel == "opensim_ellipsoid":
                        piece = opensim_ellipsoid_segment(a, b, centres[wi], frames[wi], self._w_semi[wi], side,
                                                          self._w_method[wi], with_points=True)[3]
                    elif kernel == "opensim_cylinder":
                        multi = len({id(w) for w in line.wraps if w is not None}) > 1
                        piece = opensim_cylinder_segment(a, b, centres[wi], axes[wi], wrap.radius_mm, sides[wi],
                                                         self._w_half[wi], multi, with_points=True)[3]
                    elif wrap.kind == "torus":
                        piece = torus_segment(a, b, centres[wi], frames[wi], wrap.radius_mm, wrap.ring_radius_mm, side,
                                              wrap.method, with_points=True)[3]
                    elif wrap.kind == "sphere":
                        piece = sided_polyline(a, b, centres[wi], wrap.radius_mm, side, samples_per_arc, contact)
                    elif wrap.kind == "cylinder":
                        direction = wrap.direction
                        if side is not None and direction == 0:
                            direction = _cylinder_sense(a, b, centres[wi], axes[wi], side, wrap.radius_mm, contact)
                        piece = cylinder_wrap_polyline(a, b, centres[wi], axes[wi], wrap.radius_mm, samples_per_arc,
                                                       direction)
                    else:
                        piece = ellipsoid_wrap_polyline(a, b, centres[wi], frames[wi], self._w_semi[wi],
                                                        samples_per_arc, side, contact)
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


def _cylinder_sense(a, b, centre, axis, side, radius: float = 0.0, contact: bool = False) -> int:
    """Sense of travel (+1/-1 about ``axis``) of a side-constrained cylinder path."""
    p, s = a - centre, b - centre
    p2 = p - (p @ axis) * axis
    s2 = s - (s @ axis) * axis
    short = 1 if np.dot(np.cross(p2, s2), axis) >= 0 else -1
    if contact:
        lp, ls = np.linalg.norm(p2), np.linalg.norm(s2)
        r = min(radius, 0.999 * min(lp, ls))
        angle = np.arccos(np.clip(p2 @ s2 / (lp * ls), -1.0, 1.0))
        if angle <= np.arccos(r / lp) + np.arccos(r / ls):
            return short
    mid = p2 / np.linalg.norm(p2) + s2 / np.linalg.norm(s2)
    return short if mid @ side >= 0 else -short
