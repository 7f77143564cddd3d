"""7. Limits are stated (viewer.core.limits) and enforced with a message quoting the limit:
sweep samples, lesson steps, image size, frame count."""

from __future__ import annotations

import pytest

from viewer.core.errors import DataError
from viewer.core.limits import (
    MAX_FRAMES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_LESSON_STEPS, MAX_SWEEP_SAMPLES, MAX_YAML_BYTES,
)


def test_sweep_samples(cli):
    code, out, err = cli("moment-arms", "--sweep", "flexion=0:90:0.001")
    assert code == 2 and out == ""
    assert f"more than the limit of {MAX_SWEEP_SAMPLES}" in err
    code, out, _ = cli("moment-arms", "--sweep", "flexion=0:90:0.5", "--muscle", "piriformis", "--motion", "flexion")
    assert code == 0 and len(out.splitlines()) == 1 + 181


def _lesson(path, steps: int):
    path.write_text("title: Long\nsteps:\n" + "  - caption: A step.\n" * steps, encoding="utf-8")
    return path


def test_lesson_steps(model, tmp_path):
    from viewer.lessons import load_lesson

    assert len(load_lesson(_lesson(tmp_path / "ok.yaml", MAX_LESSON_STEPS), model)) == MAX_LESSON_STEPS
    with pytest.raises(DataError, match=f"has {MAX_LESSON_STEPS + 1} steps; a lesson has at most {MAX_LESSON_STEPS}"):
        load_lesson(_lesson(tmp_path / "long.yaml", MAX_LESSON_STEPS + 1), model)


def test_lesson_file_size(model, tmp_path):
    from viewer.lessons import load_lesson

    path = tmp_path / "huge.yaml"
    path.write_text("title: Huge\n# " + "x" * MAX_YAML_BYTES + "\nsteps:\n  - caption: a\n", encoding="utf-8")
    with pytest.raises(DataError, match=f"larger than the limit of {MAX_YAML_BYTES} bytes"):
        load_lesson(path, model)


@pytest.mark.parametrize("size, words", [
    (f"{MAX_IMAGE_SIDE + 1}x100", f"outside 16..{MAX_IMAGE_SIDE} px per side"),
    (f"{MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE}", f"more than the limit of {MAX_IMAGE_PIXELS}"),
])
def test_image_size(cli, tmp_path, size, words):
    code, _, err = cli("render", "--out", str(tmp_path / "x.png"), "--size", size)
    assert code == 2 and words in err
    assert not (tmp_path / "x.png").exists()


def test_frame_count(cli, tmp_path):
    code, _, err = cli("animate", "--motion", "flexion", "--out", str(tmp_path / "a.gif"), "--frames",
                       str(MAX_FRAMES + 1), "--size", "64x64")
    assert code == 2 and f"outside 2..{MAX_FRAMES}" in err
