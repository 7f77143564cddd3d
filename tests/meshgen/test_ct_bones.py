"""The committed CT-derived bones: sound surfaces, landmarks on them, and pelvic and femoral
measurements inside published normal adult ranges - measured on the meshes in meshes/.

Ranges: greater sciatic notch depth/width of adults (Walker 2008, Am J Phys Anthropol 136:39-50:
notch index roughly 0.5-0.9); anatomical conjugate about 100-130 mm and centre-edge angle 20-40
deg (Wiberg 1939; Tönnis 1987); neck-shaft angle 120-140 deg, anteversion 5-25 deg and head
diameter 40-54 mm (Noble et al. 1988, Clin Orthop 235:148-165; Gray's Anatomy, 42nd ed.).
"""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from tests.meshgen.test_bones import anteversion_deg, fit_sphere, neck_shaft_angle_deg


def _mesh(model, sid) -> trimesh.Trimesh:
    record = model.meshes[sid]
    return trimesh.Trimesh(record.vertices, record.faces, process=False)


def _lm(model, name) -> np.ndarray:
    return np.asarray(model.landmarks[name].position_mm, float)


@pytest.mark.parametrize("bone", ["hip_bone", "hip_bone_left", "sacrum", "femur"])
def test_bones_are_closed_outward_and_within_the_triangle_budget(model, bone):
    mesh = _mesh(model, bone)
    assert mesh.is_watertight and mesh.is_winding_consistent, bone
    assert mesh.volume > 0, bone
    assert mesh.area_faces.min() > 1e-9, bone
    assert len(mesh.faces) <= 40_000, (bone, len(mesh.faces))


def test_bones_sit_in_their_isb_frames(model):
    # pelvis: the right hip centre at the origin, the two ASISs level and symmetric about the
    # mid-sagittal plane, the inter-ASIS distance of an adult (about 200-260 mm)
    rasis, lasis = _lm(model, "anterior_superior_iliac_spine"), _lm(model, "left_anterior_superior_iliac_spine")
    assert abs(rasis[0] - lasis[0]) < 1.0 and abs(rasis[1] - lasis[1]) < 1.0
    assert 200 <= rasis[2] - lasis[2] <= 260
    # femur: the epicondyles straddle the Y axis along Z
    med, lat = _lm(model, "medial_epicondyle"), _lm(model, "lateral_epicondyle")
    assert lat[2] > 30 and med[2] < -30 and abs(med[0]) < 0.5 and abs(lat[0]) < 0.5
    assert np.allclose(_lm(model, "knee_centre"), 0.5 * (med + lat), atol=0.05)


def test_every_surface_landmark_is_within_1_mm_of_its_bone(model):
    meshes = {}
    for name, mark in model.landmarks.items():
        if not mark.on_surface:
            continue
        mesh = meshes.setdefault(mark.bone, _mesh(model, mark.bone))
        _, dist, _ = trimesh.proximity.closest_point(mesh, [mark.position_mm])
        assert dist[0] <= 1.0, (name, dist[0])


def test_new_landmarks_are_present(model):
    for name in ("greater_sciatic_notch", "lesser_sciatic_notch", "ischial_tuberosity_lateral_facet",
                 "ischial_tuberosity_medial_facet", "quadrate_tubercle", "piriformis_fossa",
                 "anterior_gluteal_line", "posterior_gluteal_line", "inferior_gluteal_line",
                 "obturator_margin_superior", "obturator_margin_inferior", "obturator_margin_anterior",
                 "obturator_margin_posterior"):
        assert name in model.landmarks, name


def greater_sciatic_notch(hip: trimesh.Trimesh, piis, spine, slab_mm: float = 25.0):
    """Width (chord from the posterior inferior iliac spine to the ischial spine) and depth (the
    greatest distance from that chord to the bone's border, measured towards the hip centre in
    the plane of the chord and the hip centre)."""
    chord = spine - piis
    width = float(np.linalg.norm(chord))
    u = chord / width
    towards = -piis - ((-piis) @ u) * u
    towards /= np.linalg.norm(towards)
    normal = np.cross(u, towards)
    rel = hip.vertices - piis
    t, h, s = rel @ u, rel @ towards, rel @ normal
    depth = 0.0
    for tt in np.linspace(0.05 * width, 0.95 * width, 91):
        sel = (np.abs(t - tt) < 1.5) & (h > -5) & (np.abs(s) < slab_mm)
        if sel.any():
            depth = max(depth, float(h[sel].min()))
    return width, depth


