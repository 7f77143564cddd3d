"""Clearances between bone surfaces at any pose: the ischiofemoral and quadratus femoris spaces.

Ischiofemoral space (PRODUCT.md): the narrowest distance between the lateral cortex of the ischial
tuberosity and the medial cortex of the lesser trochanter. Quadratus femoris space: the narrowest
space left for quadratus femoris between the hamstring origin (on the lower, posterolateral
tuberosity) and the posteromedial surface of the lesser trochanter.

Each space is measured between two :class:`SurfacePatch` es: vertices of a bone mesh cut out once
by a region defined with landmark names (a capsule around a landmark-to-landmark segment, or a
ball around a landmark) and by the direction the surface faces. Because regions are defined by
landmark names, they follow the bones when the meshes are rebuilt. The pelvic patch is fixed; the
femoral patch turns with the femur, so for poses ``R`` the squared distances are
``|p|^2 + |q|^2 - 2 (p R) . q`` -- one matrix product per pose, no loop over points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.errors import DataError
from viewer.core.kinematics import as_pose_array, rotation_matrices


@dataclass(frozen=True)
class PatchRegion:
    """Where a patch lies on a bone, by landmark names.

    ``landmarks`` holds one name (a ball of ``radius_mm`` around it) or two (a capsule of that
    radius around the segment between them). ``facing`` is a unit direction in the bone's own
    frame; only vertices whose outward normal has a cosine of at least ``min_cos`` with it are kept
    (the cortex that looks across the space).
    """

    bone: str
    landmarks: tuple[str, ...]
    radius_mm: float
    facing: tuple[float, float, float]
    min_cos: float = 0.3


@dataclass(frozen=True)
class SurfacePatch:
    """Points of one cortex, shape ``(k, 3)`` mm in the bone's body frame."""

    bone: str
    body: str
    points_mm: np.ndarray


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals of a triangle mesh, shape ``(n, 3)``."""
    v = np.asarray(vertices, dtype=float)
    f = np.asarray(faces)
    face_n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    n = np.zeros_like(v)
    for k in range(3):
        np.add.at(n, f[:, k], face_n)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return n / np.where(length > 0, length, 1.0)


def _dense_points(vertices: np.ndarray, faces: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Kept vertices plus the centroids and edge midpoints of faces whose vertices are all kept:
    about four times the density of the mesh, so the closest pair is found to a fraction of an edge."""
    f = faces[keep[faces].all(axis=1)]
    v = vertices
    extra = [v[f].mean(axis=1), 0.5 * (v[f[:, 0]] + v[f[:, 1]]), 0.5 * (v[f[:, 1]] + v[f[:, 2]]),
             0.5 * (v[f[:, 2]] + v[f[:, 0]])]
    return np.unique(np.round(np.vstack([v[keep], *extra]), 4), axis=0)


