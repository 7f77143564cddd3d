"""The render layer off-screen: actor state follows the session state, images are not blank."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.kinematics import femur_transform
from viewer.render.offscreen import RenderOptions, render_image, save_png
from viewer.render.palette import ROLE_COLOURS, hex_to_rgb

from tests.render.conftest import muscle_ends


def _foreground(image: np.ndarray) -> int:
    """Pixels that differ clearly from the background (sampled at the four corners)."""
    rgb = image[..., :3].astype(int)
    corners = np.array([rgb[0, 0], rgb[0, -1], rgb[-1, 0], rgb[-1, -1]])
    dist = np.min(np.abs(rgb[:, :, None, :] - corners[None, None]).sum(-1), axis=2)
    return int((dist > 40).sum())


def test_every_structure_has_an_actor_built_once(session, model):
    assert set(session.scene.actors) == set(model.meshes)
    before = {k: id(v) for k, v in session.scene.actors.items()}
    session.state.set_pose([45, 10, 20])
    session.state.set_motion("external_rotation")
    assert {k: id(v) for k, v in session.scene.actors.items()} == before


def test_pose_moves_the_femur_and_resweeps_muscles(session, model):
    scene = session.scene
    pts_before = np.array(scene.structures.polydata["piriformis"].points).copy()
    session.state.set_pose([60, 0, 30])
    m = scene.actors["femur"].GetUserMatrix()
    matrix = np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(matrix, femur_transform([60, 0, 30])[0], atol=1e-12)
    pts_after = np.array(scene.structures.polydata["piriformis"].points)
    assert pts_after.shape == pts_before.shape
    # The insertion end moved with the femur; the origin end stayed on the sacrum.
    before, after = muscle_ends(model, pts_before), muscle_ends(model, pts_after)
    assert np.linalg.norm(after[1] - before[1]) > 20
    assert np.linalg.norm(after[0] - before[0]) < 1e-6


def test_visibility_and_opacity_reach_the_actors(session):
    state, scene = session.state, session.scene
    state.set_visible("gluteus_maximus", False)
    for leaf in state.leaf_ids("gluteus_maximus"):
        assert not scene.actors[leaf].GetVisibility()
    assert scene.actors["piriformis"].GetVisibility()
    state.set_opacity("piriformis", 0.4)
    assert scene.actors["piriformis"].GetProperty().GetOpacity() == pytest.approx(0.4)


def test_ghost_makes_everything_but_the_selection_translucent(session):
    state, scene = session.state, session.scene
    state.select("piriformis")
    state.set_ghost(True)
    assert scene.actors["piriformis"].GetProperty().GetOpacity() == pytest.approx(1.0)
    assert scene.actors["hip_bone"].GetProperty().GetOpacity() < 0.2
    # Translucent scene on software OpenGL with depth peeling: must not come out blank.
    session.scene.set_view("posterior")
    assert _foreground(session.image()) > 0.05 * 480 * 360


def test_motion_colours_by_role(session, model):
    state, scene = session.state, session.scene
    state.set_motion("external_rotation")
    colour = np.array(scene.actors["quadratus_femoris"].GetProperty().GetColor())
    blue = hex_to_rgb(ROLE_COLOURS["produces"])
    assert np.linalg.norm(colour - blue) < 0.35
    state.set_pose([90, 0, 0])
    values = scene.values()
    assert values["piriformis"] < 0
    colour = np.array(scene.actors["piriformis"].GetProperty().GetColor())
    assert np.linalg.norm(colour - hex_to_rgb(ROLE_COLOURS["opposes"])) < np.linalg.norm(colour - blue)


def test_picking_finds_the_structure_under_the_cursor(session):
    session.scene.set_view("posterior")
    session.image()
    point = session.scene.surface_point("femur")
    x, y = session.scene.display_point(point)
    assert session.scene.pick(x, y) is not None
    assert session.scene.pick(2, 2) is None


def test_headless_png_has_the_requested_size_and_is_not_blank(model, tmp_path):
    opts = RenderOptions(size=(400, 300), view="lateral", motion="external_rotation")
    image = render_image(model, opts)
    assert image.shape == (300, 400, 3)
    assert _foreground(image) > 0.1 * 400 * 300
    path = save_png(image, tmp_path / "x.png")
    import imageio.v3 as iio

    assert iio.imread(path).shape == (300, 400, 3)


def test_transparent_background(model):
    image = render_image(model, RenderOptions(size=(320, 240), view="anterior", transparent=True))
    assert image.shape == (240, 320, 4)
    assert image[0, 0, 3] == 0 and image[..., 3].max() == 255


def test_views_differ(model):
    a = render_image(model, RenderOptions(size=(240, 180), view="anterior"))
    b = render_image(model, RenderOptions(size=(240, 180), view="superior"))
    assert np.mean(np.abs(a.astype(int) - b.astype(int))) > 5


def test_attachment_markers_sit_on_the_landmarks(session, model):
    state, scene = session.state, session.scene
    state.set_pose([30, 0, 20])
    state.select("gluteus_medius.anterior")
    origin = model.landmarks["gluteus_medius.anterior.origin"].position_mm
    insertion = femur_transform([30, 0, 20])[0, :3, :3] @ model.landmarks["gluteus_medius.anterior.insertion"].position_mm
    np.testing.assert_allclose(scene.markers.attachment_point("gluteus_medius.anterior", 0, scene.state.pose), origin, atol=1e-9)
    np.testing.assert_allclose(scene.markers.attachment_point("gluteus_medius.anterior", -1, scene.state.pose), insertion, atol=1e-9)


def test_knee_flexion_moves_the_leg_and_the_inferior_view_leaves_the_limb_out(session, model):
    from viewer.core.kinematics import body_transform

    scene, state = session.scene, session.state
    knee = model.landmarks["knee_centre"].position_mm
    state.set_pose([0, 0, 20])
    state.set_knee_flexion(90.0)
    m = scene.actors["leg"].GetUserMatrix()
    matrix = np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(matrix, body_transform("leg", [0, 0, 20], 90.0, knee), atol=1e-9)
    state.set_knee_flexion(0.0)
    scene.set_view("inferior")
    cam = scene.plotter.camera
    distance = np.linalg.norm(np.asarray(cam.position) - np.asarray(cam.focal_point))
    near, _ = cam.clipping_range
    foot = scene.structures.to_pelvis(model.meshes["leg"], model.landmarks["tip_of_the_great_toe"].position_mm[None], state.pose)[0]
    foot_depth = np.dot(foot - np.asarray(cam.position), np.asarray(cam.focal_point) - np.asarray(cam.position)) / distance
    assert near > foot_depth  # the foot lies in front of the near plane: clipped away
    assert near < distance - 200  # the hip region stays in view
