"""Muscle bellies as sheets of display fibres between attachment footprints.

A belly is drawn from ``fibres`` display fibres, each running from a point of the origin
footprint (fixed to the pelvis) to a point of the insertion footprint (fixed to the femur).
Every fibre follows the muscle's mechanics line (or, for a muscle in compartments, a blend of
the neighbouring compartments' lines, so that compartments share their boundary fibres): at
each of ``stations`` points along it, the fibre is the line's point shifted by an offset that
starts as the footprint offset at the origin and blends into the footprint offset at the
insertion. The closed surface is that sheet of fibres given a thickness: each display vertex
is a fibre point moved along the sheet normal by a stored distance, so a pose change only
re-evaluates the fibres (a few array operations for all muscles at once) and the topology never
changes.

Vertex layout of one belly (``n = stations * fibres``): vertex ``k * stations + i`` of the
deep face is fibre ``k`` at station ``i``; the superficial face follows at ``n + k * stations + i``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from viewer.core.kinematics import pose_from_rotation
from viewer.core.sweep import resample_polyline


#: Path fraction over which a belly's normal (and thickness) turn from their fixed values at the
#: origin footprint to those of the moving sheet.
ORIGIN_NORMAL_SPAN = 0.15


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def belly_faces(stations: int, fibres: int) -> np.ndarray:
    """Triangles of a closed belly of ``stations`` by ``fibres``; shape ``(4 (S-1)(F-1) + 4 (S-1) + 4 (F-1), 3)``.

    Wound so that normals point outwards when the superficial face lies on the side of the
    sheet normal ``cross(d fibre / d station, d fibre / d across)``.
    """
    S, F = stations, fibres
    n = S * F
    k = np.arange(F - 1)[:, None]
    i = np.arange(S - 1)[None, :]
    a = k * S + i          # (k, i)
    b = a + 1              # (k, i+1)
    c = a + S              # (k+1, i)
    d = c + 1              # (k+1, i+1)
    top = np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)]) + n
    bottom = np.concatenate([np.stack([a, d, b], -1).reshape(-1, 3), np.stack([a, c, d], -1).reshape(-1, 3)])
    walls = []
    # Edges of the sheet: fibre 0 and fibre F-1 along the stations, station 0 and S-1 across.
    ring0 = np.arange(S - 1)
    for lo, hi, flip in ((ring0, ring0 + 1, False), ((F - 1) * S + ring0, (F - 1) * S + ring0 + 1, True)):
        q = np.stack([lo, hi, hi + n], -1), np.stack([lo, hi + n, lo + n], -1)
        tri = np.concatenate(q)
        walls.append(tri[:, ::-1] if flip else tri)
    across = np.arange(F - 1) * S
    for lo, hi, flip in ((across, across + S, True), (across + S - 1, across + 2 * S - 1, False)):
        tri = np.concatenate([np.stack([lo, hi, hi + n], -1), np.stack([lo, hi + n, lo + n], -1)])
        walls.append(tri[:, ::-1] if flip else tri)
    return np.concatenate([bottom, top, *walls]).astype(np.int64)


def closed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Volume (mm^3) enclosed by a closed, outward-wound triangle mesh."""
    v = np.asarray(vertices, dtype=float)[faces]
    return float(np.einsum("ij,ij->i", v[:, 0], np.cross(v[:, 1], v[:, 2])).sum() / 6.0)


