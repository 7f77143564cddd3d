"""8. Safe outputs: written to a temporary file and renamed when complete; a lesson export into a
non-empty folder needs --force; index.md is escaped; output names are checked before any work;
validate checks the data folder's own lessons."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.errors import DataError
from viewer.io.files import atomic_output


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


def test_atomic_output_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old" and _leftovers(tmp_path) == []
    with atomic_output(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and _leftovers(tmp_path) == []


def _frames(n, fail_at=None):
    for i in range(n):
        if i == fail_at:
            raise KeyboardInterrupt  # the user pressed Ctrl-C while frames were being rendered
        yield np.full((32, 32, 3), i * 20, dtype=np.uint8)


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_an_interrupted_animation_leaves_no_file(tmp_path, suffix):
    from viewer.export.animation import write_frames

    target = tmp_path / f"anim{suffix}"
    with pytest.raises(KeyboardInterrupt):
        write_frames(_frames(6, fail_at=3), target, 8, (32, 32))
    assert not target.exists() and _leftovers(tmp_path) == []
    write_frames(_frames(6), target, 8, (32, 32))
    assert target.stat().st_size > 100 and _leftovers(tmp_path) == []


def test_an_interrupted_png_keeps_the_old_image(tmp_path, monkeypatch):
    import imageio.v3 as iio

    from viewer.render.offscreen import save_png

    target = tmp_path / "hip.png"
    save_png(np.zeros((8, 8, 3), np.uint8), target)
    before = target.read_bytes()

    def broken(path, image, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(iio, "imwrite", broken)
    with pytest.raises(DataError, match="No space left on device"):
        save_png(np.ones((8, 8, 3), np.uint8), target)
    assert target.read_bytes() == before and _leftovers(tmp_path) == []


def test_render_checks_the_output_name_before_any_work(cli, tmp_path, monkeypatch):
    def no_load(*args, **kwargs):
        raise AssertionError("the model was loaded before the output name was checked")

    monkeypatch.setattr("viewer.io.model.load_model", no_load)
    code, _, err = cli("render", "--out", str(tmp_path / "hip.jpg"))
    assert code == 2 and "--out: output must end in .png, got 'hip.jpg'" in err
    code, _, err = cli("animate", "--motion", "flexion", "--out", str(tmp_path / "a.avi"))
    assert code == 2 and "--out: output must end in .gif, .mp4, got 'a.avi'" in err
    (tmp_path / "folder.png").mkdir()
    code, _, err = cli("render", "--out", str(tmp_path / "folder.png"))
    assert code == 2 and "is a folder" in err
    code, _, err = cli("moment-arms", "--sweep", "flexion=0:10:5", "--plot", str(tmp_path / "p.svg"))
    assert code == 2 and "--plot: output must end in .png" in err


def test_lesson_export_into_a_non_empty_folder_needs_force(cli, tmp_path):
    out = tmp_path / "slides"
    out.mkdir()
    (out / "step_01.png").write_bytes(b"the teacher's own picture")
    (out / "index.md").write_text("my notes")
    code, _, err = cli("lesson", "external_rotation", "--export", str(out), "--size", "160x100")
    assert code == 2 and "is not empty" in err and "--force" in err
    assert (out / "step_01.png").read_bytes() == b"the teacher's own picture"
    assert (out / "index.md").read_text() == "my notes"
    code, stdout, err = cli("lesson", "external_rotation", "--export", str(out), "--size", "160x100", "--force")
    assert code == 0, err
    assert (out / "step_01.png").read_bytes().startswith(b"\x89PNG") and (out / "index.md").read_text() != "my notes"
    assert _leftovers(out) == []


def test_index_md_is_escaped(model, tmp_path):
    from viewer.lessons import load_lesson
    from viewer.export.lesson_export import export_lesson

    path = tmp_path / "hostile.yaml"
    path.write_text(
        'title: "<img src=x onerror=alert(1)> [link](http://example.org) *bold*"\n'
        'description: "<script>alert(1)</script>"\n'
        'steps:\n  - caption: "Watch &lt;img src=file:///etc/hosts&gt; and ![pic](http://example.org/p.png)"\n',
        encoding="utf-8")
    lesson = load_lesson(path, model)
    export_lesson(model, lesson, tmp_path / "out", size=(64, 48), caption_in_image=False)
    index = (tmp_path / "out" / "index.md").read_text(encoding="utf-8")
    assert "<img" not in index and "<script" not in index
    assert "&lt;img src=x onerror=alert(1)&gt;" in index and "\\[link\\](http://example.org) \\*bold\\*" in index
    assert "\\!\\[pic\\]" in index
    assert index.count("![Step") == 1  # the only image is the exporter's own


def test_validate_checks_the_data_folders_lessons(data_copy, cli):
    (data_copy / "annotations" / "lessons" / "broken.yaml").write_text(
        "title: Broken\nsteps:\n  - caption: A view.\n    view: nowhere\n", encoding="utf-8")
    code, out, err = cli("--data", str(data_copy), "validate")
    assert code == 1 and out == ""
    assert "broken.yaml: steps[1].view: unknown view 'nowhere'" in err
    assert len(err.strip().splitlines()) == 1
