"""Modules stay small enough to read: none over 600 lines, the render root under 400."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "viewer"


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_longer_than_600_lines():
    long = {str(p.relative_to(PACKAGE)): _lines(p) for p in PACKAGE.rglob("*.py") if _lines(p) > 600}
    assert long == {}


def test_the_render_composition_root_stays_under_400_lines():
    assert _lines(PACKAGE / "render" / "scene.py") < 400