@dataclass(frozen=True)
class BellyRig:
    """The display fibres of every belly, ready to be evaluated at any pose.

    Attributes
    ----------
    line_ids : tuple of str
        One belly per muscle line, in this order.
    stations, fibres : int
        Points along each fibre; fibres across each belly.
    route : numpy.ndarray
        ``(n_lines, fibres, n_lines)``: fibre ``k`` of belly ``m`` follows the weighted sum of
        the lines' resampled paths ``route[m, k] @ paths``; each row sums to 1.
    origin_mm : numpy.ndarray
        ``(n_lines, fibres, 3)``: origin footprint points, pelvis frame.
    insertion_offset_mm : numpy.ndarray
        ``(n_lines, fibres, 3)``: insertion footprint points relative to the end of each fibre's
        route, in the frame of ``insertion_body`` (so a belly whose line is drawn retracted
        keeps its footprint shape at the retracted end).
    insertion_body : tuple of str
        ``"pelvis"`` or ``"femur"`` per line.
    thickness_mm : numpy.ndarray
        ``(n_lines, fibres, stations)``: belly thickness at every fibre point.
    below : numpy.ndarray
        ``(n_lines,)``: fraction of the thickness on the deep side of the fibre sheet.
    converge : numpy.ndarray
        ``(n_lines,)``: path fraction by which the fibres have gathered from the origin
        footprint onto the line (1 = only at the insertion; less where the muscle leaves the
        pelvis through a notch).
    spread : numpy.ndarray
        ``(n_lines,)``: path fraction from which the fibres fan out to the insertion footprint.
    origin_normal : numpy.ndarray
        ``(n_lines, fibres, 3)``: the sheet normal at the origin footprint (pelvis frame). The
        origin does not move with the femur, so near it the normal blends from this fixed one
        into the one of the moving sheet, which keeps the footprint still at every pose.
    fibre_length_mm : numpy.ndarray
        ``(n_lines, fibres)``: each display fibre's length at the neutral pose. A fibre
        lengthened by the pose thins (and a shortened one thickens) with the square root of
        the length ratio, its share of the change of cross-section that keeps a muscle's volume.
    sheet : numpy.ndarray
        ``(n_lines, 2)`` line indices: the belly's thickness is laid off across the sheet from
        the first fibre of line ``sheet[m, 0]`` to the last fibre of line ``sheet[m, 1]`` (the
        whole muscle, so that its compartments share their boundary surfaces).
    side : numpy.ndarray
        ``(n_lines,)``: +1 or -1, which side of the sheet (by its normal) is superficial.
    lift_nodes : tuple of numpy.ndarray
        Flexion, abduction and external rotation (deg, increasing) of the nodes of :attr:`lift_mm`.
    below_over : numpy.ndarray or None
        ``(n_lines,)``: path fraction over which the deep share grows from 0 at the origin to
        :attr:`below` (0: ``below`` all along).
    fascia_from : numpy.ndarray or None
        ``(n_lines,)``: path fraction from which a belly is drawn in the colour of fascia (1: not
        at all); see :meth:`fascia_share`.
    lift_mm : numpy.ndarray or None
        ``(n_flexion, n_abduction, n_rotation, 2, n_lines * fibres * stations)``: how far each
        fibre point's deep and superficial vertices move along the belly's outward normal at
        each node pose, so that a belly lies on those of lower layers (gluteus minimus under
        medius under maximus, the rotators under maximus) instead of passing through them.
        Computed by the mesh build; at other poses it is interpolated (trilinear, clamped to the
        nodes' range), which costs a few small array operations per pose. Held in units of
        :attr:`lift_unit_mm` (a loaded table stays in its stored 16-bit steps of 0.1 mm, half the
        memory of floats and nothing to convert when the model loads).
    lift_unit_mm : float
        Millimetres per unit of :attr:`lift_mm`.
    """

    line_ids: tuple[str, ...]
    stations: int
    fibres: int
    route: np.ndarray
    origin_mm: np.ndarray
    insertion_offset_mm: np.ndarray
    insertion_body: tuple[str, ...]
    thickness_mm: np.ndarray
    below: np.ndarray
    side: np.ndarray
    converge: np.ndarray
    spread: np.ndarray
    sheet: np.ndarray
    origin_normal: np.ndarray
    fibre_length_mm: np.ndarray
    lift_nodes: tuple = ()
    lift_mm: np.ndarray | None = None
    lift_unit_mm: float = 1.0
    fascia_from: np.ndarray | None = None
    below_over: np.ndarray | None = None

    def fascia_share(self, m: int) -> np.ndarray:
        """How far ``(2 * fibres * stations,)`` (0..1) each vertex of belly ``m`` is drawn as fascia
        or tendon rather than muscle: 0 up to :attr:`fascia_from`, rising to 1 over a tenth
        of the path after it (the iliotibial tract below tensor fasciae latae)."""
        start = 1.0 if self.fascia_from is None else float(self.fascia_from[m])
        s = np.linspace(0.0, 1.0, self.stations)
        share = _smoothstep((s - start) / 0.1) if start < 1.0 else np.zeros(self.stations)
        return np.tile(share, 2 * self.fibres)

    def faces(self) -> np.ndarray:
        """Triangles of every belly (the same for all), ``(m, 3)``."""
        return belly_faces(self.stations, self.fibres)

    def fibre_points(self, polylines, matrices: dict[str, np.ndarray]) -> np.ndarray:
        """Fibre points ``(n_lines, fibres, stations, 3)`` in the pelvis frame.

        ``polylines``: one path ``(k, 3)`` per line of :attr:`line_ids` (pelvis frame);
        ``matrices``: 4x4 from each insertion body's frame to the pelvis frame.
        """
        S = self.stations
        paths = np.stack([resample_polyline(p, S) for p in polylines])           # (L, S, 3)
        routes = np.einsum("mkl,lsd->mksd", self.route, paths)                    # (L, F, S, 3)
        end = self.insertion_offset_mm.copy()
        for body in set(self.insertion_body):
            T = matrices.get(body, np.eye(4))
            rows = np.array([b == body for b in self.insertion_body])
            end[rows] = end[rows] @ T[:3, :3].T
        s = np.linspace(0.0, 1.0, S)[None, :]
        w_origin = 1.0 - _smoothstep(s / self.converge[:, None])
        w_insertion = _smoothstep((s - self.spread[:, None]) / (1.0 - self.spread[:, None]))
        start = (self.origin_mm - routes[:, :, 0])[:, :, None, :]
        end = end[:, :, None, :]
        fib = routes + w_origin[:, None, :, None] * start + w_insertion[:, None, :, None] * end
        # (rounded where the routes turn at a via point: see :func:`_fibre_rounding`)
        return _fibre_rounding(S) @ fib

    def normals(self, fib: np.ndarray) -> np.ndarray:
        """Unit sheet normals ``(n_lines, fibres, stations, 3)`` of fibre points ``fib``."""
        chord = fib[self.sheet[:, 1], -1] - fib[self.sheet[:, 0], 0]         # (L, S, 3)
        normal = sheet_normals(fib, chord)
        fixed = _smoothstep(np.linspace(0.0, 1.0, self.stations) / ORIGIN_NORMAL_SPAN)[None, None, :, None]
        normal = fixed * normal + (1.0 - fixed) * self.origin_normal[:, :, None, :]
        return normal / np.maximum(np.linalg.norm(normal, axis=-1, keepdims=True), 1e-12)

    def vertices(self, polylines, matrices: dict[str, np.ndarray], grids=()) -> np.ndarray:
        """Closed-belly vertices ``(n_lines, 2 * fibres * stations, 3)`` at one pose.

        With bone distance ``grids`` (:class:`DistanceGrid`), vertices that would lie inside a
        bone are moved out to its surface: first each deep-face vertex together with the
        superficial vertex above it (so the belly keeps its thickness and does not turn inside
        out), then any vertex still inside on its own.
        """
        fib = self.fibre_points(polylines, matrices)
        normal = self.normals(fib)
        length = np.linalg.norm(np.diff(fib, axis=2), axis=-1).sum(axis=2)     # (L, F)
        stretch = np.sqrt(self.fibre_length_mm / np.maximum(length, 1e-6))[:, :, None]
        # The origin footprint keeps its thickness (it is fixed to the bone); the rest of the
        # belly thins as its fibres lengthen and thickens as they shorten. A muscle's
        # cross-section varies inversely with its length; the change is shared between its
        # thickness and its width, so the thickness goes with the square root of the ratio (a
        # sheet drawn thickening by the whole ratio piles up on its neighbours when short).
        free = _smoothstep(np.linspace(0.0, 1.0, self.stations) / ORIGIN_NORMAL_SPAN)[None, None, :]
        h = (self.thickness_mm * (1.0 + free * (stretch - 1.0)))[..., None]
        # The face on the sheet normal's side is the second block (the winding of the
        # triangles says so); ``side`` says whether that face is the superficial one.
        below = self.below[:, None]
        if self.below_over is not None:
            # Near the origin the whole thickness is on the outer side (the footprint lies on
            # the bone, which may be a thin plate); the deep share grows to ``below`` further on.
            s = np.linspace(0.0, 1.0, self.stations)[None, :]
            below = below * _smoothstep(s / np.maximum(self.below_over[:, None], 1e-6))
            below = np.where(self.below_over[:, None] > 0.0, below, self.below[:, None])
        deep_share = np.where(self.side[:, None] > 0, below, 1.0 - below)[:, None, :, None]
        back = fib - normal * h * deep_share
        front = fib + normal * h * (1.0 - deep_share)
        n = len(self.line_ids)
        verts = np.stack([back.reshape(n, -1, 3), front.reshape(n, -1, 3)], axis=1)    # (L, 2, F*S, 3)
        if grids:
            deep_block = np.where(self.side > 0, 0, 1)
            lines = np.arange(n)
            deep = verts[lines, deep_block].reshape(-1, 3)
            delta = (push_out(deep, grids, matrices) - deep).reshape(n, 1, -1, 3)
            verts = verts + delta
            top = verts[lines, 1 - deep_block].reshape(-1, 3)
            verts[lines, 1 - deep_block] = push_out(top, grids, matrices).reshape(n, -1, 3)
            # A superficial vertex pushed past its deep partner would fold the belly: it stops
            # at the deep face instead (the belly is pressed flat there).
            across = np.einsum("lvd,lvd->lv", verts[:, 1] - verts[:, 0], normal.reshape(n, -1, 3))
            inverted = np.minimum(across, 0.0)[..., None] * normal.reshape(n, -1, 3)
            verts[lines, 1 - deep_block] -= np.where((deep_block == 0)[:, None, None], inverted, -inverted)
        lift = self.lift_at(matrices)
        if lift is not None:
            # Lifted off the bellies of lower layers (see :attr:`lift_mm`).
            out = (normal.reshape(n, -1, 3) * self.side[:, None, None]).reshape(-1, 3)
            deep_block = np.where(self.side > 0, 0, 1)
            lines = np.arange(n)
            # A belly is pressed to no less than 1 - LIFT_PRESS_LIMIT of its thickness at this pose.
            thick = np.einsum("ij,ij->i", (verts[lines, 1 - deep_block] - verts[lines, deep_block]).reshape(-1, 3), out)
            lift[1] = np.maximum(lift[1], lift[0] - LIFT_PRESS_LIMIT * np.maximum(thick, 0.0))
            for face, block in ((0, deep_block), (1, 1 - deep_block)):
                verts[lines, block] += (out * lift[face, :, None]).reshape(n, -1, 3)
            if grids:
                # A lift along a normal skewed by the pose can reach into a bone: the lifted
                # points are pushed out again (the deep face with the superficial one above it),
                # and so are superficial faces pressed down onto a curved bone. (A lift or press
                # smaller than the clearance cannot take a point into a bone.)
                moved = np.flatnonzero((lift[0] > CLEARANCE_MM) | (lift[1] < -CLEARANCE_MM))
                if len(moved):
                    deep = verts[lines, deep_block].reshape(-1, 3)
                    top = verts[lines, 1 - deep_block].reshape(-1, 3)
                    delta = push_out(deep[moved], grids, matrices) - deep[moved]
                    deep[moved] += delta
                    top[moved] = push_out(top[moved] + delta, grids, matrices)
                    # (never past the deep face: pressed flat there, as above)
                    across = np.einsum("ij,ij->i", top[moved] - deep[moved], out[moved])
                    top[moved] -= np.minimum(across, 0.0)[:, None] * out[moved]
                    verts[lines, deep_block] = deep.reshape(n, -1, 3)
                    verts[lines, 1 - deep_block] = top.reshape(n, -1, 3)
        return verts.reshape(n, -1, 3)

    def lift_at(self, matrices: dict[str, np.ndarray]) -> np.ndarray | None:
        """Lift ``(2, n_lines * fibres * stations)`` (mm) of the deep and superficial faces at the
        pose of ``matrices["femur"]``, interpolated in :attr:`lift_mm`; ``None`` without a table."""
        if self.lift_mm is None:
            return None
        T = matrices.get("femur", np.eye(4))
        pose = pose_from_rotation(T[:3, :3])[0]
        corner, weight = [], []
        for axis, nodes in enumerate(self.lift_nodes):
            x = float(np.clip(pose[axis], nodes[0], nodes[-1]))
            i = int(np.clip(np.searchsorted(nodes, x, side="right") - 1, 0, len(nodes) - 2))
            t = (x - nodes[i]) / (nodes[i + 1] - nodes[i])
            corner.append(slice(i, i + 2))
            weight.append(np.array([1.0 - t, t]))
        # Each corner's lift counts in full once its trilinear weight reaches 1/8 (and fades
        # to nothing as the weight does): the largest of them is taken, so that a pose between
        # nodes is lifted as far as the nearer node poses need (a plain blend would lift half
        # way where two bellies meet at one node and not at the next), and the lift changes
        # continuously from cell to cell.
        w = np.minimum(1.0, 8.0 * np.einsum("i,j,k->ijk", *weight))
        w = w * self.lift_unit_mm
        block = (self.lift_mm[corner[0], corner[1], corner[2]] * w[..., None, None]).reshape(8, 2, -1)
        # (a superficial face pressed down under a belly of a higher layer has a negative lift:
        # the deepest press of the corners is taken in the same way)
        return np.maximum(block.max(axis=0), 0.0) + np.minimum(block.min(axis=0), 0.0)

