"""The clinical lens in the scene: stretch colours, released muscles, the space segment, sections."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.sections import Section, parse_section
from viewer.core.stretch import lengths_and_stretch
from viewer.io.clinical import clinical_for
from viewer.render.clinical_layer import RETRACTED_FRACTION, retract_polyline, stretch_colour
from viewer.render.offscreen import RenderOptions, model_bounds, render_image

from tests.render.conftest import muscle_ends


def _colour(scene, leaf):
    return np.asarray(scene.actors[leaf].GetProperty().GetColor())


def test_stretch_colouring_follows_the_stretch(session, model):
    fair = clinical_for(model).test("fair").pose_deg
    session.state.set_pose(fair)
    session.state.set_colour_by("stretch")
    _, stretch = lengths_and_stretch(model.paths, np.array([fair]))
    k = model.paths.index("piriformis")
    assert stretch[0, k] > 1
    np.testing.assert_allclose(_colour(session.scene, "piriformis"), stretch_colour(stretch[0, k]), atol=1e-6)
    # lengthened is orange (red above blue), shortened purple (blue above green)
    assert stretch_colour(15)[0] > stretch_colour(15)[2]
    assert stretch_colour(-15)[2] > stretch_colour(-15)[1]
    np.testing.assert_allclose(stretch_colour(0), stretch_colour(0.0))
    assert session.scene.values()["piriformis"] == pytest.approx(stretch[0, k])
    assert session.scene.legend_visible
    session.state.set_pose([0, 0, 0])
    assert session.scene.values()["piriformis"] == pytest.approx(0.0, abs=1e-9)


def test_retract_polyline_keeps_the_origin_and_shortens_by_the_fraction():
    line = np.array([[0, 0, 0], [10, 0, 0], [10, 30, 0]], dtype=float)
    out = retract_polyline(line, 0.5)
    np.testing.assert_allclose(out[0], line[0])
    np.testing.assert_allclose(np.linalg.norm(np.diff(out, axis=0), axis=1).sum(), 20.0)
    np.testing.assert_allclose(out[-1], [10, 10, 0])


def test_released_muscles_are_drawn_retracted_and_repair_restores_them(session, model):
    scene = session.scene
    attached = np.array(scene.structures.polydata["piriformis"].points).copy()
    attached_ends = muscle_ends(model, attached)
    insertion = attached_ends[1]
    session.state.set_released(clinical_for(model).release_default)
    retracted = np.array(scene.structures.polydata["piriformis"].points)
    retracted_ends = muscle_ends(model, retracted)
    origin_end = retracted_ends[0]
    np.testing.assert_allclose(origin_end, attached_ends[0], atol=1e-6)
    full = np.linalg.norm(attached_ends[1] - attached_ends[0])
    assert np.linalg.norm(retracted_ends[1] - insertion) > 0.2 * full
    # Quadratus femoris was not released: unchanged.
    assert not set(session.state.released) & {"quadratus_femoris"}
    session.state.set_motion("external_rotation")
    assert "piriformis" not in scene.values() and "quadratus_femoris" in scene.values()
    session.state.set_released([])
    np.testing.assert_allclose(np.array(scene.structures.polydata["piriformis"].points), attached, atol=1e-9)
    assert "piriformis" in scene.values()
    assert 0 < RETRACTED_FRACTION < 1


def test_space_segment_and_readout(session, model):
    layer = session.scene.clinical
    session.state.set_show_spaces(True)
    values = layer.space_values()
    data = clinical_for(model)
    expected = data.space_model.measure(np.zeros((1, 3)))
    assert values["ischiofemoral"] == pytest.approx(float(expected["ischiofemoral"].distance_mm[0]))
    text = layer._space_text.GetInput()
    assert "computed by the model" in text and "barros2019" in text and "tosun2012" in text
    assert layer._space_actor.GetVisibility()
    session.state.set_pose([-10, -10, 30])
    assert layer.space_values()["ischiofemoral"] < values["ischiofemoral"]
    session.state.set_show_spaces(False)
    assert not layer._space_actor.GetVisibility() and layer.space_values() == {}


def test_axial_section_at_the_tuberosity_caps_the_bones_and_quadratus_femoris(session, model):
    layer = session.scene.clinical
    # The level of quadratus femoris, from its attachment landmarks (follows rebuilt meshes and paths).
    level = 0.5 * (model.landmarks["quadratus_femoris.origin"].position_mm[1]
                   + model.landmarks["quadratus_femoris.insertion"].position_mm[1])
    session.state.set_section(parse_section(f"axial:{level:.1f}", *model_bounds(model)))
    cut = layer.section_cut()
    assert {"femur", "hip_bone", "quadratus_femoris", "sciatic_nerve"} <= set(cut)
    assert all(info["area_mm2"] > 0 for info in cut.values())
    for info in cut.values():
        assert info["centre_mm"][1] == pytest.approx(level, abs=0.6)
    assert session.scene.actors["femur"].GetMapper().GetNumberOfClippingPlanes() == 1
    assert layer._cap_actor.GetVisibility()
    # The ischium lies medial to the femur on the slice (right hip: lateral is +Z).
    assert cut["femur"]["centre_mm"][2] > cut["hip_bone"]["centre_mm"][2]
    session.state.set_section(None)
    assert session.scene.actors["femur"].GetMapper().GetNumberOfClippingPlanes() == 0
    assert not layer._cap_actor.GetVisibility() and layer.section_cut() == {}


def test_moving_the_plane_changes_the_cut(session, model):
    section = parse_section("coronal:-30", *model_bounds(model))
    session.state.set_section(section)
    first = session.scene.clinical.section_cut()
    session.state.set_section(section.moved(-50))
    second = session.scene.clinical.section_cut()
    assert first and second and first != second
    assert all(info["centre_mm"][0] == pytest.approx(-50, abs=0.5) for info in second.values())


def test_oblique_plane_through_three_points():
    s = parse_section("oblique:0,0,0;1,0,0;0,1,0")
    np.testing.assert_allclose(abs(s.normal @ [0, 0, 1]), 1.0)
    np.testing.assert_allclose(s.origin, [1 / 3, 1 / 3, 0])


def test_a_section_image_shows_the_cut_faces(model):
    plain = render_image(model, RenderOptions(size=(320, 240), view="inferior", groups_hidden=["gluteals"]))
    cut = render_image(model, RenderOptions(size=(320, 240), view="inferior", groups_hidden=["gluteals"],
                                            section="axial:-62"))
    assert np.abs(plain.astype(int) - cut.astype(int)).sum(axis=2).astype(bool).mean() > 0.05
    # Bone cut faces are drawn in the bone colour (not left hollow): many near-ivory pixels.
    rgb = cut[..., :3].astype(int)
    ivory = (rgb[..., 0] > 180) & (rgb[..., 1] > 170) & (rgb[..., 2] > 140) & (rgb[..., 0] - rgb[..., 2] < 60)
    assert ivory.mean() > 0.02


@pytest.mark.parametrize("text, words", [
    ("axial:900", ["misses the model", "axial"]),
    ("frontal:10", ["unknown plane 'frontal'", "axial, coronal, sagittal, oblique"]),
    ("axial:abc", ["not a number"]),
    ("oblique:0,0,0;1,1,1;2,2,2", ["on one line"]),
    ("axial", ["malformed section"]),
])
def test_bad_sections(model, text, words):
    from viewer.core.errors import DataError

    with pytest.raises(DataError) as info:
        parse_section(text, *model_bounds(model))
    for word in words:
        assert word in info.value.message
    assert info.value.field == "--section"
