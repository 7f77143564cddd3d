"""The structures' actors: built once, then moved, recoloured and faded in place.

Per-frame work on a pose change is kept to: one 4x4 user matrix for the femur, the swept
points of each muscle written into its existing point array, C++ normals recomputed by the
existing pipeline, and one colour per actor. Nothing is created or removed per frame.

Software OpenGL pays a few milliseconds per drawn actor whatever its size, so the swept
surfaces (muscles and nerve) are drawn as two batched meshes (opaque and translucent) with
per-point colours, sharing one point buffer with the per-structure meshes. Each structure keeps
its own actor, which carries its visibility, colour and opacity and is drawn on its own only
while selected (for its highlight). Bones are drawn as they are.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

from viewer.core.actions import roles
from viewer.core.constants import FULL_COLOUR_MOMENT_ARM_MM, FULL_COLOUR_TORQUE_NM
from viewer.core.kinematics import body_transform
from viewer.core.nerve_course import nerve_vertices
from viewer.core.sweep import Sweeper
from viewer.render import palette
from viewer.render.primitives import bone_normals, surface_actor, triangles, vtk_matrix

#: Opacity of everything but the selection and highlight in ghost mode.
GHOST_OPACITY = 0.12
#: Line width (pixels) of the selection's outline.
HALO_WIDTH_PX = 5.0
#: Triangles of the coarse copy of a large mesh drawn in interactive frames (see set_fast).
LOD_FACES = 3000
#: Share of a swept surface's triangles left out in interactive frames (see prepare_fast_lod).
SWEPT_LOD_REDUCTION = 0.5


class StructureLayer:
    """One actor per mesh of a model, plus the two batches of swept surfaces.

    Attributes
    ----------
    actors : dict[str, vtkActor]
        Per mesh id.
    points : dict[str, numpy.ndarray]
        Writable views on each mesh's points (swept surfaces: into the shared buffer).
    polydata : dict[str, pyvista.PolyData]
    batch : dict[str, dict]
        ``"opaque"`` and ``"translucent"``: ``pd``, ``actor``, ``colours``, ``array``, ``members``.
    swept_slice : dict[str, slice]
        Each swept mesh's rows in the shared point buffer.
    lod_mappers : dict[str, tuple]
        Full and coarse mapper of each large static mesh (after :meth:`prepare_fast_lod`).
    coarse_faces : dict[str, numpy.ndarray]
        Per swept mesh, the triangles of its interactive-frame copy, as rows of the shared
        point buffer: a subset of its own vertices, so it moves with every pose unchanged.
    fast : bool
        Whether interactive frames (coarse copies) are drawn.
    polylines : list of numpy.ndarray
        The drawn path of every line at the current pose.
    """

    def __init__(self, renderer, model):
        self.renderer = renderer
        self.model = model
        self.knee_flexion_deg = 0.0  # display only: bends the leg
        self.catalogue = model.catalogue
        self.line_index = {line.id: i for i, line in enumerate(model.paths.lines)}
        self.actors: dict[str, vtkActor] = {}
        self.polydata: dict[str, pv.PolyData] = {}
        self.points: dict[str, np.ndarray] = {}
        self.actor_leaf: dict[int, str] = {}
        self.base_colour: dict[str, np.ndarray] = {}
        self.role_colour: dict[str, np.ndarray] = {}
        self.values: dict[str, float] = {}
        self.lod_mappers: dict[str, tuple[vtkPolyDataMapper, vtkPolyDataMapper]] = {}
        self.coarse_faces: dict[str, np.ndarray] = {}
        self.fast = False
        self.polylines: list[np.ndarray] = []
        self.halos: dict[str, vtkActor] = {}  # outline actors of the selected surfaces
        #: Changes the drawn paths before they are swept (released muscles drawn retracted).
        self.adjust_polylines = None
        self._sweeper: Sweeper | None = None  # built at the first pose
        self._build()

    # -- construction -------------------------------------------------------------------------
    def _build(self) -> None:
        model = self.model
        swept = [leaf for leaf in model.meshes if leaf in self.line_index]
        sizes = [len(model.meshes[leaf].vertices) for leaf in swept]
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.buffer = np.zeros((int(starts[-1]), 3))
        self.swept_slice: dict[str, slice] = {}
        self.swept_faces: dict[str, np.ndarray] = {}
        for leaf, start, size in zip(swept, starts, sizes):
            self.swept_slice[leaf] = slice(int(start), int(start + size))
            self.buffer[start:start + size] = model.meshes[leaf].vertices
            self.swept_faces[leaf] = model.meshes[leaf].faces.astype(np.int64) + int(start)
        for leaf, record in model.meshes.items():
            pd = pv.PolyData()
            points = vtkPoints()
            if leaf in self.swept_slice:
                # A view into the shared buffer: the per-structure mesh and the batch see the
                # same coordinates, written once per pose.
                view = self.buffer[self.swept_slice[leaf]]
                points.SetData(numpy_to_vtk(view, deep=False))
                self.points[leaf] = view
            else:
                points.SetData(numpy_to_vtk(np.ascontiguousarray(record.vertices, dtype=float), deep=True))
            pd.SetPoints(points)
            pd.SetPolys(triangles(record.faces))
            self.polydata[leaf] = pd
            if leaf not in self.points:
                self.points[leaf] = pd.points
            actor = surface_actor(pd, record.kind == "bone")
            colour = palette.hex_to_rgb(self.catalogue[leaf].colour)
            self.base_colour[leaf] = colour
            actor.GetProperty().SetColor(*colour)
            if leaf not in self.swept_slice:
                self.renderer.AddActor(actor)
            self.actors[leaf] = actor
            self.actor_leaf[id(actor)] = leaf
        shared = vtkPoints()
        shared.SetData(numpy_to_vtk(self.buffer, deep=False))
        self.batch_points = shared
        self.batch: dict[str, dict] = {}
        for kind, components in (("opaque", 3), ("translucent", 4)):
            pd = pv.PolyData()
            pd.SetPoints(shared)
            colours = np.full((len(self.buffer), components), 255, dtype=np.uint8)
            array = numpy_to_vtk(colours, deep=False)
            array.SetName("colours")
            pd.GetPointData().SetScalars(array)
            actor = surface_actor(pd, is_bone=False)
            mapper = actor.GetMapper()
            mapper.ScalarVisibilityOn()
            mapper.SetColorModeToDirectScalars()
            mapper.SetScalarModeToUsePointData()
            actor.SetVisibility(False)
            self.renderer.AddActor(actor)
            self.batch[kind] = {"pd": pd, "actor": actor, "colours": colours, "array": array, "members": ()}
        self.drawn_alone: set[str] = set()
        # Per-vertex share of fascia colour (the iliotibial tract below tensor fasciae latae).
        rig = model.bellies
        self.fascia_share: dict[str, np.ndarray] = {}
        if rig is not None and rig.fascia_from is not None:
            for m, leaf in enumerate(rig.line_ids):
                share = rig.fascia_share(m)
                if leaf in self.swept_slice and share.any() and len(share) == len(model.meshes[leaf].vertices):
                    self.fascia_share[leaf] = share[:, None]
        # The compartments of a muscle share their boundary fibres; the closed bellies' walls
        # along them lie inside the muscle. Drawn with the neighbour in one batch, they are
        # left out: with them, the smooth normals at each boundary bend into the wall and the
        # muscle shows a dark groove along it, as if it were separate strips.
        self.seams: dict[str, tuple[tuple[str, int], ...]] = {}
        self.joined: frozenset[str] = frozenset()  # compartments drawn joined to the previous one
        if rig is not None:
            self._sheet_size = (rig.fibres, rig.stations)
            for m, leaf in enumerate(rig.line_ids):
                first, last = rig.sheet[m]
                seams = ((rig.line_ids[m - 1], 0),) if m > first else ()
                seams += ((rig.line_ids[m + 1], rig.fibres - 1),) if m < last else ()
                if seams and leaf in self.swept_slice:
                    self.seams[leaf] = seams

    # -- pose and colouring ---------------------------------------------------------------------
    def body_matrix(self, body: str, pose) -> np.ndarray:
        """4x4 from a bone's body frame to the pelvis frame at ``pose`` and the current knee flexion."""
        knee = self.model.landmarks.get("knee_centre")
        return body_transform(body, pose, self.knee_flexion_deg, knee.position_mm if knee is not None else np.zeros(3))

    def to_pelvis(self, record, pts: np.ndarray, pose) -> np.ndarray:
        """Points of a mesh ``(n, 3)`` in the pelvis frame (bones are stored in their body frame)."""
        if record.kind != "bone" or record.body == "pelvis":
            return pts
        T = self.body_matrix(record.body, pose)
        return pts @ T[:3, :3].T + T[:3, 3]

    def update_pose(self, pose, knee_flexion_deg: float | None = None) -> None:
        """Move the femur and the leg (knee flexion, display only) and re-sweep every muscle and
        nerve surface for ``pose`` (deg)."""
        pose = np.asarray(pose, dtype=float)
        if knee_flexion_deg is not None:
            self.knee_flexion_deg = float(knee_flexion_deg)
        matrices = {}
        for leaf, record in self.model.meshes.items():
            if record.kind == "bone" and record.body != "pelvis":
                if record.body not in matrices:
                    matrices[record.body] = vtk_matrix(self.body_matrix(record.body, pose))
                self.actors[leaf].SetUserMatrix(matrices[record.body])
        self.polylines = self.model.paths.polylines(pose)
        if self.adjust_polylines is not None:
            self.polylines = self.adjust_polylines(self.polylines)
        rig = self.model.bellies
        in_rig = set(rig.line_ids) if rig is not None else set()
        lines = [(k, line) for k, line in enumerate(self.model.paths.lines)
                 if line.id in self.points and line.id not in in_rig and line.kind != "nerve"]
        if self._sweeper is None:
            self._sweeper = Sweeper([line.shape for _, line in lines])
        swept = list(zip((line for _, line in lines), self._sweeper([self.polylines[k] for k, _ in lines]))) \
            if lines else []
        femur = {"femur": self.body_matrix("femur", pose)}
        # Nerves: swept along a smooth course kept off the bones (viewer.core.nerve_course).
        swept += [(line, nerve_vertices(self.polylines[k], line.shape, self.model.bone_distance, femur))
                  for k, line in enumerate(self.model.paths.lines) if line.id in self.points and line.kind == "nerve"]
        if rig is not None:
            # Muscle bellies: their display fibres re-evaluated from the lines at this pose.
            bellies = rig.vertices([self.polylines[self.line_index[i]] for i in rig.line_ids],
                                   femur, self.model.bone_distance)
            swept += [(self.model.paths.lines[self.line_index[i]], v) for i, v in zip(rig.line_ids, bellies)]
        for line, vertices in swept:
            self.points[line.id][:] = vertices
            pd = self.polydata[line.id]
            pd.GetPoints().Modified()
            pd.Modified()
        self.batch_points.Modified()
        for batch in self.batch.values():
            batch["pd"].Modified()

    def update_values(self, result, motion, colour_by: str) -> None:
        """Role colours of the muscle lines for ``motion`` from a mechanics ``result``
        (:class:`viewer.core.actions.MechanicsResult`); anatomical colours without a motion."""
        self.values = {}
        self.role_colour = {}
        if motion is None:
            return
        values = result.values(motion)
        torque = colour_by == "torque"
        vals = values["line_torque"] if torque else values["line_r"]
        scale = FULL_COLOUR_TORQUE_NM if torque else FULL_COLOUR_MOMENT_ARM_MM
        line_roles = roles(values["line_r"])
        for k, line_id in enumerate(self.model.actions.line_ids):
            self.values[line_id] = float(vals[k])
            self.role_colour[line_id] = palette.role_colour(line_roles[k], abs(vals[k]) / scale)

    def refresh(self, state, selected: set[str]) -> bool:
        """Colour, opacity and visibility of every actor from ``state``; returns whether any
        shown structure is translucent."""
        visibility = state.visibility()
        # A hidden structure that is selected (from the layers list or a lesson) is drawn, and
        # what would cover it is ghosted, so that the selection is never invisible.
        hidden_selection = {leaf for leaf in selected if not visibility.get(leaf, True)}
        if state.selection is not None:
            hidden_selection &= set(state.leaf_ids(state.selection))
        else:
            hidden_selection = set()
        for leaf in hidden_selection:
            visibility[leaf] = True
        ghost = (state.ghost or bool(hidden_selection)) and bool(selected)
        translucent = False
        for leaf, actor in self.actors.items():
            prop = actor.GetProperty()
            role_colour = self.role_colour.get(leaf)
            colour = self.base_colour[leaf] if role_colour is None else role_colour
            # The selection keeps its colour (a role colour carries meaning) and gets a halo;
            # it is no longer told apart by being paler.
            prop.SetAmbient(0.2 if leaf in selected else 0.12)
            prop.SetColor(*colour)
            opacity = state.opacity(leaf)
            if ghost and leaf not in selected:
                opacity = min(opacity, GHOST_OPACITY)
            prop.SetOpacity(opacity)
            shown = bool(visibility[leaf]) and opacity > 0.0
            actor.SetVisibility(shown)
            translucent |= shown and opacity < 1.0
        self._update_batches(selected)
        self._update_halos({leaf for leaf in selected if self.actors[leaf].GetVisibility()})
        return translucent

    def _update_halos(self, leaves: set[str]) -> None:
        """An outline around each selected surface: its silhouette for the current camera,
        drawn as thick lines (recomputed by VTK only when the camera or the surface moves)."""
        from vtkmodules.vtkFiltersHybrid import vtkPolyDataSilhouette

        halos = self.halos
        for leaf in leaves - set(halos):
            silhouette = vtkPolyDataSilhouette()
            silhouette.SetInputData(self.polydata[leaf])
            silhouette.SetCamera(self.renderer.GetActiveCamera())
            silhouette.SetProp3D(self.actors[leaf])
            silhouette.BorderEdgesOff()
            mapper = vtkPolyDataMapper()
            mapper.SetInputConnection(silhouette.GetOutputPort())
            mapper.ScalarVisibilityOff()
            actor = vtkActor()
            actor.SetMapper(mapper)
            prop = actor.GetProperty()
            prop.SetLineWidth(HALO_WIDTH_PX)
            prop.LightingOff()
            prop.SetColor(*palette.hex_to_rgb(palette.SELECTION_OUTLINE_COLOUR))
            actor.SetPickable(False)
            self.renderer.AddActor(actor)
            halos[leaf] = actor
        for leaf in set(halos) - leaves:
            self.renderer.RemoveActor(halos.pop(leaf))
        for leaf, actor in halos.items():
            source = self.actors[leaf]
            actor.SetUserMatrix(source.GetUserMatrix())
            actor.GetProperty().SetOpacity(source.GetProperty().GetOpacity())

    def _set_batch_members(self, kind: str, members: tuple[str, ...]) -> None:
        batch = self.batch[kind]
        # Interactive frames draw the coarse triangles over the same points and colours.
        faces = self.coarse_faces if self.fast else self.swept_faces
        if members != batch["members"] or batch.get("faces") is not faces or batch.get("joined") != self.joined:
            batch["members"] = members
            batch["faces"] = faces
            batch["joined"] = self.joined
            if members:
                batch["pd"].SetPolys(triangles(np.concatenate([
                    self._batch_faces(leaf, faces.get(leaf, self.swept_faces[leaf]), members) for leaf in members])))
            else:
                batch["pd"].SetPolys(vtkCellArray())
            batch["pd"].Modified()
        batch["actor"].SetVisibility(bool(members))

    def _batch_faces(self, leaf: str, tris: np.ndarray, members: tuple[str, ...]) -> np.ndarray:
        """A swept surface's triangles ``tris`` (batch indices) less its walls along the
        boundary fibres it shares with a neighbouring compartment among ``members``."""
        shared = [(other, fibre) for other, fibre in self.seams.get(leaf, ()) if other in members]
        if not shared:
            return tris
        fibres, stations = self._sheet_size
        sheet = fibres * stations
        local = tris - self.swept_slice[leaf].start
        fibre = (local % sheet) // stations
        wall = np.zeros(len(tris), dtype=bool)
        for _, f in shared:
            wall |= np.all(fibre == f, axis=1)
        tris, local, fibre = tris[~wall], local[~wall], fibre[~wall]
        for other, f in shared:
            if f == 0 and leaf in self.joined:
                # The first boundary fibre uses the previous compartment's points (the same
                # positions): the two meshes are then one surface, smoothly shaded across it.
                # (Not where the two are drawn in different role colours: that edge stays sharp.)
                on = fibre == 0
                tris = np.where(on, self.swept_slice[other].start + local + (fibres - 1) * stations, tris)
        return tris

    def _update_batches(self, selected: set[str]) -> None:
        """Sort the swept surfaces into the batches (or on their own) and write their colours."""
        opaque, clear = [], []
        drawn: dict[str, bytes] = {}
        rgb, rgba = self.batch["opaque"]["colours"], self.batch["translucent"]["colours"]
        for leaf, span in self.swept_slice.items():
            actor = self.actors[leaf]
            alone = leaf in selected and actor.GetVisibility()
            if alone != (leaf in self.drawn_alone):
                # The selection keeps its own lighting (the highlight): draw it on its own.
                (self.renderer.AddActor if alone else self.renderer.RemoveActor)(actor)
                (self.drawn_alone.add if alone else self.drawn_alone.discard)(leaf)
            if alone or not actor.GetVisibility():
                continue
            prop = actor.GetProperty()
            colour = np.round(255 * np.asarray(prop.GetColor())).astype(np.uint8)
            share = self.fascia_share.get(leaf)
            if share is not None:
                colour = np.round(colour * (1.0 - share) + 255 * palette.hex_to_rgb(palette.FASCIA_COLOUR) * share
                                  ).astype(np.uint8)
            opacity = prop.GetOpacity()
            # (the anatomical shades of one muscle's compartments count as one colour)
            role = self.role_colour.get(leaf)
            drawn[leaf] = (b"" if role is None else np.asarray(role).tobytes()) + bytes([round(255 * opacity)])
            if opacity < 1.0:
                clear.append(leaf)
                rgba[span, :3] = colour
                rgba[span, 3] = int(round(255 * opacity))
            else:
                opaque.append(leaf)
                rgb[span] = colour
        self.joined = frozenset(leaf for leaf, seams in self.seams.items() for other, fibre in seams
                                if fibre == 0 and leaf in drawn and drawn[leaf] == drawn.get(other))
        self._set_batch_members("opaque", tuple(opaque))
        self._set_batch_members("translucent", tuple(clear))
        for batch in self.batch.values():
            batch["array"].Modified()

    # -- level of detail ------------------------------------------------------------------------
    def set_fast(self, fast: bool) -> None:
        """Draw the coarse copies of the large meshes (``fast``) or the full ones."""
        self.fast = bool(fast)
        for leaf, (full, coarse) in self.lod_mappers.items():
            mapper = coarse if fast else full
            if self.actors[leaf].GetMapper() is not mapper:
                # Each mapper keeps its own uploaded buffers: switching costs no upload.
                self.actors[leaf].SetMapper(mapper)
        for kind, batch in self.batch.items():
            self._set_batch_members(kind, batch["members"])

    def prepare_fast_lod(self, max_faces: int = LOD_FACES) -> None:
        """Build coarse copies of the large static meshes (bones) for interactive frames.

        Software OpenGL spends most of a frame transforming the bones' vertices; while the
        femur or the camera moves, copies with about ``max_faces`` triangles (quadric
        simplification) look the same and draw several times faster. Swept surfaces (muscles,
        nerve) get coarse triangles over a subset of their own vertices (:func:`coarse_subset`):
        they keep following the pose through the shared point buffer, with the same colours.
        """
        import fast_simplification

        for leaf, record in self.model.meshes.items():
            if leaf in self.lod_mappers or leaf in self.line_index or len(record.faces) <= 2 * max_faces:
                continue
            points, faces = fast_simplification.simplify(
                np.ascontiguousarray(record.vertices, dtype=np.float32), np.ascontiguousarray(record.faces, dtype=np.int32),
                target_reduction=1.0 - max_faces / len(record.faces))
            coarse = pv.PolyData(points.astype(float))
            coarse.SetPolys(triangles(faces))
            normals = bone_normals()
            normals.SetInputData(coarse)
            mapper = vtkPolyDataMapper()
            mapper.SetInputConnection(normals.GetOutputPort())
            mapper.ScalarVisibilityOff()
            self.lod_mappers[leaf] = (self.actors[leaf].GetMapper(), mapper)
        for leaf, span in self.swept_slice.items():
            if leaf not in self.coarse_faces:
                self.coarse_faces[leaf] = coarse_subset(self.model.meshes[leaf], SWEPT_LOD_REDUCTION) + span.start
        for batch in self.batch.values():
            batch["faces"] = None  # rebuilt with the new coarse triangles at the next set_fast

    @property
    def has_lod(self) -> bool:
        """Whether the coarse copies have been built."""
        return bool(self.lod_mappers) or bool(self.coarse_faces)

    # -- geometry queries -------------------------------------------------------------------------
    def world_points(self, leaf: str, pose) -> np.ndarray:
        """A mesh's points in the pelvis frame at ``pose`` (bone vertices stay in their body frame;
        the actor's matrix moves them)."""
        return self.to_pelvis(self.model.meshes[leaf], np.asarray(self.points[leaf], dtype=float), pose)

    def leaf_for_actor(self, actor, position=None) -> str | None:
        """The mesh id drawn by ``actor`` (a batch: the member nearest ``position``)."""
        for batch in self.batch.values():
            if actor is batch["actor"] and batch["members"]:
                members = batch["members"]
                best = [np.min(np.sum((self.points[leaf] - position) ** 2, axis=1)) for leaf in members]
                return members[int(np.argmin(best))]
        leaf = self.actor_leaf.get(id(actor))
        if leaf is not None:
            return leaf
        for leaf, candidate in self.actors.items():
            if candidate is actor or candidate.GetMapper() is actor.GetMapper():
                return leaf
            if leaf in self.lod_mappers and actor.GetMapper() in self.lod_mappers[leaf]:
                return leaf
        return None


