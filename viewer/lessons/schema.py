"""Lesson files: reading, validating against a model, and resolving each step to a full state.

The format is described in :mod:`viewer.lessons`. This module owns the boundary between the
YAML a teacher writes and the typed, frozen :class:`Lesson` the player trusts: every problem is
one :class:`~viewer.core.errors.DataError` naming the file, the step (numbered from 1, as in the
panel and the exported ``step_NN.png`` files) and the field, e.g.::

    annotations/lessons/x.yaml: steps[3].pose: flexion=150 deg is outside the joint's range ... (line 31)

Steps are *cumulative*: each step starts from the resolved state of the step before it (the
first from the model's defaults, see :func:`base_state`) and changes only what it names, so a
step's resolved state is fixed by the file alone, whatever was shown before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from viewer.core.catalogue import Catalogue
from viewer.core.errors import DataError
from viewer.core.pose_text import parse_pose_value
from viewer.core.spec import ZOOM_RANGE, Camera, SceneSpec  # noqa: F401 - ZOOM_RANGE: the lesson limit
from viewer.core.views import DEFAULT_VIEW  # noqa: F401 - the view a lesson starts from
from viewer.io.scene_file import SHARED_KEYS, apply_scene_fields
from viewer.io.validation import FieldChecker, short
from viewer.io.yaml_source import display_path, read_yaml
from viewer.lessons.rich_text import CaptionError, check_caption, plain_text
from viewer.state import state_for_model

#: Folder of lesson files inside a data folder.
LESSONS_SUBDIR = Path("annotations") / "lessons"
#: Limits a lesson author meets (short captions belong on a slide; detail lives in annotations).
MAX_CAPTION_CHARS = 600
MAX_DURATION_S = 60.0

TOP_LEVEL_KEYS = ("title", "description", "steps")
#: Fields of a step: the scene fields it shares with scene files (:mod:`viewer.io.scene_file`)
#: plus ``caption``, ``reset``, ``duration_s`` and ``compare`` (poses side by side).
STEP_KEYS = ("caption", "reset", *SHARED_KEYS[:8], "duration_s", *SHARED_KEYS[8:], "compare")

#: A lesson step shows a :class:`~viewer.core.spec.SceneSpec` (the name lessons used first).
StepState = SceneSpec
__all__ = ["Camera", "Lesson", "SceneSpec", "Step", "StepState", "apply_scene_fields"]


# -- typed results -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One resolved step of a lesson.

    Attributes
    ----------
    number : int
        Position in the lesson, counting from 1.
    caption : str
        Rich text in the allowed subset (:mod:`viewer.lessons.rich_text`).
    state : SceneSpec
        What this step shows when it is finished (its caption is in ``caption``).
    start_pose_deg : tuple of 3 floats
        The pose the step starts from (the previous step's pose): an animated step moves from
        here to ``state.pose_deg`` over ``duration_s``.
    duration_s : float
        0 for an instant step.
    fields : frozenset of str
        The keys the file sets for this step.
    """

    number: int
    caption: str
    state: SceneSpec
    start_pose_deg: tuple[float, float, float]
    duration_s: float = 0.0
    fields: frozenset[str] = frozenset()
    compare_poses: tuple[tuple[float, float, float], ...] = ()

    @property
    def plain_caption(self) -> str:
        """The caption without markup (for text files and image overlays)."""
        return plain_text(self.caption)

    @property
    def animated(self) -> bool:
        return self.duration_s > 0 and not np.allclose(self.start_pose_deg, self.state.pose_deg)


@dataclass(frozen=True)
class Lesson:
    """A validated lesson: title, description and resolved steps (at least one)."""

    name: str
    title: str
    description: str
    steps: tuple[Step, ...]
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.steps)


# -- the starting point ------------------------------------------------------------------------------
def base_state(model) -> SceneSpec:
    """The state a lesson starts from: the annotations' display defaults, neutral pose,
    the posterolateral view, no motion colouring, nothing selected or highlighted."""
    state = state_for_model(model)
    return SceneSpec(visible=state.visibility(), opacity={leaf: state.opacity(leaf) for leaf in state.all_leaves})


# -- one step ------------------------------------------------------------------------------------
def _step_field(loc: tuple) -> str:
    """``("steps", 2, "pose")`` -> ``"steps[3].pose"`` (steps count from 1, as in the panel)."""
    name = f"steps[{loc[1] + 1}]" if len(loc) > 1 else "steps"
    return name + "".join(f".{part}" for part in loc[2:3])


