"""1. The built package carries its data and works from anywhere, not only from a checkout.

The build step (``setup.py``) copies ``meshes/`` and ``annotations/`` (lessons included) and the
licence into ``viewer/data/``; :func:`viewer.io.model.builtin_data_dir` finds them through
``importlib.resources``. Here the package is built the way a wheel is (``build_py``) and run from
another working directory with nothing of the checkout on the path. The full check (a wheel
installed with its dependencies in a fresh virtual environment) runs in CI (``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness.conftest import REPO

SOURCES = ("setup.py", "pyproject.toml", "MANIFEST.in", "LICENSE", "README.md", "viewer", "meshes", "annotations")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The package as ``build_py`` lays it out for a wheel (no checkout beside it)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        target = REPO / name
        if target.is_dir():
            shutil.copytree(target, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(target, src / name)
    lib = tmp_path_factory.mktemp("lib")
    result = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)], cwd=src,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return lib


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}


def test_the_package_carries_meshes_annotations_lessons_and_licence(built):
    data = built / "viewer" / "data"
    assert _files(data / "meshes") == _files(REPO / "meshes")
    assert _files(data / "annotations") == _files(REPO / "annotations")
    assert any(name.startswith("lessons/") for name in _files(data / "annotations"))
    assert (data / "LICENSE").read_text() == (REPO / "LICENSE").read_text()
    for name in ("manifest.json", "hip_bone.ply"):
        assert (data / "meshes" / name).read_bytes() == (REPO / "meshes" / name).read_bytes()


def _run_installed(built: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HIP_VIEWER_DATA")}
    env["PYTHONPATH"] = str(built)
    return subprocess.run([sys.executable, "-m", "viewer", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)


def test_the_built_package_finds_its_data_through_importlib_resources(built, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HIP_VIEWER_DATA")}
    env["PYTHONPATH"] = str(built)
    code = "import viewer, viewer.io.model as m; print(viewer.__file__); print(m.default_data_dir())"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    package_file, data_dir = result.stdout.split()
    assert Path(package_file).is_relative_to(built)
    assert Path(data_dir) == built / "viewer" / "data"


def test_the_built_package_runs_every_data_command_from_anywhere(built, tmp_path):
    elsewhere = tmp_path / "somewhere_else"
    elsewhere.mkdir()
    result = _run_installed(built, elsewhere, "validate")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    result = _run_installed(built, elsewhere, "actions", "--motion", "external-rotation", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert rows[0].startswith("rank,muscle") and any(",piriformis," in row for row in rows[1:])
    result = _run_installed(built, elsewhere, "lesson", "external_rotation", "--export", "slides", "--size", "160x100")
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "slides" / "step_01.png").is_file() and (elsewhere / "slides" / "index.md").is_file()
    result = _run_installed(built, elsewhere, "render", "--out", "hip.png", "--size", "96x64")
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "hip.png").stat().st_size > 500
