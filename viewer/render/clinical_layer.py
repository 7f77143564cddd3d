"""The clinical lens in the 3D scene: stretch colours, released muscles, the ischiofemoral space,
and cutting planes with capped cut faces.

A :class:`ClinicalLayer` belongs to one :class:`viewer.render.scene.HipScene` and follows the same
session state. Its actors are built once and updated in place:

- **stretch colours**: every muscle line coloured by ``stretch_pct`` on a diverging purple-to-orange
  ramp (the two ends of ColorBrewer's PuOr scheme, which stays readable for the common colour-vision
  deficiencies; Harrower & Brewer 2003, Cartogr J 40:27-37);
- **released muscles**: drawn retracted from their insertion (the path cut short, so the belly
  lies back towards its origin) and grey in the role colourings, which leave them out;
- **spaces**: the narrowest segment of the ischiofemoral space with its end points, and a
  readout of the model value beside the published normal and narrowed values with their sources;
- **sections**: one clipping plane on every surface, the cut faces capped with polygons in each
  structure's colour, outlined, and labelled with the structure's name.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkPlane, vtkPolyData
from vtkmodules.vtkFiltersCore import vtkCutter, vtkStripper
from vtkmodules.vtkFiltersSources import vtkSphereSource
from vtkmodules.vtkFiltersGeneral import vtkContourTriangulator
from vtkmodules.vtkRenderingCore import vtkActor, vtkBillboardTextActor3D, vtkPolyDataMapper

from viewer.core.kinematics import femur_transform
from viewer.core.stretch import neutral_lengths, stretch_pct
from viewer.render import palette
from viewer.render.primitives import glyph_actor, line_actor, text_actor

#: Stretch (%) drawn at full colour; smaller changes fade towards the neutral grey.
FULL_COLOUR_STRETCH_PCT = 20.0
STRETCH_COLOURS = {"shortened": "#5E3C99", "neutral": "#E6E6E6", "lengthened": "#E66101"}
#: A released muscle is drawn along this fraction of its path from the origin: detached from its
#: insertion and retracted, as the short rotators are tagged and turned back in the approach.
RETRACTED_FRACTION = 0.55
#: Darker than the "negligible" grey (#A8A8A8) of the role colours, so the two are not confused.
RELEASED_GREY = "#5C5C5C"
SPACE_COLOUR = "#F0E442"  # yellow (Okabe-Ito): the measured gap
CUT_OUTLINE_COLOUR = "#111111"


def stretch_colour(pct: float) -> np.ndarray:
    """Colour (RGB 0..1) of a stretch in %: purple shortened, grey unchanged, orange lengthened."""
    t = float(np.clip(pct / FULL_COLOUR_STRETCH_PCT, -1.0, 1.0))
    end = STRETCH_COLOURS["lengthened" if t > 0 else "shortened"]
    a = abs(t)
    return (1.0 - a) * palette.hex_to_rgb(STRETCH_COLOURS["neutral"]) + a * palette.hex_to_rgb(end)


def retract_polyline(points: np.ndarray, fraction: float = RETRACTED_FRACTION) -> np.ndarray:
    """The first ``fraction`` of a polyline ``(k, 3)`` by arc length (the detached, retracted muscle)."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    end = fraction * s[-1]
    k = int(np.searchsorted(s, end, side="right"))
    k = min(max(k, 1), len(points) - 1)
    t = (end - s[k - 1]) / max(seg[k - 1], 1e-12)
    return np.vstack([points[:k], points[k - 1] + t * (points[k] - points[k - 1])])


