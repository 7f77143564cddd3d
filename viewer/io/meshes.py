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

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np

from viewer.core.anatomy import BODIES, Landmark
from viewer.core.errors import DataError
from viewer.core.limits import MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_MESH_BYTES, MAX_MESH_ELEMENTS, check_within_extent
from viewer.io.files import display_path, file_size, read_bytes, read_text, sha256_of
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


_ELEMENT = re.compile(rb"^element\s+(\S+)\s+(\S+)\s*$", re.MULTILINE)


def _check_header_counts(data: bytes) -> None:
    """Refuse element counts beyond :data:`MAX_MESH_ELEMENTS` or beyond what the file can hold,
    before any reader allocates arrays for them."""
    end = data.find(b"end_header")
    if not data.startswith(b"ply") or end < 0:
        raise ValueError("no PLY header (a PLY file starts with 'ply' and a header ending in 'end_header')")
    binary = b"format ascii" not in data[:end]
    for name, count in _ELEMENT.findall(data[:end]):
        try:
            n = int(count)
        except ValueError:
            raise ValueError(f"element {name.decode('ascii', 'replace')!r} has count {count[:20]!r}, not a number") from None
        if not 0 <= n <= MAX_MESH_ELEMENTS:
            raise ValueError(f"element {name.decode('ascii', 'replace')!r} has {n} entries "
                             f"(the limit is {MAX_MESH_ELEMENTS})")
        if binary and n > len(data):  # every binary row takes at least one byte
            raise ValueError(f"element {name.decode('ascii', 'replace')!r} claims {n} entries but the file has "
                             f"only {len(data)} bytes")


