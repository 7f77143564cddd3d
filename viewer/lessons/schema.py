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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from viewer.core.catalogue import Catalogue
from viewer.core.errors import DataError
from viewer.core.kinematics import DEFAULT_ROM
from viewer.core.motions import parse_motion
from viewer.core.pose_text import parse_pose_value
from viewer.core.sections import parse_section
from viewer.core.spec import COLOUR_BY, ZOOM_RANGE, Camera, SceneSpec, resolve_layers
from viewer.core.views import DEFAULT_VIEW, VIEWS  # noqa: F401 - DEFAULT_VIEW: the step default
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
#: Fields of a step: the scene fields (shared with scene files) plus ``caption``, ``reset``
#: and ``duration_s``.
SCENE_KEYS = (
    "view", "zoom", "focus", "only", "hide", "show", "opacity", "pose", "motion", "colour_by",
    "highlight", "select", "ghost", "show_mechanics", "knee_flexion", "released", "section", "show_spaces",
)
STEP_KEYS = ("caption", "reset", *SCENE_KEYS[:7], "pose", "duration_s", *SCENE_KEYS[8:])

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


# -- the fields a step shares with a scene file ------------------------------------------------------
def apply_scene_fields(check: FieldChecker, loc: tuple, raw: dict, start: SceneSpec, catalogue: Catalogue,
                       bounds=None) -> SceneSpec:
    """``start`` changed by the scene fields of ``raw`` (:data:`SCENE_KEYS`), checked.

    The one reading of view, zoom, focus, only/hide/show, opacity, pose, motion, colouring,
    highlight, selection, ghost and mechanics, shared by lesson steps and scene files; every
    problem is a DataError located at ``loc + (field,)`` of the file.
    """
    changes: dict[str, Any] = {}

    def leaves(key: str, value, *, groups: bool = True) -> list[str]:
        out = []
        for some_id in check.id_list((*loc, key), value):
            try:
                out += catalogue.leaves(catalogue.resolve(some_id, groups=groups), groups=groups)
            except DataError as exc:
                raise check.relocate((*loc, key), exc) from None
        return out

    try:
        visible = resolve_layers(start.visible, catalogue, **{k: check.id_list((*loc, k), raw[k])
                                                               for k in ("only", "hide", "show") if k in raw})
    except DataError as exc:
        raise check.relocate((*loc, exc.field), exc) from None
    changes["visible"] = visible
    if "opacity" in raw:
        value = raw["opacity"]
        if not isinstance(value, dict) or not value:
            raise check.fail((*loc, "opacity"), "must map ids to opacities 0..1, e.g. {gluteus_maximus: 0.3}; "
                             f"got {short(value)}")
        opacity = dict(start.opacity)
        for some_id, alpha in value.items():
            alpha = check.number((*loc, "opacity"), alpha, 0.0, 1.0)
            for leaf in leaves("opacity", str(some_id)):
                opacity[leaf] = alpha
        changes["opacity"] = opacity

    camera = start.camera
    if "view" in raw:
        view = raw["view"]
        if not isinstance(view, str) or view not in VIEWS:
            raise check.fail((*loc, "view"), f"unknown view {view!r} (allowed: {', '.join(VIEWS)})")
        camera = replace(camera, view=view)
    if "zoom" in raw:
        camera = replace(camera, zoom=check.number((*loc, "zoom"), raw["zoom"], *ZOOM_RANGE))
    if "focus" in raw:
        focus = [] if raw["focus"] in (None, []) else leaves("focus", raw["focus"])
        camera = replace(camera, focus=tuple(dict.fromkeys(focus)))
    changes["camera"] = camera

    if "pose" in raw:
        try:
            pose = parse_pose_value(raw["pose"], start.pose_deg, DEFAULT_ROM, field="pose")
        except DataError as exc:
            raise check.relocate((*loc, "pose"), exc) from None
        changes["pose_deg"] = tuple(float(v) for v in pose)
    if "motion" in raw:
        value = raw["motion"]
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            changes["motion"] = None
        elif not isinstance(value, str):
            raise check.fail((*loc, "motion"), f"must be a motion name or none, got {short(value)}")
        else:
            try:
                changes["motion"] = parse_motion(value, field="motion").name
            except DataError as exc:
                raise check.relocate((*loc, "motion"), exc) from None
    if "colour_by" in raw:
        if raw["colour_by"] not in COLOUR_BY:
            raise check.fail((*loc, "colour_by"),
                             f"unknown colouring {raw['colour_by']!r} (allowed: {', '.join(COLOUR_BY)})")
        changes["colour_by"] = raw["colour_by"]
    if "highlight" in raw:
        ids = [] if raw["highlight"] is None else check.id_list((*loc, "highlight"), raw["highlight"])
        out: list[str] = []
        for some_id in ids:
            try:
                out += catalogue.ids(catalogue.resolve(some_id, groups=True), groups=True)
            except DataError as exc:
                raise check.relocate((*loc, "highlight"), exc) from None
        changes["highlight"] = tuple(dict.fromkeys(out))
    if "select" in raw:
        value = raw["select"]
        if value is not None:
            if not isinstance(value, str):
                raise check.fail((*loc, "select"), f"must be one structure id or null, got {short(value)}")
            try:
                value = catalogue.resolve(value, groups=False)
            except DataError as exc:
                raise check.relocate((*loc, "select"), exc) from None
        changes["selection"] = value
    for key in ("ghost", "show_mechanics", "show_spaces"):
        if key in raw:
            changes[key] = check.boolean((*loc, key), raw[key])
    if "knee_flexion" in raw:
        changes["knee_flexion_deg"] = check.number((*loc, "knee_flexion"), raw["knee_flexion"], 0.0, 120.0, " deg")
    if "released" in raw:
        ids = [] if raw["released"] is None else check.id_list((*loc, "released"), raw["released"])
        out = []
        for some_id in ids:
            try:
                resolved = catalogue.resolve(some_id, groups=False)
            except DataError as exc:
                raise check.relocate((*loc, "released"), exc) from None
            if not catalogue[resolved].lines or catalogue[resolved].kind != "muscle":
                raise check.fail((*loc, "released"), f"{some_id!r} is not a muscle (only muscles are released)")
            out.append(resolved)
        changes["released"] = tuple(dict.fromkeys(out))
    if "section" in raw:
        value = raw["section"]
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            changes["section"] = None
        else:
            try:
                changes["section"] = parse_section(value, *(bounds or (None, None)), field="section")
            except DataError as exc:
                raise check.relocate((*loc, "section"), exc) from None
    return start.replace(**changes)


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
        self.bounds = bounds

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
        return Step(
            number=index + 1,
            caption=caption,
            state=state,
            start_pose_deg=previous.pose_deg,
            duration_s=duration,
            fields=frozenset(raw),
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
