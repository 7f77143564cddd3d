"""The right femur as a signed distance shape, in the femur frame (mm).

Femur frame: origin at the femoral head centre, Y from the knee centre (midpoint of the
epicondyles) to the head centre, Z to the right, X anterior (ISB, Wu et al. 2002).

The proximal femur is drawn once, in *design coordinates*: the femur frame of a bone with the
design neck-shaft angle, anteversion and length below (the values the landmark targets were
placed for). Other values are reached by moving the parts rigidly, so that the trochanters,
neck, shaft and condyles keep their relations:

* ``proximal`` parts (trochanters, intertrochanteric crest, neck base) ride on the top of the
  shaft: a rigid motion taking the design neck-shaft corner to the new one;
* ``head`` parts (the fovea) turn about the head centre with the neck;
* ``distal`` parts (condyles, epicondyles) move along Y with the femoral length;
* ``shaft`` parts are blended between the two ends along the shaft.

The head centre stays at the origin and the knee centre on the -Y axis whatever the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.meshgen import sdf

# The values the design coordinates (and the femur landmark targets) were drawn for.
DESIGN_NECK_SHAFT_ANGLE_DEG = 129.0
DESIGN_ANTEVERSION_DEG = 10.0
DESIGN_LENGTH_MM = 400.0
DESIGN_NECK_LENGTH_MM = 52.0


@dataclass(frozen=True)
class FemurShapeParams:
    """The numbers the femur shape depends on (mm, degrees)."""

    head_radius_mm: float
    neck_shaft_angle_deg: float
    anteversion_deg: float
    length_mm: float
    neck_length_mm: float
    epicondylar_width_mm: float
    shaft_bow_mm: float


@dataclass(frozen=True)
class FemurAxes:
    """The skeleton lines of a femur: the neck and the (anatomical) shaft axes.

    ``corner`` is where the neck axis meets the shaft axis ``(3,)``; ``neck_dir`` points from
    the corner to the head centre and ``shaft_dir`` from the knee end of the shaft to the
    corner (unit ``(3,)``); ``shaft_length`` (mm) runs from the knee centre to the corner.
    """

    corner: np.ndarray
    neck_dir: np.ndarray
    shaft_dir: np.ndarray
    shaft_length: float
    length: float

    @property
    def rotation(self) -> np.ndarray:
        """``(3, 3)`` whose columns are the proximal frame: shaft, neck (orthogonalised), their
        cross product."""
        e1 = self.shaft_dir
        e2 = self.neck_dir - (self.neck_dir @ e1) * e1
        e2 /= np.linalg.norm(e2)
        return np.column_stack([e1, e2, np.cross(e1, e2)])


def femur_axes(neck_shaft_angle_deg: float, anteversion_deg: float, length_mm: float,
               neck_length_mm: float) -> FemurAxes:
    """Solve the head-corner-knee triangle for the neck and shaft axes.

    The head centre is the origin and the knee centre ``(0, -length, 0)``. The triangle has the
    neck (``neck_length``) and the shaft from the corner to the knee centre as sides, with the
    neck-shaft angle between them; it lies in the coronal plane, then turns about Y by the
    anteversion so that the neck points forwards (+X) as it runs medially (-Z).
    """
    theta = np.radians(neck_shaft_angle_deg)
    ln, L = neck_length_mm, length_mm
    # law of cosines for the shaft side, then the angle at the knee
    shaft_len = ln * np.cos(theta) + np.sqrt(L**2 - (ln * np.sin(theta)) ** 2)
    alpha = np.arcsin(ln * np.sin(theta) / L)
    shaft0 = np.array([0.0, np.cos(alpha), np.sin(alpha)])  # up and lateral
    knee = np.array([0.0, -L, 0.0])
    corner0 = knee + shaft_len * shaft0
    neck0 = -corner0 / np.linalg.norm(corner0)
    beta = np.radians(anteversion_deg)
    # about +Y by -beta: the medial direction -Z swings towards +X
    rot = np.array([[np.cos(beta), 0.0, -np.sin(beta)],
                    [0.0, 1.0, 0.0],
                    [np.sin(beta), 0.0, np.cos(beta)]])
    return FemurAxes(corner=rot @ corner0, neck_dir=rot @ neck0, shaft_dir=rot @ shaft0,
                     shaft_length=float(shaft_len), length=float(L))


@dataclass(frozen=True)
class FemurPlacement:
    """Moves design-coordinate points and directions to a femur with other parameters."""

    design: FemurAxes
    actual: FemurAxes

    @property
    def rotation(self) -> np.ndarray:
        """Rotation ``(3, 3)`` of the proximal femur from design to actual."""
        return self.actual.rotation @ self.design.rotation.T

    def proximal(self, points) -> np.ndarray:
        """Points ``(..., 3)`` riding on the top of the shaft."""
        p = np.asarray(points, dtype=float)
        return (p - self.design.corner) @ self.rotation.T + self.actual.corner

    def head(self, points) -> np.ndarray:
        """Points ``(..., 3)`` on the head: turned about the head centre."""
        return np.asarray(points, dtype=float) @ self.rotation.T

    def distal(self, points) -> np.ndarray:
        """Points ``(..., 3)`` at the knee: shifted along Y with the length."""
        return np.asarray(points, dtype=float) + [0.0, self.design.length - self.actual.length, 0.0]

    def shaft_fraction(self, points) -> np.ndarray:
        """Where points ``(n, 3)`` lie along the design shaft: 0 at the corner, 1 at the knee."""
        p = np.asarray(points, dtype=float).reshape(-1, 3)
        along = (self.design.corner - p) @ self.design.shaft_dir
        return np.clip(along / self.design.shaft_length, 0.0, 1.0)

    def shaft(self, points) -> np.ndarray:
        """Points ``(n, 3)`` along the shaft: blended between the proximal and distal moves."""
        p = np.asarray(points, dtype=float).reshape(-1, 3)
        f = self.shaft_fraction(p)[:, None]
        return (1.0 - f) * self.proximal(p) + f * self.distal(p)

    def vector(self, v) -> np.ndarray:
        """Directions ``(..., 3)`` of proximal parts."""
        return np.asarray(v, dtype=float) @ self.rotation.T

    def by_segment(self, segment: str, points) -> np.ndarray:
        """Move points ``(n, 3)`` of the named segment (``head``, ``proximal``, ``shaft``,
        ``distal``)."""
        move = {"head": self.head, "proximal": self.proximal, "shaft": self.shaft,
                "distal": self.distal}[segment]
        return np.asarray(move(np.asarray(points, dtype=float).reshape(-1, 3))).reshape(-1, 3)


def placement(p: FemurShapeParams) -> FemurPlacement:
    """The move from the design femur to the femur with parameters ``p``."""
    design = femur_axes(DESIGN_NECK_SHAFT_ANGLE_DEG, DESIGN_ANTEVERSION_DEG, DESIGN_LENGTH_MM,
                        DESIGN_NECK_LENGTH_MM)
    actual = femur_axes(p.neck_shaft_angle_deg, p.anteversion_deg, p.length_mm, p.neck_length_mm)
    return FemurPlacement(design=design, actual=actual)


def segment_of(point_design, head_radius_mm: float) -> str:
    """Which segment a design-coordinate point ``(3,)`` belongs to (see the module docstring)."""
    p = np.asarray(point_design, dtype=float)
    if np.linalg.norm(p) < head_radius_mm + 4.0:
        return "head"
    if p[1] > -90.0:
        return "proximal"
    if p[1] < -DESIGN_LENGTH_MM + 80.0:
        return "distal"
    return "shaft"


# --- shape --------------------------------------------------------------------------------------

# Shaft radius (mm) against the fraction along the shaft from the neck-shaft corner (0) to the
# knee centre (1): wide under the trochanters, narrowest in the middle third, flaring above the
# condyles.
SHAFT_PROFILE = np.array([
    [0.00, 19.0], [0.10, 16.5], [0.25, 14.5], [0.50, 13.5], [0.70, 14.5], [0.82, 17.5],
    [0.90, 23.0],
])


def shaft_centre(place: FemurPlacement, fraction: np.ndarray, bow_mm: float) -> np.ndarray:
    """Points ``(n, 3)`` on the shaft's centre line, bowed anteriorly by ``bow_mm`` at mid-shaft."""
    ax = place.actual
    f = np.atleast_1d(np.asarray(fraction, dtype=float))
    straight = ax.corner - f[:, None] * ax.shaft_length * ax.shaft_dir
    anterior = np.array([1.0, 0.0, 0.0]) - ax.shaft_dir[0] * ax.shaft_dir
    anterior /= np.linalg.norm(anterior)
    return straight + (bow_mm * np.sin(np.pi * f))[:, None] * anterior