class _StepParser:
    """Applies one step's fields to the previous resolved state, raising DataErrors that point
    at the file, the step and the field."""

    def __init__(self, shown: str, lines: dict[tuple, int], catalogue: Catalogue, base: SceneSpec, bounds=None):
        self.check = FieldChecker(shown, lines, _step_field)
        self.catalogue = catalogue
        self.base = base
        self.bounds = bounds  # the model's box (mm): a section must cut it

    def parse(self, index: int, raw: Any, previous: SceneSpec) -> Step:
        check, loc = self.check, ("steps", index)
        if not isinstance(raw, dict):
            raise check.fail(loc, f"a step must be a mapping of fields, got {short(raw)}")
        check.keys(loc, raw, STEP_KEYS)
        if "caption" not in raw:
            raise check.fail((*loc, "caption"), "missing (every step needs a caption)")
        caption = check.text((*loc, "caption"), raw["caption"])
        if not plain_text(caption).strip():
            raise check.fail((*loc, "caption"), "is empty")
        try:
            check_caption(caption)
        except CaptionError as exc:
            raise check.fail((*loc, "caption"), str(exc)) from None
        if len(plain_text(caption)) > MAX_CAPTION_CHARS:
            raise check.fail((*loc, "caption"), f"is {len(plain_text(caption))} characters long (at most "
                             f"{MAX_CAPTION_CHARS}: keep captions short; detail belongs in the annotations)")

        reset = check.boolean((*loc, "reset"), raw["reset"]) if "reset" in raw else False
        start = self.base if reset else previous
        state = apply_scene_fields(check, loc, raw, start, self.catalogue, self.bounds)
        duration = 0.0
        if "duration_s" in raw:
            if "pose" not in raw:
                raise check.fail((*loc, "duration_s"), "animates this step's pose change, but the step sets no pose")
            duration = check.number((*loc, "duration_s"), raw["duration_s"], 0.0, MAX_DURATION_S, " s")
        compare: tuple = ()
        if "compare" in raw:
            # 2 or 4 poses shown side by side with one camera, for this step only
            value = raw["compare"]
            if not isinstance(value, list) or len(value) not in (2, 4):
                raise check.fail((*loc, "compare"), f"must be a list of 2 or 4 poses, got {short(value)}")
            poses = []
            for i, item in enumerate(value):
                try:
                    poses.append(tuple(float(v) for v in parse_pose_value(item, field="compare")))
                except DataError as exc:
                    raise check.fail((*loc, "compare"), f"pose {i + 1}: {exc.reason}") from None
            compare = tuple(poses)
        return Step(
            number=index + 1,
            caption=caption,
            state=state,
            start_pose_deg=previous.pose_deg,
            duration_s=duration,
            fields=frozenset(raw),
            compare_poses=compare,
        )


def load_lesson(path: str | Path, model) -> Lesson:
    """Read a lesson file and validate it against a model.

    Parameters
    ----------
    path : str or Path
        A lesson YAML file (see :func:`find_lesson` to resolve a name).
    model : viewer.io.model.HipModel
        The model whose structures, groups and range of motion the lesson must respect.

    Returns
    -------
    Lesson
        With every step resolved to an absolute :class:`SceneSpec`.

    Raises
    ------
    DataError
        The first problem, naming the file, ``steps[N].field`` (N from 1) and the reason.
    """
    path = Path(path)
    shown = display_path(path)
    data, lines = read_yaml(path, what="lesson file")
    if not isinstance(data, dict):
        raise DataError(f"a lesson must be a mapping with title and steps, got {short(data)}", file=shown)
    unknown = [k for k in data if k not in TOP_LEVEL_KEYS]
    if unknown:
        raise DataError(f"unknown field (allowed: {', '.join(TOP_LEVEL_KEYS)})", file=shown, field=str(unknown[0]))
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DataError("missing or empty (a lesson needs a title)" if title is None else
                        f"must be text, got {short(title)}", file=shown, field="title")
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise DataError(f"must be text, got {short(description)}", file=shown, field="description")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise DataError("missing or empty (a lesson needs a list of steps)" if not raw_steps else
                        f"must be a list of steps, got {short(raw_steps)}", file=shown, field="steps")

    base = base_state(model)
    points = np.vstack([record.vertices for record in model.meshes.values()])
    parser = _StepParser(shown, lines, model.catalogue, base, (points.min(axis=0), points.max(axis=0)))
    steps = []
    previous = base
    for index, raw in enumerate(raw_steps):
        step = parser.parse(index, raw, previous)
        steps.append(step)
        previous = step.state
    return Lesson(name=path.stem, title=" ".join(title.split()), description=" ".join(description.split()),
                  steps=tuple(steps), path=path)


# -- finding lessons -------------------------------------------------------------------------------
def lesson_folders(data_dir: str | Path | None) -> list[Path]:
    """Folders searched for lessons: the data folder's, then the built-in one (if different)."""
    from viewer.io.model import default_data_dir

    folders = []
    if data_dir is not None:
        folders.append(Path(data_dir) / LESSONS_SUBDIR)
    builtin = default_data_dir() / LESSONS_SUBDIR
    if not folders or folders[0].resolve() != builtin.resolve():
        folders.append(builtin)
    return folders


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _title_of(path: Path) -> str | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) else None


def list_lessons(data_dir: str | Path | None = None) -> list[tuple[str, str, Path]]:
    """``(name, title, path)`` of every lesson file found, the data folder's first.

    A file whose title cannot be read is listed with its name as title; loading it reports why.
    """
    out: dict[str, tuple[str, str, Path]] = {}
    for folder in lesson_folders(data_dir):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            out.setdefault(path.stem, (path.stem, _title_of(path) or path.stem, path))
    return list(out.values())


def find_lesson(name_or_file: str | Path, data_dir: str | Path | None = None) -> Path:
    """Resolve a lesson name, title or file path to a lesson file.

    Parameters
    ----------
    name_or_file : str or Path
        A path to a ``.yaml`` file, or a lesson name (the file stem, e.g.
        ``deep_external_rotators``; hyphens and spaces are accepted) or its title
        (``"The deep external rotators"``, any case).
    data_dir : str or Path, optional
        Data folder whose ``annotations/lessons/`` is searched before the built-in lessons.

    Raises
    ------
    DataError
        If no such file or lesson exists; the message lists the lessons there are.
    """
    text = str(name_or_file)
    candidate = Path(text).expanduser()
    if candidate.suffix.lower() in (".yaml", ".yml") or "/" in text or candidate.is_file():
        if candidate.is_file():
            return candidate
        raise DataError("lesson file not found", file=text)
    wanted = _key(text)
    lessons = list_lessons(data_dir)
    for name, title, path in lessons:
        if _key(name) == wanted or _key(title) == wanted or _key(title).removeprefix("the_") == wanted:
            return path
    names = ", ".join(name for name, _, _ in lessons) or "none"
    raise DataError(f"no lesson called {text!r} (lessons: {names}; or give a .yaml file)", field="lesson")
