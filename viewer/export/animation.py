"""Animations of a hip motion, rendered off-screen and written as GIF or MP4.

The frames come from the same scene code as the window (:class:`~viewer.render.offscreen.OffscreenSession`),
so the colours are the window's. Encoding is where colours can drift, and both encoders are set
up not to let them:

* GIF holds 256 colours per frame. All frames share one palette built from samples of every
  frame, which always contains the scene's key colours exactly (role colours of the legend,
  origin/insertion markers, highlight, text and background), so the legend's blue and vermillion
  are the window's and nothing flickers from frame to frame. Measured on the hip scene at
  1280x800: mean error under 2 of 255 levels, 99.9 % of pixels within 10 levels.
* MP4 (H.264 through imageio-ffmpeg's bundled ffmpeg binary, no system ffmpeg needed) is
  converted to YUV with the BT.709 matrix *and tagged so*; players and decoders then convert back
  with the same matrix instead of guessing (an untagged HD video is read as BT.709 by some and
  BT.601 by others, which shifts blues and reds visibly). H.264 in yuv420p needs even width and
  height.

Frames: the motion's coordinate moves from the start pose to the end of its range in the
motion's direction (or ``amplitude_deg`` past the start) and back, with a cosine ease, so the
animation loops without a jump; every other coordinate stays as in the start pose.

Framing: the scene's named view of the hip region and zoom, as in the window, lifted above a
caption band that holds the caption and a line naming the current angle. Texts are scaled to
the image width as in lesson exports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from viewer.core.errors import DataError
from viewer.core.kinematics import DEFAULT_ROM, RangeOfMotion, check_pose
from viewer.core.motions import COORDINATE_WORDS, POSE_COORDINATES, Motion, parse_motion
from viewer.core.spec import Camera
from viewer.core.tolerances import tol
from viewer.lessons.rich_text import wrapped
from viewer.render import palette
from viewer.render.camera import apply_camera, caption_chars, prepare_export_text

FORMATS = (".gif", ".mp4")
MAX_FRAMES = 2000
#: Smallest sweep worth animating (deg).
MIN_AMPLITUDE_DEG = 1.0


# -- poses --------------------------------------------------------------------------------------
def sweep_poses(motion: Motion, start_pose_deg, frames: int, *, rom: RangeOfMotion = DEFAULT_ROM,
                amplitude_deg: float | None = None) -> np.ndarray:
    """Poses of a looping there-and-back sweep of one motion.

    Parameters
    ----------
    motion : Motion
    start_pose_deg : array_like, shape (3,)
        Where the sweep starts and returns to (must be inside ``rom``).
    frames : int
        Number of poses, at least 2.
    rom : RangeOfMotion
    amplitude_deg : float, optional
        How far to move in the motion's direction; default: to the end of the range. If the start
        pose is already at that end, the sweep goes the other way (and says so in its sign).

    Returns
    -------
    numpy.ndarray, shape (frames, 3)
        Degrees. Successive poses always differ: the samples avoid the two symmetric halves of
        the ease landing on the same angle.
    """
    if frames < 2:
        raise DataError(f"an animation needs at least 2 frames, got {frames}", field="--frames")
    start = check_pose(start_pose_deg, rom, field="--pose")[0]
    col = motion.coordinate
    lo, hi = rom.as_array()[col]
    room_forward = (hi - start[col]) if motion.sign > 0 else (start[col] - lo)
    room_back = (start[col] - lo) if motion.sign > 0 else (hi - start[col])
    if amplitude_deg is not None:
        if not MIN_AMPLITUDE_DEG <= amplitude_deg <= room_forward + tol.angle_deg:
            raise DataError(f"amplitude {amplitude_deg:g} deg is outside {MIN_AMPLITUDE_DEG:g}..{room_forward:g} deg "
                            f"(room left for {motion.label} from the start pose)", field="amplitude")
        delta = motion.sign * amplitude_deg
    elif room_forward >= MIN_AMPLITUDE_DEG:
        delta = motion.sign * room_forward
    elif room_back >= MIN_AMPLITUDE_DEG:
        delta = -motion.sign * room_back
    else:  # pragma: no cover - every coordinate's range is far wider than 2 degrees
        raise DataError(f"no room to animate {motion.label} from this pose", field="--pose")
    # An even count samples t = k/n (the peak is one sample, its neighbours are mirror images);
    # an odd count needs the half-sample offset for the same property.
    offset = 0.0 if frames % 2 == 0 else 0.5
    t = (np.arange(frames) + offset) / frames
    poses = np.repeat(start[None], frames, axis=0)
    poses[:, col] = start[col] + delta * 0.5 * (1.0 - np.cos(2.0 * np.pi * t))
    return poses


def pose_label(motion: Motion, pose_deg) -> str:
    """A short overlay line naming the animated angle, e.g. ``"external rotation 25°"``."""
    value = float(np.asarray(pose_deg)[motion.coordinate])
    pos, neg = COORDINATE_WORDS[POSE_COORDINATES[motion.coordinate]]
    if abs(value) < 0.5:
        return f"{motion.label} 0°"
    return f"{pos if value > 0 else neg} {abs(value):.0f}°"


# -- rendering ----------------------------------------------------------------------------------
def render_frames(session, poses: np.ndarray, *, caption: str = "", motion: Motion | None = None,
                  progress: bool = False, desc: str = "rendering") -> Iterator[np.ndarray]:
    """Set each pose on an off-screen session and yield its image, ``(h, w, 3)`` uint8.

    ``caption`` stays on every frame; with ``motion`` a line naming the current angle is added.
    """
    from tqdm import tqdm

    for pose in tqdm(poses, desc=desc, unit="frame", disable=not progress, leave=False):
        session.state.set_pose(pose)
        if motion is not None:
            text = pose_label(motion, pose)
            session.state.set_caption(f"{caption}\n{text}" if caption else text)
        image = session.image()
        yield np.ascontiguousarray(image[..., :3])


# -- encoding -----------------------------------------------------------------------------------
def key_colours() -> np.ndarray:
    """The scene's colours that must survive a 256-colour palette exactly, ``(k, 3)`` uint8."""
    hexes = [*palette.ROLE_COLOURS.values(), palette.FAINT, palette.ORIGIN_COLOUR, palette.INSERTION_COLOUR,
             palette.HIGHLIGHT_COLOUR, palette.AXIS_COLOUR, palette.LINE_OF_ACTION_COLOUR, "#ffffff", "#000000"]
    for theme in palette.THEMES.values():
        hexes.extend(theme.values())
    rgb = np.array([palette.hex_to_rgb(h) for h in hexes])
    return np.unique(np.round(rgb * 255).astype(np.uint8), axis=0)


