"""The mechanics against independent published data (../shared/reference/hip_muscle_reference.md).

Sources: action signs in the anatomical position are the consensus of Neumann 2010 (JOSPT
40(2):82-94, building on Dostal, Soderberg & Andrews 1986, Phys Ther 66:351-361); posture
dependence and piriformis magnitudes are from Delp, Hess, Hungerford & Jones 1999 (J Biomech
32(5):493-501). Only cells the reference marks + or - are asserted; "~0" cells are not.
"""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.actions import NEGLIGIBLE_MOMENT_ARM_MM
from viewer.core.moment_arms import moment_arms
from viewer.core.motions import POSE_COORDINATES

FLEX, ABD, ER = 0, 1, 2

# (line id, coordinate, expected sign) from the reference table, anatomical position.
SIGNS_NEUTRAL = [
    ("piriformis", ABD, +1), ("piriformis", ER, +1),
    ("gemellus_superior", ER, +1), ("obturator_internus", ER, +1), ("gemellus_inferior", ER, +1),
    ("quadratus_femoris", ABD, -1), ("quadratus_femoris", ER, +1),
    ("obturator_externus", ABD, -1), ("obturator_externus", ER, +1),
    ("gluteus_maximus.upper", FLEX, -1), ("gluteus_maximus.upper", ABD, +1), ("gluteus_maximus.upper", ER, +1),
    ("gluteus_maximus.lower", FLEX, -1), ("gluteus_maximus.lower", ABD, -1), ("gluteus_maximus.lower", ER, +1),
    ("gluteus_medius.anterior", FLEX, +1), ("gluteus_medius.anterior", ABD, +1), ("gluteus_medius.anterior", ER, -1),
    ("gluteus_medius.middle", ABD, +1),
    ("gluteus_medius.posterior", FLEX, -1), ("gluteus_medius.posterior", ABD, +1), ("gluteus_medius.posterior", ER, +1),
    ("gluteus_minimus.anterior", FLEX, +1), ("gluteus_minimus.anterior", ABD, +1), ("gluteus_minimus.anterior", ER, -1),
    ("gluteus_minimus.posterior", FLEX, -1), ("gluteus_minimus.posterior", ABD, +1),
    ("tensor_fasciae_latae", FLEX, +1), ("tensor_fasciae_latae", ABD, +1), ("tensor_fasciae_latae", ER, -1),
]

DEEP_ROTATORS = ["piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior",
                 "obturator_externus", "quadratus_femoris"]


def _r(model, pose):
    return moment_arms(model.paths, np.asarray(pose, float))[0]


@pytest.mark.parametrize("line_id, coordinate, sign", SIGNS_NEUTRAL,
                         ids=[f"{a}-{POSE_COORDINATES[c]}" for a, c, _ in SIGNS_NEUTRAL])
def test_action_signs_in_the_anatomical_position(model, line_id, coordinate, sign):
    r = _r(model, [0, 0, 0])[model.paths.index(line_id), coordinate]
    assert sign * r >= NEGLIGIBLE_MOMENT_ARM_MM, f"{line_id} {POSE_COORDINATES[coordinate]}: r = {r:.1f} mm"


def test_whole_gluteus_maximus_extends_and_externally_rotates(model):
    from viewer.core.motions import MOTIONS

    for motion in ("extension", "external_rotation"):
        rows = {row.muscle: row for row in model.actions.table(MOTIONS[motion], [0, 0, 0])}
        assert rows["gluteus_maximus"].role == "produces"


def test_piriformis_magnitudes_match_cadaver_data(model):
    # Delp et al. 1999: about 29 mm external-rotation moment arm with the hip extended and
    # about 14 mm internal-rotation moment arm at 90 deg flexion; +/-5 mm for the spread
    # between specimens (the published targets that replaced the earlier +/-50 %).
    i = model.paths.index("piriformis")
    extended = _r(model, [0, 0, 0])[i, ER]
    flexed = _r(model, [90, 0, 0])[i, ER]
    assert 24 <= extended <= 34, extended
    assert -19 <= flexed <= -9, flexed


def test_all_six_deep_rotators_rotate_externally_with_the_hip_extended(model):
    r = _r(model, [0, 0, 0])
    for line_id in DEEP_ROTATORS:
        assert r[model.paths.index(line_id), ER] >= NEGLIGIBLE_MOMENT_ARM_MM, line_id


def test_piriformis_becomes_an_internal_rotator_with_flexion(model):
    flex = np.arange(0.0, 91.0, 1.0)
    poses = np.stack([flex, 0 * flex, 0 * flex], 1)
    r = moment_arms(model.paths, poses)[:, model.paths.index("piriformis"), ER]
    assert r[0] > 0 and r[-1] < -NEGLIGIBLE_MOMENT_ARM_MM
    assert np.all(np.diff(r) < 0.5), "the external-rotation moment arm should fall steadily with flexion"
    crossing = flex[np.argmax(r < 0)]
    # Published models put the sign change at 48-64 deg; the chord of Delp's values crosses near 60.
    assert 45 <= crossing <= 65, f"piriformis changes action at {crossing} deg of flexion"


