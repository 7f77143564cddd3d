"""Typed records of the anatomical model that the mechanics and the renderer share.

Bodies are ``"pelvis"`` (hip bone and sacrum, fixed), ``"femur"`` (moves with the pose) and
``"leg"`` (tibia, fibula and foot: the femur frame at full knee extension, turned about the
femur's Z axis through the knee centre by the display coordinate knee flexion; the mechanics
are hip-only and never use it).
Every position is in millimetres in its body's frame (see PRODUCT.md: both frames have their
origin at the hip joint centre and coincide at the neutral pose).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BODIES: tuple[str, ...] = ("pelvis", "femur", "leg")

#: Which body each bone structure is fixed to.
BONE_BODY: dict[str, str] = {"hip_bone": "pelvis", "hip_bone_left": "pelvis", "sacrum": "pelvis", "femur": "femur",
                             "leg": "leg"}


@dataclass(frozen=True)
class Landmark:
    """A named point on (or, for joint centres, inside) a bone."""

    name: str
    bone: str
    body: str
    position_mm: np.ndarray
    on_surface: bool = True


@dataclass(frozen=True)
class PathPoint:
    """An attachment or via point of a muscle path, fixed to one body.

    ``landmark`` names the attachment landmark the point belongs to (None for a via point);
    the path may run a few millimetres off it (``position_mm`` = landmark + offset) so that a
    muscle lying on a bone surface does not sink into it.
    """

    name: str
    body: str
    position_mm: np.ndarray
    landmark: str | None = None
    #: A conditional point is on the path only while one pose coordinate lies in a range:
    #: ``(coordinate index, low deg, high deg)`` in the order flexion, abduction, external
    #: rotation; ``None`` for a point that is always on the path.
    condition: tuple[int, float, float] | None = None


@dataclass(frozen=True)
class WrapSurface:
    """A smooth obstacle a path wraps around, fixed to one body.

    ``kind`` is ``"sphere"`` (``centre_mm``, ``radius_mm``), ``"cylinder"`` (an infinite
    cylinder: ``centre_mm`` on its axis, unit ``axis``, ``radius_mm``, and ``direction``: +1 or
    -1 to make paths go round counter-clockwise or clockwise about the axis, 0 for the
    shorter way), ``"ellipsoid"`` (``centre_mm``, principal axes as the rows of ``frame``,
    half-lengths ``semi_axes_mm``; ``radius_mm`` is the largest of them) or ``"torus"``
    (``centre_mm``, axes as the rows of ``frame`` with the ring's axis last, tube radius
    ``radius_mm`` and ring radius ``ring_radius_mm``).

    ``side`` is a quadrant constraint (body frame): a non-zero vector pointing to the half of
    the surface the path must pass over, going the far way round if it has to. With
    ``side_on_contact`` the constraint applies only while the straight segment touches the
    surface (the rule of OpenSim's quadrants: a segment clear of the surface stays straight,
    even on the forbidden side - the length then jumps where the far-side wrap lets go);
    without it the path is held on its side and stays continuous.
    """

    name: str
    kind: str
    body: str
    centre_mm: np.ndarray
    radius_mm: float
    axis: np.ndarray | None = None
    direction: int = 0
    frame: np.ndarray | None = None
    semi_axes_mm: np.ndarray | None = None
    side: np.ndarray | None = None
    side_on_contact: bool = False
    #: Imported models only: the OpenSim plane method of an ellipsoid (``"hybrid"``,
    #: ``"midpoint"`` or ``"axial"``; None: the viewer's own path in the plane through the
    #: centre) or ``"opensim"`` for a sphere or torus that follows OpenSim's rules, the length of a finite cylinder in mm (None: infinite, the viewer's own rule),
    #: and the radius in mm of a torus's ring (the circle through the tube's centres; the
    #: tube's radius is ``radius_mm`` and the ring's axis the third row of ``frame``). Paths
    #: over these follow OpenSim's rules (:mod:`viewer.core.wrap_imported`).
    method: str | None = None
    length_mm: float | None = None
    ring_radius_mm: float | None = None


@dataclass(frozen=True)
class SweepShape:
    """How a muscle or nerve surface is swept along its path (widths in mm along the path).

    The cross-section is an ellipse of ``width`` by ``thickness``. Widths are given at the
    origin, the belly (at fraction ``belly_at`` of the path length) and the insertion, and
    blend smoothly in between; ``thickness_ratio`` scales width to thickness (1 = round,
    small = flat). ``width_axis`` (pelvis frame) fixes the direction of the width at the
    origin; ``width_axis_end``, if given, at the insertion, with a smooth turn in between
    (a broad sheet such as gluteus maximus twists as it wraps over the trochanter).
    ``tendon_from`` is the fraction of the path beyond which the belly has given way to a
    flat tendon or fascial band (1 = fleshy to the insertion).
    """

    origin_width_mm: float
    belly_width_mm: float
    insertion_width_mm: float
    belly_at: float = 0.45
    thickness_ratio: float = 0.7
    width_axis: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0, 0.0]))
    tendon_thickness_mm: float = 3.0
    width_axis_end: np.ndarray | None = None
    tendon_from: float = 1.0


@dataclass(frozen=True)
class MuscleLine:
    """One line of action: a whole muscle, one compartment of a muscle, or a nerve.

    ``points`` run from origin to insertion; ``wraps[i]`` is the obstacle (or ``None``) of
    the segment from ``points[i]`` to ``points[i + 1]``.
    """

    id: str
    structure: str
    kind: str
    points: tuple[PathPoint, ...]
    wraps: tuple[WrapSurface | None, ...]
    shape: SweepShape
    pcsa_cm2: float | None = None

    @property
    def is_muscle(self) -> bool:
        return self.kind == "muscle"
