"""``import-osim``: OpenSim models become data folders whose mechanics reproduce OpenSim.

The reference values come from the ``opensim`` package itself (computeMomentArm and the path
length), so these tests skip where it is not installed; the gait2392 ones also skip where the
shared reference folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from viewer.cli import main
from viewer.core.errors import DataError
from viewer.io.model import load_model, validate
from viewer.io.osim import fmm_spline
from viewer.meshgen.osim_import import import_osim

HERE = Path(__file__).resolve().parent
TEST_MODEL = HERE.parent / "data" / "osim" / "wrap_test_model.osim"
GAIT2392 = HERE.parents[2] / "shared" / "reference" / "opensim_gait2392" / "gait2392_thelen2003muscle.osim"

#: The grid of poses of the comparison (OpenSim coordinates, degrees): flexion -10..90,
#: adduction -20..20, internal rotation -30..30. Coarse, for a two-core CI.
GRID = [(f, a, r) for f in (-10.0, 20.0, 50.0, 90.0) for a in (-20.0, 0.0, 20.0) for r in (-30.0, 0.0, 30.0)]
#: Every 10 deg of the same ranges (385 poses), for the small test model.
DENSE_GRID = [(f, a, r) for f in range(-10, 91, 10) for a in range(-20, 21, 10) for r in range(-30, 31, 10)]


@pytest.fixture(scope="session")
def opensim():
    return pytest.importorskip("opensim")


def opensim_reference(opensim, model_file: Path, names: list[str], grid=GRID):
    """Lengths (mm) and moment arms (mm, viewer signs) from OpenSim over ``grid``."""
    model = opensim.Model(str(model_file))
    state = model.initSystem()
    coords = model.getCoordinateSet()
    flex, add, rot = (coords.get(n) for n in ("hip_flexion_r", "hip_adduction_r", "hip_rotation_r"))
    muscles = model.getMuscles()
    lengths = np.zeros((len(grid), len(names)))
    arms = np.zeros((len(grid), len(names), 3))
    for i, (f, a, r) in enumerate(grid):
        flex.setValue(state, np.radians(f), False)
        add.setValue(state, np.radians(a), False)
        rot.setValue(state, np.radians(r), False)
        model.realizePosition(state)
        for j, name in enumerate(names):
            m = muscles.get(name)
            lengths[i, j] = 1000.0 * m.getLength(state)
            # Viewer signs: + flexion, + abduction (= - adduction), + external (= - internal) rotation.
            arms[i, j] = (1000.0 * m.computeMomentArm(state, flex), -1000.0 * m.computeMomentArm(state, add),
                          -1000.0 * m.computeMomentArm(state, rot))
    return lengths, arms


def viewer_values(data_dir: Path, names: list[str], grid=GRID):
    model = load_model(data_dir)
    pose = np.array([[f, -a, -r] for f, a, r in grid], dtype=float)
    lengths, arms = model.paths.lengths_and_moment_arms(pose)
    cols = [model.paths.index(n) for n in names]
    return lengths[:, cols], arms[:, cols]


@pytest.fixture(scope="session")
def gait2392_folder(tmp_path_factory):
    if not GAIT2392.is_file():
        pytest.skip("the shared reference folder (../shared/reference) is not beside this checkout")
    out = tmp_path_factory.mktemp("gait2392")
    summary, notices = import_osim(GAIT2392, out)
    return out, summary, notices


@pytest.fixture(scope="session")
def test_model_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("wrap_test_model")
    summary, notices = import_osim(TEST_MODEL, out)
    return out, summary, notices


GAIT2392_HIP_MUSCLES = [
    "glut_med1_r", "glut_med2_r", "glut_med3_r", "glut_min1_r", "glut_min2_r", "glut_min3_r", "semimem_r",
    "semiten_r", "bifemlh_r", "sar_r", "add_long_r", "add_brev_r", "add_mag1_r", "add_mag2_r", "add_mag3_r",
    "tfl_r", "pect_r", "grac_r", "glut_max1_r", "glut_max2_r", "glut_max3_r", "iliacus_r", "psoas_r",
    "quad_fem_r", "gem_r", "peri_r", "rect_fem_r",
]


def test_gait2392_imports_every_hip_muscle_and_its_bones(gait2392_folder):
    out, summary, notices = gait2392_folder
    assert summary["muscles"] == 27 and summary["bones"] >= 3
    assert validate(out) == []
    model = load_model(out)
    assert sorted(line.id for line in model.lines) == sorted(GAIT2392_HIP_MUSCLES)
    # Bone meshes in millimetres, the femur about 40 cm long below the hip centre.
    femur = model.meshes["femur_r"]
    assert femur.body == "femur" and -460 < femur.vertices[:, 1].min() < -380 and femur.vertices[:, 1].max() < 60
    # PCSA from the maximum isometric force: gluteus maximus part 1, 573 N / 61 N/cm^2.
    assert model.annotations["glut_max1_r"].architecture.pcsa_cm2 == pytest.approx(573.0 / 61.0, abs=1e-3)
    assert model.annotations["glut_max1_r"].architecture.estimate


def test_gait2392_moment_arms_and_lengths_reproduce_opensim(gait2392_folder, opensim):
    out, _, _ = gait2392_folder
    ref_l, ref_r = opensim_reference(opensim, GAIT2392, GAIT2392_HIP_MUSCLES)
    our_l, our_r = viewer_values(out, GAIT2392_HIP_MUSCLES)
    assert np.abs(our_l - ref_l).max() < 0.5
    assert np.abs(our_r - ref_r).max() < 1.0
    assert np.abs(ref_r).max() > 50.0  # the comparison is not between zeros


#: Every imported muscle of the test model: each wrap type (sphere, cylinder, ellipsoid with the
#: three plane methods, torus), quadrants on each, a path with two wraps, conditional and
#: moving points.
REPRODUCED = ["head_wrap", "neck_wrap", "troch_wrap", "troch_side_wrap", "ischium_wrap", "tuber_wrap",
              "conditional_points", "moving_point", "torus_wrap", "troch_midpoint", "troch_axial", "ring_half_wrap",
              "two_wraps"]
WRAPPED = ["head_wrap", "neck_wrap", "troch_wrap", "troch_side_wrap", "ischium_wrap", "tuber_wrap", "torus_wrap",
           "troch_midpoint", "troch_axial", "ring_half_wrap", "two_wraps"]


def test_small_model_with_every_point_type_and_wrap_reproduces_opensim(test_model_folder, opensim):
    out, _, _ = test_model_folder
    ref_l, ref_r = opensim_reference(opensim, TEST_MODEL, REPRODUCED, DENSE_GRID)
    our_l, our_r = viewer_values(out, REPRODUCED, DENSE_GRID)
    np.testing.assert_array_less(np.abs(our_l - ref_l), 0.5)
    np.testing.assert_array_less(np.abs(our_r - ref_r), 1.0)
    assert np.abs(ref_r).max() > 30.0  # the comparison is not between zeros


def test_every_wrap_of_the_test_model_wraps_on_the_grid_and_is_drawn_at_its_length(test_model_folder):
    """The comparison above means something only if each wrap is in contact at some poses; the
    drawn course (tangent lines and the arc OpenSim measures) has the computed length."""
    out, _, _ = test_model_folder
    model = load_model(out)
    paths = model.paths
    pose = np.array([[f, -a, -r] for f, a, r in GRID])
    lengths = paths.lengths(pose)
    for name in WRAPPED:
        j = paths.index(name)
        drawn = [paths.polylines(p)[j] for p in pose]
        line = paths.lines[j]
        assert max(len(d) for d in drawn) > len(line.points), name
        drawn_length = np.array([np.linalg.norm(np.diff(d, axis=0), axis=1).sum() for d in drawn])
        np.testing.assert_allclose(drawn_length, lengths[:, j], atol=0.05, err_msg=name)


def test_ellipsoid_plane_methods_give_their_own_paths(test_model_folder, opensim):
    """The three methods of OpenSim's ellipsoid wrap put the path in different planes: the
    import keeps each method (its own wrap entry), and each reproduces OpenSim."""
    out, _, _ = test_model_folder
    names = ["troch_wrap", "troch_midpoint", "troch_axial"]
    ref_l, _ = opensim_reference(opensim, TEST_MODEL, names)
    our_l, _ = viewer_values(out, names)
    assert np.abs(ref_l[:, 0] - ref_l[:, 1]).max() > 0.01 or np.abs(ref_l[:, 0] - ref_l[:, 2]).max() > 0.01
    np.testing.assert_allclose(our_l, ref_l, atol=0.01)
    model = load_model(out)
    methods = {w.method for line in model.lines if line.id in names for w in line.wraps if w is not None}
    assert methods == {"hybrid", "midpoint", "axial"}


def test_unsupported_elements_give_one_line_and_nothing_half_imported(test_model_folder):
    out, summary, notices = test_model_folder
    assert notices == [(f"{TEST_MODEL}: muscle 'hip_moving' left out: unsupported moving point 'm' driven by the hip "
                        "coordinate 'hip_flexion_r'")]
    model = load_model(out)
    assert "hip_moving" not in model.paths.ids and "one_sided" not in model.paths.ids
    assert summary["muscles"] == 13
    torus = model.paths.lines[model.paths.index("torus_wrap")].wraps[0]
    assert torus.kind == "torus" and torus.method == "opensim"
    assert torus.radius_mm == pytest.approx(10.0) and torus.ring_radius_mm == pytest.approx(30.0)
    # Conditional points keep their hip conditions (degrees, viewer coordinates).
    line = model.paths.lines[model.paths.index("conditional_points")]
    conditions = [p.condition for p in line.points if p.condition is not None]
    assert conditions[0] == pytest.approx((0, -90.0002, 45.0002), abs=1e-3)
    assert conditions[1] == pytest.approx((1, -57.2958, 5.7296), abs=1e-3)  # abduction = -adduction


def test_simm_spline_interpolates_and_is_smooth():
    x = np.array([-2.0, -1.0, 0.0, 0.5, 2.0])
    y = np.array([0.3, -0.1, 0.2, 0.25, -0.4])
    f = fmm_spline(x, y)
    assert [f(v) for v in x] == pytest.approx(list(y))
    ts = np.linspace(-2.0, 2.0, 4001)
    values = np.array([f(t) for t in ts])
    slope = np.diff(values) / np.diff(ts)
    assert np.max(np.abs(np.diff(slope))) < 5e-3  # continuous first derivative across the knots


@pytest.mark.parametrize("content, message", [
    ("not xml at all <", "not a readable XML file"),
    ("<OpenSimDocument Version=\"20302\"><Model name=\"m\"/></OpenSimDocument>", "version 20302 is not supported"),
    ("<Other/>", "not an OpenSim model"),
    ("<OpenSimDocument Version=\"40000\"><Model name=\"m\"><JointSet><objects/></JointSet></Model></OpenSimDocument>",
     "no hip joint found"),
])
def test_bad_model_files_give_one_clear_line(tmp_path, content, message):
    f = tmp_path / "bad.osim"
    f.write_text(content)
    with pytest.raises(DataError, match=message) as info:
        import_osim(f, tmp_path / "out")
    assert "bad.osim" in str(info.value)


def test_cli_import_osim(tmp_path, capsys):
    assert main(["import-osim", str(TEST_MODEL), "--out", str(tmp_path / "d")]) == 0
    out, err = capsys.readouterr()
    assert "imported 13 muscles crossing the hip" in out and f"--data {tmp_path / 'd'}" in out
    assert "'hip_moving' left out" in err
    assert main(["--data", str(tmp_path / "d"), "validate"]) == 0
    assert main(["import-osim", str(tmp_path / "missing.osim"), "--out", str(tmp_path / "e")]) == 2
    assert "model file not found" in capsys.readouterr().err
