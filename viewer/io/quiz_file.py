"""Quiz files (``annotations/quizzes/*.yaml``): schema, loader and the check of hand-typed answers.

A quiz file::

    title: The deep external rotators
    description: one paragraph for the teacher
    questions:
      - id: er_extended                  # lower snake case, unique in the file
        kind: click_producers            # see viewer.core.quiz.KINDS
        motion: external_rotation
        pose: flexion=0                  # text, mapping {flexion: 90} or a preset name
        among: deep_external_rotators    # click_producers: a layer group or a list of muscles
      - {id: opp, kind: choose_opposers, motion: abduction, pose: neutral, choices: [a, b, c]}
      - {id: ord, kind: order_by_moment_arm, motion: external_rotation, pose: flexion=0, muscles: [a, b, c]}
      - {id: rev, kind: reversal_angle, motion: external_rotation, muscle: piriformis, tolerance_deg: 10}
      - {id: name, kind: click_structure, structure: gemellus_inferior}
      - {id: hl, kind: name_highlighted, structure: quadratus_femoris, choices: [..]}

Answers are computed from the model when the file is loaded (:func:`viewer.core.quiz.solve`). A
question may carry an ``answer`` typed by its author; it is checked against the model and a
contradiction is an error naming the file, the question and the field, so a quiz can never teach
what the model does not show. Every problem is one :class:`DataError` line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS
from viewer.core.pose_text import parse_pose_value
from viewer.core.quiz import KINDS, REVERSAL_TOLERANCE_DEG, Answer, Question, QuizMechanics, default_prompt, grade, solve
from viewer.io.validation import errors_from_validation, located
from viewer.io.yaml_source import display_path, read_yaml

QUIZ_FOLDER = "quizzes"

#: Fields each kind needs (besides id and kind) and the ones it may have.
_NEEDS = {
    "click_producers": ({"motion"}, {"pose", "among", "prompt", "answer"}),
    "choose_opposers": ({"motion", "choices"}, {"pose", "prompt", "answer"}),
    "choose_producers": ({"motion", "choices"}, {"pose", "prompt", "answer"}),
    "order_by_moment_arm": ({"motion", "muscles"}, {"pose", "prompt", "answer"}),
    "reversal_angle": ({"motion", "muscle"}, {"pose", "tolerance_deg", "prompt", "answer"}),
    "click_structure": ({"structure"}, {"prompt", "answer"}),
    "name_highlighted": ({"structure"}, {"choices", "prompt", "answer"}),
}


class _QuestionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: str
    kind: str
    prompt: str | None = None
    motion: str | None = None
    pose: str | dict[str, float | int] | None = None
    among: str | list[str] | None = None
    choices: list[str] | None = None
    muscles: list[str] | None = None
    muscle: str | None = None
    structure: str | None = None
    tolerance_deg: float | int | None = None
    answer: Any = None


class _QuizRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    title: str
    description: str = ""
    questions: list[_QuestionRecord] = Field(min_length=1)


class Quiz:
    """A loaded quiz: its questions with the answers the model computed at load time."""

    def __init__(self, title: str, description: str, items: list[tuple[Question, Answer]], source: str = ""):
        self.title = title
        self.description = description
        self.items = items
        self.source = source

    @property
    def questions(self) -> list[Question]:
        return [q for q, _ in self.items]

    @property
    def answers(self) -> list[Answer]:
        return [a for _, a in self.items]

    def __len__(self) -> int:
        return len(self.items)


def mechanics_for(model) -> QuizMechanics:
    """The quiz view of a loaded model (moment arms, names, the flexion range)."""
    from viewer.core.kinematics import DEFAULT_ROM

    return QuizMechanics(model.actions, model.display_name, (0.0, float(DEFAULT_ROM.flexion[1])))


def find_quiz(name: str, data_dir: Path) -> Path:
    """A built-in quiz by name (``deep_rotators``) or a path to a quiz file."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise DataError("quiz file not found", file=path)
        return path
    folder = Path(data_dir) / "annotations" / QUIZ_FOLDER
    candidate = folder / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in folder.glob("*.yaml"))
    raise DataError(f"unknown quiz {name!r} (built-in: {', '.join(known) or 'none'}; or give a .yaml file)",
                    field="quiz")


def builtin_quizzes(data_dir: Path) -> list[Path]:
    return sorted((Path(data_dir) / "annotations" / QUIZ_FOLDER).glob("*.yaml"))


def load_quiz(path: str | Path, model) -> Quiz:
    """Load, validate and solve a quiz file against ``model``.

    Raises
    ------
    DataError
        One line naming the file, the question (``questions.<id>``) and the field.
    """
    path = Path(path)
    shown = display_path(path)
    data, lines = read_yaml(path, what="quiz file")
    if not isinstance(data, dict):
        raise DataError("expected a mapping with title and questions", file=shown)
    try:
        record = _QuizRecord.model_validate(data)
    except ValidationError as exc:
        found = errors_from_validation(exc, shown, lines, _QuizRecord)
        found.sort(key=lambda item: item[0])
        raise found[0][1] from None
    mech = mechanics_for(model)
    items = []
    seen: set[str] = set()
    for i, rec in enumerate(record.questions):
        def fail(field: str, reason: str, _i=i) -> DataError:
            return located(reason, shown, ("questions", _i, field), lines,
                           field=f"questions.{rec.id}.{field}")[1]

        if rec.id in seen:
            raise fail("id", f"duplicate question id {rec.id!r}")
        seen.add(rec.id)
        question = _question(rec, model, fail)
        try:
            answer = solve(question, mech)
        except DataError as exc:
            raise fail((exc.field or "kind").rsplit(".", 1)[-1], exc.reason) from None
        if rec.answer is not None:
            _check_typed_answer(rec, question, answer, model, mech, fail)
        items.append((question, answer))
    return Quiz(record.title, record.description, items, shown)


