"""Reading muscle-path definitions (via points, wrap surfaces, sweep shapes) into core records.

The same definitions are read by the mesh generator (to sweep the neutral-pose muscle meshes)
and at load time from ``meshes/muscle_paths.json`` (to build the :class:`PathSet`). Every
problem names the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from viewer.core.anatomy import BODIES, Landmark, MuscleLine, PathPoint, SweepShape, WrapSurface
from viewer.core.errors import DataError
from viewer.core.limits import MAX_WRAP_RADIUS_MM, MIN_POINT_SEPARATION_MM, check_within_extent
from viewer.core.motions import POSE_COORDINATES
from viewer.core.tolerances import tol
from viewer.io.validation import not_one_of

WRAP_KINDS = ("sphere", "cylinder", "ellipsoid", "torus")
LINE_KINDS = ("muscle", "nerve")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _vector(value: Any, file, field: str, *, unit: bool = False) -> np.ndarray:
    """Three finite numbers; a position (``unit=False``) must lie within the anatomy's extent."""
    if not (isinstance(value, (list, tuple)) and len(value) == 3
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)):
        raise DataError(f"expected three numbers, got {_short(value)}", file=file, field=field)
    try:
        arr = np.array([float(x) for x in value])
    except OverflowError:  # an integer with hundreds of digits
        raise DataError(f"expected three finite numbers, got {_short(value)}", file=file, field=field) from None
    if not np.all(np.isfinite(arr)):
        raise DataError(f"expected three finite numbers, got {_short(value)}", file=file, field=field)
    if not unit:
        check_within_extent(arr, what="position", file=file, field=field)
    if unit:
        scale = float(np.abs(arr).max())
        if scale < tol.length_mm:
            raise DataError("a direction must not be the zero vector", file=file, field=field)
        arr = arr / scale  # first to about 1, so that the norm of 1e308-sized components is finite
        arr = arr / float(np.linalg.norm(arr))
    return arr


def _positive(value: Any, file, field: str, *, limit: float = MAX_WRAP_RADIUS_MM) -> float:
    """A finite positive length in mm, at most ``limit``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= limit:
        raise DataError(f"expected a positive number of millimetres up to {limit:g}, got {_short(value)}",
                        file=file, field=field)
    return float(value)


def _require(mapping: dict, key: str, file, field: str):
    if not isinstance(mapping, dict):
        raise DataError(f"expected a mapping, got {type(mapping).__name__}", file=file, field=field)
    if key not in mapping:
        raise DataError("missing required field", file=file, field=f"{field}.{key}" if field else key)
    return mapping[key]


def _body(value: Any, file, field: str) -> str:
    if not isinstance(value, str) or value not in BODIES:
        raise DataError(not_one_of("body", value, BODIES), file=file, field=field)
    return value


def _frame(value: Any, file, field: str) -> np.ndarray:
    """Three orthonormal row vectors (a right-handed rotation)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise DataError(f"expected three rows of three numbers, got {value!r}", file=file, field=field) from None
    if arr.shape != (3, 3) or not np.all(np.isfinite(arr)):
        raise DataError(f"expected three rows of three numbers, got {value!r}", file=file, field=field)
    if not np.allclose(arr @ arr.T, np.eye(3), atol=1e-3) or np.linalg.det(arr) < 0:
        raise DataError("the axes must be orthonormal and right-handed", file=file, field=field)
    u, _, vt = np.linalg.svd(arr)
    return u @ vt


WRAP_FIELDS = {
    "sphere": {"kind", "body", "centre", "radius", "side", "side_on_contact", "method"},
    "cylinder": {"kind", "body", "centre", "radius", "axis", "direction", "side", "side_on_contact", "length"},
    "ellipsoid": {"kind", "body", "centre", "semi_axes", "axes", "side", "side_on_contact", "method"},
    "torus": {"kind", "body", "centre", "radius", "ring_radius", "axes", "side", "method"},
}

#: Plane methods of an imported ellipsoid (OpenSim's path wrap methods).
ELLIPSOID_METHODS = ("hybrid", "midpoint", "axial")


def parse_wraps(raw: dict, file) -> dict[str, WrapSurface]:
    """Wrap surfaces by name from the ``wraps`` mapping.

    Every kind takes ``kind``, ``body``, ``centre`` and optionally ``side`` (a vector to the
    half of the surface the path must pass over) with ``side_on_contact`` (true: the side
    applies only while the straight segment touches the surface, as OpenSim's quadrants do). A sphere has ``radius``; a cylinder
    ``radius``, ``axis`` and optionally ``direction`` (+1/-1: fixed sense about the axis); an
    ellipsoid ``semi_axes`` (three half-lengths) and optionally ``axes`` (its principal axes
    as three orthonormal rows; default the body's axes). Imported models add: a cylinder's
    ``length`` (mm; a finite cylinder that follows OpenSim's quadrant rule), a sphere's
    ``method: opensim`` (OpenSim's quadrant rule), an ellipsoid's
    ``method`` (one of :data:`ELLIPSOID_METHODS`: OpenSim's plane construction), and the
    ``torus``: tube ``radius``, ``ring_radius`` (mm, larger than the tube's), ``axes`` (the
    ring's axis last) and optionally ``method: opensim`` (OpenSim's contact rule).
    """
    wraps: dict[str, WrapSurface] = {}
    if not isinstance(raw, dict):
        raise DataError("expected a mapping of wrap surfaces", file=file, field="wraps")
    for name, spec in raw.items():
        f = f"wraps.{name}"
        kind = _require(spec, "kind", file, f)
        if not isinstance(kind, str) or kind not in WRAP_KINDS:
            raise DataError(not_one_of("wrap kind", kind, WRAP_KINDS), file=file, field=f"{f}.kind")
        extra = set(spec) - WRAP_FIELDS[kind]
        if extra:
            raise DataError(f"unknown field {sorted(extra)[0]!r} for a {kind} (allowed: {', '.join(sorted(WRAP_FIELDS[kind]))})",
                            file=file, field=f"{f}.{sorted(extra)[0]}")
        axis = None
        direction = 0
        frame = None
        semi = None
        method = length = ring = None
        side = _vector(spec["side"], file, f"{f}.side", unit=True) if "side" in spec else None
        on_contact = spec.get("side_on_contact", False)
        if not isinstance(on_contact, bool):
            raise DataError(f"expected true or false, got {on_contact!r}", file=file, field=f"{f}.side_on_contact")
        if kind == "cylinder":
            axis = _vector(_require(spec, "axis", file, f), file, f"{f}.axis", unit=True)
            direction = spec.get("direction", 0)
            if not isinstance(direction, int) or isinstance(direction, bool) or direction not in (-1, 0, 1):
                raise DataError(f"direction {direction!r} is not one of -1, 0, 1", file=file, field=f"{f}.direction")
            if direction and side is not None:
                raise DataError("give either a direction or a side, not both", file=file, field=f"{f}.side")
            if "length" in spec:
                length = _positive(spec["length"], file, f"{f}.length", limit=1e7)
        if kind == "ellipsoid":
            semi_raw = _require(spec, "semi_axes", file, f)
            semi = _vector(semi_raw, file, f"{f}.semi_axes")
            if not np.all(semi > 0):
                raise DataError(f"semi-axes must be positive, got {semi_raw!r}", file=file, field=f"{f}.semi_axes")
            frame = _frame(spec["axes"], file, f"{f}.axes") if "axes" in spec else np.eye(3)
            radius = float(semi.max())
            method = spec.get("method")
            if method is not None and method not in ELLIPSOID_METHODS:
                raise DataError(not_one_of("method", method, ELLIPSOID_METHODS), file=file, field=f"{f}.method")
        else:
            radius = _positive(_require(spec, "radius", file, f), file, f"{f}.radius")
        if kind == "sphere" and "method" in spec:
            method = spec["method"]
            if method != "opensim":
                raise DataError(not_one_of("method", method, ("opensim",)), file=file, field=f"{f}.method")
        if kind == "torus":
            ring = _positive(_require(spec, "ring_radius", file, f), file, f"{f}.ring_radius")
            if ring <= radius:
                raise DataError(f"ring radius {ring:g} must exceed the tube radius {radius:g}", file=file,
                                field=f"{f}.ring_radius")
            frame = _frame(spec["axes"], file, f"{f}.axes") if "axes" in spec else np.eye(3)
            method = spec.get("method")
            if method is not None and method != "opensim":
                raise DataError(not_one_of("method", method, ("opensim",)), file=file, field=f"{f}.method")
        wraps[name] = WrapSurface(
            name=name,
            kind=kind,
            body=_body(_require(spec, "body", file, f), file, f"{f}.body"),
            centre_mm=_vector(_require(spec, "centre", file, f), file, f"{f}.centre"),
            radius_mm=radius,
            axis=axis,
            direction=int(direction),
            frame=frame,
            semi_axes_mm=semi,
            side=side,
            side_on_contact=on_contact,
            method=method,
            length_mm=length,
            ring_radius_mm=ring,
        )
    return wraps


