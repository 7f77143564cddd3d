"""The sciatic nerve's course: from the sacral foramina, below piriformis, on the short rotators
midway between the ischial tuberosity and the greater trochanter (Gray's Anatomy, 42nd ed.)."""

from __future__ import annotations

import numpy as np


def test_the_nerve_starts_at_the_sacral_foramina(model):
    start = model.paths.polylines(np.zeros(3))[model.paths.index("sciatic_nerve")][0]
    foramina = [model.landmarks[f"anterior_sacral_foramen_s{k}"].position_mm for k in (2, 3, 4)]
    assert min(np.linalg.norm(start - f) for f in foramina) < 30.0


def test_the_nerve_lies_on_quadratus_femoris_midway_between_tuberosity_and_trochanter(model):
    nerve = model.meshes["sciatic_nerve"].vertices
    qf = model.meshes["quadratus_femoris"].vertices
    y = qf[:, 1].mean()
    at = nerve[np.abs(nerve[:, 1] - y) < 4]
    tuberosity = model.landmarks["ischial_tuberosity"].position_mm
    trochanter = model.landmarks["quadrate_tubercle"].position_mm
    midway = 0.5 * (tuberosity[2] + trochanter[2])
    assert abs(at[:, 2].mean() - midway) < 8.0, (at[:, 2].mean(), midway)
    # on the muscle's back: the nerve's front within a few millimetres of the muscle's back
    under = qf[(np.abs(qf[:, 1] - y) < 4) & (np.abs(qf[:, 2] - at[:, 2].mean()) < 8)]
    gap = under[:, 0].min() - at[:, 0].max()
    assert -1.0 < gap < 6.0, gap
