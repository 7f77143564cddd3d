"""The one direction of data flow, enforced: core <- io, state, lessons <- render <- qt.

Every module's imports are read from its source (AST), so a forbidden import fails here even
if it sits in a function body.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "viewer"

# Which project layers each layer may import, and which outside packages it must not.
ALLOWED_LAYERS = {
    "core": {"core"},
    "io": {"core", "io"},
    "state": {"core", "state"},
    "meshgen": {"core", "io", "meshgen"},
    "render": {"core", "state", "render", "io", "lessons"},
    "lessons": {"core", "io", "state", "lessons"},
    "qt": None,  # the application may import everything
}
# Single modules a layer may use from a layer it otherwise may not: lesson files name camera views.
ALLOWED_MODULES = {"lessons": {"viewer.render.views"}}
FORBIDDEN_EXTERNAL = {
    "core": {"PySide6", "pyvistaqt", "pyvista", "vtk", "trimesh", "yaml", "pydantic", "skimage", "matplotlib"},
    "io": {"PySide6", "pyvistaqt", "pyvista", "vtk"},
    "state": {"PySide6", "pyvistaqt", "pyvista", "vtk"},
    "meshgen": {"PySide6", "pyvistaqt"},
    "render": {"PySide6", "pyvistaqt"},
    "lessons": {"PySide6", "pyvistaqt"},
}


def _layer(path: Path) -> str | None:
    rel = path.relative_to(PACKAGE)
    head = rel.parts[0].removesuffix(".py")
    if head.startswith("lesson"):
        return "lessons"
    return head if head in ALLOWED_LAYERS else None


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _layer(p))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_module_imports_only_what_its_layer_allows(path):
    layer = _layer(path)
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "viewer":
            parts = name.split(".")
            if len(parts) == 1 or ALLOWED_LAYERS[layer] is None:
                continue
            target = "lessons" if parts[1].startswith("lesson") else parts[1]
            if target in ("__init__",) or name in ALLOWED_MODULES.get(layer, set()):
                continue
            assert target in ALLOWED_LAYERS[layer] or target not in ALLOWED_LAYERS, (
                f"{path.relative_to(PACKAGE)} ({layer}) imports {name}")
        else:
            assert top not in FORBIDDEN_EXTERNAL.get(layer, set()), f"{path.relative_to(PACKAGE)} ({layer}) imports {name}"


def test_core_and_render_load_without_qt():
    code = ("import sys, viewer.core.actions, viewer.core.sweep, viewer.io.model, viewer.render.scene, viewer.cli;"
            "print(sorted(m for m in ('PySide6', 'pyvistaqt') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
