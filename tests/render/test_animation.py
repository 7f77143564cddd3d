"""Animations: the sweep of poses, and GIF/MP4 files with the right frames, size and colours."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pytest

from tests.lessons.conftest import load_test_model
from viewer.core.errors import DataError
from viewer.core.kinematics import DEFAULT_ROM
from viewer.core.motions import parse_motion
from viewer.export.animation import key_colours, sweep_poses, write_animation, write_frames
from viewer.render.offscreen import RenderOptions

ER = parse_motion("external_rotation")


@pytest.fixture(scope="module")
def hip_model():
    return load_test_model()


# -- poses (no model) ---------------------------------------------------------------------------
@pytest.mark.parametrize("frames", [2, 5, 12, 13, 48])
def test_sweep_goes_out_and_back_without_repeating_a_frame(frames):
    start = np.array([20.0, 5.0, 10.0])
    poses = sweep_poses(ER, start, frames)
    assert poses.shape == (frames, 3)
    assert np.allclose(poses[:, :2], start[:2])  # only the motion's coordinate moves
    assert np.all(np.abs(np.diff(poses[:, 2])) > 1e-6)  # successive frames differ
    assert poses[:, 2].min() >= start[2] - 1e-9
    assert poses[:, 2].max() <= DEFAULT_ROM.external_rotation[1] + 1e-9
    if frames >= 12:
        assert poses[:, 2].max() > DEFAULT_ROM.external_rotation[1] - 2.0  # reaches the end of the range
        assert abs(poses[0, 2] - start[2]) < 1.0  # and loops back to the start


def test_sweep_in_the_negative_direction_and_from_the_end_of_range():
    internal = sweep_poses(parse_motion("internal-rotation"), [0, 0, 0], 10)
    assert internal[:, 2].min() < -30 and internal[:, 2].max() <= 0
    at_end = sweep_poses(ER, [0, 0, 50], 10)  # already fully rotated out: sweep inward
    assert at_end[:, 2].min() < 0 and at_end[:, 2].max() <= 50


def test_sweep_amplitude_and_errors():
    poses = sweep_poses(ER, [0, 0, 0], 8, amplitude_deg=20)
    assert np.isclose(poses[:, 2].max(), 20)
    with pytest.raises(DataError, match="amplitude 80 deg is outside"):
        sweep_poses(ER, [0, 0, 0], 8, amplitude_deg=80)
    with pytest.raises(DataError, match="at least 2 frames"):
        sweep_poses(ER, [0, 0, 0], 1)
    with pytest.raises(DataError, match="flexion=150 deg is outside"):
        sweep_poses(ER, [150, 0, 0], 8)


def test_bad_output_files(tmp_path):
    frames = [np.zeros((16, 16, 3), np.uint8)] * 2
    with pytest.raises(DataError, match="must be a .gif or .mp4 file"):
        write_frames(frames, tmp_path / "a.avi", 10, (16, 16))
    with pytest.raises(DataError, match="MP4 needs an even width and height, got 17x16"):
        write_frames(frames, tmp_path / "a.mp4", 10, (17, 16))
    with pytest.raises(DataError, match="fps 0 is outside"):
        write_frames(frames, tmp_path / "a.gif", 0, (16, 16))


# -- files (model) ------------------------------------------------------------------------------
def _opts(**kw) -> RenderOptions:
    return RenderOptions(size=(160, 100), view="posterior", motion="external_rotation", **kw)


def test_gif_has_the_frames_and_size_asked_for(hip_model, tmp_path):
    path = write_animation(hip_model, ER, _opts(), tmp_path / "er.gif", frames=6, fps=8, progress=False)
    frames = iio.imread(path, index=None)
    assert frames.shape[:3] == (6, 100, 160)
    for a, b in zip(frames, frames[1:]):
        assert np.abs(a.astype(int) - b.astype(int)).sum() > 0, "successive frames are identical"


def test_mp4_has_the_frames_and_size_asked_for(hip_model, tmp_path):
    import imageio.v2 as iio2

    path = write_animation(hip_model, "external-rotation", _opts(), tmp_path / "er.mp4", frames=6, fps=8,
                           progress=False)
    reader = iio2.get_reader(path, format="FFMPEG")
    try:
        frames = [frame for frame in reader]
    finally:
        reader.close()
    assert len(frames) == 6
    assert frames[0].shape == (100, 160, 3)
    assert all(np.abs(a.astype(int) - b.astype(int)).mean() > 0.01 for a, b in zip(frames, frames[1:]))


def test_gif_colours_match_the_rendered_frames(hip_model, tmp_path):
    """No colour shift: every GIF frame matches the PNG-quality render of the same pose."""
    from viewer.export.animation import render_frames
    from viewer.render.offscreen import OffscreenSession, apply_options

    opts = RenderOptions(size=(480, 300), view="posterior", motion="external_rotation")
    poses = sweep_poses(ER, opts.pose, 4)
    with OffscreenSession(hip_model, opts.size) as session:
        apply_options(session.state, hip_model, opts)
        session.scene.set_view(opts.view)
        rendered = list(render_frames(session, poses, motion=ER))
    path = write_frames(rendered, tmp_path / "er.gif", 8, opts.size)
    decoded = iio.imread(path, index=None)[..., :3]
    for original, frame in zip(rendered, decoded):
        error = np.abs(original.astype(int) - frame.astype(int))
        assert error.mean() < 3.0  # of 255 levels
        assert np.percentile(error, 99) < 16
    # The legend's role colours (and other key colours) come through exactly.
    keys = {tuple(c) for c in key_colours()}
    present = {tuple(c) for c in rendered[0].reshape(-1, 3)} & keys
    assert present, "expected the legend's colours in the frame"
    decoded_set = {tuple(c) for c in decoded[0].reshape(-1, 3)}
    assert present <= decoded_set


def test_animation_frames_the_hip_above_its_caption(hip_model, tmp_path):
    """The hip joint centre sits in the picture above the caption and angle lines."""
    path = write_animation(hip_model, ER, RenderOptions(size=(320, 200), view="posterior", caption="a caption"),
                           tmp_path / "er.gif", frames=2, fps=4, progress=False)
    frame = iio.imread(path, index=0)[..., :3].astype(int)
    # The caption band at the bottom is backed with the theme's dark colour; the model is above.
    rows = np.nonzero((frame.max(axis=-1) > 150).sum(axis=1) > 3)[0]  # rows with light pixels
    assert rows.min() < 0.5 * 200  # the model (light bone) reaches the upper half
