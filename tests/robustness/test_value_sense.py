"""5. Values are checked for sense, not only type: coordinates, radii and vertices finite and in
the anatomy's bounding box, via points distinct; validate reports them; no NaN is printed."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pytest

from viewer.core.limits import ANATOMY_EXTENT_MM, MAX_WRAP_RADIUS_MM
from viewer.io.model import load_model, validate

BOX = f"within ±{ANATOMY_EXTENT_MM:g} mm of the hip joint centre"


def _edit_json(folder, name, change):
    path = folder / "meshes" / name
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_the_real_anatomy_is_inside_the_stated_box(model):
    for record in model.meshes.values():
        assert np.abs(record.vertices).max() < ANATOMY_EXTENT_MM
    for line in model.lines:
        for wrap in line.wraps:
            assert wrap is None or wrap.radius_mm <= MAX_WRAP_RADIUS_MM
    assert validate(model.data_dir) == []


def test_a_landmark_at_1e300_is_reported_and_never_becomes_nan(data_copy, cli):
    _edit_json(data_copy, "landmarks.json", lambda d: d["ischial_spine"].update(position_mm=[1e300, 0, 0]))
    messages = [p.message for p in validate(data_copy)]
    assert any("landmarks.json: ischial_spine.position_mm: position at (1e+300, 0, 0) mm" in m and BOX in m
               for m in messages), messages
    code, out, err = cli("--data", str(data_copy), "actions", "--motion", "external-rotation", "--format", "csv")
    assert code == 2 and out == "" and "nan" not in err.lower()


def test_a_vertex_at_3e38_is_reported(data_copy):
    path = data_copy / "meshes" / "femur.ply"
    data = bytearray(path.read_bytes())
    start = data.find(b"end_header\n") + len(b"end_header\n")
    data[start:start + 4] = np.float32(3e38).tobytes()
    path.write_bytes(bytes(data))
    _edit_json(data_copy, "manifest.json",
               lambda m: m["structures"]["femur"].update(sha256=hashlib.sha256(bytes(data)).hexdigest()))
    messages = [p.message for p in validate(data_copy)]
    assert any("femur.ply: vertex 0 at (3e+38," in m and BOX in m for m in messages), messages


@pytest.mark.parametrize("radius, shown", [(float("inf"), "inf"), (1e6, "1000000.0"), (0, "0"), (float("nan"), "nan")])
def test_an_absurd_wrap_radius_is_reported(data_copy, radius, shown):
    _edit_json(data_copy, "muscle_paths.json", lambda d: d["wraps"]["femoral_head"].update(radius=radius))
    messages = [p.message for p in validate(data_copy)]
    assert any(f"wraps.femoral_head.radius: expected a positive number of millimetres up to "
               f"{MAX_WRAP_RADIUS_MM:g}, got {shown}" in m for m in messages), messages


def test_a_wrap_centre_far_away_is_reported(data_copy):
    _edit_json(data_copy, "muscle_paths.json", lambda d: d["wraps"]["femoral_head"].update(centre=[0, 5e4, 0]))
    messages = [p.message for p in validate(data_copy)]
    assert any("wraps.femoral_head.centre" in m and BOX in m for m in messages), messages


def test_coincident_via_points_are_reported(data_copy):
    def collapse(doc):
        points = doc["lines"]["sciatic_nerve"]["points"]
        points[1] = {**points[1], "position": points[0]["position"], "body": points[0]["body"]}

    _edit_json(data_copy, "muscle_paths.json", collapse)
    with pytest.raises(Exception) as info:
        load_model(data_copy)
    assert "lines.sciatic_nerve.points[1]: points 0 and 1" in str(info.value)
    assert "at least 0.5 mm apart" in str(info.value)


def test_the_command_line_never_prints_nan(model, cli, monkeypatch):
    from viewer.core.actions import ActionModel

    real = ActionModel.evaluate

    def poisoned(self, motion, poses):
        values = real(self, motion, poses)
        return {k: np.full_like(v, np.nan) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v
                for k, v in values.items()}

    real_table = ActionModel.table

    def poisoned_table(self, *args, **kwargs):
        return [dataclasses.replace(row, moment_arm_mm=float("nan")) for row in real_table(self, *args, **kwargs)]

    monkeypatch.setattr(ActionModel, "evaluate", poisoned)
    monkeypatch.setattr(ActionModel, "table", poisoned_table)
    monkeypatch.setattr("viewer.cli._load", lambda args: model)
    for argv in (("actions", "--motion", "flexion"), ("actions", "--motion", "flexion", "--format", "json"),
                 ("moment-arms", "--sweep", "flexion=0:30:15", "--muscle", "piriformis")):
        code, out, err = cli(*argv)
        assert "nan" not in out.lower()
        assert code == 2 and "non-finite" in err, (argv, err)
