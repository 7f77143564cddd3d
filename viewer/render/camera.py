"""The camera: named views of the hip region, lesson and scene framing, explicit cameras.

The one place that knows how a named view (:mod:`viewer.core.views`) becomes a camera: the
visible surfaces of the hip region are fitted into the viewport from the view's direction
(:func:`frame_named_view`). A lesson step or scene file asks for more (:func:`apply_camera`): to
look closely at a few small muscles (``focus``: the box around them is fitted into the view, by
projecting its corners and panning and zooming until they fill it), and a band at the bottom
kept free for its caption, so that what is framed is drawn above the caption, never under it;
or for an explicit camera (position, focal point, view-up). No Qt: the desktop window and
headless exports share this.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from viewer.core.spec import Camera
from viewer.core.tolerances import tol
from viewer.core.views import camera_for
from viewer.render.theme import (
    CAPTION_BOTTOM,
    CAPTION_CHAR_EM,
    CAPTION_FONT_PX,
    CAPTION_GAP,
    CAPTION_LINE_SPACING,
    MAX_CAPTION_BAND,
)

#: Free fraction of the view kept at each edge around the framed structures.
FIT_MARGIN = 0.03
#: The focus fit stops when a round changes the zoom by less than this fraction (0.1 %: under
#: a pixel on any screen).
FIT_CONVERGED = 1e-3
#: The camera's default focal point (mm, pelvis frame) and distance before a view is fitted.
DEFAULT_FOCAL_POINT = np.array([-20.0, -40.0, -15.0])
DEFAULT_DISTANCE_MM = 900.0
#: Named views frame the hip region: every visible surface point within this distance of the
#: hip joint centre (mm). The pelvis and the proximal half of the femur, where every modelled
#: muscle attaches, fill the view instead of shrinking to make room for the knee end of the femur.
HIP_REGION_RADIUS_MM = 260.0
#: Fraction of the viewport left free around the framed region on each side.
FRAME_MARGIN = 0.06
VIEW_ANGLE_DEG = 30.0


def frame_named_view(plotter, name: str, points: np.ndarray | None, zoom: float = 1.0) -> None:
    """Look at ``points`` (visible surface samples, ``(n, 3)`` mm) from a named direction.

    The points within :data:`HIP_REGION_RADIUS_MM` of the hip centre (all of them when fewer
    than eight are) are fitted into the viewport's width and height with a margin of
    :data:`FRAME_MARGIN`, then the camera zooms by ``zoom``.
    """
    position, focal, up = camera_for(name, DEFAULT_FOCAL_POINT, DEFAULT_DISTANCE_MM)
    cam = plotter.camera
    cam.view_angle = VIEW_ANGLE_DEG
    if points is None or not len(points):
        cam.position, cam.focal_point, cam.up = position, focal, up
    else:
        near = points[np.linalg.norm(points, axis=1) <= HIP_REGION_RADIUS_MM]
        points = near if len(near) >= 8 else points
        direction = np.asarray(position, dtype=float) - np.asarray(focal, dtype=float)
        width, height = plotter.renderer.GetSize()
        aspect = width / height if width > 0 and height > 0 else 1.0
        cam.position, cam.focal_point, cam.up = fit_points(points, direction, np.asarray(up, dtype=float), aspect)
    if zoom != 1.0:
        cam.zoom(zoom)
    fit_clipping(plotter)


def fit_clipping(plotter) -> None:
    """Fit the clipping range to the scene, but cut away what lies more than the hip region's
    radius in front of the focal point (the thigh, leg and foot when looking up from below), as
    an atlas's inferior view leaves out the limb."""
    plotter.reset_camera_clipping_range()
    cam = plotter.camera
    distance = float(np.linalg.norm(np.asarray(cam.position) - np.asarray(cam.focal_point)))
    near, far = cam.clipping_range
    near_limit = distance - HIP_REGION_RADIUS_MM
    if near < near_limit < far:
        cam.clipping_range = (near_limit, far)


def fit_points(points: np.ndarray, direction: np.ndarray, up: np.ndarray, aspect: float):
    """Camera position, focal point and up that fit ``points`` in a viewport (perspective)."""
    d = direction / np.linalg.norm(direction)
    up = up - (up @ d) * d
    up /= np.linalg.norm(up)
    right = np.cross(up, d)
    tan_y = np.tan(np.radians(VIEW_ANGLE_DEG) / 2.0) * (1.0 - 2.0 * FRAME_MARGIN)
    tan_x = tan_y * aspect
    x, y = points @ right, points @ up
    # Centre the framed region on screen, then back off until every point is inside.
    centre = points.mean(axis=0)
    centre = centre + right * (0.5 * (x.min() + x.max()) - centre @ right) + up * (0.5 * (y.min() + y.max()) - centre @ up)
    rel = points - centre
    rx, ry, rz = rel @ right, rel @ up, rel @ d
    distance = float(np.max(np.maximum(rz + np.abs(rx) / tan_x, rz + np.abs(ry) / tan_y)))
    distance = max(distance, 1.0)
    return tuple(centre + distance * d), tuple(centre), tuple(up)