def shaft_shape(p: FemurShapeParams, place: FemurPlacement) -> list[sdf.Shape]:
    """The bowed shaft, the linea aspera behind it and the gluteal tuberosity."""
    f = SHAFT_PROFILE[:, 0]
    centres = shaft_centre(place, f, p.shaft_bow_mm)
    shaft = sdf.tube(centres, SHAFT_PROFILE[:, 1])
    ax = place.actual
    posterior = -(np.array([1.0, 0.0, 0.0]) - ax.shaft_dir[0] * ax.shaft_dir)
    posterior /= np.linalg.norm(posterior)
    lateral = np.cross(ax.shaft_dir, posterior)  # right-handed: shaft x posterior = lateral
    fl = np.array([0.26, 0.4, 0.55, 0.68])
    radii = np.interp(fl, SHAFT_PROFILE[:, 0], SHAFT_PROFILE[:, 1])
    ridge = shaft_centre(place, fl, p.shaft_bow_mm) + (radii + 0.5)[:, None] * posterior
    linea_aspera = sdf.tube(ridge, [2.5, 4.0, 4.0, 2.5])
    # the supracondylar lines diverge from the linea aspera towards the epicondyles
    fs = np.array([0.68, 0.78, 0.86])
    rs = np.interp(fs, SHAFT_PROFILE[:, 0], SHAFT_PROFILE[:, 1])
    base = shaft_centre(place, fs, p.shaft_bow_mm)
    lines = []
    for side in (-1.0, 1.0):
        spread = np.array([0.0, 0.35, 0.7])[:, None] * side * lateral
        pts = base + (rs - 1.5)[:, None] * (posterior + spread) / np.linalg.norm(
            posterior + spread, axis=1)[:, None]
        lines.append(sdf.tube(pts, [2.5, 2.0, 1.5]))
    return [shaft, linea_aspera, *lines]


