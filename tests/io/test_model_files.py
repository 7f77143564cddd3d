"""Loading the mesh folder and the whole model: every bad input gives one clear message."""

from __future__ import annotations

import json

import numpy as np
import pytest

from viewer.cli import main
from viewer.core.errors import DataError
from viewer.io import meshes as meshio
from viewer.io.model import load_model, validate


def _manifest(data):
    return json.loads((data / "meshes" / "manifest.json").read_text())


def _write_manifest(data, manifest):
    (data / "meshes" / "manifest.json").write_text(json.dumps(manifest))


def test_built_in_data_validates_cleanly(model, capsys):
    assert validate(model.data_dir) == []
    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_model_contents(model):
    assert {"hip_bone", "sacrum", "femur"} <= set(model.meshes)
    assert model.meshes["femur"].body == "femur" and model.meshes["hip_bone"].body == "pelvis"
    assert len(model.actions.line_ids) == 16  # 6 deep rotators, 3 x 3 gluteal compartments, TFL
    assert set(model.actions.structure_ids) >= {"piriformis", "gluteus_medius", "tensor_fasciae_latae"}
    assert model.display_name("gluteus_medius.anterior").lower().startswith("gluteus medius")


def test_corrupted_mesh_is_named(data_copy):
    ply = data_copy / "meshes" / "femur.ply"
    ply.write_bytes(b"ply\nformat binary_little_endian 1.0\nelement vertex 10\n" + b"\x00garbage" * 10)
    with pytest.raises(DataError) as err:
        load_model(data_copy)
    assert str(err.value) == (f"{ply}: content does not match the SHA-256 in manifest.json (the file is damaged or was "
                              "changed; regenerate with 'hip-viewer build-meshes')")
    # Even with a matching hash, a damaged PLY is refused with its name.
    manifest = _manifest(data_copy)
    manifest["structures"]["femur"]["sha256"] = meshio.sha256_of(ply)
    _write_manifest(data_copy, manifest)
    with pytest.raises(DataError, match=r"femur\.ply: cannot be read as a PLY triangle mesh"):
        load_model(data_copy)


def test_missing_mesh_file_is_named(data_copy):
    (data_copy / "meshes" / "sacrum.ply").unlink()
    with pytest.raises(DataError, match=r"sacrum\.ply: file not found \(listed for 'sacrum' in manifest.json\)"):
        load_model(data_copy)


def test_manifest_errors(data_copy):
    path = data_copy / "meshes" / "manifest.json"
    path.write_text("{ not json")
    with pytest.raises(DataError, match=r"manifest\.json: not valid JSON \(line 1, column 3"):
        load_model(data_copy)
    manifest = {"format_version": 1, "units": "inch", "structures": {"x": {}}}
    path.write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=r"manifest\.json: units: units 'inch' is not supported \(expected 'mm'\)"):
        load_model(data_copy)


def test_bad_landmark_position(data_copy):
    path = data_copy / "meshes" / "landmarks.json"
    doc = json.loads(path.read_text())
    doc["ischial_spine"]["position_mm"] = [1, 2]
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=r"landmarks\.json: ischial_spine\.position_mm: expected three finite numbers"):
        load_model(data_copy)


def test_path_referring_to_an_unknown_landmark(data_copy):
    path = data_copy / "meshes" / "muscle_paths.json"
    doc = json.loads(path.read_text())
    doc["lines"]["piriformis"]["points"][0] = {"landmark": "piriformis.orgin"}
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError) as err:
        load_model(data_copy)
    assert str(err.value) == f"{path}: lines.piriformis.points[0].landmark: unknown landmark 'piriformis.orgin'"


def test_path_with_an_unknown_wrap_surface(data_copy):
    path = data_copy / "meshes" / "muscle_paths.json"
    doc = json.loads(path.read_text())
    doc["lines"]["gemellus_superior"]["wraps"] = ["femoral_heads"]
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=r"lines\.gemellus_superior\.wraps\[0\]: unknown wrap surface 'femoral_heads'"):
        load_model(data_copy)


def test_mesh_without_annotation(data_copy):
    (data_copy / "annotations" / "sciatic_nerve.yaml").unlink()
    with pytest.raises(DataError, match="sciatic_nerve"):
        load_model(data_copy)


def test_validate_reports_every_problem(data_copy, capsys):
    (data_copy / "meshes" / "sacrum.ply").write_bytes(b"broken")
    ann = data_copy / "annotations" / "piriformis.yaml"
    ann.write_text(ann.read_text().replace("layer_group: deep_external_rotators", "layer_group: glutes"))
    problems = validate(data_copy)
    messages = [p.message for p in problems]
    assert any("sacrum.ply" in m for m in messages)
    assert any("piriformis.yaml" in m and "layer_group" in m for m in messages)
    assert main(["validate", "--data", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "sacrum.ply" in err and "piriformis.yaml" in err


def test_landmark_off_its_surface_is_reported(data_copy):
    path = data_copy / "meshes" / "landmarks.json"
    doc = json.loads(path.read_text())
    doc["ischial_spine"]["position_mm"] = (np.array(doc["ischial_spine"]["position_mm"]) + [0, 0, -15]).tolist()
    path.write_text(json.dumps(doc))
    messages = [p.message for p in validate(data_copy)]
    assert any("landmarks.json: ischial_spine: is" in m and "mm off the surface of hip_bone (allowed 1 mm)" in m
               for m in messages), messages


def test_ply_round_trip(tmp_path):
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], float)
    f = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    path = tmp_path / "t.ply"
    path.write_bytes(meshio.ply_bytes(v, f))
    v2, f2 = meshio.read_ply(path)
    np.testing.assert_allclose(v2, v)
    np.testing.assert_array_equal(f2, f)
    assert meshio.ply_bytes(v, f) == path.read_bytes()  # deterministic bytes


def test_ply_from_another_tool_is_read_too(tmp_path):
    import trimesh

    box = trimesh.creation.box()
    path = tmp_path / "ascii.ply"
    box.export(path, file_type="ply", encoding="ascii")
    v, f = meshio.read_ply(path)
    assert v.shape == (8, 3) and f.shape == (12, 3)


def test_truncated_own_ply_is_refused(tmp_path):
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float)
    data = meshio.ply_bytes(v, np.array([[0, 1, 2]]))
    path = tmp_path / "cut.ply"
    path.write_bytes(data[:-5])
    with pytest.raises(DataError, match=r"cut\.ply: cannot be read as a PLY triangle mesh \(ValueError: expected"):
        meshio.read_ply(path)
