"""The hip-viewer command line: help, version, errors, and the headless subcommands."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from viewer import __version__
from viewer.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_help_without_a_window(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"hip-viewer {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for sub in ("render", "actions", "moment-arms", "validate", "build-meshes", "animate", "lesson"):
        assert sub in out
    assert "PySide6" not in sys.modules or True  # the launcher imports Qt lazily (checked below)


def test_help_does_not_import_qt():
    code = "import sys; from viewer.cli import main\ntry:\n main(['--help'])\nexcept SystemExit: pass\nprint('PySide6' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_unknown_subcommand_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err and "render" in err


def test_python_dash_m_viewer_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "viewer", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"hip-viewer {__version__}"


def test_missing_data_folder_is_named(capsys, tmp_path):
    code, _, err = run(capsys, "--data", str(tmp_path / "nope"), "actions", "--motion", "flexion")
    assert code == 2
    assert err.strip() == f"hip-viewer: error: {tmp_path / 'nope'}: data folder not found"
    code, _, err = run(capsys, "actions", "--motion", "flexion", "--data", str(tmp_path))
    assert code == 2 and "has no 'meshes/' folder" in err


def test_actions_json_rows(capsys, model):
    code, out, _ = run(capsys, "actions", "--motion", "external-rotation", "--pose", "flexion=0", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    keys = {"muscle", "motion", "pose", "moment_arm_mm", "torque_potential_nm", "role", "rank"}
    assert all(keys <= set(r) for r in rows)
    producers = {r["muscle"] for r in rows if r["role"] == "produces"}
    assert {"piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior",
            "obturator_externus", "quadratus_femoris"} <= producers
    torques = [r["torque_potential_nm"] for r in rows]
    assert torques == sorted(torques, reverse=True)


def test_actions_at_ninety_degrees_flexion(capsys, model):
    code, out, _ = run(capsys, "actions", "--motion", "external_rotation", "--pose", "flexion=90", "--format", "csv")
    assert code == 0
    rows = {r["muscle"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["piriformis"]["role"] == "opposes"
    assert float(rows["piriformis"]["pose_flexion_deg"]) == 90.0


def test_actions_table_is_readable(capsys, model):
    code, out, _ = run(capsys, "actions", "--motion", "abduction")
    assert code == 0
    assert out.splitlines()[0].startswith("abduction at flexion=0, abduction=0, external_rotation=0 (deg)")
    assert "Gluteus medius" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["actions", "--motion", "twist"], "--motion: unknown motion 'twist'"),
        (["actions", "--motion", "flexion", "--pose", "flexion=200"], "--pose: flexion=200 deg is outside the joint's range"),
        (["actions", "--motion", "flexion", "--pose", "flexion:20"], "--pose: malformed pose item 'flexion:20'"),
        (["moment-arms", "--sweep", "flexion=0:90:15", "--muscle", "bicep"], "--muscle: unknown muscle 'bicep'"),
        (["moment-arms", "--sweep", "flexion=0-90"], "--sweep: malformed range '0-90'"),
        (["render", "--out", "x.png", "--view", "sideways"], "view: unknown view 'sideways'"),
        (["render", "--out", "x.png", "--size", "big"], "--size: malformed size 'big'"),
    ],
)
def test_bad_requests_give_one_clear_line(capsys, model, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("hip-viewer: error: ") and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_moment_arm_sweep_csv_and_plot(capsys, model, tmp_path):
    plot = tmp_path / "plot.png"
    code, out, err = run(capsys, "moment-arms", "--muscle", "piriformis", "--sweep", "flexion=0:90:15",
                         "--motion", "external-rotation", "--plot", str(plot))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [float(r["pose_flexion_deg"]) for r in rows] == [0, 15, 30, 45, 60, 75, 90]
    r = [float(row["moment_arm_mm"]) for row in rows]
    assert r[0] > 10 and r[-1] < 0  # external rotator extended, internal rotator flexed
    import imageio.v3 as iio

    image = iio.imread(plot)
    assert image.shape[0] > 300 and image.shape[1] > 400
    assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 20


def test_moment_arm_json_for_compartments(capsys, model):
    code, out, _ = run(capsys, "moment-arms", "--muscle", "gluteus_medius.anterior", "--sweep", "external_rotation=-10:50:20",
                       "--motion", "internal-rotation", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 4
    assert all(r["motion"] == "internal_rotation" and r["role"] == "produces" for r in rows)


def test_actions_rows_carry_model_source_and_published_values(capsys):
    for flexion, sign in ((0, 1), (90, -1)):
        code, out, _ = run(capsys, "actions", "--motion", "external-rotation", "--pose", f"flexion={flexion}",
                           "--format", "json")
        assert code == 0
        rows = {r["muscle"]: r for r in json.loads(out)}
        (pub,) = rows["piriformis"]["published"]
        assert pub["source"] == "delp1999" and pub["citation"] == "Delp et al. 1999"
        assert np.sign(pub["value_mm"]) == sign and pub["pose"]["flexion"] == flexion
        assert rows["piriformis"]["source"].startswith("computed by the model")
        assert "Parvaresh" in rows["piriformis"]["source"]
        assert rows["obturator_internus"]["published"] == []
    code, out, _ = run(capsys, "actions", "--motion", "external-rotation", "--pose", "flexion=90")
    assert "Delp et al. 1999" in out and "computed by the model" in out


def test_moment_arm_rows_carry_published_values(capsys):
    code, out, _ = run(capsys, "moment-arms", "--muscle", "gluteus_maximus", "--motion", "extension",
                       "--sweep", "flexion=0:90:15", "--format", "json")
    rows = json.loads(out)
    with_pub = {r["pose"]["flexion"]: r["published"] for r in rows if r["published"]}
    assert set(with_pub) == {0.0, 15.0, 60.0, 75.0, 90.0}  # 40 deg is not on the 15-degree sweep
    assert all(p[0]["source"] == "nemeth1985" for p in with_pub.values())
    code, out, _ = run(capsys, "moment-arms", "--muscle", "gluteus_maximus", "--motion", "flexion",
                       "--sweep", "flexion=0:0:1", "--format", "csv")
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["published"].startswith("-76.8 mm (Németh & Ohlsén 1985)")
