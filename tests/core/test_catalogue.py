"""The anatomy catalogue: one record per structure and compartment, one resolver for ids."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS
from viewer.core.spec import resolve_layers


def test_records_cover_every_mesh_and_line(model):
    cat = model.catalogue
    assert sorted(cat.all_leaves()) == sorted(model.meshes)
    for line in model.lines:
        assert line.id in cat[line.structure].lines
    medius = cat["gluteus_medius"]
    assert medius.kind == "muscle" and medius.group == "gluteals" and len(medius.leaves) == 3
    assert cat["gluteus_medius.anterior"].parent == "gluteus_medius"
    assert cat.structure_of("gluteus_medius.anterior") == "gluteus_medius"
    assert cat["femur"].lines == () and cat["femur"].pcsa_cm2 is None
    assert [g.id for g in cat.groups()] == ["bones", "deep_external_rotators", "gluteals", "nerves"]


@pytest.mark.parametrize("text, expected", [
    ("piriformis", "piriformis"), ("Piriformis", "piriformis"), ("glute med", "gluteus_medius"),
    ("gluteus-medius", "gluteus_medius"), ("gluteus_medius.anterior", "gluteus_medius.anterior"),
])
def test_resolve_ids_names_and_synonyms(model, text, expected):
    assert model.catalogue.resolve(text) == expected


def test_resolve_suggests_near_misses(model):
    with pytest.raises(DataError) as info:
        model.catalogue.resolve("piriformus")
    assert "unknown structure or compartment 'piriformus'; did you mean 'piriformis'?" in str(info.value)
    with pytest.raises(DataError, match="did you mean 'gluteals'"):
        model.catalogue.resolve("gluteal", groups=True)
    # A group is not a structure where groups are not allowed.
    with pytest.raises(DataError, match="unknown structure or compartment 'gluteals'"):
        model.catalogue.resolve("gluteals")


def test_one_layer_resolver_only_then_hide_then_show(model):
    cat = model.catalogue
    start = {leaf: True for leaf in cat.all_leaves()}
    out = resolve_layers(start, cat, only=["deep_external_rotators", "femur"], hide=["piriformis"],
                         show=["gluteus_medius.anterior"])
    shown = {leaf for leaf, v in out.items() if v}
    assert shown == (set(cat.leaves("deep_external_rotators", groups=True)) - {"piriformis"}
                     | {"femur", "gluteus_medius.anterior"})
    with pytest.raises(DataError) as info:
        resolve_layers(start, cat, hide=["glutes"], field_names={"hide": "--hide"})
    assert info.value.field == "--hide" and "did you mean 'gluteals'" in info.value.reason


def test_one_mechanics_call_per_pose_answers_every_consumer(model):
    pose = np.array([60.0, 10.0, -15.0])
    result = model.actions.at_pose(pose)
    assert result.moment_arms_mm.shape == (len(model.lines), 3)
    assert result.lengths_mm.shape == (len(model.lines),)
    np.testing.assert_allclose(result.lengths_mm, model.paths.lengths(pose[None])[0], atol=1e-9)
    for motion in MOTIONS.values():
        batched = model.actions.evaluate(motion, pose[None])
        for key, values in result.values(motion).items():
            np.testing.assert_allclose(values, batched[key][0], atol=1e-9)
    er = MOTIONS["external_rotation"]
    assert result.moment_arm("piriformis", er) == pytest.approx(result.values(er)["line_r"][
        model.actions.line_ids.index("piriformis")])
    assert result.table(er) == model.actions.table(er, pose)
