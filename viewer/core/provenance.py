"""Where a number comes from: the model's own sources, and published values beside them.

Every moment arm the program shows is *computed by the model* (path geometry on the project's
generated bones; PCSA from the architecture source of each muscle). Where a measurement or an
independent model has been published for the same muscle, motion and pose, it is shown beside the
model value with its citation, so that a reader can judge how far to trust the model.

:class:`PublishedTable` holds those published values (loaded from the annotations'
``published`` lists by :mod:`viewer.io.model`) and answers look-ups by muscle, motion and pose,
converting the sign when the opposite motion of the same coordinate is asked for
(an external-rotation figure of +29 mm is an internal-rotation figure of -29 mm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.motions import MOTIONS, POSE_COORDINATES, Motion

#: Poses closer than this (degrees, every coordinate) count as the same pose for a look-up.
POSE_MATCH_DEG = 0.5

#: What every model number rests on, in words (the per-muscle PCSA source is added to it).
MODEL_BASIS = ("computed by the model: moment arm r = -dL/dθ of the muscle path over the project's "
               "generated bones (meshes/muscle_paths.yaml)")


@dataclass(frozen=True)
class Published:
    """One published moment arm in the project's convention.

    Attributes
    ----------
    muscle : str
        Structure id (the whole muscle) or compartment id (``part`` in the file).
    motion : str
        Motion name the figure is stated for (+ = the muscle produces it).
    pose_deg : tuple of 3 floats
        Flexion, abduction, external rotation in degrees.
    value_mm, range_mm : float or None, (low, high) or None
        Exactly one is set.
    source : str
        Reference key in the muscle's annotation.
    citation : str
        The full citation text of that key.
    note : str
        How the figure was obtained (cadaver mean, digitised curve, ...).
    """

    muscle: str
    motion: str
    pose_deg: tuple[float, float, float]
    source: str
    citation: str
    value_mm: float | None = None
    range_mm: tuple[float, float] | None = None
    note: str = ""

    def for_motion(self, motion: Motion) -> "Published":
        """The same figure stated for ``motion`` (same coordinate; sign flipped for the opposite)."""
        own = MOTIONS[self.motion]
        if own.coordinate != motion.coordinate:
            raise ValueError(f"{self.motion} figure cannot be stated for {motion.name}")
        if own.sign == motion.sign:
            return self
        rng = None if self.range_mm is None else (-self.range_mm[1], -self.range_mm[0])
        value = None if self.value_mm is None else -self.value_mm
        return Published(self.muscle, motion.name, self.pose_deg, self.source, self.citation, value, rng, self.note)

    @property
    def centre_mm(self) -> float:
        """The value, or the middle of the range."""
        return self.value_mm if self.value_mm is not None else 0.5 * (self.range_mm[0] + self.range_mm[1])

    @property
    def pose_text(self) -> str:
        """``flexion=90`` style text naming the non-zero coordinates (``neutral`` if none)."""
        parts = [f"{c}={v:g}" for c, v in zip(POSE_COORDINATES, self.pose_deg) if v]
        return ",".join(parts) or "neutral"

    def value_text(self) -> str:
        if self.value_mm is not None:
            return f"{self.value_mm:+.1f} mm"
        return f"{self.range_mm[0]:+.1f} to {self.range_mm[1]:+.1f} mm"

    def short_citation(self) -> str:
        """First author and year from the citation, e.g. ``Delp et al. 1999``."""
        return short_citation(self.citation, self.source)

    def as_dict(self) -> dict:
        """JSON-ready: ``value_mm`` or ``range_mm``, ``pose``, ``source`` (+ citation, note)."""
        out: dict = {}
        if self.value_mm is not None:
            out["value_mm"] = self.value_mm
        else:
            out["range_mm"] = list(self.range_mm)
        out["pose"] = dict(zip(POSE_COORDINATES, self.pose_deg))
        out["source"] = self.source
        out["citation"] = self.short_citation()
        if self.note:
            out["note"] = self.note
        return out


def short_citation(citation: str, key: str = "") -> str:
    """``Delp SL, Hess WE, ... 1999 ...`` -> ``Delp et al. 1999`` (falls back to the key)."""
    import re

    authors = citation.split(".")[0]
    names = [a.strip().split(" ")[0] for a in authors.split(",") if a.strip()]
    year = re.search(r"\b(1[89]\d\d|20\d\d)\b", citation)
    if not names or not year:
        return key
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} & {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who} {year.group(1)}"


class PublishedTable:
    """Published values of every muscle, looked up by muscle, motion and pose."""

    def __init__(self, entries: list[Published]):
        self.entries = list(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def for_muscle(self, muscle: str, motion: Motion | None = None) -> list[Published]:
        """Every figure of a muscle (for ``motion``'s coordinate, stated for ``motion``)."""
        out = []
        for e in self.entries:
            if e.muscle != muscle:
                continue
            if motion is None:
                out.append(e)
            elif MOTIONS[e.motion].coordinate == motion.coordinate:
                out.append(e.for_motion(motion))
        return out

    def lookup(self, muscle: str, motion: Motion, pose_deg) -> list[Published]:
        """Figures for ``muscle`` and ``motion`` at ``pose_deg`` (within :data:`POSE_MATCH_DEG`)."""
        pose = np.asarray(pose_deg, dtype=float)
        return [e for e in self.for_muscle(muscle, motion)
                if np.all(np.abs(np.asarray(e.pose_deg) - pose) <= POSE_MATCH_DEG)]

    def along(self, muscle: str, motion: Motion, coordinate: int, base_pose_deg) -> list[Published]:
        """Figures whose pose differs from ``base_pose_deg`` only in ``coordinate`` (for a plot)."""
        base = np.asarray(base_pose_deg, dtype=float)
        keep = [i for i in range(3) if i != coordinate]
        return [e for e in self.for_muscle(muscle, motion)
                if np.all(np.abs(np.asarray(e.pose_deg)[keep] - base[keep]) <= POSE_MATCH_DEG)]
