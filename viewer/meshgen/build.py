"""Regenerate the ``meshes/`` folder: bones, swept muscles and nerve, landmarks and manifest.

The bones are the CT-derived population means of the ``musculoskeletal-models`` package
(:mod:`viewer.meshgen.ct_bones`; the ``build-meshes`` extra), with their landmarks from
``data/ct_landmarks.yaml`` and the muscle paths of ``data/muscle_paths.yaml``. The procedural
bones (:mod:`viewer.meshgen.bones`, paths in ``data/muscle_paths_procedural.yaml``) remain as a
fallback: ``generate(source="procedural")``.

Deterministic: the same inputs give the same files, which a test checks against the
committed ones. Muscles are swept along their paths at the neutral pose with the same code the
renderer uses at every pose (:mod:`viewer.core.sweep`).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from importlib import resources
from pathlib import Path

import numpy as np

from viewer.core.anatomy import BONE_BODY, Landmark
from viewer.core.errors import DataError
from viewer.core.paths import PathSet
from viewer.core.belly import BellyRig
from viewer.core.nerve_course import nerve_vertices
from viewer.core.sweep import DEFAULT_RING, DEFAULT_STATIONS, sweep_faces, sweep_vertices
from viewer.io import bellies as bellyio
from viewer.io import meshes as meshio
from viewer.io.paths_file import parse_lines
from viewer.io.yaml_source import read_yaml
from viewer.meshgen.bones import BoneParams, generate_bones
from viewer.meshgen.refit import refit

PATHS_SOURCE = "muscle_paths.yaml"
PROCEDURAL_PATHS_SOURCE = "muscle_paths_procedural.yaml"
SOURCES = ("ct", "procedural")


def path_definitions(source: str = "ct") -> tuple[Path, dict]:
    """The muscle-path definitions shipped with the generator, for the CT or procedural bones."""
    name = PATHS_SOURCE if source == "ct" else PROCEDURAL_PATHS_SOURCE
    path = Path(str(resources.files("viewer.meshgen") / "data" / name))
    return path, read_yaml(path)[0]


def core_landmarks(bone_landmarks: dict) -> dict[str, Landmark]:
    """Generator landmarks as core records (body taken from the bone)."""
    return {
        name: Landmark(name, lm.bone, BONE_BODY[lm.bone], np.asarray(lm.position_mm, float), bool(lm.on_surface))
        for name, lm in bone_landmarks.items()
    }


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def paths_in_pelvis_frame(path_doc: dict, rotation: np.ndarray, landmarks: dict[str, Landmark]) -> dict:
    """The path definitions with every pelvis-fixed coordinate rotated into the ISB pelvis frame.

    Via points, wrap surfaces and attachment offsets of ``muscle_paths.yaml`` are written in the
    construction frame of the pelvic shapes; the generator re-expresses the pelvis in the frame
    built from its landmarks, and the pelvic path geometry must follow it.
    """
    doc = copy.deepcopy(path_doc)
    rot = lambda v: [round(float(x), 4) for x in rotation @ np.asarray(v, dtype=float)]  # noqa: E731
    for wrap in doc.get("wraps", {}).values():
        if wrap.get("body") == "pelvis":
            wrap["centre"] = rot(wrap["centre"])
            if "axis" in wrap:
                wrap["axis"] = rot(wrap["axis"])
    for line in doc.get("lines", {}).values():
        for point in line.get("points", []):
            if "landmark" in point:
                mark = landmarks.get(point["landmark"])
                if "offset" in point and mark is not None and mark.body == "pelvis":
                    point["offset"] = rot(point["offset"])
            elif point.get("body") == "pelvis":
                point["position"] = rot(point["position"])
    return doc


def belly_targets(lines) -> dict[str, float]:
    """PCSA x optimal fibre length (mm^3) of every muscle line, from the built-in annotations."""
    from viewer.io.annotations import load_annotations
    from viewer.io.model import builtin_data_dir

    annotations = load_annotations(builtin_data_dir() / "annotations")
    targets = {}
    for line in lines:
        if line.kind != "muscle":
            continue
        arch = annotations.architecture(line.id)
        if arch.optimal_fibre_length_cm is not None:
            targets[line.id] = arch.pcsa_cm2 * arch.optimal_fibre_length_cm * 1000.0
    return targets


def generate(params: BoneParams | None = None, source: str = "ct", lift_nodes=None):
    """Everything the folder holds, in memory.

    ``source`` is ``"ct"`` (default: the CT-derived bones; needs the ``build-meshes`` extra) or
    ``"procedural"`` (the generated shapes, with ``params``).

    Returns
    -------
    meshes : dict[str, tuple[str, str, numpy.ndarray, numpy.ndarray]]
        id -> (kind, body, vertices (n, 3) mm, faces (m, 3)).
    landmarks : dict[str, Landmark]
    path_doc : dict
        The path definitions, as written to ``muscle_paths.json``.
    generator : dict
        What the bones were made from, for the manifest.
    rig : BellyRig or None
        The muscles' display fibres (CT bones only), as written to ``bellies.json``.
    grids : tuple of DistanceGrid
        The bone distance grids that keep the bellies outside the bones (with the rig).
    """
    if source not in SOURCES:
        raise DataError(f"unknown bone source {source!r}; allowed: {', '.join(SOURCES)}", field="source")
    if source == "ct":
        from viewer.meshgen import ct_bones

        bone_meshes, bone_landmarks, info = ct_bones.build()
        generator = {"bones": "ct", **info}
        rotation = np.eye(3)
    else:
        params = params or BoneParams.from_yaml()
        bones = generate_bones(params)
        bone_meshes, bone_landmarks, rotation = bones.meshes, bones.landmarks, bones.pelvis_rotation
        generator = {"bones": "procedural", "bone_parameters": _jsonable(dataclasses.asdict(params)),
                     # rows X, Y, Z of the ISB pelvis frame in the construction frame of the pelvic shapes
                     "pelvis_construction_to_isb": [[round(float(x), 9) for x in row] for row in rotation]}
    generator["sweep"] = {"stations": DEFAULT_STATIONS, "ring": DEFAULT_RING, "pose": "neutral"}
    landmarks = core_landmarks(bone_landmarks)
    path_file, authored = path_definitions(source)
    path_doc = paths_in_pelvis_frame(authored, rotation, landmarks)
    if source == "ct":
        # Lines a published model shares are re-fitted to its attachment data by landmark registration.
        path_doc, ends, _ = refit(path_doc, landmarks, bone_meshes)
        for name, (bone, position) in ends.items():
            landmarks[name] = Landmark(name, bone, BONE_BODY[bone], np.round(position, 4), True)
    lines = parse_lines(path_doc, landmarks, path_file)
    polylines = PathSet(lines).polylines(np.zeros(3))
    meshes: dict[str, tuple] = {}
    for bone_id, mesh in bone_meshes.items():
        meshes[bone_id] = ("bone", BONE_BODY[bone_id], np.asarray(mesh.vertices), np.asarray(mesh.faces))
    rig: BellyRig | None = None
    grids: tuple = ()
    if source == "ct":
        from viewer.meshgen.bellies import build_rig

        rig, grids = bellyio.as_stored(*build_rig(lines, polylines, landmarks, bone_meshes, belly_targets(lines),
                                                          lift_nodes=lift_nodes))
        generator["bellies"] = {"stations": rig.stations, "fibres": rig.fibres, "pose": "neutral"}
        index = {line.id: k for k, line in enumerate(lines)}
        belly_vertices = rig.vertices([polylines[index[i]] for i in rig.line_ids], {}, grids)
        for line_id, vertices in zip(rig.line_ids, belly_vertices):
            meshes[line_id] = (lines[index[line_id]].kind, "pelvis", vertices, rig.faces())
    faces = sweep_faces(DEFAULT_STATIONS, DEFAULT_RING)
    for line, poly in zip(lines, polylines):
        if line.id in meshes:
            continue
        if line.kind == "nerve":
            # Drawn along a smooth course off the bones, as the viewer draws it at every pose.
            vertices = nerve_vertices(poly, line.shape, grids, {}, DEFAULT_STATIONS, DEFAULT_RING)
        else:
            vertices = sweep_vertices(poly, line.shape, DEFAULT_STATIONS, DEFAULT_RING)
        meshes[line.id] = (line.kind, "pelvis", vertices, faces)
    return meshes, landmarks, path_doc, generator, rig, grids


def write(out_dir: Path, params: BoneParams | None = None, source: str = "ct", lift_nodes=None) -> dict:
    """Generate and write the mesh folder; returns the manifest. ``lift_nodes``: the node poses
    of the bellies' lift table (default :data:`viewer.meshgen.layers.LIFT_NODES`)."""
    out_dir = Path(out_dir)
    meshes, landmarks, path_doc, generator, rig, grids = generate(params, source, lift_nodes)
    out_dir.mkdir(parents=True, exist_ok=True)
    structures = {}
    for sid, (kind, body, vertices, faces) in meshes.items():
        name = f"{sid}.ply"
        data = meshio.ply_bytes(vertices, faces)
        (out_dir / name).write_bytes(data)
        structures[sid] = {
            "file": name,
            "kind": kind,
            "body": body,
            "frame": body,
            "vertices": int(len(vertices)),
            "triangles": int(len(faces)),
            "bytes": len(data),
            "sha256": meshio.sha256_of(out_dir / name),
        }
    lm_doc = {
        name: {"bone": lm.bone, "body": lm.body, "position_mm": [round(float(x), 4) for x in lm.position_mm],
               "on_surface": lm.on_surface}
        for name, lm in sorted(landmarks.items())
    }
    (out_dir / meshio.LANDMARKS).write_text(json.dumps(lm_doc, indent=1) + "\n", encoding="utf-8")
    (out_dir / meshio.PATHS).write_text(json.dumps(path_doc, indent=1) + "\n", encoding="utf-8")
    if rig is not None:
        (out_dir / bellyio.BELLIES).write_text(bellyio.dumps(rig, grids), encoding="utf-8")
        for grid in grids:
            (out_dir / bellyio.grid_file_name(grid.body)).write_bytes(bellyio.grid_bytes(grid))
        if rig.lift_mm is not None:
            (out_dir / bellyio.LIFTS_FILE).write_bytes(bellyio.lift_bytes(rig))
    elif (out_dir / bellyio.BELLIES).exists():
        (out_dir / bellyio.BELLIES).unlink()
    manifest = {
        "format_version": meshio.FORMAT_VERSION,
        "units": "mm",
        "frames": {
            "pelvis": "origin at the right hip joint centre; X anterior, Y superior, Z right (ISB, Wu et al. 2002)",
            "femur": "origin at the femoral head centre; Y from the knee centre to the head centre, Z right, X anterior",
            "leg": "the femur frame at full knee extension; knee flexion turns it about the femur Z axis through the knee centre",
        },
        "generator": generator,
        "landmarks": meshio.LANDMARKS,
        "paths": meshio.PATHS,
        **({"bellies": bellyio.BELLIES} if rig is not None else {}),
        "structures": structures,
    }
    (out_dir / meshio.MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    if source == "ct":
        from viewer.meshgen import ct_bones

        (out_dir / ct_bones.LICENCE_FILE).write_text(ct_bones.licence_text(), encoding="utf-8")
        (out_dir / ct_bones.NOTICE_FILE).write_text(ct_bones.notice_text(), encoding="utf-8")
    return manifest
