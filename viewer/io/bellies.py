"""``bellies.json``: the muscles' display fibres (:class:`viewer.core.belly.BellyRig`).

Written by the mesh build beside the muscle meshes; read and checked here. A data folder
without it draws every line as a swept tube.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from viewer.core.belly import BellyRig, DistanceGrid
from viewer.core.errors import DataError
from viewer.core.limits import MAX_MESH_ELEMENTS
from viewer.io.files import display_path

BELLIES = "bellies.json"
#: Most stations or fibres a belly may have (keeps a damaged file from asking for huge arrays).
MAX_RESOLUTION = 400
_BODIES = ("pelvis", "femur")
#: Bone distance grids are stored as little-endian 16-bit integers of this many mm, zlib-compressed.
DISTANCE_UNIT_MM = 0.01
#: The lift table (:attr:`BellyRig.lift_mm`) is stored like the grids, in this file; at most
#: this many node poses.
LIFTS_FILE = "belly_lifts.bin"
LIFT_UNIT_MM = 0.1
MAX_LIFT_NODES = 4096
_LIFT_AXES = ("flexion_deg", "abduction_deg", "external_rotation_deg")
#: Most grid points a distance grid may have.
MAX_GRID_POINTS = 8_000_000


def grid_file_name(body: str) -> str:
    return f"distance_{body}.bin"


def grid_bytes(grid: DistanceGrid) -> bytes:
    """A distance grid's file content (deterministic)."""
    q = np.clip(np.rint(grid.values_mm / DISTANCE_UNIT_MM), -32767, 32767).astype("<i2")
    return zlib.compress(q.tobytes(order="C"), 9)


def lift_bytes(rig: BellyRig) -> bytes:
    """The lift table's file content (deterministic)."""
    q = np.clip(np.rint(rig.lift_mm * (rig.lift_unit_mm / LIFT_UNIT_MM)), -32767, 32767).astype("<i2")
    return zlib.compress(q.tobytes(order="C"), 9)


def dumps(rig: BellyRig, grids=()) -> str:
    """The rig (and the entries of its bone distance grids) as the text of ``bellies.json``."""
    doc = {
        "distance": {
            grid.body: {
                "file": grid_file_name(grid.body),
                "origin_mm": [round(float(x), 4) for x in grid.origin_mm],
                "spacing_mm": float(grid.spacing_mm),
                "shape": [int(n) for n in grid.values_mm.shape],
                "unit_mm": DISTANCE_UNIT_MM,
                "sha256": hashlib.sha256(grid_bytes(grid)).hexdigest(),
            }
            for grid in grids
        },
        **({"lifts": {
            "file": LIFTS_FILE,
            **{axis: [round(float(x), 4) for x in nodes] for axis, nodes in zip(_LIFT_AXES, rig.lift_nodes)},
            "unit_mm": LIFT_UNIT_MM,
            "sha256": hashlib.sha256(lift_bytes(rig)).hexdigest(),
        }} if rig.lift_mm is not None else {}),
        "stations": rig.stations,
        "fibres": rig.fibres,
        "bellies": {
            line_id: {
                "route": {rig.line_ids[c]: [round(float(w), 6) for w in rig.route[m, :, c]]
                          for c in range(len(rig.line_ids)) if np.any(rig.route[m, :, c])},
                "origin_mm": np.round(rig.origin_mm[m], 4).tolist(),
                "insertion_offset_mm": np.round(rig.insertion_offset_mm[m], 4).tolist(),
                "insertion_body": rig.insertion_body[m],
                "thickness_mm": np.round(rig.thickness_mm[m], 3).tolist(),
                "below": float(rig.below[m]),
                "side": int(rig.side[m]),
                "converge": round(float(rig.converge[m]), 6),
                "spread": round(float(rig.spread[m]), 6),
                "sheet": [rig.line_ids[rig.sheet[m, 0]], rig.line_ids[rig.sheet[m, 1]]],
                "origin_normal": np.round(rig.origin_normal[m], 6).tolist(),
                "fibre_length_mm": np.round(rig.fibre_length_mm[m], 4).tolist(),
                **({"fascia_from": round(float(rig.fascia_from[m]), 6)}
                   if rig.fascia_from is not None and rig.fascia_from[m] < 1.0 else {}),
                **({"below_over": round(float(rig.below_over[m]), 6)}
                   if rig.below_over is not None and rig.below_over[m] > 0.0 else {}),
            }
            for m, line_id in enumerate(rig.line_ids)
        },
    }
    return json.dumps(doc, indent=1) + "\n"


