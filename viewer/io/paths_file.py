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
from viewer.core.motions import POSE_COORDINATES
from viewer.core.tolerances import tol
from viewer.io.validation import not_one_of

WRAP_KINDS = ("sphere", "cylinder", "ellipsoid")
LINE_KINDS = ("muscle", "nerve")


def _vector(value: Any, file, field: str, *, unit: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"expected three numbers, got {value!r}", file=file, field=field) from None
    if arr.shape != (3,) or not np.all(np.isfinite(arr)):
        raise DataError(f"expected three finite numbers, got {value!r}", file=file, field=field)
    if unit:
        norm = float(np.linalg.norm(arr))
        if norm < tol.length_mm:
            raise DataError("a direction must not be the zero vector", file=file, field=field)
        arr = arr / norm
    return arr


def _positive(value: Any, file, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise DataError(f"expected a positive number, got {value!r}", file=file, field=field)
    return float(value)


def _require(mapping: dict, key: str, file, field: str):
    if not isinstance(mapping, dict):
        raise DataError(f"expected a mapping, got {type(mapping).__name__}", file=file, field=field)
    if key not in mapping:
        raise DataError("missing required field", file=file, field=f"{field}.{key}" if field else key)
    return mapping[key]


def _body(value: Any, file, field: str) -> str:
    if value not in BODIES:
        raise DataError(not_one_of("body", value, BODIES), file=file, field=field)
    return value


def _frame(value: Any, file, field: str) -> np.ndarray:
    """Three orthonormal row vectors (a right-handed rotation)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"expected three rows of three numbers, got {value!r}", file=file, field=field) from None
    if arr.shape != (3, 3) or not np.all(np.isfinite(arr)):
        raise DataError(f"expected three rows of three numbers, got {value!r}", file=file, field=field)
    if not np.allclose(arr @ arr.T, np.eye(3), atol=1e-3) or np.linalg.det(arr) < 0:
        raise DataError("the axes must be orthonormal and right-handed", file=file, field=field)
    u, _, vt = np.linalg.svd(arr)
    return u @ vt


WRAP_FIELDS = {
    "sphere": {"kind", "body", "centre", "radius", "side", "side_on_contact"},
    "cylinder": {"kind", "body", "centre", "radius", "axis", "direction", "side", "side_on_contact"},
    "ellipsoid": {"kind", "body", "centre", "semi_axes", "axes", "side", "side_on_contact"},
}


def parse_wraps(raw: dict, file) -> dict[str, WrapSurface]:
    """Wrap surfaces by name from the ``wraps`` mapping.

    Every kind takes ``kind``, ``body``, ``centre`` and optionally ``side`` (a vector to the
    half of the surface the path must pass over) with ``side_on_contact`` (true: the side
    applies only while the straight segment touches the surface, as OpenSim's quadrants do). A sphere has ``radius``; a cylinder
    ``radius``, ``axis`` and optionally ``direction`` (+1/-1: fixed sense about the axis); an
    ellipsoid ``semi_axes`` (three half-lengths) and optionally ``axes`` (its principal axes
    as three orthonormal rows; default the body's axes).
    """
    wraps: dict[str, WrapSurface] = {}
    if not isinstance(raw, dict):
        raise DataError("expected a mapping of wrap surfaces", file=file, field="wraps")
    for name, spec in raw.items():
        f = f"wraps.{name}"
        kind = _require(spec, "kind", file, f)
        if kind not in WRAP_KINDS:
            raise DataError(not_one_of("wrap kind", kind, WRAP_KINDS), file=file, field=f"{f}.kind")
        extra = set(spec) - WRAP_FIELDS[kind]
        if extra:
            raise DataError(f"unknown field {sorted(extra)[0]!r} for a {kind} (allowed: {', '.join(sorted(WRAP_FIELDS[kind]))})",
                            file=file, field=f"{f}.{sorted(extra)[0]}")
        axis = None
        direction = 0
        frame = None
        semi = None
        side = _vector(spec["side"], file, f"{f}.side", unit=True) if "side" in spec else None
        on_contact = spec.get("side_on_contact", False)
        if not isinstance(on_contact, bool):
            raise DataError(f"expected true or false, got {on_contact!r}", file=file, field=f"{f}.side_on_contact")
        if kind == "cylinder":
            axis = _vector(_require(spec, "axis", file, f), file, f"{f}.axis", unit=True)
            direction = spec.get("direction", 0)
            if direction not in (-1, 0, 1) or isinstance(direction, bool):
                raise DataError(f"direction {direction!r} is not one of -1, 0, 1", file=file, field=f"{f}.direction")
            if direction and side is not None:
                raise DataError("give either a direction or a side, not both", file=file, field=f"{f}.side")
        if kind == "ellipsoid":
            semi_raw = _require(spec, "semi_axes", file, f)
            semi = _vector(semi_raw, file, f"{f}.semi_axes")
            if not np.all(semi > 0):
                raise DataError(f"semi-axes must be positive, got {semi_raw!r}", file=file, field=f"{f}.semi_axes")
            frame = _frame(spec["axes"], file, f"{f}.axes") if "axes" in spec else np.eye(3)
            radius = float(semi.max())
        else:
            radius = _positive(_require(spec, "radius", file, f), file, f"{f}.radius")
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
        raise DataError(f"{value!r} is outside 0..1", file=file, field=field)
    return float(value)


def _parse_shape(raw: dict, file, field: str) -> SweepShape:
    known = {"origin", "belly", "insertion", "belly_at", "thickness", "width_axis", "width_axis_end", "tendon_from"}
    if not isinstance(raw, dict):
        raise DataError("expected a mapping", file=file, field=field)
    extra = set(raw) - known
    if extra:
        raise DataError(f"unknown field {sorted(extra)[0]!r} (allowed: {', '.join(sorted(known))})", file=file, field=field)
    belly_at = float(raw.get("belly_at", 0.45))
    if not 0.0 < belly_at < 1.0:
        raise DataError(f"belly_at {belly_at!r} is outside 0..1", file=file, field=f"{field}.belly_at")
    thickness = float(raw.get("thickness", 0.7))
    if not 0.05 <= thickness <= 1.5:
        raise DataError(f"thickness {thickness!r} is outside 0.05..1.5", file=file, field=f"{field}.thickness")
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
                if name not in landmarks:
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
                f"expected {len(points) - 1} entries (one per segment), got {wrap_names!r}", file=file, field=f"{f}.wraps"
            )
        seg_wraps = []
        for k, name in enumerate(wrap_names):
            if name is None:
                seg_wraps.append(None)
            elif name in wraps:
                seg_wraps.append(wraps[name])
            else:
                raise DataError(
                    f"unknown wrap surface {name!r} (defined: {', '.join(wraps) or 'none'})", file=file, field=f"{f}.wraps[{k}]"
                )
        structure = spec.get("structure", line_id)
        pcsa = None
        if kind == "muscle" and pcsa_cm2 is not None:
            if line_id not in pcsa_cm2:
                raise DataError(f"no cross-sectional area is known for {line_id!r}", file=file, field=f)
            pcsa = float(pcsa_cm2[line_id])
        lines.append(
            MuscleLine(
                id=line_id,
                structure=structure,
                kind=kind,
                points=tuple(points),
                wraps=tuple(seg_wraps),
                shape=_parse_shape(_require(spec, "shape", file, f), file, f"{f}.shape"),
                pcsa_cm2=pcsa,
            )
        )
    return lines
