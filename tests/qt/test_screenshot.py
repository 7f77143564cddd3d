"""Screenshots: slide-ready PNGs of the 3D view at a chosen size, with or without background."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np

from tests.qt.conftest import non_background_pixels
from viewer.qt.screenshot_dialog import ScreenshotDialog, save_screenshot


def test_screenshot_has_the_size_asked_for_and_shows_the_model(window, tmp_path):
    window.state.set_motion("external_rotation")
    path = save_screenshot(window.scene, tmp_path / "slide.png", (800, 500))
    image = iio.imread(path)
    assert image.shape[:2] == (500, 800)
    assert non_background_pixels(image) > 0.05 * 800 * 500


def test_transparent_background(window, tmp_path):
    path = save_screenshot(window.scene, tmp_path / "clear.png", (400, 300), transparent=True, overlays=False)
    image = iio.imread(path)
    assert image.shape == (300, 400, 4)
    alpha = image[..., 3]
    assert alpha[0, 0] == 0  # the corner is background
    assert (alpha == 255).sum() > 0.03 * alpha.size  # the model is opaque


def test_dialog_saves_and_reports(window, qtbot, tmp_path):
    dialog = ScreenshotDialog(window.scene, tmp_path, window)
    dialog.width_box.setValue(320)
    dialog.height_box.setValue(240)
    dialog.path_edit.setText(str(tmp_path / "dialog.png"))
    dialog.save()
    assert dialog.saved_path is not None and dialog.saved_path.exists()
    assert iio.imread(dialog.saved_path).shape[:2] == (240, 320)
    dialog.deleteLater()


def test_quick_screenshot_is_the_viewport(window, tmp_path, monkeypatch):
    monkeypatch.setattr(type(window), "_pictures_dir", staticmethod(lambda: tmp_path))
    path = window.quick_screenshot()
    image = iio.imread(path)
    assert image.shape[:2] == (window.viewport.interactor.height(), window.viewport.interactor.width())
    assert np.asarray(image).std() > 5
