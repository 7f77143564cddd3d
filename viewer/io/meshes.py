"""Reading and writing the mesh folder: binary PLY meshes, landmarks and a manifest.

Layout of a ``meshes/`` folder::

    manifest.json        format version, units, generator parameters, and per structure:
                         file, body frame, kind, vertex and triangle counts, SHA-256
    landmarks.json       name -> bone, body frame, position_mm, on_surface
    muscle_paths.json    lines of action (see viewer.io.paths_file)
    <id>.ply             one binary PLY per structure or muscle compartment, in mm

Every problem is one :class:`DataError` naming the file (and field).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from viewer.core.anatomy import BODIES, Landmark
from viewer.core.errors import DataError
from viewer.io.validation import not_one_of

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
LANDMARKS = "landmarks.json"
PATHS = "muscle_paths.json"
KINDS = ("bone", "muscle", "nerve")


@dataclass(frozen=True)
class MeshRecord:
    """One structure's surface: ``vertices`` ``(n, 3)`` float64 mm in its body frame, ``faces`` ``(m, 3)``."""

    id: str
    kind: str
    body: str
    vertices: np.ndarray
    faces: np.ndarray


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def ply_bytes(vertices: np.ndarray, faces: np.ndarray) -> bytes:
    """Binary little-endian PLY of a triangle mesh (float32 vertices), deterministic bytes."""
    vertices = np.ascontiguousarray(vertices, dtype="<f4")
    faces = np.ascontiguousarray(faces, dtype="<i4")
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {len(vertices)}\nproperty float x\nproperty float y\nproperty float z\n"
        f"element face {len(faces)}\nproperty list uchar int vertex_indices\nend_header\n"
    ).encode("ascii")
    face_rows = np.empty(len(faces), dtype=[("n", "u1"), ("v", "<i4", (3,))])
    face_rows["n"] = 3
    face_rows["v"] = faces
    return header + vertices.tobytes() + face_rows.tobytes()


_OWN_HEADER = (
    "ply\nformat binary_little_endian 1.0\n"
    "element vertex {nv}\nproperty float x\nproperty float y\nproperty float z\n"
    "element face {nf}\nproperty list uchar int vertex_indices\nend_header\n"
)


def _read_own_ply(data: bytes):
    """Fast path for the layout :func:`ply_bytes` writes; None if the file has another layout."""
    end = data.find(b"end_header\n")
    if end < 0 or not data.startswith(b"ply\n"):
        return None
    header = data[: end + len(b"end_header\n")].decode("ascii", errors="replace")
    try:
        lines = header.splitlines()
        nv = int(lines[2].split()[2])
        nf = int(lines[6].split()[2])
    except (IndexError, ValueError):
        return None
    if header != _OWN_HEADER.format(nv=nv, nf=nf):
        return None
    body = memoryview(data)[len(header):]
    v_bytes, f_bytes = 12 * nv, 13 * nf
    if len(body) != v_bytes + f_bytes:
        raise ValueError(f"expected {v_bytes + f_bytes} bytes of vertex and face data, found {len(body)}")
    vertices = np.frombuffer(body[:v_bytes], dtype="<f4").reshape(nv, 3).astype(float)
    rows = np.frombuffer(body[v_bytes:], dtype=[("n", "u1"), ("v", "<i4", (3,))])
    if np.any(rows["n"] != 3):
        raise ValueError("a face is not a triangle")
    return vertices, rows["v"].astype(np.int64)


