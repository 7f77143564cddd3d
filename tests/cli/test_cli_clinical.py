"""The clinical subcommands: lengths, clinical-test, measure, actions --release, and their errors."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from viewer.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lengths_rows_muscle_pose_length_stretch(capsys, model):
    code, out, _ = run(capsys, "lengths", "--muscle", "piriformis", "--muscle", "gluteus_medius",
                       "--pose", "flexion=0", "--pose", "flexion=60,adduction=15,internal_rotation=30", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert {r["muscle"] for r in rows} == {"piriformis", "gluteus_medius.anterior", "gluteus_medius.middle",
                                           "gluteus_medius.posterior"}
    assert set(rows[0]) == {"muscle", "pose", "length_mm", "stretch_pct"}
    neutral = [r for r in rows if r["pose"]["flexion"] == 0]
    assert all(r["stretch_pct"] == 0 for r in neutral)
    fair = next(r for r in rows if r["muscle"] == "piriformis" and r["pose"]["flexion"] == 60)
    assert fair["pose"] == {"flexion": 60.0, "abduction": -15.0, "external_rotation": -30.0}
    k = model.paths.index("piriformis")
    lengths = model.paths.lengths(np.array([[0, 0, 0], [60, -15, -30]], dtype=float))[:, k]
    assert fair["length_mm"] == pytest.approx(lengths[1], abs=1e-3)
    assert fair["stretch_pct"] == pytest.approx(100 * (lengths[1] - lengths[0]) / lengths[0], abs=1e-3)


def test_lengths_sweep_csv(capsys):
    code, out, _ = run(capsys, "lengths", "--muscle", "obturator_internus", "--sweep", "flexion=0:90:30", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["muscle", "pose", "length_mm", "stretch_pct"]
    assert [r["pose"].split(",")[0] for r in rows] == ["flexion=0", "flexion=30", "flexion=60", "flexion=90"]


def test_max_stretch(capsys):
    code, out, _ = run(capsys, "lengths", "--muscle", "piriformis", "--max-stretch", "--format", "json")
    assert code == 0
    (found,) = json.loads(out)
    assert found["muscle"] == "piriformis" and found["stretch_pct"] > 0
    code, out, _ = run(capsys, "lengths", "--muscle", "piriformis", "--max-stretch", "--hold",
                       "adduction=10,external_rotation=0", "--format", "json")
    (held,) = json.loads(out)
    assert held["pose"]["abduction"] == -10 and held["pose"]["external_rotation"] == 0
    assert held["stretch_mm"] <= found["stretch_mm"]


def test_clinical_test_json(capsys):
    code, out, _ = run(capsys, "clinical-test", "FAIR", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["test"] == "fair" and doc["knee_flexion"] == 90
    assert doc["pose"] == {"flexion": 60.0, "abduction": -15.0, "external_rotation": -30.0}
    pir = next(r for r in doc["rows"] if r["muscle"] == "piriformis")
    assert pir["stretch_pct"] > 0 and "external_rotation_moment_arm_mm" in pir
    assert "computed by the model" in doc["caption"]
    assert doc["source"]["key"] == "fishman2002" and "Arch Phys Med Rehabil" in doc["source"]["citation"]


def test_clinical_test_table_and_list(capsys):
    code, out, _ = run(capsys, "clinical-test", "pace")
    assert code == 0 and "Resisted abduction loads" in out and "abduction r mm" in out
    code, out, _ = run(capsys, "clinical-test")
    assert code == 0 and "figure_4" in out and "freiberg" in out


def test_measure_ischiofemoral_space(capsys):
    code, out, _ = run(capsys, "measure", "ischiofemoral-space", "--sweep", "external_rotation=0:40:20", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    ifs = [r["ischiofemoral_space_mm"] for r in doc["rows"]]
    qfs = [r["quadratus_femoris_space_mm"] for r in doc["rows"]]
    assert ifs == sorted(ifs, reverse=True) and qfs == sorted(qfs, reverse=True)
    assert {p["source"] for p in doc["published"]["ischiofemoral"]} <= set(doc["references"])
    code, out, _ = run(capsys, "measure", "ischiofemoral-space")
    assert code == 0 and "barros2019" in out and "27.5 ± 6.5" in out


def test_measure_nerve_clearance(capsys):
    code, out, _ = run(capsys, "measure", "nerve-clearance", "--pose", "flexion=60,adduction=15,internal_rotation=30",
                       "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert {r["neighbour"] for r in rows} == {"piriformis", "gemellus_superior", "obturator_internus",
                                              "gemellus_inferior", "quadratus_femoris"}
    assert all(r["nerve_stretch_pct"] == rows[0]["nerve_stretch_pct"] for r in rows)


def test_actions_release_reports_capacity_without_the_released(capsys, model):
    code, out, _ = run(capsys, "actions", "--motion", "external-rotation", "--release",
                       "piriformis,gemellus_superior,obturator_internus,gemellus_inferior", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert not {"piriformis", "obturator_internus"} & {r["muscle"] for r in doc["rows"]}
    cap = doc["capacity"]
    assert cap["released"] == ["piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior"]
    assert cap["remaining_pct"] + cap["released_share_pct"] == pytest.approx(100.0, abs=0.02)
    assert cap["intact_capacity_nm"] - cap["remaining_capacity_nm"] == pytest.approx(
        sum(cap["released_contributions_nm"].values()), abs=0.01)
    code, out2, _ = run(capsys, "actions", "--motion", "external-rotation", "--release", "posterior-approach",
                        "--format", "json")
    assert json.loads(out2)["capacity"] == cap
    code, out, _ = run(capsys, "actions", "--motion", "external-rotation", "--release", "posterior-approach")
    assert "% remaining" in out


@pytest.mark.parametrize("argv, words", [
    (["clinical-test", "patrick"], ["unknown clinical test 'patrick'", "fair"]),
    (["actions", "--motion", "external-rotation", "--release", "piriformis,nonesuch"], ["--release", "nonesuch"]),
    (["actions", "--motion", "external-rotation", "--release", "femur"], ["--release", "not a muscle"]),
    (["lengths", "--muscle", "nonesuch"], ["--muscle", "nonesuch"]),
    (["lengths", "--max-stretch", "--hold", "abduction=80"], ["--hold", "abduction=80"]),
    (["measure", "ischiofemoral-space", "--pose", "flexion=170"], ["--pose", "flexion=170"]),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    for word in words:
        assert word in err


def test_render_section_stretch_release_and_spaces(capsys, tmp_path):
    out = tmp_path / "cut.png"
    code, text, _ = run(capsys, "render", "--out", str(out), "--size", "240x180", "--section", "axial:-62",
                        "--spaces", "--colour-by", "stretch", "--release", "posterior-approach",
                        "--pose", "flexion=60,adduction=15,internal_rotation=30")
    assert code == 0 and out.is_file() and "wrote" in text
    import imageio.v3 as iio

    image = iio.imread(out)
    assert image.shape[:2] == (180, 240) and image.std() > 5
    code, _, _ = run(capsys, "render", "--out", str(tmp_path / "fair.png"), "--size", "160x120", "--clinical-test", "fair")
    assert code == 0


@pytest.mark.parametrize("argv, words", [
    (["--section", "axial:900"], ["--section", "misses the model"]),
    (["--section", "transverse:0"], ["--section", "unknown plane"]),
    (["--release", "sacrum"], ["--release", "not a muscle"]),
    (["--clinical-test", "nope"], ["unknown clinical test"]),
])
def test_render_bad_clinical_input(capsys, tmp_path, argv, words):
    code, out, err = run(capsys, "render", "--out", str(tmp_path / "x.png"), "--size", "64x64", *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1
    for word in words:
        assert word in err
    assert not (tmp_path / "x.png").exists()
