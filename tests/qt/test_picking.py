"""Picking in the 3D view: real mouse events on the interactor go through the picking code."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.qt.conftest import wait_frame


def _widget_point(window, leaf) -> QPoint:
    scene = window.scene
    x, y = scene.display_point(scene.surface_point(leaf))
    return window.viewport.display_to_widget(x, y)


def _prepare(window, qtbot, view="posterior"):
    """Peel gluteus maximus away and look from behind, as a teacher would, then render."""
    window.state.set_visible("gluteus_maximus", False)
    window.state.request_view(view)
    wait_frame(qtbot, window)


def test_click_selects_and_fills_the_info_panel(window, qtbot):
    _prepare(window, qtbot)
    interactor = window.viewport.interactor
    target = "quadratus_femoris"
    pos = _widget_point(window, target)
    assert window.viewport.pick_at(pos) == target  # the projected point really is on it
    qtbot.mouseClick(interactor, Qt.MouseButton.LeftButton, pos=pos)
    assert window.state.selection == target
    text = window.info_panel.plain_text()
    ann = window.model.annotations[target]
    assert ann.display_name in text
    assert "Origin" in text and ann.origin.text.split()[0] in text
    # Highlight, origin and insertion markers, and the name label are shown.
    assert window.scene.markers.origin_actor.GetVisibility() and window.scene.markers.insertion_actor.GetVisibility()
    assert window.scene.label_box_px() is not None
    assert "Quadratus femoris" in window.selection_label.text()


def test_click_on_empty_space_clears(window, qtbot):
    _prepare(window, qtbot)
    window.state.select("piriformis")
    corner = QPoint(3, window.viewport.interactor.height() - 4)
    assert window.viewport.pick_at(corner) == ""
    qtbot.mouseClick(window.viewport.interactor, Qt.MouseButton.LeftButton, pos=corner)
    assert window.state.selection is None
    assert window.scene.label_box_px() is None


def test_a_drag_does_not_select(window, qtbot):
    _prepare(window, qtbot)
    interactor = window.viewport.interactor
    pos = _widget_point(window, "quadratus_femoris")
    qtbot.mousePress(interactor, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseMove(interactor, pos + QPoint(40, 10))
    qtbot.mouseRelease(interactor, Qt.MouseButton.LeftButton, pos=pos + QPoint(40, 10))
    assert window.state.selection is None


def test_second_click_on_a_selected_muscle_picks_its_part(window, qtbot):
    window.state.request_view("lateral")
    wait_frame(qtbot, window)
    leaf = "gluteus_medius.middle"
    window.state.toggle_isolate("gluteus_medius")
    wait_frame(qtbot, window)
    pos = _widget_point(window, leaf)
    picked = window.viewport.pick_at(pos)
    assert picked.startswith("gluteus_medius")
    qtbot.mouseClick(window.viewport.interactor, Qt.MouseButton.LeftButton, pos=pos)
    assert window.state.selection == "gluteus_medius"
    qtbot.mouseClick(window.viewport.interactor, Qt.MouseButton.LeftButton, pos=pos)
    assert window.state.selection == picked
    assert "This part" in window.info_panel.plain_text()


def test_alt_click_isolates_and_alt_click_restores_exactly(window, qtbot):
    _prepare(window, qtbot)
    state = window.state
    state.set_visible("sciatic_nerve", False)
    before = state.visibility()
    interactor = window.viewport.interactor
    pos = _widget_point(window, "quadratus_femoris")
    qtbot.mouseClick(interactor, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, pos)
    assert state.isolated == "quadratus_femoris"
    assert [leaf for leaf, a in window.scene.actors.items() if a.GetVisibility()] == ["quadratus_femoris"]
    qtbot.mouseClick(interactor, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, QPoint(3, 3))
    assert state.isolated is None
    assert state.visibility() == before


def test_hover_names_the_structure(window, qtbot):
    _prepare(window, qtbot)
    interactor = window.viewport.interactor
    pos = _widget_point(window, "quadratus_femoris")
    with qtbot.waitSignal(window.viewport.hovered, timeout=3000) as blocker:
        qtbot.mouseMove(interactor, pos)
    assert blocker.args == ["quadratus_femoris"]
    assert window.statusBar().currentMessage() == "Quadratus femoris"
    assert interactor.toolTip() == "Quadratus femoris"


def test_keys_turn_the_camera_and_vtk_keys_are_off(window, qtbot):
    interactor = window.viewport.interactor
    interactor.setFocus()
    before = interactor.camera.position
    qtbot.keyClick(interactor, Qt.Key.Key_Left)
    assert interactor.camera.position != before
    # 'e' and 'q' would end VTK's interactor, 'w' would switch to wireframe: all ignored.
    for key in (Qt.Key.Key_E, Qt.Key.Key_Q, Qt.Key.Key_W):
        qtbot.keyClick(interactor, key)
    assert window.isVisible()
    assert window.scene.actors["femur"].GetProperty().GetRepresentation() == 2  # surface