def _array(value, shape: tuple[int, ...], file, field: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        arr = None
    if arr is None or arr.shape != shape or not np.all(np.isfinite(arr)):
        raise DataError(f"expected finite numbers of shape {list(shape)}", file=file, field=field)
    return arr


def _fraction(value, file, field: str, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= 1.0:
        raise DataError(f"expected a number {low:g}..1, got {value!r}"[:200], file=file, field=field)
    return float(value)


def parse(doc: dict, line_ids, file) -> BellyRig:
    """Check a parsed ``bellies.json`` against the model's lines and build the rig."""
    sizes = []
    for key in ("stations", "fibres"):
        value = doc.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= MAX_RESOLUTION:
            raise DataError(f"expected a whole number 2..{MAX_RESOLUTION}, got {value!r}"[:200], file=file, field=key)
        sizes.append(value)
    S, F = sizes
    bellies = doc.get("bellies")
    if not isinstance(bellies, dict) or not bellies:
        raise DataError("missing or empty", file=file, field="bellies")
    if len(bellies) * S * F * 2 > MAX_MESH_ELEMENTS:
        raise DataError("describes more belly vertices than a mesh may have", file=file, field="bellies")
    known = set(line_ids)
    ids = tuple(bellies)
    for line_id in ids:
        if line_id not in known:
            raise DataError(f"unknown muscle line {line_id!r}", file=file, field=f"bellies.{line_id}")
    n = len(ids)
    route = np.zeros((n, F, n))
    fields: dict[str, list] = {k: [] for k in ("origin", "insertion", "thickness", "below", "side", "converge", "spread",
                                                "body", "sheet", "normal", "length", "fascia",
                                                "below_over")}
    for m, line_id in enumerate(ids):
        entry = bellies[line_id]
        f = f"bellies.{line_id}"
        if not isinstance(entry, dict):
            raise DataError("expected an object", file=file, field=f)
        for key in ("route", "origin_mm", "insertion_offset_mm", "insertion_body", "thickness_mm", "below", "side"):
            if key not in entry:
                raise DataError("missing required field", file=file, field=f"{f}.{key}")
        if not isinstance(entry["route"], dict) or not entry["route"]:
            raise DataError("expected an object of line id -> weights per fibre", file=file, field=f"{f}.route")
        for other, weights in entry["route"].items():
            if other not in bellies:
                raise DataError(f"unknown belly line {other!r}", file=file, field=f"{f}.route")
            route[m, :, ids.index(other)] = _array(weights, (F,), file, f"{f}.route.{other}")
        if not np.allclose(route[m].sum(axis=1), 1.0, atol=1e-4):
            raise DataError("the weights of each fibre must add up to 1", file=file, field=f"{f}.route")
        fields["origin"].append(_array(entry["origin_mm"], (F, 3), file, f"{f}.origin_mm"))
        fields["insertion"].append(_array(entry["insertion_offset_mm"], (F, 3), file, f"{f}.insertion_offset_mm"))
        thickness = _array(entry["thickness_mm"], (F, S), file, f"{f}.thickness_mm")
        if thickness.min() <= 0.0:
            raise DataError("thicknesses must be positive", file=file, field=f"{f}.thickness_mm")
        fields["thickness"].append(thickness)
        if entry["insertion_body"] not in _BODIES:
            raise DataError(f"insertion_body {entry['insertion_body']!r} is not one of {', '.join(_BODIES)}"[:200],
                            file=file, field=f"{f}.insertion_body")
        fields["body"].append(entry["insertion_body"])
        fields["below"].append(_fraction(entry["below"], file, f"{f}.below"))
        if entry["side"] not in (1, -1) or isinstance(entry["side"], bool):
            raise DataError(f"expected 1 or -1, got {entry['side']!r}"[:200], file=file, field=f"{f}.side")
        fields["side"].append(float(entry["side"]))
        fields["converge"].append(_fraction(entry.get("converge", 1.0), file, f"{f}.converge", low=0.01))
        fields["spread"].append(_fraction(entry.get("spread", 0.0), file, f"{f}.spread"))
        if fields["spread"][-1] >= 0.99:
            raise DataError("expected a number 0..0.99", file=file, field=f"{f}.spread")
        sheet = entry.get("sheet", [line_id, line_id])
        if (not isinstance(sheet, list) or len(sheet) != 2 or not all(isinstance(x, str) and x in bellies for x in sheet)):
            raise DataError(f"expected two belly line ids, got {sheet!r}"[:200], file=file, field=f"{f}.sheet")
        fields["sheet"].append([ids.index(x) for x in sheet])
        if "origin_normal" not in entry:
            raise DataError("missing required field", file=file, field=f"{f}.origin_normal")
        normal = _array(entry["origin_normal"], (F, 3), file, f"{f}.origin_normal")
        if not np.allclose(np.linalg.norm(normal, axis=1), 1.0, atol=1e-3):
            raise DataError("expected unit vectors", file=file, field=f"{f}.origin_normal")
        fields["normal"].append(normal)
        if "fibre_length_mm" not in entry:
            raise DataError("missing required field", file=file, field=f"{f}.fibre_length_mm")
        length = _array(entry["fibre_length_mm"], (F,), file, f"{f}.fibre_length_mm")
        if length.min() <= 0.0:
            raise DataError("fibre lengths must be positive", file=file, field=f"{f}.fibre_length_mm")
        fields["length"].append(length)
        fields["fascia"].append(_fraction(entry.get("fascia_from", 1.0), file, f"{f}.fascia_from"))
        fields["below_over"].append(_fraction(entry.get("below_over", 0.0), file, f"{f}.below_over"))
    return BellyRig(
        line_ids=ids, stations=S, fibres=F, route=route, origin_mm=np.array(fields["origin"]),
        insertion_offset_mm=np.array(fields["insertion"]), insertion_body=tuple(fields["body"]),
        thickness_mm=np.array(fields["thickness"]), below=np.array(fields["below"]), side=np.array(fields["side"]),
        converge=np.array(fields["converge"]), spread=np.array(fields["spread"]),
        sheet=np.array(fields["sheet"], dtype=np.intp), origin_normal=np.array(fields["normal"]),
        fibre_length_mm=np.array(fields["length"]),
        fascia_from=np.array(fields["fascia"]) if min(fields["fascia"]) < 1.0 else None,
        below_over=np.array(fields["below_over"]) if max(fields["below_over"]) > 0.0 else None)


def as_stored(rig: BellyRig, grids=()) -> tuple[BellyRig, tuple]:
    """The rig and grids exactly as they read back from their files (rounded as stored), so
    that the meshes written beside them are what a loaded model evaluates."""
    doc = json.loads(dumps(rig, grids))
    stored = parse(doc, rig.line_ids, BELLIES)
    if rig.lift_mm is not None:
        q = np.frombuffer(zlib.decompress(lift_bytes(rig)), dtype="<i2").reshape(rig.lift_mm.shape)
        stored = replace(stored, lift_nodes=tuple(np.array(doc["lifts"][a], dtype=float) for a in _LIFT_AXES),
                         lift_mm=q, lift_unit_mm=LIFT_UNIT_MM)
    out = []
    for grid in grids:
        q = np.frombuffer(zlib.decompress(grid_bytes(grid)), dtype="<i2").reshape(grid.values_mm.shape)
        out.append(DistanceGrid(grid.body, np.array(doc["distance"][grid.body]["origin_mm"], dtype=float),
                                float(grid.spacing_mm), q.astype(np.float32) * np.float32(DISTANCE_UNIT_MM)))
    return stored, tuple(out)


def _load_grid(folder: Path, body: str, entry, file) -> DistanceGrid:
    from viewer.io.meshes import _relative_file

    f = f"distance.{body}"
    if body not in _BODIES:
        raise DataError(f"body {body!r} is not one of {', '.join(_BODIES)}"[:200], file=file, field=f)
    if not isinstance(entry, dict):
        raise DataError("expected an object", file=file, field=f)
    for key in ("file", "origin_mm", "spacing_mm", "shape", "unit_mm", "sha256"):
        if key not in entry:
            raise DataError("missing required field", file=file, field=f"{f}.{key}")
    name = _relative_file(entry["file"], file, f"{f}.file")
    origin = _array(entry["origin_mm"], (3,), file, f"{f}.origin_mm")
    spacing, unit = entry["spacing_mm"], entry["unit_mm"]
    for key, value in (("spacing_mm", spacing), ("unit_mm", unit)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 50:
            raise DataError(f"expected a number of mm in (0, 50], got {value!r}"[:200], file=file, field=f"{f}.{key}")
    shape = entry["shape"]
    if (not isinstance(shape, list) or len(shape) != 3
            or not all(isinstance(n, int) and not isinstance(n, bool) and 2 <= n for n in shape)
            or int(np.prod(shape)) > MAX_GRID_POINTS):
        raise DataError(f"expected three whole numbers >= 2 with at most {MAX_GRID_POINTS} points in all, "
                        f"got {shape!r}"[:200], file=file, field=f"{f}.shape")
    values = _read_packed(Path(folder) / name, entry["sha256"], shape, unit, what="distance grid",
                          listed=f"listed for {body!r} in {BELLIES}",
                          count_error=f"{BELLIES} gives a shape of {shape}")
    return DistanceGrid(body, origin, float(spacing), values)


def _read_packed(path: Path, sha256, shape, unit, *, what: str, listed: str, count_error: str) -> np.ndarray:
    """A zlib-packed little-endian int16 array file (a distance grid, the lift table): checked
    against its SHA-256 and ``shape``, returned as float32 values times ``unit`` (mm), or as the
    stored steps themselves (read-only int16) when ``unit`` is None."""
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError:
        raise DataError(f"file not found ({listed})", file=shown) from None
    if hashlib.sha256(data).hexdigest() != str(sha256).lower():
        raise DataError(f"content does not match the SHA-256 in {BELLIES} (the file is damaged or was changed; "
                        "regenerate with 'hip-viewer build-meshes')", file=shown)
    expected = int(np.prod(shape)) * 2
    try:
        raw = zlib.decompressobj().decompress(data, expected + 1)
    except zlib.error as exc:
        raise DataError(f"not a compressed {what} ({exc})", file=shown) from None
    if len(raw) != expected:
        raise DataError(f"holds {len(raw) // 2} values but {count_error}", file=shown)
    steps = np.frombuffer(raw, dtype="<i2").reshape(shape)
    return steps if unit is None else steps.astype(np.float32) * np.float32(unit)


def _load_lifts(folder: Path, entry, points: int, file) -> tuple[tuple, np.ndarray, float]:
    from viewer.io.meshes import _relative_file

    if not isinstance(entry, dict):
        raise DataError("expected an object", file=file, field="lifts")
    for key in ("file", *_LIFT_AXES, "unit_mm", "sha256"):
        if key not in entry:
            raise DataError("missing required field", file=file, field=f"lifts.{key}")
    name = _relative_file(entry["file"], file, "lifts.file")
    nodes = []
    for axis in _LIFT_AXES:
        value = entry[axis]
        arr = np.asarray(value, dtype=float) if isinstance(value, list) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in value) else None
        if arr is None or arr.ndim != 1 or len(arr) < 2 or not np.all(np.isfinite(arr)) or np.any(np.diff(arr) <= 0):
            raise DataError(f"expected at least two increasing angles in degrees, got {value!r}"[:200], file=file,
                            field=f"lifts.{axis}")
        nodes.append(arr)
    shape = (*(len(x) for x in nodes), 2, points)
    if int(np.prod(shape[:3])) > MAX_LIFT_NODES:
        raise DataError(f"more than {MAX_LIFT_NODES} node poses", file=file, field="lifts")
    unit = entry["unit_mm"]
    if isinstance(unit, bool) or not isinstance(unit, (int, float)) or not 0 < unit <= 1:
        raise DataError(f"expected a number of mm in (0, 1], got {unit!r}"[:200], file=file, field="lifts.unit_mm")
    table = _read_packed(Path(folder) / name, entry["sha256"], shape, None, what="lift table",
                         listed=f"listed as the lift table in {BELLIES}",
                         count_error=f"{BELLIES} describes {int(np.prod(shape))} "
                                     f"({' x '.join(str(x) for x in shape)})")
    return tuple(nodes), table, float(unit)


def load_bellies(folder: Path, manifest: dict, line_ids) -> tuple[BellyRig | None, tuple]:
    """The rig named by the manifest's ``bellies`` entry and its bone distance grids;
    ``(None, ())`` when the manifest names none."""
    from viewer.io.meshes import _read_json, _relative_file

    name = manifest.get("bellies")
    if name is None:
        return None, ()
    _relative_file(name, display_path(Path(folder) / "manifest.json"), "bellies")
    path = Path(folder) / name
    shown = display_path(path)
    doc = _read_json(path)
    rig = parse(doc, line_ids, shown)
    distance = doc.get("distance", {})
    if not isinstance(distance, dict):
        raise DataError("expected an object of body -> grid", file=shown, field="distance")
    grids = tuple(_load_grid(folder, body, entry, shown) for body, entry in distance.items())
    if "lifts" in doc:
        nodes, table, unit = _load_lifts(folder, doc["lifts"], len(rig.line_ids) * rig.fibres * rig.stations, shown)
        rig = replace(rig, lift_nodes=nodes, lift_mm=table, lift_unit_mm=unit)
    return rig, grids
