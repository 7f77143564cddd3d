"""The quiz panel: asks a quiz's questions, takes clicks in the 3D view or choices, grades, explains.

Thin: the questions, answers and grades are :class:`viewer.core.quiz.QuizRun`'s; the panel turns
the student's input into a response and shows the result. A question sets the pose it is asked at
with no motion colouring (the colours would give the answer away); once graded, the motion is
chosen, so the 3D view's role colours show the explanation the text gives in numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from viewer.core.errors import DataError
from viewer.core.quiz import RESULT_FIELDS, QuizRun, generate
from viewer.io.quiz_file import builtin_quizzes, load_quiz, mechanics_for

GENERATED = "Generated from the templates"

_PAGE_CLICK, _PAGE_CHOICES, _PAGE_ORDER, _PAGE_ANGLE, _PAGE_NAME = range(5)


class QuizPanel(QWidget):
    """Quiz mode of the main window.

    Parameters
    ----------
    model, state : the window's model and session state
    viewport : viewer.qt.viewport.Viewport, optional
        Its ``picked`` signal feeds click questions (the same pick path as selection).
    """

    def __init__(self, model, state, viewport=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.state = state
        self.mech = mechanics_for(model)
        self.run: QuizRun | None = None
        self.clicked: list[str] = []
        self.chooser = QComboBox(self)
        self.chooser.setAccessibleName("Quiz")
        self._quiz_paths = builtin_quizzes(model.data_dir)
        for path in self._quiz_paths:
            self.chooser.addItem(path.stem.replace("_", " ").capitalize(), str(path))
        self.chooser.addItem(GENERATED, "")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 999999)
        self.seed.setPrefix("seed ")
        self.count = QSpinBox(self)
        self.count.setRange(1, 50)
        self.count.setValue(10)
        self.count.setSuffix(" questions")
        self.student = QLineEdit(self)
        self.student.setPlaceholderText("Student name (for the results file)")
        self.start_button = QPushButton("Start", self)
        self.start_button.clicked.connect(self.start_selected)
        self.progress = QLabel(self)
        self.prompt = QLabel(self)
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.RichText)
        self.pages = QStackedWidget(self)
        # click page
        click_page = QWidget(self)
        self.click_list = QListWidget(click_page)
        self.click_list.setAccessibleName("Structures clicked")
        clear = QPushButton("Clear clicks", click_page)
        clear.clicked.connect(self.clear_clicks)
        lay = QVBoxLayout(click_page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Click in the 3D view (a second click removes):", click_page))
        lay.addWidget(self.click_list)
        lay.addWidget(clear)
        self.pages.addWidget(click_page)
        self.choice_list = QListWidget(self)
        self.choice_list.setAccessibleName("Choices")
        self.pages.addWidget(self.choice_list)
        order_page = QWidget(self)
        self.order_list = QListWidget(order_page)
        self.order_list.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        up, down = QPushButton("Move up", order_page), QPushButton("Move down", order_page)
        up.clicked.connect(lambda: self.move_order(-1))
        down.clicked.connect(lambda: self.move_order(+1))
        lay = QVBoxLayout(order_page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.order_list)
        row = QHBoxLayout()
        row.addWidget(up)
        row.addWidget(down)
        lay.addLayout(row)
        self.pages.addWidget(order_page)
        self.angle = QSpinBox(self)
        self.angle.setRange(0, 120)
        self.angle.setSuffix("° of flexion")
        self.pages.addWidget(self._top_aligned(self.angle, "Flexion angle:"))
        self.name_choice = QComboBox(self)
        self.name_choice.setAccessibleName("Name")
        self.pages.addWidget(self._top_aligned(self.name_choice, "Its name:"))
        self.submit_button = QPushButton("Check answer", self)
        self.submit_button.clicked.connect(self.submit)
        self.next_button = QPushButton("Next question", self)
        self.next_button.clicked.connect(self.next_question)
        self.feedback = QTextBrowser(self)
        self.feedback.setAccessibleName("Feedback")
        self.export_button = QPushButton("Export results (CSV)…", self)
        self.export_button.clicked.connect(self._ask_export)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.chooser, 1)
        top.addWidget(self.seed)
        top.addWidget(self.count)
        layout.addLayout(top)
        row = QHBoxLayout()
        row.addWidget(self.student, 1)
        row.addWidget(self.start_button)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.prompt)
        layout.addWidget(self.pages)
        row = QHBoxLayout()
        row.addWidget(self.submit_button)
        row.addWidget(self.next_button)
        layout.addLayout(row)
        layout.addWidget(self.feedback, 1)
        layout.addWidget(self.export_button)
        self.chooser.currentIndexChanged.connect(self._sync_generator)
        self._sync_generator()
        self._viewport = viewport
        if viewport is not None:
            viewport.picked.connect(self.on_pick)
        self._show_idle()

    def _top_aligned(self, widget: QWidget, label: str) -> QWidget:
        """A page holding one small input at the top (the stack would stretch it otherwise)."""
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(label, page))
        lay.addWidget(widget)
        lay.addStretch(1)
        return page

    # -- starting --------------------------------------------------------------------------
    def _sync_generator(self, *args) -> None:
        generated = self.chooser.currentData() == ""
        self.seed.setEnabled(generated)
        self.count.setEnabled(generated)

    def start_selected(self) -> None:
        path = self.chooser.currentData()
        try:
            if path:
                quiz = load_quiz(Path(path), self.model)
                self.start(quiz.title, quiz.items)
            else:
                items = generate(self.mech, self.seed.value(), self.count.value())
                self.start(f"Generated quiz (seed {self.seed.value()})", items)
        except DataError as exc:
            self.feedback.setPlainText(exc.message)

    def start(self, title: str, items) -> None:
        """Begin a quiz from ``(Question, Answer)`` pairs."""
        self.run = QuizRun(title, items, self.mech, self.student.text().strip())
        self._show_question()

    # -- asking ----------------------------------------------------------------------------
    def _show_idle(self) -> None:
        self.progress.setText("Choose a quiz and press Start. Answers are computed from the model's mechanics.")
        self.prompt.setText("")
        self.submit_button.setEnabled(False)
        self.next_button.setEnabled(False)
        self.export_button.setEnabled(False)

    def _show_question(self) -> None:
        run = self.run
        q = run.question
        self.clicked = []
        self.click_list.clear()
        self.feedback.clear()
        self.progress.setText(f"<b>{run.title}</b> — question {run.index + 1} of {len(run.items)} · "
                              f"score {run.score}")
        self.prompt.setText(f"<p style='font-size:12pt'><b>{q.prompt}</b></p>")
        with self.state.batch():
            self.state.set_motion(None)
            self.state.select(None)
            self.state.set_highlight([q.structure] if q.kind == "name_highlighted" else [])
            if q.kind not in ("click_structure", "name_highlighted"):
                self.state.set_pose(q.pose_deg, clamp=True)
        if q.is_click:
            self.pages.setCurrentIndex(_PAGE_CLICK)
        elif q.kind in ("choose_opposers", "choose_producers"):
            self.choice_list.clear()
            for m in q.muscles:
                item = QListWidgetItem(self.model.display_name(m))
                item.setData(Qt.ItemDataRole.UserRole, m)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.choice_list.addItem(item)
            self.pages.setCurrentIndex(_PAGE_CHOICES)
        elif q.kind == "order_by_moment_arm":
            self.order_list.clear()
            for m in q.muscles:
                item = QListWidgetItem(self.model.display_name(m))
                item.setData(Qt.ItemDataRole.UserRole, m)
                self.order_list.addItem(item)
            self.pages.setCurrentIndex(_PAGE_ORDER)
        elif q.kind == "reversal_angle":
            self.angle.setValue(0)
            self.pages.setCurrentIndex(_PAGE_ANGLE)
        else:
            self.name_choice.clear()
            self.name_choice.addItem("— choose a name —", None)  # no choice is made for the student
            choices = q.muscles or tuple(self.model.catalogue.structures())
            for m in sorted(choices, key=self.model.display_name):
                self.name_choice.addItem(self.model.display_name(m), m)
            self.pages.setCurrentIndex(_PAGE_NAME)
        self.submit_button.setEnabled(True)
        self.next_button.setEnabled(False)
        self.export_button.setEnabled(True)

    def on_pick(self, leaf: str) -> None:
        """A click in the 3D view (the viewport's pick path): toggle that structure in the answer."""
        if self.run is None or self.run.graded or not self.run.question.is_click or not leaf:
            return
        structure = self.model.structure_of(leaf)
        if self.run.question.kind == "click_structure":
            self.clicked = [structure]
        elif structure in self.clicked:
            self.clicked.remove(structure)
        else:
            self.clicked.append(structure)
        self.click_list.clear()
        self.click_list.addItems([self.model.display_name(s) for s in self.clicked])

    def clear_clicks(self) -> None:
        self.clicked = []
        self.click_list.clear()

    def move_order(self, step: int) -> None:
        row = self.order_list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.order_list.count():
            return
        item = self.order_list.takeItem(row)
        self.order_list.insertItem(target, item)
        self.order_list.setCurrentRow(target)

    def response(self):
        """The student's response to the current question, as :func:`viewer.core.quiz.grade` takes it."""
        q = self.run.question
        if q.kind == "click_structure":
            return self.clicked[-1] if self.clicked else None
        if q.kind == "click_producers":
            return set(self.clicked)
        if q.kind in ("choose_opposers", "choose_producers"):
            return {self.choice_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.choice_list.count())
                    if self.choice_list.item(i).checkState() == Qt.CheckState.Checked}
        if q.kind == "order_by_moment_arm":
            return tuple(self.order_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.order_list.count()))
        if q.kind == "reversal_angle":
            return float(self.angle.value())
        return self.name_choice.currentData()

    # -- grading -----------------------------------------------------------------------------
    def submit(self) -> None:
        if self.run is None or self.run.graded:
            return
        q = self.run.question
        result = self.run.submit(self.response())
        colour = "#2e7d32" if result.correct else "#c62828"
        self.feedback.setHtml(f"<p style='color:{colour}'><b>{result.feedback}</b></p>"
                              f"<p>{self.run.answer.explanation}</p>"
                              "<p><i>Numbers computed by the model at this pose (moment arm r = −dL/dθ).</i></p>")
        with self.state.batch():
            if q.motion is not None:
                self.state.set_motion(q.motion)  # the role colours now show the answer
            if q.structure is not None:
                self.state.select(q.structure)
        self.progress.setText(f"<b>{self.run.title}</b> — question {self.run.index + 1} of {len(self.run.items)} · "
                              f"score {self.run.score}")
        self.submit_button.setEnabled(False)
        last = self.run.index + 1 >= len(self.run.items)
        self.next_button.setEnabled(not last)
        if last:
            self._show_result()

    def next_question(self) -> None:
        if self.run is not None and self.run.graded and self.run.next():
            self._show_question()

    def _show_result(self) -> None:
        run = self.run
        lines = [f"<h3>Score: {run.score} of {len(run.items)}</h3><ol>"]
        for (q, _a), g in zip(run.items, run.grades):
            mark = "✔" if g is not None and g.correct else "✘"
            lines.append(f"<li>{mark} {q.prompt}</li>")
        lines.append("</ol>")
        self.feedback.setHtml(self.feedback.toHtml() + "".join(lines))
        self.progress.setText(f"<b>{run.title}</b> — finished · score {run.score} of {len(run.items)}")

    def score_text(self) -> str:
        return "" if self.run is None else f"{self.run.score}/{len(self.run.items)}"

    # -- results -----------------------------------------------------------------------------
    def export_csv(self, path) -> Path:
        """Write the teacher's CSV of results (one row per question, then the total)."""
        if self.run is None:
            raise DataError("no quiz has been started", field="quiz export")
        path = Path(path)
        if path.suffix.lower() != ".csv":
            raise DataError(f"must end in .csv, got {path.name!r}", field="quiz export")
        try:
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(RESULT_FIELDS))
                writer.writeheader()
                writer.writerows(self.run.result_rows())
        except OSError as exc:
            raise DataError(f"cannot write the results ({exc.strerror})", file=path) from None
        return path

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export quiz results", "quiz_results.csv", "CSV (*.csv)")
        if path:
            try:
                self.export_csv(path)
            except DataError as exc:
                self.feedback.append(exc.message)

    def close_panel(self) -> None:
        if self._viewport is not None:
            try:
                self._viewport.picked.disconnect(self.on_pick)
            except (RuntimeError, TypeError):
                pass