def read_ply(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a triangle PLY; returns ``(vertices float64 (n, 3), faces int64 (m, 3))``.

    The project's own files (the layout :func:`ply_bytes` writes) are read directly with numpy;
    any other PLY (ASCII, extra properties, a customised mesh from another tool) goes through
    trimesh, imported only then because it is heavy to load. A file larger than
    :data:`~viewer.core.limits.MAX_MESH_BYTES`, or whose header asks for more than
    :data:`~viewer.core.limits.MAX_MESH_ELEMENTS` vertices or faces, is refused before it is read.
    Every vertex must lie within the anatomy's bounding box
    (:data:`~viewer.core.limits.ANATOMY_EXTENT_MM`).
    """
    path = Path(path)
    shown = display_path(path)
    data = read_bytes(path, max_bytes=MAX_MESH_BYTES, what="mesh file")
    try:
        _check_header_counts(data)
        own = _read_own_ply(data)
        if own is None:
            import io

            import trimesh

            mesh = trimesh.load(io.BytesIO(data), file_type="ply", process=False, force="mesh")
            own = np.asarray(mesh.vertices, dtype=float), np.asarray(mesh.faces, dtype=np.int64)
        vertices, faces = own
    except MemoryError:
        raise DataError("cannot be read as a PLY triangle mesh (it asks for more memory than there is)", file=shown) from None
    except Exception as exc:  # a damaged file fails in many ways; all mean the same to the user
        reason = " ".join(str(exc).split())[:200]
        raise DataError(f"cannot be read as a PLY triangle mesh ({type(exc).__name__}: {reason})", file=shown) from None
    if vertices.ndim != 2 or vertices.shape[1] != 3 or len(vertices) == 0:
        raise DataError("contains no vertices", file=shown)
    if faces.ndim != 2 or faces.shape[1] != 3 or len(faces) == 0:
        raise DataError("contains no triangles", file=shown)
    if not np.all(np.isfinite(vertices)):
        raise DataError("contains non-finite vertex coordinates", file=shown)
    check_within_extent(vertices, what="vertex", file=shown)
    if faces.min() < 0 or faces.max() >= len(vertices):
        raise DataError("a triangle refers to a vertex that does not exist", file=shown)
    return vertices, faces


def _json_depth_ok(text: str) -> bool:
    """Whether brackets nest at most :data:`MAX_JSON_DEPTH` deep (strings are skipped)."""
    depth = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        t = token.group()
        if t in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif t in "]}":
            depth -= 1
    return True


def _read_json(path: Path) -> dict:
    shown = display_path(path)
    text = read_text(path, max_bytes=MAX_JSON_BYTES, what="file")
    if not _json_depth_ok(text):
        raise DataError(f"nests deeper than the limit of {MAX_JSON_DEPTH} levels", file=shown)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", file=shown) from None
    except RecursionError:
        raise DataError(f"nests deeper than the limit of {MAX_JSON_DEPTH} levels", file=shown) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise DataError(f"not valid JSON ({exc})", file=shown) from None
    if not isinstance(data, dict):
        raise DataError("expected a JSON object at the top level", file=shown)
    return data


def _count(value, file, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MESH_ELEMENTS:
        raise DataError(f"expected a whole number 1..{MAX_MESH_ELEMENTS}, got {value!r}"[:200], file=file, field=field)
    return value


def _relative_file(value, file, field: str) -> str:
    """A manifest ``file`` entry: a relative path naming a file inside the mesh folder."""
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"expected a file name (text), got {value!r}"[:200], file=file, field=field)
    if "\0" in value:
        raise DataError("a file name may not contain a NUL character", file=file, field=field)
    posix, windows = PurePosixPath(value), PureWindowsPath(value)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or ".." in posix.parts or ".." in windows.parts:
        raise DataError(f"{value!r} must be a relative path inside the mesh folder (no absolute path, no '..')",
                        file=file, field=field)
    return value


def read_manifest(folder: Path) -> dict:
    """The manifest, checked for its required fields and their types.

    A structure's ``file`` must be a relative path inside the mesh folder; ``triangles`` (and
    ``vertices``, ``bytes`` when given) whole numbers; ``sha256`` 64 hexadecimal digits.
    """
    path = Path(folder) / MANIFEST
    data = _read_json(path)
    shown = display_path(path)
    if data.get("format_version") != FORMAT_VERSION:
        raise DataError(f"format_version {data.get('format_version')!r} is not supported (expected {FORMAT_VERSION})"[:300],
                        file=shown, field="format_version")
    if data.get("units") != "mm":
        raise DataError(f"units {data.get('units')!r} is not supported (expected 'mm')"[:300], file=shown, field="units")
    structures = data.get("structures")
    if not isinstance(structures, dict) or not structures:
        raise DataError("missing or empty", file=shown, field="structures")
    for sid, entry in structures.items():
        f = f"structures.{sid}"
        if not isinstance(entry, dict):
            raise DataError("expected an object", file=shown, field=f)
        for key in ("file", "body", "kind", "triangles", "sha256"):
            if key not in entry:
                raise DataError("missing required field", file=shown, field=f"{f}.{key}")
        _relative_file(entry["file"], shown, f"{f}.file")
        if not isinstance(entry["body"], str) or entry["body"] not in BODIES:
            raise DataError(not_one_of("body", entry["body"], BODIES), file=shown, field=f"{f}.body")
        if not isinstance(entry["kind"], str) or entry["kind"] not in KINDS:
            raise DataError(not_one_of("kind", entry["kind"], KINDS), file=shown, field=f"{f}.kind")
        _count(entry["triangles"], shown, f"{f}.triangles")
        if "vertices" in entry:
            _count(entry["vertices"], shown, f"{f}.vertices")
        if "bytes" in entry:
            if isinstance(entry["bytes"], bool) or not isinstance(entry["bytes"], int) or not 0 < entry["bytes"] <= MAX_MESH_BYTES:
                raise DataError(f"expected a size in bytes 1..{MAX_MESH_BYTES}, got {entry['bytes']!r}"[:200],
                                file=shown, field=f"{f}.bytes")
        sha = entry["sha256"]
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha):
            raise DataError(f"expected 64 hexadecimal digits, got {sha!r}"[:200], file=shown, field=f"{f}.sha256")
    return data


def _inside(folder: Path, name: str, file, field: str) -> Path:
    """The path of a manifest entry, refusing one that leaves the folder through a symbolic link."""
    path = Path(folder) / name
    try:
        real_folder = os.path.realpath(folder)
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return path  # reading it reports the problem
    if os.path.commonpath([real_folder, real]) != real_folder:
        raise DataError(f"{name!r} leads outside the mesh folder (through a symbolic link)", file=file, field=field)
    return path


def load_mesh(folder: Path, sid: str, entry: dict, *, check_hash: bool = True) -> MeshRecord:
    """Read one structure's mesh and check it against its manifest entry.

    The file's size is checked before it is hashed: a file larger than the manifest's ``bytes``
    (when given) or than :data:`~viewer.core.limits.MAX_MESH_BYTES` is refused unread; the
    rest is hashed in chunks.
    """
    manifest_file = display_path(Path(folder) / MANIFEST)
    name = _relative_file(entry.get("file"), manifest_file, f"structures.{sid}.file")
    path = _inside(Path(folder), name, manifest_file, f"structures.{sid}.file")
    shown = display_path(path)
    try:
        size = file_size(path, what="mesh file", file=shown)
    except DataError as exc:
        if exc.reason == "mesh file not found":
            raise DataError(f"file not found (listed for {sid!r} in {MANIFEST})", file=shown) from None
        raise
    damaged = DataError(f"content does not match the SHA-256 in {MANIFEST} (the file is damaged or was changed; "
                        "regenerate with 'hip-viewer build-meshes')", file=shown)
    expected = entry.get("bytes")
    if check_hash and isinstance(expected, int) and size > expected:
        # Larger than listed: refused unread, so hashing never costs more than the listed size
        # (the hash, not the size, is what decides for a file of at most that size).
        raise damaged
    if size > MAX_MESH_BYTES:
        raise DataError(f"is {size} bytes, larger than the limit of {MAX_MESH_BYTES} bytes for a mesh file", file=shown)
    if check_hash and sha256_of(path) != str(entry["sha256"]).lower():
        raise damaged
    vertices, faces = read_ply(path)
    if len(faces) != entry["triangles"]:
        raise DataError(f"has {len(faces)} triangles but {MANIFEST} lists {entry['triangles']}", file=shown)
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
    shown = display_path(path)
    out: dict[str, Landmark] = {}
    for name, entry in data.items():
        f = name
        if not isinstance(entry, dict):
            raise DataError("expected an object", file=shown, field=f)
        for key in ("bone", "body", "position_mm"):
            if key not in entry:
                raise DataError("missing required field", file=shown, field=f"{f}.{key}")
        raw = entry["position_mm"]
        if not (isinstance(raw, list) and len(raw) == 3
                and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in raw)):
            raise DataError(f"expected three finite numbers, got {raw!r}"[:200], file=shown, field=f"{f}.position_mm")
        try:
            pos = np.array([float(x) for x in raw])
        except OverflowError:  # an integer with hundreds of digits
            pos = np.full(3, np.inf)
        pos = check_within_extent(pos, what="position", file=shown, field=f"{f}.position_mm")
        if not isinstance(entry["bone"], str) or not entry["bone"]:
            raise DataError(f"expected a bone id (text), got {entry['bone']!r}"[:200], file=shown, field=f"{f}.bone")
        if not isinstance(entry["body"], str) or entry["body"] not in BODIES:
            raise DataError(not_one_of("body", entry["body"], BODIES), file=shown, field=f"{f}.body")
        on_surface = entry.get("on_surface", True)
        if not isinstance(on_surface, bool):
            raise DataError(f"expected true or false, got {on_surface!r}"[:200], file=shown, field=f"{f}.on_surface")
        out[name] = Landmark(name, entry["bone"], entry["body"], pos, on_surface)
    return out


def load_path_document(folder: Path) -> tuple[Path, dict]:
    """The raw muscle-path document (parsed by :func:`viewer.io.paths_file.parse_lines`)."""
    path = Path(folder) / PATHS
    return path, _read_json(path)
