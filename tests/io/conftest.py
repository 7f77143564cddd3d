"""Fixtures for the io tests: the shipped annotation folder and writable broken copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ANNOTATIONS_DIR = REPO_ROOT / "annotations"
LANDMARK_TARGETS = REPO_ROOT / "viewer" / "meshgen" / "data" / "ct_landmarks.yaml"


def find_seed_dir() -> Path | None:
    """The folder of seed texts, beside the checkout (``../shared/seeds``) or inside it."""
    for candidate in (REPO_ROOT / "shared" / "seeds", REPO_ROOT.parent / "shared" / "seeds"):
        if candidate.is_dir() and any(candidate.glob("*.txt")):
            return candidate
    return None


@pytest.fixture(scope="session")
def annotations_dir() -> Path:
    return ANNOTATIONS_DIR


@pytest.fixture(scope="session")
def annotation_set():
    from viewer.io.annotations import load_annotations

    return load_annotations(ANNOTATIONS_DIR)


@pytest.fixture
def annotations_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped annotation folder."""
    dest = tmp_path / "annotations"
    shutil.copytree(ANNOTATIONS_DIR, dest)
    return dest


@pytest.fixture
def edit_yaml(annotations_copy: Path) -> Callable[[str, Callable[[dict], None]], Path]:
    """Edit one file of the copy through its parsed data: ``edit_yaml('piriformis', fn)``."""

    def _edit(stem: str, change: Callable[[dict], None]) -> Path:
        path = annotations_copy / f"{stem}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        return path

    return _edit


@pytest.fixture
def edit_text(annotations_copy: Path) -> Callable[[str, str, str], Path]:
    """Replace text in one file of the copy (keeps line numbers meaningful)."""

    def _edit(stem: str, old: str, new: str) -> Path:
        path = annotations_copy / f"{stem}.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path.name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return _edit