def read_ply(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a triangle PLY; returns ``(vertices float64 (n, 3), faces int64 (m, 3))``.

    The project's own files (the layout :func:`ply_bytes` writes) are read directly with numpy;
    any other PLY (ASCII, extra properties, a customised mesh from another tool) goes through
    trimesh, imported only then because it is heavy to load.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=path)
    try:
        own = _read_own_ply(path.read_bytes())
        if own is None:
            import trimesh

            mesh = trimesh.load(path, file_type="ply", process=False, force="mesh")
            own = np.asarray(mesh.vertices, dtype=float), np.asarray(mesh.faces, dtype=np.int64)
        vertices, faces = own
    except Exception as exc:  # a damaged file fails in many ways; all mean the same to the user
        raise DataError(f"cannot be read as a PLY triangle mesh ({type(exc).__name__}: {exc})", file=path) from None
    if vertices.ndim != 2 or vertices.shape[1] != 3 or len(vertices) == 0:
        raise DataError("contains no vertices", file=path)
    if faces.ndim != 2 or faces.shape[1] != 3 or len(faces) == 0:
        raise DataError("contains no triangles", file=path)
    if not np.all(np.isfinite(vertices)):
        raise DataError("contains non-finite vertex coordinates", file=path)
    if faces.min() < 0 or faces.max() >= len(vertices):
        raise DataError("a triangle refers to a vertex that does not exist", file=path)
    return vertices, faces


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise DataError("file not found", file=path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", file=path) from None
    if not isinstance(data, dict):
        raise DataError("expected a JSON object at the top level", file=path)
    return data


def read_manifest(folder: Path) -> dict:
    """The manifest, checked for its required fields."""
    path = Path(folder) / MANIFEST
    data = _read_json(path)
    if data.get("format_version") != FORMAT_VERSION:
        raise DataError(f"format_version {data.get('format_version')!r} is not supported (expected {FORMAT_VERSION})",
                        file=path, field="format_version")
    if data.get("units") != "mm":
        raise DataError(f"units {data.get('units')!r} is not supported (expected 'mm')", file=path, field="units")
    structures = data.get("structures")
    if not isinstance(structures, dict) or not structures:
        raise DataError("missing or empty", file=path, field="structures")
    for sid, entry in structures.items():
        f = f"structures.{sid}"
        if not isinstance(entry, dict):
            raise DataError("expected an object", file=path, field=f)
        for key in ("file", "body", "kind", "triangles", "sha256"):
            if key not in entry:
                raise DataError("missing required field", file=path, field=f"{f}.{key}")
        if entry["body"] not in BODIES:
            raise DataError(not_one_of("body", entry["body"], BODIES), file=path, field=f"{f}.body")
        if entry["kind"] not in KINDS:
            raise DataError(not_one_of("kind", entry["kind"], KINDS), file=path, field=f"{f}.kind")
    return data


def load_mesh(folder: Path, sid: str, entry: dict, *, check_hash: bool = True) -> MeshRecord:
    """Read one structure's mesh and check it against its manifest entry."""
    path = Path(folder) / entry["file"]
    if not path.is_file():
        raise DataError(f"file not found (listed for {sid!r} in {MANIFEST})", file=path)
    if check_hash and sha256_of(path) != entry["sha256"]:
        raise DataError(
            f"content does not match the SHA-256 in {MANIFEST} (the file is damaged or was changed; "
            "regenerate with 'hip-viewer build-meshes')",
            file=path,
        )
    vertices, faces = read_ply(path)
    if len(faces) != entry["triangles"]:
        raise DataError(f"has {len(faces)} triangles but {MANIFEST} lists {entry['triangles']}", file=path)
    return MeshRecord(sid, entry["kind"], entry["body"], vertices, faces)


def load_meshes(folder: Path, *, check_hash: bool = True) -> tuple[dict, dict[str, MeshRecord]]:
    """The manifest and every mesh it lists."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    meshes = {sid: load_mesh(folder, sid, entry, check_hash=check_hash) for sid, entry in manifest["structures"].items()}
    return manifest, meshes


def load_landmarks(folder: Path) -> dict[str, Landmark]:
    """Landmarks by name from ``landmarks.json``."""
    path = Path(folder) / LANDMARKS
    data = _read_json(path)
    out: dict[str, Landmark] = {}
    for name, entry in data.items():
        f = name
        if not isinstance(entry, dict):
            raise DataError("expected an object", file=path, field=f)
        for key in ("bone", "body", "position_mm"):
            if key not in entry:
                raise DataError("missing required field", file=path, field=f"{f}.{key}")
        pos = np.asarray(entry["position_mm"], dtype=float) if isinstance(entry["position_mm"], list) else None
        if pos is None or pos.shape != (3,) or not np.all(np.isfinite(pos)):
            raise DataError(f"expected three finite numbers, got {entry['position_mm']!r}", file=path, field=f"{f}.position_mm")
        if entry["body"] not in BODIES:
            raise DataError(not_one_of("body", entry["body"], BODIES), file=path, field=f"{f}.body")
        out[name] = Landmark(name, entry["bone"], entry["body"], pos, bool(entry.get("on_surface", True)))
    return out


def load_path_document(folder: Path) -> tuple[Path, dict]:
    """The raw muscle-path document (parsed by :func:`viewer.io.paths_file.parse_lines`)."""
    path = Path(folder) / PATHS
    return path, _read_json(path)
