"""What the clinical lessons' captions claim, checked against the model.

``deep_gluteal_space.yaml`` (Examining the deep gluteal space) and ``posterior_approach.yaml``
(The posterior approach). Each test's docstring names the step whose caption it checks; if the
geometry changes and a test fails, that caption needs rewording. The poses are read from the
lesson itself, so a caption and the pose it describes cannot drift apart.
"""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.motions import parse_motion
from viewer.core.release import capacity
from viewer.core.stretch import lengths_and_stretch
from viewer.io.clinical import clinical_for
from viewer.lessons import find_lesson, load_lesson

FOUR = ["piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior"]


@pytest.fixture(scope="module")
def deep(hip_model):
    return load_lesson(find_lesson("deep_gluteal_space", hip_model.data_dir), hip_model)


@pytest.fixture(scope="module")
def approach(hip_model):
    return load_lesson(find_lesson("posterior_approach", hip_model.data_dir), hip_model)


def stretch_at(model, pose) -> dict[str, float]:
    _, s = lengths_and_stretch(model.paths, np.array([pose], dtype=float))
    return dict(zip(model.paths.ids, s[0]))


def pose_of(lesson, number):
    return lesson.steps[number - 1].state.pose_deg


def roles_at(model, motion, pose):
    return model.actions.at_pose(pose).roles(parse_motion(motion))


def test_fair_step(hip_model, deep):
    """deep_gluteal_space step 2: piriformis about 11 %; gemelli, obturator internus, quadratus femoris lengthen."""
    step = deep.steps[1]
    assert step.state.colour_by == "stretch" and step.state.knee_flexion_deg == 90
    assert step.state.pose_deg == clinical_for(hip_model).test("fair").pose_deg
    s = stretch_at(hip_model, step.state.pose_deg)
    assert 9.5 <= s["piriformis"] < 12.5
    for m in ("gemellus_superior", "gemellus_inferior", "obturator_internus", "quadratus_femoris"):
        assert s[m] > 1.0, m


def test_freiberg_step(hip_model, deep):
    """deep_gluteal_space step 3: piriformis lengthened more than in FAIR, about 14 %."""
    assert pose_of(deep, 3) == clinical_for(hip_model).test("freiberg").pose_deg
    fair = stretch_at(hip_model, pose_of(deep, 2))["piriformis"]
    freiberg = stretch_at(hip_model, pose_of(deep, 3))["piriformis"]
    assert freiberg > fair and 12.5 <= freiberg < 15.5


@pytest.mark.parametrize("step", [4, 5])
def test_pace_and_beatty_steps(hip_model, deep, step):
    """deep_gluteal_space steps 4-5: piriformis, the gemelli and obturator internus abduct the flexed hip;
    step 4: each of the four with a lever of about 24 mm."""
    pose = pose_of(deep, step)
    assert deep.steps[step - 1].state.motion == "abduction"
    got = roles_at(hip_model, "abduction", pose)
    assert all(got[m] == "produces" for m in FOUR), got
    if step == 4:
        assert pose == clinical_for(hip_model).test("pace").pose_deg
        r = hip_model.actions.at_pose(pose)
        levers = {m: r.moment_arm(m, parse_motion("abduction")) for m in FOUR}
        assert all(21.0 <= v < 27.0 for v in levers.values()), levers
    else:
        assert pose == clinical_for(hip_model).test("beatty").pose_deg


def test_seated_stretch_step(hip_model, deep):
    """deep_gluteal_space step 6: piriformis about 18 %; obturator externus shortens."""
    pose = pose_of(deep, 6)
    assert pose == clinical_for(hip_model).test("seated_piriformis_stretch").pose_deg
    s = stretch_at(hip_model, pose)
    assert 16.5 <= s["piriformis"] < 19.5 and s["obturator_externus"] < -1.0


def test_ischiofemoral_steps(hip_model, deep):
    """deep_gluteal_space steps 7-9: normal at neutral (> 18 mm, Tosun 2012); closed below the
    impingement mean 11.1 mm (Barros 2019) in the long stride; abduction wider than neutral."""
    spaces = clinical_for(hip_model).space_model
    assert deep.steps[6].state.section is not None and deep.steps[6].state.show_spaces
    poses = np.array([pose_of(deep, 7), pose_of(deep, 8), pose_of(deep, 9)])
    neutral, stride, abducted = spaces.measure(poses)["ischiofemoral"].distance_mm
    assert neutral > 18.0
    assert stride < 11.1
    assert abducted > neutral


def test_internal_rotation_stretches_the_short_rotators(hip_model, approach):
    """posterior_approach step 3."""
    s = stretch_at(hip_model, pose_of(approach, 3))
    assert all(s[m] > 1.0 for m in FOUR)


def test_release_share_and_who_is_left(hip_model, approach):
    """posterior_approach step 4: about 7 %; quadratus femoris, gluteus maximus and the back of
    gluteus medius still produce external rotation. Step 5: about 13 % with quadratus femoris."""
    step4, step5 = approach.steps[3], approach.steps[4]
    assert set(step4.state.released) == set(FOUR)
    motion = parse_motion("external_rotation")
    cap = capacity(hip_model.actions, motion, step4.state.pose_deg, step4.state.released)
    assert 5.5 <= cap.released_share_pct < 8.5
    got = roles_at(hip_model, "external_rotation", step4.state.pose_deg)
    for m in ("quadratus_femoris", "gluteus_maximus", "gluteus_medius.posterior"):
        assert got[m] == "produces", m
    cap5 = capacity(hip_model.actions, motion, step5.state.pose_deg, step5.state.released)
    assert 11.5 <= cap5.released_share_pct < 14.5


def test_repair_restores_everything(hip_model, approach):
    """posterior_approach step 6."""
    last = approach.steps[-1].state
    assert last.released == () and last.pose_deg == (0.0, 0.0, 0.0)