def test_gemelli_and_obturator_internus_abduct_the_flexed_hip(model):
    r = _r(model, [90, 0, 0])
    for line_id in ("gemellus_superior", "obturator_internus", "gemellus_inferior"):
        assert r[model.paths.index(line_id), ABD] >= NEGLIGIBLE_MOMENT_ARM_MM, line_id


def test_quadratus_femoris_and_obturator_externus_stay_external_rotators_at_90_degrees(model):
    r = _r(model, [90, 0, 0])
    for line_id in ("quadratus_femoris", "obturator_externus"):
        assert r[model.paths.index(line_id), ER] >= NEGLIGIBLE_MOMENT_ARM_MM, line_id


def test_flexion_shifts_rotation_moment_arms_towards_internal_rotation(model):
    # Delp et al. 1999: the trend towards internal rotation with flexion held in 15 of 18
    # compartments. Require the same majority (at least 80 %) of our gluteal, piriformis,
    # quadratus, obturator and TFL lines.
    ids = [line.id for line in model.paths.lines if line.is_muscle and not line.id.startswith("gemellus")]
    r0 = _r(model, [0, 0, 0])
    r90 = _r(model, [90, 0, 0])
    shifted = [i for i in ids if r90[model.paths.index(i), ER] < r0[model.paths.index(i), ER]]
    assert len(shifted) / len(ids) >= 0.8, sorted(set(ids) - set(shifted))


def test_moment_arms_are_continuous_along_one_degree_sweeps(model):
    """No jumps anywhere in the range of motion.

    Every coordinate is swept in 1 deg steps through its whole range with the others held at
    several values. The largest 1 deg change is printed for the record; the interval where it
    happens is then split into 100 sub-steps: a jump would stay concentrated in one sub-step,
    a steep but continuous change spreads over all of them.
    """
    from viewer.core.kinematics import DEFAULT_ROM

    limits = DEFAULT_ROM.as_array()
    worst = (0.0, None, None)
    for c in range(3):
        sweep = np.arange(limits[c, 0], limits[c, 1] + 1e-9, 1.0)
        for a in (0, 1, 2):
            if a == c:
                continue
            lo, hi = limits[a]
            for value in [v for v in (-20.0, 0.0, 45.0, 90.0) if lo <= v <= hi] + [lo, hi]:
                poses = np.zeros((len(sweep), 3))
                poses[:, c] = sweep
                poses[:, a] = value
                steps = np.abs(np.diff(moment_arms(model.paths, poses), axis=0))
                k = np.unravel_index(np.argmax(steps), steps.shape)
                if steps[k] > worst[0]:
                    worst = (float(steps[k]), poses[k[0]], (c, k[1], k[2]))
    largest, start, (c, line, coord) = worst
    print(f"largest change of any moment arm between poses 1 deg apart: {largest:.2f} mm "
          f"({model.paths.ids[line]}, {POSE_COORDINATES[coord]}, near {np.round(start, 1).tolist()})")
    fine = np.repeat(start[None], 101, axis=0)
    fine[:, c] += np.linspace(0.0, 1.0, 101)
    sub = np.abs(np.diff(moment_arms(model.paths, fine)[:, line, coord]))
    assert largest < 10.0
    assert sub.max() < 0.05 * largest + 0.01, "a jump: the change is concentrated in one sub-step"


def test_finite_difference_step_does_not_change_results(model):
    rng = np.random.default_rng(5)
    poses = rng.uniform([-20, -30, -40], [120, 45, 50], size=(40, 3))
    a = moment_arms(model.paths, poses, step_deg=0.1)
    b = moment_arms(model.paths, poses, step_deg=1.0)
    assert np.max(np.abs(a - b)) < 0.1


def test_straight_line_excursion_equals_geometric_moment_arm_in_the_model(model):
    from viewer.core.kinematics import rotation_matrices
    from viewer.core.moment_arms import joint_axes

    straight = [line for line in model.paths.lines if line.is_muscle and all(w is None for w in line.wraps)
                and len(line.points) == 2]
    assert straight, "expected at least one straight two-point line (quadratus femoris)"
    poses = np.array([[0, 0, 0], [45, 10, 20], [100, -20, -30]], float)
    r = moment_arms(model.paths, poses, step_deg=0.05)
    R, axes = rotation_matrices(poses), joint_axes(poses)
    for line in straight:
        j = model.paths.index(line.id)
        for i in range(len(poses)):
            o = line.points[0].position_mm
            ins = R[i] @ line.points[1].position_mm
            pull = (o - ins) / np.linalg.norm(o - ins)
            for c in range(3):
                assert r[i, j, c] == pytest.approx(np.dot(np.cross(ins, pull), axes[i, c]), abs=5e-3)
