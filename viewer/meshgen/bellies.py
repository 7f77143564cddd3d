"""Build the muscle bellies' display fibres (:class:`viewer.core.belly.BellyRig`) for ``meshes/``.

Reads ``data/bellies.yaml`` (footprints and shape per muscle), places the footprint rows on the
bone surfaces, and scales each belly's thickness so that its closed volume equals its PCSA times
its optimal fibre length (from the annotations) at the neutral pose.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
import trimesh

from viewer.core.belly import BellyRig, closed_volume, sheet_normals
from viewer.core.errors import DataError
from viewer.io.yaml_source import read_yaml

SOURCE = "bellies.yaml"
#: Bones each footprint row is placed on.
ORIGIN_BONES = ("hip_bone", "sacrum")
INSERTION_BONES = ("femur",)
#: Thickness scaling passes (each brings every belly's volume closer to its target).
CALIBRATION_PASSES = 14


def definitions() -> tuple[Path, dict]:
    """The belly definitions shipped with the generator."""
    path = Path(str(resources.files("viewer.meshgen") / "data" / SOURCE))
    return path, read_yaml(path)[0]


def _knot(spec: dict, landmarks: dict, file: Path, field: str) -> tuple[np.ndarray, bool]:
    if "at" in spec:
        parts = [(spec["at"], 1.0)]
    else:
        parts = [(name, float(w)) for name, w in spec.get("mix", [])]
    if not parts:
        raise DataError("a footprint knot needs 'at' or 'mix'", file=file, field=field)
    total = sum(w for _, w in parts)
    point = np.zeros(3)
    for name, weight in parts:
        if name not in landmarks:
            raise DataError(f"unknown landmark {name!r}", file=file, field=field)
        point += weight / total * np.asarray(landmarks[name].position_mm, dtype=float)
    return point + np.asarray(spec.get("offset", (0.0, 0.0, 0.0)), dtype=float), bool(spec.get("bone", True))


#: A footprint given the way its bone surface faces (``origin_faces``) lies on the faces whose
#: normals are within this cosine of it.
FACES_COSINE = 0.3


def footprint_row(knots: list, n_points: int, landmarks: dict, bones: trimesh.Trimesh, file: Path, field: str,
                  faces=None) -> np.ndarray:
    """``n_points`` evenly spaced along the row through ``knots`` ``(n_points, 3)``, on the bones.

    A point between two knots that both lie on bone is moved to the nearest point of ``bones``;
    with ``faces`` (a direction), to the nearest point of the bone surface facing that way. Where
    a plate is thin (the iliac wing near its crest and the anterior superior iliac spine, a few
    millimetres thick) the nearest point can be on its far surface, and a muscle arising from
    the gluteal surface would come out on the pelvic one.
    """
    pts, on_bone = zip(*(_knot(k, landmarks, file, f"{field}[{i}]") for i, k in enumerate(knots)))
    pts = np.array(pts)
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.linspace(0.0, s[-1], n_points)
    row = np.stack([np.interp(t, s, pts[:, d]) for d in range(3)], axis=1)
    segment = np.clip(np.searchsorted(s, t, side="right") - 1, 0, len(pts) - 2)
    project = np.array([on_bone[j] and on_bone[j + 1] for j in segment])
    if project.any():
        surface = bones
        if faces is not None:
            way = np.asarray(faces, dtype=float) / np.linalg.norm(faces)
            surface = bones.submesh([np.flatnonzero(bones.face_normals @ way > FACES_COSINE)], append=True)
        row[project] = trimesh.proximity.closest_point(surface, row[project])[0]
    return row


def _direction(value, file: Path, field: str):
    """An optional direction ``[x, y, z]`` (pelvis frame) from the definitions."""
    if value is None:
        return None
    arr = np.asarray(value, dtype=float) if isinstance(value, list) and len(value) == 3 and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in value) else None
    if arr is None or not np.all(np.isfinite(arr)) or np.linalg.norm(arr) < 1e-6:
        raise DataError(f"expected a direction [x, y, z] that is not zero, got {value!r}"[:200], file=file, field=field)
    return arr


def _thickness_profile(spec: dict, stations: int, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fleshy profile ``(F, S)`` (to be scaled) and tendon part ``(F, S)`` (mm) of one belly."""
    s = np.linspace(0.0, 1.0, stations)
    b = float(spec.get("belly_at", 0.4))
    warped = np.where(s <= b, 0.5 * s / b, 0.5 + 0.5 * (s - b) / (1.0 - b))
    # Full over most of the belly, thinning towards the attachments and the free borders.
    along = 0.35 + 0.65 * np.sin(np.pi * warped) ** 0.4
    across = 0.4 + 0.6 * np.sin(np.pi * np.clip(u, 0.0, 1.0)) ** 0.3
    tendon_from = float(spec.get("tendon_from", 1.0))
    fade = np.clip((s - tendon_from) / 0.12, 0.0, 1.0)
    fade = fade * fade * (3.0 - 2.0 * fade)
    flesh = across[:, None] * (along * (1.0 - fade))[None, :]
    tendon = np.broadcast_to(float(spec.get("tendon_mm", 2.0)) * fade, flesh.shape)
    return flesh, np.array(tendon)