def set_explicit(plotter, camera: Camera) -> None:
    """Put the camera exactly where ``camera`` says (position, focal point, up), then zoom."""
    cam = plotter.camera
    cam.view_angle = VIEW_ANGLE_DEG
    cam.position, cam.focal_point = camera.position, camera.focal_point
    cam.up = camera.up if camera.up is not None else (0.0, 1.0, 0.0)
    if camera.zoom != 1.0:
        cam.zoom(camera.zoom)
    fit_clipping(plotter)


def focus_bounds(scene, leaves) -> tuple[float, ...] | None:
    """Axis-aligned bounds ``(xmin, xmax, ymin, ymax, zmin, zmax)`` in mm of the given meshes at
    the current pose (actor bounds include the femur's transform), or None if none is known."""
    boxes = [np.array(scene.actors[leaf].GetBounds()).reshape(3, 2) for leaf in leaves if leaf in scene.actors]
    if not boxes:
        return None
    stack = np.stack(boxes)
    return tuple(np.column_stack([stack[:, :, 0].min(0), stack[:, :, 1].max(0)]).ravel())


def caption_band(scene) -> float:
    """Fraction of the view height the scene's caption needs at the bottom (0 without a caption).

    The caption's lines are counted as the scene lays them out: each line of the state's
    caption wrapped to the columns that fit the viewport at the caption's font size.
    """
    text = scene.state.caption
    if not text:
        return 0.0
    width, height = scene.plotter.renderer.GetSize()
    if height <= 0:
        return 0.0
    font_px = CAPTION_FONT_PX * float(scene.font_scale)
    columns = max(20, int(0.94 * width / (CAPTION_CHAR_EM * font_px)))
    lines = sum(max(1, len(textwrap.wrap(line, columns))) for line in text.split("\n"))
    band = CAPTION_BOTTOM + CAPTION_GAP + lines * font_px * CAPTION_LINE_SPACING / height
    return min(band, MAX_CAPTION_BAND)


def _normalised(renderer, points: np.ndarray) -> np.ndarray:
    """Viewport positions (0..1, y up) of world points, shape ``(n, 2)``, for the current camera."""
    width, height = renderer.GetSize()
    out = np.empty((len(points), 2))
    for i, p in enumerate(points):
        renderer.SetWorldPoint(float(p[0]), float(p[1]), float(p[2]), 1.0)
        renderer.WorldToDisplay()
        x, y, _ = renderer.GetDisplayPoint()
        out[i] = (x / width, y / height)
    return out


def _view_size(camera, aspect: float) -> tuple[float, float]:
    """Width and height (mm) of the view at the focal point."""
    distance = np.linalg.norm(np.subtract(camera.focal_point, camera.position))
    if camera.parallel_projection:
        height = 2.0 * camera.parallel_scale
    else:
        height = 2.0 * distance * math.tan(math.radians(camera.view_angle) / 2.0)
    return height * aspect, height


def _screen_axes(camera) -> tuple[np.ndarray, np.ndarray]:
    forward = np.subtract(camera.focal_point, camera.position)
    forward = forward / np.linalg.norm(forward)
    up = np.asarray(camera.up, dtype=float)
    up = up - forward * np.dot(up, forward)
    up /= np.linalg.norm(up)
    return np.cross(forward, up), up


