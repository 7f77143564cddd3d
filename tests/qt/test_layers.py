"""Layers panel: check boxes, opacity, isolate, ghost and search reach the scene's actors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from viewer.render.structures import GHOST_OPACITY


def _check(panel, some_id, checked: bool):
    panel.item_for(some_id).setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


def test_unchecking_a_structure_hides_its_actors(window):
    panel, scene, state = window.layers_panel, window.scene, window.state
    _check(panel, "gluteus_maximus", False)
    leaves = state.leaf_ids("gluteus_maximus")
    assert len(leaves) >= 1
    assert all(not state.is_visible(leaf) for leaf in leaves)
    assert all(not scene.actors[leaf].GetVisibility() for leaf in leaves)
    assert scene.actors["piriformis"].GetVisibility()
    # The group's box shows "some shown".
    assert panel.item_for("gluteals").checkState(0) == Qt.CheckState.PartiallyChecked
    _check(panel, "gluteus_maximus", True)
    assert all(scene.actors[leaf].GetVisibility() for leaf in leaves)
    assert panel.item_for("gluteals").checkState(0) == Qt.CheckState.Checked


def test_unchecking_a_group_hides_every_member(window):
    panel, scene, model = window.layers_panel, window.scene, window.model
    _check(panel, "deep_external_rotators", False)
    members = dict((g.id, m) for g, m in model.groups())["deep_external_rotators"]
    assert len(members) == 6
    for structure in members:
        assert not scene.actors[structure].GetVisibility()
        assert panel.item_for(structure).checkState(0) == Qt.CheckState.Unchecked


def test_visibility_changed_elsewhere_shows_in_the_tree(window):
    window.state.set_visible("piriformis", False)
    assert window.layers_panel.item_for("piriformis").checkState(0) == Qt.CheckState.Unchecked
    assert window.layers_panel.item_for("deep_external_rotators").checkState(0) == Qt.CheckState.PartiallyChecked


def test_opacity_slider_reaches_the_actor(window):
    panel, scene = window.layers_panel, window.scene
    panel.slider_for("piriformis").setValue(40)
    assert window.state.opacity("piriformis") == pytest.approx(0.4)
    assert scene.actors["piriformis"].GetProperty().GetOpacity() == pytest.approx(0.4)
    assert scene.translucent and not scene.depth_peeling  # one blended pass in the window
    # A muscle's row sets all its compartments; the group row sets all its muscles.
    panel.slider_for("gluteus_medius").setValue(70)
    for leaf in window.state.leaf_ids("gluteus_medius"):
        assert scene.actors[leaf].GetProperty().GetOpacity() == pytest.approx(0.7)
    panel.slider_for("bones").setValue(100)
    panel.slider_for("piriformis").setValue(100)
    panel.slider_for("gluteus_medius").setValue(100)
    assert not scene.translucent  # all opaque again


def test_opacity_keys_on_the_current_row(window, qtbot):
    panel = window.layers_panel
    panel.tree.setCurrentItem(panel.item_for("piriformis"))
    panel.tree.setFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_BracketLeft)
    assert window.state.opacity("piriformis") == pytest.approx(0.9)
    qtbot.keyClick(panel.tree, Qt.Key.Key_BracketRight)
    assert window.state.opacity("piriformis") == pytest.approx(1.0)


def test_isolate_and_restore_exactly(window, qtbot):
    state, scene, panel = window.state, window.scene, window.layers_panel
    state.set_visible("sciatic_nerve", False)
    state.set_visible("gluteus_maximus.upper", False)
    before = state.visibility()
    state.select("piriformis")
    qtbot.mouseClick(panel.isolate_button, Qt.MouseButton.LeftButton)
    shown = [leaf for leaf, actor in scene.actors.items() if actor.GetVisibility()]
    assert shown == ["piriformis"]
    assert panel.isolate_button.isChecked()
    assert window.named_actions["isolate"].isChecked()
    window.named_actions["isolate"].trigger()  # the I key: same gesture restores
    assert state.visibility() == before
    assert not panel.isolate_button.isChecked()


def test_show_all(window):
    window.state.set_many_visible(["hip_bone", "femur", "piriformis"], False)
    window.layers_panel.show_all_button.click()
    assert all(actor.GetVisibility() for actor in window.scene.actors.values())


def test_ghost_makes_the_rest_translucent(window):
    state, scene = window.state, window.scene
    state.select("obturator_internus")
    window.layers_panel.ghost_box.setChecked(True)
    assert state.ghost
    assert scene.actors["obturator_internus"].GetProperty().GetOpacity() == pytest.approx(1.0)
    assert scene.actors["femur"].GetProperty().GetOpacity() == pytest.approx(GHOST_OPACITY)
    assert window.named_actions["ghost"].isChecked()
    window.named_actions["ghost"].trigger()
    assert not state.ghost
    assert scene.actors["femur"].GetProperty().GetOpacity() == pytest.approx(1.0)


@pytest.mark.parametrize("query, expected", [
    ("pyriformis", {"piriformis"}),  # a synonym
    ("Musculus gemellus", {"gemellus_superior", "gemellus_inferior"}),  # Latin names
    ("GLUTEUS MED", {"gluteus_medius"}),  # any case
])
def test_search_filters_by_name_or_synonym(window, query, expected):
    panel = window.layers_panel
    panel.search.setText(query)
    assert set(panel.visible_structures()) == expected
    panel.search.clear()
    assert len(panel.visible_structures()) == len(window.model.annotations) - 0  # every structure again


def test_clicking_a_row_selects_and_the_box_does_not(window, qtbot):
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    panel = window.layers_panel
    item = panel.item_for("quadratus_femoris")
    panel.tree.scrollToItem(item)
    rect = panel.tree.visualItemRect(item)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.state.selection == "quadratus_femoris"
    # A click on the check box of another row hides it and leaves the selection alone.
    other = panel.item_for("gemellus_inferior")
    panel.tree.scrollToItem(other)
    option = QStyleOptionViewItem()
    option.initFrom(panel.tree)
    option.rect = panel.tree.visualItemRect(other)
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = panel.tree.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, panel.tree)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(box.center()))
    assert not window.state.is_visible("gemellus_inferior")
    assert window.state.selection == "quadratus_femoris"


@pytest.mark.parametrize("size", [(1280, 800), (1440, 900)])
def test_every_name_fits_its_row(window, qtbot, size):
    """No group, structure or part name is cut: each wraps, if at all, at word breaks into a row
    tall enough for it, and every line fits the width left beside its check box."""
    from PySide6.QtCore import QRect

    from viewer.qt.layers_panel import text_rect

    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    tree = window.layers_panel.tree
    tree.expandAll()
    qtbot.wait(100)
    metrics = tree.fontMetrics()
    wrapped_rows = 0
    for some_id, item in window.layers_panel._items.items():
        rect = text_rect(tree, item)
        assert rect.width() > 60, some_id
        needed = metrics.boundingRect(QRect(0, 0, rect.width(), 10_000), Qt.TextFlag.TextWordWrap, item.text(0))
        assert needed.width() <= rect.width(), (some_id, item.text(0), needed.width(), rect.width())
        assert needed.height() <= rect.height(), (some_id, item.text(0), needed.height(), rect.height())
        assert max(metrics.horizontalAdvance(w) for w in item.text(0).split()) <= rect.width(), some_id
        wrapped_rows += needed.height() > metrics.lineSpacing() + 2
    # A part's row names only the part; its tooltip and the slider give the whole name.
    part = window.layers_panel.item_for("gluteus_medius.anterior")
    assert part.text(0) == "Anterior part" and "Gluteus medius, anterior part" in part.toolTip(0)
    assert window.layers_panel.row_name("gluteus_medius.anterior") == "Gluteus medius, anterior part"
    assert window.layers_panel.slider_for("gluteus_medius.anterior").accessibleName() == (
        "Opacity of Gluteus medius, anterior part")
    assert wrapped_rows <= 3  # wrapping is the exception for long group names, not the rule
    assert tree.verticalScrollBar().maximum() == 0


def test_the_opacity_slider_follows_the_current_row(window):
    panel, state = window.layers_panel, window.state
    state.set_opacity("piriformis", 0.3)
    state.select("piriformis")
    assert panel.opacity_slider.value() == 30 and panel.opacity_slider.isEnabled()
    state.set_opacity("piriformis", 0.6)  # changed elsewhere: the slider follows
    assert panel.opacity_slider.value() == 60
    panel.tree.setCurrentItem(panel.item_for("gluteus_medius"))
    assert panel.opacity_slider.value() == 100
    state.set_opacity("gluteus_medius.anterior", 0.4)  # the muscle's row shows the mean of its parts
    assert panel.opacity_slider.value() == 80
    assert state.opacity("piriformis") == pytest.approx(0.6)