def _path_fraction(polyline: np.ndarray, point: np.ndarray) -> float:
    """Arc-length fraction of the polyline vertex nearest to ``point``."""
    seg = np.linalg.norm(np.diff(polyline, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    return float(s[np.argmin(np.linalg.norm(polyline - point, axis=1))] / s[-1])


def build_rig(lines, polylines, landmarks: dict, bone_meshes: dict, targets_mm3: dict[str, float],
              doc: dict | None = None, file: Path | None = None, lift_nodes=None) -> tuple[BellyRig, tuple]:
    """The belly rig of every muscle line named in the definitions, calibrated at the neutral pose.

    Parameters
    ----------
    lines, polylines : the mechanics lines and their neutral paths ``(k, 3)`` (pelvis frame).
    landmarks : name -> Landmark (femur landmarks in the femur frame, which is the pelvis frame
        at the neutral pose).
    bone_meshes : bone id -> trimesh.Trimesh.
    targets_mm3 : line id -> PCSA x optimal fibre length (mm^3).
    lift_nodes : node poses of the lift table (default :data:`viewer.meshgen.layers.LIFT_NODES`).

    Returns the rig and the bone distance grids (:func:`distance_grids`) it was calibrated with.
    """
    if doc is None:
        file, doc = definitions()
    S, F = int(doc["stations"]), int(doc["fibres"])
    index = {line.id: i for i, line in enumerate(lines)}
    origin_bones = trimesh.util.concatenate([bone_meshes[b] for b in ORIGIN_BONES])
    insertion_bones = trimesh.util.concatenate([bone_meshes[b] for b in INSERTION_BONES])
    ids, route, origin, insertion, flesh, tendon, groups, sheet = [], [], [], [], [], [], [], []
    below, outward, converge, spread, layer, fascia, below_over = [], [], [], [], [], [], []
    for name, spec in doc["bellies"].items():
        members = list(spec["lines"])
        for m in members:
            if m not in index:
                raise DataError(f"unknown muscle line {m!r}", file=file, field=f"bellies.{name}.lines")
        n = len(members)
        o_row = footprint_row(spec["origin"], n * (F - 1) + 1, landmarks, origin_bones, file, f"bellies.{name}.origin",
                              _direction(spec.get("origin_faces"), file, f"bellies.{name}.origin_faces"))
        i_row = footprint_row(spec["insertion"], n * (F - 1) + 1, landmarks, insertion_bones, file,
                              f"bellies.{name}.insertion")
        centres = (np.arange(n) + 0.5) / n
        for j, line_id in enumerate(members):
            rows = slice(j * (F - 1), (j + 1) * (F - 1) + 1)
            u = np.linspace(j / n, (j + 1) / n, F)
            weights = np.zeros((F, len(lines)))
            for jj, other in enumerate(members):
                # Hat functions across the muscle: a boundary fibre is the mean of its two
                # compartments' lines, so neighbouring compartments share it exactly.
                weights[:, index[other]] += np.interp(u, centres, np.eye(n)[jj]) if n > 1 else 1.0
            ids.append(line_id)
            sheet.append((len(ids) - 1 - j, len(ids) - 1 - j + n - 1))
            route.append(weights)
            origin.append(o_row[rows])
            insertion.append(i_row[rows])
            f, t = _thickness_profile(spec, S, u)
            flesh.append(f)
            tendon.append(t)
            groups.append((name, j, n))
            below.append(float(spec.get("below", 0.0)))
            layer.append(int(spec.get("layer", 0)))
            fascia.append(float(spec.get("fascia_from", 1.0)))
            below_over.append(float(spec.get("below_over", 0.0)))
            if "outward" in spec:
                outward.append(np.asarray(spec["outward"], dtype=float))
            else:
                # The superficial side is the side the bone surface faces at the origin footprint.
                _, _, tri = trimesh.proximity.closest_point(origin_bones, o_row[rows])
                outward.append(origin_bones.face_normals[tri].mean(axis=0))
            poly = polylines[index[line_id]]
            conv = float(spec.get("converge", 1.0))
            if "converge_at" in spec:
                via = [p for p in lines[index[line_id]].points if p.name == spec["converge_at"]]
                if not via:
                    raise DataError(f"line {line_id!r} has no via point {spec['converge_at']!r}", file=file,
                                    field=f"bellies.{name}.converge_at")
                conv = _path_fraction(poly, via[0].position_mm)
            converge.append(conv)
            spread.append(float(spec.get("spread", 0.0)))
    n_lines = len(ids)
    order = [index[i] for i in ids]
    route_arr = np.array(route)[:, :, order]  # columns in rig order
    rig = BellyRig(
        line_ids=tuple(ids), stations=S, fibres=F, route=route_arr, origin_mm=np.array(origin),
        insertion_offset_mm=np.zeros((n_lines, F, 3)), insertion_body=tuple("femur" for _ in ids),
        thickness_mm=np.ones((n_lines, F, S)), below=np.array(below), side=np.ones(n_lines),
        converge=np.array(converge), spread=np.array(spread), sheet=np.array(sheet, dtype=np.intp),
        origin_normal=np.zeros((n_lines, F, 3)), fibre_length_mm=np.ones((n_lines, F)),
        fascia_from=np.array(fascia) if min(fascia) < 1.0 else None,
        below_over=np.array(below_over) if max(below_over) > 0.0 else None)
    neutral = [polylines[i] for i in order]
    # At the neutral pose the femur frame is the pelvis frame: offsets from the routes' ends.
    ends = rig.fibre_points(neutral, {})[:, :, -1]
    rig = replace(rig, **{"insertion_offset_mm": np.array(insertion) - ends})
    fib = rig.fibre_points(neutral, {})
    normals = sheet_normals(fib, fib[rig.sheet[:, 1], -1] - fib[rig.sheet[:, 0], 0])
    lengths = np.linalg.norm(np.diff(fib, axis=2), axis=-1).sum(axis=2)
    rig = replace(rig, **{"origin_normal": np.round(normals[:, :, 0], 6),
                      "fibre_length_mm": np.round(lengths, 4)})
    facing = np.einsum("md,md->m", normals[:, :, : S // 4].mean(axis=(1, 2)), np.array(outward))
    # One side for a whole muscle (its compartments share their surfaces): the compartments vote.
    side = np.ones(len(ids))
    for name in {g[0] for g in groups}:
        members = [m for m, g in enumerate(groups) if g[0] == name]
        side[members] = 1.0 if facing[members].sum() >= 0 else -1.0
    flesh_arr, tendon_arr = np.array(flesh), np.array(tendon)
    targets = [targets_mm3[i] for i in ids]
    scale, knots = _calibrate(rig, neutral, flesh_arr, tendon_arr, groups, side, targets)
    thickness = np.round(flesh_arr * scale[:, :, None] + tendon_arr, 3)
    rig = replace(rig, **{"thickness_mm": thickness, "side": side})
    # Pushed out of the bones, a belly loses some volume: calibrate again with the bone grids.
    grids = tuple(distance_grids(rig, lines, bone_meshes))
    # Each belly lies on those of lower layers: calibrated with its lifts at the neutral pose,
    # then the lift table over the range of motion is made for the final thickness.
    from viewer.meshgen.layers import constant_lift, lift_at_pose, lift_table

    layer = np.array(layer)
    for _ in range(3):
        rig = constant_lift(rig, lift_at_pose(rig, neutral, {}, grids, layer))
        scale, knots = _calibrate(rig, neutral, flesh_arr, tendon_arr, groups, side, targets, grids, knots)
        rig = replace(rig, thickness_mm=np.round(flesh_arr * scale[:, :, None] + tendon_arr, 3))
    from viewer.meshgen import layers

    nodes = layers.LIFT_NODES if lift_nodes is None else lift_nodes
    return replace(rig, lift_nodes=nodes, lift_mm=lift_table(rig, lines, grids, layer, nodes), lift_unit_mm=1.0), grids


def _calibrate(rig, neutral, flesh, tendon, groups, side, targets, grids=(), knots=None) -> np.ndarray:
    """Peak fleshy thickness ``(n_lines, F)`` (mm) that gives each belly its target volume.

    Compartments of one muscle share their boundary fibres, so the peak is interpolated across
    the muscle between values at the compartment centres, and those values are what is solved for.
    """
    F = rig.fibres
    knots = np.full(len(targets), 10.0) if knots is None else knots
    faces = rig.faces()
    targets = np.asarray(targets, dtype=float)

    def peaks(values):
        out = np.zeros((len(values), F))
        for m, (name, j, n) in enumerate(groups):
            members = [mm for mm, g in enumerate(groups) if g[0] == name]
            centres = (np.arange(n) + 0.5) / n
            u = np.linspace(j / n, (j + 1) / n, F)
            out[m] = np.interp(u, centres, values[members])
        return out

    for _ in range(CALIBRATION_PASSES):
        thick = flesh * peaks(knots)[:, :, None] + tendon
        trial = replace(rig, **{"thickness_mm": thick, "side": side})
        verts = trial.vertices(neutral, {}, grids)
        volumes = np.array([closed_volume(v, faces) for v in verts])
        # Damped: a thick belly on a tightly curved sheet gains volume more slowly than its
        # thickness (and folds if pushed too far), so each pass changes a value by at most 1.5x.
        ratio = np.where(volumes > 0, targets / np.maximum(volumes, 1.0), 0.7)
        knots = knots * np.clip(ratio, 1 / 1.5, 1.5)
    return peaks(knots), knots


#: Grid spacing of the bone distance grids (mm).
GRID_SPACING_MM = 2.0
#: Margin beyond the bone (mm) the grids reach; further out nothing needs pushing.
GRID_MARGIN_MM = 6.0
#: Distances beyond this (mm) are stored as this (with their sign): nothing is pushed from there.
FAR_MM = 8.0
#: Distances below this (mm) are computed exactly; further ones from dense surface samples.
EXACT_BAND_MM = 3.0
#: Poses (flexion, abduction, external rotation; deg) spanning the range of motion, whose belly
#: positions decide where the grids must reach.
REACH_POSES = np.array([(f, a, r) for f in (-20, 30, 75, 120) for a in (-30, 0, 45) for r in (-40, 0, 50)], float)


def _exact_distance(mesh: trimesh.Trimesh, points: np.ndarray) -> np.ndarray:
    import pyvista as pv
    from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
    from vtkmodules.vtkCommonCore import vtkDoubleArray
    from vtkmodules.vtkFiltersCore import vtkImplicitPolyDataDistance

    fn = vtkImplicitPolyDataDistance()
    fn.SetInput(pv.PolyData(np.asarray(mesh.vertices, float),
                            np.hstack([np.full((len(mesh.faces), 1), 3), mesh.faces]).ravel()))
    out = vtkDoubleArray()
    fn.FunctionValue(numpy_to_vtk(np.ascontiguousarray(points, dtype=float)), out)
    return vtk_to_numpy(out).copy()


def signed_distance_grid(mesh: trimesh.Trimesh, lo: np.ndarray, hi: np.ndarray, spacing: float = GRID_SPACING_MM):
    """Signed distances (mm, negative inside) to ``mesh`` on a grid over the box ``lo``..``hi``.

    Returns ``(origin (3,), values (nx, ny, nz))``. Far from the surface the distance is taken to
    the nearest of dense surface samples (sign from its normal); near it, it is exact.
    """
    from scipy import ndimage
    from scipy.spatial import cKDTree

    lo = np.floor(lo / spacing) * spacing
    shape = np.maximum(np.ceil((hi - lo) / spacing).astype(int) + 1, 2)
    axes = [lo[d] + spacing * np.arange(shape[d]) for d in range(3)]
    pts = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    dense = mesh.subdivide_to_size(max_edge=1.0, max_iter=8)
    tree = cKDTree(dense.vertices)
    dist, nearest = tree.query(pts, distance_upper_bound=FAR_MM)
    close = np.isfinite(dist)
    values = np.full(len(pts), FAR_MM)
    sign = np.sign(np.einsum("ij,ij->i", pts[close] - dense.vertices[nearest[close]], dense.vertex_normals[nearest[close]]))
    values[close] = np.where(sign == 0, 1.0, sign) * dist[close]
    # Far cells: outside if connected to the edge of the grid, else deep inside the bone; their
    # distance comes from a distance transform of the inside, so that it keeps a gradient.
    far = (~close).reshape(tuple(shape))
    labels, _ = ndimage.label(far)
    edge = np.unique(np.concatenate([labels[0].ravel(), labels[-1].ravel(), labels[:, 0].ravel(),
                                     labels[:, -1].ravel(), labels[:, :, 0].ravel(), labels[:, :, -1].ravel()]))
    deep = (far & ~np.isin(labels, edge[edge > 0])).ravel()
    inside = (values < 0) | deep
    depth = ndimage.distance_transform_edt(inside.reshape(tuple(shape))).ravel() * spacing
    values[deep] = -np.maximum(depth[deep], FAR_MM)
    near = np.abs(values) < EXACT_BAND_MM
    values[near] = _exact_distance(mesh, pts[near])
    return lo, values.reshape(tuple(shape)).astype(np.float32)


def distance_grids(rig: BellyRig, lines, bone_meshes: dict) -> list:
    """Distance grids of the pelvis (hip bone and sacrum) and the femur, covering every place
    the bellies reach over :data:`REACH_POSES`."""
    from viewer.core.belly import DistanceGrid
    from viewer.core.kinematics import body_transform
    from viewer.core.paths import PathSet

    paths = PathSet(lines)
    index = {line.id: k for k, line in enumerate(lines)}
    in_pelvis, in_femur = [], []
    for pose in REACH_POSES:
        T = body_transform("femur", pose)
        polys = paths.polylines(pose)
        v = rig.vertices([polys[index[i]] for i in rig.line_ids], {"femur": T}).reshape(-1, 3)
        in_pelvis.append(v)
        in_femur.append((v - T[:3, 3]) @ T[:3, :3])
    grids = []
    for body, bones, reach in (("pelvis", ORIGIN_BONES, in_pelvis), ("femur", INSERTION_BONES, in_femur)):
        mesh = trimesh.util.concatenate([bone_meshes[b] for b in bones])
        reach = np.concatenate(reach)
        lo = np.maximum(reach.min(axis=0), mesh.bounds[0] - GRID_MARGIN_MM) - GRID_SPACING_MM
        hi = np.minimum(reach.max(axis=0), mesh.bounds[1] + GRID_MARGIN_MM) + GRID_SPACING_MM
        if body == "pelvis":
            # The two bones are separate closed surfaces: the distance to both is the smaller one.
            origin, values = signed_distance_grid(bone_meshes[bones[0]], lo, hi)
            for other in bones[1:]:
                more = signed_distance_grid(bone_meshes[other], lo, hi)[1]
                # Where the two overlap (the sacroiliac joint) the way out is the shallower one.
                values = np.where((values < 0) & (more < 0), np.maximum(values, more), np.minimum(values, more))
        else:
            origin, values = signed_distance_grid(mesh, lo, hi)
        grids.append(DistanceGrid(body, origin, GRID_SPACING_MM, np.round(values, 2).astype(np.float32)))
    return grids
