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

import difflib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from viewer.core.errors import DataError
from viewer.core.limits import MAX_LESSON_STEPS
from viewer.io.yaml_source import display_path, read_yaml
from viewer.core.kinematics import DEFAULT_ROM, check_pose
from viewer.core.motions import POSE_COORDINATES, coordinate_index, parse_motion
from viewer.lessons.rich_text import CaptionError, check_caption, plain_text
from viewer.render.views import VIEWS  # plain data (no VTK import): the named camera views
from viewer.state import COLOUR_BY, POSE_PRESETS, state_for_model

#: Folder of lesson files inside a data folder.
LESSONS_SUBDIR = Path("annotations") / "lessons"
#: Limits a lesson author meets (short captions belong on a slide; detail lives in annotations).
MAX_CAPTION_CHARS = 600
MAX_DURATION_S = 60.0
ZOOM_RANGE = (0.1, 10.0)
DEFAULT_VIEW = "posterolateral"

TOP_LEVEL_KEYS = ("title", "description", "steps")
STEP_KEYS = (
    "caption", "reset", "view", "zoom", "focus", "only", "hide", "show", "opacity", "pose",
    "duration_s", "motion", "colour_by", "highlight", "select", "ghost", "show_mechanics",
)


# -- typed results -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Camera:
    """A named view, a zoom factor and the structures to frame (all visible ones when empty)."""

    view: str = DEFAULT_VIEW
    zoom: float = 1.0
    focus: tuple[str, ...] = ()  # leaf (mesh) ids


@dataclass(frozen=True)
class StepState:
    """Everything one step shows, absolutely (not as a change): what the player applies.

    Attributes
    ----------
    visible, opacity : Mapping[str, bool], Mapping[str, float]
        Per leaf (mesh) id.
    pose_deg : tuple of 3 floats
        Flexion, abduction, external rotation in degrees.
    motion : str or None
        Motion used to colour the muscles (canonical name), or None for anatomical colours.
    colour_by : str
        ``"moment_arm"`` or ``"torque"``.
    highlight : tuple of str
        Structure or compartment ids drawn highlighted.
    selection : str or None
        The selected structure: named, with origin and insertion marked.
    ghost, show_mechanics : bool
    camera : Camera
    """

    visible: Mapping[str, bool]
    opacity: Mapping[str, float]
    pose_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    motion: str | None = None
    colour_by: str = "moment_arm"
    highlight: tuple[str, ...] = ()
    selection: str | None = None
    ghost: bool = False
    show_mechanics: bool = False
    camera: Camera = field(default_factory=Camera)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StepState):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__dataclass_fields__)

    __hash__ = None  # holds mappings


