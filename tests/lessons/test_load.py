"""Loading lessons: the built-in ones validate; bad files give one clear message naming the file,
the step (from 1) and the field."""

from __future__ import annotations

import pytest

from tests.lessons.conftest import BUILTIN_LESSONS, BUILTIN_NAMES
from viewer.core.errors import DataError
from viewer.lessons import find_lesson, list_lessons, load_lesson

GOOD = """\
title: Test lesson
steps:
  - caption: First <b>step</b>.
    view: posterior
  - caption: Second step.
    pose: {flexion: 30}
"""


def _error(hip_model, write_lesson, text: str) -> str:
    path = write_lesson(text)
    with pytest.raises(DataError) as info:
        load_lesson(path, hip_model)
    message = info.value.message
    assert str(path.name) in message  # the file is always named
    assert "Traceback" not in message
    return message


def test_builtin_lessons_are_where_the_docs_say():
    names = sorted(p.stem for p in BUILTIN_LESSONS.glob("*.yaml"))
    assert names == sorted(BUILTIN_NAMES)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_lesson_validates(hip_model, name):
    lesson = load_lesson(find_lesson(name, hip_model.data_dir), hip_model)
    assert 5 <= len(lesson.steps) <= 10
    assert lesson.title and lesson.description
    assert [s.number for s in lesson.steps] == list(range(1, len(lesson.steps) + 1))
    assert all(s.plain_caption for s in lesson.steps)


def test_find_by_name_title_and_file(hip_model, write_lesson):
    by_name = find_lesson("deep-external-rotators", hip_model.data_dir)
    assert by_name.name == "deep_external_rotators.yaml"
    assert find_lesson("The deep external rotators", hip_model.data_dir) == by_name
    assert find_lesson("external rotation", hip_model.data_dir).name == "external_rotation.yaml"
    path = write_lesson(GOOD)
    assert find_lesson(str(path), hip_model.data_dir) == path
    titles = [title for _, title, _ in list_lessons(hip_model.data_dir)]
    assert "Gemellus inferior in the clinic" in titles


def test_unknown_lesson_name_lists_the_lessons(hip_model):
    with pytest.raises(DataError) as info:
        find_lesson("knee anatomy", hip_model.data_dir)
    assert "no lesson called 'knee anatomy'" in info.value.message
    assert "deep_external_rotators" in info.value.message


def test_missing_lesson_file(tmp_path):
    with pytest.raises(DataError, match="lesson file not found"):
        find_lesson(str(tmp_path / "nope.yaml"))


def test_good_file_loads_and_resolves(hip_model, write_lesson):
    lesson = load_lesson(write_lesson(GOOD), hip_model)
    assert lesson.title == "Test lesson"
    first, second = lesson.steps
    assert first.state.camera.view == "posterior"
    assert second.state.camera.view == "posterior"  # carried over
    assert second.state.pose_deg == (30.0, 0.0, 0.0)
    assert second.start_pose_deg == (0.0, 0.0, 0.0)


def test_unknown_structure(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    hide: [gluteus_maximus, piriformus]\n")
    assert "steps[3].hide: unknown structure, compartment or layer group 'piriformus'" in message
    assert "did you mean 'piriformis'?" in message
    assert "(line 8)" in message


def test_unknown_selected_structure(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    select: deep_external_rotators\n")
    assert "steps[3].select: unknown structure or compartment 'deep_external_rotators'" in message


def test_unknown_view(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD.replace("view: posterior", "view: dorsal"))
    assert "steps[1].view: unknown view 'dorsal' (allowed: anterior, posterior" in message


def test_pose_out_of_range(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    pose: {flexion: 150}\n")
    assert "x.yaml: steps[3].pose: flexion=150 deg is outside the joint's range -20..120 deg" in message


def test_pose_out_of_range_through_an_alias(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    pose: 'internal_rotation=60'\n")
    assert "steps[3].pose: external_rotation=-60 deg is outside the joint's range" in message


def test_unknown_pose_coordinate_and_preset(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    pose: {twist: 10}\n")
    assert "steps[3].pose: unknown pose coordinate 'twist'" in message
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    pose: squatting\n")
    assert "steps[3].pose: unknown pose preset 'squatting' (presets: neutral" in message


def test_unknown_motion(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    motion: circumduction\n")
    assert "steps[3].motion: unknown motion 'circumduction' (allowed: flexion" in message


def test_missing_caption(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - view: lateral\n")
    assert "steps[3].caption: missing (every step needs a caption)" in message


def test_caption_of_the_wrong_type(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: [a, list]\n")
    assert "steps[3].caption: must be text, got a list" in message
    message = _error(hip_model, write_lesson, GOOD + "  - caption: 12\n")
    assert "steps[3].caption: must be text, got a number 12" in message


def test_caption_with_disallowed_markup(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: <u>underlined</u>\n")
    assert "steps[3].caption: tag <u> is not allowed (allowed: <b>, <i>, <br>)" in message


def test_malformed_yaml(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: [unclosed\n")
    assert "invalid YAML" in message and "line" in message


def test_duplicate_key(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: a\n    caption: b\n")
    assert "duplicate key 'caption'" in message


def test_unknown_step_field(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    hightlight: piriformis\n")
    assert "steps[3].hightlight: unknown field; did you mean 'highlight'?" in message


def test_duration_needs_a_pose(hip_model, write_lesson):
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    duration_s: 2\n")
    assert "steps[3].duration_s: animates this step's pose change, but the step sets no pose" in message


def test_wrong_types_elsewhere(hip_model, write_lesson):
    assert "steps[3].ghost: must be true or false" in _error(
        hip_model, write_lesson, GOOD + "  - caption: Third.\n    ghost: maybe\n")
    assert "steps[3].zoom: 40 is outside 0.1..10" in _error(
        hip_model, write_lesson, GOOD + "  - caption: Third.\n    zoom: 40\n")
    assert "steps[3].opacity: 1.5 is outside 0..1" in _error(
        hip_model, write_lesson, GOOD + "  - caption: Third.\n    opacity: {piriformis: 1.5}\n")
    assert "steps[3].colour_by: unknown colouring 'area'" in _error(
        hip_model, write_lesson, GOOD + "  - caption: Third.\n    colour_by: area\n")


def test_lesson_level_problems(hip_model, write_lesson):
    assert "title: missing or empty" in _error(hip_model, write_lesson, "steps:\n  - caption: a\n")
    assert "steps: missing or empty" in _error(hip_model, write_lesson, "title: T\nsteps: []\n")
    assert "steps[1]: a step must be a mapping" in _error(hip_model, write_lesson, "title: T\nsteps: [just text]\n")
    assert "a lesson must be a mapping" in _error(hip_model, write_lesson, "- a\n- b\n")


def test_knee_flexion_in_a_step(hip_model, write_lesson):
    lesson = load_lesson(write_lesson(GOOD + "  - caption: Third.\n    knee_flexion: 90\n"), hip_model)
    assert lesson.steps[2].state.knee_flexion_deg == 90.0
    assert lesson.steps[1].state.knee_flexion_deg == 0.0
    message = _error(hip_model, write_lesson, GOOD + "  - caption: Third.\n    knee_flexion: 150\n")
    assert "steps[3].knee_flexion: 150 deg is outside 0..120 deg" in message
