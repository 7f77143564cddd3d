"""Settling two bellies that still meet: the upper one lifted, the lower one pressed, within limits."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from viewer.core.belly import belly_faces
from viewer.core.kinematics import body_transform
from viewer.meshgen.settle import _Surface, settle

F, S = 6, 9


def _slab(z0: float, thick: float, x0: float = 0.0, y0: float = 0.0, width: float = 40.0):
    """Deep and superficial faces ``(F * S, 3)`` of a flat belly 40 mm long, normal +z."""
    k, i = np.divmod(np.arange(F * S), S)
    xy = np.stack([x0 + 40.0 * i / (S - 1), y0 + width * k / (F - 1)], axis=1)
    return (np.column_stack([xy, np.full(F * S, z0)]), np.column_stack([xy, np.full(F * S, z0 + thick)]))


def _setup(shift_x: float = 10.0):
    rig = SimpleNamespace(fibres=F, stations=S, side=np.array([1.0, 1.0]))
    lower, upper = _slab(0.0, 10.0), _slab(5.0, 10.0, shift_x, 4.0, 32.0)   # 5 mm of overlap where they meet
    deep0 = np.concatenate([lower[0], upper[0]])
    top0 = np.concatenate([lower[1], upper[1]])
    out = np.tile([0.0, 0.0, 1.0], (2 * F * S, 1))

    def meshes(lift):
        deep = deep0 + out * lift[0, :, None]
        top = top0 + out * lift[1, :, None]
        return np.stack([np.concatenate([deep[m * F * S:(m + 1) * F * S], top[m * F * S:(m + 1) * F * S]])
                         for m in range(2)])

    return rig, deep0, top0, out, meshes


def _spread(raw, lines):
    """The largest ask among each fibre point's neighbours on its own slab."""
    from scipy.ndimage import maximum_filter

    return maximum_filter(raw.reshape(2, F, S), size=(1, 3, 3), mode="nearest").ravel()


def _overlap(verts) -> int:
    """Vertices and face centres of either slab inside the other."""
    faces = belly_faces(S, F)
    samples = [np.concatenate([v, v[faces].mean(axis=1)]) for v in verts]
    return len(_Surface(verts[0], faces).inside(samples[1])) + len(_Surface(verts[1], faces).inside(samples[0]))


def test_two_overlapping_slabs_are_separated_half_by_lifting_and_half_by_pressing():
    rig, _, _, out, meshes = _setup()
    lift = np.zeros((2, 2 * F * S))
    assert _overlap(meshes(lift)) > 20
    settle(rig, np.array([1]), np.array([0]), out, np.full(2 * F * S, 10.0), lift, meshes,
           _spread, max_lift=60.0, press_share=0.85)
    verts = meshes(lift)
    assert _overlap(verts) == 0
    lower_top = lift[1, :F * S]
    upper_deep = lift[0, F * S:]
    assert lower_top.min() < -1.0 and upper_deep.max() > 1.0        # both moved
    assert lift[0, :F * S].max() == 0.0                              # the lower belly's deep face stays on its bed


def test_a_capped_lift_leaves_the_rest_to_the_press_within_its_limit():
    rig, _, _, out, meshes = _setup()
    lift = np.zeros((2, 2 * F * S))
    settle(rig, np.array([1]), np.array([0]), out, np.full(2 * F * S, 10.0), lift, meshes,
           _spread, max_lift=1.0, press_share=0.85)
    assert lift[0, F * S:].max() == pytest.approx(1.0)             # the upper belly rose no more than allowed
    assert lift[1, :F * S].min() >= -8.5 - 1e-9                    # the lower one kept 15 % of its 10 mm
    assert lift[1, :F * S].min() < -4.0                             # ... and took the rest of the 5 mm
    assert _overlap(meshes(lift)) == 0


def test_a_held_belly_does_not_move_and_the_other_takes_the_whole_overlap():
    """A belly that settling would crumple is held where it was: the one above it rises by all
    of the overlap (5 mm plus the clearance) instead of half."""
    rig, _, _, out, meshes = _setup()
    lift = np.zeros((2, 2 * F * S))
    settle(rig, np.array([1]), np.array([0]), out, np.full(2 * F * S, 10.0), lift, meshes,
           _spread, max_lift=60.0, press_share=0.85, fixed=[0])
    assert not lift[:, :F * S].any()                                 # the held (lower) belly untouched
    assert lift[0, F * S:].max() > 5.0                               # the upper one rose by the whole 5 mm
    assert _overlap(meshes(lift)) == 0
    # ... and the other way round: the upper belly held, the lower one pressed by all of it
    lift = np.zeros((2, 2 * F * S))
    settle(rig, np.array([1]), np.array([0]), out, np.full(2 * F * S, 10.0), lift, meshes,
           _spread, max_lift=60.0, press_share=0.85, fixed=[1])
    assert not lift[:, F * S:].any()
    assert lift[1, :F * S].min() < -5.0
    assert _overlap(meshes(lift)) == 0