@dataclass(frozen=True)
class Step:
    """One resolved step of a lesson.

    Attributes
    ----------
    number : int
        Position in the lesson, counting from 1.
    caption : str
        Rich text in the allowed subset (:mod:`viewer.lessons.rich_text`).
    state : StepState
        The state this step shows when it is finished.
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
    state: StepState
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


# -- YAML with line numbers (shared with the annotations) -------------------------------------------
def _read(path: Path) -> tuple[Any, dict[tuple, int]]:
    return read_yaml(path, what="lesson file")


# -- the model's vocabulary ------------------------------------------------------------------------
def base_state(model) -> StepState:
    """The state a lesson starts from: the annotations' display defaults, neutral pose,
    the posterolateral view, no motion colouring, nothing selected or highlighted."""
    state = state_for_model(model)
    return StepState(
        visible=MappingProxyType(state.visibility()),
        opacity=MappingProxyType({leaf: state.opacity(leaf) for leaf in state.all_leaves}),
    )


class _Vocabulary:
    """Ids a lesson may name: structures, compartments (leaves) and layer groups."""

    def __init__(self, model):
        state = state_for_model(model)
        self.structures: dict[str, list[str]] = {s: list(ls) for s, ls in state.leaves.items()}
        self.leaves = set(state.all_leaves)
        self.groups: dict[str, list[str]] = {g.id: list(members) for g, members in model.groups()}

    def _unknown(self, some_id: str, groups_allowed: bool) -> str:
        names = sorted(self.structures) + sorted(self.leaves - set(self.structures))
        if groups_allowed:
            names += sorted(self.groups)
        close = difflib.get_close_matches(str(some_id), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        kinds = "structure, compartment or layer group" if groups_allowed else "structure or compartment"
        return (f"unknown {kinds} {some_id!r}{hint} (structures: {', '.join(sorted(self.structures))}"
                + (f"; groups: {', '.join(self.groups)})" if groups_allowed else ")"))

    def leaves_of(self, some_id: str, *, groups_allowed: bool = True) -> list[str]:
        """Leaf ids named by a structure, compartment or (if allowed) group id; KeyError message if unknown."""
        if some_id in self.structures:
            return list(self.structures[some_id])
        if some_id in self.leaves:
            return [some_id]
        if groups_allowed and some_id in self.groups:
            return [leaf for s in self.groups[some_id] for leaf in self.structures.get(s, [])]
        raise KeyError(self._unknown(some_id, groups_allowed))

    def ids_of(self, some_id: str, *, groups_allowed: bool = True) -> list[str]:
        """Structure/compartment ids (groups expanded to their structures)."""
        if some_id in self.structures or some_id in self.leaves:
            return [some_id]
        if groups_allowed and some_id in self.groups:
            return [s for s in self.groups[some_id] if s in self.structures]
        raise KeyError(self._unknown(some_id, groups_allowed))


# -- one step ------------------------------------------------------------------------------------
class _StepParser:
    """Applies one step's fields to the previous resolved state, raising DataErrors that point
    at the file, the step and the field."""

    def __init__(self, shown: str, lines: dict[tuple, int], vocab: _Vocabulary, base: StepState):
        self.shown = shown
        self.lines = lines
        self.vocab = vocab
        self.base = base

    def fail(self, index: int, key: str | None, reason: str) -> DataError:
        path = ("steps", index) + ((key,) if key else ())
        line = self.lines.get(path) or self.lines.get(("steps", index))
        where = f" (line {line})" if line else ""
        field_name = f"steps[{index + 1}]" + (f".{key}" if key else "")
        return DataError(reason + where, file=self.shown, field=field_name)

    # value checkers -----------------------------------------------------------------------
    def _id_list(self, index, key, value) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(index, key, f"must be an id or a list of ids, got {_describe(value)}")
        return value

    def _bool(self, index, key, value) -> bool:
        if not isinstance(value, bool):
            raise self.fail(index, key, f"must be true or false, got {_describe(value)}")
        return value

    def _number(self, index, key, value, lo: float, hi: float, unit: str = "") -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise self.fail(index, key, f"must be a number, got {_describe(value)}")
        if not lo <= value <= hi:
            raise self.fail(index, key, f"{value:g}{unit} is outside {lo:g}..{hi:g}{unit}")
        return float(value)

    def _leaves(self, index, key, value, *, groups_allowed=True) -> list[str]:
        out = []
        for some_id in self._id_list(index, key, value):
            try:
                out.extend(self.vocab.leaves_of(some_id, groups_allowed=groups_allowed))
            except KeyError as exc:
                raise self.fail(index, key, exc.args[0]) from None
        return out

    def _pose(self, index, value, previous: tuple[float, float, float]) -> np.ndarray:
        key = "pose"
        pose = np.array(previous, dtype=float)
        if isinstance(value, str) and "=" not in value:
            name = value.strip().lower().replace("-", "_").replace(" ", "_")
            if name not in POSE_PRESETS:
                raise self.fail(index, key, f"unknown pose preset {value!r} (presets: {', '.join(POSE_PRESETS)}; "
                                "or give angles, e.g. {flexion: 90, external_rotation: 20})")
            return np.array(POSE_PRESETS[name], dtype=float)
        if isinstance(value, str):
            items = {}
            for part in value.split(","):
                if "=" not in part:
                    raise self.fail(index, key, f"malformed pose item {part.strip()!r} (expected name=degrees)")
                name, text = (s.strip() for s in part.split("=", 1))
                try:
                    items[name] = float(text)
                except ValueError:
                    raise self.fail(index, key, f"angle for {name} {text!r} is not a number") from None
            value = items
        if not isinstance(value, dict) or not value:
            raise self.fail(index, key, "must be a preset name or angles in degrees, e.g. "
                            f"{{flexion: 90, external_rotation: 20}}; got {_describe(value)}")
        seen: set[int] = set()
        for name, deg in value.items():
            try:
                col, sign = coordinate_index(str(name), field=key)
            except DataError as exc:
                raise self.fail(index, key, exc.reason) from None
            if col in seen:
                raise self.fail(index, key, f"{POSE_COORDINATES[col]} is given twice")
            seen.add(col)
            if isinstance(deg, bool) or not isinstance(deg, (int, float)) or not np.isfinite(deg):
                raise self.fail(index, key, f"angle for {name} must be a number of degrees, got {_describe(deg)}")
            pose[col] = sign * float(deg)
        try:
            check_pose(pose, DEFAULT_ROM, field=key)
        except DataError as exc:
            raise self.fail(index, key, exc.reason) from None
        return pose

    # the step ------------------------------------------------------------------------------
    def parse(self, index: int, raw: Any, previous: StepState) -> Step:
        if not isinstance(raw, dict):
            raise self.fail(index, None, f"a step must be a mapping of fields, got {_describe(raw)}")
        unknown = [k for k in raw if k not in STEP_KEYS]
        if unknown:
            close = difflib.get_close_matches(str(unknown[0]), STEP_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.fail(index, str(unknown[0]), f"unknown field{hint} (allowed: {', '.join(STEP_KEYS)})")

        caption = raw.get("caption")
        if "caption" not in raw:
            raise self.fail(index, "caption", "missing (every step needs a caption)")
        if not isinstance(caption, str):
            raise self.fail(index, "caption", f"must be text, got {_describe(caption)}")
        if not plain_text(caption).strip():
            raise self.fail(index, "caption", "is empty")
        try:
            check_caption(caption)
        except CaptionError as exc:
            raise self.fail(index, "caption", str(exc)) from None
        if len(plain_text(caption)) > MAX_CAPTION_CHARS:
            raise self.fail(index, "caption", f"is {len(plain_text(caption))} characters long (at most "
                            f"{MAX_CAPTION_CHARS}: keep captions short; detail belongs in the annotations)")

        reset = self._bool(index, "reset", raw["reset"]) if "reset" in raw else False
        start = self.base if reset else previous
        visible = dict(start.visible)
        opacity = dict(start.opacity)
        camera = start.camera
        changes: dict[str, Any] = {}

        if "only" in raw:
            keep = set(self._leaves(index, "only", raw["only"]))
            visible = {leaf: leaf in keep for leaf in visible}
        if "hide" in raw:
            for leaf in self._leaves(index, "hide", raw["hide"]):
                visible[leaf] = False
        if "show" in raw:
            for leaf in self._leaves(index, "show", raw["show"]):
                visible[leaf] = True
        if "opacity" in raw:
            value = raw["opacity"]
            if not isinstance(value, dict) or not value:
                raise self.fail(index, "opacity", f"must map ids to opacities 0..1, e.g. {{gluteus_maximus: 0.3}}; "
                                f"got {_describe(value)}")
            for some_id, alpha in value.items():
                alpha = self._number(index, "opacity", alpha, 0.0, 1.0)
                for leaf in self._leaves(index, "opacity", str(some_id)):
                    opacity[leaf] = alpha

        if "view" in raw:
            view = raw["view"]
            if not isinstance(view, str) or view not in VIEWS:
                raise self.fail(index, "view", f"unknown view {view!r} (allowed: {', '.join(VIEWS)})")
            camera = replace(camera, view=view)
        if "zoom" in raw:
            camera = replace(camera, zoom=self._number(index, "zoom", raw["zoom"], *ZOOM_RANGE))
        if "focus" in raw:
            focus = [] if raw["focus"] in (None, []) else self._leaves(index, "focus", raw["focus"])
            camera = replace(camera, focus=tuple(dict.fromkeys(focus)))

        pose = np.array(start.pose_deg, dtype=float)
        if "pose" in raw:
            pose = self._pose(index, raw["pose"], start.pose_deg)
        duration = 0.0
        if "duration_s" in raw:
            if "pose" not in raw:
                raise self.fail(index, "duration_s", "animates this step's pose change, but the step sets no pose")
            duration = self._number(index, "duration_s", raw["duration_s"], 0.0, MAX_DURATION_S, " s")

        if "motion" in raw:
            value = raw["motion"]
            if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
                changes["motion"] = None
            elif not isinstance(value, str):
                raise self.fail(index, "motion", f"must be a motion name or none, got {_describe(value)}")
            else:
                try:
                    changes["motion"] = parse_motion(value, field="motion").name
                except DataError as exc:
                    raise self.fail(index, "motion", exc.reason) from None
        if "colour_by" in raw:
            if raw["colour_by"] not in COLOUR_BY:
                raise self.fail(index, "colour_by",
                                f"unknown colouring {raw['colour_by']!r} (allowed: {', '.join(COLOUR_BY)})")
            changes["colour_by"] = raw["colour_by"]
        if "highlight" in raw:
            ids = [] if raw["highlight"] is None else self._id_list(index, "highlight", raw["highlight"])
            out: list[str] = []
            for some_id in ids:
                try:
                    out.extend(self.vocab.ids_of(some_id))
                except KeyError as exc:
                    raise self.fail(index, "highlight", exc.args[0]) from None
            changes["highlight"] = tuple(dict.fromkeys(out))
        if "select" in raw:
            value = raw["select"]
            if value is not None:
                if not isinstance(value, str):
                    raise self.fail(index, "select", f"must be one structure id or null, got {_describe(value)}")
                try:
                    self.vocab.ids_of(value, groups_allowed=False)
                except KeyError as exc:
                    raise self.fail(index, "select", exc.args[0]) from None
            changes["selection"] = value
        for key in ("ghost", "show_mechanics"):
            if key in raw:
                changes[key] = self._bool(index, key, raw[key])

        state = replace(
            start,
            visible=MappingProxyType(visible),
            opacity=MappingProxyType(opacity),
            pose_deg=tuple(float(v) for v in pose),
            camera=camera,
            **changes,
        )
        return Step(
            number=index + 1,
            caption=caption,
            state=state,
            start_pose_deg=previous.pose_deg,
            duration_s=duration,
            fields=frozenset(raw),
        )


def _describe(value: Any) -> str:
    """A short description of a wrong value for an error message."""
    if value is None:
        return "nothing (null)"
    kind = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"


# -- whole lessons -------------------------------------------------------------------------------
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
        With every step resolved to an absolute :class:`StepState`.

    Raises
    ------
    DataError
        The first problem, naming the file, ``steps[N].field`` (N from 1) and the reason.
    """
    path = Path(path)
    shown = display_path(path)
    data, lines = _read(path)
    if not isinstance(data, dict):
        raise DataError(f"a lesson must be a mapping with title and steps, got {_describe(data)}", file=shown)
    unknown = [k for k in data if k not in TOP_LEVEL_KEYS]
    if unknown:
        raise DataError(f"unknown field (allowed: {', '.join(TOP_LEVEL_KEYS)})", file=shown, field=str(unknown[0]))
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DataError("missing or empty (a lesson needs a title)" if title is None else
                        f"must be text, got {_describe(title)}", file=shown, field="title")
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise DataError(f"must be text, got {_describe(description)}", file=shown, field="description")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise DataError("missing or empty (a lesson needs a list of steps)" if not raw_steps else
                        f"must be a list of steps, got {_describe(raw_steps)}", file=shown, field="steps")
    if len(raw_steps) > MAX_LESSON_STEPS:
        raise DataError(f"has {len(raw_steps)} steps; a lesson has at most {MAX_LESSON_STEPS} (split it into "
                        "several lessons)", file=shown, field="steps")

    base = base_state(model)
    parser = _StepParser(shown, lines, _Vocabulary(model), base)
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
    from viewer.io.model import builtin_data_dir, default_data_dir

    own = (Path(data_dir) if data_dir is not None else default_data_dir()) / LESSONS_SUBDIR
    builtin = builtin_data_dir() / LESSONS_SUBDIR
    folders = [own]
    try:
        same = os.path.realpath(own) == os.path.realpath(builtin)
    except (OSError, ValueError):
        same = False
    if not same:
        folders.append(builtin)
    return folders


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _title_of(path: Path) -> str | None:
    try:
        data, _ = read_yaml(path, what="lesson file")
    except DataError:
        return None
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) else None


def list_lessons(data_dir: str | Path | None = None) -> list[tuple[str, str, Path]]:
    """``(name, title, path)`` of every lesson file found, the data folder's first.

    A file whose title cannot be read is listed with its name as title; loading it reports why.
    """
    out: dict[str, tuple[str, str, Path]] = {}
    for folder in lesson_folders(data_dir):
        for path in _lesson_files(folder):
            out.setdefault(path.stem, (path.stem, _title_of(path) or path.stem, path))
    return list(out.values())


def _lesson_files(folder: Path) -> list[Path]:
    try:
        return sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    except OSError:
        return []


def validate_lessons(model, data_dir: str | Path | None = None) -> list[DataError]:
    """Every problem of the lessons in a data folder's ``annotations/lessons/`` (one per file).

    Parameters
    ----------
    model : viewer.io.model.HipModel
        The model the lessons must respect.
    data_dir : path-like, optional
        The data folder; ``model.data_dir`` by default.
    """
    folder = Path(data_dir if data_dir is not None else model.data_dir) / LESSONS_SUBDIR
    problems: list[DataError] = []
    for path in _lesson_files(folder):
        try:
            load_lesson(path, model)
        except DataError as exc:
            problems.append(exc)
    return problems


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
