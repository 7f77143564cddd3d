"""Callouts: every visible muscle named at once, in boxes that overlap neither each other nor
the legend, with rank and moment arm under a motion; a lesson or scene file names a set."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.render.label_layout import boxes_overlap, column_layout


def _pairs_overlap(boxes) -> bool:
    return any(boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


@pytest.mark.parametrize("view, pose", [("posterior", (0.0, 0.0, 0.0)), ("lateral", (90.0, 0.0, 0.0))])
def test_label_visible_muscles_names_each_without_overlap(model, view, pose):
    from viewer.render.offscreen import OffscreenSession

    session = OffscreenSession(model, size=(1280, 800))
    try:
        state, scene = session.state, session.scene
        state.set_pose(pose)
        state.set_motion("external_rotation")
        state.set_label_visible(True)
        scene.set_view(view)
        session.image()
        items = scene.callout_items()
        muscles = [sid for sid in state.leaves if model.catalogue[sid].kind == "muscle" and state.is_visible(sid)]
        assert sorted(text.split("  ")[0] for text, _ in items) == sorted(model.display_name(m) for m in muscles)
        # Under a motion: rank and signed moment arm, ranks 1..n once each.
        ranks = sorted(int(text.split("#")[1].split()[0]) for text, _ in items)
        assert ranks == list(range(1, len(items) + 1))
        boxes = scene.callout_boxes_px()
        assert len(boxes) == len(items)
        assert not _pairs_overlap(boxes)
        legend = scene.legend_box_px()
        assert not any(boxes_overlap(box, legend) for box in boxes)
        assert all(0 <= b[0] and b[2] <= 1280 for b in boxes)
    finally:
        session.close()


def test_callouts_name_a_set_and_hidden_ones_are_skipped(session):
    state, scene = session.state, session.scene
    state.set_callouts(["piriformis", "quadratus_femoris", "gluteus_maximus"])
    state.set_visible("gluteus_maximus", False)
    session.image()
    names = [text for text, _ in scene.callout_items()]
    assert names == ["Piriformis", "Quadratus femoris"]  # no motion: names only
    assert state.snapshot().callouts == ("piriformis", "quadratus_femoris", "gluteus_maximus")


def test_column_layout_stacks_crowded_anchors_apart():
    anchors = np.array([[300.0, 400.0]] * 6 + [[700.0, 400.0]] * 6)
    sizes = np.tile([[150.0, 30.0]], (12, 1))
    corners = column_layout(anchors, sizes, (350.0, 100.0, 650.0, 700.0), 1000, 800, 10.0)
    boxes = [(x, y, x + w, y + h) for (x, y), (w, h) in zip(corners, sizes)]
    assert not _pairs_overlap(boxes)
    assert all(b[2] <= 350.0 for b in boxes[:6]) and all(b[0] >= 650.0 for b in boxes[6:])
    assert all(0 <= b[1] and b[3] <= 800 for b in boxes)
