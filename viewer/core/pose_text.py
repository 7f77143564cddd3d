"""Parsing poses and sweeps (command line, lesson steps, scene files): the one pose parser.

``"flexion=90,abduction=0,external_rotation=10"`` -> ``array([90., 0., 10.])``; aliases such as
``extension=10`` mean the negated coordinate; hyphens are accepted (``external-rotation``).
:func:`parse_pose_value` also takes a mapping ``{flexion: 90}`` or a preset name.
"""

from __future__ import annotations

import numpy as np

from viewer.core.errors import DataError
from viewer.core.kinematics import DEFAULT_ROM, RangeOfMotion, check_pose
from viewer.core.motions import POSE_COORDINATES, coordinate_index
from viewer.core.spec import POSE_PRESETS
from viewer.core.tolerances import tol


def _number(text: str, field: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{what} {text!r} is not a number", field=field) from None
    if not np.isfinite(value):
        raise DataError(f"{what} {text!r} is not a finite number", field=field)
    return value


def _text_items(text: str, field: str) -> dict[str, float]:
    items: dict[str, float] = {}
    for part in text.split(","):
        if "=" not in part:
            raise DataError(f"malformed pose item {part.strip()!r} (expected name=degrees, e.g. flexion=90)", field=field)
        name, value = (s.strip() for s in part.split("=", 1))
        items[name] = _number(value, field, f"angle for {name}")
    return items


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_pose_value(value, previous=(0.0, 0.0, 0.0), rom: RangeOfMotion = DEFAULT_ROM, *,
                     presets: dict | None = None, field: str = "pose") -> np.ndarray:
    """A pose from text ``"flexion=90,abduction=10"``, a mapping ``{flexion: 90}`` or a preset name.

    Coordinates not named keep their ``previous`` value. Checked against the range of motion.

    Returns
    -------
    numpy.ndarray, shape (3,)
        Flexion, abduction, external rotation in degrees.
    """
    presets = POSE_PRESETS if presets is None else presets
    if isinstance(value, str) and "=" not in value:
        name = value.strip().lower().replace("-", "_").replace(" ", "_")
        if name not in presets:
            raise DataError(f"unknown pose preset {value!r} (presets: {', '.join(presets)}; "
                            "or give angles, e.g. {flexion: 90, external_rotation: 20})", field=field)
        return np.array(presets[name], dtype=float)
    if isinstance(value, str):
        value = _text_items(value.strip(), field)
    if not isinstance(value, dict) or not value:
        raise DataError("must be a preset name or angles in degrees, e.g. "
                        f"{{flexion: 90, external_rotation: 20}}; got {_describe(value)}", field=field)
    pose = np.array(previous, dtype=float)
    seen: set[int] = set()
    for name, deg in value.items():
        col, sign = coordinate_index(str(name), field=field)
        if col in seen:
            raise DataError(f"{POSE_COORDINATES[col]} is given twice", field=field)
        seen.add(col)
        if isinstance(deg, bool) or not isinstance(deg, (int, float)) or not np.isfinite(deg):
            raise DataError(f"angle for {name} must be a number of degrees, got {_describe(deg)}", field=field)
        pose[col] = sign * float(deg)
    return check_pose(pose, rom, field=field)[0]


def parse_pose(text: str, rom: RangeOfMotion = DEFAULT_ROM, *, field: str = "--pose") -> np.ndarray:
    """Pose from ``"name=deg,name=deg"``; unnamed coordinates are 0. Checked against the range of motion."""
    if not text.strip():
        raise DataError("empty pose (expected e.g. flexion=90,abduction=0,external_rotation=0)", field=field)
    return parse_pose_value(_text_items(text.strip(), field), (0.0, 0.0, 0.0), rom, field=field)


def parse_sweep(text: str, rom: RangeOfMotion = DEFAULT_ROM, *, field: str = "--sweep") -> tuple[int, np.ndarray]:
    """Sweep ``"coordinate=start:stop:step"`` (inclusive) -> (column, angles in deg of that coordinate)."""
    if "=" not in text:
        raise DataError(f"malformed sweep {text!r} (expected coordinate=start:stop:step, e.g. flexion=0:90:15)", field=field)
    name, spec = (s.strip() for s in text.split("=", 1))
    col, sign = coordinate_index(name, field=field)
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise DataError(f"malformed range {spec!r} (expected start:stop or start:stop:step)", field=field)
    start = _number(parts[0], field, "start")
    stop = _number(parts[1], field, "stop")
    step = _number(parts[2], field, "step") if len(parts) == 3 else 1.0
    if step <= 0:
        raise DataError(f"step {step:g} must be positive", field=field)
    count = int(np.floor(abs(stop - start) / step + tol.angle_deg)) + 1
    if count > 100000:
        raise DataError(f"sweep has {count} steps (at most 100000)", field=field)
    values = start + np.sign(stop - start or 1) * step * np.arange(count)
    angles = sign * values
    probe = np.zeros((count, 3))
    probe[:, col] = angles
    check_pose(probe, rom, field=field)
    return col, angles
