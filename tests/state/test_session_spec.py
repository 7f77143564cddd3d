"""The session holds one scene specification: snapshot, apply, batch."""

from __future__ import annotations

import pytest

from viewer.core.errors import DataError
from viewer.core.spec import Camera, SceneSpec
from viewer.state import state_for_model


def test_apply_snapshot_is_the_identity(model):
    state = state_for_model(model)
    state.set_pose([45.0, 10.0, -20.0])
    state.set_knee_flexion(60.0)
    state.set_motion("abduction")
    state.set_colour_by("torque")
    state.select("piriformis")
    state.set_highlight(["gluteus_medius"])
    state.set_ghost(True)
    state.set_visible("gluteus_maximus", False)
    state.set_opacity("femur", 0.4)
    state.set_caption("A caption")
    state.set_theme("light")
    state.set_legend(False)
    state.request_view("lateral")
    spec = state.snapshot()
    emitted = []
    for sig in (state.pose_changed, state.visibility_changed, state.motion_changed, state.selection_changed):
        sig.connect(lambda *a: emitted.append(a))
    state.apply(spec)
    assert state.snapshot() == spec
    assert emitted == []  # nothing changed, nothing announced
    other = state_for_model(model)
    other.apply(spec)
    assert other.snapshot() == spec
    assert spec.camera == Camera(view="lateral") and spec.knee_flexion_deg == 60.0


def test_apply_sets_every_field_and_differences_name_them(model):
    state = state_for_model(model)
    before = state.snapshot()
    target = before.replace(pose_deg=(90.0, 0.0, 0.0), motion="external_rotation", selection="piriformis",
                            show_mechanics=True, labels=False, caption="x", theme="white",
                            camera=Camera(view="posterior", zoom=2.0))
    assert set(target.differences(before)) == {"pose_deg", "motion", "selection", "show_mechanics", "labels",
                                              "caption", "theme", "camera"}
    cameras = []
    state.camera_changed.connect(cameras.append)
    state.apply(target)
    assert state.snapshot() == target and cameras == [target.camera]


def test_batch_announces_its_end_once(model):
    state = state_for_model(model)
    ends = []
    state.batch_finished.connect(lambda: ends.append(state.in_batch))
    with state.batch():
        with state.batch():
            for leaf in state.all_leaves[:10]:
                state.set_visible(leaf, False)
        assert ends == []
        state.set_pose([10.0, 0.0, 0.0])
    assert ends == [False]


def test_spec_checks_its_display_fields(model):
    state = state_for_model(model)
    with pytest.raises(DataError, match="knee flexion 130 deg is outside 0..120"):
        state.set_knee_flexion(130)
    with pytest.raises(DataError, match=r"not drawn yet: anatomy\)"):
        state.set_colour_by("anatomy")
    state.set_colour_by("stretch")
    assert state.snapshot().colour_by == "stretch"
    with pytest.raises(DataError, match="unknown background 'grey'"):
        state.set_theme("grey")
    assert SceneSpec(pose_deg=[1, 2, 3]).pose_deg == (1.0, 2.0, 3.0)


def test_mechanics_are_computed_once_per_pose(model):
    state = state_for_model(model)
    mech = state.mechanics
    first = mech.result
    assert mech.result is first and mech.evaluations == 1
    state.set_pose([30.0, 0.0, 0.0])
    assert mech.result.pose_deg == (30.0, 0.0, 0.0) and mech.evaluations == 2
    assert mech.result is mech.result and mech.evaluations == 2