#: Share of a belly's thickness by which one of a lower layer may press it (:attr:`BellyRig.lift_mm`).
LIFT_PRESS_SHARE = 0.7
#: Share of a belly's thickness by which it may be pressed in all: where two bellies still meet
#: once the upper one is lifted as far as it may be, both are pressed further, to no less than
#: 20 % of their thickness (:mod:`viewer.meshgen.settle`).
LIFT_PRESS_LIMIT = 0.8


def sheet_normals(fib: np.ndarray, chord: np.ndarray | None = None) -> np.ndarray:
    """Unit normals ``cross(d/d station, chord)`` of fibre sheets ``(..., F, S, 3)``.

    ``chord`` ``(..., S, 3)`` runs across the sheet at each station (by default from its first
    to its last fibre), the same for all fibres of that station: the thickness is then laid off
    in nearly parallel directions across a curved sheet, so a thick belly on a trough-shaped
    sheet does not fold into itself.
    """
    along = np.gradient(fib, axis=-2)
    if chord is None:
        chord = fib[..., -1, :, :] - fib[..., 0, :, :]
    n = _along_stations_smoothed(np.cross(along, chord[..., None, :, :]))
    length = np.linalg.norm(n, axis=-1, keepdims=True)
    return n / np.maximum(length, 1e-12)


