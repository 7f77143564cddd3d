"""What the built-in lessons' captions say about actions, checked against the model.

A caption must not claim what the picture beside it contradicts; the colours in the picture come
from these moment arms (blue: r >= 2 mm, vermillion: r <= -2 mm). If the geometry changes and a
test here fails, the caption named in the test's docstring needs rewording.
"""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.actions import roles
from viewer.core.motions import parse_motion

SIX = ["piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior", "obturator_externus",
       "quadratus_femoris"]


def line_roles(model, motion: str, pose) -> dict[str, str]:
    acts = model.actions
    r = acts.evaluate(parse_motion(motion), np.array([pose], dtype=float))["line_r"][0]
    return dict(zip(acts.line_ids, roles(r)))


def line_values(model, motion: str, pose, key: str = "line_r") -> dict[str, float]:
    acts = model.actions
    values = acts.evaluate(parse_motion(motion), np.array([pose], dtype=float))[key][0]
    return dict(zip(acts.line_ids, values))


@pytest.mark.parametrize("rotation", [0, 10, 20, 30, 40])
def test_all_six_rotators_produce_external_rotation_from_neutral_to_40(hip_model, rotation):
    """external_rotation steps 2-5, position_changes_action step 2, gemellus_inferior_clinic step 7."""
    got = line_roles(hip_model, "external_rotation", [0, 0, rotation])
    assert all(got[m] == "produces" for m in SIX), got


def test_gluteus_maximus_shortens_to_40_while_its_middle_part_reverses_past_30(hip_model):
    """external_rotation step 3: every part of maximus is shorter at 40 deg than at neutral, yet
    from about 30 deg its middle part opposes further rotation and by 40 deg the other two are grey
    (OpenSim's gait2392 model shows the same reversal of its middle part near 40 deg)."""
    paths = hip_model.paths
    index = {line.id: k for k, line in enumerate(paths.lines)}
    neutral, turned = paths.lengths([[0, 0, 0], [0, 0, 40]])
    parts = [f"gluteus_maximus.{p}" for p in ("upper", "middle", "lower")]
    for part in parts:
        assert turned[index[part]] < neutral[index[part]] - 2.0, part
    for rotation in (0, 10, 20):
        assert all(line_roles(hip_model, "external_rotation", [0, 0, rotation])[p] == "produces" for p in parts)
    assert line_roles(hip_model, "external_rotation", [0, 0, 30])["gluteus_maximus.middle"] == "opposes"
    at_40 = line_roles(hip_model, "external_rotation", [0, 0, 40])
    assert at_40["gluteus_maximus.middle"] == "opposes"
    assert at_40["gluteus_maximus.upper"] == at_40["gluteus_maximus.lower"] == "negligible"


def test_front_parts_and_tfl_oppose_external_rotation_back_parts_produce(hip_model):
    """external_rotation step 8."""
    got = line_roles(hip_model, "external_rotation", [0, 0, 0])
    for line in ("tensor_fasciae_latae", "gluteus_medius.anterior", "gluteus_minimus.anterior"):
        assert got[line] == "opposes", line
    for line in ("gluteus_medius.posterior", "gluteus_minimus.posterior"):
        assert got[line] == "produces", line


def test_gluteus_maximus_has_the_most_external_rotation_torque(hip_model):
    """external_rotation steps 6-7: the small rotators rank below the gluteus maximus parts."""
    acts = hip_model.actions
    values = acts.evaluate(parse_motion("external_rotation"), np.zeros((1, 3)))
    muscle = dict(zip(acts.structure_ids, values["muscle_torque"][0]))
    assert max(muscle, key=muscle.get) == "gluteus_maximus"
    line = line_values(hip_model, "external_rotation", [0, 0, 0], "line_torque")
    weakest_maximus_part = min(v for k, v in line.items() if k.startswith("gluteus_maximus"))
    assert all(line[m] < weakest_maximus_part for m in SIX)
    assert all(line[k] > 0 for k in line if k.startswith("gluteus_maximus"))
    assert line["gluteus_medius.posterior"] > 0
    # "most have levers about as long as the gluteals'"
    r = line_values(hip_model, "external_rotation", [0, 0, 0])
    gluteal = [v for k, v in r.items() if k.startswith("gluteus_") and v >= 2]
    assert sum(r[m] >= 0.85 * np.median(gluteal) for m in SIX) >= 4


def test_piriformis_turns_internal_rotator_at_90_flexion_the_others_do_not(hip_model):
    """position_changes_action step 4."""
    straight = line_values(hip_model, "external_rotation", [0, 0, 0])
    flexed = line_values(hip_model, "external_rotation", [90, 0, 0])
    assert straight["piriformis"] >= 2 and flexed["piriformis"] <= -2
    for m in ("gemellus_superior", "obturator_internus", "gemellus_inferior"):
        assert flexed[m] >= 2, m
        assert flexed[m] < straight[m], f"{m}: the lever should be shorter at 90°"


def test_horizontal_abduction_of_the_flexed_hip(hip_model):
    """position_changes_action steps 5-6."""
    flexed = line_roles(hip_model, "abduction", [90, 0, 0])
    assert all(flexed[m] == "produces" for m in SIX[:4]), flexed
    straight = line_values(hip_model, "abduction", [0, 0, 0])
    assert straight["piriformis"] >= 2
    assert straight["piriformis"] < line_values(hip_model, "abduction", [90, 0, 0])["piriformis"], \
        "the caption says piriformis' abducting lever is shorter with the hip straight"
    for m in ("gemellus_superior", "obturator_internus", "gemellus_inferior"):
        assert straight[m] <= -2, f"{m}: the caption says it opposes abduction with the hip straight"


@pytest.mark.parametrize("flexion", [0, 30, 60, 90, 120])
def test_quadratus_femoris_and_obturator_externus_rotate_out_at_any_flexion(hip_model, flexion):
    """position_changes_action step 7."""
    got = line_roles(hip_model, "external_rotation", [flexion, 0, 0])
    assert got["quadratus_femoris"] == "produces" and got["obturator_externus"] == "produces"
