"""Generate the bone meshes (right hip bone, sacrum with coccyx, right femur) and their landmarks.

The shapes are signed distance functions (``hip_bone``, ``sacrum``, ``femur`` modules); this
module samples them, meshes them (marching cubes, decimation), snaps the landmark targets onto
the surfaces, and expresses the femur in the ISB frame built from its own landmarks.

Usage::

    from viewer.meshgen.bones import BoneParams, generate_bones
    bones = generate_bones(BoneParams())
    bones.meshes["femur"], bones.landmarks["greater_trochanter_tip"]

Generation is deterministic: the same parameters give identical vertices.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import fast_simplification
import numpy as np
import trimesh
from skimage.measure import marching_cubes

from viewer.core.errors import DataError
from viewer.io.yaml_source import read_yaml
from viewer.meshgen import femur as femur_shapes
from viewer.meshgen import hip_bone as hip_shapes
from viewer.meshgen import landmarks as lm
from viewer.meshgen import sacrum as sacrum_shapes
from viewer.meshgen.sdf import Shape, sample_grid

DEFAULT_PARAMS_PATH = Path(__file__).parent / "data" / "skeleton.yaml"

BONE_IDS = ("hip_bone", "sacrum", "femur")


def _read_params(path: Path) -> dict[str, float]:
    """Flatten ``section: {name: {value, source}}`` into ``{name: value}``, checking the shape."""
    raw, _ = read_yaml(Path(path))
    if not isinstance(raw, dict):
        raise DataError("expected sections of parameters", file=path)
    values: dict[str, float] = {}
    for section, entries in raw.items():
        if not isinstance(entries, dict):
            raise DataError("expected a mapping of parameters", file=path, field=str(section))
        for name, entry in entries.items():
            where = f"{section}.{name}"
            if not isinstance(entry, dict) or set(entry) != {"value", "source"}:
                raise DataError("expected {value, source}", file=path, field=where)
            value = entry["value"]
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise DataError(f"value must be a number, got {value!r}", file=path,
                                field=f"{where}.value")
            if not isinstance(entry["source"], str) or not entry["source"].strip():
                raise DataError("every parameter needs its source", file=path,
                                field=f"{where}.source")
            values[name] = value
    return values


_DEFAULTS = _read_params(DEFAULT_PARAMS_PATH)


def _default(name: str):
    return field(default=_DEFAULTS[name])


@dataclass(frozen=True)
class BoneParams:
    """Parameters of the bone generator; defaults come from ``data/skeleton.yaml``.

    Lengths in mm, angles in degrees. Vary one with :func:`dataclasses.replace`, e.g.
    ``replace(BoneParams(), neck_shaft_angle_deg=140)``.
    """

    femoral_head_radius_mm: float = _default("femoral_head_radius_mm")
    neck_shaft_angle_deg: float = _default("neck_shaft_angle_deg")
    anteversion_deg: float = _default("anteversion_deg")
    femur_length_mm: float = _default("length_mm")
    femoral_neck_length_mm: float = _default("neck_length_mm")
    epicondylar_width_mm: float = _default("epicondylar_width_mm")
    shaft_bow_mm: float = _default("shaft_bow_mm")
    acetabulum_radius_mm: float = _default("acetabulum_radius_mm")
    acetabular_wall_mm: float = _default("acetabular_wall_mm")
    acetabular_inclination_deg: float = _default("acetabular_inclination_deg")
    acetabular_anteversion_deg: float = _default("acetabular_anteversion_deg")
    midline_offset_mm: float = _default("midline_offset_mm")
    sacroiliac_gap_mm: float = _default("sacroiliac_gap_mm")
    grid_spacing_mm: float = _default("grid_spacing_mm")
    target_triangles: int = int(_DEFAULTS["target_triangles"])
    max_snap_mm: float = _default("max_snap_mm")

    # yaml names that differ from the field names
    _YAML_NAMES = {"length_mm": "femur_length_mm", "neck_length_mm": "femoral_neck_length_mm"}

    @classmethod
    def from_yaml(cls, path: str | Path | None = None) -> "BoneParams":
        """Load parameters from a skeleton YAML file (default: the packaged one).

        Raises
        ------
        DataError
            If the file is missing, malformed, lacks a parameter or has an unknown one.
        """
        path = Path(path) if path is not None else DEFAULT_PARAMS_PATH
        values = _read_params(path)
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {}
        for key, value in values.items():
            name = cls._YAML_NAMES.get(key, key)
            if name not in names:
                raise DataError(f"unknown parameter; allowed: {sorted(names)}", file=path,
                                field=key)
            kwargs[name] = value
        missing = names - set(kwargs)
        if missing:
            raise DataError(f"missing parameters {sorted(missing)}", file=path)
        kwargs["target_triangles"] = int(kwargs["target_triangles"])
        return cls(**kwargs)

    def pelvis_shape_params(self) -> hip_shapes.PelvisShapeParams:
        return hip_shapes.PelvisShapeParams(
            acetabulum_radius_mm=self.acetabulum_radius_mm,
            acetabular_wall_mm=self.acetabular_wall_mm,
            acetabular_inclination_deg=self.acetabular_inclination_deg,
            acetabular_anteversion_deg=self.acetabular_anteversion_deg,
            midline_offset_mm=self.midline_offset_mm,
            sacroiliac_gap_mm=self.sacroiliac_gap_mm,
        )

    def femur_shape_params(self) -> femur_shapes.FemurShapeParams:
        return femur_shapes.FemurShapeParams(
            head_radius_mm=self.femoral_head_radius_mm,
            neck_shaft_angle_deg=self.neck_shaft_angle_deg,
            anteversion_deg=self.anteversion_deg,
            length_mm=self.femur_length_mm,
            neck_length_mm=self.femoral_neck_length_mm,
            epicondylar_width_mm=self.epicondylar_width_mm,
            shaft_bow_mm=self.shaft_bow_mm,
        )


@dataclass(frozen=True)
class Bones:
    """The generated bones.

    Attributes
    ----------
    meshes : dict[str, trimesh.Trimesh]
        ``hip_bone``, ``sacrum``, ``femur``; vertices float64 in mm, each in its own frame.
    frames : dict[str, str]
        The frame of each mesh: ``pelvis`` or ``femur``.
    landmarks : dict[str, Landmark]
        Every landmark of every bone, by name.
    params : BoneParams
        The parameters they were generated with.
    pelvis_rotation : numpy.ndarray
        ``(3, 3)`` rotation from the construction frame the pelvic shapes and hand-placed
        pelvic via points are written in to the ISB pelvis frame (identity if no hip bone).
    """

    meshes: dict[str, trimesh.Trimesh]
    frames: dict[str, str]
    landmarks: dict[str, lm.Landmark]
    params: BoneParams
    pelvis_rotation: np.ndarray = dataclasses.field(default_factory=lambda: np.eye(3))


def mesh_shape(shape: Shape, spacing_mm: float, target_triangles: int,
               single_body: bool = True) -> trimesh.Trimesh:
    """Turn a shape into a closed, outward-oriented triangle mesh of about ``target_triangles``.

    Marching cubes on the sampled distances, then quadric decimation. With ``single_body`` only
    the largest connected piece is kept (crumbs from nearly touching parts are dropped).
    """
    grid = sample_grid(shape, spacing_mm)
    verts, faces, _, _ = marching_cubes(grid.values, level=0.0, spacing=(spacing_mm,) * 3,
                                        allow_degenerate=False)
    mesh = trimesh.Trimesh(verts.astype(np.float64) + grid.origin, faces, process=True)
    if single_body:
        pieces = mesh.split(only_watertight=False)
        mesh = max(pieces, key=lambda m: len(m.faces))
    verts, faces = fast_simplification.simplify(mesh.vertices, mesh.faces,
                                                target_count=target_triangles)
    mesh = trimesh.Trimesh(verts, faces, process=True)
    mesh.update_faces(mesh.nondegenerate_faces(height=1e-6))
    mesh.remove_unreferenced_vertices()
    trimesh.repair.fix_normals(mesh, multibody=not single_body)
    if mesh.volume < 0:
        mesh.invert()
    return mesh


def _transform(mesh: trimesh.Trimesh, rotation: np.ndarray, origin: np.ndarray) -> trimesh.Trimesh:
    """A copy of ``mesh`` with vertices ``rotation @ (v - origin)``."""
    return trimesh.Trimesh((mesh.vertices - origin) @ rotation.T, mesh.faces.copy(), process=False)


def generate_bones(params: BoneParams | None = None,
                   targets_path: str | Path | None = None,
                   bones: tuple[str, ...] = BONE_IDS) -> Bones:
    """Generate the bones and their landmarks.

    ``bones`` picks a subset of ``BONE_IDS`` (e.g. only ``("femur",)`` when varying the femoral
    parameters); the result then holds only those meshes and their landmarks.

    Raises
    ------
    DataError
        If a landmark target lies more than ``params.max_snap_mm`` from its bone's surface, or
        the targets file is malformed.
    """
    params = params if params is not None else BoneParams()
    unknown = [b for b in bones if b not in BONE_IDS]
    if unknown:
        raise DataError(f"unknown bone ids {unknown}; allowed: {list(BONE_IDS)}", field="bones")
    targets = lm.load_targets(targets_path)
    missing = [b for b in bones if b not in targets]
    if missing:
        raise DataError(f"no landmarks for {missing}", file=targets_path or lm.DEFAULT_TARGETS_PATH)
    meshes = {bone: mesh_shape(_shape_of(bone, params), params.grid_spacing_mm,
                               params.target_triangles, single_body=bone != "sacrum")
              for bone in BONE_IDS if bone in bones}
    landmarks: dict[str, lm.Landmark] = {}
    for bone in ("hip_bone", "sacrum"):
        if bone in meshes:
            landmarks.update(lm.snap(targets[bone], meshes[bone], params.max_snap_mm,
                                     targets_path))
    pelvis_rotation = np.eye(3)
    if "hip_bone" in meshes:
        meshes, landmarks, pelvis_rotation = _pelvis_in_isb_frame(meshes, landmarks, params)
    if "femur" in meshes:
        meshes["femur"], femur_landmarks = _femur_in_isb_frame(meshes["femur"], targets["femur"],
                                                               params, targets_path)
        landmarks.update(femur_landmarks)
    frames = {bone: frame for bone, frame in lm.FRAME_OF_BONE.items() if bone in meshes}
    return Bones(meshes=meshes, frames=frames, landmarks=landmarks, params=params,
                 pelvis_rotation=pelvis_rotation)


def _pelvis_in_isb_frame(meshes: dict, landmarks: dict, params: BoneParams):
    """Express the hip bone, the sacrum and their landmarks in the ISB pelvis frame built from
    the snapped spines (the shapes are designed in a construction frame that is within a few
    degrees of it). The rotation is about Z only, since the mid-sagittal plane is Z = const."""
    rotation, origin = lm.pelvis_frame_from_landmarks(
        landmarks["anterior_superior_iliac_spine"].position_mm,
        landmarks["posterior_superior_iliac_spine"].position_mm,
        landmarks["hip_joint_centre"].position_mm,
        -params.pelvis_shape_params().midline_offset_mm,
    )
    meshes = dict(meshes)
    for bone in ("hip_bone", "sacrum"):
        if bone in meshes:
            meshes[bone] = _transform(meshes[bone], rotation, origin)
    landmarks = {
        name: (dataclasses.replace(mark, position_mm=rotation @ (mark.position_mm - origin))
               if mark.bone in ("hip_bone", "sacrum") else mark)
        for name, mark in landmarks.items()
    }
    return meshes, landmarks, rotation


def _shape_of(bone: str, params: BoneParams) -> Shape:
    """The signed distance shape of one bone, in its own frame (the femur's before re-framing)."""
    pelvis = params.pelvis_shape_params()
    if bone == "hip_bone":
        return hip_shapes.hip_bone_shape(pelvis)
    if bone == "sacrum":
        # the sacrum is trimmed against the hip bone at the sacroiliac joint
        return sacrum_shapes.sacrum_shape(pelvis.midline_offset_mm, pelvis.sacroiliac_gap_mm,
                                          hip_shapes.hip_bone_shape(pelvis))
    return femur_shapes.femur_shape(params.femur_shape_params())


def _femur_in_isb_frame(mesh: trimesh.Trimesh, targets: list[lm.LandmarkTarget],
                        params: BoneParams, targets_path) -> tuple[trimesh.Trimesh, dict]:
    """Snap the femur targets (moved to these parameters), build the ISB frame from the snapped
    landmarks and express mesh and landmarks in it."""
    place = femur_shapes.placement(params.femur_shape_params())
    moved = []
    for t in targets:
        segment = femur_shapes.segment_of(t.position_mm, params.femoral_head_radius_mm)
        position = place.by_segment(segment, t.position_mm)[0]
        moved.append(dataclasses.replace(t, position_mm=position))
    snapped = lm.snap(moved, mesh, params.max_snap_mm, targets_path)
    head = np.zeros(3)
    rotation, origin = lm.femur_frame_from_landmarks(
        head, snapped["medial_epicondyle"].position_mm, snapped["lateral_epicondyle"].position_mm)
    out = {}
    for name, mark in snapped.items():
        position = rotation @ (mark.position_mm - origin)
        out[name] = dataclasses.replace(mark, position_mm=position)
    knee = 0.5 * (out["medial_epicondyle"].position_mm + out["lateral_epicondyle"].position_mm)
    out["knee_centre"] = dataclasses.replace(out["knee_centre"], position_mm=knee)
    out["femoral_head_centre"] = dataclasses.replace(out["femoral_head_centre"],
                                                     position_mm=np.zeros(3))
    return _transform(mesh, rotation, origin), out
