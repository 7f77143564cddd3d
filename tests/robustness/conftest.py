"""Helpers for the robustness tests: run the command line on a (broken) data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_cli(*argv: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120,
            stdin=None) -> subprocess.CompletedProcess:
    """``python -m viewer ARGV`` in a fresh process with this checkout first on the path."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO), full_env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    full_env.pop("HIP_VIEWER_DATA", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "viewer", *argv], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=full_env, stdin=stdin)


@pytest.fixture
def cli(capsys):
    """Run ``hip-viewer`` in this process; returns ``(exit code, stdout, stderr)``."""
    from viewer.cli import main

    def _run(*argv: str):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return _run
