"""``bellies.json`` and its bone distance grids: a bad file gives one DataError naming the field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from viewer.core.errors import DataError
from viewer.io.bellies import BELLIES
from viewer.io.model import load_model, validate

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not (REPO_ROOT / "meshes" / BELLIES).is_file(), reason="meshes/ has no bellies")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for sub in ("meshes", "annotations"):
        shutil.copytree(REPO_ROOT / sub, tmp_path / sub)
    return tmp_path


def _edit(folder: Path, change) -> None:
    path = folder / "meshes" / BELLIES
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def _only_error(folder: Path) -> DataError:
    with pytest.raises(DataError) as info:
        load_model(folder)
    problems = validate(folder)
    assert len(problems) == 1, [str(p) for p in problems]
    assert str(problems[0]) == str(info.value)
    return info.value


def test_the_shipped_bellies_load(model):
    assert model.bellies is not None and len(model.bone_distance) == 2
    assert {g.body for g in model.bone_distance} == {"pelvis", "femur"}


def test_a_thickness_table_of_the_wrong_shape(data_copy):
    _edit(data_copy, lambda doc: doc["bellies"]["piriformis"]["thickness_mm"].pop())
    err = _only_error(data_copy)
    assert err.field == "bellies.piriformis.thickness_mm" and "shape" in str(err) and BELLIES in str(err)


def test_an_unknown_muscle_line(data_copy):
    def change(doc):
        doc["bellies"]["gluteus_maximum"] = doc["bellies"].pop("piriformis")

    _edit(data_copy, change)
    err = _only_error(data_copy)
    assert err.field == "bellies.gluteus_maximum" and "unknown muscle line 'gluteus_maximum'" in str(err)


def test_a_negative_thickness(data_copy):
    _edit(data_copy, lambda doc: doc["bellies"]["quadratus_femoris"]["thickness_mm"][0].__setitem__(0, -1.0))
    err = _only_error(data_copy)
    assert err.field == "bellies.quadratus_femoris.thickness_mm" and "positive" in str(err)


def test_a_side_that_is_not_plus_or_minus_one(data_copy):
    _edit(data_copy, lambda doc: doc["bellies"]["piriformis"].__setitem__("side", 0))
    err = _only_error(data_copy)
    assert err.field == "bellies.piriformis.side" and "1 or -1" in str(err)


def test_a_damaged_distance_grid(data_copy):
    path = data_copy / "meshes" / "distance_pelvis.bin"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    err = _only_error(data_copy)
    assert "distance_pelvis.bin" in str(err) and "SHA-256" in str(err)


def test_a_missing_distance_grid(data_copy):
    (data_copy / "meshes" / "distance_femur.bin").unlink()
    err = _only_error(data_copy)
    assert "distance_femur.bin" in str(err) and "not found" in str(err)


def test_a_belly_mesh_of_another_topology(data_copy):
    """The belly of a line must have the stations x fibres layout that bellies.json gives."""
    import numpy as np

    from viewer.core.anatomy import SweepShape
    from viewer.core.sweep import sweep_faces, sweep_vertices
    from viewer.io import meshes as meshio

    folder = data_copy / "meshes"
    line = np.array([[0.0, 0.0, 0.0], [0.0, -50.0, 0.0]])
    data = meshio.ply_bytes(sweep_vertices(line, SweepShape(10.0, 12.0, 6.0)), sweep_faces())
    (folder / "piriformis.ply").write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = manifest["structures"]["piriformis"]
    entry.update(bytes=len(data), sha256=meshio.sha256_of(folder / "piriformis.ply"), triangles=len(sweep_faces()),
                 vertices=len(sweep_vertices(line, SweepShape(10.0, 12.0, 6.0))))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    err = _only_error(data_copy)
    assert "piriformis.ply" in str(err) and "muscle belly of the expected topology" in str(err)


def test_the_shipped_bellies_have_a_lift_table(model):
    rig = model.bellies
    assert rig.lift_mm is not None and len(rig.lift_nodes) == 3
    assert rig.lift_mm.shape == (*(len(n) for n in rig.lift_nodes), 2, len(rig.line_ids) * rig.fibres * rig.stations)
    assert rig.lift_nodes[0][0] <= -20.0 and rig.lift_nodes[0][-1] >= 120.0  # the whole range of flexion


def test_a_damaged_lift_table(data_copy):
    path = data_copy / "meshes" / "belly_lifts.bin"
    data = bytearray(path.read_bytes())
    data[50] ^= 0xFF
    path.write_bytes(bytes(data))
    err = _only_error(data_copy)
    assert "belly_lifts.bin" in str(err) and "SHA-256" in str(err)


def test_a_missing_lift_table(data_copy):
    (data_copy / "meshes" / "belly_lifts.bin").unlink()
    err = _only_error(data_copy)
    assert "belly_lifts.bin" in str(err) and "not found" in str(err)


def test_lift_nodes_that_do_not_increase(data_copy):
    _edit(data_copy, lambda doc: doc["lifts"]["abduction_deg"].reverse())
    err = _only_error(data_copy)
    assert err.field == "lifts.abduction_deg" and "increasing" in str(err) and BELLIES in str(err)


def test_lift_nodes_that_do_not_match_the_table(data_copy):
    _edit(data_copy, lambda doc: doc["lifts"]["flexion_deg"].append(doc["lifts"]["flexion_deg"][-1] + 20.0))
    err = _only_error(data_copy)
    assert "belly_lifts.bin" in str(err) and "describes" in str(err)
