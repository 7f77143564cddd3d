"""Bones from the CT-derived population mean shapes of the ``musculoskeletal-models`` package.

The package (Auckland Bioengineering Institute, MPL-2.0) holds the mean of 26 lower limbs
segmented from CT ("LLP26") as Lagrange field meshes. This module evaluates them with the
project's own reader (:mod:`viewer.meshgen.fieldmesh`), triangulates each element on a regular
grid, and places every bone in its ISB frame built from its own landmarks:

* pelvis: Z from the left to the right anterior superior iliac spine, X forwards in the plane
  of both ASISs and the midpoint of the PSISs, Y = Z x X; origin at the right hip joint centre
  (a sphere fitted to the right acetabular elements);
* femur: origin at the centre of a sphere fitted to the head element, Y from the midpoint of the
  epicondyles to the head centre, Z along the epicondylar line (to the right), X = Y x Z;
* tibia and fibula: in the femur frame at full knee extension, the plateau centre under the
  femoral knee centre and the line from the mid-malleoli to the plateau along femur Y.

The package is needed only to build the meshes (the ``build-meshes`` extra); the viewer loads
the PLY files this produces.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import trimesh

from viewer.core.errors import DataError
from viewer.meshgen.fieldmesh import FieldMesh

PACKAGE = "musculoskeletal-models"
MODULE = "musculoskeletal.models"

FILES = {
    "pelvis": ("pelvis_combined_cubic_mean_rigid_LLP26.geof", "pelvis_combined_cubic_flat.ens",
               "pelvis_combined_cubic_flat.mesh"),
    "femur": ("femur_right_mirrored_from_left_mean_rigid_LLP26.geof", "femur_right_quartic_flat.ens",
              "femur_right_quartic_flat.mesh"),
    "tibia_fibula": ("tibia_fibula_cubic_right_mirrored_from_left_mean_rigid_LLP26.geof",
                     "tibia_fibula_right_cubic_flat.ens", "tibia_fibula_right_cubic_flat.mesh"),
}

# Element ranges of the combined pelvis mesh: right hip bone, left hip bone, sacrum.
PELVIS_ELEMENTS = {"hip_bone": range(0, 73), "hip_bone_left": range(73, 146), "sacrum": range(146, 260)}
# Named nodes (mesh node numbers of the package's landmark definitions).
PELVIS_NODES = {"RASIS": 466, "LASIS": 1004, "RPSIS": 384, "LPSIS": 924, "RPS": 91, "RIS": 233, "RIT": 25,
                "RPT": 102, "LIS": 773, "LIT": 566, "LPS": 631}
RIGHT_ACETABULUM_ELEMENTS = (36, 38, 39, 40, 41, 42)
LEFT_ACETABULUM_ELEMENTS = (109, 111, 112, 113, 114, 115)
FEMUR_NODES = {"MEC": 628, "LEC": 550, "GT": 174, "LT": 276}
FEMUR_HEAD_ELEMENTS = (0,)
TIBIA_NODES = {"LC": 258, "MC": 235, "LM": 527, "MM": 151, "TT": 203}

# Grid intervals per element side: chosen so that each bone stays near or below the
# triangle budget of the procedural set it replaces (about 40k a bone).
RESOLUTION = {"hip_bone": 16, "hip_bone_left": 7, "sacrum": 11, "femur": 18, "tibia_fibula": 9}
# The leg (tibia, fibula and the simplified foot) is one structure on its own body, hinged
# to the femur at the knee.
LEG = "leg"


def atlas_dir() -> Path:
    """The folder of the package's mean meshes. Raises DataError if it is not installed."""
    try:
        from importlib import resources

        folder = Path(str(resources.files(MODULE) / "atlas_meshes"))
    except ModuleNotFoundError:
        raise DataError(f"the Python package {PACKAGE!r} is not installed; it is needed only to build "
                        "the bone meshes: pip install '.[build-meshes]'", field="build-meshes") from None
    if not folder.is_dir():
        raise DataError("no atlas_meshes folder in the installed package", file=folder)
    return folder


def package_version() -> str:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        atlas_dir()
        raise


DERIVED_BONES = ("hip_bone", "hip_bone_left", "sacrum", "femur", LEG)
LICENCE_FILE = "LICENSE.MPL-2.0"
NOTICE_FILE = "NOTICE"


