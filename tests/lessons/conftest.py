"""Fixtures for the lesson tests: the built-in model, the built-in lessons and broken lesson files.

The model is the default data folder (``load_model()``, or ``$HIP_VIEWER_DATA``), loaded once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILTIN_LESSONS = REPO_ROOT / "annotations" / "lessons"
BUILTIN_NAMES = ("deep_external_rotators", "external_rotation", "position_changes_action",
                 "gemellus_inferior_clinic", "deep_gluteal_space", "posterior_approach")


_MODEL = None


def load_test_model():
    """The default model, loaded once and shared by the lesson, render and panel tests."""
    global _MODEL
    if _MODEL is None:
        from viewer.io.model import load_model

        _MODEL = load_model()
    return _MODEL


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
