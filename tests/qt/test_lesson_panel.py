"""The lesson panel: stepping forward and back, animating a step, playing through, keys.

Most tests use a bare session state and a lesson built in code (no 3D view, no mesh data); one
opens the built-in lessons for the real model.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest
from PySide6.QtCore import Qt

from viewer.lessons import Camera, Lesson, Step, StepState
from viewer.qt.lesson_panel import LessonPanel
from viewer.state import SessionState

LEAVES = {"femur": ["femur"], "piriformis": ["piriformis"], "gluteus_maximus": ["gluteus_maximus"]}


def _state_spec(pose=(0.0, 0.0, 0.0), hidden=(), **kw) -> StepState:
    visible = {leaf: leaf not in hidden for leaf in ("femur", "piriformis", "gluteus_maximus")}
    opacity = {leaf: 1.0 for leaf in visible}
    return StepState(visible=MappingProxyType(visible), opacity=MappingProxyType(opacity), pose_deg=pose, **kw)


def small_lesson() -> Lesson:
    """Three steps: show, hide the gluteus maximus and colour, then rotate out over 0.3 s."""
    one = _state_spec(camera=Camera("posterior"))
    two = _state_spec(hidden=("gluteus_maximus",), motion="external_rotation", selection="piriformis",
                      camera=Camera("posterior", 1.5, ("piriformis",)))
    three = _state_spec(pose=(0.0, 0.0, 40.0), hidden=("gluteus_maximus",), motion="external_rotation",
                        selection="piriformis", camera=Camera("posterior", 1.5, ("piriformis",)))
    return Lesson(name="small", title="Small lesson", description="For tests.", steps=(
        Step(1, "The <b>whole</b> hip.", one, (0.0, 0.0, 0.0)),
        Step(2, "Without gluteus maximus.", two, (0.0, 0.0, 0.0)),
        Step(3, "Rotate <i>out</i>.", three, (0.0, 0.0, 0.0), duration_s=0.3),
    ))


@pytest.fixture
def state():
    return SessionState(LEAVES)


@pytest.fixture
def panel(qtbot, state):
    widget = LessonPanel(state, None, small_lesson())
    qtbot.addWidget(widget)
    yield widget
    widget.close_panel()


def test_opens_at_the_first_step(panel, state):
    assert panel.index == 0
    assert panel.step_label.text() == "Step 1 of 3"
    assert "<b>whole</b>" in panel.caption_label.text()
    assert state.caption == "The whole hip."
    assert not panel.back_button.isEnabled() and panel.next_button.isEnabled()
    assert panel.title_label.text() == "Small lesson"


def test_next_and_back_restore_the_state(qtbot, panel, state):
    cameras = []
    panel.camera_requested.connect(cameras.append)
    with qtbot.waitSignal(panel.step_changed) as blocker:
        panel.next_button.click()
    assert blocker.args == [1]
    assert not state.is_visible("gluteus_maximus")
    assert state.motion.name == "external_rotation" and state.selection == "piriformis"
    assert cameras[-1] == Camera("posterior", 1.5, ("piriformis",))
    panel.back_button.click()
    assert panel.index == 0
    assert state.is_visible("gluteus_maximus") and state.motion is None and state.selection is None
    assert cameras[-1] == Camera("posterior")
    cameras.clear()
    panel.request_camera()
    assert cameras == [Camera("posterior")]


def test_an_animated_step_moves_the_pose_over_time(qtbot, panel, state):
    panel.go_to(1)
    poses = []
    state.pose_changed.connect(lambda pose: poses.append(pose[2]))
    panel.next()
    assert panel.animating and state.pose[2] == 0.0  # starts from the previous step's pose
    qtbot.waitUntil(lambda: not panel.animating, timeout=3000)
    assert np.isclose(state.pose[2], 40.0)
    assert len(poses) >= 3 and np.all(np.diff(poses) > 0)  # went through intermediate poses
    assert panel.step_label.text() == "Step 3 of 3" and not panel.next_button.isEnabled()


def test_back_during_an_animation_lands_exactly_on_the_step_before(qtbot, panel, state):
    panel.go_to(1)
    panel.next()
    assert panel.animating
    panel.previous()
    assert not panel.animating and panel.index == 1
    assert np.allclose(state.pose, 0.0)


def test_play_runs_through_to_the_end(qtbot, panel, state):
    panel.dwell_spin.setValue(0.5)
    with qtbot.waitSignal(panel.playing_changed, timeout=1000):
        panel.play_button.click()
    assert panel.playing and "Pause" in panel.play_button.text()
    with qtbot.waitSignal(panel.playing_changed, timeout=5000) as blocker:
        pass
    assert blocker.args == [False]
    assert panel.index == 2 and np.isclose(state.pose[2], 40.0)
    assert not panel.playing and panel.play_button.text().startswith("▶")


def test_arrow_keys_step(qtbot, panel):
    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_Right)
    assert panel.index == 1
    qtbot.keyClick(panel, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: not panel.animating, timeout=3000)
    assert panel.index == 2
    qtbot.keyClick(panel, Qt.Key.Key_Left)
    assert panel.index == 1
    qtbot.keyClick(panel, Qt.Key.Key_Home)
    assert panel.index == 0


def test_presentation_keys_work_anywhere_in_the_window(qtbot, state):
    import warnings

    from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

    window = QWidget()
    qtbot.addWidget(window)
    other = QPushButton("elsewhere", window)
    panel = LessonPanel(state, None, small_lesson(), parent=window)
    layout = QVBoxLayout(window)
    layout.addWidget(other)
    layout.addWidget(panel)
    panel.install_shortcuts(window)
    window.show()
    qtbot.waitExposed(window)
    with warnings.catch_warnings():  # Xvfb has no window manager to activate the window
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(window)
    other.setFocus()
    qtbot.keyClick(other, Qt.Key.Key_Right)
    assert panel.index == 0  # off outside presentation: arrows belong to the focused widget
    panel.set_presentation_keys(True)
    qtbot.keyClick(other, Qt.Key.Key_Right)
    assert panel.index == 1
    qtbot.keyClick(other, Qt.Key.Key_PageUp)
    assert panel.index == 0
    panel.close_panel()


def test_no_lesson_and_no_model(qtbot, state):
    panel = LessonPanel(state, None)
    qtbot.addWidget(panel)
    assert panel.index == -1 and not panel.next_button.isEnabled() and not panel.play_button.isEnabled()
    panel.next()
    panel.previous()
    assert not panel.open_lesson("external_rotation")
    assert "no model" in panel.error_label.text()
    panel.close_panel()


def test_close_panel_stops_timers_and_lets_go_of_the_state(qtbot, panel, state):
    panel.go_to(1)
    panel.next()
    panel.close_panel()
    assert not panel.animating
    pose = state.pose.copy()
    qtbot.wait(100)
    assert np.allclose(state.pose, pose)
    assert panel.player is None


def test_builtin_lessons_open_and_bad_files_show_their_error(qtbot, tmp_path):
    from tests.lessons.conftest import BUILTIN_NAMES, load_test_model
    from viewer.state import state_for_model

    model = load_test_model()
    state = state_for_model(model)
    panel = LessonPanel(state, model)
    qtbot.addWidget(panel)
    titles = [panel.lesson_combo.itemText(i) for i in range(panel.lesson_combo.count())]
    assert "The deep external rotators" in titles
    for name in BUILTIN_NAMES:
        assert panel.open_lesson(name), panel.error_label.text()
        assert panel.lesson_combo.currentText() == panel.lesson.title
        for _ in range(len(panel.lesson.steps) - 1):
            panel.next()  # finishes the previous step's animation at once
        panel.stop()
        assert panel.player.at_end and not panel.animating
        assert np.allclose(state.pose, panel.lesson.steps[-1].state.pose_deg)
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: Bad\nsteps:\n  - caption: one\n    view: dorsal\n", encoding="utf-8")
    assert not panel.open_lesson(str(bad))
    assert "steps[1].view: unknown view 'dorsal'" in panel.error_label.text()
    assert panel.error_label.isVisibleTo(panel)
    panel.close_panel()