def proximal_shape(p: FemurShapeParams, place: FemurPlacement) -> list[sdf.Shape]:
    """Head, neck, greater and lesser trochanters and the crests between them."""
    prox, vec = place.proximal, place.vector
    ax = place.actual
    head = sdf.Sphere([0, 0, 0], p.head_radius_mm)
    # the neck: narrower than the head, oval (taller than deep), widening to its base
    neck_base = ax.corner - 6.0 * ax.neck_dir
    neck = sdf.RoundCone(-8.0 * ax.neck_dir, neck_base, 0.68 * p.head_radius_mm, 21.0)
    neck = sdf.Flattened(neck, centre=0.5 * neck_base, axis=vec([1.0, 0.0, 0.0]), factor=0.82)
    greater = sdf.Ellipsoid(prox([-8.0, -16.0, 53.0]), [15.0, 24.0, 10.5],
                            axes=vec([[1.0, 0.0, 0.0], [0.0, 1.0, 0.1]]))
    greater_tip = sdf.RoundCone(prox([-6.0, -16.0, 53.0]), prox([-12.0, -3.0, 51.0]), 10.0, 5.5)
    # the posterior lip of the greater trochanter, overhanging the trochanteric fossa
    fossa_wall = sdf.Ellipsoid(prox([-23.0, -11.0, 44.0]), [6.0, 13.0, 6.0],
                               axes=vec([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    lesser = sdf.RoundCone(prox([-8.0, -52.0, 28.0]), prox([-19.0, -58.0, 17.0]), 9.0, 6.0)
    crest = sdf.tube(prox([[-19.0, -4.0, 50.0], [-24.0, -22.0, 46.0], [-26.0, -38.0, 38.0],
                           [-21.0, -55.0, 21.0]]), [5.0, 5.5, 6.0, 5.5])
    quadrate = sdf.Sphere(prox([-26.0, -38.0, 40.0]), 6.0)
    line = sdf.tube(prox([[7.0, -12.0, 50.0], [11.0, -32.0, 38.0], [9.0, -52.0, 28.0],
                          [2.0, -66.0, 22.0]]), [3.5, 3.5, 3.5, 3.0])
    gluteal = sdf.tube(place.shaft(np.array([[-10.0, -62.0, 45.0], [-14.0, -82.0, 38.0],
                                             [-17.0, -104.0, 31.0]])), [2.5, 3.0, 2.0])
    return [head, neck, greater, greater_tip, fossa_wall, lesser, crest, quadrate, line, gluteal]


def proximal_hollows(p: FemurShapeParams, place: FemurPlacement) -> list[sdf.Shape]:
    """The trochanteric fossa and the fovea of the head."""
    fossa = sdf.Sphere(place.proximal([-19.0, -14.0, 37.0]), 6.0)
    fovea_dir = place.head(np.array([-0.09, -0.35, -0.93]))
    fovea_dir /= np.linalg.norm(fovea_dir)
    fovea = sdf.Sphere(fovea_dir * (p.head_radius_mm + 2.0), 4.5)
    return [fossa, fovea]


def distal_shape(p: FemurShapeParams, place: FemurPlacement) -> list[sdf.Shape]:
    """Condyles, epicondyles and the metaphysis that joins them to the shaft."""
    d = place.distal
    half = 0.5 * p.epicondylar_width_mm
    medial = sdf.Ellipsoid(d([-9.0, -404.0, -0.52 * half]), [31.0, 22.0, 14.5])
    lateral = sdf.Ellipsoid(d([-7.0, -403.0, 0.52 * half]), [31.0, 21.0, 15.5])
    metaphysis = sdf.Ellipsoid(d([-4.0, -386.0, 0.0]), [24.0, 30.0, 0.78 * half])
    epicondyles = [sdf.Sphere(d([-2.0, -398.0, s * (half - 7.5)]), 9.0) for s in (-1.0, 1.0)]
    return [medial, lateral, metaphysis, *epicondyles]


def distal_hollows(p: FemurShapeParams, place: FemurPlacement) -> list[sdf.Shape]:
    """The intercondylar notch behind and the patellar groove in front."""
    d = place.distal
    # an arch between the condyles, open behind and below
    notch = sdf.RoundCone(d([-52.0, -419.0, 0.0]), d([-6.0, -423.0, 0.0]), 11.5, 9.5)
    groove = sdf.RoundCone(d([36.0, -372.0, 0.0]), d([26.0, -412.0, 0.0]), 9.0, 9.0)
    return [notch, groove]


def femur_shape(p: FemurShapeParams) -> sdf.Shape:
    """The whole right femur as one shape, in the (design) femur frame."""
    place = placement(p)
    solid = sdf.Union(proximal_shape(p, place) + shaft_shape(p, place) + distal_shape(p, place),
                      k=6.0)
    hollows = sdf.Union(proximal_hollows(p, place) + distal_hollows(p, place))
    return sdf.Difference(solid, hollows, k=2.0)
