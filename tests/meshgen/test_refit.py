"""The landmark registration that fits the published paths onto the project's bones."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from viewer.core.errors import DataError
from viewer.meshgen.refit import fit_registration, load_published


def test_registration_scales_follow_the_landmarks(model):
    published = load_published()
    reg = fit_registration(published["source_landmarks"], model.landmarks)
    # Hip-centred axis scales near one: the two skeletons are of adult size.
    for body in ("pelvis", "femur"):
        assert np.all((reg.scales[body] > 0.75) & (reg.scales[body] < 1.3)), reg.scales[body]
    # Bones 10 % larger in every direction give scales 10 % larger: the fit re-applies to new bones.
    bigger = {name: dataclasses.replace(lm, position_mm=1.1 * lm.position_mm) for name, lm in model.landmarks.items()}
    reg2 = fit_registration(published["source_landmarks"], bigger)
    for body in ("pelvis", "femur"):
        np.testing.assert_allclose(reg2.scales[body], 1.1 * reg.scales[body], rtol=1e-9)


def test_built_in_paths_are_the_registered_published_points(model):
    published = load_published()
    reg = fit_registration(published["source_landmarks"], model.landmarks)
    spec = published["lines"]["gluteus_maximus.middle"]
    line = model.paths.lines[model.paths.index("gluteus_maximus.middle")]
    for k in (1, 2):  # the via points: scaled source points plus their stated shift
        p = spec["points"][k]
        expected = reg.apply(p["body"], p["position"]) + np.asarray(p.get("shift", (0, 0, 0)), float)
        np.testing.assert_allclose(line.points[k].position_mm, expected, atol=1e-3)


def test_too_few_shared_landmarks_is_a_clear_error(model):
    source = {"pelvis": {"anterior_superior_iliac_spine": [1.0, 2.0, 3.0], "no_such_landmark": [0.0, 0.0, 1.0]}}
    with pytest.raises(DataError, match="registration of pelvis needs three shared landmarks"):
        fit_registration(source, model.landmarks)
