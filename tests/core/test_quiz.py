"""Quizzes: answers computed by the model, grading, the generator, quiz files and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from viewer.cli import main, moment_arm_sweep
from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS
from viewer.core.quiz import BORDERLINE_MM, generate, grade
from viewer.io.quiz_file import builtin_quizzes, load_quiz, mechanics_for

BUILTIN = Path(__file__).resolve().parents[2] / "annotations" / "quizzes" / "deep_rotators.yaml"


def _table_roles(model, motion, pose):
    """Whole-muscle roles and moment arms as the `actions` command reports them."""
    rows = model.actions.table(MOTIONS[motion], np.array(pose), include_compartments=False)
    return {r.muscle: r.role for r in rows}, {r.muscle: r.moment_arm_mm for r in rows}


def _check_against_actions(model, question, answer):
    q = question
    if q.kind in ("click_producers", "choose_producers", "choose_opposers"):
        role, _ = _table_roles(model, q.motion, q.pose_deg)
        wanted = "opposes" if q.kind == "choose_opposers" else "produces"
        assert set(answer.value) == {m for m in q.muscles if role[m] == wanted}
    elif q.kind == "order_by_moment_arm":
        _, r = _table_roles(model, q.motion, q.pose_deg)
        assert list(answer.value) == sorted(q.muscles, key=lambda m: -r[m])
    elif q.kind == "reversal_angle":
        # the moment-arms command on a 1-degree flexion sweep changes sign where the answer says
        angles = np.arange(0.0, 121.0)
        rows = moment_arm_sweep(model, list(q.muscles), [MOTIONS[q.motion]], 0, angles, np.array(q.pose_deg))
        r = np.array([row["moment_arm_mm"] for row in rows])
        first = np.nonzero(np.sign(r[:-1]) != np.sign(r[1:]))[0][0]
        assert angles[first] <= answer.value <= angles[first + 1]
    else:
        assert answer.value == q.structure


@pytest.mark.parametrize("seed", [0, 1, 7, 2026])
def test_every_generated_answer_equals_what_actions_compute(model, seed):
    items = generate(mechanics_for(model), seed, 10)
    assert len(items) == 10
    assert len({q.kind for q, _ in items}) >= 5  # the templates are mixed
    for question, answer in items:
        _check_against_actions(model, question, answer)


def test_the_generator_is_deterministic_for_a_seed(model):
    mech = mechanics_for(model)
    one = [a.as_dict() for _, a in generate(mech, 5, 8)]
    assert one == [a.as_dict() for _, a in generate(mech, 5, 8)]
    assert one != [a.as_dict() for _, a in generate(mech, 6, 8)]


def test_builtin_quizzes_load_and_agree_with_actions(model):
    paths = builtin_quizzes(model.data_dir)
    assert [p.stem for p in paths] == ["deep_rotators"]
    quiz = load_quiz(paths[0], model)
    assert len(quiz) >= 6
    for question, answer in quiz.items:
        _check_against_actions(model, question, answer)
    assert "answer:" not in BUILTIN.read_text()  # answers are computed, never stored


def test_grading_full_right_and_wrong_click_sets(model):
    quiz = load_quiz(BUILTIN, model)
    answer = dict(zip([q.id for q in quiz.questions], quiz.answers))["rotators_flexed"]
    right = set(answer.value)
    assert "piriformis" not in right  # the model's piriformis has turned internal rotator at 90 deg
    assert grade(answer, right).correct
    wrong_extra = grade(answer, right | {"piriformis"})
    assert not wrong_extra.correct and wrong_extra.extra == ("piriformis",)
    missing = sorted(right - set(answer.borderline))[0]
    wrong_missed = grade(answer, right - {missing})
    assert not wrong_missed.correct and wrong_missed.missed == (missing,)
    assert not grade(answer, set()).correct
    everything = grade(answer, set(answer.question.muscles))
    assert not everything.correct and "piriformis" in everything.extra


def test_borderline_muscles_count_neither_way(model):
    mech = mechanics_for(model)
    for question, answer in generate(mech, 11, 30):
        for some_id in answer.borderline:
            assert abs(answer.moment_arms_mm[some_id]) < BORDERLINE_MM
            if question.kind == "click_producers":
                base = set(answer.value)
                assert grade(answer, base | {some_id}).correct and grade(answer, base - {some_id}).correct


def test_reversal_answers_within_tolerance(model):
    quiz = load_quiz(BUILTIN, model)
    answer = dict(zip([q.id for q in quiz.questions], quiz.answers))["piriformis_reversal"]
    assert 30 < answer.value < 110  # piriformis changes action somewhere in mid to deep flexion
    assert grade(answer, answer.value + 9.5).correct and grade(answer, answer.value - 9.5).correct
    assert not grade(answer, answer.value + 10.5).correct
    assert not grade(answer, "ninety").correct


def _write(tmp_path, questions, title="T"):
    path = tmp_path / "quiz.yaml"
    path.write_text(yaml.safe_dump({"title": title, "questions": questions}, sort_keys=False), "utf-8")
    return path


def test_a_hand_typed_answer_the_model_contradicts_is_rejected(model, tmp_path):
    # the answer the old textbooks give at 90 degrees, which the model contradicts
    q = {"id": "flexed", "kind": "click_producers", "motion": "external_rotation", "pose": "flexion=90",
         "among": "deep_external_rotators",
         "answer": ["piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior",
                    "obturator_externus", "quadratus_femoris"]}
    with pytest.raises(DataError) as info:
        load_quiz(_write(tmp_path, [q]), model)
    msg = info.value.message
    assert "quiz.yaml" in msg and "questions.flexed.answer" in msg and "the model contradicts" in msg
    assert "piriformis" not in msg.split("it gives")[1].split("(")[0]
    assert "\n" not in msg
    # the answer the model gives is accepted (computed first, so this stays right if paths change)
    mech = mechanics_for(model)
    right = load_quiz(_write(tmp_path, [{k: v for k, v in q.items() if k != "answer"}]), model).answers[0].value
    q["answer"] = list(right)
    assert load_quiz(_write(tmp_path, [q]), model).answers[0].value == right
    rev = {"id": "rev", "kind": "reversal_angle", "motion": "external_rotation", "muscle": "piriformis", "answer": 10}
    with pytest.raises(DataError, match=r"questions\.rev\.answer: the model contradicts 10"):
        load_quiz(_write(tmp_path, [rev]), model)
    assert mech is not None


@pytest.mark.parametrize("question, field, words", [
    ({"id": "a", "kind": "click_everything", "motion": "flexion"}, "questions.a.kind", "not a question kind"),
    ({"id": "a", "kind": "click_producers", "motion": "twirl"}, "questions.a.motion", "'twirl' is not a motion"),
    ({"id": "a", "kind": "choose_opposers", "motion": "flexion"}, "questions.a.choices", "missing required field"),
    ({"id": "a", "kind": "order_by_moment_arm", "motion": "flexion", "muscles": ["piriformis", "piriformus"]},
     "questions.a.muscles", "did you mean 'piriformis'"),
    ({"id": "a", "kind": "click_producers", "motion": "flexion", "pose": "flexion=300"}, "questions.a.pose", "300"),
    ({"id": "a", "kind": "click_structure", "structure": "femur", "motion": "flexion"}, "questions.a.motion",
     "not used by a click_structure question"),
    ({"id": "a", "kind": "reversal_angle", "motion": "external_rotation", "muscle": "quadratus_femoris"},
     "questions.a.muscle", "does not change its action"),
    ({"id": "a", "kind": "order_by_moment_arm", "motion": "flexion", "muscles": ["femur", "piriformis"]},
     "questions.a.muscles", "not a muscle with a line of action"),
])
def test_bad_quiz_files_give_one_line_naming_file_question_and_field(model, tmp_path, question, field, words):
    with pytest.raises(DataError) as info:
        load_quiz(_write(tmp_path, [question]), model)
    msg = info.value.message
    assert msg.startswith(str(tmp_path)) or "quiz.yaml" in msg
    assert field in msg and words in msg and "\n" not in msg


def test_quiz_file_structure_errors(model, tmp_path):
    path = tmp_path / "quiz.yaml"
    path.write_text("title: T\nquestions: []\n", "utf-8")
    with pytest.raises(DataError, match="questions"):
        load_quiz(path, model)
    path.write_text("title: T\nquestions:\n  - {id: a, kind: click_structure, structure: femur, colour: red}\n", "utf-8")
    with pytest.raises(DataError, match=r"questions\[0\]\.colour"):
        load_quiz(path, model)


def test_cli_quiz_prints_and_exports_the_answer_key(model, tmp_path, capsys):
    assert main(["quiz", "deep_rotators", "--export", str(tmp_path / "out")]) == 0
    key = (tmp_path / "out" / "answer_key.txt").read_text("utf-8")
    questions = (tmp_path / "out" / "questions.txt").read_text("utf-8")
    assert "Click every muscle that produces external rotation of the hip at flexion 90°" in questions
    assert "computed by the model" in key and "mm" in key
    data = json.loads((tmp_path / "out" / "quiz.json").read_text("utf-8"))
    assert len(data["questions"]) == len(load_quiz(BUILTIN, model))
    capsys.readouterr()
    assert main(["quiz", "--generate", "--seed", "3", "--count", "4", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [q["id"] for q in out["questions"]] == ["q1", "q2", "q3", "q4"]
    assert all("answer" in q and "explanation" in q for q in out["questions"])
    assert main(["quiz", "nosuchquiz"]) == 2
    assert "unknown quiz 'nosuchquiz'" in capsys.readouterr().err
    assert main(["quiz"]) == 2


def test_validate_reports_a_quiz_the_model_contradicts(data_copy, capsys):
    quiz = data_copy / "annotations" / "quizzes" / "deep_rotators.yaml"
    text = quiz.read_text("utf-8").replace("    among: deep_external_rotators\n  - id: rotators_flexed",
                                           "    among: deep_external_rotators\n    answer: [piriformis]\n"
                                           "  - id: rotators_flexed", 1)
    quiz.write_text(text, "utf-8")
    assert main(["validate", "--data", str(data_copy)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "deep_rotators.yaml" in err[0] and "questions.rotators_extended.answer" in err[0]
