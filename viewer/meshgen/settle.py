"""Settling the lift table's node poses on the closed belly meshes themselves.

The lifts of :mod:`viewer.meshgen.layers` are asked for point by point, from the nearest fibre
points of the lower bellies; where two thick bellies cross at a steep angle, where a lift is cut
back near a bone, or where the bone push-out moves a lifted point, some overlap can be left. This
pass finds what is left on the closed meshes as the viewer draws them (a vertex of one belly
inside another by VTK's enclosed-points test) and resolves it in a few rounds: a vertex of the
upper belly inside a lower one asks to rise by the height of the lower belly's superficial face
above it, a vertex of a lower belly inside the upper one by its own height above the upper belly's
deep face. Half of each is taken by lifting the upper belly's deep face and half by pressing down
the lower belly's superficial face (a deep muscle is flattened under a superficial one), within
limits: no lift beyond ``max_lift`` and no belly pressed to less than ``1 - press_share`` of its
thickness. Where one of the two has reached its limit, the other takes the rest in the next rounds;
a belly named ``fixed`` (one that settling would crumple) does not move at all, and the other takes
the whole of each overlap with it.
"""

from __future__ import annotations

import numpy as np

from viewer.core.belly import BellyRig, belly_faces

#: Rounds of measuring and resolving at one node pose, and the clearance (mm) each resolved
#: overlap is given.
ROUNDS = 24
CLEARANCE_MM = 1.5


class _Surface:
    """Which points lie inside one closed belly mesh (ray casting, as VTK's enclosed-points test)."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray):
        import pyvista as pv

        self.lo, self.hi = vertices.min(axis=0), vertices.max(axis=0)
        self._poly = pv.PolyData(vertices, np.hstack([np.full((len(faces), 1), 3), faces]).ravel())

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Indices of ``points`` inside the mesh."""
        import pyvista as pv
        from vtkmodules.util.numpy_support import vtk_to_numpy
        from vtkmodules.vtkFiltersModeling import vtkSelectEnclosedPoints

        near = np.flatnonzero(np.all((points > self.lo) & (points < self.hi), axis=1))
        if not len(near):
            return near
        f = vtkSelectEnclosedPoints()
        f.SetInputData(pv.PolyData(np.ascontiguousarray(points[near], dtype=float)))
        f.SetSurfaceData(self._poly)
        f.SetCheckSurface(False)
        f.Update()
        return near[vtk_to_numpy(f.GetOutput().GetPointData().GetArray("SelectedPoints")).astype(bool)]


def settle(rig: BellyRig, upper: np.ndarray, lower: np.ndarray, out: np.ndarray, thick0: np.ndarray,
           lift: np.ndarray, meshes, spread, max_lift: float, press_share: float, fixed=()) -> None:
    """Resolve, in place in ``lift`` ``(2, n_lines * F * S)``, the overlaps left between the bellies
    of lines ``upper`` and those of the lower layers ``lower``.

    ``out``: outward normal of every fibre point; ``thick0``: its thickness before any lift;
    ``meshes(lift)``: the closed belly vertices ``(n_lines, 2 * F * S, 3)`` drawn with that lift;
    ``spread(raw, lines)``: a lift asked for at single points of the sheets of ``lines``, spread
    smoothly over them (``raw`` indexed like ``lift``'s columns); ``fixed``: lines whose lifts stay
    as they are.
    """
    from scipy.spatial import cKDTree

    FS = rig.fibres * rig.stations
    faces = belly_faces(rig.stations, rig.fibres)
    deep_block = np.where(rig.side > 0, 0, 1)

    def floor(columns):
        return lift[0, columns] - press_share * np.maximum(thick0[columns], 0.0)

    def cols(m):
        return np.arange(m * FS, (m + 1) * FS)

    fixed = {int(m) for m in fixed}
    held = np.concatenate([cols(m) for m in fixed]) if fixed else np.arange(0)
    kept = lift[:, held].copy()

    for _ in range(ROUNDS):
        verts = meshes(lift)
        faces_of = {m: verts[m].reshape(2, FS, 3)[[deep_block[m], 1 - deep_block[m]]] for m in (*upper, *lower)}
        surface = {m: _Surface(verts[m], faces) for m in faces_of}
        tree = {m: cKDTree(faces_of[m].mean(axis=0)) for m in faces_of}
        rise, press = np.zeros(lift.shape[1]), np.zeros(lift.shape[1])
        for u in upper:
            su = surface[u]
            for low in lower:
                sl = surface[low]
                if np.any(su.hi < sl.lo) or np.any(sl.hi < su.lo) or {u, low} <= fixed:
                    continue
                # A vertex of the upper belly inside the lower one: how far the lower belly's
                # superficial face lies above it; a vertex of the lower belly inside the upper
                # one: how far it lies above the upper belly's deep face. Half of each is taken
                # by each belly (the rest in the next rounds, by the other one where one cannot
                # move further).
                for a, b, sb, sign, into in ((u, low, sl, 1.0, rise), (low, u, su, -1.0, press)):
                    x = verts[a]
                    inside = sb.inside(x)
                    if not len(inside):
                        continue
                    _, c = tree[b].query(x[inside])
                    face = faces_of[b][1 if sign > 0 else 0][c]
                    need = sign * np.einsum("ij,ij->i", face - x[inside], out[b * FS + c]) + CLEARANCE_MM
                    need = np.maximum(need, CLEARANCE_MM)
                    # (asked at the vertex's own fibre point and at the other belly's nearest one;
                    # all of it of one belly where the other is held)
                    own = 0.5 if not {a, b} & fixed else float(b in fixed)
                    np.maximum.at(into, a * FS + inside % FS, own * need)
                    np.maximum.at(press if into is rise else rise, b * FS + c, (1.0 - own) * need)
        if max(rise.max(), press.max()) == 0.0:
            return
        up = np.concatenate([cols(m) for m in upper])
        down = np.concatenate([cols(m) for m in lower])
        # (the faces keep to their limits: a capped lift or a fully pressed belly hands the
        # rest of the overlap to the other one in the next round)
        lift[0, up] = np.minimum(lift[0, up] + spread(rise, upper)[up], max_lift)
        lift[1, up] = np.maximum(lift[1, up], floor(up))
        lift[1, down] = np.maximum(lift[1, down] - spread(press, lower)[down], floor(down))
        lift[:, held] = kept
