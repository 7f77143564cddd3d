"""Signed distance functions (SDFs) for building smooth bone shapes, and their sampling on a grid.

A shape maps points ``(n, 3)`` in millimetres to signed distances ``(n,)`` in millimetres:
negative inside, positive outside. Shapes are small immutable objects that compose into a tree
(unions, differences, intersections, shells), so that a bone reads as a list of named parts.

Speed comes from two habits, both relying on distances being (close to) true Euclidean distances:

* every shape knows an axis-aligned bounding box, and a composite evaluates a child only for the
  points within ``FAR_MM`` of the child's box; elsewhere the child counts as "far" (``FAR_MM``).
  Every distance is therefore exact where ``|d| < FAR_MM`` and at least ``FAR_MM`` in magnitude,
  with the right sign, elsewhere (a *truncated* SDF);
* :func:`sample_grid` first evaluates one point per block of grid points and then evaluates the
  points of a block only if the surface can pass through it.

Only numpy is used. Formulas for the primitives follow the well-known closed forms collected by
Inigo Quilez ("distance functions", iquilezles.org), re-derived here in vectorised form.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

FAR_MM = 10.0
"""Distance beyond which a child of a composite shape is not evaluated (mm)."""


def _as_points(points: np.ndarray) -> np.ndarray:
    return np.asarray(points, dtype=np.float64).reshape(-1, 3)


def _box_mask(points: np.ndarray, lo: np.ndarray, hi: np.ndarray, pad: float) -> np.ndarray:
    """Boolean ``(n,)``: which points lie within ``pad`` of the box ``[lo, hi]``."""
    # column by column: cheaper than comparing the (n, 3) array and reducing it
    mask = (points[:, 0] >= lo[0] - pad) & (points[:, 0] <= hi[0] + pad)
    for axis in (1, 2):
        column = points[:, axis]
        mask &= (column >= lo[axis] - pad) & (column <= hi[axis] + pad)
    return mask


def smooth_min(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum of two distance arrays.

    Equals ``min(a, b)`` where ``|a - b| >= k`` and rounds the crease into a fillet of size
    about ``k`` (mm) elsewhere; never larger than ``min(a, b)``, so a smooth union only adds
    material.
    """
    if k <= 0.0:
        return np.minimum(a, b)
    h = np.maximum(k - np.abs(a - b), 0.0) / k
    return np.minimum(a, b) - h * h * k * 0.25


