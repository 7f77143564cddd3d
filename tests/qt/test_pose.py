"""Pose panel: sliders, spin boxes and presets change the core pose and the femur's transform."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from viewer.core.kinematics import DEFAULT_ROM, femur_transform
from viewer.qt.pose_panel import coordinate_label
from viewer.state import POSE_PRESETS


def _femur_matrix(window) -> np.ndarray:
    m = window.scene.actors["femur"].GetUserMatrix()
    return np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])


def test_labels_use_anatomical_words_and_units(window):
    assert coordinate_label("flexion") == "Flexion (+) / Extension (−)"
    assert coordinate_label("external_rotation") == "External rotation (+) / Internal rotation (−)"
    assert window.pose_panel.spins[0].suffix() == " °"


def test_slider_ranges_are_the_range_of_motion(window):
    limits = DEFAULT_ROM.as_array()
    for slider, spin, (lo, hi) in zip(window.pose_panel.sliders, window.pose_panel.spins, limits):
        assert (slider.minimum(), slider.maximum()) == (lo, hi)
        assert (spin.minimum(), spin.maximum()) == (lo, hi)


def test_moving_a_slider_moves_the_femur(window, qtbot):
    slider = window.pose_panel.sliders[0]
    slider.setFocus()
    slider.setValue(30)
    assert window.state.pose == pytest.approx([30, 0, 0])
    np.testing.assert_allclose(_femur_matrix(window), femur_transform([30, 0, 0])[0], atol=1e-12)
    qtbot.keyClick(slider, Qt.Key.Key_PageUp)  # keyboard: ten degrees
    assert window.state.pose[0] == pytest.approx(40)
    np.testing.assert_allclose(_femur_matrix(window), femur_transform([40, 0, 0])[0], atol=1e-12)
    assert window.pose_panel.spins[0].value() == pytest.approx(40)


def test_dragging_updates_live(window, qtbot):
    """Every step of a drag reaches the state and the swept muscles, not only the release."""
    slider = window.pose_panel.sliders[2]
    before = np.array(window.scene.structures.points["piriformis"], copy=True)
    slider.setSliderDown(True)
    for value in (5, 10, 15):
        slider.setSliderPosition(value)
        assert window.state.pose[2] == pytest.approx(value)
    slider.setSliderDown(False)
    assert not np.allclose(before, window.scene.structures.points["piriformis"])


def test_spin_box_sets_exact_angles(window, qtbot):
    spin = window.pose_panel.spins[1]
    spin.setValue(12.5)
    assert window.state.pose == pytest.approx([0, 12.5, 0])
    assert window.pose_panel.sliders[1].value() == 12 or window.pose_panel.sliders[1].value() == 13


def test_typing_digits_in_a_spin_box_does_not_turn_the_camera(window, qtbot):
    spin = window.pose_panel.spins[0]
    spin.setFocus()
    camera_before = window.viewport.interactor.camera.position
    spin.selectAll()
    qtbot.keyClicks(spin.lineEdit(), "45")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert window.state.pose[0] == pytest.approx(45)
    assert window.viewport.interactor.camera.position == pytest.approx(camera_before)


@pytest.mark.parametrize("name", sorted(POSE_PRESETS))
def test_presets_set_exact_poses(window, name):
    window.pose_panel.preset_buttons[name].click()
    assert window.state.pose == pytest.approx(POSE_PRESETS[name])
    np.testing.assert_allclose(_femur_matrix(window), femur_transform(POSE_PRESETS[name])[0], atol=1e-12)
    window.pose_panel.reset_button.click()
    assert window.state.pose == pytest.approx([0, 0, 0])


def test_pose_changed_elsewhere_moves_the_widgets(window):
    window.state.set_pose((-10, 20, -30))
    assert [s.value() for s in window.pose_panel.sliders] == [-10, 20, -30]
    assert "extension 10°" in window.pose_label.text()
    assert "internal rotation 30°" in window.pose_label.text()


def _leg_matrix(window) -> np.ndarray:
    m = window.scene.actors["leg"].GetUserMatrix()
    return np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])


def test_knee_slider_bends_the_leg_and_presets_set_the_knee(window):
    from viewer.core.kinematics import body_transform

    knee = window.model.landmarks["knee_centre"].position_mm
    panel = window.pose_panel
    assert (panel.knee_slider.minimum(), panel.knee_slider.maximum()) == (0, 120)
    panel.knee_slider.setValue(45)
    assert window.state.knee_flexion_deg == pytest.approx(45.0)
    np.testing.assert_allclose(_leg_matrix(window), body_transform("leg", window.state.pose, 45.0, knee), atol=1e-9)
    panel.apply_preset("sitting")
    assert window.state.knee_flexion_deg == pytest.approx(90.0)
    assert panel.knee_spin.value() == pytest.approx(90.0)
    np.testing.assert_allclose(_leg_matrix(window), body_transform("leg", POSE_PRESETS["sitting"], 90.0, knee),
                               atol=1e-9)
    panel.reset()
    assert window.state.knee_flexion_deg == pytest.approx(0.0)
    assert panel.knee_slider.value() == 0


@pytest.mark.parametrize("size", [(1280, 800), (1440, 900)])
def test_row_names_fit_on_one_line(window, qtbot, size):
    """The pose rows' names are not wrapped or cut in the right-hand column; the full wording
    stays the accessible name."""
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    qtbot.wait(100)
    panel = window.pose_panel
    assert len(panel.labels) == 4
    for label in panel.labels:
        assert not label.wordWrap(), label.text()
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width(), label.text()
        assert label.height() >= label.fontMetrics().height(), label.text()
    assert panel.labels[2].text() == "Rotation: external (+) / internal (−)"
    assert panel.labels[2].accessibleName() == coordinate_label("external_rotation")
    # The panel does not push the window past the screen's height.
    assert window.minimumSizeHint().height() <= 800
