"""Quizzes whose answers the mechanics compute: questions, answers, grading and a generator.

A question states *what* is asked (a kind, a motion, a pose, the muscles it is about); its answer
is never stored but computed from the model's moment arms when the quiz is loaded, so a quiz stays
right when the muscle paths or the bones change. Kinds:

``click_producers``
    Click every muscle (among ``among``) that produces ``motion`` at ``pose``.
``choose_opposers`` / ``choose_producers``
    Which of ``choices`` opposes (produces) ``motion`` at ``pose`` (one or more).
``order_by_moment_arm``
    Order ``muscles`` from the largest to the smallest moment arm for ``motion`` at ``pose``.
``reversal_angle``
    At what flexion does ``muscle`` change its action for ``motion`` (answer within
    ``tolerance_deg``, default 10 degrees); the other coordinates come from ``pose``.
``click_structure``
    Click the structure called ``structure``.
``name_highlighted``
    Name the highlighted structure (one of ``choices``).

Roles are those of :func:`viewer.core.actions.roles` for whole muscles. A muscle whose moment arm
is within :data:`BORDERLINE_MM` of zero is *borderline*: clicking or leaving it out is not counted
against the student (the explanation names it), because the sign of so small a lever is below what
a simplified model can be trusted with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from viewer.core.actions import ActionModel, roles
from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS, POSE_COORDINATES, Motion

KINDS = ("click_producers", "choose_opposers", "choose_producers", "order_by_moment_arm", "reversal_angle",
         "click_structure", "name_highlighted")

#: Moment arms smaller than this (mm) are borderline: neither required nor wrong in a click answer.
BORDERLINE_MM = 5.0

#: Default tolerance of a reversal-angle answer (degrees).
REVERSAL_TOLERANCE_DEG = 10.0

#: Step of the flexion sweep that finds where a moment arm changes sign (degrees).
REVERSAL_STEP_DEG = 1.0


def pose_words(pose_deg) -> str:
    """``flexion=90`` style text of a pose (``neutral`` when all angles are zero)."""
    parts = [f"{c.replace('_', ' ')} {v:g}°" for c, v in zip(POSE_COORDINATES, pose_deg) if abs(v) > 1e-9]
    return ", ".join(parts) or "the neutral position"


@dataclass(frozen=True)
class Question:
    """One question as written (file or generator); its answer is computed by :func:`solve`.

    ``pose_deg`` is flexion, abduction, external rotation in degrees. ``muscles`` holds the
    candidates (``among`` resolved), the choices, the muscles to order, or the one muscle of a
    reversal question; ``structure`` the structure of a naming question.
    """

    id: str
    kind: str
    prompt: str
    motion: str | None = None
    pose_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    muscles: tuple[str, ...] = ()
    structure: str | None = None
    tolerance_deg: float = REVERSAL_TOLERANCE_DEG

    @property
    def is_click(self) -> bool:
        return self.kind in ("click_producers", "click_structure")


@dataclass(frozen=True)
class Answer:
    """The computed answer of one question, with the numbers that explain it.

    ``value`` is a sorted tuple of ids (click and choose questions), an ordered tuple of ids
    (ordering), a float in degrees (reversal) or one id (naming). ``borderline`` ids are neither
    required nor wrong. ``moment_arms_mm`` holds the model's moment arm of every muscle the
    question is about (at the question's pose), ``explanation`` says it in words.
    """

    question: Question
    value: object
    explanation: str
    moment_arms_mm: dict[str, float] = field(default_factory=dict)
    borderline: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        value = self.value if not isinstance(self.value, tuple) else list(self.value)
        return {"id": self.question.id, "kind": self.question.kind, "prompt": self.question.prompt,
                "motion": self.question.motion,
                "pose": dict(zip(POSE_COORDINATES, self.question.pose_deg)),
                "muscles": list(self.question.muscles), "structure": self.question.structure,
                "answer": value, "borderline": list(self.borderline),
                "moment_arms_mm": {k: round(v, 2) for k, v in self.moment_arms_mm.items()},
                "explanation": self.explanation}


@dataclass(frozen=True)
class Grade:
    """The result of one response: right or wrong, what was missed or extra, and why."""

    question_id: str
    correct: bool
    response: object
    missed: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    feedback: str = ""


class QuizMechanics:
    """What a quiz needs from the model: moment arms of whole muscles and names of structures.

    Parameters
    ----------
    actions : ActionModel
    display_name : callable
        Id -> display name.
    flexion_range_deg : (float, float)
        Range of the flexion sweep of reversal questions.
    """

    def __init__(self, actions: ActionModel, display_name: Callable[[str], str],
                 flexion_range_deg: tuple[float, float] = (0.0, 120.0)):
        self.actions = actions
        self.display_name = display_name
        self.flexion_range_deg = flexion_range_deg

    @property
    def muscles(self) -> list[str]:
        return list(self.actions.structure_ids)

    def moment_arms(self, motion: Motion, pose_deg) -> dict[str, float]:
        """Whole-muscle moment arm (mm) of every muscle for ``motion`` at one pose."""
        r = self.actions.at_pose(pose_deg).values(motion)["muscle_r"]
        return {m: float(v) for m, v in zip(self.actions.structure_ids, r)}

    def reversal(self, muscle: str, motion: Motion, pose_deg) -> tuple[float, np.ndarray, np.ndarray] | None:
        """First flexion (deg) where ``muscle``'s moment arm for ``motion`` changes sign, with the sweep."""
        lo, hi = self.flexion_range_deg
        flex = np.arange(lo, hi + 1e-9, REVERSAL_STEP_DEG)
        poses = np.repeat(np.asarray(pose_deg, dtype=float)[None], len(flex), axis=0)
        poses[:, 0] = flex
        r = self.actions.evaluate(motion, poses)["muscle_r"][:, self.actions.structure_ids.index(muscle)]
        change = np.nonzero(np.sign(r[:-1]) * np.sign(r[1:]) < 0)[0]
        if not len(change):
            return None
        i = change[0]
        angle = flex[i] + (flex[i + 1] - flex[i]) * r[i] / (r[i] - r[i + 1])
        return float(angle), flex, r


def _names(mech: QuizMechanics, ids) -> str:
    return ", ".join(mech.display_name(i) for i in ids) or "none"


def _listing(mech: QuizMechanics, arms: dict[str, float], ids) -> str:
    return "; ".join(f"{mech.display_name(i)} {arms[i]:+.1f} mm" for i in ids) or "none"


def solve(question: Question, mech: QuizMechanics) -> Answer:
    """The answer to ``question`` computed from the model at the question's pose.

    Raises
    ------
    DataError
        When the model gives the question no answer (no muscle produces the motion, a muscle that
        never changes action, ...); ``field`` names the question.
    """
    q = question
    where = pose_words(q.pose_deg)
    if q.kind in ("click_structure", "name_highlighted"):
        name = mech.display_name(q.structure)
        text = f"The highlighted structure is the {name}." if q.kind == "name_highlighted" else f"The {name}."
        return Answer(q, q.structure, text)
    motion = MOTIONS[q.motion]
    arms_all = mech.moment_arms(motion, q.pose_deg)
    if q.kind == "reversal_angle":
        (muscle,) = q.muscles
        found = mech.reversal(muscle, motion, q.pose_deg)
        if found is None:
            lo, hi = mech.flexion_range_deg
            raise DataError(f"{mech.display_name(muscle)} does not change its action for {motion.label} "
                            f"between {lo:g}° and {hi:g}° of flexion in the model", field=f"questions.{q.id}.muscle")
        angle, flex, r = found
        before = float(r[0])
        after = float(r[-1])
        text = (f"The model's {motion.label} moment arm of the {mech.display_name(muscle)} is {before:+.1f} mm at "
                f"{flex[0]:g}° of flexion and {after:+.1f} mm at {flex[-1]:g}°; it crosses zero at about "
                f"{angle:.0f}° of flexion (answers within ±{q.tolerance_deg:g}° count).")
        return Answer(q, round(angle, 1), text, {muscle: before})
    arms = {m: arms_all[m] for m in q.muscles}
    role = roles(np.array(list(arms.values()))) if arms else np.array([])
    role_of = dict(zip(arms, role))
    borderline = tuple(sorted(m for m, v in arms.items() if abs(v) < BORDERLINE_MM))
    if q.kind in ("click_producers", "choose_producers", "choose_opposers"):
        wanted = "opposes" if q.kind == "choose_opposers" else "produces"
        value = tuple(sorted(m for m in q.muscles if role_of[m] == wanted))
        if not value:
            raise DataError(f"no muscle of the question {wanted} {motion.label} at {where} in the model",
                            field=f"questions.{q.id}.muscles")
        ranked = sorted(arms, key=lambda m: -arms[m])
        producers = [m for m in ranked if role_of[m] == "produces"]
        opposers = [m for m in ranked if role_of[m] == "opposes"][::-1]
        neutral = [m for m in ranked if role_of[m] == "negligible"]
        text = (f"At {where} the model's moment arms for {motion.label} are — produce: {_listing(mech, arms, producers)}; "
                f"oppose: {_listing(mech, arms, opposers)}; negligible (within ±2 mm): {_listing(mech, arms, neutral)}.")
        if borderline:
            text += f" Within ±{BORDERLINE_MM:g} mm, not counted either way: {_names(mech, borderline)}."
        return Answer(q, value, text, arms, borderline)
    if q.kind == "order_by_moment_arm":
        value = tuple(sorted(q.muscles, key=lambda m: -arms[m]))
        gaps = np.abs(np.diff([arms[m] for m in value]))
        text = (f"At {where}, {motion.label} moment arms from largest to smallest: {_listing(mech, arms, value)}.")
        if len(gaps) and gaps.min() < 1.0:
            raise DataError(f"two muscles' moment arms differ by less than 1 mm at {where}: the order is not "
                            "meaningful", field=f"questions.{q.id}.muscles")
        return Answer(q, value, text, arms)
    raise DataError(f"unknown kind {q.kind!r} (allowed: {', '.join(KINDS)})", field=f"questions.{q.id}.kind")


def grade(answer: Answer, response, mech: QuizMechanics | None = None) -> Grade:
    """Grade a response: a set of clicked or chosen ids, an ordered list, an angle or one id.

    Click and choose questions are right when every required id is given and no wrong one is;
    borderline ids do not count either way. Ids are whole-muscle (structure) ids: a caller with a
    clicked compartment passes its muscle. ``mech`` only supplies display names for the feedback.
    """
    q = answer.question
    name = (mech.display_name if mech is not None else str)
    if q.kind in ("click_producers", "choose_producers", "choose_opposers"):
        given = set(response or ())
        required = set(answer.value) - set(answer.borderline)
        allowed = set(answer.value) | set(answer.borderline)
        missed = tuple(sorted(required - given))
        extra = tuple(sorted(given - allowed))
        ok = not missed and not extra
        parts = ["Right." if ok else "Not quite."]
        if missed:
            parts.append("Missed: " + ", ".join(name(m) for m in missed) + ".")
        if extra:
            parts.append("Not this one: " + ", ".join(name(m) for m in extra) + ".")
        return Grade(q.id, ok, tuple(sorted(given)), missed, extra, " ".join(parts))
    if q.kind == "order_by_moment_arm":
        given = tuple(response or ())
        ok = given == tuple(answer.value)
        return Grade(q.id, ok, given, feedback="Right." if ok else
                     "Not quite. The order is " + ", ".join(name(m) for m in answer.value) + ".")
    if q.kind == "reversal_angle":
        try:
            value = float(response)
        except (TypeError, ValueError):
            return Grade(q.id, False, response, feedback="Give an angle in degrees.")
        ok = abs(value - float(answer.value)) <= q.tolerance_deg
        return Grade(q.id, ok, value, feedback=("Right" if ok else "Not quite") +
                     f": the model says about {float(answer.value):.0f}°.")
    ok = response == answer.value
    return Grade(q.id, ok, response, feedback="Right." if ok else f"Not quite: it is the {name(answer.value)}.")


def default_prompt(q: Question, display_name: Callable[[str], str]) -> str:
    """The wording of a question of each kind."""
    motion = MOTIONS[q.motion].label if q.motion else ""
    where = pose_words(q.pose_deg)
    names = ", ".join(display_name(m) for m in q.muscles)
    if q.kind == "click_producers":
        return f"Click every muscle that produces {motion} of the hip at {where}."
    if q.kind == "choose_opposers":
        return f"Which of these oppose {motion} at {where}? {names}"
    if q.kind == "choose_producers":
        return f"Which of these produce {motion} at {where}? {names}"
    if q.kind == "order_by_moment_arm":
        return f"Order these by their {motion} moment arm at {where}, largest first: {names}"
    if q.kind == "reversal_angle":
        return (f"At what hip flexion does the {display_name(q.muscles[0])} change from producing to opposing "
                f"{motion} (or back)? Answer in degrees (±{q.tolerance_deg:g}°).")
    if q.kind == "click_structure":
        return f"Click the structure called {display_name(q.structure)}."
    return "Name the highlighted structure."


# -- generator ------------------------------------------------------------------------------------
GENERATOR_POSES: tuple[tuple[float, float, float], ...] = (
    (0.0, 0.0, 0.0), (45.0, 0.0, 0.0), (90.0, 0.0, 0.0), (0.0, 20.0, 0.0), (90.0, 0.0, 20.0), (30.0, 0.0, 0.0))
"""Poses the generator draws from: the teaching positions (neutral, 45° and 90° of flexion, ...)."""

TEMPLATES = ("click_producers", "choose_opposers", "order_by_moment_arm", "reversal_angle", "click_structure",
             "name_highlighted")


def generate(mech: QuizMechanics, seed: int, count: int, *, muscles: list[str] | None = None,
             structures: list[str] | None = None, max_tries: int = 200) -> list[tuple[Question, Answer]]:
    """``count`` questions from the templates, drawn with ``seed`` (same seed, same quiz).

    Each question is kept only when the model gives it a clear answer (a producer exists, an order
    without ties, a muscle that does change action); answers are computed, never stored.
    """
    rng = np.random.default_rng(seed)
    muscles = list(muscles or mech.muscles)
    structures = list(structures or muscles)
    out: list[tuple[Question, Answer]] = []
    seen: set[tuple] = set()
    # The kinds come in shuffled rounds of all templates, so a quiz mixes them evenly.
    plan = [TEMPLATES[i] for _ in range(count // len(TEMPLATES) + 1) for i in rng.permutation(len(TEMPLATES))]
    tries = 0
    while len(out) < count:
        tries += 1
        if tries > max_tries * max(count, 1):
            raise DataError(f"could not generate {count} distinct questions (got {len(out)})", field="--count")
        kind = plan[len(out)] if tries % max_tries else TEMPLATES[int(rng.integers(0, len(TEMPLATES)))]
        pose = GENERATOR_POSES[int(rng.integers(0, len(GENERATOR_POSES)))]
        motion = list(MOTIONS)[int(rng.integers(0, len(MOTIONS)))]
        if kind == "click_producers":
            q = dict(kind=kind, motion=motion, pose_deg=pose, muscles=tuple(muscles))
        elif kind == "choose_opposers":
            picks = tuple(sorted(rng.choice(muscles, size=min(4, len(muscles)), replace=False)))
            q = dict(kind=kind, motion=motion, pose_deg=pose, muscles=picks)
        elif kind == "order_by_moment_arm":
            picks = tuple(sorted(rng.choice(muscles, size=min(3, len(muscles)), replace=False)))
            q = dict(kind=kind, motion=motion, pose_deg=pose, muscles=picks)
        elif kind == "reversal_angle":
            motion = ("external_rotation", "abduction", "flexion")[int(rng.integers(0, 3))]
            q = dict(kind=kind, motion=motion, pose_deg=(0.0, 0.0, 0.0),
                     muscles=(muscles[int(rng.integers(0, len(muscles)))],))
        else:
            q = dict(kind=kind, structure=structures[int(rng.integers(0, len(structures)))],
                     muscles=tuple(sorted(rng.choice(structures, size=min(4, len(structures)), replace=False))))
            if kind == "name_highlighted" and q["structure"] not in q["muscles"]:
                q["muscles"] = tuple(sorted((*q["muscles"][1:], q["structure"])))
            elif kind == "click_structure":
                q["muscles"] = ()  # the choices were drawn all the same, so a seed gives the same quiz
        key = tuple(sorted((k, str(v)) for k, v in q.items()))
        if key in seen:
            continue
        question = Question(id=f"q{len(out) + 1}", prompt="", **q)
        question = Question(**{**question.__dict__, "prompt": default_prompt(question, mech.display_name)})
        try:
            answer = solve(question, mech)
        except DataError:
            continue
        if question.kind == "reversal_angle":
            lo, hi = mech.flexion_range_deg
            # a crossing at the ends of the range is an artefact of where the sweep stops
            if not lo + 10 <= float(answer.value) <= hi - 10:
                continue
        if question.kind in ("click_producers", "choose_opposers") and set(answer.value) <= set(answer.borderline):
            continue
        seen.add(key)
        out.append((question, answer))
    return out


# -- taking a quiz ----------------------------------------------------------------------------------
RESULT_FIELDS = ("student", "quiz", "number", "question_id", "kind", "prompt", "response", "answer", "correct",
                 "feedback", "explanation")
"""Columns of the teacher's CSV of results (one row per question, then a ``total`` row)."""


class QuizRun:
    """One student taking one quiz: the current question, responses, grades and the score.

    Qt-free; the app's quiz panel drives it. ``items`` are ``(Question, Answer)`` pairs with the
    answers computed by the model.
    """

    def __init__(self, title: str, items: list[tuple[Question, Answer]], mech: QuizMechanics, student: str = ""):
        if not items:
            raise DataError("the quiz has no questions", field="quiz")
        self.title = title
        self.items = list(items)
        self.mech = mech
        self.student = student
        self.index = 0
        self.grades: list[Grade | None] = [None] * len(items)

    @property
    def question(self) -> Question:
        return self.items[self.index][0]

    @property
    def answer(self) -> Answer:
        return self.items[self.index][1]

    @property
    def graded(self) -> bool:
        return self.grades[self.index] is not None

    @property
    def finished(self) -> bool:
        return all(g is not None for g in self.grades)

    @property
    def score(self) -> int:
        return sum(1 for g in self.grades if g is not None and g.correct)

    def submit(self, response) -> Grade:
        """Grade the current question (once; a second submit returns the first grade)."""
        if self.grades[self.index] is None:
            self.grades[self.index] = grade(self.answer, response, self.mech)
        return self.grades[self.index]

    def next(self) -> bool:
        """Move to the next question; False at the end."""
        if self.index + 1 >= len(self.items):
            return False
        self.index += 1
        return True

    def _text(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, (tuple, list, set, frozenset)):
            return "; ".join(self.mech.display_name(v) for v in (sorted(value) if isinstance(value, (set, frozenset))
                                                                  else value))
        if isinstance(value, float):
            return f"{value:.1f}"
        return self.mech.display_name(value) if isinstance(value, str) and value else str(value)

    def result_rows(self) -> list[dict]:
        """One row per question (:data:`RESULT_FIELDS`) and a final ``total`` row."""
        rows = []
        for n, ((q, a), g) in enumerate(zip(self.items, self.grades), 1):
            rows.append({"student": self.student, "quiz": self.title, "number": n, "question_id": q.id,
                         "kind": q.kind, "prompt": q.prompt, "response": self._text(g.response) if g else "",
                         "answer": self._text(a.value), "correct": "" if g is None else int(g.correct),
                         "feedback": g.feedback if g else "not answered", "explanation": a.explanation})
        rows.append({"student": self.student, "quiz": self.title, "number": "", "question_id": "total", "kind": "",
                     "prompt": "", "response": "", "answer": "", "correct": f"{self.score}/{len(self.items)}",
                     "feedback": "", "explanation": ""})
        return rows