def _condition(raw: Any, file, field: str) -> tuple[int, float, float]:
    """``{coordinate: flexion, range: [lo, hi]}`` (degrees) to ``(index, lo, hi)``."""
    if not isinstance(raw, dict) or set(raw) != {"coordinate", "range"}:
        raise DataError(f"expected {{coordinate: <{'|'.join(POSE_COORDINATES)}>, range: [low, high]}}, got {raw!r}",
                        file=file, field=field)
    coord = raw["coordinate"]
    if coord not in POSE_COORDINATES:
        raise DataError(f"unknown coordinate {coord!r} (allowed: {', '.join(POSE_COORDINATES)})", file=file,
                        field=f"{field}.coordinate")
    rng = raw["range"]
    if (not isinstance(rng, list) or len(rng) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in rng)
            or not rng[0] < rng[1]):
        raise DataError(f"expected [low, high] in degrees with low < high, got {rng!r}", file=file, field=f"{field}.range")
    return POSE_COORDINATES.index(coord), float(rng[0]), float(rng[1])


def _fraction(value, file, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
        raise DataError(f"{_short(value)} is outside 0..1", file=file, field=field)
    return float(value)


def _number(value, file, field: str, lo: float, hi: float, *, open_range: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (
        lo < value < hi if open_range else lo <= value <= hi)
    if not ok:
        raise DataError(f"{_short(value)} is outside {lo:g}..{hi:g}", file=file, field=field)
    return float(value)


def _parse_shape(raw: dict, file, field: str) -> SweepShape:
    known = {"origin", "belly", "insertion", "belly_at", "thickness", "width_axis", "width_axis_end", "tendon_from"}
    if not isinstance(raw, dict):
        raise DataError("expected a mapping", file=file, field=field)
    extra = set(raw) - known
    if extra:
        raise DataError(f"unknown field {sorted(extra)[0]!r} (allowed: {', '.join(sorted(known))})", file=file, field=field)
    belly_at = _number(raw.get("belly_at", 0.45), file, f"{field}.belly_at", 0.0, 1.0, open_range=True)
    thickness = _number(raw.get("thickness", 0.7), file, f"{field}.thickness", 0.05, 1.5)
    return SweepShape(
        origin_width_mm=_positive(_require(raw, "origin", file, field), file, f"{field}.origin"),
        belly_width_mm=_positive(_require(raw, "belly", file, field), file, f"{field}.belly"),
        insertion_width_mm=_positive(_require(raw, "insertion", file, field), file, f"{field}.insertion"),
        belly_at=belly_at,
        thickness_ratio=thickness,
        width_axis=_vector(raw.get("width_axis", [0, 1, 0]), file, f"{field}.width_axis", unit=True),
        width_axis_end=(_vector(raw["width_axis_end"], file, f"{field}.width_axis_end", unit=True)
                        if "width_axis_end" in raw else None),
        tendon_from=_fraction(raw.get("tendon_from", 1.0), file, f"{field}.tendon_from"),
    )


def _parse_line(line_id, spec, wraps: dict[str, WrapSurface], landmarks: dict[str, Landmark], file,
                pcsa_cm2: dict[str, float] | None) -> MuscleLine:
    """One line of action from its definition (see :func:`parse_lines`)."""
    f = f"lines.{line_id}"
    kind = spec.get("kind", "muscle") if isinstance(spec, dict) else None
    if kind not in LINE_KINDS:
        raise DataError(not_one_of("kind", kind, LINE_KINDS), file=file, field=f"{f}.kind")
    points_raw = _require(spec, "points", file, f)
    if not isinstance(points_raw, list) or len(points_raw) < 2:
        raise DataError("a path needs at least an origin and an insertion", file=file, field=f"{f}.points")
    points = []
    for k, p in enumerate(points_raw):
        pf = f"{f}.points[{k}]"
        if isinstance(p, dict) and "landmark" in p:
            name = p["landmark"]
            if not isinstance(name, str) or name not in landmarks:
                raise DataError(f"unknown landmark {name!r}", file=file, field=f"{pf}.landmark")
            lm = landmarks[name]
            offset = _vector(p["offset"], file, f"{pf}.offset") if "offset" in p else np.zeros(3)
            if np.linalg.norm(offset) > 25.0:
                raise DataError("an offset from a landmark must be at most 25 mm", file=file, field=f"{pf}.offset")
            points.append(PathPoint(name=name, body=lm.body, position_mm=np.asarray(lm.position_mm, float) + offset,
                                    landmark=name))
        else:
            condition = None
            if isinstance(p, dict) and "condition" in p:
                if k == 0 or k == len(points_raw) - 1:
                    raise DataError("an origin or insertion cannot be conditional", file=file, field=f"{pf}.condition")
                condition = _condition(p["condition"], file, f"{pf}.condition")
            points.append(
                PathPoint(
                    name=str(_require(p, "name", file, pf)),
                    body=_body(_require(p, "body", file, pf), file, f"{pf}.body"),
                    position_mm=_vector(_require(p, "position", file, pf), file, f"{pf}.position"),
                    condition=condition,
                )
            )
    wrap_names = spec.get("wraps", [None] * (len(points) - 1))
    if not isinstance(wrap_names, list) or len(wrap_names) != len(points) - 1:
        raise DataError(
            f"expected {len(points) - 1} entries (one per segment), got {_short(wrap_names)}", file=file, field=f"{f}.wraps"
        )
    seg_wraps = []
    for k, name in enumerate(wrap_names):
        if name is None:
            seg_wraps.append(None)
        elif isinstance(name, str) and name in wraps:
            seg_wraps.append(wraps[name])
        else:
            raise DataError(
                f"unknown wrap surface {name!r} (defined: {', '.join(wraps) or 'none'})", file=file, field=f"{f}.wraps[{k}]"
            )
    structure = spec.get("structure", line_id)
    if not isinstance(structure, str) or not structure:
        raise DataError(f"expected a structure id (text), got {_short(structure)}", file=file, field=f"{f}.structure")
    # Points always on the path (conditional via points come and go with the pose) must be
    # distinct from the one before them on the same body.
    always = [k for k, point in enumerate(points) if getattr(point, "condition", None) is None]
    for j, k in zip(always, always[1:]):
        a, b = points[j], points[k]
        gap = float(np.linalg.norm(a.position_mm - b.position_mm))
        if a.body == b.body and gap < MIN_POINT_SEPARATION_MM:
            raise DataError(f"points {j} and {k} ({a.name!r}, {b.name!r}) are {gap:.3g} mm apart on the same "
                            f"body; consecutive points must be at least {MIN_POINT_SEPARATION_MM:g} mm apart",
                            file=file, field=f"{f}.points[{k}]")
    pcsa = None
    if kind == "muscle" and pcsa_cm2 is not None:
        if line_id not in pcsa_cm2:
            raise DataError(f"no cross-sectional area is known for {line_id!r}", file=file, field=f)
        pcsa = float(pcsa_cm2[line_id])
    return MuscleLine(
        id=line_id,
        structure=structure,
        kind=kind,
        points=tuple(points),
        wraps=tuple(seg_wraps),
        shape=_parse_shape(_require(spec, "shape", file, f), file, f"{f}.shape"),
        pcsa_cm2=pcsa,
    )


def parse_lines(
    raw: dict,
    landmarks: dict[str, Landmark],
    file: str | Path,
    pcsa_cm2: dict[str, float] | None = None,
) -> list[MuscleLine]:
    """Build the model's lines of action from a parsed path-definition document.

    Parameters
    ----------
    raw : dict
        The document: ``{"wraps": {...}, "lines": {...}}``.
    landmarks : dict
        Landmarks by name; ``landmark:`` points resolve against them.
    file : path-like
        Named in every error.
    pcsa_cm2 : dict, optional
        Physiological cross-sectional area per line id, attached to muscle lines.
    """
    if not isinstance(raw, dict):
        raise DataError("expected a mapping with 'wraps' and 'lines'", file=file)
    wraps = parse_wraps(raw.get("wraps", {}), file)
    lines_raw = _require(raw, "lines", file, "")
    if not isinstance(lines_raw, dict) or not lines_raw:
        raise DataError("expected a non-empty mapping of lines", file=file, field="lines")
    lines: list[MuscleLine] = []
    for line_id, spec in lines_raw.items():
        f = f"lines.{line_id}"
        try:
            lines.append(_parse_line(line_id, spec, wraps, landmarks, file, pcsa_cm2))
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as exc:
            # every expected mistake has its own message; this names the line for any other
            reason = " ".join(str(exc).split())[:160]
            raise DataError(f"malformed line definition ({type(exc).__name__}: {reason})", file=file, field=f) from None
    return lines
