"""Actions panel: motion, colour measure and the live ranked list."""

from __future__ import annotations

import numpy as np

from viewer.render import palette

DEEP_ROTATORS = {"piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior",
                 "obturator_externus", "quadratus_femoris"}


def _choose(panel, motion):
    panel.motion_combo.setCurrentIndex(panel.motion_combo.findData(motion))


def test_external_rotation_at_neutral_lists_the_six_deep_rotators_as_producers(window):
    panel = window.actions_panel
    _choose(panel, "external_rotation")
    assert window.state.motion.name == "external_rotation"
    assert DEEP_ROTATORS <= set(panel.producers())
    # The list is ranked: values fall from top to bottom.
    values = [row.moment_arm_mm for row in panel.rows()]
    assert values == sorted(values, reverse=True)
    # The muscles in the 3D view carry the "produces" colour for it.
    blue = palette.hex_to_rgb(palette.ROLE_COLOURS["produces"])
    faint = palette.hex_to_rgb(palette.FAINT)
    for muscle in DEEP_ROTATORS:
        colour = np.array(window.scene.actors[muscle].GetProperty().GetColor())
        assert np.linalg.norm(colour - blue) < np.linalg.norm(faint - blue)


def test_at_90_degrees_of_flexion_piriformis_is_not_a_producer(window):
    panel = window.actions_panel
    _choose(panel, "external_rotation")
    assert "piriformis" in panel.producers()
    window.pose_panel.preset_buttons["flexion_90"].click()  # the list follows the pose live
    assert "piriformis" not in panel.producers()
    row = next(r for r in panel.rows() if r.muscle == "piriformis")
    assert row.role != "produces"


def test_colour_by_torque_switches_units_and_ranking(window):
    panel = window.actions_panel
    _choose(panel, "abduction")
    panel.by_torque.setChecked(True)
    assert window.state.colour_by == "torque"
    assert panel.ranking.unit == "N·m"
    torques = [row.torque_potential_nm for row in panel.rows()]
    assert torques == sorted(torques, reverse=True)
    index = panel.ranking.index(0, 3)
    assert panel.ranking.data(index).endswith("N·m")
    panel.by_moment_arm.setChecked(True)
    assert window.state.colour_by == "moment_arm"


def test_compartments_can_be_listed(window):
    panel = window.actions_panel
    _choose(panel, "abduction")
    assert all(r.level == "muscle" for r in panel.rows())
    panel.compartments_box.setChecked(True)
    assert any(r.muscle == "gluteus_medius.anterior" for r in panel.rows())


def test_clicking_a_row_selects_the_muscle(window, qtbot):
    from PySide6.QtCore import Qt

    panel = window.actions_panel
    _choose(panel, "external_rotation")
    row = [r.muscle for r in panel.rows()].index("quadratus_femoris")
    rect = panel.table.visualRect(panel.ranking.index(row, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.state.selection == "quadratus_femoris"
    assert "Quadratus femoris" in window.info_panel.plain_text()


def test_line_of_action_toggle_draws_axis_and_line(window):
    scene = window.scene
    window.state.set_motion("external_rotation")
    window.state.select("piriformis")
    window.actions_panel.mechanics_box.setChecked(True)
    assert window.state.show_mechanics
    assert scene.markers.axis_actor.GetVisibility() and scene.markers.action_actor.GetVisibility()
    assert "moment arm" in scene.overlays.mechanics_text.GetInput()
    window.named_actions["mechanics"].trigger()  # L
    assert not scene.markers.axis_actor.GetVisibility()


def test_motion_menu_and_next_motion_key(window):
    window.named_actions["motion_flexion"].trigger()
    assert window.state.motion.name == "flexion"
    assert window.actions_panel.motion_combo.currentData() == "flexion"
    window.named_actions["next_motion"].trigger()
    assert window.state.motion.name == "extension"
    window.named_actions["motion_none"].trigger()
    assert window.state.motion is None
    assert window.actions_panel.rows() == []
    assert not window.scene.legend_visible


def test_rows_say_where_their_numbers_come_from(window):
    from PySide6.QtCore import Qt

    panel = window.actions_panel
    window.state.set_pose((90, 0, 0))
    _choose(panel, "external_rotation")
    rows = panel.rows()
    k = next(i for i, r in enumerate(rows) if r.muscle == "piriformis")
    name = panel.ranking.data(panel.ranking.index(k, 1))
    tip = panel.ranking.data(panel.ranking.index(k, 1), Qt.ItemDataRole.ToolTipRole)
    assert name.endswith("◆") and "published: -14.0 mm (Delp et al. 1999" in tip
    assert "computed by the model" in tip and "Parvaresh" in tip
    j = next(i for i, r in enumerate(rows) if r.muscle == "obturator_internus")
    assert not panel.ranking.data(panel.ranking.index(j, 1)).endswith("◆")
    assert "computed by the model" in panel.summary.text()
    window.state.set_pose((0, 0, 0))
