"""The procedural bones: sound meshes, landmarks on their surfaces, frames as the ISB says, and
anatomy inside published normal adult ranges - measured on the generated meshes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh
import yaml

from viewer.core.errors import DataError
from viewer.meshgen import hip_bone, sacrum
from viewer.meshgen.bones import BONE_IDS, BoneParams, generate_bones
from viewer.meshgen.landmarks import Landmark, LandmarkTarget, closest_points, snap

# --- measuring helpers --------------------------------------------------------------------------


def ray_hit_distance(mesh: trimesh.Trimesh, origins: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Distance (mm) along each ray to the first triangle it crosses, ``inf`` if none.

    Moller-Trumbore against every triangle: exact, and needs no spatial index.
    """
    tri = mesh.triangles
    v0, e1, e2 = tri[:, 0], tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    out = np.full(len(origins), np.inf)
    for i, (o, d) in enumerate(zip(np.asarray(origins, float), np.asarray(directions, float))):
        d = d / np.linalg.norm(d)
        p = np.cross(d, e2)
        det = np.einsum("ij,ij->i", e1, p)
        ok = np.abs(det) > 1e-12
        inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
        s = o - v0
        u = np.einsum("ij,ij->i", s, p) * inv
        q = np.cross(s, e1)
        v = q @ d * inv
        t = np.einsum("ij,ij->i", q, e2) * inv
        hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-6)
        if hit.any():
            out[i] = t[hit].min()
    return out


