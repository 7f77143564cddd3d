"""Fuzzing every data file type: truncation, byte flips, type swaps, huge/NaN/inf numbers, deep
nesting and aliases, run against the readers, validate, render, actions and the lesson loader.

Each case runs under a time limit (SIGALRM in this process, a timeout for a subprocess) and a
memory limit (growth of the peak resident size here, an address-space limit for a subprocess).
A case passes when the code under test either succeeds or raises the project's one-line
DataError; anything else (another exception, a traceback, a hang, exit 0 with NaN output) fails.
The number of examples is bounded so that the whole module runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness.conftest import REPO
from viewer.core.errors import DataError

DATA = REPO
#: Per-case limits.
CASE_SECONDS = 10
CASE_MEMORY_BYTES = 400 << 20
SUBPROCESS_SECONDS = 90
SUBPROCESS_ADDRESS_SPACE = 6 << 30

FUZZ = settings(max_examples=int(os.environ.get("HIP_VIEWER_FUZZ_EXAMPLES", "25")), deadline=None,
                derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


class CaseTimeout(Exception):
    pass


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


@contextlib.contextmanager
def limits():
    """Fail the case if it runs longer than CASE_SECONDS or raises the peak memory by more than
    CASE_MEMORY_BYTES."""
    def on_alarm(signum, frame):
        raise CaseTimeout(f"a case ran longer than {CASE_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(CASE_SECONDS)
    before = _peak_rss_bytes()
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    grown = _peak_rss_bytes() - before
    assert grown <= CASE_MEMORY_BYTES, f"a case raised the peak memory by {grown >> 20} MiB"


def only_data_errors(call):
    """Run ``call`` under the limits; a DataError must be one line naming something."""
    with limits():
        try:
            return call()
        except DataError as exc:
            assert "\n" not in exc.message and exc.message.strip()
            assert "Traceback" not in exc.message
            return None


# -- mutations -------------------------------------------------------------------------------------
HOSTILE_VALUES = st.sampled_from([
    None, True, 0, -1, 10 ** 400, 1e308, -1e308, 3e38, float("nan"), float("inf"), float("-inf"), 1e-320,
    "", "x" * 5000, "<img src='file:///etc/hosts'>", [], {}, [1, 2], {"a": 1}, [[[[[[[[[[[[1]]]]]]]]]]]],
])


def deep(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def _paths(tree, prefix=()):
    yield prefix
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree[:20]):
            yield from _paths(v, (*prefix, i))


@st.composite
def tree_mutation(draw, tree):
    """A copy of a parsed document with one value replaced, deleted or nested deeply."""
    tree = json.loads(json.dumps(tree))
    paths = [p for p in _paths(tree) if p]
    path = draw(st.sampled_from(paths))
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "nest", "swap_type"]))
    if action == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    elif action == "nest":
        parent[path[-1]] = deep(draw(st.sampled_from([70, 200])))
    elif action == "swap_type":
        value = parent[path[-1]]
        parent[path[-1]] = ([value] if not isinstance(value, list) else {"k": value}) if draw(st.booleans()) else str(value)
    else:
        parent[path[-1]] = draw(HOSTILE_VALUES)
    return tree


@st.composite
def byte_mutation(draw, data: bytes):
    """Truncation, byte flips or junk inserted into a file's bytes."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    out = bytearray(data)
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(out) - 1))
            out[i] ^= draw(st.integers(1, 255))
        return bytes(out)
    i = draw(st.integers(0, len(out)))
    junk = draw(st.sampled_from([b"\xff\xfe\x00", b"[" * 5000, b"{{{{", b"\nend_header\n", b"&a [*a]", b"NaN"]))
    return bytes(out[:i] + junk + out[i:])


