"""Numerical tolerances, in one place: what counts as "the same" or "zero" in each unit.

Each value is far below anything a user can set or see (angles are shown to 0.1 deg, lengths
to 0.1 mm, opacity to 1 %) and far above float64 round-off on the magnitudes involved
(angles up to a few hundred degrees, coordinates up to a metre): comparisons made with them
neither flicker nor hide real changes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerances:
    """Tolerances by quantity (frozen; use the module-level :data:`tol`)."""

    #: Two angles (deg) closer than this are the same pose; also the slack on range-of-motion
    #: limits and grid end points, so that a limit written in a file is inside its range.
    angle_deg: float = 1e-9
    #: Two opacities (0..1) closer than this are equal.
    opacity: float = 1e-9
    #: A segment shorter than this (mm) has no direction; points closer are the same point.
    length_mm: float = 1e-9
    #: Guard for divisions by a quantity that may vanish (homogeneous w, extents, steps).
    divisor: float = 1e-12


tol = Tolerances()
