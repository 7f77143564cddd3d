"""3. Every decoding, permission, recursion and type error of the JSON, PLY and YAML readers is
one DataError line naming the file and the field; a closed stdout ends the command quietly."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.robustness.conftest import REPO, run_cli
from viewer.core.errors import DataError
from viewer.io.model import load_model, validate


def _edit_json(folder, name, change):
    path = folder / "meshes" / name
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def _append(path, data: bytes):
    with open(path, "ab") as fh:
        fh.write(data)


def _symlink_loop(path):
    path.unlink()
    os.symlink(path.name, path)


def _replace_points(doc):
    doc["lines"]["piriformis"]["points"] = [["x"], {"landmark": [1]}]


BROKEN = {
    # case: (change to the data copy, file named in the message, words the message must hold)
    "non-UTF-8 JSON": (lambda d: _append(d / "meshes" / "landmarks.json", b"\xff\xfe"),
                       "landmarks.json", "not UTF-8 text"),
    "non-UTF-8 YAML": (lambda d: _append(d / "annotations" / "piriformis.yaml", b"\n# \xff\n"),
                       "piriformis.yaml", "not UTF-8 text"),
    "folder instead of JSON": (lambda d: ((d / "meshes" / "landmarks.json").unlink(),
                                          (d / "meshes" / "landmarks.json").mkdir()),
                               "landmarks.json", "not a regular file"),
    "named pipe instead of JSON": (lambda d: ((d / "meshes" / "landmarks.json").unlink(),
                                              os.mkfifo(d / "meshes" / "landmarks.json")),
                                   "landmarks.json", "not a regular file"),
    "recursive YAML anchor": (lambda d: _append(d / "annotations" / "piriformis.yaml", b"\nloop: &r [*r]\n"),
                              "piriformis.yaml", "recursive anchor"),
    "YAML list as key": (lambda d: _append(d / "annotations" / "piriformis.yaml", b"\n? [1, 2]\n: x\n"),
                         "piriformis.yaml", "a key must be a name or a number, not a list"),
    "symlink loop (mesh)": (lambda d: _symlink_loop(d / "meshes" / "femur.ply"), "femur.ply",
                            "Too many levels of symbolic links"),
    "symlink loop (annotation)": (lambda d: _symlink_loop(d / "annotations" / "femur.yaml"), "femur.yaml",
                                  "Too many levels of symbolic links"),
    "file: 123 in the manifest": (lambda d: _edit_json(d, "manifest.json",
                                                       lambda m: m["structures"]["femur"].update(file=123)),
                                  "manifest.json", "structures.femur.file: expected a file name (text), got 123"),
    "triangles as text": (lambda d: _edit_json(d, "manifest.json",
                                               lambda m: m["structures"]["femur"].update(triangles="many")),
                          "manifest.json", "structures.femur.triangles: expected a whole number"),
    "points of the wrong type": (lambda d: _edit_json(d, "muscle_paths.json", _replace_points),
                                 "muscle_paths.json", "lines.piriformis.points[0]: expected a mapping, got list"),
    "belly_at a list": (lambda d: _edit_json(d, "muscle_paths.json",
                                             lambda m: m["lines"]["piriformis"]["shape"].update(belly_at=[1])),
                        "muscle_paths.json", "lines.piriformis.shape.belly_at: [1] is outside 0..1"),
    "a line that is a list": (lambda d: _edit_json(d, "muscle_paths.json", lambda m: m["lines"].update(piriformis=[1])),
                              "muscle_paths.json", "lines.piriformis.kind"),
    "wrap names of the wrong type": (
        lambda d: _edit_json(d, "muscle_paths.json", lambda m: m["lines"]["piriformis"].update(
            wraps=[[1]] * (len(m["lines"]["piriformis"]["points"]) - 1))),
        "muscle_paths.json", "lines.piriformis.wraps[0]: unknown wrap surface [1]"),
    "structure a number": (lambda d: _edit_json(d, "muscle_paths.json",
                                                lambda m: m["lines"]["piriformis"].update(structure=7)),
                           "muscle_paths.json", "lines.piriformis.structure: expected a structure id"),
    "landmark bone a list": (lambda d: _edit_json(d, "landmarks.json", lambda m: m["ischial_spine"].update(bone=[1])),
                             "landmarks.json", "ischial_spine.bone"),
    "100,000-deep JSON": (lambda d: (d / "meshes" / "landmarks.json").write_text("[" * 100_000 + "]" * 100_000),
                          "landmarks.json", "nests deeper than the limit of 64 levels"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_file_is_one_line_naming_file_and_field(data_copy, case):
    change, file_name, words = BROKEN[case]
    change(data_copy)
    with pytest.raises(DataError) as info:
        load_model(data_copy)
    message = info.value.message
    assert "\n" not in message and file_name in message and words in message, message
    problems = [p.message for p in validate(data_copy)]
    assert any(file_name in m and words in m for m in problems), problems


def test_unreadable_file_is_one_line(data_copy, monkeypatch):
    import viewer.io.files as files

    target = data_copy / "meshes" / "landmarks.json"
    real_open = open

    def guarded(path, *args, **kwargs):
        if os.fspath(path) == os.fspath(target):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(files, "open", guarded, raising=False)
    with pytest.raises(DataError, match=r"landmarks\.json: cannot be read \(Permission denied\)"):
        load_model(data_copy)


def test_infinite_sweep_span_is_refused(cli):
    for sweep in ("flexion=-1e308:1e308:1", "flexion=0:90:1e-300", "flexion=0:inf:1"):
        code, out, err = cli("moment-arms", "--sweep", sweep)
        assert code == 2 and out == "" and err.startswith("hip-viewer: error: --sweep:"), (sweep, err)


def test_closed_stdout_ends_quietly():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("HIP_VIEWER_DATA", None)
    proc = subprocess.Popen([sys.executable, "-m", "viewer", "moment-arms", "--sweep", "flexion=-20:120:0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert first.startswith(b"muscle,motion")
    assert err == "", err
    assert code == 141


def test_commands_never_print_a_traceback_for_a_broken_folder(data_copy):
    BROKEN["symlink loop (mesh)"][0](data_copy)
    for command in (["validate"], ["actions", "--motion", "flexion"], ["lesson", "external_rotation", "--export",
                                                                       str(data_copy / "out")]):
        result = run_cli("--data", str(data_copy), *command, timeout=120)
        assert result.returncode in (1, 2) and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "femur.ply" in result.stderr


@pytest.mark.parametrize("content, words", [
    (b"ply\n\xff\xfe\x00" * 10, "cannot be read as a PLY triangle mesh"),
    (b"ply\nformat binary_little_endian 1.0\nelement vertex 99999999999\nproperty float x\nend_header\n",
     "the limit is 5000000"),
    (b"ply\nformat binary_little_endian 1.0\nelement vertex 4000000\nproperty float x\nend_header\n\x00",
     "claims 4000000 entries but the file has only"),
    (b"\x00\x01 not a ply", "no PLY header"),
])
def test_damaged_ply_is_one_line(tmp_path, content, words):
    from viewer.io.meshes import read_ply

    path = tmp_path / "bad.ply"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_ply(path)
    assert "bad.ply" in info.value.message and words in info.value.message and "\n" not in info.value.message
