"""The committed meshes/ folder is exactly what the generator makes, and its muscles are sound."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest
import trimesh

from viewer.io import meshes as meshio
from viewer.meshgen.layers import LIFT_NODES

ROOT = Path(__file__).resolve().parents[2]
MESHES = ROOT / "meshes"

pytestmark = pytest.mark.skipif(not (MESHES / "manifest.json").is_file(), reason="meshes/ not generated yet")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    from viewer.meshgen import ct_bones
    from viewer.meshgen.build import write

    if not ct_bones.available():
        pytest.skip("the build-meshes extra (musculoskeletal-models) is not installed")

    out = tmp_path_factory.mktemp("meshes")
    # The whole lift table (288 node poses) takes minutes: a sub-grid of its nodes is rebuilt and
    # compared with the same nodes of the committed table.
    write(out, lift_nodes=tuple(nodes[list(pick)] for nodes, pick in zip(LIFT_NODES, LIFT_PICK)))
    return out


#: Indices of the lift table's nodes rebuilt by the regeneration test: neutral, and flexed,
#: abducted and rotated node poses where the bellies press on one another.
LIFT_PICK = ((2, 11), (2, 5), (0, 4, 8))


def test_the_committed_lift_table_matches_the_generator_at_a_sub_grid_of_its_nodes(regenerated):
    from viewer.io.bellies import LIFT_UNIT_MM, LIFTS_FILE

    def table(folder):
        doc = json.loads((folder / "bellies.json").read_text())["lifts"]
        shape = [len(doc[a]) for a in ("flexion_deg", "abduction_deg", "external_rotation_deg")]
        return doc, np.frombuffer(zlib.decompress((folder / LIFTS_FILE).read_bytes()), "<i2").reshape(*shape, 2, -1)

    doc, committed = table(MESHES)
    fresh_doc, fresh = table(regenerated)
    for axis, pick in zip(("flexion_deg", "abduction_deg", "external_rotation_deg"), LIFT_PICK):
        assert fresh_doc[axis] == [doc[axis][i] for i in pick], axis
    sub = committed[np.ix_(*LIFT_PICK)]
    assert np.abs(fresh.astype(float) - sub).max() * LIFT_UNIT_MM <= 0.11   # one storage step
    assert np.abs(sub).max() * LIFT_UNIT_MM > 5.0          # the picked nodes do lift bellies


def test_committed_meshes_match_the_generator(regenerated):
    committed = json.loads((MESHES / "manifest.json").read_text())
    fresh = json.loads((regenerated / "manifest.json").read_text())
    assert set(committed["structures"]) == set(fresh["structures"])
    assert committed["generator"] == fresh["generator"]
    for sid, entry in committed["structures"].items():
        v_old, f_old = meshio.read_ply(MESHES / entry["file"])
        v_new, f_new = meshio.read_ply(regenerated / fresh["structures"][sid]["file"])
        np.testing.assert_array_equal(f_old, f_new, err_msg=sid)
        # float32 storage: compare coordinates to a micrometre rather than byte for byte,
        # so that a different CPU's last-bit rounding does not count as a change.
        np.testing.assert_allclose(v_old, v_new, atol=1e-3, err_msg=sid)
    for name in ("landmarks.json", "muscle_paths.json"):
        old = json.loads((MESHES / name).read_text())
        new = json.loads((regenerated / name).read_text())
        assert old.keys() == new.keys()
        if name == "landmarks.json":
            for k in old:
                np.testing.assert_allclose(old[k]["position_mm"], new[k]["position_mm"], atol=1e-3)
        else:
            assert old == new


def test_muscle_and_nerve_meshes_are_closed_and_within_budget(model):
    for sid, record in model.meshes.items():
        if record.kind == "bone":
            continue
        mesh = trimesh.Trimesh(record.vertices, record.faces, process=False)
        assert mesh.is_watertight and mesh.is_winding_consistent, sid
        assert mesh.volume > 0, f"{sid} is inside out"
        assert 1000 <= len(record.faces) <= 5000, sid  # a few thousand triangles per muscle
        areas = mesh.area_faces
        assert areas.min() > 1e-9, f"{sid} has degenerate triangles"


def test_whole_scene_triangle_budget(model):
    # Budget for an interactive scene on software OpenGL: about 250k triangles in all.
    total = sum(len(r.faces) for r in model.meshes.values())
    assert total <= 250_000, total


def _signed_distance(record):
    """A signed-distance function of a bone surface (negative inside), from VTK."""
    import pyvista as pv
    import vtk

    faces = np.hstack([np.full((len(record.faces), 1), 3), record.faces]).ravel()
    fn = vtk.vtkImplicitPolyDataDistance()
    fn.SetInput(pv.PolyData(record.vertices, faces))
    return lambda pts: np.array([fn.EvaluateFunction(p) for p in pts])


def test_no_muscle_is_buried_in_bone_at_the_neutral_pose(model):
    """Sample each muscle's surface away from its attachments and check it against the bones.

    Attachments sit on bone, so the first and last 12 % of each path are left out; of the
    rest, at most 8 % of the sampled points may lie more than 3 mm inside a bone.
    """
    from viewer.core.sweep import DEFAULT_RING, DEFAULT_STATIONS

    bones = {b: _signed_distance(model.meshes[b]) for b in ("hip_bone", "sacrum", "femur")}
    report = {}
    for sid, record in model.meshes.items():
        if record.kind == "bone":
            continue
        rig = model.bellies
        if rig is not None and sid in rig.line_ids:
            # A belly: both faces of every fibre, by station along the fibres.
            faces = record.vertices.reshape(2, rig.fibres, rig.stations, 3)
            lo, hi = int(0.12 * rig.stations), int(0.88 * rig.stations)
            samples = faces[:, :, lo:hi:2].reshape(-1, 3)
        else:
            rings = record.vertices[: DEFAULT_STATIONS * DEFAULT_RING].reshape(DEFAULT_STATIONS, DEFAULT_RING, 3)
            lo, hi = int(0.12 * DEFAULT_STATIONS), int(0.88 * DEFAULT_STATIONS)
            samples = rings[lo:hi:2].reshape(-1, 3)
        # Neutral pose: the femur frame coincides with the pelvis frame.
        depth = np.min([fn(samples) for fn in bones.values()], axis=0)
        report[sid] = float(np.mean(depth < -3.0))
    buried = {k: round(v, 3) for k, v in report.items() if v > 0.08}
    assert not buried, f"fraction of surface > 3 mm inside bone: {buried}"


def test_derived_bones_carry_their_licence_and_notice(regenerated):
    from viewer.meshgen import ct_bones

    for name in (ct_bones.LICENCE_FILE, ct_bones.NOTICE_FILE):
        assert (MESHES / name).read_text(encoding="utf-8") == (regenerated / name).read_text(encoding="utf-8"), name
    notice = (MESHES / ct_bones.NOTICE_FILE).read_text(encoding="utf-8")
    assert f"musculoskeletal-models version {ct_bones.package_version()}" in notice
    for bone in ("hip_bone", "hip_bone_left", "sacrum", "femur"):
        assert f"{bone}.ply" in notice
    for derived in ("distance_pelvis.bin", "distance_femur.bin", "belly_lifts.bin"):
        assert derived in notice
    assert (MESHES / ct_bones.LICENCE_FILE).read_text(encoding="utf-8").startswith("Mozilla Public License Version 2.0")
