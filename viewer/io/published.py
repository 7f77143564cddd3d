"""Checks of the ``published`` values of a muscle annotation (the rules a schema cannot state)."""

from __future__ import annotations

from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS
from viewer.core.pose_text import parse_pose


def published_problems(pub, keys: list[str], parts: list[str]) -> list[tuple[str, str]]:
    """Problems of one published value as ``(reason, field)``: source, motion, pose, value, part.

    ``keys`` are the reference keys of the file, ``parts`` the muscle id then its compartment ids.
    """
    out = []
    if pub.source not in keys:
        out.append((f"{pub.source!r} is not a key in references (allowed: {', '.join(keys) or 'none'})", "source"))
    if pub.motion.replace("-", "_") not in MOTIONS:
        out.append((f"{pub.motion!r} is not a motion (allowed: {', '.join(MOTIONS)})", "motion"))
    try:
        parse_pose(pub.pose, field="pose")
    except DataError as exc:
        out.append((exc.reason, "pose"))
    if (pub.value_mm is None) == (pub.range_mm is None):
        out.append(("give exactly one of value_mm or range_mm", "value_mm"))
    elif pub.range_mm is not None and not pub.range_mm[0] <= pub.range_mm[1]:
        out.append((f"range {pub.range_mm} must be [low, high] with low <= high", "range_mm"))
    if pub.part is not None and pub.part not in parts[1:]:
        out.append((f"{pub.part!r} is not a compartment of {parts[0]} (allowed: {', '.join(parts[1:]) or 'none'})",
                    "part"))
    return out
