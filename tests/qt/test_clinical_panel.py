"""Clinical panel: test presets, the ischiofemoral space readout, release/repair, sections."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from viewer.core.sections import Section
from viewer.io.clinical import clinical_for
from viewer.render.clinical_layer import stretch_colour


def test_fair_preset_sets_pose_knee_colouring_and_a_computed_caption(window, model):
    panel = window.clinical_panel
    panel.test_combo.setCurrentIndex(panel.test_combo.findData("fair"))
    panel.apply_test_button.click()
    fair = clinical_for(model).test("fair")
    np.testing.assert_allclose(window.state.pose, fair.pose_deg)
    assert window.state.knee_flexion_deg == 90
    assert window.state.colour_by == "stretch" and window.state.motion is None
    value = window.scene.values()["piriformis"]
    assert f"piriformis {value:+.0f} %" in window.state.caption and "computed by the model" in window.state.caption
    np.testing.assert_allclose(window.scene.actors["piriformis"].GetProperty().GetColor(), stretch_colour(value))
    assert window.actions_panel.by_stretch.isChecked()
    assert "fishman2002" in panel.test_source.text()


def test_resisted_preset_colours_by_the_resisted_motion(window):
    window.clinical_panel.apply_test("pace")
    assert window.state.motion.name == "abduction" and window.state.colour_by == "moment_arm"
    assert "Resisted abduction loads" in window.state.caption


def test_space_readout_cites_its_sources_and_follows_the_pose(window, qtbot):
    panel = window.clinical_panel
    panel.spaces_box.setChecked(True)
    assert window.state.show_spaces
    text = panel.space_label.text()
    assert "computed by the model" in text and "barros2019" in text and "johnson2017" in text
    neutral = window.scene.clinical.space_values()["ischiofemoral"]
    assert f"{neutral:.1f} mm" in text
    window.state.set_pose([-10, -10, 30])
    qtbot.waitUntil(lambda: f"{neutral:.1f} mm" not in panel.space_label.text(), timeout=3000)
    assert "computed by the model" in panel.nerve_label.text()


def test_release_and_repair(window, model):
    panel = window.clinical_panel
    assert panel.checked_muscles() == list(clinical_for(model).release_default)
    panel.release_button.click()
    assert set(window.state.released) == set(clinical_for(model).release_default)
    text = panel.capacity_label.text()
    assert "external rotation" in text and "</b> of intact remains" in text and "computed by the model" in text
    window.state.set_motion("external_rotation")
    assert "piriformis" not in window.scene.values()
    panel.repair_button.click()
    assert window.state.released == ()
    assert "piriformis" in window.scene.values()


def test_section_plane_and_slider(window):
    panel = window.clinical_panel
    panel.plane_combo.setCurrentIndex(panel.plane_combo.findData("axial"))
    section = window.state.section
    assert section.plane == "axial"
    assert panel.plane_slider.isEnabled()
    assert window.scene.clinical.section_cut()
    panel.plane_slider.setValue(panel.plane_slider.value() - 10)
    assert window.state.section.offset_mm == pytest.approx(section.offset_mm - 10, abs=1)
    panel.plane_combo.setCurrentIndex(panel.plane_combo.findData("none"))
    assert window.state.section is None and not window.scene.clinical.section_cut()


def test_oblique_plane_from_three_picked_points(window):
    panel = window.clinical_panel
    for point in ([-40, -60, -10], [-20, -60, 20], [-30, -40, 10]):
        panel.add_picked_point(point)
    panel.plane_combo.setCurrentIndex(panel.plane_combo.findData("oblique"))
    section = window.state.section
    assert isinstance(section, Section) and section.plane == "oblique"
    np.testing.assert_allclose(section.origin, [-30, -160 / 3, 20 / 3])


def test_the_closed_panel_is_built_when_first_shown(window, qtbot):
    """The panel is closed by default: its data and controls wait until it is opened (start-up
    does not compute the space model for it), and opening it builds them."""
    panel = window.clinical_panel
    assert not window.docks["clinical"].isVisible()
    assert "test_combo" not in vars(panel) and "data" not in vars(panel)
    window.docks["clinical"].show()
    window.docks["clinical"].raise_()
    qtbot.waitUntil(lambda: "test_combo" in vars(panel), timeout=3000)
    assert panel.test_combo.count() == len(panel.data.tests) > 0
    assert panel.isVisible()


def test_a_control_of_the_closed_panel_is_there_when_asked_for(window):
    panel = window.clinical_panel
    assert panel.plane_combo.findData("axial") >= 0  # built on first use
    with pytest.raises(AttributeError, match="no_such_control"):
        panel.no_such_control
