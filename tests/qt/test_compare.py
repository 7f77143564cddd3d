"""Compare poses in the window: linked viewports with one camera, following the window's state."""

from __future__ import annotations

import numpy as np



def test_compare_view_splits_the_view_with_one_camera(window, qtbot):
    window.state.set_motion("external_rotation")
    window.named_actions["compare"].trigger()
    view = window.compare_view
    assert window.centre.currentWidget() is view and len(view.viewports) == 2
    for v in view.viewports:
        qtbot.waitUntil(v.isVisible)
    camera = view.shared_camera()
    for v in view.viewports:
        assert v.scene.plotter.renderer.GetActiveCamera() is camera
        assert v.scene.lighting.overlay_renderer.GetActiveCamera() is camera
    assert [tuple(s.pose) for s in view.states] == [(0.0, 0.0, 0.0), (90.0, 0.0, 0.0)]
    assert all(s.motion.name == "external_rotation" for s in view.states)
    assert "piriformis" in [c["muscle"] for c in view.changes]
    assert view.table.rowCount() == len(view.changes)
    # turning one view turns the other: it is the same camera
    before = view.viewports[1].scene.camera_state()
    view.viewports[0].turn(30.0)
    assert view.viewports[1].scene.camera_state() != before
    assert view.viewports[1].scene.camera_state() == view.viewports[0].scene.camera_state()
    # the window's state is followed (except the pose); a click selects in the window's state
    window.state.set_visible("gluteus_maximus", False)
    qtbot.waitUntil(lambda: not view.states[1].is_visible("gluteus_maximus"), timeout=3000)
    view._on_pick("piriformis")
    assert window.state.selection == "piriformis"
    qtbot.waitUntil(lambda: view.states[0].selection == "piriformis", timeout=3000)
    # other poses, four views
    view.pose_edits[1].setText("flexion=45")
    view.apply_poses()
    assert np.allclose(view.states[1].pose, (45, 0, 0))
    view.count_box.setCurrentIndex(1)
    assert len(view.viewports) == 4 and len({id(v.scene.plotter.renderer.GetActiveCamera()) for v in view.viewports}) == 1
    view.pose_edits[0].setText("flexion=500")
    view.apply_poses()
    assert "view 1 pose" in view.message.text()
    for v in view.viewports:
        qtbot.waitUntil(lambda v=v: v.frames_rendered > 0, timeout=10000)  # all four draw
    window.named_actions["compare"].trigger()
    assert window.centre.currentWidget() is window.viewport


def test_a_lesson_step_with_compare_splits_the_view(window, model):
    from viewer.lessons import find_lesson, load_lesson
    from viewer.qt.app import open_lesson

    lesson = load_lesson(find_lesson("position_changes_action", model.data_dir), model)
    open_lesson(window, lesson)
    panel = window.panels["lesson"]
    last = len(lesson.steps) - 1
    assert lesson.steps[last].compare_poses
    panel.go_to(last)
    assert window.centre.currentWidget() is window.compare_view
    assert [tuple(s.pose) for s in window.compare_view.states] == list(lesson.steps[last].compare_poses)
    assert "piriformis" in [c["muscle"] for c in window.compare_view.changes]
    assert "gluteus_medius" not in [c["muscle"] for c in window.compare_view.changes]  # not shown in the step
    panel.go_to(0)
    assert window.centre.currentWidget() is window.viewport
