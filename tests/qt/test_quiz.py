"""Quiz mode in the window: questions asked at their pose, clicks in the 3D view, grading, score, CSV."""

from __future__ import annotations

import csv

import numpy as np
from PySide6.QtCore import Qt

from tests.qt.conftest import wait_frame


def _click(window, qtbot, leaf):
    scene = window.scene
    pos = window.viewport.display_to_widget(*scene.display_point(scene.surface_point(leaf)))
    assert window.viewport.pick_at(pos) == leaf
    qtbot.mouseClick(window.viewport.interactor, Qt.MouseButton.LeftButton, pos=pos)


def test_quiz_asks_takes_clicks_grades_and_exports(window, qtbot, tmp_path):
    panel = window.open_quiz()
    assert window.docks["quiz"].isVisible()
    panel.chooser.setCurrentIndex(0)  # the built-in deep rotators quiz
    panel.student.setText("A. Student")
    panel.start_selected()
    run = panel.run
    q = run.question
    assert q.id == "rotators_extended" and np.allclose(window.state.pose, q.pose_deg)
    assert window.state.motion is None  # no colours giving the answer away
    window.state.set_visible("gluteus_maximus", False)
    window.state.request_view("posterior")
    wait_frame(qtbot, window)
    right = sorted(run.answer.value)
    # real clicks on the interactor through the pick path; a second click removes again
    _click(window, qtbot, "quadratus_femoris")
    _click(window, qtbot, "quadratus_femoris")
    assert panel.clicked == []
    for leaf in ("piriformis", "quadratus_femoris"):
        _click(window, qtbot, leaf)
    assert panel.clicked == ["piriformis", "quadratus_femoris"]
    panel.clicked = list(right)  # the rest of the set as the click list would hold it
    panel.submit()
    assert run.grades[0].correct and "Right" in panel.feedback.toPlainText()
    assert "mm" in panel.feedback.toPlainText() and window.state.motion.name == "external_rotation"
    # question 2 at 90 degrees of flexion: the textbook answer (all six) is wrong in the model
    panel.next_question()
    assert np.allclose(window.state.pose, (90, 0, 0))
    panel.clicked = list(run.question.muscles)
    panel.submit()
    assert not run.grades[1].correct and "Piriformis" in panel.feedback.toPlainText()
    # the remaining questions through their own widgets
    while panel.next_button.isEnabled():
        panel.next_question()
        if run.question.kind in ("choose_opposers", "choose_producers"):
            for i in range(panel.choice_list.count()):
                item = panel.choice_list.item(i)
                if item.data(Qt.ItemDataRole.UserRole) in run.answer.value:
                    item.setCheckState(Qt.CheckState.Checked)
        elif run.question.kind == "order_by_moment_arm":
            panel.order_list.setCurrentRow(panel.order_list.count() - 1)
            panel.move_order(-1)
        elif run.question.kind == "reversal_angle":
            panel.angle.setValue(int(round(run.answer.value)))
        elif run.question.kind == "click_structure":
            panel.on_pick(run.question.structure)
        elif run.question.kind == "name_highlighted":
            assert window.state.highlight == (run.question.structure,)
            panel.name_choice.setCurrentIndex(panel.name_choice.findData(run.question.structure))
        panel.submit()
    assert run.finished
    expected = sum(g.correct for g in run.grades)
    assert panel.score_text() == f"{expected}/{len(run.items)}"
    assert f"Score: {expected} of {len(run.items)}" in panel.feedback.toPlainText()
    path = panel.export_csv(tmp_path / "results.csv")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(run.items) + 1
    assert rows[0]["student"] == "A. Student" and rows[0]["correct"] == "1" and rows[1]["correct"] == "0"
    assert rows[-1]["question_id"] == "total" and rows[-1]["correct"] == f"{expected}/{len(run.items)}"
    assert "mm" in rows[0]["explanation"]


def test_generated_quiz_in_the_panel(window):
    panel = window.open_quiz()
    panel.chooser.setCurrentIndex(panel.chooser.count() - 1)
    panel.seed.setValue(4)
    panel.count.setValue(3)
    panel.start_selected()
    assert len(panel.run.items) == 3 and panel.run.title == "Generated quiz (seed 4)"
