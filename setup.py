"""Build step that puts the built-in data into the package.

``meshes/`` and ``annotations/`` stay at the top of the repository (they are what the generator
writes and what authors edit); a built wheel carries a copy of them, with the licence, as
``viewer/data/``, where :func:`viewer.io.model.builtin_data_dir` finds them through
``importlib.resources``. An editable install (``pip install -e .``) reads them from the checkout
instead, so nothing is copied for it.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_FOLDERS = ("meshes", "annotations")
LICENCE_FILES = ("LICENSE",)


class BuildPyWithData(build_py):
    """``build_py`` that also copies the data folders and the licence into ``viewer/data/``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "viewer" / "data"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
        for name in DATA_FOLDERS:
            if (target / name).exists():
                shutil.rmtree(target / name)
            shutil.copytree(ROOT / name, target / name, ignore=ignore)
        for name in LICENCE_FILES:
            shutil.copy2(ROOT / name, target / name)


setup(cmdclass={"build_py": BuildPyWithData})
