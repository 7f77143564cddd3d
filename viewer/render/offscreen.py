"""Headless rendering: the same scene as the window, drawn into an off-screen buffer.

VTK renders through EGL when there is no X server, so this works on a bare machine.
:class:`RenderOptions` are the command line's picture options; each maps onto one field of a
:class:`~viewer.core.spec.SceneSpec` (:meth:`RenderOptions.to_spec`), so ``--scene FILE`` and
the flags draw through one path, and a flag given beside ``--scene`` overrides its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pyvista as pv
import vtk

from viewer.core.errors import DataError
from viewer.core.spec import THEME_NAMES, SceneSpec, check_knee_flexion, resolve_layers
from viewer.core.views import check_view
from viewer.render.camera import apply_camera
from viewer.render.scene import HipScene
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
    knee_flexion: float = 0.0
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
    #: Names of the fields set explicitly (the flags given); None: every field counts.
    given: frozenset[str] | None = None

    def check(self) -> None:
        check_view(self.view)
        if self.background not in THEME_NAMES:
            raise DataError(f"unknown background {self.background!r} (allowed: {', '.join(THEME_NAMES)})",
                            field="--background")
        if not 0.1 <= self.zoom <= 10:
            raise DataError(f"zoom {self.zoom:g} is outside 0.1..10", field="--zoom")
        check_knee_flexion(self.knee_flexion, field="--knee-flexion")

    def _given(self, name: str) -> bool:
        return self.given is None or name in self.given

    def to_spec(self, model, base: SceneSpec | None = None) -> SceneSpec:
        """The scene these options draw: ``base`` (default: the model's defaults) with every
        given option written onto its field. Ids are checked; an error names the flag."""
        catalogue = model.catalogue
        spec = base if base is not None else state_for_model(model).snapshot()
        changes: dict = {}
        layers = {"only": self.only, "hide": [*self.groups_hidden, *self.hide], "show": self.show}
        if any(layers.values()):
            names = {"only": "--only", "hide": "--hide-group" if self.groups_hidden and not self.hide else "--hide",
                     "show": "--show"}
            for gid in self.groups_hidden:
                if not catalogue.is_group(gid):
                    allowed = ", ".join(g.id for g in catalogue.groups())
                    raise DataError(f"unknown layer group {gid!r} (allowed: {allowed})", field="--hide-group")
            changes["visible"] = resolve_layers(spec.visible, catalogue, field_names=names, **layers)
        if self._given("pose"):
            changes["pose_deg"] = tuple(float(v) for v in np.asarray(self.pose, dtype=float))
        if self._given("knee_flexion"):
            changes["knee_flexion_deg"] = check_knee_flexion(self.knee_flexion, field="--knee-flexion")
        if self._given("motion") and (self.motion or self.given is not None):
            changes["motion"] = self.motion
        if self._given("colour_by"):
            changes["colour_by"] = self.colour_by
        if self._given("highlight"):
            changes["highlight"] = tuple(self._resolve(catalogue, some_id, "--highlight") for some_id in self.highlight)
        if self._given("select") and (self.select or self.given is not None):
            changes["selection"] = self._resolve(catalogue, self.select, "--select") if self.select else None
        for name, key in (("ghost", "ghost"), ("mechanics", "show_mechanics"), ("caption", "caption"),
                          ("background", "theme")):
            if self._given(name):
                changes[key] = getattr(self, name)
        changes.update(self._clinical_changes(model, changes))
        camera = spec.camera
        if self._given("view"):
            camera = replace(camera, view=self.view, position=None, focal_point=None, up=None, focus=())
        if self._given("zoom"):
            camera = replace(camera, zoom=float(self.zoom))
        changes["camera"] = camera
        return spec.replace(**changes)

    def _clinical_changes(self, model, changes: dict) -> dict:
        """Scene fields of the clinical options: a provocation test's pose, knee flexion, colouring
        and computed caption; the section; the released muscles; the spaces."""
        out: dict = {}
        if self._given("clinical_test") and self.clinical_test:
            from viewer.core.clinical_tests import clinical_caption, evaluate_test
            from viewer.io.clinical import clinical_for

            test = clinical_for(model).test(self.clinical_test)
            colour_by, motion = test.colour_mode
            out.update(pose_deg=test.pose_deg, knee_flexion_deg=test.knee_flexion_deg, colour_by=colour_by,
                       motion=motion)
            if not (self._given("caption") and self.caption):
                out["caption"] = clinical_caption(test, evaluate_test(model.actions, test), model.display_name)
        if self._given("section") and self.section:
            from viewer.core.sections import parse_section

            out["section"] = parse_section(self.section, *model_bounds(model))
        if self._given("release") and self.release:
            from viewer.io.clinical import release_ids

            out["released"] = tuple(release_ids(model, self.release))
        if self._given("spaces"):
            out["show_spaces"] = bool(self.spaces)
        return out

    @staticmethod
    def _resolve(catalogue, some_id: str, flag: str) -> str:
        try:
            return catalogue.resolve(some_id)
        except DataError as exc:
            raise DataError(exc.reason, field=flag) from None

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "given"]


def model_bounds(model) -> tuple[np.ndarray, np.ndarray]:
    """Corners (mm, pelvis frame, neutral pose) of the box holding every mesh."""
    points = np.vstack([record.vertices for record in model.meshes.values()])
    return points.min(axis=0), points.max(axis=0)


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
    state.apply(opts.to_spec(model, state.snapshot()), camera=False)


def show_camera(scene, camera) -> None:
    """Frame a scene's camera for a still: a plain named view as the window frames it, a view
    with focus structures or an explicit camera as a lesson step does."""
    if camera.focus or camera.explicit:
        apply_camera(scene, camera)
    else:
        scene.set_view(camera.view, zoom=camera.zoom)


class OffscreenSession:
    """A model, a state and a scene in an off-screen plotter; close() when done."""

    def __init__(self, model, size: tuple[int, int] = (1280, 800), background: str = "dark"):
        self.model = model
        self.state = state_for_model(model)
        self.state.set_theme(background)
        self.plotter = offscreen_plotter(size)
        self.scene = HipScene(self.plotter, model, self.state)

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


def render_image(model, opts: RenderOptions, base: SceneSpec | None = None) -> np.ndarray:
    """Render one image for ``opts`` (over the scene ``base``, e.g. a scene file's); returns an
    ``(h, w, 3 or 4)`` uint8 array."""
    opts.check()
    return render_spec(model, opts.to_spec(model, base), opts.size, transparent=opts.transparent)


def render_spec(model, spec: SceneSpec, size: tuple[int, int], *, transparent: bool = False) -> np.ndarray:
    """Render one scene specification off screen; returns an ``(h, w, 3 or 4)`` uint8 array."""
    with OffscreenSession(model, size, spec.theme) as session:
        session.state.apply(spec, camera=False)
        show_camera(session.scene, spec.camera)
        return session.image(transparent=transparent)


def render_still(model, state: SessionState, size: tuple[int, int], *, camera: dict | None = None,
                 theme: str = "dark", transparent: bool = False, overlays: bool = True,
                 font_scale: float = 1.0) -> np.ndarray:
    """Render the session as it is now into an off-screen image of ``size`` (width, height).

    The window's scene and this one share the state, so the still shows exactly what the
    user set up (layers, pose, colouring, selection), at any size, without window widgets.

    Returns
    -------
    numpy.ndarray, shape (height, width, 3 or 4), uint8
    """
    plotter = pv.Plotter(off_screen=True, window_size=list(size), lighting="light_kit")
    scene = HipScene(plotter, model, state, theme=theme)
    try:
        if camera is not None:
            # Same direction and distance; a different aspect only widens or narrows the frame.
            scene.set_camera_state(camera)
        scene.set_font_scale(font_scale * max(size[1], 1) / 800.0 if overlays else font_scale)
        if not overlays:
            scene.overlays.hide_all()
        if transparent:
            # VTK draws a gradient background opaque: switch it off for a see-through image.
            plotter.renderer.GradientBackgroundOff()
        plotter.render()
        return plotter.screenshot(transparent_background=transparent, return_img=True)
    finally:
        scene.disconnect()
        plotter.close()


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
