"""The 3D overlay layer: origin and insertion markers of the selection, and the mechanics
drawing (joint axis, line of action, moment arm) with its read-out.

Drawn in the overlay renderer (:class:`viewer.render.lights.Lighting`), over the scene, so a
marker on the far side of a bone and the axis inside the femoral head stay visible.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkPolyData
from vtkmodules.vtkFiltersSources import vtkSphereSource
from vtkmodules.vtkRenderingCore import vtkActor

from viewer.core.kinematics import femur_transform
from viewer.core.moment_arms import joint_axes
from viewer.render import palette
from viewer.render.primitives import closest_points_on_segments, glyph_actor, line_actor

#: Radius (mm) of the origin and insertion markers.
MARKER_RADIUS_MM = 4.0
#: Drawn lengths (mm) of the joint axis (each side of the hip centre) and of the line of action.
AXIS_HALF_LENGTH_MM = 110.0
ACTION_LENGTH_MM = 90.0
#: The direction-of-motion arrow: an arc (radius, mm; sweep, deg) around the joint axis near its
#: positive end, ending in a cone, turning the way the motion turns the femur (right-hand rule).
MOTION_ARC_RADIUS_MM = 22.0
MOTION_ARC_SWEEP_DEG = 270.0
MOTION_ARC_AT_MM = 0.8 * AXIS_HALF_LENGTH_MM


def motion_arrow(axis: np.ndarray, centre: np.ndarray | None = None) -> pv.PolyData:
    """A curved arrow around the unit vector ``axis`` (pelvis frame), turning positively about
    it: an arc tube with a cone at its head, plus a cone at the axis tip."""
    axis = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    centre = np.zeros(3) if centre is None else np.asarray(centre, dtype=float)
    helper = np.array([1.0, 0.0, 0.0]) if abs(axis[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    hub = centre + MOTION_ARC_AT_MM * axis
    angles = np.radians(np.linspace(0.0, MOTION_ARC_SWEEP_DEG, 40))
    arc = hub + MOTION_ARC_RADIUS_MM * (np.cos(angles)[:, None] * u + np.sin(angles)[:, None] * v)
    tube = pv.lines_from_points(arc).tube(radius=1.6, n_sides=10)
    end = angles[-1]
    tangent = -np.sin(end) * u + np.cos(end) * v
    head = pv.Cone(center=arc[-1] + 4.0 * tangent, direction=tangent, height=10.0, radius=4.5, resolution=16)
    tip = pv.Cone(center=centre + (AXIS_HALF_LENGTH_MM + 5.0) * axis, direction=axis, height=10.0, radius=4.0,
                  resolution=16)
    return tube.merge(head).merge(tip).extract_surface(algorithm="dataset_surface")


class MarkerLayer:
    """Attachment markers and the mechanics drawing of the selected muscle.

    Parameters
    ----------
    renderer : vtkRenderer
        The overlay renderer.
    model : viewer.io.model.HipModel
    structures : viewer.render.structures.StructureLayer
        For the drawn paths at the current pose.
    """

    def __init__(self, renderer, model, structures):
        self.renderer = renderer
        self.model = model
        self.structures = structures
        sphere = vtkSphereSource()
        sphere.SetRadius(MARKER_RADIUS_MM)
        sphere.SetThetaResolution(16)
        sphere.SetPhiResolution(16)
        self._sphere = sphere
        self.origin_actor = self._marker_actor(palette.ORIGIN_COLOUR)
        self.insertion_actor = self._marker_actor(palette.INSERTION_COLOUR)
        self.axis_actor = line_actor(self.renderer, palette.AXIS_COLOUR, 5)
        self.action_actor = line_actor(self.renderer, palette.LINE_OF_ACTION_COLOUR, 5)
        self.arm_actor = line_actor(self.renderer, palette.MOMENT_ARM_COLOUR, 4)
        self.arrow_actor = line_actor(self.renderer, palette.MOTION_ARROW_COLOUR, 1)

    @property
    def actors(self) -> tuple[vtkActor, ...]:
        return (self.origin_actor, self.insertion_actor, self.axis_actor, self.action_actor, self.arm_actor,
                self.arrow_actor)

    def _marker_actor(self, colour: str) -> vtkActor:
        """Spheres at the points of a small point set (origins or insertions), one C++ glyph filter."""
        points = vtkPolyData()
        points.SetPoints(vtkPoints())
        return glyph_actor(self.renderer, points, self._sphere.GetOutputPort(), colour)

    def attachment_point(self, line_id: str, end: int, pose) -> np.ndarray:
        """Where a line's origin (``end=0``) or insertion (``-1``) is marked: on the bone at its
        landmark, even where the path itself runs a few millimetres off the surface."""
        index = self.structures.line_index[line_id]
        point = self.model.paths.lines[index].points[end]
        if point.landmark is None or point.landmark not in self.model.landmarks:
            return self.structures.polylines[index][end]
        position = np.asarray(self.model.landmarks[point.landmark].position_mm, dtype=float)
        if point.body == "femur":
            position = femur_transform(pose)[0, :3, :3] @ position
        return position

    def update_attachments(self, leaves: list[str], pose) -> None:
        """Mark the origins and insertions of the muscle lines among ``leaves`` (none: hide)."""
        index = self.structures.line_index
        line_ids = [leaf for leaf in leaves if leaf in index and self.model.paths.lines[index[leaf]].is_muscle]
        show = bool(line_ids)
        if show:
            origins = np.array([self.attachment_point(i, 0, pose) for i in line_ids])
            inserts = np.array([self.attachment_point(i, -1, pose) for i in line_ids])
            for actor, where in ((self.origin_actor, origins), (self.insertion_actor, inserts)):
                points = actor.GetMapper().GetInputAlgorithm().GetInput()  # the glyph filter's points
                points.GetPoints().SetData(numpy_to_vtk(np.ascontiguousarray(where, dtype=float), deep=True))
                points.Modified()
        self.origin_actor.SetVisibility(show)
        self.insertion_actor.SetVisibility(show)

    def update_mechanics(self, line_id: str | None, motion, pose, result) -> str:
        """Draw the joint axis of ``motion``, the line of action and the moment arm of
        ``line_id`` (None: hide them); returns the read-out text ("" when hidden)."""
        index = self.structures.line_index
        show = bool(motion is not None and line_id is not None and self.model.paths.lines[index[line_id]].is_muscle)
        for actor in (self.axis_actor, self.action_actor, self.arm_actor, self.arrow_actor):
            actor.SetVisibility(show)
        if not show:
            return ""
        axis = joint_axes(pose)[0, motion.coordinate] * motion.sign
        self.axis_actor.GetMapper().SetInputData(pv.Line(-AXIS_HALF_LENGTH_MM * axis, AXIS_HALF_LENGTH_MM * axis))
        self.arrow_actor.GetMapper().SetInputData(motion_arrow(axis))
        poly = self.structures.polylines[index[line_id]]
        insertion = poly[-1]
        # The pull on the femur acts from the insertion towards the previous point of the path.
        direction = poly[-2] - insertion
        direction /= np.linalg.norm(direction)
        self.action_actor.GetMapper().SetInputData(pv.Line(insertion, insertion + ACTION_LENGTH_MM * direction))
        # The lever: the shortest link between the drawn axis and the drawn line of action. For
        # lines nearly parallel the infinite lines' common perpendicular runs off the screen,
        # so the closest points are sought on the two drawn segments.
        foot_axis, foot_line = closest_points_on_segments(-AXIS_HALF_LENGTH_MM * axis, AXIS_HALF_LENGTH_MM * axis,
                                                          insertion, insertion + ACTION_LENGTH_MM * direction)
        self.arm_actor.GetMapper().SetInputData(pv.Line(foot_axis, foot_line))
        r = result.moment_arm(line_id, motion)
        return (f"{self.model.display_name(line_id)}\n{motion.label}: moment arm {r:+.1f} mm\n"
                f"(white: joint axis, arrow: direction of {motion.label},\n"
                f"teal: line of action, magenta: moment arm)")

    @property
    def any_visible(self) -> bool:
        return any(a.GetVisibility() for a in self.actors)