YAML_EXTRAS = st.sampled_from([
    "\nloop: &r [*r]\n",
    "\nbomb0: &b0 [x,x,x,x,x,x,x,x,x]\nbomb1: &b1 [*b0,*b0,*b0,*b0,*b0,*b0,*b0,*b0,*b0]\n"
    "bomb2: &b2 [*b1,*b1,*b1,*b1,*b1,*b1,*b1,*b1,*b1]\nbomb3: &b3 [*b2,*b2,*b2,*b2,*b2,*b2,*b2,*b2,*b2]\n"
    "bomb4: &b4 [*b3,*b3,*b3,*b3,*b3,*b3,*b3,*b3,*b3]\nbomb5: &b5 [*b4,*b4,*b4,*b4,*b4,*b4,*b4,*b4,*b4]\n",
    "\n? [1, 2]\n: listkey\n",
    "\nnested: " + "[" * 200 + "]" * 200 + "\n",
    "\nnum: .nan\nbig: 1e999\n",
    "\n" + "x: 1\n" * 2,
])


@st.composite
def yaml_mutation(draw, text: str):
    how = draw(st.sampled_from(["tree", "tree", "bytes", "extra"]))
    if how == "tree":
        return yaml.safe_dump(draw(tree_mutation(yaml.safe_load(text))), allow_unicode=True).encode("utf-8")
    if how == "extra":
        return (text + draw(YAML_EXTRAS)).encode("utf-8")
    return draw(byte_mutation(text.encode("utf-8")))


@st.composite
def json_mutation(draw, text: str):
    if draw(st.booleans()):
        return json.dumps(draw(tree_mutation(json.loads(text)))).encode("utf-8")
    return draw(byte_mutation(text.encode("utf-8")))


# -- one shared, writable copy of the data folder -------------------------------------------------
@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(DATA / "meshes", dest / "meshes")
    shutil.copytree(DATA / "annotations", dest / "annotations")
    return dest


@contextlib.contextmanager
def replaced(path: Path, content: bytes):
    original = path.read_bytes()
    path.write_bytes(content)
    try:
        yield path
    finally:
        path.write_bytes(original)


def _finite_model(model) -> None:
    """A model that loaded must give finite mechanics (never NaN with success)."""
    from viewer.core.motions import MOTIONS

    rows = model.actions.table(MOTIONS["external_rotation"], np.zeros(3))
    values = np.array([(r.moment_arm_mm, r.torque_potential_nm) for r in rows], float)
    assert np.all(np.isfinite(values)), "a model that loaded gives NaN moment arms"


# -- in-process cases --------------------------------------------------------------------------------
MESH_JSON = ["manifest.json", "landmarks.json", "muscle_paths.json"]


@FUZZ
@given(data=st.data(), name=st.sampled_from(MESH_JSON))
def test_fuzz_mesh_folder_json(work, model, data, name):
    from viewer.io import meshes as meshio
    from viewer.io.paths_file import parse_lines

    path = work / "meshes" / name
    content = data.draw(json_mutation(path.read_text(encoding="utf-8")))
    with replaced(path, content):
        if name == "manifest.json":
            manifest = only_data_errors(lambda: meshio.read_manifest(work / "meshes"))
            if manifest:
                for sid, entry in list(manifest["structures"].items())[:3]:
                    only_data_errors(lambda: meshio.load_mesh(work / "meshes", sid, entry))
        elif name == "landmarks.json":
            only_data_errors(lambda: meshio.load_landmarks(work / "meshes"))
        else:
            def parse():
                file, doc = meshio.load_path_document(work / "meshes")
                return parse_lines(doc, model.landmarks, file)
            only_data_errors(parse)


@FUZZ
@given(data=st.data())
def test_fuzz_ply(work, data):
    from viewer.io.meshes import read_ply

    path = work / "meshes" / "piriformis.ply"
    content = data.draw(byte_mutation(path.read_bytes()))
    with replaced(path, content):
        result = only_data_errors(lambda: read_ply(path))
        if result is not None:
            vertices, faces = result
            assert np.all(np.isfinite(vertices)) and faces.min() >= 0 and faces.max() < len(vertices)


@FUZZ
@given(data=st.data(), stem=st.sampled_from(["piriformis", "femur", "sciatic_nerve", "gluteus_medius",
                                             "layer_groups"]))
