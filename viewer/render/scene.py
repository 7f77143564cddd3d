"""The 3D scene of the hip: actors built once, then updated in place from the session state.

Used by the desktop window (a pyvistaqt plotter) and by headless exports (an off-screen
plotter): one code path, so what the tests render is what users see. No Qt here.

Per-frame work on a pose change is kept to: one 4x4 user matrix for the femur, the swept
points of each muscle written into its existing point array, C++ normals recomputed by the
existing pipeline, and one colour per actor. Nothing is created or removed per frame.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkFiltersCore import vtkGlyph3D
from vtkmodules.vtkFiltersSources import vtkSphereSource
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkFiltersCore import vtkPolyDataNormals, vtkTriangleMeshPointNormals
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkActor2D,
    vtkLight,
    vtkPolyDataMapper,
    vtkPolyDataMapper2D,
    vtkPropPicker,
    vtkRenderer,
    vtkTextActor,
)

from viewer.core.actions import NEGLIGIBLE_MOMENT_ARM_MM, roles
from viewer.core.kinematics import femur_transform
from viewer.core.moment_arms import joint_axes
from viewer.core.sweep import Sweeper
from viewer.render import palette
from viewer.render.clinical_layer import ClinicalLayer
from viewer.render.views import camera_for, check_view
from viewer.state import SessionState

#: Intensity scales for role colouring: moment arm (mm) and torque potential (N m) at full colour.
FULL_COLOUR_MOMENT_ARM_MM = 40.0
FULL_COLOUR_TORQUE_NM = 40.0
GHOST_OPACITY = 0.12
DEFAULT_FOCAL_POINT = np.array([-20.0, -40.0, -15.0])
DEFAULT_DISTANCE_MM = 900.0
DEFAULT_VIEW = "posterolateral"

#: Base font sizes (pixels) of the viewport texts; presentation mode scales them.
LABEL_FONT_PX = 18
CAPTION_FONT_PX = 18
MECHANICS_FONT_PX = 15
#: Free margin (pixels) kept between a label box, the model's silhouette and the viewport edge.
LABEL_GAP_PX = 14
#: Named views frame the hip region: every visible surface point within this distance of the
#: hip joint centre (mm). The pelvis and the proximal half of the femur, where every modelled
#: muscle attaches, fill the view instead of shrinking to make room for the knee end of the femur.
HIP_REGION_RADIUS_MM = 260.0
#: Fraction of the viewport left free around the framed region on each side.
FRAME_MARGIN = 0.06
VIEW_ANGLE_DEG = 30.0
#: Radius (mm) of the origin and insertion markers.
MARKER_RADIUS_MM = 4.0
#: Drawn lengths (mm) of the joint axis (each side of the hip centre) and of the line of action.
AXIS_HALF_LENGTH_MM = 110.0
ACTION_LENGTH_MM = 90.0
#: Triangles of the coarse copy of a large mesh drawn in interactive frames (see set_fast).
LOD_FACES = 3000
#: Cell size (pixels) of the coarse screen mask used to find free room for a label.
LABEL_CELL_PX = 8
#: While the scene changes every frame, a label box is re-placed at most this often (s).
LABEL_REPLACE_S = 0.25
#: Surface samples per static mesh for the label's free-space search.
OCCUPANCY_SAMPLES = 12000


def _triangles(faces: np.ndarray) -> vtkCellArray:
    """A VTK cell array of triangles ``(n, 3)`` built from offsets and connectivity in one copy
    (pyvista's legacy ``faces`` setter walks the array in Python-visible steps)."""
    faces = np.ascontiguousarray(faces, dtype=np.int64)
    offsets = np.arange(0, 3 * len(faces) + 1, 3, dtype=np.int64)
    cells = vtkCellArray()
    cells.SetData(numpy_to_vtkIdTypeArray(offsets, deep=True), numpy_to_vtkIdTypeArray(faces.ravel(), deep=True))
    return cells


def _vtk_matrix(T: np.ndarray) -> vtkMatrix4x4:
    m = vtkMatrix4x4()
    for i in range(4):
        for j in range(4):
            m.SetElement(i, j, float(T[i, j]))
    return m


def _closest_points_on_segments(p0, p1, q0, q1) -> tuple[np.ndarray, np.ndarray]:
    """Closest points between segments ``p0-p1`` and ``q0-q1`` (3D), by sampling then refining."""
    p0, p1, q0, q1 = (np.asarray(v, dtype=float) for v in (p0, p1, q0, q1))
    s = np.linspace(0.0, 1.0, 101)
    ps = p0 + s[:, None] * (p1 - p0)
    qs = q0 + s[:, None] * (q1 - q0)
    d = np.linalg.norm(ps[:, None, :] - qs[None, :, :], axis=2)
    i, j = np.unravel_index(np.argmin(d), d.shape)
    return ps[i], qs[j]


def _overlay_actor(renderer, polydata: pv.PolyData, colour, *, opacity: float = 1.0, line_width: float = 1.0,
                   scalars: bool = False) -> vtkActor2D:
    """A 2D actor drawing ``polydata`` whose points are display pixels."""
    mapper = vtkPolyDataMapper2D()
    mapper.SetInputData(polydata)
    if scalars:
        mapper.ScalarVisibilityOn()
        mapper.SetColorModeToDirectScalars()
    else:
        mapper.ScalarVisibilityOff()
    actor = vtkActor2D()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColor(*colour)
    actor.GetProperty().SetOpacity(opacity)
    actor.GetProperty().SetLineWidth(line_width)
    actor.SetPickable(False)
    renderer.AddViewProp(actor)
    return actor


def _rect_points(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0, 0.0], [x1, y0, 0.0], [x1, y1, 0.0], [x0, y1, 0.0]])


def _text_size(actor: vtkTextActor, renderer) -> tuple[float, float]:
    size = [0.0, 0.0]
    actor.GetSize(renderer, size)
    return size[0], size[1]


