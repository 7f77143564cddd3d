"""The 3D scene of the hip: the composition root of the render layer.

Used by the desktop window (a pyvistaqt plotter) and by headless exports (an off-screen
plotter): one code path, so what the tests render is what users see. No Qt here.

:class:`HipScene` owns the plotter's adapters, one per concern, and maps each part of the
session's scene specification to the adapter that draws it:

=====================================  ============================================
state                                  drawn by
=====================================  ============================================
pose                                   :mod:`~viewer.render.structures` (actors, sweeps)
layers, ghost, selection, highlight    :mod:`~viewer.render.structures` (colour, opacity)
motion, colour_by                      structures (role colours) and the legend
selection, mechanics, labels           :mod:`~viewer.render.markers`, :mod:`~viewer.render.overlays`
caption, legend                        :mod:`~viewer.render.overlays`
camera (named view, explicit)          :mod:`~viewer.render.camera`
theme                                  :mod:`~viewer.render.theme` and the overlays
translucency, lights                   :mod:`~viewer.render.lights`
=====================================  ============================================

A state change marks what it invalidates; the work is done and the frame drawn at once, or,
inside a :meth:`~viewer.state.SessionState.batch`, once when the batch ends.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkRenderingCore import vtkPropPicker

from viewer.core.constants import NEGLIGIBLE_MOMENT_ARM_MM
from viewer.core.spec import check_theme
from viewer.core.views import DEFAULT_VIEW, check_view
from viewer.render.callouts import callout_items
from viewer.render.camera import apply_camera, fit_clipping, frame_named_view
from viewer.render.clinical_layer import ClinicalLayer
from viewer.render.lights import Lighting
from viewer.render.markers import MarkerLayer
from viewer.render.overlays import Overlays
from viewer.render.structures import StructureLayer
from viewer.render.theme import apply_background
from viewer.state import SessionState

#: What each kind of change invalidates, in the order the work is done.
PARTS = ("pose", "values", "display", "legend", "caption")


class HipScene:
    """Actors for every structure of a model, kept in step with a :class:`SessionState`.

    Parameters
    ----------
    plotter : pyvista.Plotter or pyvistaqt.QtInteractor
    model : viewer.io.model.HipModel
    state : SessionState
    theme : str, optional
        Background theme (:data:`viewer.core.spec.THEME_NAMES`); default: the state's.
    request_render : callable, optional
        Called instead of ``plotter.render()`` whenever the scene changed. A window passes its
        widget's ``update`` so that several state changes in one event-loop pass cost one frame
        (and the widget's paint does the only render); headless use renders at once.
    translucency : {"peeling", "blend"}
        How translucent surfaces are drawn (see :mod:`viewer.render.lights`).

    Attributes
    ----------
    structures : StructureLayer
    markers : MarkerLayer
    overlays : Overlays
    lighting : Lighting
    renders : int
        Frames this scene asked for (one per change, one per batch).
    """

    def __init__(self, plotter, model, state: SessionState, theme: str | None = None, *, request_render=None,
                 translucency: str = "peeling"):
        self.lighting = Lighting(plotter, translucency)
        self.plotter = plotter
        self.model = model
        self.state = state
        self._request_render = request_render
        self.renders = 0
        self._dirty: set[str] = set()
        self._last_view = (DEFAULT_VIEW, 1.0)
        self.structures = StructureLayer(plotter.renderer, model)
        self.markers = MarkerLayer(self.lighting.overlay_renderer, model, self.structures)
        self.overlays = Overlays(plotter.renderer, self.structures)
        self.clinical = ClinicalLayer(self)
        self.structures.adjust_polylines = self.clinical.adjust_polylines
        self.set_theme(theme or state.theme)
        self._connect()
        self.overlays.set_caption(state.caption)
        self._flush(set(PARTS))
        # Overlays follow the camera and the viewport size: lay them out before every render.
        self._start_observer = plotter.renderer.AddObserver("StartEvent", self._before_render)
        self.set_view(DEFAULT_VIEW)

    @property
    def actors(self):
        """Per mesh id, the structure's actor."""
        return self.structures.actors

    @property
    def translucency(self) -> str:
        return self.lighting.translucency

    def set_translucency(self, mode: str) -> None:
        """Switch how translucent surfaces are drawn (``"peeling"`` or ``"blend"``)."""
        self.lighting.set_mode(mode)

    @property
    def theme(self) -> str:
        return self.overlays.theme

    # -- following the state ------------------------------------------------------------------
    def _connections(self):
        s = self.state

        def mark(*parts):
            return lambda *args: self._changed(*parts)

        display = mark("display")
        return (
            (s.pose_changed, mark("pose", "values", "display")), (s.knee_flexion_changed, mark("pose", "display")),
            (s.visibility_changed, display), (s.opacity_changed, display), (s.selection_changed, display),
            (s.highlight_changed, display), (s.ghost_changed, display), (s.show_mechanics_changed, display),
            (s.labels_changed, display), (s.callouts_changed, display), (s.motion_changed, mark("values", "display", "legend")),
            (s.colour_by_changed, mark("values", "display", "legend")), (s.legend_changed, mark("legend")),
            (s.caption_changed, mark("caption")), (s.theme_changed, self.set_theme),
            (s.view_requested, self.set_view), (s.camera_changed, self._on_camera),
            (s.released_changed, self._on_released), (s.section_changed, display), (s.show_spaces_changed, display),
            (s.batch_finished, self._on_batch_finished),
        )

    def _connect(self) -> None:
        self._slots = self._connections()
        for sig, slot in self._slots:
            sig.connect(slot)

    def disconnect(self) -> None:
        """Stop following the state (before the plotter closes)."""
        for sig, slot in getattr(self, "_slots", ()):
            sig.disconnect(slot)
        self._slots = ()
        if getattr(self, "_start_observer", None) is not None:
            self.plotter.renderer.RemoveObserver(self._start_observer)
            self._start_observer = None
        self.lighting.close()

    def _changed(self, *parts: str) -> None:
        self._dirty.update(parts)
        if not self.state.in_batch:
            self.refresh()
            self.render()

    def _on_released(self, ids) -> None:
        self.clinical.set_released(ids)
        self._changed("pose", "values", "display", "legend")

    def _on_batch_finished(self) -> None:
        if self._dirty:
            self.refresh()
            self.render()

    def _on_camera(self, camera) -> None:
        self.refresh()  # framing measures the structures where they are now
        apply_camera(self, camera)

    def refresh(self) -> None:
        """Do the work every pending change asks for (without drawing)."""
        dirty, self._dirty = self._dirty, set()
        self._flush(dirty)

    def _flush(self, dirty: set[str]) -> None:
        state = self.state
        if "pose" in dirty:
            self.structures.update_pose(state.pose, state.knee_flexion_deg)
        if "values" in dirty:
            self.structures.update_values(self.mechanics(), state.motion, state.colour_by)
            # Stretch colouring and released muscles (viewer.render.clinical_layer).
            self.structures.values, self.structures.role_colour = self.clinical.colours(
                self.structures.values, self.structures.role_colour)
        if "display" in dirty:
            self._refresh_display()
        if "legend" in dirty:
            self.overlays.set_legend(state.motion, state.colour_by, NEGLIGIBLE_MOMENT_ARM_MM, state.legend)
            if state.legend:
                self.overlays.legend.set_entries(self.clinical.legend_entries(self.overlays.legend.entries))
        if "caption" in dirty:
            self.overlays.set_caption(state.caption)

    def mechanics(self):
        """The mechanics of the current pose: the state's shared result when it has one."""
        if self.state.mechanics is not None:
            return self.state.mechanics.result
        return self.model.actions.at_pose(self.state.pose)

    def render(self) -> None:
        """Show the current state: at once (headless) or at the window's next paint."""
        self.renders += 1
        if self._request_render is not None:
            self._request_render()
        else:
            self.plotter.render()

    def _selected_leaves(self) -> set[str]:
        sel = self.state.selection
        leaves = set(self.state.leaf_ids(sel)) if sel else set()
        for some_id in self.state.highlight:
            leaves.update(self.state.leaf_ids(some_id))
        return leaves

    def _selected_line(self) -> str | None:
        """The line whose mechanics are drawn: the selection's own, or a compartmented muscle's
        middle part, which stands for the muscle's overall direction of pull."""
        sel = self.state.selection
        index = self.structures.line_index
        if not sel:
            return None
        leaves = [leaf for leaf in self.state.leaf_ids(sel) if leaf in index]
        if sel in index or not leaves:
            return sel if sel in index else None
        middle = [leaf for leaf in leaves if leaf.endswith(".middle")]
        return middle[0] if middle else leaves[len(leaves) // 2]

    def _refresh_display(self) -> None:
        state = self.state
        translucent = self.structures.refresh(state, self._selected_leaves())
        self.lighting.set_translucent(translucent)
        sel = state.selection
        pose = state.pose
        leaves = state.leaf_ids(sel) if sel else []
        self.markers.update_attachments(leaves, pose)
        items = self.callout_items()
        named = {text.split("  ")[0] for text, _ in items}
        label = self.model.display_name(sel) if sel and state.labels else None
        self.overlays.show_label(None if label in named else label, leaves, pose)
        self.overlays.set_callouts(items)
        line = self._selected_line() if state.show_mechanics else None
        text = self.markers.update_mechanics(line, state.motion, pose, self.mechanics() if line else None)
        self.overlays.mechanics_text.SetInput(text)
        self.clinical.update()
        # An empty overlay layer still costs a pass: draw it only when it shows something.
        self.lighting.overlay_renderer.SetDraw(self.markers.any_visible or self.clinical.overlay_visible)

    def callout_items(self) -> list[tuple[str, list[str]]]:
        """``(text, leaves)`` of every callout to draw (:func:`viewer.render.callouts.callout_items`)."""
        return callout_items(self)

    def callout_boxes_px(self):
        """Screen boxes of the callouts drawn in the last frame (display pixels)."""
        return self.overlays.callout_boxes_px()

    def _before_render(self, *args) -> None:
        self.overlays.before_render(self.state.pose)

    # -- public reading of what is drawn ----------------------------------------------------------
    def values(self) -> dict[str, float]:
        """The per-line values behind the current colouring (mm or N m); empty without a motion."""
        return dict(self.structures.values)

    @property
    def translucent(self) -> bool:
        """Whether any shown structure is translucent now."""
        return self.lighting.translucent

    @property
    def depth_peeling(self) -> bool:
        """Whether the renderer peels translucent surfaces (while anything is, in peeling mode)."""
        return self.lighting.depth_peeling

    @property
    def legend_visible(self) -> bool:
        return self.overlays.legend.GetVisibility()

    def label_box_px(self):
        """The selection label's box ``(x0, y0, x1, y1)`` in display pixels, or None if hidden."""
        return self.overlays.label_box_px()

    def legend_box_px(self):
        """The legend's box in display pixels, or None if hidden."""
        return self.overlays.legend_box_px()

    def occupancy(self, cell_px: int | None = None) -> np.ndarray:
        """Coarse screen mask ``(rows, cols)`` of what covers the view (row 0 at the bottom)."""
        return self.overlays.occupancy(self.state.pose, *(() if cell_px is None else (cell_px,)))

    # -- interactive frames -----------------------------------------------------------------------
    def set_fast(self, fast: bool) -> None:
        """Interactive frames (dragging, animating) skip edge smoothing and draw coarse bones and muscles."""
        self.lighting.set_fast(fast)
        self.structures.set_fast(self.lighting.fast)

    def prepare_fast_lod(self) -> None:
        """Build the coarse bone meshes for interactive frames (a window calls it after its first frame)."""
        self.structures.prepare_fast_lod()
        self.set_fast(self.lighting.fast)

    @property
    def has_fast_lod(self) -> bool:
        return self.structures.has_lod

    @property
    def fast(self) -> bool:
        return self.lighting.fast

    # -- camera, theme, text size -----------------------------------------------------------------
    def set_view(self, name: str, zoom: float = 1.0) -> None:
        """Look at the hip region from a named direction, fitted to the viewport, then zoom."""
        check_view(name)
        self.refresh()
        self._last_view = (name, float(zoom))
        frame_named_view(self.plotter, name, self._framing_points(), zoom)
        self.render()

    @property
    def last_view(self) -> tuple[str, float]:
        """The named view and zoom last asked for (re-applied when a window changes shape)."""
        return self._last_view

    def _framing_points(self) -> np.ndarray | None:
        """Visible surface points (pelvis frame, current pose), ``(n, 3)``."""
        vis = self.state.visibility()
        pose = self.state.pose
        chunks = []
        for leaf in self.model.meshes:
            if vis[leaf]:
                pts = self.structures.world_points(leaf, pose)
                chunks.append(pts[:: max(1, len(pts) // 4000)])
        return np.vstack(chunks) if chunks else None

    def set_theme(self, name: str) -> None:
        """Background and text colours of a theme (:data:`viewer.core.spec.THEME_NAMES`)."""
        check_theme(name, field="theme")
        apply_background(self.plotter, name)
        self.overlays.set_theme(name)
        self.render()

    def set_font_scale(self, scale: float) -> None:
        """Scale every viewport text (presentation mode uses about 1.5)."""
        self.overlays.set_font_scale(scale)
        self.render()

    @property
    def font_scale(self) -> float:
        return self.overlays.font_scale

    def camera_state(self) -> dict:
        """Position, focal point, view-up and view angle of the camera (to copy to another scene)."""
        cam = self.plotter.camera
        return {"position": tuple(cam.position), "focal_point": tuple(cam.focal_point),
                "up": tuple(cam.up), "view_angle": float(cam.view_angle)}

    def set_camera_state(self, camera: dict) -> None:
        cam = self.plotter.camera
        cam.position, cam.focal_point, cam.up = camera["position"], camera["focal_point"], camera["up"]
        cam.view_angle = camera["view_angle"]
        fit_clipping(self.plotter)
        self.render()

    # -- picking and projection -------------------------------------------------------------------
    def pick(self, x: float, y: float) -> str | None:
        """The mesh id under display pixel ``(x, y)`` (VTK coordinates: origin bottom-left), or None."""
        picker = vtkPropPicker()
        if not picker.Pick(x, y, 0.0, self.plotter.renderer):
            return None
        actor = picker.GetActor()
        if actor is None:
            return None
        return self.structures.leaf_for_actor(actor, np.asarray(picker.GetPickPosition()))

    def display_point(self, point) -> tuple[float, float]:
        """Display pixel (VTK coordinates) of a pelvis-frame point."""
        renderer = self.plotter.renderer
        renderer.SetWorldPoint(*np.asarray(point, dtype=float), 1.0)
        renderer.WorldToDisplay()
        x, y, _ = renderer.GetDisplayPoint()
        return x, y

    def surface_point(self, leaf: str, tries: int = 24) -> np.ndarray:
        """A vertex of ``leaf`` that the camera sees (picking names it), nearest its centre as seen
        from the camera first: a nerve or a neighbour may lie over the centre."""
        pts = self.structures.world_points(leaf, self.state.pose)
        centre = pts.mean(axis=0)
        rel = pts - centre
        view = centre - np.asarray(self.plotter.camera.position, dtype=float)
        view /= np.linalg.norm(view)
        off_ray = np.linalg.norm(rel - (rel @ view)[:, None] * view, axis=1)  # from the ray through the centre
        candidates = np.flatnonzero((rel @ view) <= 0.0)  # the half facing the camera
        candidates = candidates if candidates.size else np.arange(len(pts))
        ordered = candidates[np.argsort(off_ray[candidates], kind="stable")]
        for i in np.unique(np.linspace(0, len(ordered) - 1, min(tries, len(ordered))).astype(int)):
            if self.pick(*self.display_point(pts[ordered[i]])) == leaf:
                return pts[ordered[i]]
        return pts[ordered[0]]

    def screenshot(self, path=None, transparent: bool = False, scale: int | None = None):
        """Save or return the current image (RGB/RGBA array) without widgets."""
        return self.plotter.screenshot(path, transparent_background=transparent, return_img=True, scale=scale)