def cut_patch(region: PatchRegion, vertices: np.ndarray, faces: np.ndarray, landmarks: dict, body: str,
              *, name: str = "patch") -> SurfacePatch:
    """Cut the patch ``region`` out of a bone mesh.

    Raises
    ------
    DataError
        A landmark the region names is missing, or the region holds no surface.
    """
    for lm in region.landmarks:
        if lm not in landmarks:
            raise DataError(f"unknown landmark {lm!r} in the region of {name}", field=f"{name}.landmarks")
    v = np.asarray(vertices, dtype=float)
    a = np.asarray(landmarks[region.landmarks[0]], dtype=float)
    b = np.asarray(landmarks[region.landmarks[-1]], dtype=float)
    ab = b - a
    t = np.clip(((v - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    near = np.linalg.norm(v - (a + t[:, None] * ab), axis=1) <= region.radius_mm
    facing = np.asarray(region.facing, dtype=float)
    facing = facing / np.linalg.norm(facing)
    keep = near & (vertex_normals(v, faces) @ facing >= region.min_cos)
    if keep.sum() < 3:
        raise DataError(f"the region of {name} holds no surface of {region.bone} "
                        f"(radius {region.radius_mm:g} mm around {', '.join(region.landmarks)})", field=name)
    return SurfacePatch(region.bone, body, _dense_points(v, np.asarray(faces), keep))


@dataclass(frozen=True)
class Clearance:
    """Narrowest distance between two patches at many poses.

    Attributes
    ----------
    distance_mm : numpy.ndarray, shape (n,)
    fixed_point_mm, moving_point_mm : numpy.ndarray, shape (n, 3)
        The two ends of the narrowest segment, pelvis frame.
    """

    distance_mm: np.ndarray
    fixed_point_mm: np.ndarray
    moving_point_mm: np.ndarray


def _coarse_and_neighbours(points: np.ndarray, cell_mm: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """One representative point per ``cell_mm`` voxel, and for each the indices of its ``k``
    nearest points of the full set, shape ``(c,)`` and ``(c, k)``."""
    cells = np.floor(points / cell_mm).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    coarse = np.sort(first)
    d2 = ((points[coarse, None, :] - points[None, :, :]) ** 2).sum(-1)
    k = min(k, len(points))
    return coarse, np.argpartition(d2, k - 1, axis=1)[:, :k]


class SpaceGauge:
    """Measures the gap between a pelvic patch and a femoral patch at any pose.

    Two stages, both vectorised over poses: the closest pair among one point per 4 mm cell of each
    patch, then the closest pair among the nearest points (for the few best coarse pairs) of the full (densified) patches around
    that pair. The second stage covers more than a cell, so it recovers the true closest pair of
    the dense patches to within a fraction of a millimetre.

    Parameters
    ----------
    fixed : SurfacePatch
        On the pelvis (does not move).
    moving : SurfacePatch
        On the femur (turns with the pose).
    """

    CELL_MM = 4.0
    NEIGHBOURS = 40
    CANDIDATES = 4

    def __init__(self, fixed: SurfacePatch, moving: SurfacePatch):
        if fixed.body != "pelvis" or moving.body != "femur":
            raise ValueError("a space is measured from a pelvic patch to a femoral patch")
        self.fixed, self.moving = fixed, moving
        self._p = fixed.points_mm
        self._q = moving.points_mm
        self._pc, self._pn = _coarse_and_neighbours(self._p, self.CELL_MM, self.NEIGHBOURS)
        self._qc, self._qn = _coarse_and_neighbours(self._q, self.CELL_MM, self.NEIGHBOURS)
        self._P = self._p[self._pc]
        self._Q = self._q[self._qc]
        self._P2 = np.einsum("ij,ij->i", self._P, self._P)
        self._Q2 = np.einsum("ij,ij->i", self._Q, self._Q)

    def measure_rotations(self, R: np.ndarray) -> Clearance:
        """Narrowest gap for femur rotations ``R`` ``(n, 3, 3)``."""
        n = R.shape[0]
        # Coarse stage: |p|^2 + |q|^2 - 2 (p R) . q for every coarse pair.
        pr = np.einsum("pi,nij->npj", self._P, R)
        d2 = self._P2[None, :, None] + self._Q2[None, None, :] - 2.0 * (pr @ self._Q.T)
        top = np.argpartition(d2.reshape(n, -1), self.CANDIDATES - 1, axis=1)[:, :self.CANDIDATES]  # (n, c)
        ci, cj = np.unravel_index(top, d2.shape[1:])
        # Fine stage: neighbours of the best coarse pairs, moving side turned into the pelvis frame.
        P = self._p[self._pn[ci]]  # (n, c, k, 3)
        Q = np.einsum("nij,nckj->ncki", R, self._q[self._qn[cj]])  # (n, c, k, 3)
        f2 = (np.einsum("ncai,ncai->nca", P, P)[:, :, :, None] + np.einsum("ncbi,ncbi->ncb", Q, Q)[:, :, None, :]
              - 2.0 * np.einsum("ncai,ncbi->ncab", P, Q))
        flat = f2.reshape(n, -1).argmin(axis=1)
        c, a, b = np.unravel_index(flat, f2.shape[1:])
        rows = np.arange(n)
        pa, qb = P[rows, c, a], Q[rows, c, b]
        return Clearance(np.linalg.norm(qb - pa, axis=1), pa, qb)

    def measure_exhaustive(self, pose_deg) -> Clearance:
        """The same by comparing every pair of the dense patches (slow; tests and the benchmark)."""
        R = rotation_matrices(as_pose_array(pose_deg))
        dist, pa, qb = [], [], []
        for Rk in R:
            q = self._q @ Rk.T
            d2 = ((self._p[:, None, :] - q[None]) ** 2).sum(-1)
            i, j = np.unravel_index(d2.argmin(), d2.shape)
            dist.append(np.sqrt(d2[i, j]))
            pa.append(self._p[i])
            qb.append(q[j])
        return Clearance(np.array(dist), np.array(pa), np.array(qb))

    def measure(self, pose_deg) -> Clearance:
        """Narrowest gap at poses ``(n, 3)`` deg (flexion, abduction, external rotation)."""
        return self.measure_rotations(rotation_matrices(as_pose_array(pose_deg)))


@dataclass(frozen=True)
class SpaceDefinition:
    """A named clearance: its two regions (pelvic first) and how it is introduced to a reader."""

    id: str
    display_name: str
    fixed: PatchRegion
    moving: PatchRegion
    description: str = ""


class SpaceModel:
    """Every defined space of a model, gauged at any pose.

    Parameters
    ----------
    definitions : sequence of SpaceDefinition
    meshes : mapping of bone id -> object with ``vertices``, ``faces`` and ``body``
    landmarks : mapping of landmark name -> position (mm, in its bone's body frame)
    """

    def __init__(self, definitions, meshes, landmarks):
        self.definitions = {d.id: d for d in definitions}
        self.gauges: dict[str, SpaceGauge] = {}
        for d in definitions:
            patches = []
            for which, region in (("fixed", d.fixed), ("moving", d.moving)):
                if region.bone not in meshes:
                    raise DataError(f"unknown bone {region.bone!r}", field=f"{d.id}.{which}.bone")
                mesh = meshes[region.bone]
                patches.append(cut_patch(region, mesh.vertices, mesh.faces, landmarks, mesh.body,
                                         name=f"{d.id}.{which}"))
            self.gauges[d.id] = SpaceGauge(*patches)

    @property
    def ids(self) -> list[str]:
        return list(self.gauges)

    def measure(self, pose_deg) -> dict[str, Clearance]:
        """Every space at poses ``(n, 3)`` deg, by id."""
        R = rotation_matrices(as_pose_array(pose_deg))
        return {sid: gauge.measure_rotations(R) for sid, gauge in self.gauges.items()}