class _ScreenLabel:
    """A name box drawn in screen space with a leader line to a 3D anchor point.

    Drawn with plain 2D actors (box, frame and leader, text) so that its font size, padding
    and placement are under the scene's control rather than scaled to fit a box.
    """

    PAD_PX = 7

    def __init__(self, renderer):
        self.renderer = renderer
        self._anchor = np.zeros(3)
        self._box = pv.PolyData(_rect_points(0, 0, 1, 1), faces=[4, 0, 1, 2, 3])
        self._lines = pv.PolyData(np.zeros((6, 3)), lines=[5, 0, 1, 2, 3, 0, 2, 4, 5])
        self.box_actor = _overlay_actor(renderer, self._box, (0.1, 0.1, 0.1), opacity=0.9)
        self.line_actor = _overlay_actor(renderer, self._lines, (1, 1, 1), line_width=2.0)
        self.text = vtkTextActor()
        prop = self.text.GetTextProperty()
        prop.SetFontSize(LABEL_FONT_PX)
        prop.BoldOn()
        prop.ItalicOff()
        prop.ShadowOff()
        prop.SetFontFamilyToArial()
        prop.SetJustificationToLeft()
        prop.SetVerticalJustificationToBottom()
        self.text.SetPickable(False)
        renderer.AddViewProp(self.text)
        self.SetVisibility(False)

    # VTK-style names: lesson framing code calls these as it did on the caption actor.
    def GetVisibility(self) -> bool:  # noqa: N802
        return bool(self.text.GetVisibility())

    def SetVisibility(self, visible: bool) -> None:  # noqa: N802
        for actor in (self.box_actor, self.line_actor, self.text):
            actor.SetVisibility(bool(visible))

    def GetAttachmentPoint(self):  # noqa: N802
        return tuple(self._anchor)

    def SetAttachmentPoint(self, x, y, z) -> None:  # noqa: N802
        self._anchor = np.array([x, y, z], dtype=float)

    def set_text(self, text: str) -> None:
        self.text.SetInput(text)

    def set_colours(self, text_rgb, background_rgb) -> None:
        self.text.GetTextProperty().SetColor(*text_rgb)
        self.line_actor.GetProperty().SetColor(*text_rgb)
        self.box_actor.GetProperty().SetColor(*background_rgb)

    def set_font_size(self, px: int) -> None:
        self.text.GetTextProperty().SetFontSize(int(px))

    def size_px(self) -> tuple[float, float]:
        """Box size (pixels) including padding."""
        w, h = _text_size(self.text, self.renderer)
        return w + 2 * self.PAD_PX, h + 2 * self.PAD_PX

    def place(self, box_x: float, box_y: float, anchor_xy: tuple[float, float]) -> None:
        """Put the box's lower-left corner at ``(box_x, box_y)`` and draw the leader to the anchor."""
        w, h = self.size_px()
        x0, y0, x1, y1 = box_x, box_y, box_x + w, box_y + h
        ax, ay = anchor_xy
        # Leader from the anchor to the nearest point of the box's edge.
        ex, ey = min(max(ax, x0), x1), min(max(ay, y0), y1)
        self._box.points = _rect_points(x0, y0, x1, y1)
        pts = np.vstack([_rect_points(x0, y0, x1, y1), [[ex, ey, 0.0], [ax, ay, 0.0]]])
        self._lines.points = pts
        self.text.SetDisplayPosition(int(round(x0 + self.PAD_PX)), int(round(y0 + self.PAD_PX)))

    def box_px(self) -> tuple[float, float, float, float]:
        pts = np.asarray(self._box.points)
        return pts[0, 0], pts[0, 1], pts[2, 0], pts[2, 1]


class _Legend:
    """The role colour key: coloured squares and text of one fixed size on a translucent box."""

    PAD_PX = 8

    def __init__(self, renderer):
        self.renderer = renderer
        self._box = pv.PolyData(_rect_points(0, 0, 1, 1), faces=[4, 0, 1, 2, 3])
        self._swatches = pv.PolyData()
        self.box_actor = _overlay_actor(renderer, self._box, (0.1, 0.1, 0.1), opacity=0.82)
        self.swatch_actor = _overlay_actor(renderer, self._swatches, (1, 1, 1), scalars=True)
        self.texts: list[vtkTextActor] = []
        self._font_px = MECHANICS_FONT_PX
        self._text_rgb = (1.0, 1.0, 1.0)
        self._entries: list[tuple[str, str]] = []
        self.SetVisibility(False)

    def SetVisibility(self, visible: bool) -> None:  # noqa: N802
        for actor in (self.box_actor, self.swatch_actor, *self.texts):
            actor.SetVisibility(bool(visible))

    def GetVisibility(self) -> bool:  # noqa: N802
        return bool(self.box_actor.GetVisibility())

    def set_entries(self, entries: list[tuple[str, str]]) -> None:
        """``(text, '#rrggbb')`` pairs, top to bottom; an empty list hides the legend."""
        self._entries = list(entries)
        while len(self.texts) < len(entries):
            t = vtkTextActor()
            prop = t.GetTextProperty()
            prop.SetFontFamilyToArial()
            prop.SetJustificationToLeft()
            prop.SetVerticalJustificationToBottom()
            t.SetPickable(False)
            self.renderer.AddViewProp(t)
            self.texts.append(t)
        for i, t in enumerate(self.texts):
            t.SetInput(entries[i][0] if i < len(entries) else "")
            t.GetTextProperty().SetFontSize(self._font_px)
            t.GetTextProperty().SetColor(*self._text_rgb)
        self.SetVisibility(bool(entries))
        for t in self.texts[len(entries):]:
            t.SetVisibility(False)

    def set_style(self, font_px: int, text_rgb, background_rgb) -> None:
        self._font_px = int(font_px)
        self._text_rgb = tuple(text_rgb)
        self.box_actor.GetProperty().SetColor(*background_rgb)
        if self._entries:
            self.set_entries(self._entries)

    def place_top_left(self, width: int, height: int, margin: float = 10.0) -> tuple[float, float, float, float]:
        """Lay the legend out in the upper-left corner; returns its box in display pixels.

        Measuring text costs a font rendering, so the layout is redone only when the viewport
        size, the entries or the style changed.
        """
        if not self._entries:
            return (0.0, 0.0, 0.0, 0.0)
        key = (width, height, margin, tuple(self._entries), self._font_px)
        if getattr(self, "_layout_key", None) == key:
            return self._layout_box
        self._layout_key = key
        self._layout_box = self._layout(width, height, margin)
        return self._layout_box

    def _layout(self, width: int, height: int, margin: float) -> tuple[float, float, float, float]:
        n = len(self._entries)
        sizes = [_text_size(t, self.renderer) for t in self.texts[:n]]
        line_h = max(h for _, h in sizes) * 1.35
        square = 0.8 * max(h for _, h in sizes)
        box_w = 2 * self.PAD_PX + square + 0.5 * square + max(w for w, _ in sizes)
        box_h = 2 * self.PAD_PX + n * line_h
        x0, y1 = margin, height - margin
        y0 = y1 - box_h
        self._box.points = _rect_points(x0, y0, x0 + box_w, y1)
        pts, faces, colours = [], [], []
        for i, (text, colour) in enumerate(self._entries):
            base = y1 - self.PAD_PX - (i + 1) * line_h
            ty = base + 0.5 * (line_h - sizes[i][1])
            sx, sy = x0 + self.PAD_PX, ty + 0.5 * (sizes[i][1] - square)
            faces += [4, len(pts), len(pts) + 1, len(pts) + 2, len(pts) + 3]
            pts += list(_rect_points(sx, sy, sx + square, sy + square))
            colours.append((255 * palette.hex_to_rgb(colour)).astype(np.uint8))
            self.texts[i].SetDisplayPosition(int(round(sx + 1.5 * square)), int(round(ty)))
        swatches = pv.PolyData(np.array(pts), faces=faces)
        swatches.cell_data["colours"] = np.array(colours)
        self._swatches.copy_from(swatches)
        return (x0, y0, x0 + box_w, y1)


