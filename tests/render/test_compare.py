"""Side-by-side poses: one camera for every viewport, and a picture equal to single renders side by side."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS
from viewer.render.compare import compare_scenes, grid_shape, pose_caption, render_compare, role_changes
from viewer.render.offscreen import OffscreenSession, RenderOptions, apply_options


def test_viewports_share_one_camera(model):
    from viewer.state import state_for_model

    states = [state_for_model(model) for _ in range(2)]
    made = compare_scenes(model, states, (200, 150))
    try:
        cams = {id(s.plotter.renderer.GetActiveCamera()) for _, s in made}
        cams |= {id(s.lighting.overlay_renderer.GetActiveCamera()) for _, s in made}
        assert len(cams) == 1
        made[0][1].plotter.camera.Azimuth(30)  # turning one view turns the other
        assert made[1][1].camera_state() == made[0][1].camera_state()
    finally:
        for plotter, scene in made:
            scene.disconnect()
            plotter.close()


def test_the_compare_picture_is_two_single_renders_side_by_side(model):
    opts = RenderOptions(size=(480, 300), view="posterior", hide=["gluteus_maximus"], motion="external_rotation")
    poses = [(0.0, 0.0, 0.0), (90.0, 0.0, 0.0)]
    image, changes, camera = render_compare(model, opts, poses, table=False)
    assert image.shape == (300, 480, 3)
    for k, pose in enumerate(poses):
        with OffscreenSession(model, (240, 300)) as single:
            from dataclasses import replace

            apply_options(single.state, model, replace(opts, pose=np.array(pose), caption=pose_caption(pose)))
            single.scene.set_camera_state(camera)
            alone = single.image()[..., :3].astype(int)
        panel = image[:, 240 * k:240 * (k + 1)].astype(int)
        diff = np.abs(panel - alone)
        assert diff.mean() < 2.0 and np.mean(diff.max(axis=2) > 40) < 0.01, (k, diff.mean())
    # and the two panels really differ: the femur and the colours moved
    assert np.abs(image[:, :240].astype(int) - image[:, 240:].astype(int)).mean() > 3
    assert "piriformis" in [c["muscle"] for c in changes]


def test_role_changes_agree_with_the_actions_table(model):
    poses = [(0.0, 0.0, 0.0), (90.0, 0.0, 0.0)]
    motion = MOTIONS["external_rotation"]
    changes = {c["muscle"]: c for c in role_changes(model.actions, motion, poses)}
    tables = [{r.muscle: r for r in model.actions.table(motion, np.array(p), include_compartments=False)} for p in poses]
    for muscle in model.actions.structure_ids:
        roles = [t[muscle].role for t in tables]
        assert (muscle in changes) == (roles[0] != roles[1])
        if muscle in changes:
            assert changes[muscle]["roles"] == roles
            assert changes[muscle]["moment_arms_mm"] == pytest.approx([t[muscle].moment_arm_mm for t in tables])


def test_four_views_and_wrong_counts(model):
    assert grid_shape(4) == (2, 2)
    with pytest.raises(DataError, match="2 or 4 poses"):
        grid_shape(3)
    opts = RenderOptions(size=(320, 240))
    image, _, _ = render_compare(model, opts, [(0, 0, 0), (45, 0, 0), (90, 0, 0), (90, 0, 20)])
    assert image.shape[:2][1] == 320 and image.shape[0] > 240  # the table is underneath


def test_cli_render_compare(tmp_path, capsys):
    from viewer.cli import main

    out = tmp_path / "c.png"
    assert main(["render", "--compare", "neutral", "flexion=90", "--size", "400x200", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert out.read_bytes()[:4] == b"\x89PNG" and "Piriformis" in text and "computed by the model" in text
    assert main(["render", "--compare", "neutral", "--out", str(out)]) == 2
    assert "--compare: compare takes 2 or 4 poses, got 1" in capsys.readouterr().err
    assert main(["render", "--compare", "neutral", "flexion=400", "--out", str(out)]) == 2
    assert "--compare" in capsys.readouterr().err