class ClinicalLayer:
    """Stretch colours, released muscles, the space segment and the section of one scene."""

    def __init__(self, scene):
        self.scene = scene
        self.model = scene.model
        self.state = scene.state
        self._neutral = neutral_lengths(self.model.paths)
        self._released_lines: set[str] = set()
        self._clinical = None
        self._space_values: dict[str, float] = {}
        self._build()
        self.set_released(self.state.released)

    # -- data -----------------------------------------------------------------------------------
    @property
    def clinical(self):
        """The clinical data (spaces gauged on the bones), read at first use."""
        if self._clinical is None:
            from viewer.io.clinical import clinical_for

            self._clinical = clinical_for(self.model)
        return self._clinical

    # -- actors ----------------------------------------------------------------------------------
    def _build(self) -> None:
        overlay = self.scene.lighting.overlay_renderer
        self._space_actor = line_actor(overlay, SPACE_COLOUR, 6)
        self._space_points = vtkPolyData()
        self._space_points.SetPoints(vtkPoints())
        self._space_ends = _sphere_glyphs(overlay, self._space_points, SPACE_COLOUR)
        # Top right: the legend takes the top left while a colouring is shown.
        self._space_text = text_actor(self.scene.plotter.renderer, (0.985, 0.975), "right", "top", 15)
        self._space_text.GetTextProperty().SetBackgroundOpacity(0.75)
        self._plane = vtkPlane()
        self._cap_pd = pv.PolyData()
        self._cap_actor = vtkActor()
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(self._cap_pd)
        mapper.SetScalarModeToUseCellData()
        mapper.SetColorModeToDirectScalars()
        self._cap_actor.SetMapper(mapper)
        self._cap_actor.GetProperty().SetAmbient(0.55)
        self._cap_actor.GetProperty().SetDiffuse(0.5)
        self._cap_actor.SetPickable(False)
        self._cap_actor.SetVisibility(False)
        self.scene.plotter.renderer.AddActor(self._cap_actor)
        self._outline_pd = pv.PolyData()
        self._outline_actor = vtkActor()
        omapper = vtkPolyDataMapper()
        omapper.SetInputData(self._outline_pd)
        omapper.ScalarVisibilityOff()
        self._outline_actor.SetMapper(omapper)
        self._outline_actor.GetProperty().SetColor(*palette.hex_to_rgb(CUT_OUTLINE_COLOUR))
        self._outline_actor.GetProperty().SetLineWidth(2.0)
        self._outline_actor.GetProperty().SetLighting(False)
        self._outline_actor.SetPickable(False)
        self._outline_actor.SetVisibility(False)
        self.scene.plotter.renderer.AddActor(self._outline_actor)
        self._labels: dict[str, vtkBillboardTextActor3D] = {}
        self._overlay = overlay

    # -- released muscles -------------------------------------------------------------------
    def set_released(self, ids) -> None:
        """Draw these muscles (structure or leaf ids) retracted; the scene re-poses afterwards."""
        lines = set()
        for some_id in ids:
            for leaf in self.state.leaf_ids(some_id):
                lines.add(leaf)
        self._released_lines = lines

    @property
    def released_lines(self) -> set[str]:
        return set(self._released_lines)

    def adjust_polylines(self, polylines: list[np.ndarray]) -> list[np.ndarray]:
        """The drawn courses with released muscles retracted from their insertion."""
        if not self._released_lines:
            return polylines
        out = list(polylines)
        for k, line in enumerate(self.model.paths.lines):
            if line.id in self._released_lines:
                out[k] = retract_polyline(polylines[k])
        return out

    # -- colours ---------------------------------------------------------------------------------
    def stretch_values(self, pose) -> dict[str, float]:
        """Stretch (%) of every line at ``pose``."""
        lengths = self.model.paths.lengths(np.asarray(pose, dtype=float)[None])[0]
        return dict(zip(self.model.paths.ids, stretch_pct(lengths, self._neutral)))

    def colours(self, values: dict, role_colours: dict) -> tuple[dict, dict]:
        """Values and colours per line for the current colouring, released muscles greyed out of roles."""
        if self.state.colour_by == "stretch":
            values = {k: v for k, v in self.stretch_values(self.state.pose).items()
                      if self.model.paths.lines[self.model.paths.index(k)].is_muscle}
            role_colours = {k: stretch_colour(v) for k, v in values.items()}
        for line_id in self._released_lines:
            if line_id in role_colours and self.state.colour_by != "stretch":
                role_colours[line_id] = palette.hex_to_rgb(RELEASED_GREY)
                values.pop(line_id, None)
        return values, role_colours

    def legend_entries(self, entries: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The legend: the stretch ramp instead of the role colours when colouring by stretch,
        and a grey entry for released muscles while a motion colours the others."""
        if self.state.colour_by != "stretch":
            if entries and self._released_lines:
                entries = entries + [("released (detached, not counted)", RELEASED_GREY)]
            return entries
        return [(f"lengthened (orange, full at +{FULL_COLOUR_STRETCH_PCT:g} %)", STRETCH_COLOURS["lengthened"]),
                ("unchanged from neutral", STRETCH_COLOURS["neutral"]),
                (f"shortened (purple, full at -{FULL_COLOUR_STRETCH_PCT:g} %)", STRETCH_COLOURS["shortened"])]

    # -- the ischiofemoral space ------------------------------------------------------------------
    def space_values(self) -> dict[str, float]:
        """The spaces (mm) last drawn; empty while they are hidden."""
        return dict(self._space_values)

    def space_readout(self, values: dict[str, float]) -> str:
        """The text beside the segment: each model value, then the published ones with their sources."""
        data = self.clinical
        lines = []
        for definition in data.spaces:
            lines.append(f"{definition.display_name}: {values[definition.id]:.1f} mm (computed by the model)")
            pubs = [p.text() for p in data.published.get(definition.id, [])]
            for k in range(0, len(pubs), 2):
                lines.append("   published " + "; ".join(pubs[k:k + 2]))
        return "\n".join(lines)

    def _update_spaces(self) -> None:
        show = self.state.show_spaces
        self._space_actor.SetVisibility(show)
        self._space_ends.SetVisibility(show)
        if not show:
            self._space_text.SetInput("")
            self._space_values = {}
            return
        measured = self.clinical.space_model.measure(self.state.pose[None])
        self._space_values = {sid: float(c.distance_mm[0]) for sid, c in measured.items()}
        ifs = measured["ischiofemoral"]
        a, b = ifs.fixed_point_mm[0], ifs.moving_point_mm[0]
        self._space_actor.GetMapper().SetInputData(pv.Line(a, b))
        points = self._space_points.GetPoints()
        points.SetNumberOfPoints(0)
        for p in (a, b):
            points.InsertNextPoint(*p)
        points.Modified()
        self._space_points.Modified()
        self._space_text.SetInput(self.space_readout(self._space_values))

    # -- sections ---------------------------------------------------------------------------------
    def _mappers(self):
        structures = self.scene.structures
        for actor in structures.actors.values():
            yield actor.GetMapper()
        for batch in structures.batch.values():
            yield batch["actor"].GetMapper()
        for full, coarse in structures.lod_mappers.values():
            yield full
            yield coarse

    def _posed_surface(self, leaf: str) -> pv.PolyData:
        record = self.model.meshes[leaf]
        pd = self.scene.structures.polydata[leaf]
        if record.kind == "bone" and record.body == "femur":
            T = femur_transform(self.state.pose)[0]
            moved = pv.PolyData()
            moved.ShallowCopy(pd)
            moved = moved.transform(T, inplace=False)
            return moved
        return pd

    def section_cut(self) -> dict[str, dict]:
        """The current cut per visible structure: ``{leaf: {"area_mm2", "centre_mm"}}`` (empty without one)."""
        return dict(getattr(self, "_cut_info", {}))

    def _update_section(self) -> None:
        section = self.state.section
        mappers = list(self._mappers())
        if section is None:
            for m in mappers:
                m.RemoveAllClippingPlanes()
            self._cap_actor.SetVisibility(False)
            self._outline_actor.SetVisibility(False)
            for label in self._labels.values():
                label.SetVisibility(False)
            self._cut_info = {}
            return
        normal, origin = section.normal, section.origin
        # vtkPlane keeps the side its normal points to; the section keeps the other side.
        self._plane.SetNormal(*(-normal))
        self._plane.SetOrigin(*origin)
        for m in mappers:
            if m.GetNumberOfClippingPlanes() == 0:
                m.AddClippingPlane(self._plane)
        cutter_plane = vtkPlane()
        cutter_plane.SetNormal(*normal)
        cutter_plane.SetOrigin(*origin)
        visibility = self.state.visibility()
        caps, outlines, colours = [], [], []
        self._cut_info = {}
        for leaf in self.model.meshes:
            if not visibility.get(leaf) or self.state.opacity(leaf) <= 0.0:
                continue
            surface = self._posed_surface(leaf)
            cutter = vtkCutter()
            cutter.SetCutFunction(cutter_plane)
            cutter.SetInputData(surface)
            stripper = vtkStripper()
            stripper.SetInputConnection(cutter.GetOutputPort())
            stripper.JoinContiguousSegmentsOn()
            stripper.Update()
            loops = stripper.GetOutput()
            if loops.GetNumberOfPoints() < 3:
                continue
            tri = vtkContourTriangulator()
            tri.SetInputData(loops)
            tri.Update()
            cap = pv.wrap(tri.GetOutput())
            if cap.n_cells == 0:
                continue
            colour = self.scene.actors[leaf].GetProperty().GetColor()
            caps.append(cap)
            outlines.append(pv.wrap(loops))
            colours.append(np.tile(np.round(255 * np.asarray(colour)).astype(np.uint8), (cap.n_cells, 1)))
            sizes = cap.compute_cell_sizes(length=False, volume=False)
            area = float(sizes["Area"].sum())
            # Label the largest piece of the cut (a bone may be cut in several places).
            pieces = sizes.connectivity("all")
            region = np.asarray(pieces.cell_data["RegionId"])
            cell_area = np.asarray(pieces.cell_data["Area"])
            biggest = np.bincount(region, weights=cell_area).argmax()
            centres = pieces.cell_centers().points[region == biggest]
            centre = np.average(centres, axis=0, weights=cell_area[region == biggest])
            self._cut_info[leaf] = {"area_mm2": area, "centre_mm": centre}
        if caps:
            merged = caps[0].merge(caps[1:]) if len(caps) > 1 else caps[0]
            # Lift the caps a hair towards the viewer side of the plane so they win the depth test.
            merged.points = merged.points - 0.05 * normal
            self._cap_pd.ShallowCopy(merged)
            array = pv.convert_array(np.vstack(colours))
            array.SetName("cap_colours")
            self._cap_pd.GetCellData().SetScalars(array)
            outline = outlines[0].merge(outlines[1:]) if len(outlines) > 1 else outlines[0]
            outline.points = outline.points - 0.1 * normal
            self._outline_pd.ShallowCopy(outline)
            self._cap_pd.Modified()
            self._outline_pd.Modified()
        self._cap_actor.SetVisibility(bool(caps))
        self._outline_actor.SetVisibility(bool(caps))
        self._update_cut_labels(normal)

    def _update_cut_labels(self, normal) -> None:
        shown = set()
        if self.state.labels:
            for leaf, info in self._cut_info.items():
                if info["area_mm2"] < 20.0:
                    continue  # a sliver: no room for a name
                label = self._labels.get(leaf)
                if label is None:
                    label = vtkBillboardTextActor3D()
                    prop = label.GetTextProperty()
                    prop.SetFontSize(14)
                    prop.SetFontFamilyToArial()
                    prop.SetJustificationToCentered()
                    prop.SetBackgroundOpacity(0.6)
                    label.SetInput(self.model.display_name(leaf))
                    label.SetPickable(False)
                    self._overlay.AddViewProp(label)
                    self._labels[leaf] = label
                text_rgb = palette.hex_to_rgb(palette.THEMES[self.scene.theme]["text"])
                label.GetTextProperty().SetColor(*text_rgb)
                label.GetTextProperty().SetBackgroundColor(*(1.0 - text_rgb))
                label.SetPosition(*(info["centre_mm"] - 2.0 * normal))
                label.SetVisibility(True)
                shown.add(leaf)
        for leaf, label in self._labels.items():
            if leaf not in shown:
                label.SetVisibility(False)

    def pick_point(self, x: float, y: float):
        """The surface point (mm, pelvis frame) under display pixel ``(x, y)``, or None."""
        from vtkmodules.vtkRenderingCore import vtkPropPicker

        picker = vtkPropPicker()
        if not picker.Pick(x, y, 0.0, self.scene.plotter.renderer) or picker.GetActor() is None:
            return None
        return np.asarray(picker.GetPickPosition(), dtype=float)

    # -- every frame ------------------------------------------------------------------------------
    def update(self) -> None:
        """Follow the pose, the layers and the clinical fields of the state."""
        self._update_spaces()
        self._update_section()

    @property
    def overlay_visible(self) -> bool:
        return self.state.show_spaces or (self.state.section is not None and bool(self._labels))


def _sphere_glyphs(renderer, points: vtkPolyData, colour: str, radius_mm: float = 3.0) -> vtkActor:
    """Small spheres at ``points`` (a point set updated in place), hidden until shown."""
    sphere = vtkSphereSource()
    sphere.SetRadius(radius_mm)
    sphere.SetThetaResolution(16)
    sphere.SetPhiResolution(16)
    return glyph_actor(renderer, points, sphere.GetOutputPort(), colour)
