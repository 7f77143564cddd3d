"""The right hip bone (os coxae) as a signed distance shape, in the pelvis frame (mm).

Pelvis frame: origin at the right hip joint centre, X anterior, Y superior, Z to the right
(lateral); the mid-sagittal plane is at ``Z = -midline_offset``.

The bone is assembled from named parts, each placed around the landmarks of
``data/landmark_targets.yaml``:

* ilium: a thin wing cut from a spherical shell (concave iliac fossa inside, convex gluteal
  surface outside, with low gluteal lines), a thick posterior part carrying the PSIS, PIIS and
  the auricular surface, the iliac crest as a thick swept rim, the ASIS and AIIS as spines, the
  thickened lip of the greater sciatic notch, and the body above the acetabulum;
* acetabulum: a thick cup with a raised rim, opening antero-latero-inferiorly, hollowed by the
  femoral head's socket, with a deeper fossa in its floor and the notch in its inferior rim,
  which leaves the lunate (horseshoe) articular surface standing;
* ischium: a broad column behind the acetabulum, the ischial spine, the tuberosity, the flat
  ischiopubic ramus and the quadrilateral plate on the pelvic side;
* pubis: the superior ramus, the body with its symphyseal face on the mid-sagittal plane and the
  inferior ramus, which with the ischial ramus closes the ring round the obturator foramen;
* the pelvic brim (arcuate and pectineal lines) as a low ridge on the inner surface.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.meshgen import sdf


@dataclass(frozen=True)
class PelvisShapeParams:
    """The numbers the hip bone and sacrum shapes depend on (mm, degrees)."""

    acetabulum_radius_mm: float
    acetabular_wall_mm: float
    acetabular_inclination_deg: float
    acetabular_anteversion_deg: float
    midline_offset_mm: float
    sacroiliac_gap_mm: float


def acetabular_axis(inclination_deg: float, anteversion_deg: float) -> np.ndarray:
    """Unit vector ``(3,)`` along which the acetabulum opens, in the pelvis frame.

    Radiographic definitions (Murray 1993, J Bone Joint Surg Br 75:228-232): the inclination is
    the angle between the axis projected on the coronal plane and the longitudinal axis; the
    anteversion is the angle between the axis and the coronal plane. The cup opens laterally,
    inferiorly and anteriorly.
    """
    inc, av = np.radians(inclination_deg), np.radians(anteversion_deg)
    return np.array([np.sin(av), -np.cos(av) * np.cos(inc), np.cos(av) * np.sin(inc)])


# --- the ilium ------------------------------------------------------------------------------
# A sphere fitted (least squares, residuals <= 5 mm) to the gluteal-surface targets of the
# landmark file: the wing's outer surface lies on it, so the iliac fossa inside is concave and
# the gluteal surface outside convex.
WING_SPHERE_CENTRE = np.array([58.0, 121.0, -138.0])
WING_OUTER_RADIUS = 188.0
WING_HALF_THICKNESS = 2.5

# The wing's outline as seen from the side (pelvis X, Y): from the ASIS down the anterior border
# past the AIIS, under the body, up the greater sciatic notch to the PIIS and PSIS, and along the
# crest back to the ASIS. A spline runs through these points.
WING_OUTLINE_XY = np.array([
    [57, 68], [51, 56], [45, 44], [41, 35],          # ASIS, anterior border, AIIS
    [31, 20], [16, 4], [-5, -4], [-28, 2],           # down into the acetabular roof
    [-46, 18], [-55, 33], [-69, 47], [-84, 55],      # greater sciatic notch, upper lip
    [-93, 60], [-97, 66], [-98, 76], [-92, 86],      # PIIS, PSIS
    [-80, 103], [-62, 119], [-42, 129], [-22, 133],  # crest, posterior part to the top
    [0, 130], [22, 120], [40, 102], [52, 84],        # iliac tubercle, anterior crest
], dtype=float)

# The iliac crest: (x, y) on the wing and the rim radius (mm); thickest at the tubercle.
CREST_XY_R = np.array([
    [-92, 86, 8.0], [-80, 103, 7.0], [-62, 119, 6.5], [-42, 129, 6.5], [-22, 133, 6.5],
    [0, 130, 7.0], [20, 121, 8.0], [40, 102, 6.0], [52, 84, 5.5], [57, 70, 5.5],
])

# The lip of the greater sciatic notch, thickened: (x, y, radius).
NOTCH_LIP_XY_R = np.array([
    [-96, 64, 6.5], [-93, 59, 6.0], [-84, 55, 6.0], [-69, 47, 6.5], [-55, 33, 7.5], [-46, 20, 9.0],
])


# The gluteal lines: low ridges on the outer surface where the gluteal muscles' areas meet.
GLUTEAL_LINES_XY = {
    "posterior": [[-58, 124], [-66, 100], [-74, 76], [-82, 52]],
    "anterior": [[28, 116], [2, 100], [-24, 80], [-44, 58], [-58, 38]],
    "inferior": [[44, 46], [24, 40], [0, 38], [-22, 32]],
}


def wing_point(x: float, y: float, depth: float = WING_HALF_THICKNESS) -> np.ndarray:
    """The point of the wing seen at side-view position ``(x, y)``, ``depth`` (mm) in from
    the gluteal (outer) surface; ``(3,)`` in the pelvis frame."""
    c = WING_SPHERE_CENTRE
    r = WING_OUTER_RADIUS - depth
    return np.array([x, y, c[2] + np.sqrt(r**2 - (x - c[0]) ** 2 - (y - c[1]) ** 2)])


def _wing_tube(xy_r: np.ndarray) -> sdf.Shape:
    pts = np.array([wing_point(x, y) for x, y, _ in xy_r])
    return sdf.tube(pts, xy_r[:, 2])


def ilium_parts() -> list[sdf.Shape]:
    """The wing, crest, spines, posterior ilium and the lip of the sciatic notch."""
    outline = sdf.catmull_rom(WING_OUTLINE_XY, samples=4, closed=True)
    wing = sdf.CurvedPlate(
        centre=WING_SPHERE_CENTRE,
        radius=WING_OUTER_RADIUS - WING_HALF_THICKNESS,
        half_thickness=WING_HALF_THICKNESS,
        plane_axes=[[1, 0, 0], [0, 1, 0]],
        outline=outline,
        rounding=2.0,
    )
    crest = _wing_tube(CREST_XY_R)
    lip = _wing_tube(NOTCH_LIP_XY_R)
    anterior_border = _wing_tube(np.array([[57, 68, 4.0], [48, 50, 3.5], [41, 36, 4.0]]))
    # the gluteal lines only just stand out, and must not show through the thin fossa
    lines = [sdf.tube([wing_point(x, y, 0.7) for x, y in xy], [1.0] * len(xy))
             for xy in GLUTEAL_LINES_XY.values()]
    wing = sdf.Union([wing, *lines], k=1.5)
    # the anterior superior spine juts forwards from the end of the crest
    asis = sdf.RoundCone(wing_point(46, 80, 4.0), wing_point(60, 67, 4.0), 7.0, 5.5)
    aiis = sdf.RoundCone(wing_point(34, 28, 6.0), wing_point(41, 36, 4.0), 7.5, 6.5)
    # posterior ilium: the thick part carrying the PSIS, PIIS and the auricular surface
    normal = wing_point(-85, 70) - WING_SPHERE_CENTRE
    normal /= np.linalg.norm(normal)
    up = np.array([0.0, 1.0, 0.0]) - normal[1] * normal
    posterior = sdf.Ellipsoid(wing_point(-84, 72, 8.0), [18.0, 26.0, 10.0],
                              axes=[np.cross(up, normal), up])
    psis = sdf.RoundCone([-86, 90, -36], [-96, 82, -42], 8.0, 6.5)
    piis = sdf.Sphere([-96, 60, -42], 7.0)
    return [wing, crest, lip, anterior_border, asis, aiis, posterior, psis, piis, ilium_body()]


def ilium_body() -> sdf.Shape:
    """The thick body of the ilium between the wing, the acetabular roof, the greater sciatic
    notch and the pelvic brim: a flattened ellipsoid lying in the wing."""
    normal = wing_point(-8, 30) - WING_SPHERE_CENTRE
    normal /= np.linalg.norm(normal)
    forward = np.array([1.0, 0.0, 0.0]) - normal[0] * normal
    return sdf.Ellipsoid(wing_point(-8, 30, 13.0), [38.0, 24.0, 13.0],
                         axes=[forward, np.cross(normal, forward)])


def brim() -> sdf.Shape:
    """The body of the ilium along the pelvic brim (arcuate line), continuing as the pecten
    pubis to the pubic tubercle: a thick inner ridge that bounds the iliac fossa below."""
    pts = [[-72, 52, -44], [-50, 38, -32], [-28, 26, -27], [-6, 15, -30], [14, 5, -29],
           [28, 0, -24], [38, -14, -40], [44, -24, -55], [47, -28, -63]]
    radii = [4.5, 6.0, 6.5, 6.5, 6.0, 6.0, 5.0, 4.0, 3.5]
    return sdf.tube(pts, radii)


def acetabulum_solid(p: PelvisShapeParams) -> sdf.Shape:
    """The cup's outer body: a thick hemisphere behind the rim plane."""
    axis = acetabular_axis(p.acetabular_inclination_deg, p.acetabular_anteversion_deg)
    outer = sdf.Sphere([0, 0, 0], p.acetabulum_radius_mm + p.acetabular_wall_mm)
    cup = sdf.Intersection(outer, sdf.HalfSpace(axis * 2.0, axis, extent=60.0), k=4.0)
    # the rim (acetabular margin) stands a little proud of the surrounding bone
    rim_radius = p.acetabulum_radius_mm + 0.55 * p.acetabular_wall_mm
    ring = [rim_radius * (np.cos(t) * _rim_axes(axis)[0] + np.sin(t) * _rim_axes(axis)[1])
            + axis * 0.5 for t in np.linspace(0.0, 2.0 * np.pi, 16, endpoint=False)]
    rim = sdf.tube(ring, [0.62 * p.acetabular_wall_mm] * 16, closed=True)
    return sdf.Union([cup, rim], k=3.0)


