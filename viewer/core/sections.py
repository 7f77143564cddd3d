"""Cutting planes through the model, as on an MRI slice: axial, coronal, sagittal or oblique.

Planes are in the pelvis frame (X anterior, Y superior, Z lateral; mm). An axial plane is
``y = offset``, coronal ``x = offset`` and sagittal ``z = offset``; an oblique plane passes through
three points. The kept half is the one the normal points away from, chosen so that the cut face is seen as a
radiologist reads the slice: an axial section keeps what lies above the plane (seen from below,
as axial MRI is displayed), a coronal section what lies behind it (seen from the front), a
sagittal section what lies medial to it (seen from the side).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.errors import DataError

PLANES = ("axial", "coronal", "sagittal", "oblique")
_AXIS = {"axial": 1, "coronal": 0, "sagittal": 2}


@dataclass(frozen=True)
class Section:
    """One cutting plane.

    Attributes
    ----------
    plane : str
        One of :data:`PLANES`.
    offset_mm : float
        Position along the plane's axis (axial: Y, coronal: X, sagittal: Z); unused when oblique.
    points_mm : tuple of three (x, y, z), optional
        The three points an oblique plane passes through.
    """

    plane: str
    offset_mm: float = 0.0
    points_mm: tuple | None = None

    @property
    def normal(self) -> np.ndarray:
        """Unit normal; the side it points to is cut away."""
        if self.plane == "oblique":
            a, b, c = (np.asarray(p, dtype=float) for p in self.points_mm)
            n = np.cross(b - a, c - a)
            return n / np.linalg.norm(n)
        n = np.zeros(3)
        n[_AXIS[self.plane]] = -1.0 if self.plane == "axial" else 1.0
        return n

    @property
    def origin(self) -> np.ndarray:
        if self.plane == "oblique":
            return np.mean(np.asarray(self.points_mm, dtype=float), axis=0)
        o = np.zeros(3)
        o[_AXIS[self.plane]] = self.offset_mm
        return o

    def moved(self, offset_mm: float) -> "Section":
        """The same plane moved to ``offset_mm`` along its normal (oblique: from its first definition)."""
        if self.plane == "oblique":
            shift = (offset_mm - self.offset_mm) * self.normal
            return Section("oblique", offset_mm, tuple(tuple(np.asarray(p) + shift) for p in self.points_mm))
        return Section(self.plane, float(offset_mm))

    def text(self) -> str:
        if self.plane == "oblique":
            return "oblique:" + ";".join(",".join(f"{v:g}" for v in p) for p in self.points_mm)
        return f"{self.plane}:{self.offset_mm:g}"


def section_range(plane: str, bounds_min, bounds_max, normal=None) -> tuple[float, float]:
    """The offsets along a plane's axis at which it still cuts a model with these bounds (mm)."""
    lo, hi = np.asarray(bounds_min, dtype=float), np.asarray(bounds_max, dtype=float)
    if plane == "oblique":
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
        d = corners @ np.asarray(normal, dtype=float)
        return float(d.min()), float(d.max())  # offsets of an oblique plane are along its normal
    k = _AXIS[plane]
    return float(lo[k]), float(hi[k])


def parse_section(text: str, bounds_min=None, bounds_max=None, *, field: str = "--section") -> Section:
    """``"axial:-60"``, ``"coronal:-30"``, ``"sagittal:20"`` or ``"oblique:x,y,z;x,y,z;x,y,z"``.

    With the model's bounds given, a plane that misses the model is an error naming the range.
    """
    if not isinstance(text, str) or ":" not in text:
        raise DataError(f"malformed section {text!r} (expected plane:mm, e.g. axial:-60; planes: "
                        f"{', '.join(PLANES)})", field=field)
    plane, rest = (s.strip() for s in text.split(":", 1))
    plane = plane.lower()
    if plane not in PLANES:
        raise DataError(f"unknown plane {plane!r} (allowed: {', '.join(PLANES)})", field=field)
    if plane == "oblique":
        try:
            points = tuple(tuple(float(v) for v in p.split(",")) for p in rest.split(";"))
        except ValueError:
            points = ()
        if len(points) != 3 or any(len(p) != 3 for p in points) or not np.all(np.isfinite(points)):
            raise DataError(f"an oblique plane needs three points x,y,z;x,y,z;x,y,z in mm, got {rest!r}", field=field)
        a, b, c = (np.asarray(p) for p in points)
        if np.linalg.norm(np.cross(b - a, c - a)) < 1e-6:
            raise DataError("the three points of an oblique plane lie on one line", field=field)
        section = Section("oblique", 0.0, points)
        section = Section("oblique", float(section.origin @ section.normal), points)
    else:
        try:
            offset = float(rest)
        except ValueError:
            raise DataError(f"section position {rest!r} is not a number of mm", field=field) from None
        if not np.isfinite(offset):
            raise DataError(f"section position {rest!r} is not a finite number", field=field)
        section = Section(plane, offset)
    if bounds_min is not None:
        lo, hi = section_range(plane, bounds_min, bounds_max, section.normal)
        where = section.offset_mm
        if not lo < where < hi:
            raise DataError(f"the {plane} plane at {where:g} mm misses the model (it spans {lo:.0f}..{hi:.0f} mm "
                            f"along {'the normal' if plane == 'oblique' else 'XYZ'[_AXIS[plane]]})", field=field)
    return section