#: Binomial weights with which a sheet's normals are averaged along its fibres (11 stations,
#: about a third of a belly's length): where the fibres turn sharply at a via point (gluteus
#: maximus over the greater trochanter with the femur rotated), a thick belly's inner face,
#: laid off along normals that turn within one station, would fold into itself; spread over
#: several stations the turn is gentle enough for the belly's thickness.
NORMAL_SMOOTHING = np.array([1, 10, 45, 120, 210, 252, 210, 120, 45, 10, 1], dtype=float) / 1024.0
#: Binomial weights and passes with which the display fibres are rounded along their length.
FIBRE_ROUNDING = (np.array([1, 8, 28, 56, 70, 56, 28, 8, 1], dtype=float) / 256.0, 2)


def _along_stations_smoothed(n: np.ndarray) -> np.ndarray:
    """``n`` ``(..., S, 3)`` averaged along the station axis with :data:`NORMAL_SMOOTHING`."""
    return _normal_smoothing(n.shape[-2]) @ n


@lru_cache(maxsize=4)
def _normal_smoothing(stations: int) -> np.ndarray:
    """The :data:`NORMAL_SMOOTHING` average of ``stations`` stations as a matrix (built once)."""
    matrix = _station_average(NORMAL_SMOOTHING, stations)
    matrix.setflags(write=False)
    return matrix