def _rim_axes(axis: np.ndarray) -> np.ndarray:
    """Two unit vectors ``(2, 3)`` spanning the rim plane (perpendicular to the cup axis)."""
    down = _inferior_rim_direction(axis)
    return np.stack([down, np.cross(axis, down)])


def acetabulum_hollow(p: PelvisShapeParams) -> sdf.Shape:
    """What is carved out of the cup: the socket, the deeper fossa and the notch."""
    axis = acetabular_axis(p.acetabular_inclination_deg, p.acetabular_anteversion_deg)
    r = p.acetabulum_radius_mm
    socket = sdf.Sphere([0, 0, 0], r)
    # the fossa: a shallower sphere reaching 3.5 mm deeper than the socket within ~35 degrees
    fossa = sdf.Sphere(-axis * 12.0, r - 8.5)
    down = _inferior_rim_direction(axis)
    notch = sdf.RoundCone(-axis * 8.0 + down * 6.0, down * (r + 4.0) + axis * 4.0, 6.5, 7.5)
    return sdf.Union([socket, fossa, notch], k=2.5)


def _inferior_rim_direction(axis: np.ndarray) -> np.ndarray:
    down = np.array([0.0, -1.0, 0.0]) - (-axis[1]) * axis
    return down / np.linalg.norm(down)


