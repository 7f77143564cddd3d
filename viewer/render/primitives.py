"""Small VTK building blocks shared by the scene's adapters: cells, matrices, actors, texts.

No state here: each function builds or measures one VTK object.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
from vtkmodules.util.numpy_support import numpy_to_vtkIdTypeArray
from vtkmodules.vtkCommonDataModel import vtkCellArray
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkFiltersCore import vtkGlyph3D, vtkPolyDataNormals, vtkTriangleMeshPointNormals
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkActor2D,
    vtkPolyDataMapper,
    vtkPolyDataMapper2D,
    vtkTextActor,
)

from viewer.render import palette


def triangles(faces: np.ndarray) -> vtkCellArray:
    """A VTK cell array of triangles ``(n, 3)`` built from offsets and connectivity in one copy
    (pyvista's legacy ``faces`` setter walks the array in Python-visible steps)."""
    faces = np.ascontiguousarray(faces, dtype=np.int64)
    offsets = np.arange(0, 3 * len(faces) + 1, 3, dtype=np.int64)
    cells = vtkCellArray()
    cells.SetData(numpy_to_vtkIdTypeArray(offsets, deep=True), numpy_to_vtkIdTypeArray(faces.ravel(), deep=True))
    return cells


def vtk_matrix(T: np.ndarray) -> vtkMatrix4x4:
    """A VTK 4x4 matrix from a numpy ``(4, 4)`` array."""
    m = vtkMatrix4x4()
    for i in range(4):
        for j in range(4):
            m.SetElement(i, j, float(T[i, j]))
    return m


def bone_normals() -> vtkPolyDataNormals:
    """Smooth normals for a static closed surface (no splitting, no reorientation)."""
    normals = vtkPolyDataNormals()
    normals.SplittingOff()
    normals.ConsistencyOff()
    normals.AutoOrientNormalsOff()
    return normals


def surface_actor(pd: pv.PolyData, is_bone: bool) -> vtkActor:
    """An actor drawing ``pd`` with smooth normals from a C++ pipeline (no Python per frame).

    Swept surfaces change at every pose, so they get the lean triangle-mesh normals filter
    (area-weighted, four times faster); static bones keep the general one.
    """
    normals = bone_normals() if is_bone else vtkTriangleMeshPointNormals()
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


def closest_points_on_segments(p0, p1, q0, q1) -> tuple[np.ndarray, np.ndarray]:
    """Closest points between segments ``p0-p1`` and ``q0-q1`` (3D), by sampling on a grid."""
    p0, p1, q0, q1 = (np.asarray(v, dtype=float) for v in (p0, p1, q0, q1))
    s = np.linspace(0.0, 1.0, 101)
    ps = p0 + s[:, None] * (p1 - p0)
    qs = q0 + s[:, None] * (q1 - q0)
    d = np.linalg.norm(ps[:, None, :] - qs[None, :, :], axis=2)
    i, j = np.unravel_index(np.argmin(d), d.shape)
    return ps[i], qs[j]


def overlay_actor(renderer, polydata: pv.PolyData, colour, *, opacity: float = 1.0, line_width: float = 1.0,
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


def rect_points(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Corners ``(4, 3)`` of a screen rectangle, counter-clockwise from the lower left."""
    return np.array([[x0, y0, 0.0], [x1, y0, 0.0], [x1, y1, 0.0], [x0, y1, 0.0]])


def text_size(actor: vtkTextActor, renderer) -> tuple[float, float]:
    """Width and height (pixels) of a text actor as the renderer draws it."""
    size = [0.0, 0.0]
    actor.GetSize(renderer, size)
    return size[0], size[1]


def text_actor(renderer, position, horizontal: str, vertical: str, size: int) -> vtkTextActor:
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
    renderer.AddViewProp(actor)
    return actor


def line_actor(renderer, colour: str, width: float) -> vtkActor:
    """A hidden, unlit, unpickable line actor of one colour in ``renderer``; callers set its
    input when they show it."""
    mapper = vtkPolyDataMapper()
    mapper.SetInputData(pv.Line((0, 0, 0), (1, 0, 0)))
    mapper.ScalarVisibilityOff()  # pv.Line carries a distance array; draw in one colour
    actor = vtkActor()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColor(*palette.hex_to_rgb(colour))
    actor.GetProperty().SetLineWidth(width)
    actor.GetProperty().SetLighting(False)
    actor.SetPickable(False)
    actor.SetVisibility(False)
    renderer.AddActor(actor)
    return actor


def glyph_actor(renderer, points, source_port, colour: str) -> vtkActor:
    """A hidden, unpickable actor drawing ``source_port``'s shape (a small sphere) at every point
    of ``points`` (a vtkPolyData updated in place), unscaled, in one colour: one C++ glyph filter."""
    glyph = vtkGlyph3D()
    glyph.SetInputData(points)
    glyph.SetSourceConnection(source_port)
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
    renderer.AddActor(actor)
    return actor
