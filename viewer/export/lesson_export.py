"""Exporting a lesson headlessly: one PNG and one caption text file per step, and an index.

What a teacher pastes into slides: ``step_01.png`` shows the step's final state with its caption
drawn at the bottom of the image (plain text, wrapped to the image width), ``step_01.txt`` holds
the caption as plain text, and ``index.md`` lists title, description, every image and its caption
in order. With ``animations=True`` an animated step also gets ``step_01.gif`` of its movement.
Rendering uses the same scene and the same :class:`~viewer.lessons.LessonPlayer` as the window.
"""

from __future__ import annotations

import re
from pathlib import Path

from viewer.core.errors import DataError
from viewer.lessons import Lesson, LessonPlayer
from viewer.render.camera import apply_camera, caption_chars, prepare_export_text

_STEP_FILE = re.compile(r"^step_\d{2,}\.(png|txt|gif)$")


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot write ({exc.strerror})", file=path) from None


def index_markdown(lesson: Lesson, images: list[Path]) -> str:
    """The lesson as Markdown: title, description, then each step's image and caption."""
    out = [f"# {lesson.title}", ""]
    if lesson.description:
        out += [lesson.description, ""]
    for step, image in zip(lesson.steps, images):
        out += [f"## Step {step.number}", "", f"![Step {step.number}]({image.name})", ""]
        out += [line + "  " if i < len(step.plain_caption.split("\n")) - 1 else line
                for i, line in enumerate(step.plain_caption.split("\n"))]
        out.append("")
    return "\n".join(out)


def export_lesson(model, lesson: Lesson, out_dir, size: tuple[int, int] = (1280, 800), *,
                  background: str = "dark", caption_in_image: bool = True, animations: bool = False,
                  fps: int = 16, progress: bool = False) -> list[Path]:
    """Render every step of a lesson to ``out_dir``.

    Parameters
    ----------
    model : viewer.io.model.HipModel
    lesson : Lesson
        A lesson loaded for this model (:func:`viewer.lessons.load_lesson`).
    out_dir : str or Path
        Created if needed. Old ``step_NN.*`` files there are removed first, so a shorter lesson
        does not leave stale steps behind; other files are left alone.
    size : (width, height)
        Image size in pixels.
    background : str
        Theme name (``dark``, ``light``, ``white``, ``black``).
    caption_in_image : bool
        Draw the caption at the bottom of each image (the model is framed above it). Off, the
        images show the model alone and the captions are only in the text files.
    animations : bool
        Also write ``step_NN.gif`` for each step that animates its pose.
    fps : int
        Frame rate of those animations.
    progress : bool
        Show a progress bar on the terminal.

    Returns
    -------
    list of Path
        The PNG of each step, in order (the ``.txt``, ``.gif`` and ``index.md`` files sit beside them).
    """
    from tqdm import tqdm

    from viewer.export.animation import render_frames, write_frames
    from viewer.render.offscreen import OffscreenSession, save_png

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.iterdir():
            if _STEP_FILE.match(old.name):
                old.unlink()
    except OSError as exc:
        raise DataError(f"cannot prepare the export folder ({exc.strerror})", file=out_dir) from None

    images: list[Path] = []
    with OffscreenSession(model, size, background) as session:
        scale = prepare_export_text(session.scene, size[0])
        player = LessonPlayer(lesson, session.state, show_caption=caption_in_image,
                              caption_wrap=caption_chars(size[0], scale))
        player.camera_requested.connect(lambda camera: apply_camera(session.scene, camera))
        for index, step in enumerate(tqdm(lesson.steps, desc=lesson.title, unit="step", disable=not progress)):
            stem = f"step_{step.number:02d}"
            if animations and step.animated:
                poses = player.go_to(index, animate=True, fps=fps)
                frames = list(render_frames(session, poses))
                write_frames(frames, out_dir / f"{stem}.gif", fps, size)
            player.go_to(index)
            if step.compare_poses:
                from viewer.render.compare import render_compare_spec

                # the step's scene at each of its poses; the caption goes to the text file
                spec = step.state.replace(caption="", theme=background)
                image, _changes, _camera = render_compare_spec(model, spec, step.compare_poses, size)
                images.append(save_png(image, out_dir / f"{stem}.png"))
            else:
                images.append(save_png(session.image(), out_dir / f"{stem}.png"))
            _write_text(out_dir / f"{stem}.txt", step.plain_caption + "\n")
    _write_text(out_dir / "index.md", index_markdown(lesson, images))
    return images