def smooth_max(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth maximum; never smaller than ``max(a, b)`` (so it only removes material)."""
    return -smooth_min(-a, -b, k)


def _orthonormal(axes: np.ndarray | None) -> np.ndarray:
    """Rows of a right-handed orthonormal basis ``(3, 3)`` from (roughly orthogonal) rows."""
    if axes is None:
        return np.eye(3)
    axes = np.asarray(axes, dtype=np.float64)
    x = axes[0] / np.linalg.norm(axes[0])
    y = axes[1] - np.dot(axes[1], x) * x
    y /= np.linalg.norm(y)
    return np.stack([x, y, np.cross(x, y)])


class Shape(ABC):
    """A signed distance field with a bounding box.

    Subclasses set ``lo`` and ``hi`` (``(3,)``, mm) so that the surface lies inside the box, and
    implement :meth:`distance`.
    """

    lo: np.ndarray
    hi: np.ndarray

    @abstractmethod
    def distance(self, points: np.ndarray) -> np.ndarray:
        """Signed distances ``(n,)`` in mm of ``points`` ``(n, 3)`` in mm (negative inside)."""

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return self.distance(_as_points(points))


# --------------------------------------------------------------------------------------------
# primitives


@dataclass(frozen=True, eq=False)
class Sphere(Shape):
    """A ball of ``radius`` (mm) about ``centre`` ``(3,)`` (mm)."""

    centre: np.ndarray
    radius: float

    def __post_init__(self):
        c = np.asarray(self.centre, dtype=np.float64)
        object.__setattr__(self, "centre", c)
        object.__setattr__(self, "lo", c - self.radius)
        object.__setattr__(self, "hi", c + self.radius)

    def distance(self, points):
        return np.linalg.norm(points - self.centre, axis=1) - self.radius


@dataclass(frozen=True, eq=False)
class Ellipsoid(Shape):
    """An ellipsoid with semi-axes ``radii`` ``(3,)`` (mm) along the rows of ``axes`` ``(3, 3)``.

    The distance is the usual first-order bound (exact on the surface, slightly under- or
    over-estimating away from it for elongated ellipsoids); keep radii ratios below about 4.
    """

    centre: np.ndarray
    radii: np.ndarray
    axes: np.ndarray | None = None

    def __post_init__(self):
        c = np.asarray(self.centre, dtype=np.float64)
        r = np.asarray(self.radii, dtype=np.float64)
        axes = _orthonormal(self.axes)
        object.__setattr__(self, "centre", c)
        object.__setattr__(self, "radii", r)
        object.__setattr__(self, "axes", axes)
        half = np.sqrt(((axes * r[:, None]) ** 2).sum(axis=0))
        object.__setattr__(self, "lo", c - half)
        object.__setattr__(self, "hi", c + half)

    def distance(self, points):
        q = (points - self.centre) @ self.axes.T
        k0 = np.linalg.norm(q / self.radii, axis=1)
        k1 = np.linalg.norm(q / self.radii**2, axis=1)
        return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)


@dataclass(frozen=True, eq=False)
class RoundCone(Shape):
    """The convex hull of two balls: radius ``ra`` at ``a`` and ``rb`` at ``b`` (mm); exact.

    With ``ra == rb`` this is a capsule. If one ball contains the other, it is that ball.
    """

    a: np.ndarray
    b: np.ndarray
    ra: float
    rb: float

    def __post_init__(self):
        a = np.asarray(self.a, dtype=np.float64)
        b = np.asarray(self.b, dtype=np.float64)
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "lo", np.minimum(a - self.ra, b - self.rb))
        object.__setattr__(self, "hi", np.maximum(a + self.ra, b + self.rb))

    def distance(self, points):
        ba = self.b - self.a
        l2 = float(ba @ ba)
        rr = self.ra - self.rb
        a2 = l2 - rr * rr
        if a2 <= 1e-9:  # one ball swallows the other
            if self.ra >= self.rb:
                return np.linalg.norm(points - self.a, axis=1) - self.ra
            return np.linalg.norm(points - self.b, axis=1) - self.rb
        il2 = 1.0 / l2
        pa = points - self.a
        y = pa @ ba
        z = y - l2
        x2 = np.sum((pa * l2 - y[:, None] * ba) ** 2, axis=1)
        y2 = y * y * l2
        z2 = z * z * l2
        k = np.sign(rr) * rr * rr * x2
        near_b = np.sign(z) * a2 * z2 > k
        near_a = (np.sign(y) * a2 * y2 < k) & ~near_b
        out = (np.sqrt(x2 * a2 * il2) + y * rr) * il2 - self.ra
        out = np.where(near_b, np.sqrt(x2 + z2) * il2 - self.rb, out)
        out = np.where(near_a, np.sqrt(x2 + y2) * il2 - self.ra, out)
        return out


@dataclass(frozen=True, eq=False)
class RoundBox(Shape):
    """A box of half-sizes ``half`` ``(3,)`` along the rows of ``axes``, edges rounded by
    ``rounding`` (mm, included in the half-sizes); exact."""

    centre: np.ndarray
    half: np.ndarray
    axes: np.ndarray | None = None
    rounding: float = 0.0

    def __post_init__(self):
        c = np.asarray(self.centre, dtype=np.float64)
        h = np.asarray(self.half, dtype=np.float64)
        axes = _orthonormal(self.axes)
        object.__setattr__(self, "centre", c)
        object.__setattr__(self, "half", h)
        object.__setattr__(self, "axes", axes)
        ext = np.abs(axes * h[:, None]).sum(axis=0)
        object.__setattr__(self, "lo", c - ext)
        object.__setattr__(self, "hi", c + ext)

    def distance(self, points):
        q = np.abs((points - self.centre) @ self.axes.T) - self.half + self.rounding
        outside = np.linalg.norm(np.maximum(q, 0.0), axis=1)
        inside = np.minimum(q.max(axis=1), 0.0)
        return outside + inside - self.rounding


@dataclass(frozen=True, eq=False)
class HalfSpace(Shape):
    """Everything behind the plane through ``point`` with outward ``normal`` ``(3,)``.

    Unbounded; only use it as the second operand of :class:`Intersection` or
    :class:`Difference`, whose boxes come from the first operand. ``extent`` bounds the box.
    """

    point: np.ndarray
    normal: np.ndarray
    extent: float = 1e4

    def __post_init__(self):
        p = np.asarray(self.point, dtype=np.float64)
        n = np.asarray(self.normal, dtype=np.float64)
        object.__setattr__(self, "point", p)
        object.__setattr__(self, "normal", n / np.linalg.norm(n))
        object.__setattr__(self, "lo", p - self.extent)
        object.__setattr__(self, "hi", p + self.extent)

    def distance(self, points):
        return (points - self.point) @ self.normal


def polygon_distance_2d(uv: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Signed distance ``(n,)`` from 2-D points ``uv`` ``(n, 2)`` to a closed simple polygon.

    ``vertices`` ``(m, 2)`` in order (either winding); negative inside. Loops over edges so
    that memory stays ``O(n)``.
    """
    d2 = np.full(len(uv), np.inf)
    inside = np.zeros(len(uv), dtype=bool)
    m = len(vertices)
    for i in range(m):
        vi, vj = vertices[i], vertices[i - 1]
        e = vj - vi
        w = uv - vi
        t = np.clip((w @ e) / float(e @ e), 0.0, 1.0)
        d2 = np.minimum(d2, np.sum((w - t[:, None] * e) ** 2, axis=1))
        # even-odd rule on a horizontal ray
        up = uv[:, 1] >= vi[1]
        down = uv[:, 1] < vj[1]
        left = e[0] * w[:, 1] > e[1] * w[:, 0]
        crossing = (up & down & left) | (~up & ~down & ~left)
        inside ^= crossing
    return np.where(inside, -1.0, 1.0) * np.sqrt(d2)


@dataclass(frozen=True, eq=False)
class CurvedPlate(Shape):
    """A plate cut from a spherical shell by an outline: the shape of a bone's thin wing.

    The mid-surface is the sphere of ``radius`` (mm) about ``centre``; the plate is
    ``2 * half_thickness`` thick, and is cut by a prism whose cross-section is ``outline``
    ``(m, 2)``, given in the coordinates of the plane spanned by the rows of ``plane_axes``
    ``(2, 3)`` (the prism runs along their cross product). ``rounding`` (mm) rounds the cut
    edges. Near-exact as long as the prism axis is within about 60 degrees of the shell normal.
    """

    centre: np.ndarray
    radius: float
    half_thickness: float
    plane_axes: np.ndarray
    outline: np.ndarray
    rounding: float = 1.0

    def __post_init__(self):
        c = np.asarray(self.centre, dtype=np.float64)
        axes = np.asarray(self.plane_axes, dtype=np.float64)
        u = axes[0] / np.linalg.norm(axes[0])
        v = axes[1] - np.dot(axes[1], u) * u
        v /= np.linalg.norm(v)
        outline = np.asarray(self.outline, dtype=np.float64)
        object.__setattr__(self, "centre", c)
        object.__setattr__(self, "plane_axes", np.stack([u, v]))
        object.__setattr__(self, "outline", outline)
        # The box: the shell over a lattice of the outline's bounding rectangle. The plate is
        # the cap of the sphere on the side the prism axis points to (the far cap is ignored).
        n = np.cross(u, v)
        grid = np.stack(np.meshgrid(*[np.linspace(lo, hi, 24) for lo, hi in
                                      zip(outline.min(axis=0), outline.max(axis=0))]), -1)
        base = grid.reshape(-1, 2) @ np.stack([u, v]) - c
        along = base @ n
        disc = along**2 - (np.sum(base**2, axis=1) - self.radius**2)
        hit = disc > 0.0
        depth = -along[hit] + np.sqrt(disc[hit])
        pts = np.concatenate([c + base[hit] + (depth + s)[:, None] * n
                              for s in (-self.half_thickness - 2.0, self.half_thickness + 2.0)])
        object.__setattr__(self, "lo", pts.min(axis=0))
        object.__setattr__(self, "hi", pts.max(axis=0))

    def distance(self, points):
        shell = np.abs(np.linalg.norm(points - self.centre, axis=1) - self.radius) - self.half_thickness
        cut = polygon_distance_2d(points @ self.plane_axes.T, self.outline)
        # keep to the near cap: the prism would cross the sphere a second time behind the centre
        prism_axis = np.cross(self.plane_axes[0], self.plane_axes[1])
        cut = np.maximum(cut, -((points - self.centre) @ prism_axis))
        r = self.rounding
        q = np.stack([shell + r, cut + r], axis=1)
        return np.linalg.norm(np.maximum(q, 0.0), axis=1) + np.minimum(q.max(axis=1), 0.0) - r


@dataclass(frozen=True, eq=False)
class Flattened(Shape):
    """``shape`` squashed by ``factor`` (< 1) along the unit ``axis`` towards ``centre``.

    Turns a round tube into one of oval cross-section (a flat bony ramus). The distance is
    scaled by ``factor`` so that it stays a lower bound of the true distance.
    """

    shape: Shape
    centre: np.ndarray
    axis: np.ndarray
    factor: float

    def __post_init__(self):
        c = np.asarray(self.centre, dtype=np.float64)
        a = np.asarray(self.axis, dtype=np.float64)
        a = a / np.linalg.norm(a)
        object.__setattr__(self, "centre", c)
        object.__setattr__(self, "axis", a)
        corners = np.array(np.meshgrid(*zip(self.shape.lo, self.shape.hi), indexing="ij")).reshape(3, -1).T
        squashed = corners - (1.0 - self.factor) * ((corners - c) @ a)[:, None] * a
        object.__setattr__(self, "lo", squashed.min(axis=0))
        object.__setattr__(self, "hi", squashed.max(axis=0))

    def distance(self, points):
        along = (points - self.centre) @ self.axis
        stretched = points + (1.0 / self.factor - 1.0) * along[:, None] * self.axis
        return self.shape.distance(stretched) * self.factor


@dataclass(frozen=True, eq=False)
class Mirrored(Shape):
    """``shape`` reflected in the plane through ``point`` with unit ``normal``."""

    shape: Shape
    point: np.ndarray
    normal: np.ndarray

    def __post_init__(self):
        p = np.asarray(self.point, dtype=np.float64)
        n = np.asarray(self.normal, dtype=np.float64)
        n = n / np.linalg.norm(n)
        object.__setattr__(self, "point", p)
        object.__setattr__(self, "normal", n)
        corners = np.array(np.meshgrid(*zip(self.shape.lo, self.shape.hi), indexing="ij")).reshape(3, -1).T
        flipped = self._reflect(corners)
        object.__setattr__(self, "lo", flipped.min(axis=0))
        object.__setattr__(self, "hi", flipped.max(axis=0))

    def _reflect(self, points):
        return points - 2.0 * ((points - self.point) @ self.normal)[:, None] * self.normal

    def distance(self, points):
        return self.shape.distance(self._reflect(points))


def catmull_rom(points: np.ndarray, samples: int = 8, closed: bool = False) -> np.ndarray:
    """A smooth curve through ``points`` ``(n, d)``: ``samples`` points per span, ``(m, d)``.

    Centripetal-free (uniform) Catmull-Rom; the curve passes through every control point.
    Works for any dimension ``d`` (outlines in 2-D, centre lines in 3-D, radii in 1-D columns).
    """
    p = np.asarray(points, dtype=np.float64)
    if closed:
        ext = np.concatenate([p[-1:], p, p[:2]])
    else:
        ext = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
    spans = len(p) if closed else len(p) - 1
    t = np.arange(samples) / samples
    t2, t3 = t * t, t * t * t
    w = 0.5 * np.stack([-t3 + 2 * t2 - t, 3 * t3 - 5 * t2 + 2, -3 * t3 + 4 * t2 + t, t3 - t2], axis=1)
    out = [w @ ext[i:i + 4] for i in range(spans)]
    if not closed:
        out.append(p[-1:])
    return np.concatenate(out)


def tube(points, radii, samples: int = 5, closed: bool = False) -> Shape:
    """A smooth swept tube through control ``points`` ``(n, 3)`` with ``radii`` ``(n,)`` (mm).

    The centre line and radius are Catmull-Rom splines through the controls, sampled into
    round cones, so the surface has no kinks at the controls.
    """
    ctrl = np.column_stack([np.asarray(points, dtype=np.float64), np.asarray(radii, dtype=np.float64)])
    curve = catmull_rom(ctrl, samples, closed)
    if closed:
        curve = np.concatenate([curve, curve[:1]])
    pts, rad = curve[:, :3], np.maximum(curve[:, 3], 0.5)
    return Union([RoundCone(pts[i], pts[i + 1], rad[i], rad[i + 1]) for i in range(len(pts) - 1)])


# --------------------------------------------------------------------------------------------
# composites


def _far(n: int) -> np.ndarray:
    return np.full(n, FAR_MM)


class Union(Shape):
    """Smooth union of ``children`` with fillet size ``k`` (mm; 0 for a sharp union)."""

    def __init__(self, children, k: float = 0.0):
        self.children = tuple(children)
        self.k = float(k)
        if not self.children:
            raise ValueError("a union needs at least one shape")
        if self.k >= FAR_MM:
            raise ValueError(f"fillet {k} mm must stay below FAR_MM={FAR_MM} mm")
        self.lo = np.min([c.lo for c in self.children], axis=0)
        self.hi = np.max([c.hi for c in self.children], axis=0)

    def distance(self, points):
        out = _far(len(points))
        for child in self.children:
            mask = _box_mask(points, child.lo, child.hi, FAR_MM)
            if mask.any():
                out[mask] = smooth_min(out[mask], child.distance(points[mask]), self.k)
        return np.minimum(out, FAR_MM)


class Difference(Shape):
    """``base`` with ``cutter`` removed, the cut edge rounded by ``k`` (mm)."""

    def __init__(self, base: Shape, cutter: Shape, k: float = 0.0):
        self.base, self.cutter, self.k = base, cutter, float(k)
        self.lo, self.hi = base.lo, base.hi

    def distance(self, points):
        out = self.base.distance(points)
        mask = _box_mask(points, self.cutter.lo, self.cutter.hi, FAR_MM)
        if mask.any():
            out[mask] = smooth_max(out[mask], -self.cutter.distance(points[mask]), self.k)
        return out


class Intersection(Shape):
    """The part of ``base`` inside ``mask_shape``, the edge rounded by ``k`` (mm)."""

    def __init__(self, base: Shape, mask_shape: Shape, k: float = 0.0):
        self.base, self.mask_shape, self.k = base, mask_shape, float(k)
        self.lo = np.maximum(base.lo, mask_shape.lo)
        self.hi = np.minimum(base.hi, mask_shape.hi)

    def distance(self, points):
        out = self.base.distance(points)
        mask = _box_mask(points, self.mask_shape.lo, self.mask_shape.hi, FAR_MM)
        other = _far(len(points))
        if mask.any():
            other[mask] = self.mask_shape.distance(points[mask])
        return smooth_max(out, other, self.k)


class Offset(Shape):
    """``shape`` grown outwards by ``amount`` (mm; negative shrinks)."""

    def __init__(self, shape: Shape, amount: float):
        if abs(amount) >= FAR_MM:
            raise ValueError(f"offset {amount} mm must stay below FAR_MM={FAR_MM} mm")
        self.shape, self.amount = shape, float(amount)
        self.lo, self.hi = shape.lo - max(amount, 0.0), shape.hi + max(amount, 0.0)

    def distance(self, points):
        return np.minimum(self.shape.distance(points) - self.amount, FAR_MM)


# --------------------------------------------------------------------------------------------
# sampling


@dataclass(frozen=True)
class Grid:
    """Samples of a shape on a regular grid: ``values[i, j, k]`` is the distance (mm) at
    ``origin + spacing * (i, j, k)``."""

    values: np.ndarray
    origin: np.ndarray
    spacing: float


def sample_grid(shape: Shape, spacing: float, pad: float = 4.0, block: int = 4,
                chunk: int = 200_000) -> Grid:
    """Sample ``shape`` on a grid of ``spacing`` (mm) covering its box plus ``pad`` (mm).

    Points are evaluated block by block (``block`` points a side): one probe at the block's
    centre decides whether the surface can cross the block; if not, the whole block takes the
    probe's value (right sign, which is all that meshing needs away from the surface).
    """
    half_diagonal = np.sqrt(3.0) * 0.5 * (block - 1) * spacing
    # slack for the shapes whose distances are bounds rather than exact (ellipsoids, plates)
    threshold = 1.5 * half_diagonal + spacing
    if threshold >= FAR_MM:
        raise ValueError(f"blocks of {block} x {spacing} mm are too coarse for FAR_MM={FAR_MM}")
    lo = shape.lo - pad
    counts = np.ceil((shape.hi + pad - lo) / spacing).astype(int) + 1
    nblocks = -(-counts // block)

    def axis(i, start, step, n):
        return lo[i] + spacing * (start + step * np.arange(n))

    centres = np.stack(
        np.meshgrid(*[axis(i, 0.5 * (block - 1), block, nblocks[i]) for i in range(3)], indexing="ij"),
        axis=-1,
    ).reshape(-1, 3)
    probe = _evaluate_chunked(shape, centres, chunk)
    values = np.repeat(np.repeat(np.repeat(probe.reshape(nblocks), block, 0), block, 1), block, 2)
    values = values.astype(np.float32)

    active = np.flatnonzero(np.abs(probe) < threshold)
    if active.size:
        bi, bj, bk = np.unravel_index(active, nblocks)
        off = np.stack(np.meshgrid(*[np.arange(block)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
        idx = (np.stack([bi, bj, bk], axis=1)[:, None, :] * block + off[None, :, :]).reshape(-1, 3)
        pts = lo + spacing * idx
        vals = _evaluate_chunked(shape, pts, chunk)
        values[idx[:, 0], idx[:, 1], idx[:, 2]] = vals
    # a closed surface needs positive values all round the border
    values[[0, -1], :, :] = np.abs(values[[0, -1], :, :]) + spacing
    values[:, [0, -1], :] = np.abs(values[:, [0, -1], :]) + spacing
    values[:, :, [0, -1]] = np.abs(values[:, :, [0, -1]]) + spacing
    return Grid(values=values, origin=lo, spacing=float(spacing))


def _evaluate_chunked(shape: Shape, points: np.ndarray, chunk: int) -> np.ndarray:
    out = np.empty(len(points))
    for start in range(0, len(points), chunk):
        out[start:start + chunk] = shape.distance(points[start:start + chunk])
    return out