def fit_bounds(plotter, bounds, *, zoom: float = 1.0, bottom: float = 0.0, margin: float = FIT_MARGIN,
               iterations: int = 5) -> None:
    """Pan and zoom the camera (direction kept) so that a box fills the viewport above ``bottom``.

    Parameters
    ----------
    plotter : pyvista.Plotter
    bounds : (xmin, xmax, ymin, ymax, zmin, zmax)
        The box to frame, mm.
    zoom : float
        Applied after fitting, about the box's centre; above 1 crops the box on purpose.
    bottom : float
        Fraction of the view height kept free at the bottom (the caption band).
    margin : float
        Free fraction at every edge of the region.
    """
    renderer = plotter.renderer
    width, height = renderer.GetSize()
    if width <= 0 or height <= 0:
        return
    camera = plotter.camera
    corners = np.array(np.meshgrid(bounds[0:2], bounds[2:4], bounds[4:6])).reshape(3, -1).T
    target = np.array([0.5, 0.5 * (1.0 + bottom)])
    room = np.array([1.0 - 2.0 * margin, 1.0 - bottom - 2.0 * margin])
    right, up = _screen_axes(camera)

    def pan_to_target() -> np.ndarray:
        xy = _normalised(renderer, corners)
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        offset = 0.5 * (lo + hi) - target
        _pan(camera, right * offset[0], up * offset[1], width / height)
        return hi - lo

    # Perspective makes the projection non-linear: a few pan-and-zoom rounds converge.
    for _ in range(iterations):
        extent = pan_to_target()
        factor = float(np.min(room / np.maximum(extent, tol.divisor)))
        camera.zoom(factor)
        if abs(factor - 1.0) < FIT_CONVERGED:
            break
    if zoom != 1.0:
        camera.zoom(zoom)
        pan_to_target()


def _pan(camera, right_part: np.ndarray, up_part: np.ndarray, aspect: float) -> None:
    """Move camera and focal point by screen fractions (``right_part``, ``up_part`` are the
    screen axes scaled by the fraction of the view's width and height to move)."""
    view_w, view_h = _view_size(camera, aspect)
    shift = right_part * view_w + up_part * view_h
    camera.position = tuple(np.add(camera.position, shift))
    camera.focal_point = tuple(np.add(camera.focal_point, shift))


def lift_above(plotter, bottom: float) -> None:
    """Shrink the picture to ``1 - bottom`` of the height and move it up by ``bottom``, so that
    what filled the view now fills the region above a caption band (camera direction kept)."""
    renderer = plotter.renderer
    width, height = renderer.GetSize()
    if bottom <= 0 or width <= 0 or height <= 0:
        return
    camera = plotter.camera
    camera.zoom(1.0 - bottom)
    _, up = _screen_axes(camera)
    # Moving the camera down by half the band moves the picture up by as much.
    _pan(camera, np.zeros(3), -up * bottom / 2.0, width / height)


def apply_camera(scene, camera: Camera) -> None:
    """Point the scene's camera as a lesson step or scene file asks, leaving the caption band free.

    An explicit camera is used as it is. Without focus this is the scene's own named view
    (the hip region, as the window shows it) and zoom, lifted above the caption; with focus,
    the box around the focus structures is fitted into the region above the caption and the
    zoom applied to it.

    Parameters
    ----------
    scene : viewer.render.scene.HipScene
    camera : viewer.core.spec.Camera
    """
    if camera.explicit:
        set_explicit(scene.plotter, camera)
        scene.render()
        return
    bounds = focus_bounds(scene, camera.focus) if camera.focus else None
    band = caption_band(scene)
    if bounds is None:
        scene.set_view(camera.view, zoom=camera.zoom)
        lift_above(scene.plotter, band)
    else:
        scene.set_view(camera.view)
        fit_bounds(scene.plotter, bounds, zoom=camera.zoom, bottom=band)
    fit_clipping(scene.plotter)
    # The scene places the selection's name box for the new framing before it draws.
    scene.render()


def caption_chars(width_px: int, font_scale: float = 1.0) -> int:
    """Characters per caption line that fit across 90 % of an image ``width_px`` wide (a little
    narrower than the scene's own wrapping, so the scene keeps these lines as they are)."""
    return max(20, int(0.9 * width_px / (CAPTION_CHAR_EM * CAPTION_FONT_PX * font_scale)))


def font_scale_for(width_px: int) -> float:
    """Text scale for an exported image: captions stay legible when a slide shows the image
    across a projector (18 px at 1000 px wide, growing with the width, never smaller)."""
    return max(1.0, width_px / 1000.0)


def prepare_export_text(scene, width_px: int) -> float:
    """Scale the scene's texts for an exported image and back its caption; returns the scale.

    A scene without scalable text keeps its 18 px captions (scale 1).
    """
    scale = font_scale_for(width_px)
    scene.set_font_scale(scale)
    back_caption(scene)
    return scale


def back_caption(scene, opacity: float = 0.8) -> None:
    """Put a translucent panel of the theme's background colour behind the scene's caption.

    A lesson frames the structures it talks about, so the rest of the model (the femoral shaft,
    typically) often runs behind the caption; light text over bone is unreadable without a
    backing.
    """
    scene.overlays.back_caption(opacity)