def ischium_parts() -> list[sdf.Shape]:
    """The column behind the acetabulum, spine, tuberosity and the ischiopubic ramus."""
    # the body of the ischium: broad front to back, flatter from side to side
    column = sdf.tube([[-34, 28, -26], [-28, 5, -26], [-27, -25, -24], [-36, -50, -21]],
                      [14.0, 17.0, 17.0, 16.0])
    column = sdf.Flattened(column, centre=[-30, 0, -25], axis=[0.25, 0.0, 0.97], factor=0.62)
    spine = sdf.RoundCone([-40, -10, -30], [-56, -18, -40], 9.0, 2.5)
    # the pelvic (quadrilateral) surface: a flat plate inside, from the brim down to the
    # obturator foramen, backing the acetabulum and the body of the ischium
    quadrilateral = sdf.RoundBox([-16, 0, -27], [27, 24, 4.0],
                                 axes=[[0.99, 0.0, 0.12], [0.0, 1.0, 0.1]], rounding=3.5)
    tuberosity = sdf.Ellipsoid([-47, -63, -21], [15.0, 23.0, 13.0],
                               axes=[[0.35, -0.94, 0.0], [0.94, 0.35, 0.0]])
    # the ischial and inferior pubic rami, flat in the plane of the obturator foramen
    ramus = sdf.tube([[-38, -71, -24], [-18, -79, -33], [5, -80, -46], [26, -73, -57],
                      [34, -60, -66]], [12.0, 10.5, 10.0, 11.0, 12.0])
    ramus = sdf.Flattened(ramus, centre=[0, -80, -45], axis=OBTURATOR_NORMAL, factor=0.5)
    return [column, spine, tuberosity, ramus, quadrilateral]


# The plane of the obturator foramen faces antero-laterally and a little downwards.
OBTURATOR_NORMAL = np.array([0.5, -0.15, 0.85]) / np.linalg.norm([0.5, -0.15, 0.85])


def pubis_parts(p: PelvisShapeParams) -> list[sdf.Shape]:
    """Superior ramus, body with the symphyseal face, pubic tubercle."""
    z_mid = -p.midline_offset_mm
    superior = sdf.tube([[12, -8, -12], [26, -18, -34], [37, -28, -54], [40, -35, -68]],
                        [13.0, 11.0, 10.0, 10.5])
    body = sdf.RoundBox([35, -52, z_mid + 12], [11, 23, 13],
                        axes=[[0.97, 0.24, 0.0], [-0.24, 0.97, 0.0]], rounding=9.0)
    tubercle = sdf.Sphere([47, -29, -62], 5.0)
    return [superior, body, tubercle]


def hip_bone_shape(p: PelvisShapeParams) -> sdf.Shape:
    """The whole right hip bone as one shape."""
    parts = ilium_parts() + [brim(), acetabulum_solid(p)] + ischium_parts() + pubis_parts(p)
    bone = sdf.Union(parts, k=7.0)
    bone = sdf.Difference(bone, acetabulum_hollow(p), k=3.0)
    # the symphyseal face: flat, 1 mm lateral of the mid-sagittal plane (half the disc)
    beyond_midline = sdf.HalfSpace([0, 0, -p.midline_offset_mm + 1.0], [0, 0, 1], extent=300.0)
    return sdf.Difference(bone, beyond_midline)
