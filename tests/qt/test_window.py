"""The main window: opens with a rendered model, has its menus, docks and status bar, closes cleanly."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from tests.qt.conftest import close_window, non_background_pixels, wait_frame

MENUS = ["&File", "&Edit", "&View", "&Layers", "P&ose", "&Motion", "&Animation", "L&essons", "&Help"]


def test_window_opens_and_renders_the_model(window):
    image = window.viewport.image()
    h, w = image.shape[:2]
    assert (w, h) == (window.viewport.interactor.width(), window.viewport.interactor.height())
    # The model covers a good part of the view (not a blank or background-only frame).
    assert non_background_pixels(image) > 0.08 * w * h


def test_menus_toolbar_and_status_bar_exist(window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == MENUS
    view_menu = window.menuBar().actions()[2].menu()
    panel_names = [a.text() for a in window.panels_menu.actions()]
    assert panel_names == ["Layers", "Pose", "Demonstration", "Info", "Actions", "Plot", "Clinical"]
    assert view_menu is not None
    assert window.toolbar.isVisible()
    assert window.statusBar().isVisible()
    assert "flexion 0°" in window.pose_label.text()


def test_docks_can_be_hidden_shown_and_moved(window, qtbot):
    docks = window.findChildren(QDockWidget)
    assert {d.objectName() for d in docks} >= {f"dock_{k}" for k in ("layers", "pose", "demo", "info", "actions", "plot")}
    toggle = window.docks["layers"].toggleViewAction()
    toggle.trigger()
    assert not window.docks["layers"].isVisible()
    toggle.trigger()
    assert window.docks["layers"].isVisible()
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, window.docks["pose"])
    assert window.dockWidgetArea(window.docks["pose"]) == Qt.DockWidgetArea.BottomDockWidgetArea
    window.docks["actions"].setFloating(True)
    assert window.docks["actions"].isFloating()
    window.docks["actions"].setFloating(False)


def test_window_closes_in_order(make_window, model):
    window = make_window()
    state = window.state
    interactor = window.viewport.interactor
    window.close()
    assert window.closed
    assert window.viewport._closed
    assert interactor._closed  # the plotter was closed by us, not left to Qt's deletion
    # Nothing of the window is still listening to the state.
    for signal in (state.pose_changed, state.visibility_changed, state.selection_changed, state.motion_changed):
        assert len(signal) == 0
    state.set_pose((30, 0, 0))  # no callback into deleted widgets
    close_window(window)


def test_ghosted_translucent_scene_is_not_blank(window, qtbot):
    """Translucency with multisampling renders blank on software GL (with depth peeling): guard it."""
    state = window.state
    state.select("piriformis")
    state.set_ghost(True)
    wait_frame(qtbot, window)
    assert window.scene.translucent
    assert window.viewport.interactor.ren_win.GetMultiSamples() == 0
    image = window.viewport.image()
    h, w = image.shape[:2]
    assert non_background_pixels(image) > 0.03 * w * h
    # The ghosted bones are visible but faint: some pixels are neither background nor full bone.
    ghost_actor = window.scene.actors["hip_bone"]
    assert ghost_actor.GetProperty().GetOpacity() < 0.5
    # The same scene with exact depth peeling (as exported images use) is not blank either.
    window.scene.set_translucency("peeling")
    assert window.scene.depth_peeling
    peeled = window.viewport.image()
    assert non_background_pixels(peeled) > 0.03 * w * h
    window.scene.set_translucency("blend")


def test_camera_presets_turn_the_view(window, qtbot):
    positions = {}
    for view in ("anterior", "posterior", "lateral", "medial", "superior", "inferior"):
        window.named_actions[f"view_{view}"].trigger()
        cam = window.viewport.interactor.camera
        direction = np.subtract(cam.position, cam.focal_point)
        positions[view] = direction / np.linalg.norm(direction)
    assert positions["anterior"][0] > 0.99 and positions["posterior"][0] < -0.99
    assert positions["lateral"][2] > 0.99 and positions["medial"][2] < -0.99
    assert positions["superior"][1] > 0.99 and positions["inferior"][1] < -0.99
    window.viewport.turn(30, 0)
    window.named_actions["reset_view"].trigger()
    assert window.scene.last_view == ("posterolateral", 1.0)


def test_settings_remember_layout_and_choices(make_window, settings, qtbot):
    first = make_window()
    first.state.set_motion("abduction")
    first.state.set_colour_by("torque")
    first.set_theme("light")
    first.playback.set_speed(60)
    first.docks["plot"].hide()
    first.close()
    settings.sync()
    second = make_window()
    assert second.state.motion.name == "abduction"
    assert second.state.colour_by == "torque"
    assert second.scene.theme == "light"
    assert second.playback.speed_deg_s == 60
    assert not second.docks["plot"].isVisible()


def test_help_lists_every_shortcut(window, qtbot):
    dialog = window.show_help()
    rows = dict(dialog.rows())
    assert rows["Anterior view"] == "1"
    assert rows["Isolate / restore"] == "I"
    assert rows["Presentation mode"] == "F11"
    assert rows["Save screenshot…"] == "Ctrl+S"
    assert rows["Isolate / restore with the mouse"].startswith("Alt-click")
    assert rows["Layers"] == "Ctrl+1"  # the dock toggles are listed too
    dialog.close()


def test_presentation_mode_enlarges_text_and_restores(window, qtbot):
    from viewer.qt.presentation import presentation_scale

    window.named_actions["presentation"].trigger()
    qtbot.waitUntil(lambda: window.isFullScreen())
    assert window.scene.font_scale == pytest.approx(presentation_scale(window.screen().geometry().height()))
    assert window.scene.font_scale >= 1.2
    # Only the 3D view is left: no panel, menu bar, toolbar or status bar.
    assert not any(dock.isVisible() for dock in window.docks.values())
    assert not window.menuBar().isVisible() and not window.toolbar.isVisible()
    assert not window.statusBar().isVisible()
    window.named_actions["clear"].trigger()  # Esc leaves presentation first
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert window.scene.font_scale == pytest.approx(1.0)
    assert window.docks["layers"].isVisible() and window.docks["pose"].isVisible()
    assert window.menuBar().isVisible() and window.toolbar.isVisible()


def test_interactive_frames_draw_coarse_bones_and_still_frames_full_ones(window, qtbot):
    scene = window.scene
    qtbot.waitUntil(lambda: scene.has_fast_lod, timeout=5000)
    full, coarse = scene.structures.lod_mappers["femur"]
    window.state.set_pose((20, 0, 0))
    assert scene.fast and scene.actors["femur"].GetMapper() is coarse
    assert not window.viewport.interactor.renderer.GetUseFXAA()
    qtbot.waitUntil(lambda: not scene.fast, timeout=3000)  # the still frame after the change
    assert scene.actors["femur"].GetMapper() is full
    assert window.viewport.interactor.renderer.GetUseFXAA()
    # Picking still names the structure whichever mapper is drawn.
    scene.set_fast(True)
    x, y = scene.display_point(scene.surface_point("femur"))
    assert scene.pick(x, y) is not None
    scene.set_fast(False)