class HipScene:
    """Actors for every structure of a model, kept in step with a :class:`SessionState`.

    Parameters
    ----------
    plotter : pyvista.Plotter or pyvistaqt.QtInteractor
    model : viewer.io.model.HipModel
    state : SessionState
    theme : str
        Background theme name from :data:`viewer.render.palette.THEMES`.
    request_render : callable, optional
        Called instead of ``plotter.render()`` whenever the scene changed. A window passes its
        widget's ``update`` so that several state changes in one event-loop pass cost one frame
        (and the widget's paint does the only render); headless use renders at once.
    translucency : {"peeling", "blend"}
        How translucent surfaces (ghost mode, faded layers) are drawn. ``"peeling"``: exact
        depth peeling, for exported images. ``"blend"``: one blended pass, for the interactive
        window, where peeling costs software OpenGL up to a second per frame; at the low
        opacities of ghost mode the two look alike.
    """

    def __init__(self, plotter, model, state: SessionState, theme: str = "dark", *, request_render=None,
                 translucency: str = "peeling"):
        if translucency not in ("peeling", "blend"):
            raise ValueError(f"translucency must be 'peeling' or 'blend', not {translucency!r}")
        self.translucency = translucency
        self._lod_mappers: dict[str, tuple[vtkPolyDataMapper, vtkPolyDataMapper]] = {}
        self.plotter = plotter
        self.model = model
        self.state = state
        self.theme = theme
        self._request_render = request_render
        self.actors: dict[str, vtkActor] = {}
        self._polydata: dict[str, pv.PolyData] = {}
        self._points: dict[str, np.ndarray] = {}  # writable views on each swept mesh's points
        self._actor_leaf: dict[int, str] = {}
        self._line_index = {line.id: i for i, line in enumerate(model.paths.lines)}
        self._base_colour: dict[str, np.ndarray] = {}
        self._role_colour: dict[str, np.ndarray] = {}
        self._values: dict[str, float] = {}
        self._samples_cache: dict[str, np.ndarray] = {}
        self._sweeper: Sweeper | None = None  # built at the first pose
        self._font_scale = 1.0
        sphere = vtkSphereSource()
        sphere.SetRadius(MARKER_RADIUS_MM)
        sphere.SetThetaResolution(16)
        sphere.SetPhiResolution(16)
        self._marker_sphere = sphere
        self._prepare_renderer()
        self._build_structures()
        self._build_overlays()
        self.clinical = ClinicalLayer(self)
        self.set_theme(theme)
        self._connect()
        self._update_pose(self.state.pose)
        self._update_legend()
        self._refresh_display()
        # Overlays follow the camera and the viewport size: lay them out before every render.
        self._start_observer = self.plotter.renderer.AddObserver("StartEvent", self._before_render)
        self.set_view(DEFAULT_VIEW)

    # -- construction ---------------------------------------------------------------------
    def _prepare_renderer(self) -> None:
        p = self.plotter
        ren = p.renderer
        # Depth peeling with multisampling gives a blank image on software OpenGL; FXAA
        # smooths edges instead. Peeling itself is switched on only while something is
        # translucent (see _refresh_display): it costs a third of a frame on llvmpipe.
        p.ren_win.SetMultiSamples(0)
        p.ren_win.SetAlphaBitPlanes(1)
        ren.SetUseDepthPeeling(False)
        ren.SetMaximumNumberOfPeels(6)
        ren.SetOcclusionRatio(0.0)
        self._set_lights(ren)
        self._fxaa = True  # edge smoothing for still frames (see set_fast)
        self._fast = False
        ren.SetUseFXAA(True)
        # Attachment markers and the mechanics drawing live in a second layer that shares the
        # camera and is drawn over the scene: the joint axis runs inside the femoral head and
        # an origin may sit on the far side of a bone, and both must still be seen.
        self._overlay_renderer = vtkRenderer()
        self._overlay_renderer.SetLayer(1)
        self._overlay_renderer.SetActiveCamera(ren.GetActiveCamera())
        self._overlay_renderer.InteractiveOff()
        self._overlay_renderer.SetPreserveColorBuffer(True)
        p.ren_win.SetNumberOfLayers(max(2, p.ren_win.GetNumberOfLayers()))
        p.ren_win.AddRenderer(self._overlay_renderer)

    @staticmethod
    def _set_lights(renderer) -> None:
        """Two lights that move with the camera: a key light above and to the right, a fill light.

        Software OpenGL shades every pixel once per light; a five-light kit doubles the cost of
        a frame for little visible difference on these matte surfaces.
        """
        renderer.RemoveAllLights()
        for position, intensity in (((0.12, 0.77, 0.63), 0.8), ((-0.3, -0.5, 1.0), 0.5)):
            light = vtkLight()
            light.SetLightTypeToCameraLight()
            light.SetPosition(*position)
            light.SetFocalPoint(0.0, 0.0, 0.0)
            light.SetIntensity(intensity)
            renderer.AddLight(light)

    def _display_for(self, leaf: str):
        structure = self.model.structure_of(leaf)
        ann = self.model.annotations[structure]
        return ann.compartment(leaf).display if leaf != structure else ann.display

    def _structure_actor(self, pd: pv.PolyData, is_bone: bool) -> vtkActor:
        """An actor drawing ``pd`` with smooth normals from a C++ pipeline (no Python per frame).

        Swept surfaces change at every pose, so they get the lean triangle-mesh normals filter
        (area-weighted, four times faster); static bones keep the general one.
        """
        if is_bone:
            normals = vtkPolyDataNormals()
            normals.SplittingOff()
            normals.ConsistencyOff()
            normals.AutoOrientNormalsOff()
        else:
            normals = vtkTriangleMeshPointNormals()
        normals.SetInputData(pd)
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(normals.GetOutputPort())
        mapper.ScalarVisibilityOff()
        actor = vtkActor()
        actor.SetMapper(mapper)
        prop = actor.GetProperty()
        prop.SetInterpolationToPhong()
        prop.SetSpecular(0.15 if is_bone else 0.35)
        prop.SetSpecularPower(12.0 if is_bone else 20.0)
        prop.SetAmbient(0.12)
        prop.SetDiffuse(0.85)
        # Every surface is closed and wound outwards: faces turned away are never seen, and
        # skipping them saves a third of a frame on software OpenGL.
        prop.BackfaceCullingOn()
        return actor

    def _build_structures(self) -> None:
        """One actor per structure, and two batches that draw the swept muscles and nerve.

        Software OpenGL pays a few milliseconds per drawn actor whatever its size, so the
        seventeen swept surfaces are drawn as two batched meshes (opaque and translucent) with
        per-point colours, sharing one point buffer with the per-structure meshes. Each
        structure keeps its own actor, which carries its visibility, colour and opacity and
        is drawn on its own only while selected (for its highlight). Bones are drawn as they are.
        """
        ren = self.plotter.renderer
        swept = [leaf for leaf in self.model.meshes if leaf in self._line_index]
        sizes = [len(self.model.meshes[leaf].vertices) for leaf in swept]
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self._swept_buffer = np.zeros((int(starts[-1]), 3))
        self._swept_slice: dict[str, slice] = {}
        self._swept_faces: dict[str, np.ndarray] = {}
        for leaf, start, size in zip(swept, starts, sizes):
            self._swept_slice[leaf] = slice(int(start), int(start + size))
            self._swept_buffer[start:start + size] = self.model.meshes[leaf].vertices
            self._swept_faces[leaf] = self.model.meshes[leaf].faces.astype(np.int64) + int(start)
        for leaf, record in self.model.meshes.items():
            pd = pv.PolyData()
            points = vtkPoints()
            if leaf in self._swept_slice:
                # A view into the shared buffer: the per-structure mesh and the batch see the
                # same coordinates, written once per pose.
                view = self._swept_buffer[self._swept_slice[leaf]]
                points.SetData(numpy_to_vtk(view, deep=False))
                self._points[leaf] = view
            else:
                points.SetData(numpy_to_vtk(np.ascontiguousarray(record.vertices, dtype=float), deep=True))
            pd.SetPoints(points)
            pd.SetPolys(_triangles(record.faces))
            self._polydata[leaf] = pd
            if leaf not in self._points:
                self._points[leaf] = pd.points
            actor = self._structure_actor(pd, record.kind == "bone")
            colour = palette.hex_to_rgb(self._display_for(leaf).colour)
            self._base_colour[leaf] = colour
            actor.GetProperty().SetColor(*colour)
            if leaf not in self._swept_slice:
                ren.AddActor(actor)
            self.actors[leaf] = actor
            self._actor_leaf[id(actor)] = leaf
        # The batches: shared points, their own cells and colour arrays.
        shared = vtkPoints()
        shared.SetData(numpy_to_vtk(self._swept_buffer, deep=False))
        self._batch_points = shared
        self._batch: dict[str, dict] = {}
        for kind, components in (("opaque", 3), ("translucent", 4)):
            pd = pv.PolyData()
            pd.SetPoints(shared)
            colours = np.full((len(self._swept_buffer), components), 255, dtype=np.uint8)
            array = numpy_to_vtk(colours, deep=False)
            array.SetName("colours")
            pd.GetPointData().SetScalars(array)
            actor = self._structure_actor(pd, is_bone=False)
            mapper = actor.GetMapper()
            mapper.ScalarVisibilityOn()
            mapper.SetColorModeToDirectScalars()
            mapper.SetScalarModeToUsePointData()
            actor.SetVisibility(False)
            ren.AddActor(actor)
            self._batch[kind] = {"pd": pd, "actor": actor, "colours": colours, "array": array, "members": ()}
        self._drawn_alone: set[str] = set()

    def _set_batch_members(self, kind: str, members: tuple[str, ...]) -> None:
        batch = self._batch[kind]
        if members != batch["members"]:
            batch["members"] = members
            if members:
                batch["pd"].SetPolys(_triangles(np.concatenate([self._swept_faces[leaf] for leaf in members])))
            else:
                batch["pd"].SetPolys(vtkCellArray())
            batch["pd"].Modified()
        batch["actor"].SetVisibility(bool(members))

    def _line_actor(self, colour, width: float) -> vtkActor:
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(pv.Line((0, 0, 0), (1, 0, 0)))
        mapper.ScalarVisibilityOff()  # pv.Line carries a distance array; draw in one colour
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.GetProperty().SetColor(*palette.hex_to_rgb(colour) if isinstance(colour, str) else colour)
        actor.GetProperty().SetLineWidth(width)
        actor.GetProperty().SetLighting(False)
        actor.SetPickable(False)
        actor.SetVisibility(False)
        self._overlay_renderer.AddActor(actor)
        return actor

    def _marker_actor(self, colour: str) -> vtkActor:
        """Spheres at the points of a small point set (origins or insertions), one C++ glyph filter."""
        points = vtkPolyData()
        points.SetPoints(vtkPoints())
        glyph = vtkGlyph3D()
        glyph.SetInputData(points)
        glyph.SetSourceConnection(self._marker_sphere.GetOutputPort())
        glyph.ScalingOff()
        glyph.OrientOff()
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(glyph.GetOutputPort())
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.GetProperty().SetColor(*palette.hex_to_rgb(colour))
        actor.GetProperty().SetAmbient(0.4)
        actor.SetPickable(False)
        actor.SetVisibility(False)
        self._overlay_renderer.AddActor(actor)
        return actor

    def _build_overlays(self) -> None:
        ren = self.plotter.renderer
        self._origin_actor = self._marker_actor(palette.ORIGIN_COLOUR)
        self._insertion_actor = self._marker_actor(palette.INSERTION_COLOUR)
        self._axis_actor = self._line_actor(palette.AXIS_COLOUR, 5)
        self._action_actor = self._line_actor(palette.LINE_OF_ACTION_COLOUR, 5)
        self._arm_actor = self._line_actor("#FFFFFF", 4)
        # The selected structure's name: a box in the viewport margin beside the model's
        # silhouette, with a leader line to the structure, so the text never covers the model.
        self._label = _ScreenLabel(ren)
        self._legend = _Legend(ren)
        self._caption_actor = self._text_actor((0.5, 0.02), "centered", "bottom", CAPTION_FONT_PX)
        self._mechanics_text = self._text_actor((0.985, 0.975), "right", "top", MECHANICS_FONT_PX)
        # Both may lie over the model: a translucent box in the background colour keeps them legible.
        for actor in (self._caption_actor, self._mechanics_text):
            actor.GetTextProperty().SetBackgroundOpacity(0.75)
            actor.GetTextProperty().SetFrame(False)

    def _text_actor(self, position, horizontal: str, vertical: str, size: int) -> vtkTextActor:
        """A 2D text placed in normalised viewport coordinates."""
        actor = vtkTextActor()
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

    def _connections(self):
        s = self.state
        return (
            (s.pose_changed, self._on_pose), (s.visibility_changed, self._on_display_changed),
            (s.opacity_changed, self._on_display_changed), (s.selection_changed, self._on_display_changed),
            (s.highlight_changed, self._on_display_changed), (s.ghost_changed, self._on_display_changed),
            (s.motion_changed, self._on_motion), (s.colour_by_changed, self._on_motion),
            (s.caption_changed, self._on_caption), (s.show_mechanics_changed, self._on_display_changed),
            (s.view_requested, self.set_view), (s.released_changed, self._on_released),
            *self.clinical.connections(),
        )

    def _connect(self) -> None:
        for sig, slot in self._connections():
            sig.connect(slot)

    def disconnect(self) -> None:
        """Stop following the state (before the plotter closes)."""
        for sig, slot in self._connections():
            sig.disconnect(slot)
        if getattr(self, "_start_observer", None) is not None:
            self.plotter.renderer.RemoveObserver(self._start_observer)
            self._start_observer = None
        if getattr(self, "_overlay_renderer", None) is not None and self.plotter.ren_win is not None:
            self.plotter.ren_win.RemoveRenderer(self._overlay_renderer)
            self._overlay_renderer = None

    # -- state reactions ----------------------------------------------------------------
    def _on_pose(self, pose) -> None:
        self._update_pose(pose)
        self._refresh_display()
        self.render()

    def _on_released(self, ids) -> None:
        self.clinical.set_released(ids)
        self._update_legend()
        self._on_pose(self.state.pose)

    def _on_display_changed(self, *args) -> None:
        self._refresh_display()
        self.render()

    def _on_motion(self, *args) -> None:
        self._update_values()
        self._refresh_display()
        self._update_legend()
        self.render()

    def _on_caption(self, text: str) -> None:
        self._caption_text = text
        self._wrap_caption()
        self.render()

    def _wrap_caption(self) -> None:
        """Wrap the caption to the viewport's width (the font may be large in presentation mode)."""
        import textwrap

        text = getattr(self, "_caption_text", "")
        width, _ = self.plotter.renderer.GetSize()
        px = CAPTION_FONT_PX * self._font_scale
        columns = max(20, int(0.94 * width / (0.52 * px))) if width > 0 else 90
        wrapped = "\n".join(textwrap.fill(line, columns) for line in text.splitlines()) if text else ""
        if wrapped != self._caption_actor.GetInput():
            self._caption_actor.SetInput(wrapped)

    def render(self) -> None:
        """Show the current state: at once (headless) or at the window's next paint."""
        if self._request_render is not None:
            self._request_render()
        else:
            self.plotter.render()

    # -- pose -------------------------------------------------------------------------------
    def _update_pose(self, pose) -> None:
        pose = np.asarray(pose, dtype=float)
        femur_matrix = _vtk_matrix(femur_transform(pose)[0])
        for leaf, record in self.model.meshes.items():
            if record.kind == "bone" and record.body == "femur":
                self.actors[leaf].SetUserMatrix(femur_matrix)
        self._polylines = self.clinical.adjust_polylines(self.model.paths.polylines(pose))
        lines = [(k, line) for k, line in enumerate(self.model.paths.lines) if line.id in self._points]
        if self._sweeper is None:
            self._sweeper = Sweeper([line.shape for _, line in lines])
        swept = self._sweeper([self._polylines[k] for k, _ in lines])
        for (_, line), vertices in zip(lines, swept):
            self._points[line.id][:] = vertices
            pd = self._polydata[line.id]
            pd.GetPoints().Modified()
            pd.Modified()
        self._batch_points.Modified()
        for batch in self._batch.values():
            batch["pd"].Modified()
        self._update_values()

    def _update_values(self) -> None:
        """Moment arm or torque of every muscle line for the chosen motion at the current pose."""
        motion = self.state.motion
        self._values = {}
        self._role_colour = {}
        if motion is not None:
            self._update_role_values(motion)
        # Stretch colouring and released muscles (viewer.render.clinical_layer).
        self._values, self._role_colour = self.clinical.colours(self._values, self._role_colour)

    def _update_role_values(self, motion) -> None:
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
        translucent = False
        for leaf, actor in self.actors.items():
            prop = actor.GetProperty()
            role_colour = self._role_colour.get(leaf)
            colour = self._base_colour[leaf] if role_colour is None else role_colour
            if leaf in selected:
                # Lift the selected structure: brighter and slightly emissive. A role colour
                # keeps its hue (it carries meaning); an anatomical colour is tinted gold.
                if role_colour is None:
                    colour = 0.65 * np.asarray(colour) + 0.35 * palette.hex_to_rgb(palette.HIGHLIGHT_COLOUR)
                prop.SetAmbient(0.35)
            else:
                prop.SetAmbient(0.12)
            prop.SetColor(*colour)
            opacity = self.state.opacity(leaf)
            if ghost and leaf not in selected:
                opacity = min(opacity, GHOST_OPACITY)
            prop.SetOpacity(opacity)
            shown = bool(visibility[leaf]) and opacity > 0.0
            actor.SetVisibility(shown)
            translucent |= shown and opacity < 1.0
        self._update_batches(selected)
        self._translucent = translucent
        # Sorting translucent surfaces needs depth peeling; opaque scenes skip its cost. In
        # "blend" mode translucency is one plain blended pass (no peeling, no OIT pass).
        ren = self.plotter.renderer
        ren.SetUseDepthPeeling(translucent and self.translucency == "peeling")
        ren.SetUseOIT(self.translucency == "peeling")
        self._update_markers()
        self._update_mechanics()
        self.clinical.update()
        # An empty overlay layer still costs a pass: draw it only when it shows something.
        overlays = (self._origin_actor, self._insertion_actor, self._axis_actor, self._action_actor, self._arm_actor)
        self._overlay_renderer.SetDraw(any(a.GetVisibility() for a in overlays) or self.clinical.overlay_visible)

    def _update_batches(self, selected: set[str]) -> None:
        """Sort the swept surfaces into the batches (or on their own) and write their colours."""
        ren = self.plotter.renderer
        opaque, clear = [], []
        rgb, rgba = self._batch["opaque"]["colours"], self._batch["translucent"]["colours"]
        for leaf, span in self._swept_slice.items():
            actor = self.actors[leaf]
            alone = leaf in selected and actor.GetVisibility()
            if alone != (leaf in self._drawn_alone):
                # The selection keeps its own lighting (the highlight): draw it on its own.
                (ren.AddActor if alone else ren.RemoveActor)(actor)
                (self._drawn_alone.add if alone else self._drawn_alone.discard)(leaf)
            if alone or not actor.GetVisibility():
                continue
            prop = actor.GetProperty()
            colour = np.round(255 * np.asarray(prop.GetColor())).astype(np.uint8)
            opacity = prop.GetOpacity()
            if opacity < 1.0:
                clear.append(leaf)
                rgba[span, :3] = colour
                rgba[span, 3] = int(round(255 * opacity))
            else:
                opaque.append(leaf)
                rgb[span] = colour
        self._set_batch_members("opaque", tuple(opaque))
        self._set_batch_members("translucent", tuple(clear))
        for batch in self._batch.values():
            batch["array"].Modified()

    def set_fast(self, fast: bool) -> None:
        """Interactive frames (dragging, animating) skip edge smoothing; still frames get it.

        FXAA is a full-screen pass that costs software OpenGL about as much as the scene
        itself, and its benefit is invisible while things move.
        """
        self._fast = bool(fast)
        self.plotter.renderer.SetUseFXAA(self._fxaa and not self._fast)
        for leaf, (full, coarse) in self._lod_mappers.items():
            mapper = coarse if self._fast else full
            if self.actors[leaf].GetMapper() is not mapper:
                # Each mapper keeps its own uploaded buffers: switching costs no upload.
                self.actors[leaf].SetMapper(mapper)

    def prepare_fast_lod(self, max_faces: int = LOD_FACES) -> None:
        """Build coarse copies of the large static meshes (bones) for interactive frames.

        Software OpenGL spends most of a frame transforming the bones' vertices; while the
        femur or the camera moves, copies with about ``max_faces`` triangles (quadric
        simplification) look the same and draw several times faster. Still frames use the
        full meshes. Takes a fraction of a second, so a window calls it after its first frame.
        """
        import fast_simplification

        for leaf, record in self.model.meshes.items():
            if leaf in self._lod_mappers or leaf in self._line_index or len(record.faces) <= 2 * max_faces:
                continue
            points, faces = fast_simplification.simplify(
                np.ascontiguousarray(record.vertices, dtype=np.float32), np.ascontiguousarray(record.faces, dtype=np.int32),
                target_reduction=1.0 - max_faces / len(record.faces))
            coarse = pv.PolyData(points.astype(float))
            coarse.SetPolys(_triangles(faces))
            normals = vtkPolyDataNormals()
            normals.SetInputData(coarse)
            normals.SplittingOff()
            normals.ConsistencyOff()
            normals.AutoOrientNormalsOff()
            mapper = vtkPolyDataMapper()
            mapper.SetInputConnection(normals.GetOutputPort())
            mapper.ScalarVisibilityOff()
            self._lod_mappers[leaf] = (self.actors[leaf].GetMapper(), mapper)
        self.set_fast(self._fast)

    @property
    def has_fast_lod(self) -> bool:
        return bool(self._lod_mappers)

    @property
    def fast(self) -> bool:
        return self._fast

    @property
    def translucent(self) -> bool:
        """Whether any shown structure is translucent now."""
        return bool(getattr(self, "_translucent", False))

    @property
    def depth_peeling(self) -> bool:
        """Whether the renderer peels translucent surfaces (while anything is, in peeling mode)."""
        return bool(self.plotter.renderer.GetUseDepthPeeling())

    def _selected_line(self) -> str | None:
        sel = self.state.selection
        if not sel:
            return None
        leaves = [leaf for leaf in self.state.leaf_ids(sel) if leaf in self._line_index]
        if sel in self._line_index or not leaves:
            return sel if sel in self._line_index else None
        # A whole compartmented muscle: draw its middle part, which stands for the muscle's
        # overall direction of pull (the per-part values are in the actions list).
        middle = [leaf for leaf in leaves if leaf.endswith(".middle")]
        return middle[0] if middle else leaves[len(leaves) // 2]

    def _attachment_point(self, line_id: str, end: int) -> np.ndarray:
        """Where a line's origin (``end=0``) or insertion (``-1``) is marked: on the bone at its
        landmark, even where the path itself runs a few millimetres off the surface."""
        point = self.model.paths.lines[self._line_index[line_id]].points[end]
        if point.landmark is None or point.landmark not in self.model.landmarks:
            return self._polylines[self._line_index[line_id]][end]
        position = np.asarray(self.model.landmarks[point.landmark].position_mm, dtype=float)
        if point.body == "femur":
            position = femur_transform(self.state.pose)[0, :3, :3] @ position
        return position

    def _update_markers(self) -> None:
        sel = self.state.selection
        line_ids = [leaf for leaf in (self.state.leaf_ids(sel) if sel else []) if leaf in self._line_index
                    and self.model.paths.lines[self._line_index[leaf]].is_muscle]
        show = bool(line_ids)
        if show:
            origins = np.array([self._attachment_point(i, 0) for i in line_ids])
            inserts = np.array([self._attachment_point(i, -1) for i in line_ids])
            for actor, where in ((self._origin_actor, origins), (self._insertion_actor, inserts)):
                points = actor.GetMapper().GetInputAlgorithm().GetInput()  # the glyph filter's points
                points.GetPoints().SetData(numpy_to_vtk(np.ascontiguousarray(where, dtype=float), deep=True))
                points.Modified()
        self._origin_actor.SetVisibility(show)
        self._insertion_actor.SetVisibility(show)
        if sel:
            self._label.SetAttachmentPoint(*self._label_anchor(sel))
            self._label.set_text(self.model.display_name(sel))
            self._label.SetVisibility(True)
        else:
            self._label.SetVisibility(False)

    def _label_anchor(self, some_id: str) -> np.ndarray:
        """Where the label's leader points: the part of the structure nearest the camera.

        The mean of the nearest few per cent of its surface points: on the side the viewer
        sees, so the leader does not end on a muscle's hidden course inside the pelvis.
        """
        pts = np.vstack([self._occupancy_samples(leaf) if leaf not in self._line_index else np.asarray(self._points[leaf])
                         for leaf in self.state.leaf_ids(some_id)])
        eye = np.asarray(self.plotter.camera.position, dtype=float)
        depth = np.linalg.norm(pts - eye, axis=1)
        front = pts[np.argsort(depth)[: max(10, len(pts) // 30)]]
        # A real surface point in the middle of that front patch.
        return front[np.argmin(np.linalg.norm(front - front.mean(axis=0), axis=1))]

    def _before_render(self, *args) -> None:
        width, height = self.plotter.renderer.GetSize()
        if width <= 0 or height <= 0:
            return
        self._legend_box = self._legend.place_top_left(width, height) if self._legend.GetVisibility() else None
        self._wrap_caption()
        if self._label.GetVisibility():
            self._place_label(np.array(self._label.GetAttachmentPoint()), force=False)

    def _reserved_boxes_px(self, width: int, height: int) -> list[tuple[float, float, float, float]]:
        """Screen boxes (display pixels) a label must not cover: legend, mechanics text, caption."""
        boxes = []
        if self._legend.GetVisibility() and getattr(self, "_legend_box", None):
            boxes.append(self._legend_box)
        renderer = self.plotter.renderer
        if self._mechanics_text.GetInput():
            w, h = _text_size(self._mechanics_text, renderer)
            boxes.append((width * 0.985 - w, height * 0.975 - h, width, height))
        if self._caption_actor.GetInput():
            w, h = _text_size(self._caption_actor, renderer)
            boxes.append((0.5 * (width - w), 0.0, 0.5 * (width + w), 0.02 * height + h))
        return boxes

    def _occupancy_samples(self, leaf: str) -> np.ndarray:
        """Points (pelvis frame, current pose) that cover a structure's surface densely enough to
        rasterise its silhouette on a coarse grid: vertices, edge midpoints and face centres."""
        record = self.model.meshes[leaf]
        if leaf in self._line_index:
            return np.asarray(self._points[leaf])  # swept tubes are finely meshed already
        cached = self._samples_cache.get(leaf)
        if cached is None:
            v, f = record.vertices, record.faces
            if len(v) >= OCCUPANCY_SAMPLES:
                # Finely meshed: evenly strided vertices cover the surface densely enough.
                cached = v[:: max(1, len(v) // OCCUPANCY_SAMPLES)]
            else:
                # Coarse triangles: add face centres and edge midpoints to fill them in.
                tri = v[f]
                cached = np.vstack([v, tri.mean(axis=1), 0.5 * (tri[:, 0] + tri[:, 1]),
                                    0.5 * (tri[:, 1] + tri[:, 2]), 0.5 * (tri[:, 2] + tri[:, 0])])
            self._samples_cache[leaf] = cached
        if record.kind == "bone" and record.body == "femur":
            return cached @ femur_transform(self.state.pose)[0, :3, :3].T
        return cached

    def _project(self, points: np.ndarray) -> np.ndarray:
        """Display pixels ``(n, 2)`` of pelvis-frame points ``(n, 3)`` (one matrix product)."""
        renderer = self.plotter.renderer
        width, height = renderer.GetSize()
        cam = renderer.GetActiveCamera()
        aspect = width / height if height else 1.0
        m = cam.GetCompositeProjectionTransformMatrix(aspect, -1.0, 1.0)
        M = np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)])
        h = np.hstack([points, np.ones((len(points), 1))]) @ M.T
        w = np.where(np.abs(h[:, 3]) < 1e-12, 1e-12, h[:, 3])
        ndc = h[:, :2] / w[:, None]
        return np.column_stack([(ndc[:, 0] + 1.0) * 0.5 * width, (ndc[:, 1] + 1.0) * 0.5 * height])

    def occupancy(self, cell_px: int = LABEL_CELL_PX) -> np.ndarray:
        """Coarse screen mask ``(rows, cols)`` of cells covered by a visible structure or by the
        legend, mechanics text or caption (row 0 at the bottom, as VTK's display y)."""
        width, height = self.plotter.renderer.GetSize()
        rows, cols = max(1, int(np.ceil(height / cell_px))), max(1, int(np.ceil(width / cell_px)))
        grid = np.zeros((rows, cols), dtype=bool)
        chunks = [self._occupancy_samples(leaf) for leaf, actor in self.actors.items() if actor.GetVisibility()]
        if chunks:
            xy = self._project(np.vstack(chunks))
            inside = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
            cells = (xy[inside] // cell_px).astype(int)
            grid[cells[:, 1], cells[:, 0]] = True
            # Close the gaps between samples of large triangles: grow the mask by one cell.
            grown = grid.copy()
            grown[1:] |= grid[:-1]
            grown[:-1] |= grid[1:]
            grown[:, 1:] |= grid[:, :-1]
            grown[:, :-1] |= grid[:, 1:]
            grid = grown
        for x0, y0, x1, y1 in self._reserved_boxes_px(width, height):
            r0, r1 = max(0, int(y0 // cell_px)), min(rows, int(np.ceil(y1 / cell_px)))
            c0, c1 = max(0, int(x0 // cell_px)), min(cols, int(np.ceil(x1 / cell_px)))
            grid[r0:r1, c0:c1] = True
        return grid

    def _place_label(self, anchor: np.ndarray, *, force: bool = True) -> None:
        """Put the name box in the nearest free spot beside the anchor.

        A coarse mask of what covers the screen (every visible structure, the legend, the
        mechanics read-out and the caption) is tested against candidate boxes at the anchor's
        height and above and below it, stepping outwards to both sides; the free candidate
        with the shortest leader wins, or, where nothing is free (a zoomed-in view), the one
        covering the least. While the picture changes every frame (an animation) the box stays
        put for :data:`LABEL_REPLACE_S` and only its leader follows the anchor.
        """
        import time

        renderer = self.plotter.renderer
        width, height = renderer.GetSize()
        if width <= 0 or height <= 0:
            return
        x, y = self.display_point(anchor)
        box_w, box_h = self._label.size_px()
        key = (self._label.text.GetInput(), width, height, renderer.GetActiveCamera().GetMTime(), self._font_scale)
        now = time.perf_counter()
        previous = getattr(self, "_label_placement", None)
        if not force and previous is not None and previous[0] == key and now - previous[1] < LABEL_REPLACE_S:
            self._label.place(previous[2], previous[3], (x, y))
            return
        if self.state.selection:
            # The camera may have turned: point at the part of the structure facing it now.
            anchor = self._label_anchor(self.state.selection)
            self._label.SetAttachmentPoint(*anchor)
            x, y = self.display_point(anchor)
        cell = LABEL_CELL_PX
        grid = self.occupancy(cell)
        # Integral image: the number of covered cells in any box is four look-ups.
        integral = np.zeros((grid.shape[0] + 1, grid.shape[1] + 1))
        integral[1:, 1:] = grid.cumsum(0).cumsum(1)
        gap = LABEL_GAP_PX
        xs = np.arange(gap, max(gap + 1, width - gap - box_w), cell / 2.0)
        dy = box_h * np.array([0, -0.6, 0.6, -1.2, 1.2, -2.0, 2.0, -3.0, 3.0, -4.5, 4.5, -6.0, 6.0, -8.0, 8.0])
        ys = np.unique(np.clip(y - box_h / 2 + dy, gap, max(gap, height - gap - box_h)))
        cx, cy = np.meshgrid(xs, ys)
        x0, y0 = cx.ravel(), cy.ravel()
        c0 = np.clip(((x0 - gap) // cell).astype(int), 0, grid.shape[1])
        c1 = np.clip(np.ceil((x0 + box_w + gap) / cell).astype(int), 0, grid.shape[1])
        r0 = np.clip(((y0 - gap) // cell).astype(int), 0, grid.shape[0])
        r1 = np.clip(np.ceil((y0 + box_h + gap) / cell).astype(int), 0, grid.shape[0])
        covered = integral[r1, c1] - integral[r0, c1] - integral[r1, c0] + integral[r0, c0]
        # Leader length from the anchor to the nearest point of each box, with a small
        # preference for staying level with the anchor.
        ex = np.clip(x, x0, x0 + box_w) - x
        ey = np.clip(y, y0, y0 + box_h) - y
        cost = np.hypot(ex, ey) + 0.3 * np.abs(ey) + 1e6 * covered
        best = int(np.argmin(cost))
        bx, by = float(x0[best]), float(y0[best])
        self._label_placement = (key, now, bx, by)
        self._label.place(bx, by, (x, y))

    def label_box_px(self) -> tuple[float, float, float, float] | None:
        """The selection label's box ``(x0, y0, x1, y1)`` in display pixels, or None if hidden."""
        return self._label.box_px() if self._label.GetVisibility() else None

    def legend_box_px(self) -> tuple[float, float, float, float] | None:
        """The legend's box in display pixels, or None if hidden."""
        return getattr(self, "_legend_box", None) if self._legend.GetVisibility() else None

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
        self._axis_actor.GetMapper().SetInputData(pv.Line(-AXIS_HALF_LENGTH_MM * axis, AXIS_HALF_LENGTH_MM * axis))
        poly = self._polylines[self._line_index[line_id]]
        insertion = poly[-1]
        # The pull on the femur acts from the insertion towards the previous point of the path.
        direction = poly[-2] - insertion
        direction /= np.linalg.norm(direction)
        self._action_actor.GetMapper().SetInputData(pv.Line(insertion, insertion + ACTION_LENGTH_MM * direction))
        # The lever: the shortest link between the drawn axis and the drawn line of action. For
        # lines nearly parallel the infinite lines' common perpendicular runs off the screen,
        # so the closest points are sought on the two drawn segments.
        foot_axis, foot_line = _closest_points_on_segments(-AXIS_HALF_LENGTH_MM * axis, AXIS_HALF_LENGTH_MM * axis,
                                                           insertion, insertion + ACTION_LENGTH_MM * direction)
        self._arm_actor.GetMapper().SetInputData(pv.Line(foot_axis, foot_line))
        r = self.model.actions.line_moment_arms(motion, pose[None])[0][self.model.actions.line_ids.index(line_id)]
        self._mechanics_text.SetInput(
            f"{self.model.display_name(line_id)}\n{motion.label}: moment arm {r:+.1f} mm\n"
            f"(yellow: joint axis, blue: line of action)"
        )

    def _update_legend(self) -> None:
        motion = self.state.motion
        entries: list[tuple[str, str]] = []
        if motion is not None:
            unit = "torque potential" if self.state.colour_by == "torque" else "moment arm"
            entries = [
                (f"produces {motion.label}", palette.ROLE_COLOURS["produces"]),
                (f"opposes {motion.label}", palette.ROLE_COLOURS["opposes"]),
                (f"negligible (under {NEGLIGIBLE_MOMENT_ARM_MM:g} mm)", palette.ROLE_COLOURS["negligible"]),
                (f"paler = smaller {unit}", palette.FAINT),
            ]
        # Stretch colouring and released muscles (viewer.render.clinical_layer).
        self._legend.set_entries(self.clinical.legend_entries(entries))

    @property
    def legend_visible(self) -> bool:
        return self._legend.GetVisibility()

    # -- camera, theme, picking ----------------------------------------------------------
    def set_view(self, name: str, zoom: float = 1.0) -> None:
        """Look at the hip region from a named direction, fitted to the viewport, then zoom.

        The visible surfaces within :data:`HIP_REGION_RADIUS_MM` of the hip centre are fitted
        into the viewport's width and height with a margin of :data:`FRAME_MARGIN`.
        """
        check_view(name)
        self._last_view = (name, float(zoom))
        position, focal, up = camera_for(name, DEFAULT_FOCAL_POINT, DEFAULT_DISTANCE_MM)
        cam = self.plotter.camera
        cam.view_angle = VIEW_ANGLE_DEG
        points = self._framing_points()
        if points is None:
            cam.position, cam.focal_point, cam.up = position, focal, up
        else:
            direction = np.asarray(position, dtype=float) - np.asarray(focal, dtype=float)
            cam.position, cam.focal_point, cam.up = self._fit(points, direction, np.asarray(up, dtype=float))
        if zoom != 1.0:
            cam.zoom(zoom)
        self.plotter.reset_camera_clipping_range()
        self.render()

    @property
    def last_view(self) -> tuple[str, float]:
        """The named view and zoom last asked for (re-applied when a window changes shape)."""
        return getattr(self, "_last_view", (DEFAULT_VIEW, 1.0))

    def _framing_points(self) -> np.ndarray | None:
        """Visible surface points (pelvis frame, current pose) of the hip region, ``(n, 3)``."""
        vis = self.state.visibility()
        R = femur_transform(self.state.pose)[0, :3, :3]
        chunks = []
        for leaf, record in self.model.meshes.items():
            if not vis[leaf]:
                continue
            pts = np.asarray(self._points[leaf])
            if record.kind == "bone" and record.body == "femur":
                pts = pts @ R.T  # bone vertices stay in the femur frame; the actor's matrix moves them
            chunks.append(pts[:: max(1, len(pts) // 4000)])
        if not chunks:
            return None
        pts = np.vstack(chunks)
        near = pts[np.linalg.norm(pts, axis=1) <= HIP_REGION_RADIUS_MM]
        return near if len(near) >= 8 else pts

    def _fit(self, points: np.ndarray, direction: np.ndarray, up: np.ndarray):
        """Camera position, focal point and up that fit ``points`` in the viewport (perspective)."""
        d = direction / np.linalg.norm(direction)
        up = up - (up @ d) * d
        up /= np.linalg.norm(up)
        right = np.cross(up, d)
        width, height = self.plotter.renderer.GetSize()
        aspect = width / height if width > 0 and height > 0 else 1.0
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
        """Background and text colours from :data:`viewer.render.palette.THEMES`."""
        if name not in palette.THEMES:
            from viewer.core.errors import DataError

            raise DataError(f"unknown theme {name!r} (allowed: {', '.join(palette.THEMES)})", field="theme")
        theme = palette.THEMES[name]
        self.theme = name
        self.plotter.set_background(theme["bottom"], top=theme["top"])
        text_rgb = palette.hex_to_rgb(theme["text"])
        for actor in (self._caption_actor, self._mechanics_text):
            actor.GetTextProperty().SetColor(*text_rgb)
            actor.GetTextProperty().SetBackgroundColor(*palette.hex_to_rgb(theme["bottom"]))
        self._label.set_colours(text_rgb, palette.hex_to_rgb(theme["bottom"]))
        self._legend.set_style(round(MECHANICS_FONT_PX * self._font_scale), text_rgb, palette.hex_to_rgb(theme["bottom"]))
        self.render()

    def set_font_scale(self, scale: float) -> None:
        """Scale every viewport text (presentation mode uses about 1.5)."""
        self._font_scale = float(scale)
        self._label.set_font_size(round(LABEL_FONT_PX * scale))
        self._caption_actor.GetTextProperty().SetFontSize(round(CAPTION_FONT_PX * scale))
        self._mechanics_text.GetTextProperty().SetFontSize(round(MECHANICS_FONT_PX * scale))
        theme = palette.THEMES[self.theme]
        self._legend.set_style(round(MECHANICS_FONT_PX * scale), palette.hex_to_rgb(theme["text"]),
                               palette.hex_to_rgb(theme["bottom"]))
        self.render()

    @property
    def font_scale(self) -> float:
        return self._font_scale

    def pick(self, x: float, y: float) -> str | None:
        """The mesh id under display pixel ``(x, y)`` (VTK coordinates: origin bottom-left), or None."""
        picker = vtkPropPicker()
        if not picker.Pick(x, y, 0.0, self.plotter.renderer):
            return None
        actor = picker.GetActor()
        if actor is None:
            return None
        for batch in self._batch.values():
            if actor is batch["actor"] and batch["members"]:
                # A batch: the structure whose surface point is nearest the picked position.
                position = np.asarray(picker.GetPickPosition())
                members = batch["members"]
                best = [np.min(np.sum((self._points[leaf] - position) ** 2, axis=1)) for leaf in members]
                return members[int(np.argmin(best))]
        return self._actor_leaf.get(id(actor)) or self._leaf_for_actor(actor)

    def _leaf_for_actor(self, actor) -> str | None:
        for leaf, candidate in self.actors.items():
            if candidate is actor or candidate.GetMapper() is actor.GetMapper():
                return leaf
            if leaf in self._lod_mappers and actor.GetMapper() in self._lod_mappers[leaf]:
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
        """A point on a structure's surface at the current pose, facing the camera.

        The vertex nearest the structure's centre as seen from the camera, on the camera's
        side: the point a user would click to pick the structure (and where labels attach).
        """
        pts = np.asarray(self._polydata[leaf].points, dtype=float)
        if self.model.meshes[leaf].body == "femur" and self.model.meshes[leaf].kind == "bone":
            pts = pts @ femur_transform(self.state.pose)[0, :3, :3].T
        centre = pts.mean(axis=0)
        eye = np.asarray(self.plotter.camera.position, dtype=float)
        view = centre - eye
        view /= np.linalg.norm(view)
        rel = pts - centre
        # Distance of each vertex from the camera ray through the centre; keep the front half.
        off_ray = np.linalg.norm(rel - (rel @ view)[:, None] * view, axis=1)
        front = (rel @ view) <= 0.0
        candidates = np.flatnonzero(front) if front.any() else np.arange(len(pts))
        return pts[candidates[np.argmin(off_ray[candidates])]]

    def camera_state(self) -> dict:
        """Position, focal point, view-up and view angle of the camera (to copy to another scene)."""
        cam = self.plotter.camera
        return {"position": tuple(cam.position), "focal_point": tuple(cam.focal_point),
                "up": tuple(cam.up), "view_angle": float(cam.view_angle)}

    def set_camera_state(self, camera: dict) -> None:
        cam = self.plotter.camera
        cam.position, cam.focal_point, cam.up = camera["position"], camera["focal_point"], camera["up"]
        cam.view_angle = camera["view_angle"]
        self.plotter.reset_camera_clipping_range()
        self.render()

    def screenshot(self, path=None, transparent: bool = False, scale: int | None = None):
        """Save or return the current image (RGB/RGBA array) without widgets."""
        return self.plotter.screenshot(path, transparent_background=transparent, return_img=True, scale=scale)


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
            for overlay in (scene._label, scene._legend, scene._caption_actor, scene._mechanics_text):
                overlay.SetVisibility(False)
        if transparent:
            # VTK draws a gradient background opaque: switch it off for a see-through image.
            plotter.renderer.GradientBackgroundOff()
        plotter.render()
        return plotter.screenshot(transparent_background=transparent, return_img=True)
    finally:
        scene.disconnect()
        plotter.close()
