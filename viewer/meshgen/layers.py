"""Layers of the muscle bellies: the lift table that keeps each belly on those beneath it.

Every belly has a layer (``layer`` in ``data/bellies.yaml``; 0 lies on the bone). At each node of a
grid of poses, layer by layer upwards, the bellies of a layer are lifted off those of lower
layers where they meet: a deep-face vertex of the upper belly below the lower belly's face, or a
vertex of the lower belly inside the upper one, asks for a lift of the upper belly's deep face
along its outward normal. The lifts are spread over each muscle's sheet (the largest in a 5 x 5
window of fibre points, then the mean over the window: every point moves at least as far as it
asked, and the surface stays smooth). The superficial face follows only by what is left once the
belly is pressed to 30 % of its thickness, as a muscle lying on another is flattened by it rather
than lifted off whole (the build calibrates the volume with the lifts at the neutral pose).
What is still left where two bellies meet is resolved on the closed meshes as drawn
(:mod:`viewer.meshgen.settle`: the upper belly lifted further, the lower one pressed down). The
table (:attr:`viewer.core.belly.BellyRig.lift_mm`) is interpolated between the nodes at display
time.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from viewer.core.belly import (
    LIFT_PRESS_LIMIT,
    LIFT_PRESS_SHARE,
    BellyRig,
    belly_faces,
    closed_volume,
    push_out,
)
from viewer.meshgen.settle import settle

#: Node poses of the lift table (deg): flexion, abduction, external rotation over the range of motion
#: (the neutral pose is a node, so the meshes and volumes at neutral are those calibrated).
LIFT_NODES = (np.linspace(-20.0, 120.0, 15), np.linspace(-30.0, 45.0, 6), np.linspace(-40.0, 50.0, 10))
#: Clearance (mm) kept between a belly and one of a lower layer under it (a little more than
#: nothing, so that interpolation between nodes keeps them apart).
CLEARANCE_MM = 1.5
#: Share of an upper belly's thickness by which a lower one may press it before lifting it.
PRESS_SHARE = LIFT_PRESS_SHARE
#: Largest lift (mm) one point may ask for in one pass, largest in all, and passes per layer.
MAX_STEP_MM = 25.0
MAX_LIFT_MM = 25.0
#: Largest lift (mm) once the bellies are settled on the meshes as drawn (a superficial belly
#: such as gluteus maximus stands further off where the hip flexes under it).
SETTLE_MAX_LIFT_MM = 50.0
SETTLE_PRESS_SHARE = LIFT_PRESS_LIMIT
#: Settling may not bring a belly's volume below this share of what it was before.
KEEP_VOLUME_SHARE = 0.15
#: Times the bellies may settle again about one that settling would crumple.
RESETTLE = 3
#: Where the two bellies' outward normals are nearer perpendicular than this (cosine), they do
#: not lie one on the other there (an edge or a twist) and no lift is asked.
MIN_FACING = 0.3
PASSES = 4
#: Nearest points looked at for each vertex.
NEAREST = 4
#: A vertex counts as over (or under) another belly's fibre point within this share of the
#: diagonal of that belly's widest neighbouring cell.
REACH_SHARE = 0.6
#: Half-width (fibre points) of the window over which a lift is spread.
SPREAD = 2


def _cell_reach2(face: np.ndarray) -> np.ndarray:
    """Squared reach ``(n, F, S)`` of each vertex of faces ``(n, F, S, 3)``."""
    across = np.linalg.norm(np.diff(face, axis=1), axis=-1)
    along = np.linalg.norm(np.diff(face, axis=2), axis=-1)
    wide = np.maximum(np.pad(across, ((0, 0), (1, 0), (0, 0)), mode="edge"),
                      np.pad(across, ((0, 0), (0, 1), (0, 0)), mode="edge"))
    long = np.maximum(np.pad(along, ((0, 0), (0, 0), (1, 0)), mode="edge"),
                      np.pad(along, ((0, 0), (0, 0), (0, 1)), mode="edge"))
    return REACH_SHARE ** 2 * (wide * wide + long * long)


def _sheets(rig: BellyRig, lines: np.ndarray):
    """Sheet index of every fibre point of ``lines`` (whole muscles, compartments sharing their
    boundary fibres) and the sheets' 5 x 5 neighbour table (padded with one past the end) with
    its valid counts."""
    F, S = rig.fibres, rig.stations
    index = np.full(len(rig.line_ids) * F * S, -1, dtype=np.intp)
    nbr, offset = [], 0
    for first in sorted({int(rig.sheet[m, 0]) for m in lines}):
        members = [m for m in lines if rig.sheet[m, 0] == first]
        width = (max(members) - first + 1) * (F - 1) + 1
        for m in members:
            k = (m - first) * (F - 1) + np.arange(F)
            index[m * F * S + np.arange(F * S)] = offset + (k[:, None] * S + np.arange(S)).ravel()
        gk, gi = np.meshgrid(np.arange(width), np.arange(S), indexing="ij")
        d = np.arange(-SPREAD, SPREAD + 1)
        nk = gk.ravel()[:, None, None] + d[None, :, None]
        ni = gi.ravel()[:, None, None] + d[None, None, :]
        valid = (nk >= 0) & (nk < width) & (ni >= 0) & (ni < S)
        nbr.append(np.where(valid, offset + nk * S + ni, -1).reshape(width * S, -1))
        offset += width * S
    nbr = np.concatenate(nbr)
    count = (nbr >= 0).sum(axis=1)
    nbr[nbr < 0] = offset
    return index, nbr, count


def _depth_in(y: np.ndarray, tree, centre, nd, half, reach2) -> np.ndarray:
    """How deep (mm, 0 outside) each point ``y`` lies in the lower bellies of ``tree``."""
    _, near = tree.query(y, k=2 * NEAREST)
    depth = np.zeros(len(y))
    for j in range(2 * NEAREST):
        c = near[:, j]
        v = y - centre[c]
        h = np.einsum("ij,ij->i", v, nd[c])
        inside = (np.einsum("ij,ij->i", v, v) - h * h < reach2[c]) & (np.abs(h) < half[c])
        depth = np.maximum(depth, np.where(inside, half[c] - np.abs(h), 0.0))
    return depth


def _spread(raw: np.ndarray, nbr: np.ndarray, count: np.ndarray) -> np.ndarray:
    widest = np.append(raw[nbr].max(axis=1), 0.0)
    return widest[nbr].sum(axis=1) / count


def lift_at_pose(rig: BellyRig, polylines, matrices: dict, grids, layer: np.ndarray) -> np.ndarray:
    """Lift ``(2, n_lines * F * S)`` (mm) of the deep and superficial faces at one pose."""
    from scipy.spatial import cKDTree

    n, F, S = len(rig.line_ids), rig.fibres, rig.stations
    FS = F * S
    bare = replace(rig, lift_mm=None)
    verts = bare.vertices(polylines, matrices, grids).reshape(n, 2, FS, 3)
    out = (bare.normals(bare.fibre_points(polylines, matrices)).reshape(n, FS, 3) * rig.side[:, None, None]).reshape(-1, 3)
    deep_block = np.where(rig.side > 0, 0, 1)
    deep0 = verts[np.arange(n), deep_block].reshape(-1, 3)
    top0 = verts[np.arange(n), 1 - deep_block].reshape(-1, 3)
    lift = np.zeros((2, n * FS))
    faces = belly_faces(S, F)
    unlifted = np.array([closed_volume(v.reshape(-1, 3), faces) for v in verts])
    thick_unlifted = np.einsum("ij,ij->i", top0 - deep0, out)
    drawn = lambda now: constant_lift(rig, now).vertices(polylines, matrices, grids)
    spread = lambda raw, lines: _spread_lines(rig, raw, lines)
    for value in np.unique(layer)[1:]:
        upper_lines = np.flatnonzero(layer == value)
        lower_lines = np.flatnonzero(layer < value)
        cols = (upper_lines[:, None] * FS + np.arange(FS)).ravel()
        low = (lower_lines[:, None] * FS + np.arange(FS)).ravel()
        index, nbr, count = _sheets(rig, upper_lines)
        a = deep0[low] + out[low] * lift[0, low, None]
        b = top0[low] + out[low] * lift[1, low, None]
        centre = 0.5 * (a + b)
        nd = out[low]
        half = 0.5 * np.abs(np.einsum("ij,ij->i", b - a, nd))
        faces_low = np.stack([a, b], axis=1).reshape(len(low), 2, 3)
        reach_low = _cell_reach2((top0 + out * lift[1, :, None]).reshape(n, F, S, 3)).reshape(-1)[low]
        thick0 = np.einsum("ij,ij->i", top0[cols] - deep0[cols], out[cols])
        tree_low = cKDTree(centre)
        for _ in range(PASSES):
            p = deep0[cols] + out[cols] * lift[0, cols, None]
            q = top0[cols] + out[cols] * lift[1, cols, None]
            o = out[cols]
            thick = np.einsum("ij,ij->i", q - p, o)
            raw = np.zeros(len(nbr) + 1)
            # The upper belly's deep face inside or under the lower belly.
            _, near = tree_low.query(p, k=NEAREST)
            for j in range(NEAREST):
                c = near[:, j]
                facing = np.einsum("ij,ij->i", o, nd[c])
                nn = nd[c] * np.where(facing < 0.0, -1.0, 1.0)[:, None]
                hp = np.einsum("ij,ij->i", p - centre[c], nn)
                hq = np.einsum("ij,ij->i", q - centre[c], nn)
                v = p - centre[c]
                lateral2 = np.einsum("ij,ij->i", v, v) - hp * hp
                meet = ((lateral2 < reach_low[c]) & (np.minimum(hp, hq) < half[c] + CLEARANCE_MM)
                        & (np.maximum(hp, hq) > -half[c]) & (np.abs(facing) > MIN_FACING))
                need = (half[c] + CLEARANCE_MM - np.minimum(hp, hq)) / np.maximum(np.abs(facing), MIN_FACING)
                np.maximum.at(raw, index[cols[meet]], np.minimum(need[meet], MAX_STEP_MM))
            # Vertices of the lower belly inside the upper one.
            reach_up = _cell_reach2(p.reshape(-1, F, S, 3)).reshape(-1)
            tree_up = cKDTree(p)
            # (only where the rest of the lower belly lies deeper along the upper one's normal: a
            # lower belly that reaches over the upper one there is not lifted through)
            x = faces_low.reshape(-1, 3)
            x_centre = np.repeat(centre, 2, axis=0)
            x_normal = np.repeat(nd, 2, axis=0)
            _, near = tree_up.query(x, k=NEAREST)
            for j in range(NEAREST):
                c = near[:, j]
                v = x - p[c]
                h = np.einsum("ij,ij->i", v, o[c])
                lateral2 = np.einsum("ij,ij->i", v, v) - h * h
                below = np.einsum("ij,ij->i", x_centre - x, o[c]) < 0.0
                facing = np.abs(np.einsum("ij,ij->i", x_normal, o[c])) > MIN_FACING
                meet = ((lateral2 < reach_up[c]) & (h > -CLEARANCE_MM) & (h < thick[c] + CLEARANCE_MM) & below
                        & facing)
                np.maximum.at(raw, index[cols[c[meet]]], np.minimum(h[meet] + CLEARANCE_MM, MAX_STEP_MM))
            if raw.max() < 0.05:
                break
            rise = _spread(raw, nbr, count)[index[cols]]
            lift[0, cols] = np.minimum(lift[0, cols] + rise, MAX_LIFT_MM)
            lift[1, cols] = np.maximum(lift[0, cols] - PRESS_SHARE * thick0, 0.0)
        # Where the outward normal is skewed (a twisted part of a sheet at a far pose), a lift
        # can carry a deep-face vertex into another lower belly or into a bone: there it is cut
        # back to the share of it that leaves the vertex least deep in either.
        shares = np.array([1.0, 0.75, 0.5, 0.25, 0.0])
        depth = []
        for share in shares:
            y = deep0[cols] + out[cols] * (share * lift[0, cols])[:, None]
            z = top0[cols] + out[cols] * np.maximum(share * lift[0, cols] - PRESS_SHARE * thick0, 0.0)[:, None]
            # ... or into a bone (how far the bone push-out would have to move it).
            bone = np.linalg.norm(push_out(y, grids, matrices, passes=2) - y, axis=1) if grids else 0.0
            depth.append(_depth_in(y, tree_low, centre, nd, half, reach_low)
                         + _depth_in(z, tree_low, centre, nd, half, reach_low) + 2.0 * bone)
        depth = np.stack(depth)
        best = shares[np.argmin(depth - 1e-3 * shares[:, None], axis=0)]
        lift[0, cols] *= best
        lift[1, cols] = np.maximum(lift[0, cols] - PRESS_SHARE * thick0, 0.0)
        _keep_right_side_out(rig, upper_lines, lift, drawn, unlifted, faces)
        layered = lift.copy()
        settle(rig, upper_lines, lower_lines, out, thick_unlifted, lift, drawn, spread, SETTLE_MAX_LIFT_MM, SETTLE_PRESS_SHARE)
        # A belly that settling would crumple (a sheet already folded by an extreme pose, or one
        # squeezed flat between two others, whose volume then collapses) keeps the lifts it had
        # before and is held there while the bellies about it settle again, taking all of each
        # overlap with it.
        held = np.zeros(0, dtype=int)
        before = None
        for attempt in range(RESETTLE + 1):
            if np.array_equal(layered, lift):
                break
            before = drawn(layered) if before is None else before
            after = drawn(lift)
            crumpled = [m for m in np.concatenate([upper_lines, lower_lines])
                        if closed_volume(after[m], faces) < KEEP_VOLUME_SHARE * closed_volume(before[m], faces)]
            for m in crumpled:
                lift[:, m * FS:(m + 1) * FS] = layered[:, m * FS:(m + 1) * FS]
            # (a belly already held that is still crumpled was so before settling: settling again
            # about the same held bellies would change nothing)
            if not np.setdiff1d(crumpled, held).size or attempt == RESETTLE:
                break
            held = np.union1d(held, crumpled)
            settle(rig, upper_lines, lower_lines, out, thick_unlifted, lift, drawn, spread, SETTLE_MAX_LIFT_MM,
                   SETTLE_PRESS_SHARE, fixed=held)
    return lift


def _keep_right_side_out(rig: BellyRig, lines, lift: np.ndarray, drawn, unlifted: np.ndarray, faces) -> None:
    """Scale back, in place, the lifts of those of ``lines`` that they fold over themselves.

    Where a sheet twists, its deep face lifted along a skewed normal can pass its superficial
    one and turn the belly inside out (medius's posterior part in extension with abduction and
    internal rotation): such a belly, keeping less than :data:`KEEP_VOLUME_SHARE` of its unlifted
    volume ``unlifted``, is lifted half as far, a quarter, then not at all. (A belly folded before
    any lift is left as it is: no lift can unfold it.)
    """
    FS = rig.fibres * rig.stations
    full = lift.copy()
    for share in (0.5, 0.25, 0.0):
        now = drawn(lift)
        folded = [m for m in lines
                  if unlifted[m] > 0.0 and closed_volume(now[m], faces) < KEEP_VOLUME_SHARE * unlifted[m]]
        if not folded:
            return
        for m in folded:
            lift[:, m * FS:(m + 1) * FS] = share * full[:, m * FS:(m + 1) * FS]


def _spread_lines(rig: BellyRig, raw: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """``raw`` (one value per fibre point of every line) spread over the sheets of ``lines``."""
    FS = rig.fibres * rig.stations
    index, nbr, count = _sheets(rig, lines)
    cols = (np.asarray(lines)[:, None] * FS + np.arange(FS)).ravel()
    per_sheet = np.zeros(len(nbr) + 1)
    np.maximum.at(per_sheet, index[cols], raw[cols])
    spread = np.zeros_like(raw)
    spread[cols] = _spread(per_sheet, nbr, count)[index[cols]]
    return spread


def lift_table(rig: BellyRig, lines, grids, layer: np.ndarray, nodes=None) -> np.ndarray:
    """The lift table ``(len(nodes[0]), len(nodes[1]), len(nodes[2]), 2, n_lines * F * S)`` (float32).

    The node poses are independent of one another: they are shared out over the machine's cores
    (the result does not depend on how many).
    """
    import os
    from concurrent.futures import ProcessPoolExecutor

    nodes = LIFT_NODES if nodes is None else nodes
    table = np.zeros((*(len(x) for x in nodes), 2, len(rig.line_ids) * rig.fibres * rig.stations), np.float32)
    work = [(rig, lines, grids, layer, (f, nodes[1], nodes[2])) for f in nodes[0]]
    workers = min(len(work), os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            rows = list(pool.map(_lift_row, work))
    else:
        rows = [_lift_row(w) for w in work]
    for i, row in enumerate(rows):
        table[i] = row
    return table


def _lift_row(work) -> np.ndarray:
    """Lifts at the node poses of one flexion angle ``(n_abduction, n_rotation, 2, N)``."""
    from viewer.core.kinematics import body_transform
    from viewer.core.paths import PathSet

    rig, lines, grids, layer, (f, abductions, rotations) = work
    paths = PathSet(lines)
    index = {line.id: k for k, line in enumerate(lines)}
    row = np.zeros((len(abductions), len(rotations), 2, len(rig.line_ids) * rig.fibres * rig.stations), np.float32)
    for j, a in enumerate(abductions):
        for k, r in enumerate(rotations):
            pose = np.array([f, a, r])
            polys = paths.polylines(pose)
            row[j, k] = lift_at_pose(rig, [polys[index[x]] for x in rig.line_ids],
                                     {"femur": body_transform("femur", pose)}, grids, layer)
    return row


def constant_lift(rig: BellyRig, lift: np.ndarray) -> BellyRig:
    """``rig`` with a lift table that gives ``lift`` ``(2, N)`` (mm) at every pose."""
    nodes = tuple(np.array([-1e3, 1e3]) for _ in range(3))
    table = np.broadcast_to(lift.astype(np.float32), (2, 2, 2, *lift.shape)).copy()
    return replace(rig, lift_nodes=nodes, lift_mm=table, lift_unit_mm=1.0)
