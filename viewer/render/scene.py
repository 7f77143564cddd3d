"""The 3D scene of the hip: actors built once, then updated in place from the session state.

Used by the desktop window (a pyvistaqt plotter) and by headless exports (an off-screen
plotter): one code path, so what the tests render is what users see. No Qt here.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
import vtk

from viewer.core.actions import NEGLIGIBLE_MOMENT_ARM_MM, roles
from viewer.core.kinematics import femur_transform
from viewer.core.moment_arms import joint_axes
from viewer.core.sweep import DEFAULT_RING, DEFAULT_STATIONS, sweep_vertices
from viewer.render import palette
from viewer.render.views import VIEWS, camera_for, check_view
from viewer.state import SessionState

#: Intensity scales for role colouring: moment arm (mm) and torque potential (N m) at full colour.
FULL_COLOUR_MOMENT_ARM_MM = 40.0
FULL_COLOUR_TORQUE_NM = 40.0
GHOST_OPACITY = 0.12
DEFAULT_FOCAL_POINT = np.array([-20.0, -40.0, -15.0])
DEFAULT_DISTANCE_MM = 900.0


def _faces_to_vtk(faces: np.ndarray) -> np.ndarray:
    return np.hstack([np.full((len(faces), 1), 3, dtype=np.int64), faces.astype(np.int64)]).ravel()


class HipScene:
    """Actors for every structure of a model, kept in step with a :class:`SessionState`.

    Parameters
    ----------
    plotter : pyvista.Plotter or pyvistaqt.QtInteractor
    model : viewer.io.model.HipModel
    state : SessionState
    theme : str
        Background theme name from :data:`viewer.render.palette.THEMES`.
    """

    def __init__(self, plotter, model, state: SessionState, theme: str = "dark"):
        self.plotter = plotter
        self.model = model
        self.state = state
        self.theme = theme
        self.actors: dict[str, object] = {}
        self._polydata: dict[str, pv.PolyData] = {}
        self._actor_leaf: dict[int, str] = {}
        self._line_index = {line.id: i for i, line in enumerate(model.paths.lines)}
        self._base_colour: dict[str, np.ndarray] = {}
        self._role_colour: dict[str, np.ndarray] = {}
        self._values: dict[str, float] = {}
        self._prepare_renderer()
        self._build_structures()
        self._build_overlays()
        self.set_theme(theme)
        self._connect()
        self._update_pose(self.state.pose)
        self._refresh_display()
        self.set_view("posterolateral")

    # -- construction ---------------------------------------------------------------------
    def _prepare_renderer(self) -> None:
        p = self.plotter
        # Depth peeling with multisampling gives a blank image on software OpenGL; use FXAA.
        p.ren_win.SetMultiSamples(0)
        p.enable_depth_peeling(number_of_peels=6)
        try:
            p.enable_anti_aliasing("fxaa")
        except Exception:  # pragma: no cover - some VTK builds lack FXAA
            pass

    def _display_for(self, leaf: str):
        structure = self.model.structure_of(leaf)
        ann = self.model.annotations[structure]
        return ann.compartment(leaf).display if leaf != structure else ann.display

    def _build_structures(self) -> None:
        for leaf, record in self.model.meshes.items():
            pd = pv.PolyData(record.vertices.copy(), _faces_to_vtk(record.faces))
            self._polydata[leaf] = pd
            normals = vtk.vtkPolyDataNormals()
            normals.SetInputData(pd)
            normals.SplittingOff()
            normals.ConsistencyOff()
            normals.AutoOrientNormalsOff()
            colour = palette.hex_to_rgb(self._display_for(leaf).colour)
            self._base_colour[leaf] = colour
            is_bone = record.kind == "bone"
            actor = self.plotter.add_mesh(
                normals,
                color=colour,
                smooth_shading=True,
                specular=0.15 if is_bone else 0.35,
                specular_power=12.0 if is_bone else 20.0,
                ambient=0.12,
                diffuse=0.85,
                name=f"structure:{leaf}",
                reset_camera=False,
                render=False,
            )
            self.actors[leaf] = actor
            self._actor_leaf[id(actor)] = leaf
            self._actor_leaf[id(actor.GetMapper())] = leaf

    def _build_overlays(self) -> None:
        p = self.plotter
        self._marker_origin = pv.PolyData(np.zeros((1, 3)))
        self._marker_insertion = pv.PolyData(np.zeros((1, 3)))
        sphere = pv.Sphere(radius=4.0, theta_resolution=16, phi_resolution=16)
        self._origin_actor = p.add_mesh(self._marker_origin.glyph(geom=sphere, scale=False, orient=False),
                                        color=palette.ORIGIN_COLOUR, name="marker:origin", render=False, reset_camera=False,
                                        pickable=False)
        self._insertion_actor = p.add_mesh(self._marker_insertion.glyph(geom=sphere, scale=False, orient=False),
                                           color=palette.INSERTION_COLOUR, name="marker:insertion", render=False,
                                           reset_camera=False, pickable=False)
        self._axis_line = pv.Line((0, 0, -1), (0, 0, 1))
        self._action_line = pv.Line((0, 0, 0), (1, 0, 0))
        self._arm_line = pv.Line((0, 0, 0), (1, 0, 0))
        self._axis_actor = p.add_mesh(self._axis_line, color=palette.AXIS_COLOUR, line_width=5, name="mechanics:axis",
                                      render=False, reset_camera=False, pickable=False)
        self._action_actor = p.add_mesh(self._action_line, color=palette.LINE_OF_ACTION_COLOUR, line_width=5,
                                        name="mechanics:line_of_action", render=False, reset_camera=False, pickable=False)
        self._arm_actor = p.add_mesh(self._arm_line, color="white", line_width=4, name="mechanics:moment_arm",
                                     render=False, reset_camera=False, pickable=False)
        for actor in (self._origin_actor, self._insertion_actor, self._axis_actor, self._action_actor, self._arm_actor):
            actor.SetVisibility(False)
        # Selected structure's name: a caption box in the viewport margin with a leader line,
        # so the text never sits on top of the model.
        self._label = vtk.vtkCaptionActor2D()
        self._label.SetCaption("")
        self._label.BorderOff()
        self._label.LeaderOn()
        self._label.SetPadding(4)
        self._label.GetCaptionTextProperty().SetFontSize(20)
        self._label.GetCaptionTextProperty().BoldOn()
        self._label.GetCaptionTextProperty().ShadowOff()
        self._label.GetCaptionTextProperty().SetFrame(True)
        self._label.GetCaptionTextProperty().SetBackgroundOpacity(0.85)
        self._label.SetVisibility(False)
        self._label.SetPickable(False)
        p.renderer.AddViewProp(self._label)
        self._caption_actor = self._text_actor((0.5, 0.025), "centered", "bottom", 18)
        self._legend_actor = None
        self._mechanics_text = self._text_actor((0.985, 0.975), "right", "top", 15)

    def _text_actor(self, position, horizontal: str, vertical: str, size: int) -> vtk.vtkTextActor:
        """A 2D text placed in normalised viewport coordinates."""
        actor = vtk.vtkTextActor()
        actor.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
        actor.SetPosition(*position)
        prop = actor.GetTextProperty()
        prop.SetFontSize(size)
        prop.SetFontFamilyToArial()
        getattr(prop, {"centered": "SetJustificationToCentered", "right": "SetJustificationToRight",
                       "left": "SetJustificationToLeft"}[horizontal])()
        getattr(prop, {"bottom": "SetVerticalJustificationToBottom", "top": "SetVerticalJustificationToTop"}[vertical])()
        prop.SetBackgroundOpacity(0.0)
        actor.SetPickable(False)
        self.plotter.renderer.AddViewProp(actor)
        return actor

    def _connect(self) -> None:
        s = self.state
        s.pose_changed.connect(self._on_pose)
        s.visibility_changed.connect(self._on_display_changed)
        s.opacity_changed.connect(self._on_display_changed)
        s.selection_changed.connect(self._on_display_changed)
        s.highlight_changed.connect(self._on_display_changed)
        s.ghost_changed.connect(self._on_display_changed)
        s.motion_changed.connect(self._on_motion)
        s.colour_by_changed.connect(self._on_motion)
        s.caption_changed.connect(self._on_caption)
        s.show_mechanics_changed.connect(self._on_display_changed)
        s.view_requested.connect(self.set_view)

    def disconnect(self) -> None:
        """Stop following the state (before the plotter closes)."""
        s = self.state
        for sig, slot in (
            (s.pose_changed, self._on_pose), (s.visibility_changed, self._on_display_changed),
            (s.opacity_changed, self._on_display_changed), (s.selection_changed, self._on_display_changed),
            (s.highlight_changed, self._on_display_changed), (s.ghost_changed, self._on_display_changed),
            (s.motion_changed, self._on_motion), (s.colour_by_changed, self._on_motion),
            (s.caption_changed, self._on_caption), (s.show_mechanics_changed, self._on_display_changed),
            (s.view_requested, self.set_view),
        ):
            sig.disconnect(slot)

    # -- state reactions ----------------------------------------------------------------
    def _on_pose(self, pose) -> None:
        self._update_pose(pose)
        self._refresh_display()
        self.render()

    def _on_display_changed(self, *args) -> None:
        self._refresh_display()
        self.render()

    def _on_motion(self, *args) -> None:
        self._update_values()
        self._refresh_display()
        self._update_legend()
        self.render()

    def _on_caption(self, text: str) -> None:
        self._caption_actor.SetInput(text)
        self.render()

    def render(self) -> None:
        self.plotter.render()

    # -- pose -------------------------------------------------------------------------------
    def _update_pose(self, pose) -> None:
        pose = np.asarray(pose, dtype=float)
        T = femur_transform(pose)[0]
        femur_matrix = vtk.vtkMatrix4x4()
        for i in range(4):
            for j in range(4):
                femur_matrix.SetElement(i, j, T[i, j])
        for leaf, record in self.model.meshes.items():
            if record.kind == "bone" and record.body == "femur":
                self.actors[leaf].SetUserMatrix(femur_matrix)
        self._polylines = self.model.paths.polylines(pose)
        for line, poly in zip(self.model.paths.lines, self._polylines):
            pd = self._polydata.get(line.id)
            if pd is None:
                continue
            pd.points = sweep_vertices(poly, line.shape, DEFAULT_STATIONS, DEFAULT_RING)
            pd.Modified()
        self._update_values()

    def _update_values(self) -> None:
        """Moment arm or torque of every muscle line for the chosen motion at the current pose."""
        motion = self.state.motion
        self._values = {}
        self._role_colour = {}
        if motion is None:
            return
        result = self.model.actions.evaluate(motion, self.state.pose[None])
        key = "line_torque" if self.state.colour_by == "torque" else "line_r"
        scale = FULL_COLOUR_TORQUE_NM if self.state.colour_by == "torque" else FULL_COLOUR_MOMENT_ARM_MM
        r = result["line_r"][0]
        vals = result[key][0]
        line_roles = roles(r)
        for k, line_id in enumerate(self.model.actions.line_ids):
            self._values[line_id] = float(vals[k])
            self._role_colour[line_id] = palette.role_colour(line_roles[k], abs(vals[k]) / scale)

    def values(self) -> dict[str, float]:
        """The per-line values behind the current colouring (mm or N m); empty without a motion."""
        return dict(self._values)

    # -- display: colour, opacity, visibility, selection, ghost --------------------------------
    def _selected_leaves(self) -> set[str]:
        sel = self.state.selection
        leaves = set(self.state.leaf_ids(sel)) if sel else set()
        for some_id in self.state.highlight:
            leaves.update(self.state.leaf_ids(some_id))
        return leaves

    def _refresh_display(self) -> None:
        selected = self._selected_leaves()
        ghost = self.state.ghost and bool(selected)
        visibility = self.state.visibility()
        for leaf, actor in self.actors.items():
            prop = actor.GetProperty()
            colour = self._role_colour.get(leaf, self._base_colour[leaf])
            if leaf in selected:
                # Lift the selected structure: brighter and slightly emissive.
                colour = 0.65 * np.asarray(colour) + 0.35 * palette.hex_to_rgb(palette.HIGHLIGHT_COLOUR)
                prop.SetAmbient(0.35)
            else:
                prop.SetAmbient(0.12)
            prop.SetColor(*colour)
            opacity = self.state.opacity(leaf)
            if ghost and leaf not in selected:
                opacity = min(opacity, GHOST_OPACITY)
            prop.SetOpacity(opacity)
            actor.SetVisibility(bool(visibility[leaf]) and opacity > 0.0)
        self._update_markers()
        self._update_mechanics()

    def _selected_line(self) -> str | None:
        sel = self.state.selection
        if not sel:
            return None
        leaves = [leaf for leaf in self.state.leaf_ids(sel) if leaf in self._line_index]
        return leaves[0] if len(leaves) == 1 else (sel if sel in self._line_index else None)

    def _update_markers(self) -> None:
        sel = self.state.selection
        line_ids = [leaf for leaf in (self.state.leaf_ids(sel) if sel else []) if leaf in self._line_index]
        show = bool(line_ids)
        if show:
            origins = np.array([self._polylines[self._line_index[i]][0] for i in line_ids])
            inserts = np.array([self._polylines[self._line_index[i]][-1] for i in line_ids])
            sphere = pv.Sphere(radius=4.0, theta_resolution=16, phi_resolution=16)
            self._origin_actor.GetMapper().SetInputData(pv.PolyData(origins).glyph(geom=sphere, scale=False, orient=False))
            self._insertion_actor.GetMapper().SetInputData(pv.PolyData(inserts).glyph(geom=sphere, scale=False, orient=False))
        self._origin_actor.SetVisibility(show)
        self._insertion_actor.SetVisibility(show)
        if sel:
            anchor = self._label_anchor(sel)
            self._label.SetAttachmentPoint(*anchor)
            self._label.SetCaption(self.model.display_name(sel))
            self._place_label(anchor)
            self._label.SetVisibility(True)
        else:
            self._label.SetVisibility(False)

    def _label_anchor(self, some_id: str) -> np.ndarray:
        leaves = self.state.leaf_ids(some_id)
        pts = []
        for leaf in leaves:
            if leaf in self._line_index:
                poly = self._polylines[self._line_index[leaf]]
                pts.append(poly[len(poly) // 2])
            else:
                record = self.model.meshes[leaf]
                centre = record.vertices.mean(axis=0)
                if record.body == "femur":
                    centre = femur_transform(self.state.pose)[0, :3, :3] @ centre
                pts.append(centre)
        return np.mean(pts, axis=0)

    def _place_label(self, anchor: np.ndarray) -> None:
        """Put the caption box in the viewport margin on the anchor's side of the screen."""
        renderer = self.plotter.renderer
        renderer.SetWorldPoint(*anchor, 1.0)
        renderer.WorldToDisplay()
        x, y, _ = renderer.GetDisplayPoint()
        width, height = renderer.GetSize()
        if width <= 0 or height <= 0:
            return
        box_w, box_h = 0.26, 0.06
        left = x < width / 2
        self._label.SetPosition2(box_w, box_h)
        # Position is relative to the attachment point in display pixels.
        target_x = 0.02 * width if left else (0.98 - box_w) * width
        target_y = min(max(y, 0.1 * height), 0.85 * height)
        self._label.SetPosition(target_x - x, target_y - y)

    def _update_mechanics(self) -> None:
        line_id = self._selected_line()
        motion = self.state.motion
        show = bool(self.state.show_mechanics and motion is not None and line_id is not None
                    and self.model.paths.lines[self._line_index[line_id]].is_muscle)
        for actor in (self._axis_actor, self._action_actor, self._arm_actor):
            actor.SetVisibility(show)
        if not show:
            self._mechanics_text.SetInput("")
            return
        pose = self.state.pose
        axis = joint_axes(pose)[0, motion.coordinate] * motion.sign
        self._axis_actor.GetMapper().SetInputData(pv.Line(-110 * axis, 110 * axis))
        poly = self._polylines[self._line_index[line_id]]
        insertion = poly[-1]
        # The pull on the femur acts from the insertion towards the previous point of the path.
        direction = poly[-2] - insertion
        direction /= np.linalg.norm(direction)
        self._action_actor.GetMapper().SetInputData(pv.Line(insertion, insertion + 90.0 * direction))
        # Common perpendicular between the joint axis (through the origin) and the line of action.
        n = np.cross(axis, direction)
        if np.linalg.norm(n) < 1e-9:
            foot_axis, foot_line = np.zeros(3), insertion
        else:
            # Solve origin + s*axis + k*n = insertion + t*direction for s, t.
            A = np.stack([axis, -direction, n], axis=1)
            s, t, _ = np.linalg.solve(A, insertion)
            foot_axis, foot_line = s * axis, insertion + t * direction
        self._arm_actor.GetMapper().SetInputData(pv.Line(foot_axis, foot_line))
        r = self.model.actions.line_moment_arms(motion, pose[None])[0][self.model.actions.line_ids.index(line_id)]
        self._mechanics_text.SetInput(
            f"{self.model.display_name(line_id)}\n{motion.label}: moment arm {r:+.1f} mm\n"
            f"(yellow: joint axis, blue: line of action)"
        )

    def _update_legend(self) -> None:
        p = self.plotter
        if self._legend_actor is not None:
            p.remove_legend(render=False)
            self._legend_actor = None
        motion = self.state.motion
        if motion is None:
            return
        unit = "torque potential" if self.state.colour_by == "torque" else "moment arm"
        labels = [
            [f"{motion.label}: produces", palette.ROLE_COLOURS["produces"]],
            [f"{motion.label}: opposes", palette.ROLE_COLOURS["opposes"]],
            [f"negligible (|r| < {NEGLIGIBLE_MOMENT_ARM_MM:g} mm)", palette.ROLE_COLOURS["negligible"]],
            [f"intensity: {unit}", palette.FAINT],
        ]
        self._legend_actor = p.add_legend(labels, bcolor=(0.1, 0.1, 0.1), border=False, size=(0.3, 0.16),
                                          loc="upper left", face="rectangle")

    # -- camera, theme, picking ----------------------------------------------------------
    def set_view(self, name: str, zoom: float = 1.0) -> None:
        """Move the camera to a named view of the whole hip."""
        check_view(name)
        position, focal, up = camera_for(name, DEFAULT_FOCAL_POINT, DEFAULT_DISTANCE_MM)
        cam = self.plotter.camera
        cam.position, cam.focal_point, cam.up = position, focal, up
        cam.view_angle = 30.0
        self.plotter.reset_camera_clipping_range()
        # Frame the visible structures, then apply the zoom a teacher asked for.
        bounds = self._visible_bounds()
        if bounds is not None:
            self.plotter.reset_camera(bounds=bounds, render=False)
            self.plotter.camera.zoom(1.15 * zoom)
        self._place_label(self._label.GetAttachmentPoint()) if self._label.GetVisibility() else None
        self.render()

    def _visible_bounds(self):
        boxes = []
        vis = self.state.visibility()
        for leaf, actor in self.actors.items():
            if vis[leaf]:
                boxes.append(np.array(actor.GetBounds()).reshape(3, 2))
        if not boxes:
            return None
        stack = np.stack(boxes)
        return tuple(np.column_stack([stack[:, :, 0].min(0), stack[:, :, 1].max(0)]).ravel())

    def set_theme(self, name: str) -> None:
        theme = palette.THEMES[name]
        self.theme = name
        self.plotter.set_background(theme["bottom"], top=theme["top"])
        for actor in (self._caption_actor, self._mechanics_text):
            actor.GetTextProperty().SetColor(*palette.hex_to_rgb(theme["text"]))
        text = self._label.GetCaptionTextProperty()
        text.SetColor(*palette.hex_to_rgb(theme["text"]))
        bg = palette.hex_to_rgb(theme["bottom"])
        text.SetBackgroundColor(*bg)
        self._label.GetProperty().SetColor(*palette.hex_to_rgb(theme["text"]))

    def pick(self, x: float, y: float) -> str | None:
        """The mesh id under display pixel ``(x, y)`` (VTK coordinates: origin bottom-left), or None."""
        picker = vtk.vtkPropPicker()
        if not picker.Pick(x, y, 0.0, self.plotter.renderer):
            return None
        actor = picker.GetActor()
        if actor is None:
            return None
        return self._actor_leaf.get(id(actor)) or self._leaf_for_actor(actor)

    def _leaf_for_actor(self, actor) -> str | None:
        for leaf, candidate in self.actors.items():
            if candidate is actor or candidate.GetMapper() is actor.GetMapper():
                return leaf
        return None

    def display_point(self, point) -> tuple[float, float]:
        """Display pixel (VTK coordinates) of a pelvis-frame point."""
        renderer = self.plotter.renderer
        renderer.SetWorldPoint(*np.asarray(point, dtype=float), 1.0)
        renderer.WorldToDisplay()
        x, y, _ = renderer.GetDisplayPoint()
        return x, y

    def surface_point(self, leaf: str) -> np.ndarray:
        """A point on a structure's surface at the current pose (for picking tests and labels)."""
        pd = self._polydata[leaf]
        pts = np.asarray(pd.points)
        centre = pts.mean(axis=0)
        point = pts[np.argmin(np.linalg.norm(pts - centre, axis=1))]
        if self.model.meshes[leaf].body == "femur" and self.model.meshes[leaf].kind == "bone":
            point = femur_transform(self.state.pose)[0, :3, :3] @ point
        return point

    def screenshot(self, path=None, transparent: bool = False, scale: int | None = None):
        """Save or return the current image (RGB/RGBA array) without widgets."""
        return self.plotter.screenshot(path, transparent_background=transparent, return_img=True, scale=scale)
