"""Muscle bellies: volume from architecture, outside the bones and unfolded over the range of motion."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.belly import belly_faces, closed_volume, sheet_normals
from viewer.core.kinematics import body_transform

#: Poses (flexion, abduction, external rotation; deg) across the range of motion.
POSES = np.array([
    (0, 0, 0), (30, 0, 0), (60, 0, 0), (90, 0, 0), (120, 0, 0), (-20, 0, 0),
    (0, 30, 0), (0, 45, 0), (0, -20, 0), (0, -30, 0), (0, 0, 40), (0, 0, -30),
    (90, 0, 40), (90, 0, -30), (45, 20, 20), (60, -20, -20), (90, 30, 0), (-10, 20, 30),
    (20, -10, -40), (100, -15, 10), (30, 40, 45),
], dtype=float)


def _bellies_at(model, pose):
    rig = model.bellies
    index = {line.id: k for k, line in enumerate(model.paths.lines)}
    polylines = model.paths.polylines(pose)
    T = body_transform("femur", pose)
    return rig.vertices([polylines[index[i]] for i in rig.line_ids], {"femur": T}, model.bone_distance), T


@pytest.fixture(scope="module")
def rig(model):
    if model.bellies is None:
        pytest.skip("this data folder has no muscle bellies")
    return model.bellies


@pytest.fixture(scope="module")
def bone_distance(model):
    """Exact signed distance (mm, negative inside) to the pelvic bones and the femur, from VTK."""
    import pyvista as pv
    from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
    from vtkmodules.vtkCommonCore import vtkDoubleArray
    from vtkmodules.vtkFiltersCore import vtkImplicitPolyDataDistance

    functions = {}
    for bone in ("hip_bone", "sacrum", "femur"):
        record = model.meshes[bone]
        fn = vtkImplicitPolyDataDistance()
        fn.SetInput(pv.PolyData(record.vertices, np.hstack([np.full((len(record.faces), 1), 3), record.faces]).ravel()))
        lo, hi = record.vertices.min(axis=0) - 1.0, record.vertices.max(axis=0) + 1.0
        functions[bone] = (fn, lo, hi)

    def distance(points_pelvis, T):
        out = np.full(len(points_pelvis), np.inf)
        for bone, (fn, lo, hi) in functions.items():
            pts = points_pelvis if bone != "femur" else (points_pelvis - T[:3, 3]) @ T[:3, :3]
            near = np.all((pts > lo) & (pts < hi), axis=1)  # outside the bounding box is outside the bone
            if near.any():
                values = vtkDoubleArray()
                fn.FunctionValue(numpy_to_vtk(np.ascontiguousarray(pts[near], dtype=float)), values)
                out[near] = np.minimum(out[near], vtk_to_numpy(values))
        return out

    return distance


def test_every_muscle_line_has_a_belly(model, rig):
    muscles = {line.id for line in model.lines if line.is_muscle}
    assert set(rig.line_ids) == muscles
    for line_id in rig.line_ids:
        assert np.array_equal(model.meshes[line_id].faces, belly_faces(rig.stations, rig.fibres))


def test_belly_volume_is_pcsa_times_optimal_fibre_length(model, rig):
    """Within 15 % of PCSA x optimal fibre length from each muscle's (or compartment's) annotation."""
    ratios = {}
    for line_id in rig.line_ids:
        arch = model.annotations.architecture(line_id)
        assert arch.optimal_fibre_length_cm is not None, line_id
        record = model.meshes[line_id]
        ratios[line_id] = closed_volume(record.vertices, record.faces) / (arch.pcsa_cm2 * arch.optimal_fibre_length_cm * 1000.0)
    off = {k: round(v, 3) for k, v in ratios.items() if not 0.85 <= v <= 1.15}
    assert not off, off


def test_committed_bellies_are_the_rig_at_the_neutral_pose(model, rig):
    vertices, _ = _bellies_at(model, np.zeros(3))
    for line_id, v in zip(rig.line_ids, vertices):
        np.testing.assert_allclose(model.meshes[line_id].vertices, v, atol=2e-3, err_msg=line_id)


def test_no_belly_vertex_is_more_than_1_mm_inside_a_bone_over_the_range_of_motion(model, rig, bone_distance):
    worst = {}
    for pose in POSES:
        vertices, T = _bellies_at(model, pose)
        depth = -bone_distance(vertices.reshape(-1, 3), T).reshape(len(rig.line_ids), -1).min(axis=1)
        for line_id, d in zip(rig.line_ids, depth):
            if d > worst.get(line_id, (0.0,))[0]:
                worst[line_id] = (round(float(d), 2), tuple(pose))
    deep = {k: v for k, v in worst.items() if v[0] > 1.0}
    assert not deep, f"deepest vertex inside a bone (mm, pose): {deep}"


def test_gluteus_minimus_stays_on_the_outer_side_of_the_iliac_wing(model, rig):
    """Minimus arises from the gluteal (outer) surface of the ilium, where the wing is thin:
    none of its vertices may come out on the pelvic surface of the wing, where the bone's normal
    faces the pelvic cavity (medially, -Z). Measured on the meshes as drawn, at neutral and at
    poses across the range of motion."""
    import trimesh

    record = model.meshes["hip_bone"]
    bone = trimesh.Trimesh(record.vertices, record.faces, process=False)
    gluteals = [m for m, line_id in enumerate(rig.line_ids) if line_id.startswith("gluteus_minimus")]
    through = {}
    for pose in POSES[[0, 1, 6, 9, 11, 14]]:
        vertices, _ = _bellies_at(model, pose)
        for m in gluteals:
            _, dist, tri = trimesh.proximity.closest_point(bone, vertices[m])
            on_pelvic_side = (dist < 1.5) & (bone.face_normals[tri][:, 2] < -0.3)
            if on_pelvic_side.any():
                through[(rig.line_ids[m], tuple(pose))] = int(on_pelvic_side.sum())
    assert not through, f"vertices on the pelvic surface of the wing: {through}"


def test_bellies_do_not_turn_inside_out_over_the_range_of_motion(model, rig):
    """At every pose each belly's superficial face stays on the superficial side of its fibre
    sheet (where a bone presses it flat, to within half a millimetre) and its volume stays positive."""
    index = {line.id: k for k, line in enumerate(model.paths.lines)}
    faces = belly_faces(rig.stations, rig.fibres)
    for pose in POSES:
        vertices, T = _bellies_at(model, pose)
        polylines = model.paths.polylines(pose)
        fib = rig.fibre_points([polylines[index[i]] for i in rig.line_ids], {"femur": T})
        normal = rig.normals(fib).reshape(len(rig.line_ids), -1, 3)
        for m, line_id in enumerate(rig.line_ids):
            grid = vertices[m].reshape(2, -1, 3)
            thick = np.einsum("ij,ij->i", grid[1] - grid[0], normal[m])
            assert thick.min() > -0.5, (line_id, tuple(pose), float(thick.min()))
            assert closed_volume(vertices[m], faces) > 0, (line_id, tuple(pose))


def test_compartments_of_one_muscle_share_their_boundary(model, rig):
    """Gluteus maximus (and medius, minimus) are one continuous sheet: neighbouring compartments
    have the same vertices along their common edge, at the neutral pose and when moved."""
    F, S = rig.fibres, rig.stations
    pairs = [(a, b) for a, b in zip(rig.line_ids, rig.line_ids[1:]) if a.split(".")[0] == b.split(".")[0]]
    assert ("gluteus_maximus.upper", "gluteus_maximus.middle") in pairs
    assert ("gluteus_maximus.middle", "gluteus_maximus.lower") in pairs
    for pose in (np.zeros(3), np.array([60.0, 20.0, -20.0])):
        vertices, _ = _bellies_at(model, pose)
        for a, b in pairs:
            va = vertices[rig.line_ids.index(a)].reshape(2, F, S, 3)
            vb = vertices[rig.line_ids.index(b)].reshape(2, F, S, 3)
            np.testing.assert_allclose(va[:, -1], vb[:, 0], atol=1e-6, err_msg=f"{a} / {b}")


def test_sheet_normals_of_a_flat_sheet():
    F, S = 4, 6
    u, v = np.meshgrid(np.arange(F, dtype=float), np.arange(S, dtype=float), indexing="ij")
    fib = np.stack([v, u, np.zeros_like(u)], axis=-1)  # fibres along x, side by side along y
    np.testing.assert_allclose(sheet_normals(fib), np.broadcast_to([0.0, 0.0, 1.0], (F, S, 3)))


def test_a_thick_sheet_bent_sharply_at_one_station_does_not_fold_on_its_inner_face():
    """Fibres that turn by 60 degrees at one station (a via point): offset by 12 mm (four
    station spacings) along the normals on the inside of the bend, the face keeps running
    forwards along every fibre when the normals turn over several stations; with the turn at
    one station, as the raw cross products have it, the inner face would double back on itself."""
    F, S, step = 3, 21, 3.0
    turn = np.radians(60.0)
    t = np.arange(S) - S // 2
    direction = np.where(t[:, None] < 0, [1.0, 0.0, 0.0], [np.cos(turn), np.sin(turn), 0.0])
    centre = np.cumsum(direction * step, axis=0)
    fib = np.stack([centre + [0.0, 0.0, 4.0 * f] for f in range(F)])          # (F, S, 3)
    normal = sheet_normals(fib)
    inner = fib + 12.0 * normal * np.sign(normal[:, S // 2, 1].mean())        # towards the inside of the bend
    forwards = np.einsum("fsd,fsd->fs", np.diff(inner, axis=1), np.diff(fib, axis=1))
    assert forwards.min() > 0.0, forwards.min()
    raw = np.cross(np.gradient(fib, axis=1), (fib[-1] - fib[0])[None])
    raw /= np.linalg.norm(raw, axis=-1, keepdims=True)
    folded = fib + 12.0 * raw * np.sign(raw[:, S // 2, 1].mean())
    assert np.einsum("fsd,fsd->fs", np.diff(folded, axis=1), np.diff(fib, axis=1)).min() < 0.0


def test_fibres_are_rounded_at_a_sharp_turn_and_keep_their_ends():
    """A fibre turning by 60 degrees at one station: rounded, no station turns by more than a
    quarter of that, its two ends (on the footprints) do not move, and a moved fibre is rounded
    into the moved curve (the rounding is an average of the fibre's own points)."""
    from viewer.core.belly import _fibre_rounding

    S, step, turn = 32, 4.0, np.radians(60.0)
    t = np.arange(S) - 20
    direction = np.where(t[:, None] < 0, [1.0, 0.0, 0.0], [np.cos(turn), np.sin(turn), 0.0])
    fibre = np.cumsum(direction * step, axis=0)
    rounded = _fibre_rounding(S) @ fibre
    np.testing.assert_allclose(rounded[[0, -1]], fibre[[0, -1]], atol=1e-9)
    d = np.diff(rounded, axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    turns = np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", d[1:], d[:-1]), -1.0, 1.0)))
    assert turns.max() < 15.0, turns.max()
    np.testing.assert_allclose(_fibre_rounding(S) @ (fibre + [5.0, -3.0, 2.0]), rounded + [5.0, -3.0, 2.0], atol=1e-9)


def test_a_footprint_row_given_the_way_its_bone_faces_stays_on_that_side_of_a_thin_plate():
    """A row across a plate 2 mm thick that dips below its middle near its end: by nearest
    points alone its last points land on the far surface; given the way the surface faces, on
    the near one with the rest (the gluteal surface of the iliac wing, not its pelvic one)."""
    from pathlib import Path
    from types import SimpleNamespace

    import trimesh

    from viewer.core.errors import DataError
    from viewer.meshgen.bellies import _direction, footprint_row

    plate = trimesh.creation.box(extents=(200.0, 200.0, 2.0))        # faces at z = -1 and z = +1
    landmarks = {"a": SimpleNamespace(position_mm=(-60.0, 0.0, 1.4)),
                 "b": SimpleNamespace(position_mm=(40.0, 0.0, 1.4)),
                 "c": SimpleNamespace(position_mm=(60.0, 0.0, -0.8))}
    knots = [{"at": "a"}, {"at": "b"}, {"at": "c"}]
    nearest = footprint_row(knots, 25, landmarks, plate, Path("bellies.yaml"), "bellies.test.origin")
    assert nearest[-1, 2] == pytest.approx(-1.0) and nearest[0, 2] == pytest.approx(1.0)
    row = footprint_row(knots, 25, landmarks, plate, Path("bellies.yaml"), "bellies.test.origin", faces=[0, 0, 1])
    assert row.shape == (25, 3)
    np.testing.assert_allclose(row[:, 2], 1.0, atol=1e-6)
    np.testing.assert_allclose(row[:, :2], nearest[:, :2], atol=1e-6)
    with pytest.raises(DataError) as err:
        _direction([0, 0, 0], Path("bellies.yaml"), "bellies.gluteus_medius.origin_faces")
    assert err.value.field == "bellies.gluteus_medius.origin_faces" and "not zero" in str(err.value)
