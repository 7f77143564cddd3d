"""File > Save scene... and Open scene...: the window's scene written and shown again."""

from __future__ import annotations

import numpy as np

from tests.qt.conftest import wait_frame
from viewer.qt.scene_files import open_scene, save_scene_as


def test_save_and_open_scene_restore_the_view(window, qtbot, tmp_path):
    state = window.state
    assert [a.objectName() for a in window.menuBar().actions()[0].menu().actions()][:2] == ["open_scene", "save_scene"]
    state.set_pose([45.0, 0.0, 20.0])
    state.set_motion("external_rotation")
    state.select("piriformis")
    state.set_visible("gluteus_maximus", False)
    window.set_theme("light")
    window.viewport.turn(azimuth_deg=25.0)
    wait_frame(qtbot, window)
    camera = window.scene.camera_state()
    saved = state.snapshot()
    path = save_scene_as(window, tmp_path / "saved.yaml")
    assert path.is_file() and "Saved scene" in window.statusBar().currentMessage()

    state.set_pose([0.0, 0.0, 0.0])
    state.set_motion(None)
    state.select(None)
    state.show_all()
    window.set_theme("dark")
    window.viewport.reset_view()
    open_scene(window, path)
    wait_frame(qtbot, window)
    restored = state.snapshot()
    assert restored.replace(camera=saved.camera) == saved
    assert window.scene.theme == "light"
    assert not any(window.scene.actors[leaf].GetVisibility() for leaf in window.model.catalogue.leaves("gluteus_maximus"))
    np.testing.assert_allclose(window.scene.camera_state()["position"], camera["position"], atol=1e-6)
    np.testing.assert_allclose(window.scene.camera_state()["focal_point"], camera["focal_point"], atol=1e-6)