def _ids(model, values, fail, field: str, *, groups: bool = False) -> tuple[str, ...]:
    out = []
    for value in values:
        try:
            out.append(model.catalogue.resolve(str(value), groups=groups, field=None))
        except DataError as exc:
            raise fail(field, exc.reason) from None
    return tuple(out)


def _muscles(model, values, fail, field: str) -> tuple[str, ...]:
    ids = _ids(model, values, fail, field)
    known = set(model.actions.structure_ids)
    for some_id in ids:
        if some_id not in known:
            raise fail(field, f"{some_id!r} is not a muscle with a line of action "
                              f"(allowed: {', '.join(model.actions.structure_ids)})")
    return ids


def _question(rec: _QuestionRecord, model, fail) -> Question:
    if rec.kind not in KINDS:
        raise fail("kind", f"{rec.kind!r} is not a question kind (allowed: {', '.join(KINDS)})")
    needs, may = _NEEDS[rec.kind]
    given = {k for k, v in rec.model_dump().items() if v is not None} - {"id", "kind"}
    for name in sorted(needs - given):
        raise fail(name, f"missing required field for a {rec.kind} question")
    for name in sorted(given - needs - may):
        raise fail(name, f"not used by a {rec.kind} question (fields: {', '.join(sorted(needs | may))})")
    motion = None
    if rec.motion is not None:
        motion = rec.motion.replace("-", "_")
        if motion not in MOTIONS:
            raise fail("motion", f"{rec.motion!r} is not a motion (allowed: {', '.join(MOTIONS)})")
    pose = (0.0, 0.0, 0.0)
    if rec.pose is not None:
        try:
            pose = tuple(float(v) for v in parse_pose_value(rec.pose, field="pose"))
        except DataError as exc:
            raise fail("pose", exc.reason) from None
    muscles: tuple[str, ...] = ()
    structure = None
    if rec.kind == "click_producers":
        if rec.among is None:
            muscles = tuple(model.actions.structure_ids)
        else:
            among = [rec.among] if isinstance(rec.among, str) else rec.among
            leaves = _ids(model, among, fail, "among", groups=True)
            expanded = []
            for some_id in leaves:
                if model.catalogue.is_group(some_id):
                    expanded += [m for m in model.catalogue.ids(some_id, groups=True) if m in model.actions.structure_ids]
                else:
                    expanded.append(some_id)
            muscles = _muscles(model, list(dict.fromkeys(expanded)), fail, "among")
    elif rec.kind in ("choose_opposers", "choose_producers"):
        muscles = _muscles(model, rec.choices, fail, "choices")
    elif rec.kind == "order_by_moment_arm":
        muscles = _muscles(model, rec.muscles, fail, "muscles")
        if len(muscles) < 2:
            raise fail("muscles", "give at least two muscles to order")
    elif rec.kind == "reversal_angle":
        muscles = _muscles(model, [rec.muscle], fail, "muscle")
    else:
        (structure,) = _ids(model, [rec.structure], fail, "structure")
        if rec.choices is not None:
            muscles = _ids(model, rec.choices, fail, "choices")
            if structure not in muscles:
                raise fail("choices", f"must include the highlighted structure {structure!r}")
    tolerance = REVERSAL_TOLERANCE_DEG if rec.tolerance_deg is None else float(rec.tolerance_deg)
    if not 0 < tolerance <= 30:
        raise fail("tolerance_deg", f"{tolerance:g} is out of range 0..30 (degrees)")
    q = Question(id=rec.id, kind=rec.kind, prompt="", motion=motion, pose_deg=pose, muscles=muscles,
                 structure=structure, tolerance_deg=tolerance)
    prompt = rec.prompt or default_prompt(q, model.display_name)
    return Question(**{**q.__dict__, "prompt": prompt})


def _check_typed_answer(rec, question: Question, answer: Answer, model, mech, fail) -> None:
    """Reject an author's answer that the model contradicts (with the model's numbers)."""
    typed = rec.answer
    if question.kind == "reversal_angle":
        if isinstance(typed, bool) or not isinstance(typed, (int, float)):
            raise fail("answer", f"must be an angle in degrees, got {typed!r}")
        response = float(typed)
    elif question.kind in ("click_structure", "name_highlighted"):
        (response,) = _ids(model, [typed], fail, "answer")
    else:
        values = typed if isinstance(typed, list) else [typed]
        response = _muscles(model, values, fail, "answer")
        if question.kind != "order_by_moment_arm":
            response = set(response)
    result = grade(answer, response, mech)
    if not result.correct:
        if question.kind == "reversal_angle":
            says = f"about {float(answer.value):.0f}° (±{question.tolerance_deg:g}°)"
        elif isinstance(answer.value, tuple):
            says = ", ".join(answer.value) + (
                "" if not answer.moment_arms_mm else
                " (" + "; ".join(f"{m} {answer.moment_arms_mm[m]:+.1f} mm" for m in answer.value) + ")")
        else:
            says = str(answer.value)
        raise fail("answer", f"the model contradicts {typed!r}: it gives {says}")
