"""Writing a lesson in the app: *Lessons > Add current scene as a step* and *Save lesson as*.

Each recorded step is written absolutely (``reset: true`` and every field a lesson step
has: layers as changes from the model's defaults, pose, colouring, selection, highlight,
ghost, mechanics, view and zoom), so played back it shows the scene it was recorded from,
whatever steps come before it. The file is an ordinary lesson (:mod:`viewer.lessons`).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from PySide6.QtWidgets import QFileDialog, QInputDialog

from viewer.core.errors import DataError
from viewer.io.scene_file import scene_to_mapping
from viewer.lessons.rich_text import plain_text
from viewer.lessons.schema import STEP_KEYS, base_state

#: Title of a lesson recorded in the app until the teacher names it.
DEFAULT_TITLE = "My lesson"


class LessonRecorder:
    """The steps of the lesson being written, as lesson-file mappings."""

    def __init__(self, model, title: str = DEFAULT_TITLE):
        self.model = model
        self.title = title
        self.steps: list[dict] = []
        self._base = base_state(model)

    def add(self, window, caption: str) -> int:
        """Record the window's scene with ``caption`` as the next step; returns its number."""
        caption = caption.strip()
        if not caption:
            raise DataError("a lesson step needs a caption", field="caption")
        window.state.set_caption(plain_text(caption))  # what the player shows in the view
        mapping = scene_to_mapping(window.state.snapshot(), self._base, self.model.catalogue)
        step = {"caption": caption, "reset": True}
        step.update({key: value for key, value in mapping.items() if key in STEP_KEYS and key != "caption"})
        self.steps.append(step)
        return len(self.steps)

    def text(self) -> str:
        """The lesson as YAML text."""
        data = {"title": self.title, "steps": self.steps}
        return "# hip-viewer lesson recorded in the app\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                                                                             width=100)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        if path.suffix.lower() not in (".yaml", ".yml"):
            raise DataError(f"a lesson file must end in .yaml, got {path.name!r}", field="lesson")
        if not self.steps:
            raise DataError("the lesson has no steps yet (Lessons > Add current scene as a step)", field="steps")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.text(), encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot write the lesson ({exc.strerror})", file=path) from None
        return path


def recorder_for(window) -> LessonRecorder:
    """The window's lesson recorder (made on first use)."""
    recorder = getattr(window, "lesson_recorder", None)
    if recorder is None:
        recorder = LessonRecorder(window.model)
        window.lesson_recorder = recorder
    return recorder


def ask_caption(window) -> str | None:
    """Ask for the new step's caption (the caption shown now as a start); None: cancelled."""
    text, ok = QInputDialog.getMultiLineText(
        window, "Add the scene as a step",
        "&Caption for this step (short; <b>bold</b> and <i>italic</i> allowed):", window.state.caption)
    return text if ok and text.strip() else None


def save_recorded_lesson(window, recorder: LessonRecorder, path: str | Path | None = None) -> Path | None:
    """Write the recorded lesson (asking for a file and a title when ``path`` is None)."""
    if path is None:
        title, ok = QInputDialog.getText(window, "Save lesson", "&Title of the lesson:", text=recorder.title)
        if not ok:
            return None
        recorder.title = title.strip() or recorder.title
        path, _ = QFileDialog.getSaveFileName(window, "Save lesson", "lesson.yaml", "Lessons (*.yaml *.yml)")
        if not path:
            return None
    written = recorder.save(path)
    window.statusBar().showMessage(f"Saved the lesson to {written}", 6000)
    return written


def ensure_lesson_panel(window):
    """The lesson panel, docked (and framing its steps' cameras) on first use."""
    panel = window.lesson_panel_if_open()
    if panel is None:
        from viewer.qt.lesson_panel import LessonPanel
        from viewer.render.camera import apply_camera

        panel = LessonPanel(window.state, window.model, parent=window)
        from viewer.qt.app import _show_step_compare

        panel.camera_requested.connect(lambda camera: apply_camera(window.scene, camera))
        panel.step_changed.connect(lambda index: _show_step_compare(window, panel, index))
        window.add_lesson_panel(panel)
        window.lesson_panel = panel
    return panel


def open_lesson(window, lesson) -> None:
    """Show ``lesson`` (a :class:`~viewer.lessons.Lesson`, a name or a file) at its first step."""
    panel = window.ensure_lesson_panel()
    if isinstance(lesson, (str, Path)):
        if not panel.open_lesson(lesson):
            raise DataError(panel.error_label.text())
    else:
        panel.set_lesson(lesson)
    if not window._presentation:
        window.show_panel("lesson")
    window.presenter.update_counter()


def fill_lessons_menu(window) -> None:
    from viewer.lessons import list_lessons

    menu = window.lessons_menu
    menu.clear()
    for _name, title, path in list_lessons(window.model.data_dir):
        action = menu.addAction(title)
        action.setObjectName(f"lesson_{Path(path).stem}")
        action.triggered.connect(lambda _=False, p=str(path): window._guard(window.open_lesson, p))
    menu.addSeparator()
    for name in ("present_lesson", "add_step", "save_lesson"):
        menu.addAction(window.named_actions[name])


def add_scene_as_step(window, caption: str | None = None):
    """Record the scene as the next step of the lesson being written (asks for a caption
    when ``caption`` is None); returns the step's number, or None when cancelled."""
    from viewer.qt.lesson_writer import ask_caption, recorder_for

    if caption is None:
        caption = ask_caption(window)
        if caption is None:
            return None
    recorder = recorder_for(window)
    number = recorder.add(window, caption)
    window.statusBar().showMessage(f"Added step {number} to the lesson “{recorder.title}”", 5000)
    return number


def save_lesson_as(window, path: str | Path | None = None):
    """Write the lesson being written as YAML; returns the path written (None: cancelled)."""
    from viewer.qt.lesson_writer import recorder_for, save_recorded_lesson

    return save_recorded_lesson(window, recorder_for(window), path)