def _station_average(weights: np.ndarray, stations: int) -> np.ndarray:
    """``(S, S)`` matrix that replaces each of ``S`` stations by the average of its neighbours
    with ``weights`` (centred; the end values repeated beyond the ends): one matrix product per
    frame instead of a sum of shifted copies."""
    half = len(weights) // 2
    matrix = np.zeros((stations, stations))
    for s in range(stations):
        for k, w in enumerate(weights):
            matrix[s, min(max(s + k - half, 0), stations - 1)] += w
    return matrix


@lru_cache(maxsize=4)
def _fibre_rounding(stations: int) -> np.ndarray:
    """``(S, S)`` matrix that rounds a fibre's corners: each interior point moves towards the
    :data:`FIBRE_ROUNDING` average of its neighbours, by ``sin(pi s)`` of the way (the ends, on
    the footprints, stay where they are). A route turns sharply at a via point (gluteus maximus
    over the greater trochanter, the more so with the femur rotated); a muscle's belly does not
    crease there, it curves over the bone (the push-out keeps it off the bone)."""
    weights, passes = FIBRE_ROUNDING
    keep = np.sin(np.pi * np.linspace(0.0, 1.0, stations))[:, None]
    step = np.eye(stations) + keep * (_station_average(weights, stations) - np.eye(stations))
    matrix = np.linalg.matrix_power(step, passes)
    matrix.setflags(write=False)
    return matrix