def test_fuzz_annotation_yaml(work, data, stem):
    from viewer.io.annotations import load_annotations

    path = work / "annotations" / f"{stem}.yaml"
    content = data.draw(yaml_mutation(path.read_text(encoding="utf-8")))
    with replaced(path, content):
        only_data_errors(lambda: load_annotations(work / "annotations"))


@FUZZ
@given(data=st.data(), name=st.sampled_from(["external_rotation", "deep_external_rotators",
                                             "position_changes_action"]))
def test_fuzz_lesson_yaml(work, model, data, name):
    from viewer.lessons import load_lesson

    path = work / "annotations" / "lessons" / f"{name}.yaml"
    content = data.draw(yaml_mutation(path.read_text(encoding="utf-8")))
    with replaced(path, content):
        lesson = only_data_errors(lambda: load_lesson(path, model))
        if lesson is not None:
            for step in lesson.steps:
                assert all(math.isfinite(v) for v in step.state.pose_deg)
                assert math.isfinite(step.state.camera.zoom)


@settings(FUZZ, max_examples=max(4, FUZZ.max_examples // 3))
@given(data=st.data(), name=st.sampled_from(MESH_JSON))
def test_fuzz_whole_model_and_validate(work, data, name):
    from viewer.io.model import load_model, validate

    path = work / "meshes" / name
    content = data.draw(json_mutation(path.read_text(encoding="utf-8")))
    with replaced(path, content):
        model = only_data_errors(lambda: load_model(work))
        if model is not None:
            _finite_model(model)
        problems = only_data_errors(lambda: validate(work))
        for problem in problems or []:
            assert isinstance(problem, DataError) and "\n" not in problem.message
        assert (model is None) == bool(problems) or model is not None


# -- a few whole commands in a fresh process -------------------------------------------------------
def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (SUBPROCESS_ADDRESS_SPACE, SUBPROCESS_ADDRESS_SPACE))


def _command(folder: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("HIP_VIEWER_DATA", None)
    return subprocess.run([sys.executable, "-m", "viewer", "--data", str(folder), *argv], capture_output=True,
                          text=True, timeout=SUBPROCESS_SECONDS, cwd=cwd, env=env, preexec_fn=_limited)


BOMB = ("\nbomb0: &b0 [x,x,x,x,x,x,x,x,x]\n"
        + "".join(f"bomb{i}: &b{i} [{','.join([f'*b{i - 1}'] * 9)}]\n" for i in range(1, 8)))

SUBPROCESS_CASES = [
    # (file, mutation of its text, commands): chosen to reach deep into each command
    ("meshes/landmarks.json",
     lambda t: re.sub(r'"position_mm": \[[^\]]*\]', '"position_mm": [1e300, 0, 0]', t, count=1),
     (["actions", "--motion", "external-rotation", "--format", "csv"], ["render", "--out", "r.png", "--size", "64x48"])),
    ("meshes/muscle_paths.json", lambda t: t.replace('"radius": ', '"radius": Infinity, "x": ', 1), (["validate"],)),
    ("annotations/lessons/external_rotation.yaml", lambda t: t + BOMB,
     (["lesson", "external_rotation", "--export", "out", "--size", "64x48"],)),
    ("meshes/manifest.json", lambda t: t[: len(t) // 2], (["validate"],)),
]


@pytest.mark.parametrize("index", range(len(SUBPROCESS_CASES)))
def test_fuzz_commands_in_a_fresh_process(tmp_path, index):
    folder = tmp_path / "data"
    shutil.copytree(DATA / "meshes", folder / "meshes")
    shutil.copytree(DATA / "annotations", folder / "annotations")
    file, change, commands = SUBPROCESS_CASES[index]
    path = folder / file
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    for argv in commands:
        result = _command(folder, tmp_path, *argv)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode in (0, 1, 2), (argv, result.returncode, result.stderr)
        if result.returncode == 0:
            assert "nan" not in result.stdout.lower(), (argv, result.stdout[:500])
        else:
            lines = result.stderr.strip().splitlines()
            assert lines and all(line.strip() for line in lines), (argv, result.stderr)
