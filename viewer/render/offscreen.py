"""Headless rendering: the same scene as the window, drawn into an off-screen buffer.

VTK renders through EGL when there is no X server, so this works on a bare machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyvista as pv
import vtk

from viewer.core.errors import DataError
from viewer.render.scene import HipScene
from viewer.render.palette import THEMES
from viewer.render.views import check_view
from viewer.state import SessionState, state_for_model

# A missing X display is expected here; VTK then falls back to EGL. Keep stderr for real errors.
vtk.vtkLogger.SetStderrVerbosity(vtk.vtkLogger.VERBOSITY_ERROR)
vtk.vtkObject.GlobalWarningDisplayOff()

MAX_SIZE = 8192


def parse_size(text: str, *, field: str = "--size") -> tuple[int, int]:
    """``"1280x800"`` -> ``(1280, 800)``, each side 16..8192 px."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise DataError(f"malformed size {text!r} (expected WIDTHxHEIGHT, e.g. 1280x800)", field=field) from None
    if not (16 <= w <= MAX_SIZE and 16 <= h <= MAX_SIZE):
        raise DataError(f"size {w}x{h} is outside 16..{MAX_SIZE} px per side", field=field)
    return w, h


@dataclass
class RenderOptions:
    """What a headless image shows. Structure ids may be structures or compartments."""

    size: tuple[int, int] = (1280, 800)
    view: str = "posterolateral"
    zoom: float = 1.0
    pose: np.ndarray = field(default_factory=lambda: np.zeros(3))
    hide: list[str] = field(default_factory=list)
    show: list[str] = field(default_factory=list)
    only: list[str] = field(default_factory=list)
    groups_hidden: list[str] = field(default_factory=list)
    highlight: list[str] = field(default_factory=list)
    select: str | None = None
    motion: str | None = None
    colour_by: str = "moment_arm"
    ghost: bool = False
    mechanics: bool = False
    caption: str = ""
    background: str = "dark"
    transparent: bool = False
    section: str | None = None
    release: list[str] = field(default_factory=list)
    spaces: bool = False
    clinical_test: str | None = None

    def check(self) -> None:
        check_view(self.view)
        if self.background not in THEMES:
            raise DataError(f"unknown background {self.background!r} (allowed: {', '.join(THEMES)})", field="--background")
        if not 0.1 <= self.zoom <= 10:
            raise DataError(f"zoom {self.zoom:g} is outside 0.1..10", field="--zoom")


def transparent_screenshot(plotter) -> np.ndarray:
    """RGBA screenshot with a fully transparent background (the gradient is switched off for it)."""
    renderer = plotter.renderer
    gradient = renderer.GetGradientBackground()
    renderer.GradientBackgroundOff()
    try:
        plotter.render()
        return plotter.screenshot(transparent_background=True, return_img=True)
    finally:
        renderer.SetGradientBackground(gradient)
        plotter.render()


def offscreen_plotter(size: tuple[int, int]) -> pv.Plotter:
    return pv.Plotter(off_screen=True, window_size=list(size), lighting="light_kit")


def apply_options(state: SessionState, model, opts: RenderOptions) -> None:
    """Set a session state from render options (visibility, pose, colouring, selection)."""
    group_ids = {g.id: members for g, members in model.groups()}
    for gid in opts.groups_hidden:
        if gid not in group_ids:
            raise DataError(f"unknown layer group {gid!r} (allowed: {', '.join(group_ids)})", field="--hide-group")
        state.set_many_visible(group_ids[gid], False)
    if opts.only:
        for some_id in opts.only:
            state.leaf_ids(some_id)
        state.set_many_visible(state.all_leaves, False)
        state.set_many_visible(opts.only, True)
    state.set_many_visible(opts.hide, False)
    state.set_many_visible(opts.show, True)
    state.set_pose(opts.pose)
    if opts.motion:
        state.set_motion(opts.motion)
    state.set_colour_by(opts.colour_by)
    if opts.select:
        state.select(opts.select)
    state.set_highlight(opts.highlight)
    state.set_ghost(opts.ghost)
    state.set_show_mechanics(opts.mechanics)
    state.set_caption(opts.caption)
    apply_clinical_options(state, model, opts)


def model_bounds(model) -> tuple[np.ndarray, np.ndarray]:
    """Corners (mm, pelvis frame, neutral pose) of the box holding every mesh."""
    points = np.vstack([record.vertices for record in model.meshes.values()])
    return points.min(axis=0), points.max(axis=0)


def apply_clinical_options(state: SessionState, model, opts: RenderOptions) -> None:
    """Section, released muscles, spaces and a clinical test preset from render options."""
    if opts.clinical_test:
        from viewer.core.clinical_tests import clinical_caption, evaluate_test
        from viewer.io.clinical import clinical_for

        test = clinical_for(model).test(opts.clinical_test)
        colour_by, motion = test.colour_mode
        state.set_pose(test.pose_deg)
        state.set_knee_flexion(test.knee_flexion_deg)
        state.set_motion(motion)
        state.set_colour_by(colour_by)
        if not opts.caption:
            state.set_caption(clinical_caption(test, evaluate_test(model.actions, test), model.display_name))
    if opts.section:
        from viewer.core.sections import parse_section

        state.set_section(parse_section(opts.section, *model_bounds(model)))
    if opts.release:
        for some_id in opts.release:
            line_ids = set(model.actions.line_ids) | set(model.actions.structure_ids)
            resolved = model.catalogue.resolve(some_id, field="--release")
            if resolved not in line_ids:
                raise DataError(f"{some_id!r} is not a muscle", field="--release")
        state.set_released([model.catalogue.resolve(i) for i in opts.release])
    state.set_show_spaces(opts.spaces)


class OffscreenSession:
    """A model, a state and a scene in an off-screen plotter; close() when done."""

    def __init__(self, model, size: tuple[int, int] = (1280, 800), background: str = "dark"):
        self.model = model
        self.state = state_for_model(model)
        self.plotter = offscreen_plotter(size)
        self.scene = HipScene(self.plotter, model, self.state, theme=background)

    def image(self, transparent: bool = False) -> np.ndarray:
        """The current frame, ``(h, w, 3)`` uint8, or ``(h, w, 4)`` with a transparent background."""
        return transparent_screenshot(self.plotter) if transparent else self.plotter.screenshot(return_img=True)

    def close(self) -> None:
        self.scene.disconnect()
        self.plotter.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def render_image(model, opts: RenderOptions) -> np.ndarray:
    """Render one image for ``opts``; returns an ``(h, w, 3 or 4)`` uint8 array."""
    opts.check()
    with OffscreenSession(model, opts.size, opts.background) as session:
        apply_options(session.state, model, opts)
        session.scene.set_view(opts.view, zoom=opts.zoom)
        return session.image(transparent=opts.transparent)


def save_png(image: np.ndarray, path: str | Path) -> Path:
    """Write an image array as PNG, creating the folder; error names the path if it cannot."""
    import imageio.v3 as iio

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise DataError(f"output must be a .png file, got {path.name!r}", field="--out")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        iio.imwrite(path, image)
    except OSError as exc:
        raise DataError(f"cannot write the image ({exc.strerror})", file=path) from None
    return path
