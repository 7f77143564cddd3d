"""Hip motions and pose coordinates: names, aliases and signs.

A pose is three angles in degrees, in this order (``POSE_COORDINATES``):
``flexion`` (+ flexion, - extension), ``abduction`` (+ abduction, - adduction) and
``external_rotation`` (+ external, - internal). Each of the six motions is one of these
coordinates travelled in the positive or the negative direction.
"""

from __future__ import annotations

from dataclasses import dataclass

from viewer.core.errors import DataError

#: Order of the columns of every pose array, shape ``(..., 3)``.
POSE_COORDINATES: tuple[str, str, str] = ("flexion", "abduction", "external_rotation")

#: Words a teacher reads for each coordinate's positive and negative direction.
COORDINATE_WORDS: dict[str, tuple[str, str]] = {
    "flexion": ("flexion", "extension"),
    "abduction": ("abduction", "adduction"),
    "external_rotation": ("external rotation", "internal rotation"),
}


@dataclass(frozen=True)
class Motion:
    """One of the six hip motions.

    Attributes
    ----------
    name : str
        Canonical snake-case name, e.g. ``"external_rotation"``.
    coordinate : int
        Column of the pose array this motion moves (0, 1 or 2).
    sign : int
        +1 if the motion increases that coordinate, -1 if it decreases it.
    """

    name: str
    coordinate: int
    sign: int

    @property
    def label(self) -> str:
        """Human-readable name, e.g. ``"external rotation"``."""
        return self.name.replace("_", " ")

    @property
    def opposite(self) -> "Motion":
        """The motion in the other direction of the same coordinate."""
        return next(m for m in MOTIONS.values() if m.coordinate == self.coordinate and m.sign == -self.sign)


MOTIONS: dict[str, Motion] = {
    "flexion": Motion("flexion", 0, +1),
    "extension": Motion("extension", 0, -1),
    "abduction": Motion("abduction", 1, +1),
    "adduction": Motion("adduction", 1, -1),
    "external_rotation": Motion("external_rotation", 2, +1),
    "internal_rotation": Motion("internal_rotation", 2, -1),
}


def parse_motion(name: str, *, field: str = "motion") -> Motion:
    """Return the motion called ``name`` (hyphens or underscores, any case).

    Raises
    ------
    DataError
        If ``name`` is not one of the six motions; the message lists them.
    """
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return MOTIONS[key]
    except KeyError:
        allowed = ", ".join(m.replace("_", "-") for m in MOTIONS)
        raise DataError(f"unknown motion {name!r} (allowed: {allowed})", field=field) from None


def coordinate_index(name: str, *, field: str = "pose") -> tuple[int, int]:
    """Column and sign for a pose coordinate or motion alias.

    ``"extension"`` gives ``(0, -1)``: a value given for it is the negated flexion.
    """
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    if key in MOTIONS:
        m = MOTIONS[key]
        return m.coordinate, m.sign
    allowed = ", ".join(MOTIONS)
    raise DataError(f"unknown pose coordinate {name!r} (allowed: {allowed})", field=field)
