"""Where the muscles and the nerve run at the neutral pose: order, depth and course.

Facts checked (Gray's Anatomy, 42nd ed.): from above down behind the hip lie piriformis,
gemellus superior, the obturator internus tendon, gemellus inferior and quadratus femoris;
obturator externus lies deep (anterior) to quadratus femoris; the sciatic nerve leaves the
pelvis below piriformis and runs down behind the gemelli, obturator internus and quadratus
femoris; obturator internus turns around the lesser sciatic notch.
"""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.sweep import resample_polyline

ORDER = ["piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior", "quadratus_femoris"]


@pytest.fixture(scope="module")
def courses(model):
    """Every path at the neutral pose, resampled densely (200 points) so crossings are precise."""
    return {i: resample_polyline(p, 200) for i, p in zip(model.paths.ids, model.paths.polylines(np.zeros(3)))}


def _behind_the_hip(poly: np.ndarray) -> np.ndarray:
    """Where a path crosses the sagittal plane 10 mm lateral to the hip centre (Z = 10): the
    strip between the ischium and the greater trochanter where the rotators lie side by side."""
    return poly[np.argmin(np.abs(poly[:, 2] - 10.0))]


def _nerve_at_height(nerve: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Nerve points interpolated at heights ``y`` (the nerve descends monotonically)."""
    order = np.argsort(nerve[:, 1])
    return np.stack([np.interp(y, nerve[order, 1], nerve[order, d]) for d in range(3)], axis=1)


def test_deep_rotators_are_stacked_from_superior_to_inferior(model, courses):
    heights = [_behind_the_hip(courses[m])[1] for m in ORDER]
    assert heights == sorted(heights, reverse=True), dict(zip(ORDER, np.round(heights, 1)))


def test_insertions_follow_the_same_order_on_the_femur(model):
    y = {m: model.landmarks[f"{m}.insertion"].position_mm[1] for m in ORDER}
    assert y["piriformis"] > y["gemellus_superior"] >= y["obturator_internus"] - 3 > y["quadratus_femoris"]


def test_obturator_externus_lies_deep_to_quadratus_femoris(courses):
    oe = courses["obturator_externus"]
    qf_mid = courses["quadratus_femoris"].mean(axis=0)
    # Where obturator externus passes the height of quadratus femoris it is further forward.
    near = oe[np.argmin(np.abs(oe[:, 1] - qf_mid[1]))]
    assert near[0] > qf_mid[0] + 5


def test_sciatic_nerve_leaves_below_piriformis_and_runs_behind_the_short_rotators(courses):
    nerve = courses["sciatic_nerve"]
    piri = courses["piriformis"]
    # At the greater sciatic foramen (piriformis' via point) the nerve is below the muscle.
    exit_point = nerve[np.argmin(np.linalg.norm(nerve - piri[1], axis=1))]
    assert exit_point[1] < piri[1][1] - 5
    for muscle in ("gemellus_superior", "obturator_internus", "gemellus_inferior", "quadratus_femoris"):
        m = courses[muscle]
        # Where the muscle crosses the nerve seen from behind (same height, same side-to-side
        # position), the nerve must be the more posterior of the two.
        n = _nerve_at_height(nerve, m[:, 1])
        k = np.argmin(np.abs(m[:, 2] - n[:, 2]))
        assert abs(m[k, 2] - n[k, 2]) < 5, f"{muscle} does not cross the nerve's course"
        assert n[k, 0] < m[k, 0] - 3, f"nerve not behind {muscle} ({n[k].round(1)} vs {m[k].round(1)})"


def test_obturator_internus_turns_around_the_lesser_sciatic_notch(model):
    line = model.paths.lines[model.paths.index("obturator_internus")]
    pts = [p.position_mm for p in line.points]
    inside, pulley, out = pts[0] - pts[1], pts[1], pts[2] - pts[1]
    angle = np.degrees(np.arccos(np.dot(inside, out) / np.linalg.norm(inside) / np.linalg.norm(out)))
    assert 60 <= angle <= 150, angle  # the tendon bends sharply round the notch
    notch = model.landmarks["lesser_sciatic_notch"].position_mm
    assert np.linalg.norm(pulley - notch) < 15