def test_apart_bellies_are_left_alone():
    rig, _, _, out, meshes = _setup(shift_x=45.0)
    lift = np.zeros((2, 2 * F * S))
    settle(rig, np.array([1]), np.array([0]), out, np.full(2 * F * S, 10.0), lift, meshes,
           _spread, max_lift=60.0, press_share=0.85)
    assert not lift.any()


def test_a_press_in_the_lift_table_is_interpolated_like_a_lift(model):
    """A superficial face pressed at one node pose (negative lift) is pressed as far near it and
    fades away towards the other nodes; the table may be held in stored 0.1 mm steps."""
    rig = model.bellies
    if rig is None:
        pytest.skip("this data folder has no muscle bellies")
    n = len(rig.line_ids) * rig.fibres * rig.stations
    table = np.zeros((2, 2, 2, 2, n), np.int16)
    table[0, 0, 0, 0, 7] = 50       # deep face lifted 5 mm at the node (0, 0, 0)
    table[0, 0, 0, 1, 7] = -30      # superficial face pressed 3 mm
    table[1, 1, 1, 1, 7] = 20       # and lifted 2 mm at the far node
    stepped = replace(rig, lift_nodes=(np.array([0.0, 40.0]),) * 3, lift_mm=table, lift_unit_mm=0.1)

    def at(*pose):
        return stepped.lift_at({"femur": body_transform("femur", np.array(pose, float))})[:, 7]

    np.testing.assert_allclose(at(0, 0, 0), [5.0, -3.0], atol=1e-6)
    # Near the first node its weight (35/40)^3 >= 1/8 counts in full; the far node's (1/8)^3
    # counts eight times over.
    np.testing.assert_allclose(at(5, 5, 5), [5.0, 2.0 * 8 * (5 / 40) ** 3 - 3.0], atol=1e-6)
    np.testing.assert_allclose(at(38, 38, 38), [5.0 * 8 * (2 / 40) ** 3, 2.0 - 3.0 * 8 * (2 / 40) ** 3], atol=1e-6)
    # Half way every corner weighs 1/8: the lift and the press of the two nodes both count.
    np.testing.assert_allclose(at(20, 20, 20), [5.0, 2.0 - 3.0], atol=1e-6)


def test_a_lift_that_would_turn_a_belly_inside_out_is_scaled_back(model):
    """In extension with abduction and internal rotation gluteus medius's posterior part twists:
    lifted in full off minimus along its skewed normals it turned inside out (about -14,000 mm3
    at (-10, 15, -40)). The build's lift at that pose keeps every belly that is right side out
    unlifted right side out."""
    from viewer.core.belly import closed_volume
    from viewer.meshgen import layers
    from viewer.meshgen.bellies import definitions

    rig = model.bellies
    if rig is None:
        pytest.skip("this data folder has no muscle bellies")
    spec = definitions()[1]["bellies"]
    layer = np.array([spec[line.split(".")[0]].get("layer", 0) for line in rig.line_ids])
    pose = np.array([-10.0, 15.0, -40.0])
    index = {line.id: k for k, line in enumerate(model.paths.lines)}
    polylines = [model.paths.polylines(pose)[index[i]] for i in rig.line_ids]
    matrices = {"femur": body_transform("femur", pose)}
    faces = belly_faces(rig.stations, rig.fibres)
    unlifted = replace(rig, lift_mm=None).vertices(polylines, matrices, model.bone_distance)
    lift = layers.lift_at_pose(rig, polylines, matrices, model.bone_distance, layer)
    drawn = layers.constant_lift(rig, lift).vertices(polylines, matrices, model.bone_distance)
    for m, line_id in enumerate(rig.line_ids):
        if closed_volume(unlifted[m], faces) > 0:
            assert closed_volume(drawn[m], faces) > 0, line_id
