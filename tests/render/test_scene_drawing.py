"""How the scene draws (render layer, off screen): batched muscles, coarse interactive bones,
free-space labels. What is drawn must always match the per-structure state."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.util.numpy_support import vtk_to_numpy

from viewer.core.sweep import Sweeper, sweep_vertices


@pytest.mark.parametrize("pose", [(0, 0, 0), (90, 10, -30), (-20, -30, 50), (120, 45, 50)])
def test_sweeping_all_lines_at_once_equals_one_at_a_time(model, pose):
    lines = [line for line in model.paths.lines if line.id in model.meshes]
    polylines = model.paths.polylines(pose)
    polylines = [polylines[model.paths.index(line.id)] for line in lines]
    batched = Sweeper([line.shape for line in lines])(polylines)
    for k, (poly, line) in enumerate(zip(polylines, lines)):
        np.testing.assert_allclose(batched[k], sweep_vertices(poly, line.shape), atol=1e-9)


def test_scene_uses_the_batch_and_its_points_are_the_per_structure_points(session, model):
    scene = session.scene
    session.state.set_pose((45, 0, 20))
    poly = model.paths.polyline("piriformis", (45, 0, 20))
    rig = model.bellies
    if rig is not None and "piriformis" in rig.line_ids:
        # A belly: its display fibres evaluated from every belly's line at this pose.
        from viewer.core.kinematics import body_transform

        polylines = model.paths.polylines((45, 0, 20))
        expected = rig.vertices([polylines[model.paths.index(i)] for i in rig.line_ids],
                                {"femur": body_transform("femur", (45, 0, 20))},
                                model.bone_distance)[rig.line_ids.index("piriformis")]
    else:
        expected = sweep_vertices(poly, model.paths.lines[model.paths.index("piriformis")].shape)
    np.testing.assert_allclose(scene.structures.points["piriformis"], expected, atol=1e-9)


def test_batches_follow_visibility_opacity_and_selection(session):
    state, scene = session.state, session.scene
    opaque, clear = scene.structures.batch["opaque"], scene.structures.batch["translucent"]
    assert "piriformis" in opaque["members"] and not clear["members"]
    state.set_visible("piriformis", False)
    assert "piriformis" not in opaque["members"]
    state.set_visible("piriformis", True)
    state.set_opacity("quadratus_femoris", 0.5)
    assert "quadratus_femoris" in clear["members"] and "quadratus_femoris" not in opaque["members"]
    span = scene.structures.swept_slice["quadratus_femoris"]
    assert np.all(clear["colours"][span, 3] == 128)
    state.select("obturator_internus")  # drawn on its own, with its highlight
    assert "obturator_internus" not in opaque["members"]
    assert session.plotter.renderer.HasViewProp(scene.actors["obturator_internus"])
    state.select(None)
    assert "obturator_internus" in opaque["members"]
    assert not session.plotter.renderer.HasViewProp(scene.actors["obturator_internus"])


def _batch_triangles(batch):
    return vtk_to_numpy(batch["pd"].GetPolys().GetConnectivityArray()).reshape(-1, 3)


def test_the_walls_between_compartments_drawn_together_are_left_out_of_the_batch(session, model):
    """Maximus's three compartments in one batch are drawn as one sheet: no triangle lies wholly
    on a boundary fibre the middle compartment shares with the upper or the lower one (those
    walls are inside the muscle). Its free walls, the muscle's borders, are drawn; with the upper
    compartment hidden, the middle one's wall on that side is drawn again (it is then a border)."""
    structures = session.scene.structures
    rig = model.bellies
    F, S = rig.fibres, rig.stations
    start = structures.swept_slice["gluteus_maximus.middle"].start
    upper = structures.swept_slice["gluteus_maximus.upper"]

    def wall_triangles(leaf_start, fibre):
        tris = _batch_triangles(structures.batch["opaque"]) - leaf_start
        own = np.all((tris >= 0) & (tris < 2 * F * S), axis=1)
        f = (tris[own] % (F * S)) // S
        return int(np.all(f == fibre, axis=1).sum())

    full = model.meshes["gluteus_maximus.middle"].faces
    per_wall = int(np.all((full % (F * S)) // S == 0, axis=1).sum())
    assert per_wall == 2 * (S - 1)
    assert wall_triangles(start, 0) == 0 and wall_triangles(start, F - 1) == 0
    # across the seam the middle compartment's triangles use the upper one's boundary points
    # (the same positions), so the surface is shaded as one
    tris = _batch_triangles(structures.batch["opaque"])
    boundary = upper.start + np.arange(2)[:, None] * F * S + (F - 1) * S + np.arange(S)[None, :]
    middle_own = np.any((tris >= start) & (tris < start + 2 * F * S), axis=1)
    assert np.isin(tris[middle_own], boundary).any()
    first_fibre = start + np.arange(2)[:, None] * F * S + np.arange(S)[None, :]
    assert not np.isin(tris, first_fibre).any()
    points = structures.buffer
    np.testing.assert_allclose(points[boundary], points[first_fibre], atol=1e-6)
    # the upper compartment's upper border is a free edge of the muscle: drawn
    assert wall_triangles(upper.start, 0) == per_wall
    session.state.set_visible("gluteus_maximus.upper", False)
    assert wall_triangles(start, 0) == per_wall and wall_triangles(start, F - 1) == 0
    session.state.set_visible("gluteus_maximus.upper", True)
    # the per-structure mesh (picking, sections) stays closed
    assert structures.polydata["gluteus_maximus.middle"].GetNumberOfCells() == len(full)


def test_compartments_in_different_colours_keep_a_sharp_edge(session, model):
    """Coloured by external rotation at 90 deg of flexion, maximus's lower part (which then
    produces it) and its middle part (which opposes it) meet at a sharp colour edge: the lower
    part keeps its own boundary points there. Compartments in one role colour, or in their
    anatomical shades, are joined."""
    structures = session.scene.structures
    assert "gluteus_maximus.lower" in structures.joined  # shades of one anatomical colour
    session.state.set_motion("external_rotation")
    session.state.set_pose((90, 0, 0))
    colour = {leaf: tuple(structures.actors[leaf].GetProperty().GetColor())
              for leaf in ("gluteus_maximus.middle", "gluteus_maximus.lower")}
    assert colour["gluteus_maximus.middle"] != colour["gluteus_maximus.lower"], colour
    assert "gluteus_maximus.lower" not in structures.joined
    F, S = model.bellies.fibres, model.bellies.stations
    lower = structures.swept_slice["gluteus_maximus.lower"].start
    first_fibre = lower + np.arange(2)[:, None] * F * S + np.arange(S)[None, :]
    assert np.isin(_batch_triangles(structures.batch["opaque"]), first_fibre).any()


def test_picking_through_a_batch_names_the_muscle(session):
    scene = session.scene
    session.state.set_visible("gluteus_maximus", False)
    scene.set_view("posterior")
    session.image()
    x, y = scene.display_point(scene.surface_point("quadratus_femoris"))
    assert scene.pick(x, y) == "quadratus_femoris"


def test_fast_frames_swap_in_coarse_bones(session):
    scene = session.scene
    scene.prepare_fast_lod()
    full, coarse = scene.structures.lod_mappers["femur"]
    scene.set_fast(True)
    assert scene.actors["femur"].GetMapper() is coarse
    assert not session.plotter.renderer.GetUseFXAA()
    image = session.image()
    assert image.std() > 5
    scene.set_fast(False)
    assert scene.actors["femur"].GetMapper() is full
    assert session.plotter.renderer.GetUseFXAA()


def test_selection_label_stays_clear_of_the_model_and_the_legend(session):
    state, scene = session.state, session.scene
    state.set_motion("external_rotation")
    state.select("piriformis")
    scene.set_view("posterolateral")
    session.image()
    box = scene.label_box_px()
    legend = scene.legend_box_px()
    assert box is not None and legend is not None
    x0, y0, x1, y1 = box
    lx0, ly0, lx1, ly1 = legend
    assert x1 <= lx0 or x0 >= lx1 or y1 <= ly0 or y0 >= ly1  # no overlap with the legend
    # Few covered cells under the box: it sits beside the silhouette, not on it.
    grid = scene.occupancy(8)
    cells = grid[int(y0 // 8):int(np.ceil(y1 / 8)), int(x0 // 8):int(np.ceil(x1 / 8))]
    assert cells.mean() < 0.1


def test_fast_frames_draw_coarse_muscles_on_the_same_points_and_colours(session):
    state, scene = session.state, session.scene
    structures = scene.structures
    state.set_motion("external_rotation")
    state.set_pose((30, 0, 20))
    scene.prepare_fast_lod()
    opaque = structures.batch["opaque"]
    full_cells = opaque["pd"].GetNumberOfCells()
    colours = opaque["colours"].copy()
    session.plotter.render()
    still = session.image()
    scene.set_fast(True)
    coarse = opaque["pd"]
    assert coarse.GetNumberOfCells() < 0.6 * full_cells
    # Every coarse triangle joins vertices of one muscle's own meshes (a compartment's and, along
    # a seam, its neighbour's): the coarse surface is drawn from the same point buffer, so it
    # stands where the full one stands at every pose.
    cells = vtk_to_numpy(coarse.GetPolys().GetConnectivityArray()).reshape(-1, 3)
    members = opaque["members"]
    muscles = sorted({session.model.structure_of(leaf) for leaf in members})
    owner = np.full(len(structures.buffer), -1)
    for leaf in members:
        owner[structures.swept_slice[leaf]] = muscles.index(session.model.structure_of(leaf))
    assert np.all(owner[cells] >= 0) and np.all(owner[cells] == owner[cells[:, :1]])
    assert set(np.unique(owner[cells])) == set(range(len(muscles)))
    state.set_pose((50, 0, -10))
    np.testing.assert_array_equal(vtk_to_numpy(coarse.GetPoints().GetData()), structures.buffer)
    state.set_pose((30, 0, 20))
    np.testing.assert_array_equal(opaque["colours"], colours)  # same colours while moving
    session.plotter.render()
    fast = session.image()
    # The picture while moving is the still one drawn coarser: the same colours in the same
    # places, differing only along edges and in shading.
    changed = np.abs(fast.astype(int) - still.astype(int)).max(axis=2) > 60
    assert changed.mean() < 0.03
    scene.set_fast(False)
    assert opaque["pd"].GetNumberOfCells() == full_cells
    np.testing.assert_array_equal(opaque["colours"], colours)
    session.plotter.render()
    np.testing.assert_array_equal(session.image(), still)
