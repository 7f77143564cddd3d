"""Regenerate the ``meshes/`` folder: bones, swept muscles and nerve, landmarks and manifest.

Deterministic: the same parameters give the same files, which a test checks against the
committed ones. Muscles are swept along their paths at the neutral pose with the same code the
renderer uses at every pose (:mod:`viewer.core.sweep`).
"""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from viewer.core.anatomy import BONE_BODY, Landmark
from viewer.core.errors import DataError
from viewer.core.paths import PathSet
from viewer.core.sweep import DEFAULT_RING, DEFAULT_STATIONS, sweep_faces, sweep_vertices
from viewer.io import meshes as meshio
from viewer.io.paths_file import parse_lines
from viewer.meshgen.bones import BoneParams, generate_bones

PATHS_SOURCE = "muscle_paths.yaml"


def path_definitions() -> tuple[Path, dict]:
    """The muscle-path definitions shipped with the generator."""
    path = Path(str(resources.files("viewer.meshgen") / "data" / PATHS_SOURCE))
    try:
        return path, yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML ({exc})", file=path) from None


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


def generate(params: BoneParams | None = None):
    """Everything the folder holds, in memory.

    Returns
    -------
    meshes : dict[str, tuple[str, str, numpy.ndarray, numpy.ndarray]]
        id -> (kind, body, vertices (n, 3) mm, faces (m, 3)).
    landmarks : dict[str, Landmark]
    path_doc : dict
        The path definitions, as written to ``muscle_paths.json``.
    params : BoneParams
    """
    params = params or BoneParams.from_yaml()
    bones = generate_bones(params)
    landmarks = core_landmarks(bones.landmarks)
    source, path_doc = path_definitions()
    lines = parse_lines(path_doc, landmarks, source)
    polylines = PathSet(lines).polylines(np.zeros(3))
    meshes: dict[str, tuple] = {}
    for bone_id, mesh in bones.meshes.items():
        meshes[bone_id] = ("bone", BONE_BODY[bone_id], np.asarray(mesh.vertices), np.asarray(mesh.faces))
    faces = sweep_faces(DEFAULT_STATIONS, DEFAULT_RING)
    for line, poly in zip(lines, polylines):
        meshes[line.id] = (line.kind, "pelvis", sweep_vertices(poly, line.shape, DEFAULT_STATIONS, DEFAULT_RING), faces)
    return meshes, landmarks, path_doc, params


def write(out_dir: Path, params: BoneParams | None = None) -> dict:
    """Generate and write the mesh folder; returns the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meshes, landmarks, path_doc, params = generate(params)
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
            "sha256": meshio.sha256_of(out_dir / name),
        }
    lm_doc = {
        name: {"bone": lm.bone, "body": lm.body, "position_mm": [round(float(x), 4) for x in lm.position_mm],
               "on_surface": lm.on_surface}
        for name, lm in sorted(landmarks.items())
    }
    (out_dir / meshio.LANDMARKS).write_text(json.dumps(lm_doc, indent=1) + "\n", encoding="utf-8")
    (out_dir / meshio.PATHS).write_text(json.dumps(path_doc, indent=1) + "\n", encoding="utf-8")
    manifest = {
        "format_version": meshio.FORMAT_VERSION,
        "units": "mm",
        "frames": {
            "pelvis": "origin at the right hip joint centre; X anterior, Y superior, Z right (ISB, Wu et al. 2002)",
            "femur": "origin at the femoral head centre; Y from the knee centre to the head centre, Z right, X anterior",
        },
        "generator": {
            "bone_parameters": _jsonable(dataclasses.asdict(params)),
            "sweep": {"stations": DEFAULT_STATIONS, "ring": DEFAULT_RING, "pose": "neutral"},
        },
        "landmarks": meshio.LANDMARKS,
        "paths": meshio.PATHS,
        "structures": structures,
    }
    (out_dir / meshio.MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest
