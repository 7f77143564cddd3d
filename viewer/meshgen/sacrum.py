"""The sacrum with the coccyx, as one signed distance shape in the pelvis frame (mm).

The sacrum is symmetric about the mid-sagittal plane ``Z = -midline_offset``. It is built along
its anterior midline, a circular arc from the promontory to the apex that is concave forwards:

* a wedge lofted along that arc: wide at the alae and the lateral masses of S1-S3 (which carry
  the auricular surfaces), narrowing quickly below them and thinning downwards, the alae
  dipping a little below the S1 endplate, whose front edge is the promontory;
* the transverse ridges of the five fused vertebrae and, on them, four pairs of anterior sacral
  foramina (S1-S4) passing through to the back;
* the sacral canal, the median sacral crest and the superior articular processes of S1;
* four coccygeal segments curving forwards below the apex.

Where the sacrum reaches the right ilium (and its mirror image, the left one) it is trimmed to stay
``sacroiliac_gap_mm`` away from it, so the auricular surfaces face each other across a thin joint
space without fusing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.meshgen import sdf

# The anterior midline, seen from the side (pelvis X, Y): promontory, apex, and the sagitta
# (mm) of its forward concavity.
PROMONTORY_XY = np.array([-46.0, 90.0])
APEX_XY = np.array([-108.0, 12.0])
CONCAVITY_MM = 9.0

# The lofted body: at arc lengths SECTION_S_MM (from the promontory) the half width at the
# pelvic (front) face, at the back, and the depth front to back (mm). The sacrum is widest at
# the alae and auricular surfaces (S1-S3), narrows quickly below them, and thins downwards.
SECTION_S_MM = np.array([0.0, 22.0, 44.0, 60.0, 78.0, 94.0, 104.0])
FRONT_HALF_WIDTH_MM = np.array([50.0, 50.0, 44.0, 31.0, 22.0, 16.0, 12.0])
BACK_HALF_WIDTH_MM = np.array([33.0, 33.0, 30.0, 25.0, 18.0, 13.0, 10.0])
DEPTH_MM = np.array([46.0, 40.0, 31.0, 24.0, 18.0, 14.0, 11.0])
ALA_DROP_MM = 9.0  # how far the tips of the alae lie below the S1 endplate, along the sacrum
# Lines between the fused segments (S1/S2 ... S4/S5), arc length from the promontory (mm);
# the anterior foramina open on them: distance from the midline and radius (mm).
SEGMENT_LINES_MM = np.array([24.0, 46.0, 66.0, 85.0])
FORAMEN_OFFSET_MM = np.array([17.0, 16.0, 14.0, 11.0])
FORAMEN_RADIUS_MM = np.array([5.5, 5.0, 4.2, 3.2])
# the coccyx: control points (X, Y) from inside the apex to the tip and the half widths (mm)
COCCYX_XY = np.array([[-109.0, 17.0], [-108.5, 3.0], [-105.0, -8.5], [-99.0, -18.0], [-92.0, -26.0]])
COCCYX_HALF_WIDTH_MM = np.array([12.0, 10.0, 7.5, 5.5, 3.5])


@dataclass(frozen=True)
class SacralCurve:
    """The anterior midline arc: centre ``(2,)`` and radius of the circle, start and end angles."""

    centre: np.ndarray
    radius: float
    start: float
    end: float
    z: float

    @property
    def length(self) -> float:
        return abs(self.end - self.start) * self.radius

    def point(self, s) -> np.ndarray:
        """Points ``(n, 3)`` at arc lengths ``s`` (mm) from the promontory."""
        a = self._angle(s)
        xy = self.centre + self.radius * np.column_stack([np.cos(a), np.sin(a)])
        return np.column_stack([xy, np.full(len(xy), self.z)])

    def tangent(self, s) -> np.ndarray:
        """Unit vectors ``(n, 3)`` down the sacrum at ``s``."""
        a = self._angle(s)
        sign = np.sign(self.end - self.start)
        return np.column_stack([-np.sin(a) * sign, np.cos(a) * sign, np.zeros_like(a)])

    def anterior(self, s) -> np.ndarray:
        """Unit vectors ``(n, 3)`` out of the pelvic (anterior) surface at ``s``."""
        a = self._angle(s)
        return -np.column_stack([np.cos(a), np.sin(a), np.zeros_like(a)])

    def _angle(self, s):
        s = np.atleast_1d(np.asarray(s, dtype=float))
        return self.start + np.sign(self.end - self.start) * s / self.radius


def sacral_curve(midline_z: float) -> SacralCurve:
    """The circle through promontory and apex whose arc bows ``CONCAVITY_MM`` backwards."""
    chord = APEX_XY - PROMONTORY_XY
    c = np.linalg.norm(chord)
    radius = (c * c / 4.0 + CONCAVITY_MM**2) / (2.0 * CONCAVITY_MM)
    forward = np.array([chord[1], -chord[0]]) / c  # chord turned towards +X (anterior)
    if forward[0] < 0:
        forward = -forward
    centre = PROMONTORY_XY + 0.5 * chord + forward * (radius - CONCAVITY_MM)
    start = np.arctan2(*(PROMONTORY_XY - centre)[::-1])
    end = np.arctan2(*(APEX_XY - centre)[::-1])
    return SacralCurve(centre=centre, radius=float(radius), start=float(start), end=float(end),
                       z=midline_z)


class SacralLoft(sdf.Shape):
    """The sacrum's body: a wedge swept along the anterior midline arc.

    At arc length ``s`` the cross-section spans depth ``v`` from 0 (pelvic face, on the arc) to
    ``DEPTH_MM(s)`` backwards, and half width from ``FRONT_HALF_WIDTH_MM(s)`` at the front to
    ``BACK_HALF_WIDTH_MM(s)`` at the back (the auricular surfaces converge backwards). The top
    (S1 endplate) dips laterally by ``ALA_DROP_MM`` at the tips of the alae. The distance is a
    close bound (exact in the middle of the faces, rounded at the edges by ``rounding``).
    """

    def __init__(self, curve: SacralCurve, rounding: float = 6.0):
        self.curve, self.rounding = curve, float(rounding)
        pts = np.concatenate([curve.point(SECTION_S_MM) + curve.anterior(SECTION_S_MM) * 1.0,
                              curve.point(SECTION_S_MM) - curve.anterior(SECTION_S_MM)
                              * DEPTH_MM[:, None]])
        half = FRONT_HALF_WIDTH_MM.max()
        self.lo = pts.min(axis=0) - [2.0, 2.0, 0.0]
        self.hi = pts.max(axis=0) + [2.0, 2.0, 0.0]
        self.lo[2], self.hi[2] = curve.z - half - 1.0, curve.z + half + 1.0

    def distance(self, points):
        c = self.curve
        rel = points[:, :2] - c.centre
        rho = np.linalg.norm(rel, axis=1)
        phi = np.arctan2(rel[:, 1], rel[:, 0])
        sign = np.sign(c.end - c.start)
        s = sign * (phi - c.start) * c.radius
        v = rho - c.radius
        w = np.abs(points[:, 2] - c.z)
        depth = np.interp(s, SECTION_S_MM, DEPTH_MM)
        t = np.clip(v / depth, 0.0, 1.0)
        half = (np.interp(s, SECTION_S_MM, FRONT_HALF_WIDTH_MM) * (1.0 - t)
                + np.interp(s, SECTION_S_MM, BACK_HALF_WIDTH_MM) * t)
        top = ALA_DROP_MM * np.clip(w / FRONT_HALF_WIDTH_MM[0], 0.0, 1.0) ** 2
        du = np.maximum(top - s, s - SECTION_S_MM[-1]) * np.maximum(rho, c.radius) / c.radius
        dv = np.maximum(-v, v - depth)
        dw = (w - half) * 0.92  # the sides slant: a little under the true distance
        q = np.stack([du, dv, dw], axis=1) + self.rounding
        return (np.linalg.norm(np.maximum(q, 0.0), axis=1) + np.minimum(q.max(axis=1), 0.0)
                - self.rounding)


def _on_curve(curve: SacralCurve, s, depth, lateral=0.0) -> np.ndarray:
    """Points ``(n, 3)`` at arc length ``s``, ``depth`` behind the pelvic face, ``lateral`` off
    the midline (mm)."""
    s = np.atleast_1d(np.asarray(s, dtype=float))
    depth = np.broadcast_to(np.asarray(depth, dtype=float), s.shape)
    lateral = np.broadcast_to(np.asarray(lateral, dtype=float), s.shape)
    p = curve.point(s) - curve.anterior(s) * depth[:, None]
    p[:, 2] += lateral
    return p


def sacrum_solid(curve: SacralCurve) -> sdf.Shape:
    """The lofted body with its transverse ridges, median crest and articular processes."""
    parts: list[sdf.Shape] = [SacralLoft(curve)]
    # transverse ridges between the foramina, where the segments fused
    for s, off in zip(SEGMENT_LINES_MM, FORAMEN_OFFSET_MM):
        ends = _on_curve(curve, [s, s], 0.6, [-(off - 6.0), off - 6.0])
        parts.append(sdf.RoundCone(ends[0], ends[1], 2.0, 2.0))
    # median sacral crest along the back
    s = np.array([6.0, 28.0, 50.0, 72.0])
    depth = np.interp(s, SECTION_S_MM, DEPTH_MM)
    parts.append(sdf.tube(_on_curve(curve, s, depth - 1.0), [4.0, 4.0, 3.5, 2.5]))
    # the superior articular processes of S1, facing the fifth lumbar vertebra
    for side in (-1.0, 1.0):
        base = _on_curve(curve, 8.0, DEPTH_MM[0] - 8.0, side * 17.0)[0]
        parts.append(sdf.RoundCone(base, base - curve.tangent(0.0)[0] * 9.0, 6.5, 4.5))
    return sdf.Union(parts, k=4.0)


def sacral_canal(curve: SacralCurve) -> sdf.Shape:
    """The canal behind the bodies: open at the top (and at the hiatus below S4)."""
    s = np.array([-8.0, 10.0, 35.0, 60.0, 84.0, 96.0])
    depth = np.interp(s, SECTION_S_MM, DEPTH_MM) * np.array([0.62, 0.64, 0.66, 0.68, 0.72, 1.1])
    return sdf.tube(_on_curve(curve, s, depth), [9.0, 8.5, 6.5, 5.0, 4.0, 3.5])


def coccyx(curve: SacralCurve) -> sdf.Shape:
    """Four small segments curving forwards from the apex."""
    pts = np.column_stack([COCCYX_XY, np.full(len(COCCYX_XY), curve.z)])
    parts = []
    for i in range(len(pts) - 1):
        centre = 0.5 * (pts[i] + pts[i + 1])
        down = pts[i + 1] - pts[i]
        half_len = 0.5 * np.linalg.norm(down)
        parts.append(sdf.Ellipsoid(centre, [half_len + 3.5, 0.5 * COCCYX_HALF_WIDTH_MM[i] + 2.0,
                                            COCCYX_HALF_WIDTH_MM[i]],
                                   axes=[down, [down[1], -down[0], 0.0]]))
    return sdf.Union(parts, k=5.0)


def foramina(curve: SacralCurve) -> list[sdf.Shape]:
    """Through-holes from the pelvic surface backwards, S1-S4 on both sides."""
    holes = []
    for s, off, r in zip(SEGMENT_LINES_MM, FORAMEN_OFFSET_MM, FORAMEN_RADIUS_MM):
        for side in (-1.0, 1.0):
            a, b = _on_curve(curve, [s, s], [-8.0, 60.0], side * off)
            holes.append(sdf.RoundCone(a, b, r, r * 0.8))
    return holes


def foramen_position(curve: SacralCurve, level: int, side: float = 1.0) -> np.ndarray:
    """Centre ``(3,)`` of the anterior foramen below segment S``level`` on the pelvic surface
    (``side`` +1 right, -1 left)."""
    return _on_curve(curve, SEGMENT_LINES_MM[level - 1], 0.0,
                     side * FORAMEN_OFFSET_MM[level - 1])[0]


def sacrum_shape(midline_offset_mm: float, gap_mm: float, ilium: sdf.Shape) -> sdf.Shape:
    """The sacrum and coccyx, trimmed to keep ``gap_mm`` from the ``ilium`` shape."""
    curve = sacral_curve(-midline_offset_mm)
    bone = sdf.Union([sacrum_solid(curve), coccyx(curve)], k=3.0)
    bone = sdf.Difference(bone, sdf.Union(foramina(curve) + [sacral_canal(curve)]), k=1.5)
    # the right sacroiliac joint: only the ilium near the auricular surfaces matters
    joint_region = sdf.RoundBox([-75.0, 70.0, -45.0], [45.0, 50.0, 30.0])
    near_ilium = sdf.Offset(sdf.Intersection(ilium, joint_region), gap_mm)
    # the left ilium is the mirror image, so the sacrum stays symmetric
    left = sdf.Mirrored(near_ilium, [0.0, 0.0, -midline_offset_mm], [0.0, 0.0, 1.0])
    return sdf.Difference(bone, sdf.Union([near_ilium, left]), k=1.0)