@dataclass(frozen=True)
class DistanceGrid:
    """Signed distance (mm, negative inside) to a bone, sampled on a regular grid in its body frame.

    ``values_mm[i, j, k]`` is the distance at ``origin_mm + spacing_mm * (i, j, k)``. Outside the
    grid a point counts as clear of the bone (the grid covers every place a belly reaches).
    """

    body: str
    origin_mm: np.ndarray
    spacing_mm: float
    values_mm: np.ndarray

    def sample(self, points: np.ndarray, within_mm: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Distance ``(n,)`` and its gradient ``(n, 3)`` (trilinear) at ``points`` ``(n, 3)``.

        Points whose grid cell has a value of ``within_mm`` or more at its lower corner (and
        points off the grid) get ``inf`` and a zero gradient without the full interpolation. (A
        signed distance changes by no more than the distance moved, so every corner of such a
        cell, and so the interpolated distance, is at least ``within_mm`` minus the cell's
        diagonal.)
        """
        v = self.values_mm
        nx, ny, nz = v.shape
        g = (np.asarray(points, dtype=float) - self.origin_mm) / self.spacing_mm
        dist = np.full(len(g), np.inf)
        grad = np.zeros((len(g), 3))
        i0 = np.floor(g).astype(np.intp)
        # On the grid: 0 <= i0 <= shape - 2 on every axis (a negative index, read unsigned, is huge).
        u = i0.view(np.uintp)
        idx = np.flatnonzero((u[:, 0] <= nx - 2) & (u[:, 1] <= ny - 2) & (u[:, 2] <= nz - 2))
        if not len(idx):
            return dist, grad
        i0 = i0[idx]
        base = (i0[:, 0] * ny + i0[:, 1]) * nz + i0[:, 2]
        flat = v.reshape(-1)
        if np.isfinite(within_mm):
            near = flat[base] < within_mm
            idx, base, i0 = idx[near], base[near], i0[near]
            if not len(idx):
                return dist, grad
        t = g[idx] - i0
        corners = np.array([(a * ny + b) * nz + e for a in (0, 1) for b in (0, 1) for e in (0, 1)])
        c = flat[base[:, None] + corners].reshape(-1, 2, 2, 2)
        tx, ty, tz = t[:, 0, None, None], t[:, 1, None], t[:, 2]
        cx = c[:, 0] * (1 - tx) + c[:, 1] * tx                 # (n, 2, 2)
        cxy = cx[:, 0] * (1 - ty) + cx[:, 1] * ty               # (n, 2)
        dist[idx] = cxy[:, 0] * (1 - tz) + cxy[:, 1] * tz
        dx = c[:, 1] - c[:, 0]
        dxy = dx[:, 0] * (1 - ty) + dx[:, 1] * ty
        dy = cx[:, 1] - cx[:, 0]
        grad[idx, 0] = (dxy[:, 0] * (1 - tz) + dxy[:, 1] * tz) / self.spacing_mm
        grad[idx, 1] = (dy[:, 0] * (1 - tz) + dy[:, 1] * tz) / self.spacing_mm
        grad[idx, 2] = (cxy[:, 1] - cxy[:, 0]) / self.spacing_mm
        return dist, grad


#: How far outside a bone surface a pushed-out belly vertex is placed (mm).
CLEARANCE_MM = 0.8
#: A point pushed out once is pushed again only if it is still this much short of the clearance.
RETRY_MARGIN_MM = 0.5


def push_out(points: np.ndarray, grids, matrices: dict[str, np.ndarray], passes: int = 5,
             clearance_mm: float = CLEARANCE_MM) -> np.ndarray:
    """Move points ``(n, 3)`` (pelvis frame) that lie inside a bone out to its surface.

    Each point inside (or within ``clearance_mm``, by default :data:`CLEARANCE_MM`, of) a bone
    moves along the distance gradient by the depth; ``matrices`` place each grid's body in the
    pelvis frame. Later passes revisit only the points moved in the pass before (one pushed out
    of one bone may have met the other). The grids hold distances up to 8 mm, so a clearance
    must be less than that.
    """
    points = np.array(points, dtype=float)
    frames = [(grid, matrices.get(grid.body, np.eye(4))) for grid in grids]
    active = np.arange(len(points))
    for pass_no in range(passes):
        moved = np.zeros(len(points), dtype=bool)
        for grid, T in frames:
            R, o = T[:3, :3], T[:3, 3]
            d, g = grid.sample((points[active] - o) @ R, within_mm=clearance_mm + 2.0 * grid.spacing_mm)
            # Later passes only fix points still clearly inside (not those a little short of the
            # clearance after the first push), so that they end quickly.
            hit = d < (clearance_mm if pass_no == 0 else clearance_mm - RETRY_MARGIN_MM)
            if not hit.any():
                continue
            pts = active[hit]
            gn = g[hit] / np.maximum(np.linalg.norm(g[hit], axis=1, keepdims=True), 1e-9)
            # Half steps after the first passes: a point caught in the narrow gap between two
            # bones (the sacroiliac joint) settles in it instead of jumping from one to the other.
            step = 1.0 if pass_no < 2 else 0.5
            points[pts] += (step * (clearance_mm - d[hit])[:, None] * gn) @ R.T
            moved[pts] = True
        active = np.flatnonzero(moved)
        if not len(active):
            break
    return points
