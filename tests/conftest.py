"""Shared fixtures: the built-in model is loaded once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import os

ROOT = Path(os.environ.get("HIP_VIEWER_DATA") or Path(__file__).resolve().parents[1])


def _have_meshes() -> bool:
    return (ROOT / "meshes" / "manifest.json").is_file()


@pytest.fixture(scope="session")
def model():
    """The built-in hip model (meshes/ and annotations/ of this repository), loaded once."""
    if not _have_meshes():
        pytest.skip("meshes/ has not been generated yet (run `hip-viewer build-meshes`)")
    from tests.lessons.conftest import load_test_model

    return load_test_model()


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A writable copy of the built-in data folder, for tests that break it on purpose."""
    if not _have_meshes():
        pytest.skip("meshes/ has not been generated yet")
    dest = tmp_path / "data"
    shutil.copytree(ROOT / "meshes", dest / "meshes")
    shutil.copytree(ROOT / "annotations", dest / "annotations")
    return dest
