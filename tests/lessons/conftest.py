"""Fixtures for the lesson tests: the built-in model, the built-in lessons and broken lesson files.

The model is the default data folder (``load_model()``). While the bone meshes are still being
generated (no ``meshes/manifest.json``), tests that need it are skipped; a developer can point
``HIP_VIEWER_TEST_DATA`` at a stand-in data folder to run them anyway.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILTIN_LESSONS = REPO_ROOT / "annotations" / "lessons"
BUILTIN_NAMES = ("deep_external_rotators", "external_rotation", "position_changes_action",
                 "gemellus_inferior_clinic")


def load_test_model():
    """The default model, a developer's stand-in (``HIP_VIEWER_TEST_DATA``), or skip."""
    from viewer.io.model import load_model

    override = os.environ.get("HIP_VIEWER_TEST_DATA")
    if (REPO_ROOT / "meshes" / "manifest.json").is_file():
        return load_model()
    if override:
        return load_model(override)
    pytest.skip("meshes/manifest.json is absent: the bone meshes have not been generated yet")


@pytest.fixture(scope="session")
def hip_model():
    return load_test_model()


@pytest.fixture
def write_lesson(tmp_path):
    """Write a lesson file from text (dedented) and return its path."""
    import textwrap

    def write(text: str, name: str = "x.yaml") -> Path:
        folder = tmp_path / "annotations" / "lessons"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
