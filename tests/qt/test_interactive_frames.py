"""Interactive frames in the window: coarse meshes while the pose moves, the full ones (and the
same colours) once it stops; nothing is drawn while the panels are re-docked."""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import vtk_to_numpy

from tests.qt.conftest import wait_frame


def _drawn(scene):
    opaque = scene.structures.batch["opaque"]
    cells = vtk_to_numpy(opaque["pd"].GetPolys().GetConnectivityArray()).reshape(-1, 3)
    return cells.copy(), opaque["colours"].copy(), scene.actors["femur"].GetMapper()


def test_a_drag_draws_coarse_meshes_and_the_full_ones_with_the_same_colours_after_it(window, qtbot):
    scene, state = window.scene, window.state
    qtbot.waitUntil(lambda: scene.has_fast_lod, timeout=5000)
    state.set_motion("external_rotation")
    qtbot.waitUntil(lambda: not scene.fast, timeout=3000)
    slider = window.pose_panel.sliders[2]
    state.set_coordinate(2, 20.0)
    qtbot.waitUntil(lambda: not scene.fast, timeout=3000)
    still_cells, still_colours, still_femur = _drawn(scene)
    full_femur, coarse_femur = scene.structures.lod_mappers["femur"]
    assert still_femur is full_femur

    slider.setSliderDown(True)
    for value in (10, 0, 10, 20):
        slider.setValue(value)  # the scene is updated at once; the frame is drawn next
        cells, colours, femur = _drawn(scene)
        assert scene.fast and femur is coarse_femur
        assert len(cells) < 0.6 * len(still_cells)
        # The coarse muscles use the full muscles' own vertices (so no jump of position).
        assert np.isin(cells, still_cells).all()
        wait_frame(qtbot, window)
    np.testing.assert_array_equal(colours, still_colours)  # back at 20°: the same colours
    slider.setSliderDown(False)

    qtbot.waitUntil(lambda: not scene.fast, timeout=3000)
    cells, colours, femur = _drawn(scene)
    assert femur is full_femur
    np.testing.assert_array_equal(cells, still_cells)
    np.testing.assert_array_equal(colours, still_colours)
    assert window.viewport.interactor.renderer.GetUseFXAA()


def test_re_docking_the_panels_renders_one_frame_not_one_per_resize(window, qtbot):
    viewport = window.viewport
    before = viewport.frames_rendered
    window.apply_layout("compact")
    assert viewport.frames_rendered == before  # nothing drawn while the docks move
    assert viewport.interactor.ren_win.GetReadyForRendering()
    qtbot.waitUntil(lambda: viewport.frames_rendered > before, timeout=3000)
    window.apply_layout("standard")
    qtbot.waitUntil(lambda: not window.scene.fast, timeout=3000)
    assert viewport.image().std() > 5


def test_a_new_frame_repaints_nothing_behind_the_3d_view(window, qtbot):
    """A pose step repaints the 3D view, not the widget behind it (the viewport that holds it)."""
    from PySide6.QtCore import QEvent, QObject

    painted: dict[str, int] = {}

    class PaintCounter(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint:
                rect = event.rect()
                painted[obj.objectName() or type(obj).__name__] = (
                    painted.get(obj.objectName() or type(obj).__name__, 0) + rect.width() * rect.height())
            return False

    qtbot.waitUntil(lambda: not window.scene.fast, timeout=3000)
    counter = PaintCounter()
    for widget in (window.viewport, window.viewport.interactor):
        widget.installEventFilter(counter)
    try:
        for value in (5.0, 10.0, 15.0):
            window.state.set_coordinate(0, value)
            wait_frame(qtbot, window)
    finally:
        for widget in (window.viewport, window.viewport.interactor):
            widget.removeEventFilter(counter)
    view = window.viewport.interactor
    assert painted.get("interactor", 0) >= view.width() * view.height()  # the frames were shown
    assert painted.get("viewport", 0) == 0
