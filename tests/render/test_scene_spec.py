"""The scene follows one specification: batches draw once, a scene file draws as its flags do."""

from __future__ import annotations

import textwrap

import imageio.v3 as iio
import numpy as np

from viewer.cli import main


def test_one_batch_of_twenty_changes_renders_once(session):
    state, scene = session.state, session.scene
    frames = []
    scene.plotter.render = lambda *a, **k: frames.append(1)  # count the frames actually drawn
    before = scene.renders
    leaves = state.all_leaves
    with state.batch():
        for leaf in leaves[:16]:
            state.set_visible(leaf, False)
        state.set_pose([40.0, 5.0, 10.0])
        state.set_motion("external_rotation")
        state.select("piriformis")
        state.set_ghost(True)
    assert scene.renders - before == 1 and len(frames) == 1
    # The one frame shows all twenty changes.
    assert not any(scene.actors[leaf].GetVisibility() for leaf in leaves[:16] if leaf != "piriformis")
    assert scene.values() and scene.overlays.label.GetVisibility()
    # Outside a batch each change is drawn at once.
    state.set_ghost(False)
    assert scene.renders - before == 2


def test_apply_is_one_render(session):
    state, scene = session.state, session.scene
    target = state.snapshot().replace(pose_deg=(90.0, 0.0, 20.0), motion="abduction", selection="gluteus_medius",
                                      show_mechanics=True, caption="Abduction at 90 degrees")
    before = scene.renders
    state.apply(target, camera=False)
    assert scene.renders - before == 1
    assert scene.markers.axis_actor.GetVisibility() and "moment arm" in scene.overlays.mechanics_text.GetInput()


def test_a_scene_file_renders_as_its_flags_do(tmp_path, capsys):
    scene = tmp_path / "piriformis.yaml"
    scene.write_text(textwrap.dedent("""\
        pose: {flexion: 60, external_rotation: 15}
        hide: [gluteals]
        motion: external_rotation
        select: piriformis
        view: posterior
        zoom: 1.3
        caption: Piriformis at 60 degrees of flexion
        theme: light
        """), encoding="utf-8")
    common = ["--size", "360x240"]
    assert main(["render", "--out", str(tmp_path / "a.png"), "--scene", str(scene), *common]) == 0
    assert main(["render", "--out", str(tmp_path / "b.png"), *common, "--pose", "flexion=60,external_rotation=15",
                 "--hide-group", "gluteals", "--motion", "external_rotation", "--select", "piriformis",
                 "--view", "posterior", "--zoom", "1.3", "--caption", "Piriformis at 60 degrees of flexion",
                 "--background", "light"]) == 0
    a, b = iio.imread(tmp_path / "a.png"), iio.imread(tmp_path / "b.png")
    assert a.shape == b.shape == (240, 360, 3)
    assert np.array_equal(a, b)
    # A flag beside the scene overrides that field only.
    assert main(["render", "--out", str(tmp_path / "c.png"), "--scene", str(scene), *common,
                 "--background", "dark"]) == 0
    c = iio.imread(tmp_path / "c.png").astype(int)
    assert np.abs(c - a).mean() > 20  # light to dark background
    capsys.readouterr()
    code = main(["render", "--out", str(tmp_path / "d.png"), "--scene", str(tmp_path / "missing.yaml")])
    assert code == 2 and "scene file not found" in capsys.readouterr().err