def licence_text() -> str:
    """The package's licence text (MPL-2.0), from its installed distribution."""
    dist = importlib.metadata.distribution(PACKAGE)
    for name in ("LICENSE", "LICENSE.txt", "LICENCE"):
        text = dist.read_text(name)
        if text:
            return text
    raise DataError(f"the installed {PACKAGE} distribution has no LICENSE file", field="build-meshes")


def notice_text() -> str:
    files = ", ".join(f"{b}.ply" for b in DERIVED_BONES)
    return (
        "Bone surfaces derived from the musculoskeletal-models package\n"
        "=============================================================\n\n"
        f"The files {files} in this folder, the bony landmark positions in landmarks.json and\n"
        "the bones' signed-distance grids distance_pelvis.bin and distance_femur.bin (sampled from\n"
        "those surfaces; they keep the muscle bellies out of the bones) and the bellies' lift table\n"
        "belly_lifts.bin (computed against those grids)\n"
        f"are derived from the package {PACKAGE} version {package_version()} (Python package index),\n"
        "by the Auckland Bioengineering Institute, distributed under the Mozilla Public License 2.0.\n"
        "Source: the mean shapes of 26 lower limbs segmented from CT (LLP26), files\n"
        + "".join(f"  musculoskeletal/models/atlas_meshes/{f}\n" for files in FILES.values() for f in files[:3])
        + "\nHow they were derived: the Lagrange field meshes were evaluated with this project's own\n"
        "reader (viewer/meshgen/fieldmesh.py), triangulated on a regular grid per element, and moved\n"
        "into the ISB pelvis and femur frames built from their own landmarks\n"
        "(viewer/meshgen/ct_bones.py). The coccyx in sacrum.ply and the foot in leg.ply are this\n"
        "project's own procedural shapes, fitted to the sacral apex and to the malleoli.\n\n"
        f"These derived files remain under the Mozilla Public License 2.0 ({LICENCE_FILE} in this\n"
        "folder); the rest of the project keeps its own licence. Regenerate them with\n"
        "`hip-viewer build-meshes` (needs the build-meshes extra: pip install '.[build-meshes]').\n"
    )


def available() -> bool:
    try:
        atlas_dir()
    except DataError:
        return False
    return True


def load_field(name: str) -> FieldMesh:
    folder = atlas_dir()
    return FieldMesh.load(*(folder / f for f in FILES[name]))


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares sphere through ``points`` ``(n, 3)``: centre and radius."""
    a = np.column_stack([2 * points, np.ones(len(points))])
    b = np.sum(points**2, axis=1)
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    centre = sol[:3]
    return centre, float(np.sqrt(sol[3] + centre @ centre))


def _element_points(field: FieldMesh, elements, n: int = 10) -> np.ndarray:
    pts = []
    for e in elements:
        xi, _ = field.bases[field.element_types[e]].grid(n)
        pts.append(field.evaluate(e, xi))
    return np.concatenate(pts)


@dataclass
class Placed:
    """One bone's field, in its body frame: ``rotation @ (p - origin)``."""

    field: FieldMesh
    elements: tuple[int, ...]
    rotation: np.ndarray
    origin: np.ndarray
    body: str

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points, float) - self.origin) @ self.rotation.T

    def surface(self, element: int, xi) -> np.ndarray:
        """Point(s) of the smooth surface, in the body frame."""
        return self.to_frame(self.field.evaluate(element, np.atleast_2d(xi)))

    def mesh(self, n: int):
        """``(vertices, faces, face_element, corner_xi)`` in the body frame."""
        v, f, fe, cxi = self.field.triangulate(list(self.elements), n)
        return self.to_frame(v), f, fe, cxi


def pelvis_frame(field: FieldMesh) -> tuple[np.ndarray, np.ndarray, dict]:
    """ISB pelvis frame (rows X, Y, Z) and origin (right hip joint centre), and the raw
    named points used."""
    node = {k: field.nodes[v] for k, v in PELVIS_NODES.items()}
    rhjc, r_r = fit_sphere(_element_points(field, RIGHT_ACETABULUM_ELEMENTS))
    lhjc, r_l = fit_sphere(_element_points(field, LEFT_ACETABULUM_ELEMENTS))
    z = node["RASIS"] - node["LASIS"]
    z /= np.linalg.norm(z)
    x = 0.5 * (node["RASIS"] + node["LASIS"]) - 0.5 * (node["RPSIS"] + node["LPSIS"])
    x -= (x @ z) * z
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    extra = {"RHJC": rhjc, "LHJC": lhjc, "acetabulum_radius_right": r_r, "acetabulum_radius_left": r_l}
    return np.stack([x, y, z]), rhjc, {**node, **extra}


