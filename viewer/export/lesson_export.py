"""Exporting a lesson headlessly: one PNG and one caption text file per step, and an index.

What a teacher pastes into slides: ``step_01.png`` shows the step's final state with its caption
drawn at the bottom of the image (plain text, wrapped to the image width), ``step_01.txt`` holds
the caption as plain text, and ``index.md`` lists title, description, every image and its caption
in order. With ``animations=True`` an animated step also gets ``step_01.gif`` of its movement.
Rendering uses the same scene and the same :class:`~viewer.lessons.LessonPlayer` as the window.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from viewer.core.errors import DataError
from viewer.io.files import write_text_atomic
from viewer.lessons import Lesson, LessonPlayer
from viewer.render.camera import apply_camera, caption_chars, prepare_export_text

_STEP_FILE = re.compile(r"^step_\d{2,}\.(png|txt|gif)$")
INDEX = "index.md"
#: Characters with a meaning in Markdown, written with a backslash so that text stays text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#!|~])")


def _write_text(path: Path, text: str) -> None:
    write_text_atomic(path, text)


def markdown_text(text: str) -> str:
    """Plain text made safe for Markdown: HTML special characters as entities (no raw HTML, no
    images or links from a lesson file) and Markdown punctuation escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def index_markdown(lesson: Lesson, images: list[Path]) -> str:
    """The lesson as Markdown: title, description, then each step's image and caption.

    Every text from the lesson file is escaped (:func:`markdown_text`); only the image links
    are written by the exporter itself.
    """
    out = [f"# {markdown_text(lesson.title)}", ""]
    if lesson.description:
        out += [markdown_text(lesson.description), ""]
    for step, image in zip(lesson.steps, images):
        out += [f"## Step {step.number}", "", f"![Step {step.number}]({image.name})", ""]
        lines = [markdown_text(line) for line in step.plain_caption.split("\n")]
        out += [line + "  " if i < len(lines) - 1 else line for i, line in enumerate(lines)]
        out.append("")
    return "\n".join(out)


def check_export_folder(out_dir, *, force: bool = False) -> Path:
    """Check, before any work, that a lesson may be exported into ``out_dir``.

    The folder must not exist, be empty, or (with ``force``) be a folder whose ``step_NN.*``
    files and ``index.md`` may be replaced.

    Raises
    ------
    DataError
        When ``out_dir`` is a file, cannot be listed, or is not empty and ``force`` is off.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError("is a file, not a folder", file=out_dir, field="--export")
    if out_dir.is_dir():
        try:
            entries = sorted(p.name for p in out_dir.iterdir())
        except OSError as exc:
            raise DataError(f"cannot be listed ({exc.strerror})", file=out_dir, field="--export") from None
        if entries and not force:
            shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
            raise DataError(f"is not empty ({len(entries)} entries: {shown}); export into a new or empty folder, "
                            "or add --force to replace its step_NN.* files and index.md", file=out_dir,
                            field="--export")
    return out_dir


def export_lesson(model, lesson: Lesson, out_dir, size: tuple[int, int] = (1280, 800), *,
                  background: str = "dark", caption_in_image: bool = True, animations: bool = False,
                  fps: int = 16, progress: bool = False, force: bool = False) -> list[Path]:
    """Render every step of a lesson to ``out_dir``.

    Parameters
    ----------
    model : viewer.io.model.HipModel
    lesson : Lesson
        A lesson loaded for this model (:func:`viewer.lessons.load_lesson`).
    out_dir : str or Path
        Created if needed. It must be empty unless ``force`` is on (see :func:`check_export_folder`).
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
    force : bool
        Export into a folder that is not empty: its old ``step_NN.*`` files are removed first,
        so a shorter lesson does not leave stale steps behind, ``index.md`` is replaced and other
        files are left alone. Every file is written to a temporary name and renamed when complete.

    Returns
    -------
    list of Path
        The PNG of each step, in order (the ``.txt``, ``.gif`` and ``index.md`` files sit beside them).
    """
    from tqdm import tqdm

    from viewer.export.animation import render_frames, write_frames
    from viewer.render.offscreen import OffscreenSession, save_png

    out_dir = check_export_folder(out_dir, force=force)
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
    _write_text(out_dir / INDEX, index_markdown(lesson, images))
    return images
