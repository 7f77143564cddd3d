"""Exporting lessons headlessly: one PNG and caption text per step, and an index."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pytest

from tests.lessons.conftest import BUILTIN_NAMES, load_test_model
from viewer.lessons import find_lesson, load_lesson
from viewer.export.lesson_export import export_lesson

SIZE = (320, 200)


@pytest.fixture(scope="module")
def hip_model():
    return load_test_model()


def foreground_fraction(image: np.ndarray) -> float:
    """Share of pixels that differ clearly from their row's background (the background is a
    vertical gradient, so each row's most common colour is the background there)."""
    rgb = image[..., :3].astype(int)
    background = np.median(rgb, axis=1, keepdims=True)
    return float((np.abs(rgb - background).sum(axis=-1) > 40).mean())


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_lesson_exports_visible_distinct_steps(hip_model, tmp_path, name):
    lesson = load_lesson(find_lesson(name, hip_model.data_dir), hip_model)
    written = export_lesson(hip_model, lesson, tmp_path, size=SIZE, caption_in_image=False)
    assert [p.name for p in written] == [f"step_{i:02d}.png" for i in range(1, len(lesson.steps) + 1)]
    previous = None
    for step, path in zip(lesson.steps, written):
        image = iio.imread(path)
        assert image.shape[:2] == (SIZE[1], SIZE[0])
        assert foreground_fraction(image) > 0.03, f"{path.name} looks blank"
        text = path.with_suffix(".txt").read_text(encoding="utf-8")
        assert text.strip() == step.plain_caption and "<" not in text
        if previous is not None:
            prev_step, prev_image = previous
            assert step.state != prev_step.state, f"step {step.number} changes nothing visible"
            changed = np.abs(image.astype(int) - prev_image.astype(int)).sum(axis=-1) > 30
            assert changed.sum() > 20, f"{path.name} looks the same as the step before"
        previous = (step, image)
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert index.startswith(f"# {lesson.title}")
    assert index.count("![Step") == len(lesson.steps)


def test_caption_is_drawn(hip_model, tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("title: One\nsteps:\n  - caption: The hip from <b>behind</b>, with a caption.\n"
                    "    view: posterior\n", encoding="utf-8")
    lesson = load_lesson(path, hip_model)
    size = (480, 300)
    with_caption = iio.imread(export_lesson(hip_model, lesson, tmp_path / "a", size=size)[0]).astype(int)
    without = iio.imread(export_lesson(hip_model, lesson, tmp_path / "b", size=size, caption_in_image=False)[0])
    bottom = slice(int(0.9 * size[1]), size[1])
    assert np.abs(with_caption[bottom] - without[bottom].astype(int)).sum(axis=-1).max() > 100


@pytest.mark.parametrize("name", ["deep_external_rotators", "external_rotation"])  # focused and whole views
def test_framed_structures_stay_above_the_caption(hip_model, name):
    """What a step frames (its focus, or the hip region) is drawn above the caption band
    (unless the step zooms in past the framing)."""
    from viewer.lessons import LessonPlayer
    from viewer.render.camera import apply_camera, caption_band, caption_chars, focus_bounds
    from viewer.render.offscreen import OffscreenSession

    lesson = load_lesson(find_lesson(name, hip_model.data_dir), hip_model)
    size = (480, 300)
    with OffscreenSession(hip_model, size) as session:
        player = LessonPlayer(lesson, session.state, caption_wrap=caption_chars(size[0]))
        player.camera_requested.connect(lambda camera: apply_camera(session.scene, camera))
        for index, step in enumerate(lesson.steps):
            player.go_to(index)
            session.image()
            band_px = caption_band(session.scene) * size[1]
            if not step.state.camera.focus:
                # The scene's own framing of the hip region: its centre is well above the band.
                assert session.scene.display_point(np.zeros(3))[1] > band_px, f"step {step.number}"
                continue
            if step.state.camera.zoom > 1.1:
                continue  # zooming in past the framing crops on purpose
            bounds = focus_bounds(session.scene, step.state.camera.focus)
            # The lowest point of the framed structures: the middle of their box's bottom face
            # (every view but superior/inferior looks at the hip with the pelvis's Y upward).
            bottom = np.array([np.mean(bounds[0:2]), bounds[2], np.mean(bounds[4:6])])
            lowest = session.scene.display_point(bottom)[1]  # display y: 0 at the bottom
            assert lowest >= band_px - 0.05 * size[1], f"step {step.number}: model under the caption"


def test_export_removes_stale_steps_and_keeps_other_files(hip_model, tmp_path):
    lesson = load_lesson(find_lesson("position_changes_action", hip_model.data_dir), hip_model)
    (tmp_path / "step_42.png").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("mine")
    export_lesson(hip_model, lesson, tmp_path, size=(160, 100), caption_in_image=False)
    assert not (tmp_path / "step_42.png").exists()
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_export_with_animations(hip_model, tmp_path):
    lesson = load_lesson(find_lesson("position_changes_action", hip_model.data_dir), hip_model)
    export_lesson(hip_model, lesson, tmp_path, size=(160, 100), animations=True, fps=4, caption_in_image=False)
    gifs = sorted(p.name for p in tmp_path.glob("*.gif"))
    assert gifs == [f"step_{s.number:02d}.gif" for s in lesson.steps if s.animated]
    frames = iio.imread(tmp_path / gifs[0], index=None)
    step = next(s for s in lesson.steps if s.animated)
    assert len(frames) == round(step.duration_s * 4)
