"""Muscle bellies lie on one another instead of passing through each other, over the range of motion.

The depth is measured on the closed belly meshes as drawn: every vertex and face centre of one
belly that lies inside another (a generalised winding number above 1/2, which does not trust the
other mesh's normals) counts with its distance to that belly's surface.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.meshgen.test_bellies import POSES, _bellies_at
from viewer.core.belly import belly_faces

#: Deepest allowed penetration of one muscle into another (mm).
LIMIT_MM = 2.0
#: The gemelli and obturator internus share one tendon (the triceps coxae): their meshes may merge.
FUSED = {"gemellus_superior", "obturator_internus", "gemellus_inferior"}


def winding_number(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Generalised winding number ``(n,)`` of ``points`` ``(n, 3)`` with respect to ``triangles``
    ``(m, 3, 3)`` (1 inside a closed outward-wound surface, 0 outside; Van Oosterom & Strackee 1983)."""
    out = np.zeros(len(points))
    for start in range(0, len(points), 128):
        r = triangles[None] - points[start:start + 128, None, None, :]          # (n, m, 3, 3)
        length = np.linalg.norm(r, axis=-1)
        a, b, c = r[..., 0, :], r[..., 1, :], r[..., 2, :]
        num = np.einsum("nmd,nmd->nm", a, np.cross(b, c))
        den = (length[..., 0] * length[..., 1] * length[..., 2] + np.einsum("nmd,nmd->nm", a, b) * length[..., 2]
               + np.einsum("nmd,nmd->nm", b, c) * length[..., 0] + np.einsum("nmd,nmd->nm", c, a) * length[..., 1])
        out[start:start + 128] = np.arctan2(num, den).sum(axis=1) / (2.0 * np.pi)
    return out


def _distance_function(vertices: np.ndarray, faces: np.ndarray):
    import pyvista as pv
    from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
    from vtkmodules.vtkCommonCore import vtkDoubleArray
    from vtkmodules.vtkFiltersCore import vtkImplicitPolyDataDistance

    fn = vtkImplicitPolyDataDistance()
    fn.SetInput(pv.PolyData(vertices, np.hstack([np.full((len(faces), 1), 3), faces]).ravel()))

    def distance(points):
        values = vtkDoubleArray()
        fn.FunctionValue(numpy_to_vtk(np.ascontiguousarray(points, dtype=float)), values)
        return vtk_to_numpy(values).copy()

    return distance


def penetration_depths(meshes: dict, faces: np.ndarray, skip=lambda a, b: False) -> dict:
    """Deepest point (mm) of each mesh inside each other one: ``{(a, b): depth of a in b}``.

    ``meshes``: id -> vertices of closed meshes sharing ``faces``. Candidates are the samples
    (vertices and face centres) that the signed distance puts more than 0.25 mm inside; the
    winding number confirms each, and the depth is the distance to the other surface.
    """
    samples = {k: np.concatenate([v, v[faces].mean(axis=1)]) for k, v in meshes.items()}
    depths = {}
    for b, vb in meshes.items():
        lo, hi = vb.min(axis=0), vb.max(axis=0)
        distance = None
        for a, pa in samples.items():
            if a == b or skip(a, b):
                continue
            near = pa[np.all((pa > lo) & (pa < hi), axis=1)]
            if not len(near):
                continue
            distance = distance or _distance_function(vb, faces)
            d = distance(near)
            candidates = d < -0.25
            if not candidates.any():
                continue
            inside = winding_number(near[candidates], vb[faces]) > 0.5
            if inside.any():
                depths[(a, b)] = float(-d[candidates][inside].min())
    return depths


def _exempt(a: str, b: str) -> bool:
    ma, mb = a.split(".")[0], b.split(".")[0]
    return ma == mb or (ma in FUSED and mb in FUSED)


def test_the_depth_of_one_box_in_another():
    """The measure on two cubes of 10 mm, the second moved 7 mm along x: 3 mm either way."""
    corners = np.array([[x, y, z] for x in (0, 10) for y in (0, 10) for z in (0, 10)], dtype=float)
    import trimesh

    box = trimesh.convex.convex_hull(corners)
    faces = np.asarray(box.faces)
    first = np.asarray(box.vertices, dtype=float)
    second = first + [7.0, 0.0, 0.0]
    depths = penetration_depths({"a": first, "b": second}, faces)
    assert depths == pytest.approx({("a", "b"): 3.0, ("b", "a"): 3.0}, abs=1e-6)
    apart = penetration_depths({"a": first, "b": first + [10.5, 0.0, 0.0]}, faces)
    assert apart == {}


def test_winding_number_inside_and_outside_a_closed_belly(model):
    rig = model.bellies
    if rig is None:
        pytest.skip("this data folder has no muscle bellies")
    faces = belly_faces(rig.stations, rig.fibres)
    v = model.meshes["piriformis"].vertices
    n = rig.stations * rig.fibres
    inside = 0.5 * (v[:n] + v[n:])            # between a deep vertex and the superficial one above it
    k, i = np.divmod(np.arange(n), rig.stations)
    interior = (k > 0) & (k < rig.fibres - 1) & (i > 0) & (i < rig.stations - 1)   # not on the side walls
    thick = interior & (np.linalg.norm(v[n:] - v[:n], axis=1) > 2.0)
    w = winding_number(inside[thick][::5], v[faces])
    assert np.all(w > 0.9)
    far = v.mean(axis=0) + [0.0, 0.0, 500.0]
    assert abs(winding_number(far[None], v[faces])[0]) < 1e-6


def _worst_over_the_range(model) -> dict:
    rig = model.bellies
    faces = belly_faces(rig.stations, rig.fibres)
    worst = {}
    for pose in POSES:
        vertices, _ = _bellies_at(model, pose)
        depths = penetration_depths(dict(zip(rig.line_ids, vertices)), faces, _exempt)
        for (a, b), d in depths.items():
            key = (a, b, tuple(int(x) for x in pose))
            worst[key] = round(d, 1)
    return worst


@pytest.fixture(scope="module")
def worst(model):
    if model.bellies is None:
        pytest.skip("this data folder has no muscle bellies")
    return _worst_over_the_range(model)


def test_at_neutral_the_bellies_meet_within_1_mm(worst):
    """The calibrated pose (the volumes are fitted there): bellies of one layer side by side
    (the gemelli against piriformis) touch, nothing deeper than 1 mm."""
    neutral = {k: d for k, d in worst.items() if k[2] == (0, 0, 0)}
    assert max(neutral.values(), default=0.0) <= 1.0, neutral


def test_no_two_muscles_interpenetrate_more_than_2_mm_over_the_range_of_motion(worst):
    """Minimus under medius under maximus, the rotators under maximus, at neutral and across
    the range of motion (the gemelli and obturator internus, one conjoint tendon, excepted)."""
    deep = {f"{a} in {b} at {pose}": d for (a, b, pose), d in worst.items()
            if d > LIMIT_MM}
    assert not deep, f"deepest point of one muscle inside another (mm): {deep}"