def test_greater_sciatic_notch_is_deep(model):
    width, depth = greater_sciatic_notch(_mesh(model, "hip_bone"), _lm(model, "posterior_inferior_iliac_spine"),
                                         _lm(model, "ischial_spine"))
    print(f"greater sciatic notch: width {width:.1f} mm, depth {depth:.1f} mm, ratio {depth / width:.2f}")
    assert 40 <= width <= 80
    assert depth / width >= 0.5


def test_anatomical_conjugate(model):
    conjugate = np.linalg.norm(_lm(model, "sacral_promontory") - _lm(model, "pubic_symphysis_superior"))
    print(f"anatomical conjugate: {conjugate:.1f} mm")
    assert 100 <= conjugate <= 130


def centre_edge_angle_deg(hip: trimesh.Trimesh, centre=np.zeros(3), reach_mm: float = 45.0) -> float:
    """Wiberg's angle: in the coronal plane through the hip centre, the largest angle from the
    vertical at which a ray from the centre still meets the acetabular roof."""
    angles = np.arange(0.0, 70.0, 0.25)
    dirs = np.stack([np.zeros_like(angles), np.cos(np.radians(angles)), np.sin(np.radians(angles))], 1)
    locs, ray_idx, _ = hip.ray.intersects_location(np.repeat(centre[None], len(dirs), 0), dirs)
    hit = np.zeros(len(angles), bool)
    for loc, i in zip(locs, ray_idx):
        if np.linalg.norm(loc - centre) < reach_mm:
            hit[i] = True
    covered = angles[hit]
    # the last angle of the unbroken run of hits that starts at the vertical
    run = np.flatnonzero(~hit)
    return float(angles[run[0] - 1]) if len(run) and run[0] > 0 else float(covered.max())


def test_centre_edge_angle(model):
    ce = centre_edge_angle_deg(_mesh(model, "hip_bone"))
    print(f"centre-edge angle: {ce:.1f} deg")
    assert 20 <= ce <= 40


def test_femoral_neck_and_head_in_normal_ranges(model):
    femur = _mesh(model, "femur")
    nsa, av = neck_shaft_angle_deg(femur), anteversion_deg(femur)
    # head: the surface points within 30 mm of the centre on the medial side of the neck
    v = femur.vertices
    head = v[(np.linalg.norm(v, axis=1) < 30) & (v[:, 2] < 0)]
    centre, radius = fit_sphere(head)
    print(f"neck-shaft angle {nsa:.1f} deg, anteversion {av:.1f} deg, head diameter {2 * radius:.1f} mm")
    assert 120 <= nsa <= 140
    assert 5 <= av <= 25
    assert 40 <= 2 * radius <= 54
    assert np.linalg.norm(centre) < 2.0, centre  # the frame's origin is the head centre


def test_the_leg_hangs_from_the_knee_with_the_foot_under_the_malleoli(model):
    leg = _mesh(model, "leg")
    assert model.meshes["leg"].body == "leg"
    assert leg.is_watertight and leg.is_winding_consistent and leg.volume > 0
    assert len(leg.faces) <= 40_000
    knee, ankle = _lm(model, "knee_centre"), _lm(model, "ankle_centre")
    plateau = 0.5 * (_lm(model, "medial_tibial_condyle") + _lm(model, "lateral_tibial_condyle"))
    assert 10 <= knee[1] - plateau[1] <= 40  # the tibial plateau just below the femoral condyles
    assert 330 <= knee[1] - ankle[1] <= 420  # an adult tibia
    assert _lm(model, "lateral_malleolus")[1] < _lm(model, "medial_malleolus")[1]  # lateral reaches lower
    assert _lm(model, "fibular_head")[2] > 20  # the fibula is lateral
    heel, toe = _lm(model, "calcaneal_tuberosity"), _lm(model, "tip_of_the_great_toe")
    assert heel[0] < ankle[0] < toe[0]  # heel behind, toes in front
    assert 200 <= toe[0] - heel[0] <= 290  # an adult foot's length
    assert toe[2] > heel[2]  # toes turned out a little


def test_scene_triangle_budget_is_no_worse_than_the_procedural_set(model):
    # the procedural scene it replaces had 152,640 triangles (3 x 40k bones and the muscles)
    assert sum(len(r.faces) for r in model.meshes.values()) <= 152_640
