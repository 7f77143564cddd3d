"""In front of a class: presentation keys, the view's share of the window, demonstrations that
keep the teacher's scene, undo/redo, the last scene on start, lessons written in the app."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.qt.conftest import close_window, wait_frame
from viewer.core.spec import SceneSpec


def _view_share(window) -> float:
    return window.viewport.width() / window.width()


def _activate(window) -> None:
    """Xvfb has no window manager to activate the window (window-wide keys need it)."""
    import warnings

    from PySide6.QtWidgets import QApplication

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(window)


def test_presentation_keys_step_a_lesson_and_blank_the_screen(window, qtbot):
    window.open_lesson("external_rotation")
    panel = window.lesson_panel_if_open()
    steps = len(panel.lesson.steps)
    assert panel.index == 0
    window.set_presentation(True)
    qtbot.waitUntil(window.isFullScreen)
    _activate(window)
    assert not window.docks["lesson"].isVisible()
    for key, expected in ((Qt.Key.Key_PageDown, 1), (Qt.Key.Key_Right, 2), (Qt.Key.Key_Left, 1),
                          (Qt.Key.Key_PageUp, 0), (Qt.Key.Key_Space, 1)):
        qtbot.keyClick(window.viewport.interactor, key)
        assert panel.index == expected, key
    assert window.scene.overlays.counter_actor.GetInput() == f"2 / {steps}"
    assert window.scene.overlays.counter_actor.GetVisibility()
    assert window.state.caption == panel.lesson.steps[1].state.caption or window.state.caption
    qtbot.keyClick(window.viewport.interactor, Qt.Key.Key_B)
    assert window.presenter.blanked and window.viewport.blanked
    qtbot.keyClick(window, Qt.Key.Key_B)
    assert not window.presenter.blanked and not window.viewport.blanked
    window.set_presentation(False)
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert not window.scene.overlays.counter_actor.GetVisibility()
    # Outside presentation the arrows belong to the focused control again.
    qtbot.keyClick(window.viewport.interactor, Qt.Key.Key_PageDown)
    assert panel.index == 1


def test_presentation_without_a_lesson_steps_the_demonstrations(window, qtbot):
    window.state.set_visible("sciatic_nerve", False)
    window.set_presentation(True)
    qtbot.waitUntil(window.isFullScreen)
    _activate(window)
    qtbot.keyClick(window.viewport.interactor, Qt.Key.Key_PageDown)
    assert window.state.motion.name == "external_rotation" and window.state.pose[0] == pytest.approx(0.0)
    assert window.scene.overlays.counter_actor.GetInput() == "Demo 1 / 2"
    qtbot.keyClick(window.viewport.interactor, Qt.Key.Key_Right)
    assert window.state.pose[0] == pytest.approx(90.0)
    # The demonstration in front of the class brings back no panel.
    assert not any(dock.isVisible() for dock in window.docks.values())
    assert not window.state.is_visible("sciatic_nerve")
    window.playback.pause()
    window.set_presentation(False)


def test_entering_presentation_keeps_a_hand_moved_camera(window, qtbot):
    window.viewport.turn(azimuth_deg=30.0)
    window.viewport.camera_moved_by_user = True
    before = window.scene.camera_state()
    window.set_presentation(True)
    qtbot.waitUntil(window.isFullScreen)
    qtbot.wait(200)
    after = window.scene.camera_state()
    assert after["position"] == pytest.approx(before["position"], abs=1e-6)
    assert after["focal_point"] == pytest.approx(before["focal_point"], abs=1e-6)
    window.set_presentation(False)


def test_the_view_takes_two_thirds_of_a_1280_window(window, qtbot):
    assert (window.width(), window.height()) == (1280, 800)
    assert _view_share(window) >= 0.65
    # The Plot panel is a tab of its own beside Info.
    assert window.docks["plot"] in window.tabifiedDockWidgets(window.docks["info"])
    # The layers tree shows a whole group without scrolling.
    tree = window.layers_panel.tree
    tree.expandAll()
    qtbot.wait(50)
    assert tree.verticalScrollBar().maximum() == 0


def test_compact_layout_on_a_1024_projector(qtbot, model, settings):
    from viewer.qt.main_window import MainWindow

    window = MainWindow(model, settings=settings)
    window.resize(1024, 768)
    window.show()
    qtbot.waitExposed(window)
    try:
        qtbot.waitUntil(lambda: window.layout_name == "compact")
        qtbot.wait(50)
        assert _view_share(window) >= 0.60
        window.apply_layout("standard")
        window.apply_layout("compact")
        qtbot.wait(50)
        assert _view_share(window) >= 0.60
        # The whole window fits the projector's 768 rows (nothing below the screen's edge).
        window.resize(1024, 768)
        qtbot.wait(50)
        assert window.minimumSizeHint().height() <= 768
        assert (window.width(), window.height()) == (1024, 768)
        assert _view_share(window) >= 0.60
    finally:
        close_window(window)


def test_demonstrations_keep_the_teachers_scene(window, qtbot):
    state = window.state
    state.set_visible("sciatic_nerve", False)
    state.set_visible("quadratus_femoris", False)
    state.set_opacity("obturator_internus", 0.5)
    state.select("gemellus_inferior")
    window.playback.set_loop(False)
    before = state.visibility()
    window.named_actions["demo_er"].trigger()
    after = state.visibility()
    covered = set(state.leaf_ids("gluteus_maximus"))
    assert {leaf for leaf in after if after[leaf] != before[leaf]} == covered
    assert state.selection == "gemellus_inferior"
    assert state.opacity("obturator_internus") == pytest.approx(0.5)
    assert not window.playback.loop
    window.named_actions["demo_er_90"].trigger()
    flexed = state.visibility()
    changed = {leaf for leaf in flexed if flexed[leaf] != before[leaf]}
    allowed = set()
    for muscle in ("gluteus_maximus", "gluteus_medius", "gluteus_minimus", "tensor_fasciae_latae"):
        allowed |= set(state.leaf_ids(muscle))
    assert changed <= allowed and covered <= changed
    assert not any(flexed[leaf] for leaf in allowed)  # nothing left over the deep rotators
    assert not state.is_visible("sciatic_nerve") and not state.is_visible("quadratus_femoris")
    assert state.selection == "gemellus_inferior"
    window.playback.pause()


def test_undo_and_redo_restore_every_scene_exactly(window, qtbot):
    state = window.state
    scenes = [state.snapshot()]
    for change in (lambda: state.set_pose((30.0, 10.0, -5.0)), lambda: state.set_visible("gluteus_maximus", False),
                   lambda: state.set_motion("abduction"), lambda: state.select("piriformis"),
                   lambda: state.set_opacity("femur", 0.4), lambda: state.request_view("anterior")):
        change()
        window.record_scene()
        scenes.append(state.snapshot())
    # A change still settling (a slider being dragged) is one step too.
    state.set_pose((35.0, 10.0, -5.0))
    state.set_pose((40.0, 10.0, -5.0))
    after_drag = state.snapshot()
    window.named_actions["undo"].trigger()
    assert state.snapshot() == scenes[-1]
    for expected in reversed(scenes[:-1]):
        window.named_actions["undo"].trigger()
        assert state.snapshot() == expected, state.snapshot().differences(expected)
    window.named_actions["undo"].trigger()  # nothing left: the scene stays
    assert state.snapshot() == scenes[0]
    for expected in scenes[1:]:
        window.named_actions["redo"].trigger()
        assert state.snapshot() == expected
    window.named_actions["redo"].trigger()
    assert state.snapshot() == after_drag
    assert window.named_actions["undo"].shortcut().toString() == "Ctrl+Z"
    assert window.named_actions["redo"].shortcut().toString() == "Ctrl+Shift+Z"


def test_the_last_scene_is_restored_on_start_unless_turned_off(make_window, settings, qtbot):
    first = make_window()
    first.state.set_pose((60.0, 0.0, 20.0))
    first.state.set_visible("gluteus_maximus", False)
    first.state.set_motion("external_rotation")
    first.state.select("obturator_internus")
    kept = first.state.snapshot()
    first.close()
    second = make_window()
    restored = second.state.snapshot()
    assert restored.replace(camera=kept.camera) == kept
    second.named_actions["restore_scene"].trigger()  # off
    second.state.set_pose((10.0, 0.0, 0.0))
    second.close()
    third = make_window()
    assert third.state.snapshot().pose_deg == (0.0, 0.0, 0.0)
    assert third.state.is_visible("gluteus_maximus")


def test_a_lesson_recorded_in_the_app_plays_back_identically(window, qtbot, tmp_path, model):
    from viewer.lessons import LessonPlayer, load_lesson
    from viewer.state import state_for_model

    state = window.state
    recorded: list[SceneSpec] = []
    state.set_visible("gluteus_maximus", False)
    state.set_motion("external_rotation")
    state.request_view("posterior")
    assert window.add_scene_as_step("The deep rotators from behind.") == 1
    recorded.append(state.snapshot())
    state.set_pose((90.0, 0.0, 0.0))
    state.select("piriformis")
    state.set_show_mechanics(True)
    state.set_opacity("femur", 0.5)
    state.set_visible("gluteus_maximus", True)
    state.set_visible("sciatic_nerve", False)
    assert window.add_scene_as_step("At 90° <b>piriformis</b> turns inward.") == 2
    recorded.append(state.snapshot())
    path = window.save_lesson_as(tmp_path / "mine.yaml")
    lesson = load_lesson(path, model)
    assert len(lesson.steps) == 2
    fresh = state_for_model(model)
    player = LessonPlayer(lesson, fresh)
    lesson_fields = ("visible", "opacity", "pose_deg", "motion", "colour_by", "highlight", "selection", "ghost",
                     "show_mechanics", "caption")
    for index, expected in enumerate(recorded):
        player.go_to(index)
        shown = fresh.snapshot()
        for name in lesson_fields:
            assert shown == shown.replace(**{name: getattr(expected, name)}), name
        assert shown.camera.view == expected.camera.view
    # The same file plays in the app's lesson panel too.
    window.open_lesson(path)
    assert window.lesson_panel_if_open().index == 0
    assert window.state.snapshot().visible == recorded[0].visible


def test_lessons_menu_lists_the_built_in_lessons_and_opens_one(window, qtbot):
    titles = [a.text() for a in window.lessons_menu.actions() if a.text()]
    assert "External rotation" in titles
    action = next(a for a in window.lessons_menu.actions() if a.text() == "External rotation")
    action.trigger()
    panel = window.lesson_panel_if_open()
    assert panel is not None and panel.lesson.title == "External rotation"
    assert window.docks["lesson"].isVisible()


def test_one_motion_colours_and_animates(window, qtbot):
    window.state.set_motion("abduction")
    assert window.playback.motion.name == "abduction"
    demo = window.demo_panel
    demo.motion_combo.setCurrentIndex(demo.motion_combo.findData("flexion"))
    assert window.state.motion.name == "flexion" and window.playback.motion.name == "flexion"


def test_getting_started_page(window, qtbot):
    dialog = window.show_getting_started()
    text = dialog.browser.toPlainText()
    assert "Getting started" in text and "Page Down" in text and "Ctrl+Z" in text
    dialog.close()


def test_label_visible_muscles_from_the_window(window, qtbot):
    from viewer.render.label_layout import boxes_overlap

    window.state.set_motion("external_rotation")
    window.named_actions["label_muscles"].trigger()
    assert window.state.label_visible
    wait_frame(qtbot, window)
    window.viewport.image()
    boxes = window.scene.callout_boxes_px()
    visible_muscles = [sid for sid in window.state.leaves
                       if window.model.catalogue[sid].kind == "muscle" and window.state.is_visible(sid)]
    assert len(boxes) == len(visible_muscles) > 5
    assert not any(boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_selecting_a_hidden_structure_ghosts_what_covers_it(window, qtbot):
    state, scene = window.state, window.scene
    state.set_visible("piriformis", False)
    state.select("piriformis")
    wait_frame(qtbot, window)
    assert not state.is_visible("piriformis")  # the teacher's layers are unchanged
    assert scene.actors["piriformis"].GetVisibility()
    covering = window.model.catalogue.leaves("gluteus_maximus")
    assert all(scene.actors[leaf].GetProperty().GetOpacity() < 0.5 for leaf in covering)
    state.select(None)
    wait_frame(qtbot, window)
    assert all(scene.actors[leaf].GetProperty().GetOpacity() == 1.0 for leaf in covering)


def test_live_counts_speak_in_singular_and_plural():
    from viewer.qt.actions_panel import count_phrase

    assert count_phrase(1, "oppose") == "1 muscle opposes it"
    assert count_phrase(3, "produce") == "3 muscles produce it"
    assert count_phrase(0, "oppose") == "none opposes it"


def test_screenshot_dialog_mnemonics_are_unique_and_reach_their_fields(window, qtbot):
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    dialog = window.open_screenshot_dialog()
    texts = [w.text() for w in dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel)]
    keys = [m.group(1).lower() for t in texts for m in [re.search(r"&(\w)", t)] if m]
    assert len(keys) == len(set(keys)), keys
    size_label = next(w for w in dialog.findChildren(QLabel) if w.text() == "Si&ze:")
    assert size_label.buddy() is dialog.width_box
    dialog.close()


class _Screen:
    def __init__(self, width, height):
        from PySide6.QtCore import QRect

        self.area = QRect(0, 0, width, height)

    def availableGeometry(self):  # noqa: N802 - the Qt name
        return self.area


@pytest.mark.parametrize(("screen", "expected"), [((1920, 1080), (1280, 800)), ((1024, 768), (1024, 768)),
                                                  ((1366, 728), (1280, 728))])
def test_the_first_window_fits_the_screen(qapp, screen, expected):
    from viewer.qt.layout import initial_size

    assert initial_size(_Screen(*screen)) == expected
