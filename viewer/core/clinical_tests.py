"""Provocation tests of the deep gluteal space as poses with meaning.

A :class:`ClinicalTest` is a named position (hip pose and knee flexion) and what the test does:
``stretch`` tests lengthen the deep rotators, ``resisted`` tests ask them to produce a motion. Its
:func:`evaluate_test` rows give every muscle line's length, stretch and moment arms at that pose,
and :func:`clinical_caption` turns them into a sentence -- every number in it computed by the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.actions import ActionModel
from viewer.core.motions import MOTIONS, POSE_COORDINATES, Motion
from viewer.core.stretch import neutral_lengths, stretch_pct

#: The six deep external rotators, in their order from above down (captions name them in it).
DEEP_ROTATORS = ("piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior",
                 "obturator_externus", "quadratus_femoris")
TEST_KINDS = ("stretch", "resisted")


@dataclass(frozen=True)
class ClinicalTest:
    """One named test: its position and what it does.

    Attributes
    ----------
    id, display_name : str
    kind : str
        ``stretch`` or ``resisted``.
    pose_deg : tuple of 3 floats
        Flexion, abduction, external rotation (deg).
    knee_flexion_deg : float
        Shown with the pose; the hip mechanics ignore it.
    motions : tuple of str
        The resisted motions (canonical names); empty for a stretch test.
    description : str
    source : str
        Reference key for the position's description.
    """

    id: str
    display_name: str
    kind: str
    pose_deg: tuple[float, float, float]
    knee_flexion_deg: float
    motions: tuple[str, ...] = ()
    description: str = ""
    source: str = ""

    @property
    def colour_mode(self) -> tuple[str, str | None]:
        """``(colour_by, motion)`` the test is shown with: stretch, or the first resisted motion's role."""
        return ("stretch", None) if self.kind == "stretch" else ("moment_arm", self.motions[0])


@dataclass(frozen=True)
class ClinicalRow:
    """One muscle line in a test position."""

    muscle: str
    structure: str
    length_mm: float
    neutral_length_mm: float
    stretch_pct: float
    moment_arms_mm: dict  # motion name -> mm (+ produces)

    def as_dict(self) -> dict:
        return {"muscle": self.muscle, "structure": self.structure, "length_mm": round(self.length_mm, 2),
                "stretch_mm": round(self.length_mm - self.neutral_length_mm, 2),
                "stretch_pct": round(self.stretch_pct, 2),
                **{f"{m}_moment_arm_mm": round(v, 2) for m, v in self.moment_arms_mm.items()}}


def _test_motions(test: ClinicalTest) -> list[Motion]:
    if test.kind == "resisted":
        return [MOTIONS[m] for m in test.motions]
    return [MOTIONS[c] for c in POSE_COORDINATES]


def evaluate_test(actions: ActionModel, test: ClinicalTest) -> list[ClinicalRow]:
    """Length, stretch and moment arms of every muscle line in the test position."""
    result = actions.at_pose(test.pose_deg)
    neutral = neutral_lengths(actions.paths)
    stretch = stretch_pct(result.lengths_mm, neutral)
    motions = _test_motions(test)
    rows = []
    for c in actions.muscle_columns:
        line = actions.paths.lines[c]
        rows.append(ClinicalRow(line.id, line.structure, float(result.lengths_mm[c]), float(neutral[c]), float(stretch[c]),
                            {m.name: result.moment_arm(line.id, m) for m in motions}))
    return rows


def _pose_words(pose_deg) -> str:
    words = []
    for value, (pos, neg) in zip(pose_deg, (("flexion", "extension"), ("abduction", "adduction"),
                                            ("external rotation", "internal rotation"))):
        if abs(value) >= 0.5:
            words.append(f"{pos if value > 0 else neg} {abs(value):.0f}°")
    return ", ".join(words) or "neutral"


def clinical_caption(test: ClinicalTest, rows: list[ClinicalRow], display_name=lambda s: s.replace("_", " ")) -> str:
    """One plain sentence or two on what the test does to the deep rotators, from ``rows``."""
    by_id = {row.muscle: row for row in rows}
    rotators = [by_id[m] for m in DEEP_ROTATORS if m in by_id]
    head = f"{test.display_name}: {_pose_words(test.pose_deg)}."
    if test.kind == "stretch":
        longer = sorted((r for r in rotators if r.stretch_pct >= 1.0), key=lambda r: -r.stretch_pct)
        shorter = sorted((r for r in rotators if r.stretch_pct <= -1.0), key=lambda r: r.stretch_pct)
        parts = []
        if longer:
            parts.append("lengthens " + ", ".join(f"{_lower(display_name(r.structure))} {r.stretch_pct:+.0f} %"
                                                  for r in longer))
        if shorter:
            parts.append("shortens " + ", ".join(f"{_lower(display_name(r.structure))} {r.stretch_pct:+.0f} %"
                                                 for r in shorter))
        body = "; ".join(parts) if parts else "changes no deep rotator's length by 1 % or more"
        return f"{head} It {body} (computed by the model)."
    sentences = []
    for name in test.motions:
        producers = sorted((r for r in rotators if r.moment_arms_mm[name] >= 2.0), key=lambda r: -r.moment_arms_mm[name])
        label = name.replace("_", " ")
        if producers:
            sentences.append(f"Resisted {label} loads " + ", ".join(
                f"{_lower(display_name(r.structure))} ({r.moment_arms_mm[name]:.0f} mm)" for r in producers) + ".")
        else:
            sentences.append(f"No deep rotator has a {label} moment arm of 2 mm or more here.")
    return f"{head} {' '.join(sentences)} Moment arms computed by the model."


def _lower(name: str) -> str:
    """A display name inside a sentence: ``Quadratus femoris`` -> ``quadratus femoris``."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name
