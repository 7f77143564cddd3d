"""Lesson steps that compare poses side by side: validation, export and the window."""

from __future__ import annotations

import imageio.v3 as iio
import pytest

from viewer.core.errors import DataError
from viewer.lessons import load_lesson

STEP = """\
title: Compare
steps:
  - caption: Straight and flexed.
    motion: external_rotation
    only: [bones, deep_external_rotators]
    view: posterior
    compare: {compare}
"""


def test_compare_step_is_read_and_checked(hip_model, write_lesson):
    lesson = load_lesson(write_lesson(STEP.format(compare="[neutral, {flexion: 90}]")), hip_model)
    assert lesson.steps[0].compare_poses == ((0.0, 0.0, 0.0), (90.0, 0.0, 0.0))
    for bad, words in (("[neutral]", "must be a list of 2 or 4 poses"),
                       ("[neutral, flexion=300]", "pose 2:"),
                       ("neutral", "must be a list of 2 or 4 poses")):
        with pytest.raises(DataError) as info:
            load_lesson(write_lesson(STEP.format(compare=bad)), hip_model)
        assert "steps[1].compare" in info.value.message and words in info.value.message


def test_compare_step_exports_at_the_lesson_size(hip_model, write_lesson, tmp_path):
    from viewer.export.lesson_export import export_lesson

    lesson = load_lesson(write_lesson(STEP.format(compare="[neutral, {flexion: 90}]")), hip_model)
    (png,) = export_lesson(hip_model, lesson, tmp_path / "out", size=(640, 480))
    image = iio.imread(png)
    assert image.shape[:2] == (480, 640)
    left, right = image[:200, :320, :3].astype(int), image[:200, 320:, :3].astype(int)
    assert abs(left - right).mean() > 2  # two different poses, not one picture twice