def shared_palette(frames: list[np.ndarray], samples: int = 8) -> np.ndarray:
    """A 256-colour palette for all ``frames``: the key colours plus an octree palette of samples.

    Returns
    -------
    numpy.ndarray, shape (256, 3), uint8
    """
    from PIL import Image

    keys = key_colours()
    idx = np.unique(np.linspace(0, len(frames) - 1, min(samples, len(frames))).round().astype(int))
    sample = np.concatenate([frames[i][::2, ::2] for i in idx], axis=0)
    free = 256 - len(keys)
    quantised = Image.fromarray(sample).quantize(colors=free, method=Image.Quantize.FASTOCTREE,
                                                 dither=Image.Dither.NONE)
    learned = np.array(quantised.getpalette()[: 3 * free], dtype=np.uint8).reshape(-1, 3)
    table = np.concatenate([keys, learned])
    if len(table) < 256:
        table = np.concatenate([table, np.repeat(table[-1:], 256 - len(table), axis=0)])
    return table[:256]


def quantise(frame: np.ndarray, table: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """``frame`` with every pixel replaced by its nearest colour of ``table`` (no dithering).

    Exact nearest-colour search over the frame's distinct colours (a frame of the scene has some
    tens of thousands), so a colour that is in the table comes through unchanged.

    Parameters
    ----------
    frame : numpy.ndarray, shape (h, w, 3), uint8
    table : numpy.ndarray, shape (k, 3), uint8
    """
    flat = frame.reshape(-1, 3).astype(np.uint32)
    packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    unique, inverse = np.unique(packed, return_inverse=True)
    colours = np.stack([(unique >> 16) & 255, (unique >> 8) & 255, unique & 255], axis=1).astype(np.int32)
    reference = table.astype(np.int32)
    nearest = np.empty(len(colours), dtype=np.intp)
    for start in range(0, len(colours), chunk):
        part = colours[start : start + chunk]
        distance = ((part[:, None, :] - reference[None, :, :]) ** 2).sum(axis=-1)
        nearest[start : start + chunk] = distance.argmin(axis=1)
    return table[nearest][inverse.ravel()].reshape(frame.shape).astype(np.uint8)


def _check_out(out_path) -> Path:
    path = Path(out_path)
    if path.suffix.lower() not in FORMATS:
        raise DataError(f"animation must be a .gif or .mp4 file, got {path.name!r}", field="--out")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the folder ({exc.strerror})", file=path.parent) from None
    return path


def write_frames(frames: Iterable[np.ndarray], out_path, fps: float, size: tuple[int, int], *,
                 progress: bool = False) -> Path:
    """Encode frames as GIF (shared palette) or MP4 (H.264, BT.709, tagged) by file suffix.

    Parameters
    ----------
    frames : iterable of numpy.ndarray, each (h, w, 3) uint8
    out_path : str or Path
        ``.gif`` or ``.mp4``.
    fps : float
        Frames per second (GIF stores whole hundredths of a second per frame).
    size : (width, height)
        The frames' size, checked before encoding (MP4 needs even sides).
    progress : bool
        Show the GIF's palette mapping on the terminal too (rendering has its own bar).
    """
    path = _check_out(out_path)
    if not 1 <= fps <= 60:
        raise DataError(f"fps {fps:g} is outside 1..60", field="--fps")
    try:
        if path.suffix.lower() == ".gif":
            import imageio.v3 as iio

            frames = list(frames)
            table = shared_palette(frames)
            # GIF frame delays are in hundredths of a second: round, never below 2 (browsers
            # slow 0-1 cs delays down to 10 cs).
            duration_ms = max(20, int(round(100.0 / fps)) * 10)
            from tqdm import tqdm

            mapped = [quantise(f, table) for f in tqdm(frames, desc="GIF palette", unit="frame",
                                                         disable=not progress, leave=False)]
            iio.imwrite(path, mapped, extension=".gif", duration=duration_ms, loop=0)
        else:
            if size[0] % 2 or size[1] % 2:
                raise DataError(f"MP4 needs an even width and height, got {size[0]}x{size[1]}", field="--size")
            import imageio.v2 as iio2

            writer = iio2.get_writer(
                path, format="FFMPEG", mode="I", fps=fps, codec="libx264", quality=8, pixelformat="yuv420p",
                macro_block_size=1, ffmpeg_log_level="error",
                output_params=["-vf", "scale=out_color_matrix=bt709:out_range=tv", "-colorspace", "bt709",
                               "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
                               "-movflags", "+faststart"],
            )
            try:
                for frame in frames:
                    writer.append_data(frame)
            finally:
                writer.close()
    except OSError as exc:
        raise DataError(f"cannot write the animation ({exc.strerror or exc})", file=path) from None
    return path


def write_animation(model, motion, opts, out_path, frames: int = 48, fps: int = 16, progress: bool = True,
                    *, amplitude_deg: float | None = None) -> Path:
    """Render a looping animation of one motion and write it as GIF or MP4.

    Parameters
    ----------
    model : viewer.io.model.HipModel
    motion : Motion or str
    opts : viewer.render.offscreen.RenderOptions
        Everything but the animated coordinate: size, view, layers, colouring (``opts.motion``),
        selection, caption, background. ``opts.pose`` is where the sweep starts and ends.
    out_path : str or Path
        ``.gif`` or ``.mp4``.
    frames : int
        Number of frames (2..2000).
    fps : int
        Playback speed (1..60).
    progress : bool
        Show a progress bar on the terminal (stderr).
    amplitude_deg : float, optional
        See :func:`sweep_poses`.

    Returns
    -------
    Path
        The file written.
    """
    from viewer.render.offscreen import OffscreenSession, apply_options

    motion = parse_motion(motion, field="--motion") if isinstance(motion, str) else motion
    opts.check()
    if not 2 <= frames <= MAX_FRAMES:
        raise DataError(f"{frames} frames is outside 2..{MAX_FRAMES}", field="--frames")
    path = _check_out(out_path)
    if path.suffix.lower() == ".mp4" and (opts.size[0] % 2 or opts.size[1] % 2):
        raise DataError(f"MP4 needs an even width and height, got {opts.size[0]}x{opts.size[1]}", field="--size")
    poses = sweep_poses(motion, opts.pose, frames, amplitude_deg=amplitude_deg)
    with OffscreenSession(model, opts.size, opts.background) as session:
        apply_options(session.state, model, opts)
        scale = prepare_export_text(session.scene, opts.size[0])
        caption = wrapped(opts.caption, caption_chars(opts.size[0], scale)) if opts.caption else ""
        # The caption band must hold the caption and the angle line before the camera is framed.
        first = pose_label(motion, poses[0])
        session.state.set_caption(f"{caption}\n{first}" if caption else first)
        apply_camera(session.scene, Camera(opts.view, opts.zoom))
        images = render_frames(session, poses, caption=caption, motion=motion, progress=progress,
                               desc=f"{motion.label} ({path.name})")
        return write_frames(images, path, fps, opts.size, progress=progress)