def femoral_head_sphere(field: FieldMesh, band_mm: float = 2.0, iterations: int = 6) -> tuple[np.ndarray, float]:
    """Centre and radius of the femoral head.

    Starts from a sphere fitted to the head element, then refits to every surface point within
    ``band_mm`` of the current sphere on the head's side of the plane through the centre that
    faces the greater trochanter (the neck and trochanter are left out).
    """
    points = _element_points(field, range(field.n_elements), 12)
    centre, radius = fit_sphere(_element_points(field, FEMUR_HEAD_ELEMENTS))
    gt = field.nodes[FEMUR_NODES["GT"]]
    for _ in range(iterations):
        medial = centre - gt
        medial /= np.linalg.norm(medial)
        near = np.abs(np.linalg.norm(points - centre, axis=1) - radius) < band_mm
        near &= (points - centre) @ medial > -5.0
        centre, radius = fit_sphere(points[near])
    return centre, radius


def femur_frame(field: FieldMesh) -> tuple[np.ndarray, np.ndarray, dict]:
    head, radius = femoral_head_sphere(field)
    mec, lec = field.nodes[FEMUR_NODES["MEC"]], field.nodes[FEMUR_NODES["LEC"]]
    knee = 0.5 * (mec + lec)
    y = head - knee
    y /= np.linalg.norm(y)
    z = lec - mec
    z -= (z @ y) * y
    z /= np.linalg.norm(z)
    x = np.cross(y, z)
    named = {k: field.nodes[v] for k, v in FEMUR_NODES.items()}
    return np.stack([x, y, z]), head, {**named, "head_centre": head, "head_radius": radius}


def tibia_placement(field: FieldMesh, femur: Placed, femur_named: dict) -> tuple[np.ndarray, np.ndarray]:
    """Rotation and origin putting the tibia/fibula in the femur frame at full extension."""
    node = {k: field.nodes[v] for k, v in TIBIA_NODES.items()}
    plateau = 0.5 * (node["LC"] + node["MC"])
    ankle = 0.5 * (node["LM"] + node["MM"])
    y = plateau - ankle
    y /= np.linalg.norm(y)
    z = node["LM"] - node["MM"]  # medial to lateral: to the right for a right leg
    z -= (z @ y) * y
    z /= np.linalg.norm(z)
    x = np.cross(y, z)
    r_local = np.stack([x, y, z])
    # in the femur frame the knee centre is the epicondyle midpoint; the plateau lies a
    # joint's height below it (condyle radius + cartilage, about 22 mm)
    knee = femur.to_frame(0.5 * (femur_named["MEC"] + femur_named["LEC"]))
    target = knee + np.array([0.0, -22.0, 0.0])
    # new = r_local @ (p - plateau) + target = r_local @ (p - (plateau - r_local.T @ target))
    origin = plateau - r_local.T @ target
    return r_local, origin


def place_all() -> tuple[dict[str, Placed], dict]:
    """Every CT bone placed in its body frame, and the named raw points and fits."""
    pelvis = load_field("pelvis")
    rot, origin, pnamed = pelvis_frame(pelvis)
    out = {bone: Placed(pelvis, tuple(els), rot, origin, "pelvis") for bone, els in PELVIS_ELEMENTS.items()}
    femur = load_field("femur")
    frot, forigin, fnamed = femur_frame(femur)
    out["femur"] = Placed(femur, tuple(range(femur.n_elements)), frot, forigin, "femur")
    tib = load_field("tibia_fibula")
    trot, torigin = tibia_placement(tib, out["femur"], fnamed)
    out["tibia_fibula"] = Placed(tib, tuple(range(tib.n_elements)), trot, torigin, "femur")
    return out, {"pelvis": pnamed, "femur": fnamed}


