"""The one direction of data flow, enforced by the import-linter contracts in pyproject.toml:
core <- io <- state <- render | lessons <- export <- qt, no whitelist.

The contracts are run here on the package; a copy of the package with one module that breaks
the rule shows that they can fail; and a fresh interpreter shows that the core loads no
third-party library but numpy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())", "--no-cache"]


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(LINT, cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "6 kept, 0 broken" in result.stdout


@pytest.fixture()
def package_copy(tmp_path) -> Path:
    """The package and its contracts, copied where a test may break them."""
    shutil.copytree(ROOT / "viewer", tmp_path / "viewer", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize("module, source, contract", [
    ("core/_upward.py", "from viewer.state import SessionState\n", "core <- io <- state"),
    ("io/_upward.py", "import viewer.render.scene\n", "core <- io <- state"),
    ("render/_sideways.py", "from viewer.lessons import LessonPlayer\n", "core <- io <- state"),
    ("core/_library.py", "import yaml\n", "the core is numpy and the standard library"),
    ("state/_gui.py", "import pyvista\n", "no rendering or Qt below the render layer"),
])
def test_a_contract_fails_when_a_lower_layer_imports_a_higher_one(package_copy, module, source, contract):
    (package_copy / "viewer" / module).write_text(f'"""A deliberate violation."""\n\n{source}', encoding="utf-8")
    result = _lint(package_copy)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout
    assert f"viewer.{module[:-3].replace('/', '.')}" in result.stdout


def test_the_core_loads_no_third_party_library_but_numpy():
    code = ("import sys, pkgutil, importlib, viewer.core\n"
            "for m in pkgutil.iter_modules(viewer.core.__path__): importlib.import_module('viewer.core.' + m.name)\n"
            "print(sorted(m for m in ('psygnal', 'yaml', 'pydantic', 'trimesh', 'vtk', 'vtkmodules', 'pyvista',"
            " 'PySide6', 'pyvistaqt', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_core_and_render_load_without_qt():
    code = ("import sys, viewer.core.actions, viewer.core.sweep, viewer.io.model, viewer.render.scene, viewer.cli;"
            "print(sorted(m for m in ('PySide6', 'pyvistaqt') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert out.strip().splitlines()[-1] == "[]"