def coarse_subset(record, reduction: float) -> np.ndarray:
    """Triangles ``(m, 3)`` over a subset of a mesh's own vertices, about ``reduction`` fewer.

    Vertex-removal decimation (``vtkDecimatePro``) never moves a kept vertex, so the coarse
    surface lies on the full one at every pose once the full one's points are updated; the
    mesh's topology (closed tube, end caps) is preserved. Indices refer to ``record.vertices``.
    """
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkFiltersCore import vtkDecimatePro

    pd = pv.PolyData()
    points = vtkPoints()
    points.SetData(numpy_to_vtk(np.ascontiguousarray(record.vertices, dtype=float), deep=True))
    pd.SetPoints(points)
    pd.SetPolys(triangles(record.faces))
    ids = numpy_to_vtk(np.arange(len(record.vertices), dtype=np.int64), deep=True)
    ids.SetName("vertex_id")
    pd.GetPointData().AddArray(ids)
    decimate = vtkDecimatePro()
    decimate.SetInputData(pd)
    decimate.SetTargetReduction(reduction)
    decimate.PreserveTopologyOn()
    decimate.SplittingOff()
    decimate.BoundaryVertexDeletionOff()
    decimate.Update()
    out = decimate.GetOutput()
    kept = vtk_to_numpy(out.GetPointData().GetArray("vertex_id"))
    faces = vtk_to_numpy(out.GetPolys().GetConnectivityArray()).reshape(-1, 3)
    if not len(faces):
        return np.asarray(record.faces, dtype=np.int64)
    return kept[faces].astype(np.int64)