def closest_on_mesh(vertices, faces, points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest points of a triangle mesh: points, distances, face index."""
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    pts, dist, tri = trimesh.proximity.closest_point(mesh, np.asarray(points, float))
    return pts, dist, tri


# --- the built set --------------------------------------------------------------------------

LANDMARKS_PATH = Path(__file__).parent / "data" / "ct_landmarks.yaml"
COMPUTED = ("hip_joint_centre", "femoral_head_centre", "knee_centre", "obturator_foramen_centre", "coccyx_tip",
            "tibial_tuberosity", "medial_malleolus", "lateral_malleolus", "medial_tibial_condyle",
            "lateral_tibial_condyle", "fibular_head", "ankle_centre", "calcaneal_tuberosity", "tip_of_the_great_toe")
OBTURATOR_MARGIN = ("obturator_margin_superior", "obturator_margin_inferior", "obturator_margin_anterior",
                    "obturator_margin_posterior")
# the coccyx (not in the CT data): four segments from the sacral apex, lengths and half widths
# (mm) after Gray's Anatomy (42nd ed.): about 30 mm in all, narrowing to the tip, curving forwards.
COCCYX_SEGMENT_MM = (9.0, 8.0, 7.0, 6.0)
COCCYX_HALF_WIDTH_MM = (11.0, 8.5, 6.0, 4.0)
COCCYX_BEND_DEG = 14.0
COCCYX_TRIANGLES = 2000
SACROCOCCYGEAL_GAP_MM = 1.0


LANDMARK_FRAME = {"hip_bone": "pelvis", "hip_bone_left": "pelvis", "sacrum": "pelvis", "femur": "femur"}


def load_landmark_picks(path: Path | None = None) -> dict[str, dict[str, tuple[int, np.ndarray]]]:
    """Landmarks as (element, xi) on the smooth field, by bone. Raises DataError on bad input."""
    from viewer.io.yaml_source import read_yaml

    path = Path(path) if path is not None else LANDMARKS_PATH
    raw, _ = read_yaml(path)
    if not isinstance(raw, dict):
        raise DataError("expected a mapping of bone ids to landmarks", file=path)
    out: dict[str, dict[str, tuple[int, np.ndarray]]] = {}
    for bone, entries in raw.items():
        if bone not in LANDMARK_FRAME:
            raise DataError(f"unknown bone id; allowed: {', '.join(LANDMARK_FRAME)}", file=path, field=str(bone))
        if not isinstance(entries, dict):
            raise DataError("expected a mapping of landmark names", file=path, field=bone)
        out[bone] = {}
        for name, entry in entries.items():
            field = f"{bone}.{name}"
            if not isinstance(entry, dict) or set(entry) != {"element", "xi"}:
                raise DataError("expected {element: N, xi: [a, b]}", file=path, field=field)
            xi = entry["xi"]
            if (not isinstance(entry["element"], int) or not isinstance(xi, list) or len(xi) != 2
                    or not all(isinstance(v, (int, float)) and -1e-9 <= v <= 1 + 1e-9 for v in xi)):
                raise DataError("element must be an integer and xi two numbers in [0, 1]", file=path, field=field)
            out[bone][name] = (entry["element"], np.array(xi, dtype=float))
    return out


def coccyx_mesh(sacrum_vertices: np.ndarray, midline_z: float) -> tuple[trimesh.Trimesh, np.ndarray]:
    """A procedural coccyx hanging from the sacral apex, and its tip.

    The apex is the lowest midline point of the sacrum; the first segment continues the line of
    the lowest 20 mm of the sacrum's midline, and each following one bends forwards.
    """
    from viewer.meshgen import sdf
    from viewer.meshgen.bones import mesh_shape

    mid = sacrum_vertices[np.abs(sacrum_vertices[:, 2] - midline_z) < 3.0]
    apex = mid[np.argmin(mid[:, 1])]
    upper = mid[(mid[:, 1] > apex[1] + 15.0) & (mid[:, 1] < apex[1] + 25.0)]
    # the posterior-most and anterior-most points there bracket the bone; use their middle
    above = 0.5 * (upper[np.argmin(upper[:, 0])] + upper[np.argmax(upper[:, 0])])
    down = apex - above
    down[2] = 0.0
    down /= np.linalg.norm(down)
    start = apex + SACROCOCCYGEAL_GAP_MM * down
    start[2] = midline_z
    pts = [start]
    c, s = np.cos(np.radians(COCCYX_BEND_DEG)), np.sin(np.radians(COCCYX_BEND_DEG))
    for length in COCCYX_SEGMENT_MM:
        pts.append(pts[-1] + length * down)
        # each segment turns forwards: rotate about Z from -Y towards +X
        down = np.array([c * down[0] - s * down[1], s * down[0] + c * down[1], 0.0])
    parts = []
    for i in range(len(COCCYX_SEGMENT_MM)):
        a, b = pts[i], pts[i + 1]
        axis = b - a
        half = 0.5 * np.linalg.norm(axis)
        w = COCCYX_HALF_WIDTH_MM[i]
        parts.append(sdf.Ellipsoid(0.5 * (a + b), [half + 1.0, 0.45 * w + 1.5, w],
                                   axes=[axis, [axis[1], -axis[0], 0.0]]))
    shape = sdf.Union(parts, k=3.0)
    mesh = mesh_shape(shape, 0.75, COCCYX_TRIANGLES)
    tip = mesh.vertices[np.argmax((mesh.vertices - pts[-2]) @ (pts[-1] - pts[-2]))]
    return mesh, tip


# The simplified foot, in the leg frame around the ankle centre (midpoint of the malleoli):
# forwards along the foot axis (turned out by FOOT_PROGRESSION_DEG), up, and lateral. Sizes in mm
# after adult foot dimensions (length about 250 mm, ball width about 95 mm, ankle joint about
# 70 mm above the sole; Gray's Anatomy, 42nd ed.): heel, talus, midfoot, ball and toes.
FOOT_PROGRESSION_DEG = 10.0
FOOT_PARTS = (
    # kind, centre (forwards, up, lateral), size (forwards, up, lateral)
    ("ellipsoid", (-28.0, -42.0, 2.0), (32.0, 24.0, 20.0)),   # calcaneus, heel
    ("ellipsoid", (4.0, -20.0, 0.0), (26.0, 17.0, 19.0)),     # talus
    ("box", (58.0, -38.0, 6.0), (44.0, 17.0, 30.0)),          # navicular, cuneiforms, cuboid
    ("ellipsoid", (122.0, -50.0, 4.0), (42.0, 12.0, 44.0)),   # metatarsals to the ball
    ("ellipsoid", (176.0, -55.0, -4.0), (26.0, 8.0, 40.0)),   # toes
)
FOOT_TRIANGLES = 3000


def foot_mesh(ankle: np.ndarray) -> tuple[trimesh.Trimesh, dict[str, np.ndarray]]:
    """The simplified right foot below ``ankle`` (leg frame), and its heel and toe points."""
    from viewer.meshgen import sdf
    from viewer.meshgen.bones import mesh_shape

    a = np.radians(FOOT_PROGRESSION_DEG)
    forwards = np.array([np.cos(a), 0.0, np.sin(a)])  # toes turned out, to the right
    up = np.array([0.0, 1.0, 0.0])
    lateral = np.cross(forwards, up)
    lateral = -lateral if lateral[2] < 0 else lateral
    axes = np.stack([forwards, up, lateral])
    parts = []
    for kind, centre, size in FOOT_PARTS:
        c = ankle + np.asarray(centre) @ axes
        if kind == "box":
            parts.append(sdf.RoundBox(c, np.asarray(size), axes=axes, rounding=12.0))
        else:
            parts.append(sdf.Ellipsoid(c, np.asarray(size), axes=axes))
    mesh = mesh_shape(sdf.Union(parts, k=8.0), 1.5, FOOT_TRIANGLES)
    along = (mesh.vertices - ankle) @ forwards
    points = {"calcaneal_tuberosity": mesh.vertices[np.argmin(along)], "tip_of_the_great_toe": mesh.vertices[np.argmax(along)]}
    return mesh, points


def _to_trimesh(vertices, faces) -> trimesh.Trimesh:
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    if mesh.volume < 0:
        mesh.invert()
    return mesh


def build(landmarks_path: Path | None = None):
    """The CT-derived bones in their body frames, with their landmarks.

    Returns
    -------
    meshes : dict[str, trimesh.Trimesh]
        ``hip_bone``, ``hip_bone_left``, ``sacrum`` (with the coccyx) in the pelvis frame,
        ``femur`` in the femur frame, ``leg`` (tibia, fibula and foot) in the leg frame, which
        coincides with the femur frame at full knee extension.
    landmarks : dict[str, viewer.meshgen.landmarks.Landmark]
    info : dict
        Source, resolution and measured fits, for the manifest.
    """
    from viewer.meshgen.landmarks import Landmark

    placed, named = place_all()
    meshes = {}
    for bone in ("hip_bone", "hip_bone_left", "sacrum", "femur"):
        v, f, _, _ = placed[bone].mesh(RESOLUTION[bone])
        meshes[bone] = _to_trimesh(v, f)
    midline_z = 0.5 * placed["hip_bone"].to_frame(named["pelvis"]["LHJC"])[2]
    coccyx, tip = coccyx_mesh(meshes["sacrum"].vertices, midline_z)
    sacrum = meshes["sacrum"]
    meshes["sacrum"] = trimesh.Trimesh(np.vstack([sacrum.vertices, coccyx.vertices]),
                                       np.vstack([sacrum.faces, coccyx.faces + len(sacrum.vertices)]),
                                       process=False)
    # the leg: tibia and fibula at full knee extension with the foot under the malleoli
    tib = placed["tibia_fibula"]
    v, f, _, _ = tib.mesh(RESOLUTION["tibia_fibula"])
    tnode = {k: tib.to_frame(tib.field.nodes[n]) for k, n in TIBIA_NODES.items()}
    ankle = 0.5 * (tnode["MM"] + tnode["LM"])
    foot, foot_points = foot_mesh(ankle)
    leg_bones = _to_trimesh(v, f)
    meshes[LEG] = trimesh.Trimesh(np.vstack([leg_bones.vertices, foot.vertices]),
                                  np.vstack([leg_bones.faces, foot.faces + len(leg_bones.vertices)]), process=False)
    pieces = leg_bones.split(only_watertight=False)
    fibula = min(pieces, key=lambda m: m.volume)
    picks = load_landmark_picks(landmarks_path)
    landmarks: dict[str, Landmark] = {}
    frame = LANDMARK_FRAME
    for bone, entries in picks.items():
        for name, (element, xi) in entries.items():
            if element not in placed[bone].elements:
                raise DataError(f"element {element} is not part of the {bone}",
                                file=landmarks_path or LANDMARKS_PATH, field=f"{bone}.{name}.element")
            pos = placed[bone].surface(element, xi)[0]
            landmarks[name] = Landmark(name, bone, frame[bone], pos, True, 0.0)
    fnamed = named["femur"]
    knee = placed["femur"].to_frame(0.5 * (fnamed["MEC"] + fnamed["LEC"]))
    margin = np.array([landmarks[n].position_mm for n in OBTURATOR_MARGIN if n in landmarks])
    computed = {
        "hip_joint_centre": ("hip_bone", "pelvis", np.zeros(3)),
        "femoral_head_centre": ("femur", "femur", np.zeros(3)),
        "knee_centre": ("femur", "femur", knee),
        "coccyx_tip": ("sacrum", "pelvis", tip),
    }
    leg_marks = {"tibial_tuberosity": tnode["TT"], "medial_malleolus": tnode["MM"], "lateral_malleolus": tnode["LM"],
                 "medial_tibial_condyle": tnode["MC"], "lateral_tibial_condyle": tnode["LC"],
                 "fibular_head": fibula.vertices[np.argmax(fibula.vertices[:, 1])], **foot_points}
    for name, pos in leg_marks.items():
        landmarks[name] = Landmark(name, LEG, "leg", pos, True, 0.0)
    landmarks["ankle_centre"] = Landmark("ankle_centre", LEG, "leg", ankle, False, 0.0)
    if len(margin):
        computed["obturator_foramen_centre"] = ("hip_bone", "pelvis", margin.mean(axis=0))
    for name, (bone, fr, pos) in computed.items():
        landmarks[name] = Landmark(name, bone, fr, pos, name == "coccyx_tip", 0.0)
    info = {
        "source": {"package": PACKAGE, "version": package_version(),
                   "files": sorted(f for files in FILES.values() for f in files)},
        "triangulation_intervals": {b: RESOLUTION[b] for b in ("hip_bone", "hip_bone_left", "sacrum", "femur",
                                                              "tibia_fibula")},
        "fits_mm": {
            "right_acetabulum_radius": round(float(named["pelvis"]["acetabulum_radius_right"]), 3),
            "femoral_head_radius": round(float(fnamed["head_radius"]), 3),
            "left_hip_centre": [round(float(x), 3) for x in placed["hip_bone"].to_frame(named["pelvis"]["LHJC"])],
        },
    }
    return meshes, dict(sorted(landmarks.items())), info