def signed_distance(mesh: trimesh.Trimesh, points: np.ndarray) -> np.ndarray:
    """Signed distance (mm) of ``points`` to a closed mesh, negative inside (VTK)."""
    import pyvista as pv

    probe = pv.PolyData(np.asarray(points, float))
    return np.asarray(probe.compute_implicit_distance(pv.wrap(mesh))["implicit_distance"])


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares sphere through ``points`` ``(n, 3)``: centre and radius (mm)."""
    a = np.column_stack([2 * points, np.ones(len(points))])
    b = np.sum(points**2, axis=1)
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    centre = sol[:3]
    return centre, float(np.sqrt(sol[3] + centre @ centre))


def section_centroid(mesh: trimesh.Trimesh, y: float) -> np.ndarray:
    """Centroid ``(3,)`` of the cross-section contour of ``mesh`` at height ``y`` (perimeter-weighted)."""
    segments = trimesh.intersections.mesh_plane(mesh, [0, 1, 0], [0, y, 0])
    lengths = np.linalg.norm(segments[:, 1] - segments[:, 0], axis=1)
    return (segments.mean(axis=1) * lengths[:, None]).sum(axis=0) / lengths.sum()


def neck_direction(femur: trimesh.Trimesh) -> np.ndarray:
    """Unit vector from the head centre (origin) along the femoral neck, from the mesh.

    The neck is the only part of the bone 27-37 mm from the head centre; the area-weighted
    centroid of the faces there lies on its axis.
    """
    centres = femur.triangles_center
    r = np.linalg.norm(centres, axis=1)
    ring = (r > 27.0) & (r < 37.0)
    c = (centres[ring] * femur.area_faces[ring, None]).sum(axis=0) / femur.area_faces[ring].sum()
    return c / np.linalg.norm(c)


def shaft_direction(femur: trimesh.Trimesh) -> np.ndarray:
    """Unit vector up the anatomical shaft axis, through the centroids of two sections placed
    symmetrically about mid-shaft (so that the anterior bow cancels)."""
    upper, lower = section_centroid(femur, -120.0), section_centroid(femur, -316.0)
    d = upper - lower
    return d / np.linalg.norm(d)


def neck_shaft_angle_deg(femur: trimesh.Trimesh) -> float:
    """Angle between the neck axis (towards the head) and the shaft axis (towards the knee)."""
    to_head, down_shaft = -neck_direction(femur), -shaft_direction(femur)
    return float(np.degrees(np.arccos(np.clip(to_head @ down_shaft, -1, 1))))


def anteversion_deg(femur: trimesh.Trimesh) -> float:
    """Angle of the neck axis in front of the epicondylar axis (femur Z), seen along femur Y."""
    to_head = -neck_direction(femur)
    return float(np.degrees(np.arctan2(to_head[0], -to_head[2])))


def acetabular_axis(params: BoneParams) -> np.ndarray:
    return hip_bone.acetabular_axis(params.acetabular_inclination_deg,
                                    params.acetabular_anteversion_deg)


def directions_in_cone(axis: np.ndarray, half_angle_deg: float, n: int = 120) -> np.ndarray:
    """Deterministic unit vectors ``(m, 3)`` within ``half_angle_deg`` of ``axis`` (a spiral)."""
    axis = axis / np.linalg.norm(axis)
    helper = np.array([1.0, 0, 0]) if abs(axis[0]) < 0.9 else np.array([0, 1.0, 0])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    k = np.arange(n) + 0.5
    cos_t = 1 - (1 - np.cos(np.radians(half_angle_deg))) * k / n
    phi = k * np.pi * (3 - np.sqrt(5))
    sin_t = np.sqrt(1 - cos_t**2)
    return (cos_t[:, None] * axis + sin_t[:, None] * (np.cos(phi)[:, None] * u
                                                      + np.sin(phi)[:, None] * v))


# --- meshes -------------------------------------------------------------------------------------


def test_api_names_and_frames(bones):
    assert set(bones.meshes) == set(BONE_IDS) == {"hip_bone", "sacrum", "femur"}
    assert bones.frames == {"hip_bone": "pelvis", "sacrum": "pelvis", "femur": "femur"}
    for mesh in bones.meshes.values():
        assert mesh.vertices.dtype == np.float64
    mark = bones.landmarks["ischial_spine"]
    assert isinstance(mark, Landmark) and mark.bone == "hip_bone" and mark.frame == "pelvis"
    assert mark.position_mm.shape == (3,) and not mark.position_mm.flags.writeable
    with pytest.raises(dataclasses.FrozenInstanceError):
        mark.name = "other"


@pytest.mark.parametrize("bone", BONE_IDS)
def test_mesh_is_closed_oriented_and_within_budget(bones, bone):
    mesh = bones.meshes[bone]
    assert mesh.is_watertight, bone
    assert mesh.is_winding_consistent, bone
    assert mesh.volume > 0, f"{bone} is inside out"
    assert mesh.area_faces.min() > 1e-9, f"{bone} has degenerate triangles"
    assert 20_000 <= len(mesh.faces) <= 60_000, (bone, len(mesh.faces))
    # outward normals: a point far outside along each axis sees the face normals pointing at it
    far = mesh.vertices[np.argmax(mesh.vertices[:, 1])]
    normal = mesh.vertex_normals[np.argmax(mesh.vertices[:, 1])]
    assert normal[1] > 0.5, (bone, far, normal)


@pytest.mark.parametrize("bone", ["hip_bone", "femur"])
def test_hip_bone_and_femur_are_single_bodies(bones, bone):
    assert len(bones.meshes[bone].split(only_watertight=False)) == 1


def test_generation_is_deterministic(bones):
    again = generate_bones(BoneParams())
    for bone in BONE_IDS:
        np.testing.assert_array_equal(bones.meshes[bone].vertices, again.meshes[bone].vertices)
        np.testing.assert_array_equal(bones.meshes[bone].faces, again.meshes[bone].faces)


# --- landmarks ----------------------------------------------------------------------------------


def test_every_target_has_a_landmark(bones):
    targets = yaml.safe_load(open(hip_bone.__file__.replace("hip_bone.py", "data/landmark_targets.yaml")))
    for bone, entries in targets.items():
        for name in entries:
            assert bones.landmarks[name].bone == bone, name


def test_surface_landmarks_lie_on_their_bone(bones):
    for name, mark in bones.landmarks.items():
        if not mark.on_surface:
            continue
        _, dist = closest_points(bones.meshes[mark.bone], mark.position_mm[None])
        assert dist[0] < 1.0, (name, dist[0])
        assert mark.snap_distance_mm <= bones.params.max_snap_mm, name


def test_snap_distances_are_small(bones):
    # the shapes were designed around the targets: every target is within a few mm
    worst = max(bones.landmarks.values(), key=lambda m: m.snap_distance_mm)
    assert worst.snap_distance_mm < 4.5, (worst.name, worst.snap_distance_mm)


def test_attachments_are_on_the_right_bone(bones):
    pelvis = {"hip_bone", "sacrum"}
    for name, mark in bones.landmarks.items():
        if name.endswith(".insertion"):
            assert mark.bone == "femur", name
        elif name.endswith(".origin"):
            assert mark.bone in pelvis, name
    # a pelvic landmark sits on its own bone, not on its neighbour across the joint
    for name, mark in bones.landmarks.items():
        if mark.bone in pelvis and mark.on_surface:
            other = (pelvis - {mark.bone}).pop()
            _, dist = closest_points(bones.meshes[other], mark.position_mm[None])
            assert dist[0] > 1.0, name
    assert bones.landmarks["piriformis.origin"].bone == "sacrum"
    assert bones.landmarks["gemellus_inferior.origin"].bone == "hip_bone"


def test_far_target_raises_naming_the_landmark():
    ball = trimesh.creation.icosphere(subdivisions=3, radius=10.0)
    targets = [LandmarkTarget("near", "hip_bone", np.array([10.5, 0, 0]), True),
               LandmarkTarget("lost_spine", "hip_bone", np.array([30.0, 0, 0]), True)]
    with pytest.raises(DataError, match=r"hip_bone\.lost_spine: target is 20\.0 mm"):
        snap(targets, ball, max_snap_mm=6.0)
    out = snap(targets[:1], ball, max_snap_mm=6.0)
    assert out["near"].snap_distance_mm == pytest.approx(0.5, abs=0.05)


def test_bad_parameter_file_names_the_field(tmp_path):
    good = yaml.safe_load(open(hip_bone.__file__.replace("hip_bone.py", "data/skeleton.yaml")))
    good["femur"]["neck_shaft_angle_deg"]["value"] = "steep"
    path = tmp_path / "skeleton.yaml"
    path.write_text(yaml.safe_dump(good))
    with pytest.raises(DataError, match=r"femur\.neck_shaft_angle_deg\.value: value must be a number"):
        BoneParams.from_yaml(path)
    assert BoneParams.from_yaml() == BoneParams()


# --- frames -------------------------------------------------------------------------------------


def test_femur_frame_is_built_from_its_landmarks(bones):
    lm = bones.landmarks
    head = lm["femoral_head_centre"].position_mm
    knee = lm["knee_centre"].position_mm
    medial, lateral = lm["medial_epicondyle"].position_mm, lm["lateral_epicondyle"].position_mm
    np.testing.assert_allclose(head, 0.0, atol=1e-9)
    np.testing.assert_allclose(knee, 0.5 * (medial + lateral), atol=1e-9)
    # Y runs from the knee centre to the head centre; the epicondyles straddle Y along Z
    np.testing.assert_allclose(knee[[0, 2]], 0.0, atol=1e-9)
    assert knee[1] == pytest.approx(-400.0, abs=6.0)
    assert medial[0] == pytest.approx(lateral[0], abs=1e-9)
    assert medial[2] < -30 and lateral[2] > 30 and medial[2] == pytest.approx(-lateral[2], abs=1e-9)
    assert lm["hip_joint_centre"].frame == "pelvis"
    np.testing.assert_allclose(lm["hip_joint_centre"].position_mm, 0.0)


def test_landmarks_follow_the_femur_into_its_frame(bones):
    femur = bones.meshes["femur"]
    assert femur.vertices[:, 1].max() == pytest.approx(bones.params.femoral_head_radius_mm, abs=1.5)
    gt = bones.landmarks["greater_trochanter_tip"].position_mm
    lt = bones.landmarks["lesser_trochanter"].position_mm
    assert gt[2] > 40 and lt[2] < gt[2] and lt[0] < 0 and lt[1] < gt[1] - 40


# --- anatomy against published normal adult ranges ----------------------------------------------


def test_femoral_head_diameter(bones):
    femur = bones.meshes["femur"]
    v = femur.vertices
    away_from_neck = v @ neck_direction(femur) < 0.0  # the free, medial half of the head
    head = v[(np.linalg.norm(v, axis=1) < 26.0) & away_from_neck]
    centre, radius = fit_sphere(head)
    np.testing.assert_allclose(centre, 0.0, atol=1.0)
    # adult femoral head diameter about 40-55 mm (Kukadiya et al. 2014, Int J Adv Res 2(6):
    # vertical diameter 44.1 mm in men, 39.5 mm in women, dry bone; cartilage adds ~2 mm)
    assert 40.0 <= 2 * radius <= 55.0


def test_maximum_femoral_length(bones):
    y = bones.meshes["femur"].vertices[:, 1]
    # maximum length of the adult femur about 400-500 mm (Trotter & Gleser 1952, Am J Phys
    # Anthropol 10:463-514; Solan & Kulkarni 2013, J Clin Diagn Res 7:2111-2115: 434 mm)
    assert 400.0 <= y.max() - y.min() <= 500.0


def test_neck_shaft_angle_and_anteversion_measured_on_the_mesh(bones):
    femur = bones.meshes["femur"]
    # normal adult neck-shaft angle 125-135 deg and anteversion 5-20 deg (Toogood, Skalak &
    # Cooperman 2009, Clin Orthop Relat Res 467:876-885: means 129.2 and 9.7 deg, 375 femora)
    nsa, av = neck_shaft_angle_deg(femur), anteversion_deg(femur)
    assert 125.0 <= nsa <= 135.0
    assert 5.0 <= av <= 20.0
    # and they are the requested ones, within what a mesh measurement allows
    assert nsa == pytest.approx(bones.params.neck_shaft_angle_deg, abs=3.0)
    assert av == pytest.approx(bones.params.anteversion_deg, abs=3.0)


def test_changing_the_femoral_angles_moves_the_measured_ones(femur_variants, bones):
    varus, valgus = femur_variants["varus"].meshes["femur"], femur_variants["valgus"].meshes["femur"]
    assert neck_shaft_angle_deg(varus) == pytest.approx(120.0, abs=3.0)
    assert neck_shaft_angle_deg(valgus) == pytest.approx(140.0, abs=3.0)
    assert anteversion_deg(varus) == pytest.approx(20.0, abs=3.0)
    assert anteversion_deg(valgus) == pytest.approx(0.0, abs=3.0)
    # the trochanters ride with the shaft: a valgus neck lifts the head away from them
    default_gt = bones.landmarks["greater_trochanter_tip"].position_mm
    lifted = femur_variants["valgus"].landmarks["greater_trochanter_tip"].position_mm
    assert lifted[1] < default_gt[1] - 3.0
    for variant in femur_variants.values():
        worst = max(variant.landmarks.values(), key=lambda m: m.snap_distance_mm)
        assert worst.snap_distance_mm < variant.params.max_snap_mm, worst.name
        knee = variant.landmarks["knee_centre"].position_mm
        np.testing.assert_allclose(knee[[0, 2]], 0.0, atol=1e-9)


def test_pelvic_height(bones):
    y = bones.meshes["hip_bone"].vertices[:, 1]
    crest = bones.landmarks["iliac_crest_top"].position_mm
    assert crest[1] == pytest.approx(y.max(), abs=6.0)
    # height of the adult hip bone, iliac crest to ischial tuberosity, about 200-240 mm (the
    # project brief's range; adult os coxae heights of about 200-230 mm are usual in osteometric
    # samples, e.g. Patriquin, Steyn & Loth 2005, Forensic Sci Int 147:119-127)
    assert 200.0 <= y.max() - y.min() <= 240.0


def test_acetabulum_is_a_cup_round_the_hip_centre(bones):
    hip = bones.meshes["hip_bone"]
    axis = acetabular_axis(bones.params)
    # rays from the centre into the half opposite the opening meet bone within 32 mm
    dirs = directions_in_cone(-axis, 60.0)
    hits = ray_hit_distance(hip, np.zeros((len(dirs), 3)), dirs)
    assert np.all(hits < 32.0), np.rad2deg(np.arccos(dirs[~(hits < 32.0)] @ -axis))
    # ... while the centre itself is in the open socket: outside the bone, clear of its walls,
    # and a ray out through the mouth of the cup meets no bone at all
    assert signed_distance(hip, np.zeros((1, 3)))[0] > 20.0
    assert np.isinf(ray_hit_distance(hip, np.zeros((1, 3)), axis[None])[0])


def test_acetabular_diameter(bones):
    hip = bones.meshes["hip_bone"]
    axis = acetabular_axis(bones.params)
    v = hip.vertices
    r = np.linalg.norm(v, axis=1)
    # the lunate (articular) surface: the cup wall behind the rim, outside the deeper fossa
    cup = v[(r < 26.0) & (v @ -axis > 5.0)]
    _, radius = fit_sphere(cup)
    # mean acetabular diameter of adult hip bones 48.3 +/- 3.4 mm (Bahl et al. 2020, Int J Curr
    # Res Rev 12(10):1-4); 45.3 +/- 3.7 mm (Nayak 2017, Int J Anat Res 5(3.1):4173-4176)
    assert 42.0 <= 2 * radius <= 56.0


def test_femoral_head_does_not_penetrate_the_hip_bone(bones):
    femur, hip = bones.meshes["femur"], bones.meshes["hip_bone"]
    head = femur.vertices[np.linalg.norm(femur.vertices, axis=1) < bones.params.femoral_head_radius_mm + 2]
    assert len(head) > 500
    # at the neutral pose the femur frame is the pelvis frame, so no transform is needed
    assert signed_distance(hip, head).min() > -1.0


def test_obturator_foramen_is_a_hole(bones):
    hip = bones.meshes["hip_bone"]
    centre = bones.landmarks["obturator_foramen_centre"].position_mm
    normal = hip_bone.OBTURATOR_NORMAL
    # the centre and a ring 8 mm round it: a ray along the foramen's normal, from 80 mm in front
    # to beyond the bone, meets nothing
    u = np.cross(normal, [0.0, 1.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(normal, u)
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    ring = [centre] + [centre + 8.0 * (np.cos(a) * u + np.sin(a) * v) for a in angles]
    origins = np.array(ring) - 80.0 * normal
    hits = ray_hit_distance(hip, origins, np.tile(normal, (len(origins), 1)))
    assert np.all(np.isinf(hits)), hits
    # and bone closes it all round: walking out from the centre in 12 directions, rays along
    # the normal start meeting the rim between 8 and 36 mm out (a hole, not a notch)
    for angle in np.linspace(0, 2 * np.pi, 12, endpoint=False):
        step = np.cos(angle) * u + np.sin(angle) * v
        radii = np.arange(4.0, 60.0, 2.0)
        starts = centre + radii[:, None] * step - 80.0 * normal
        hit = np.isfinite(ray_hit_distance(hip, starts, np.tile(normal, (len(radii), 1))))
        assert hit.any(), np.degrees(angle)
        assert 8.0 <= radii[np.argmax(hit)] <= 36.0, (np.degrees(angle), radii[np.argmax(hit)])


def test_symphysis_face_is_on_the_midline(bones):
    hip = bones.meshes["hip_bone"]
    z_mid = -bones.params.midline_offset_mm
    assert hip.vertices[:, 2].min() == pytest.approx(z_mid, abs=2.0)
    for name in ("pubic_symphysis_superior", "pubic_symphysis_inferior"):
        assert bones.landmarks[name].position_mm[2] == pytest.approx(z_mid, abs=4.0), name


# --- sacrum -------------------------------------------------------------------------------------


def test_sacrum_is_symmetric_about_the_midline(bones):
    v = bones.meshes["sacrum"].vertices
    z_mid = -bones.params.midline_offset_mm
    assert 0.5 * (v[:, 2].min() + v[:, 2].max()) == pytest.approx(z_mid, abs=1.0)
    mirrored = v * [1, 1, -1] + [0, 0, 2 * z_mid]
    _, dist = closest_points(bones.meshes["sacrum"], mirrored[::400])
    assert np.percentile(dist, 95) < 1.0


def test_pelvis_is_expressed_in_the_isb_frame_built_from_its_landmarks(bones):
    """ASISs (the left one mirrored) along Z, both ASISs and the mid-PSIS in the X-Z plane, origin
    at the hip centre (Wu et al. 2002)."""
    from viewer.meshgen.landmarks import pelvis_frame_from_landmarks

    lmk = bones.landmarks
    rotation, origin = pelvis_frame_from_landmarks(
        lmk["anterior_superior_iliac_spine"].position_mm, lmk["posterior_superior_iliac_spine"].position_mm,
        lmk["hip_joint_centre"].position_mm, -bones.params.midline_offset_mm)
    np.testing.assert_allclose(rotation, np.eye(3), atol=1e-9)
    np.testing.assert_allclose(origin, 0.0, atol=1e-9)
    assert lmk["anterior_superior_iliac_spine"].position_mm[1] == pytest.approx(
        lmk["posterior_superior_iliac_spine"].position_mm[1], abs=1e-6)


def test_sacral_foramina_are_open(bones):
    mesh = bones.meshes["sacrum"]
    curve = sacrum.sacral_curve(-bones.params.midline_offset_mm)
    for level in (1, 2, 3, 4):
        for side in (-1.0, 1.0):
            # the sacrum's own geometry is written in the construction frame; the mesh is in
            # the ISB pelvis frame (a rotation about the hip centre)
            R = bones.pelvis_rotation
            centre = R @ sacrum.foramen_position(curve, level, side)
            s = sacrum.SEGMENT_LINES_MM[level - 1]
            forward = R @ curve.anterior(s)[0]
            # looking into the foramen from in front: the first wall is deep inside, not the face
            depth = ray_hit_distance(mesh, (centre + 20.0 * forward)[None], -forward[None])[0]
            assert depth > 28.0, (level, side, depth)


def test_sacroiliac_joint_is_close_but_not_fused(bones):
    sacral = bones.meshes["sacrum"].vertices
    gap = signed_distance(bones.meshes["hip_bone"], sacral)
    assert gap.min() > 1.0  # no sacrum point touches or enters the ilium
    auricular = bones.landmarks["auricular_surface"].position_mm
    near = np.linalg.norm(sacral - auricular, axis=1) < 25.0
    assert near.any() and gap[near].min() < 3.5  # the auricular surfaces face each other closely
