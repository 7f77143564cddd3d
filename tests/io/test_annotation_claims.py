"""What the annotations say about actions at named poses, checked against the model.

Every mechanical statement of an entry (a moment arm, a sign, a crossing angle, a space or a
stretch at a pose) is quoted here with the numbers it gives, and checked against the model that
the viewer draws beside it. A quote must still be in its file (rewording one without the other
fails here); the numbers a quote writes must be the numbers its claim checks; and every sentence
of an entry's summary, actions, clinical notes and questions that gives a number with an action
must lie inside a checked quote. Roles follow the viewer's colouring: produces for r >= 2 mm,
opposes for r <= -2 mm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

from viewer.core.motions import parse_motion

ANNOTATIONS = Path(__file__).resolve().parents[2] / "annotations"
ROLE_MM = 2.0          # the viewer's produces/opposes threshold
TOL_MM = 3.0           # a written moment arm ("about 30 mm") against the model
TOL_CROSSING_DEG = 8.0  # a written crossing angle ("near 60° of flexion")
TOL_PEAK_DEG = 10.0
FLEXION = np.arange(0.0, 90.5, 1.0)
#: Words a quote must use for the motion its claim checks (a claim of the wrong sign fails).
MOTION_WORDS = {
    "external_rotation": ("external", "outward"),
    "internal_rotation": ("internal", "inward"),
    "abduction": ("abduct", "away from the midline", "outward"),
    "adduction": ("adduct", "towards the midline"),
    "flexion": ("flex",),
    "extension": ("exten",),
}
NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s?(mm|°|%)")


def _normal(text: str) -> str:
    return " ".join(text.split())


def _text(structure: str) -> str:
    return _normal((ANNOTATIONS / f"{structure}.yaml").read_text(encoding="utf-8"))


def _quote(structure: str, phrase: str) -> None:
    assert phrase in _text(structure), f"{structure}.yaml no longer says {phrase!r}: update this test with it"


def _r(model, line: str, motion: str, flexion_deg, key: str = "line_r") -> np.ndarray:
    poses = np.column_stack([np.atleast_1d(flexion_deg), np.zeros((np.size(flexion_deg), 2))]).astype(float)
    values = model.actions.evaluate(parse_motion(motion), poses)[key]
    return values[:, model.actions.line_ids.index(line)]


@dataclass(frozen=True)
class Claim:
    """One quoted statement about ``line``'s moment arm for ``motion`` over hip flexion 0-90°
    (no abduction, no rotation). ``at``: ((flexion_deg, r_mm), ...) as written; ``produces`` /
    ``opposes``: a flexion range (deg) over which r >= 2 mm / r <= -2 mm; ``crossing``: the
    flexion (deg) where r changes sign; ``peak``: (flexion_deg, r_mm or None) of the largest r;
    ``rises`` / ``falls``: r at 90° above / below r at 0°; ``band``: (lo_mm, hi_mm) r stays in."""

    structure: str
    quote: str
    line: str
    motion: str
    at: tuple = ()
    produces: tuple | None = None
    opposes: tuple | None = None
    crossing: float | None = None
    peak: tuple | None = None
    rises: bool = False
    falls: bool = False
    band: tuple | None = None
    published: tuple = ()  # published moment arms (mm) the quote cites, from the entry's `published`

    def numbers(self) -> tuple[set, set]:
        """The moment arms (mm) and angles (deg) this claim checks."""
        mm = {abs(v) for _, v in self.at} | set(self.band or ()) | set(self.published)
        if self.peak and self.peak[1] is not None:
            mm.add(self.peak[1])
        deg = {f for f, _ in self.at} | set(self.produces or ()) | set(self.opposes or ())
        deg |= {self.crossing} if self.crossing is not None else set()
        deg |= {self.peak[0]} if self.peak else set()
        return mm, deg

    @property
    def id(self) -> str:
        return f"{self.structure}:{self.line}:{self.motion}:{self.quote[:30]}"


def check_claim(model, claim: Claim, text: str) -> None:
    """Fail (AssertionError) if ``text`` does not hold ``claim.quote`` or the model disagrees."""
    quote = claim.quote
    assert quote in text, f"{claim.structure}.yaml no longer says {quote!r}: update this test with it"
    assert any(w in quote.lower() for w in MOTION_WORDS[claim.motion]), (claim.motion, quote)
    for _, value in claim.at:
        assert f"{abs(value):g} mm" in quote, (value, quote)
    if claim.crossing is not None:
        assert f"{claim.crossing:g}°" in quote, (claim.crossing, quote)
    if claim.published:
        entry = yaml.safe_load((ANNOTATIONS / f"{claim.structure}.yaml").read_text(encoding="utf-8"))
        values = {abs(p.get("value_mm", 0.0)) for p in entry.get("published", [])}
        for value in claim.published:
            assert f"{value:g} mm" in quote and value in values, (value, quote, values)
    r = _r(model, claim.line, claim.motion, FLEXION)
    where = f"{claim.line} {claim.motion}"
    for flexion, value in claim.at:
        got = float(np.interp(flexion, FLEXION, r))
        assert got == pytest.approx(value, abs=TOL_MM), f"{where} at {flexion}°: model {got:.1f} mm, text {value} mm"
    for span, sign in ((claim.produces, 1.0), (claim.opposes, -1.0)):
        if span is not None:
            inside = (FLEXION >= span[0]) & (FLEXION <= span[1])
            worst = float((sign * r[inside]).min())
            assert worst >= ROLE_MM, f"{where}: {'produces' if sign > 0 else 'opposes'} {span}, model {worst:+.1f} mm"
    if claim.crossing is not None:
        changed = np.nonzero(np.sign(r) != np.sign(r[0]))[0]
        assert changed.size, f"{where}: no change of sign between 0° and 90°"
        got = float(FLEXION[changed[0]])
        assert abs(got - claim.crossing) <= TOL_CROSSING_DEG, f"{where}: crosses at {got}°, text {claim.crossing}°"
    if claim.peak is not None:
        flexion, value = claim.peak
        got = float(FLEXION[np.argmax(r)])
        assert abs(got - flexion) <= TOL_PEAK_DEG, f"{where}: longest at {got}°, text {flexion}°"
        if value is not None:
            assert r.max() == pytest.approx(value, abs=TOL_MM), f"{where}: longest {r.max():.1f} mm, text {value}"
    if claim.rises:
        assert r[-1] > r[0] + ROLE_MM, f"{where}: does not grow with flexion ({r[0]:.1f} -> {r[-1]:.1f} mm)"
    if claim.falls:
        assert r[-1] < r[0] - ROLE_MM, f"{where}: does not fall with flexion ({r[0]:.1f} -> {r[-1]:.1f} mm)"
    if claim.band is not None:
        lo, hi = claim.band
        assert lo - 1.0 <= r.min() and r.max() <= hi + 1.0, f"{where}: {r.min():.1f}..{r.max():.1f} mm, text {lo}-{hi}"

#: Every mechanical statement of the entries, as (structure, quote, line, motion, checks). The
#: numbers written in a quote are the numbers checked: a quote whose moment arm, sign or crossing
#: angle disagrees with the model fails, and so does a quote that is no longer in its file.
CLAIMS = [
    # -- gemellus inferior (the same statements as the tests below) ----------------------------
    Claim("gemellus_inferior", "External (lateral) rotation of the hip, in every posture from standing to 90° of "
          "flexion", "gemellus_inferior", "external_rotation", produces=(0, 90)),
    Claim("gemellus_inferior", "its external-rotation lever is about 29 mm with the hip straight, longest (about "
          "31 mm) near 20° of flexion and still about 13 mm at 90°", "gemellus_inferior", "external_rotation",
          at=((0, 29), (90, 13)), peak=(20, 31)),
    Claim("gemellus_inferior", "with the hip straight the line passes below the joint centre and the muscle adducts "
          "(about −12 mm); from roughly 25° of flexion it passes above", "gemellus_inferior", "adduction",
          at=((0, 12),), crossing=25),
    Claim("gemellus_inferior", "it passes above and the muscle swings the flexed thigh outward (about +24 mm at 90°)",
          "gemellus_inferior", "abduction", at=((90, 24),)),
    Claim("gemellus_inferior", "Its lever for external rotation is longest near 20° of flexion and shorter at 90°, "
          "but it stays an external rotator throughout", "gemellus_inferior", "external_rotation",
          peak=(20, None), produces=(0, 90), falls=True),
    # -- piriformis ------------------------------------------------------------------------
    Claim("piriformis", "with the hip straight piriformis has an external-rotation moment arm of about 30 mm, close "
          "to the 29 mm measured in cadavers", "piriformis", "external_rotation", at=((0, 30),), published=(29,)),
    Claim("piriformis", "The lever shortens as the hip flexes and reaches zero near 60° of flexion; beyond that the "
          "tendon lies in front of the rotation axis, and at 90° of flexion it is an internal rotator",
          "piriformis", "internal_rotation", crossing=60, produces=(65, 90)),
    Claim("piriformis", "at 90° of flexion it is an internal rotator with a moment arm of about 14 mm",
          "piriformis", "internal_rotation", at=((90, 14),)),
    Claim("piriformis", "It abducts at every angle from 0° to 90° of flexion, most strongly (about 30 mm) near 50°",
          "piriformis", "abduction", produces=(0, 90), peak=(50, 30)),
    Claim("piriformis", "throughout it is a weak extensor (a lever of 6 to 8 mm)",
          "piriformis", "extension", band=(6, 8)),
    Claim("piriformis", "External rotation with the hip straight and up to about 60° of flexion",
          "piriformis", "external_rotation", produces=(0, 55), crossing=60),
    Claim("piriformis", "Internal rotation when the hip is flexed beyond about 60° (weak, about 14 mm at 90°)",
          "piriformis", "internal_rotation", produces=(65, 90), crossing=60, at=((90, 14),)),
    Claim("piriformis", "Abduction, at every flexion angle", "piriformis", "abduction", produces=(0, 90)),
    Claim("piriformis", "beyond about 60° in the model, the tendon passes in front and the muscle rotates the thigh "
          "inward", "piriformis", "internal_rotation", crossing=60, produces=(65, 90)),
    Claim("piriformis", "with the hip bent well past 60°, external rotation with adduction",
          "piriformis", "external_rotation", crossing=60, opposes=(65, 90)),
    # -- gemellus superior -------------------------------------------------------------------
    Claim("gemellus_superior", "its external-rotation moment arm is about 30 mm with the hip straight and about "
          "7 mm at 90° of flexion", "gemellus_superior", "external_rotation", at=((0, 30), (90, 7))),
    Claim("gemellus_superior", "its external-rotation moment arm is about 30 mm with the hip straight and about "
          "7 mm at 90° of flexion: with increasing flexion its rotation lever shrinks", "gemellus_superior",
          "external_rotation", at=((0, 30), (90, 7)), falls=True, produces=(0, 90)),
    Claim("gemellus_superior", "with increasing flexion its rotation lever shrinks and it mainly carries the flexed "
          "thigh away from the midline", "gemellus_superior", "abduction", produces=(30, 90)),
    Claim("gemellus_superior", "with the hip straight it adducts slightly (about 5 mm), from about 10° of flexion it "
          "abducts, reaching about 24 mm at 90°", "gemellus_superior", "adduction", at=((0, 5), (90, -24)), crossing=10),
    Claim("gemellus_superior", "External rotation of the hip, from standing to 90° of flexion",
          "gemellus_superior", "external_rotation", produces=(0, 90)),
    Claim("gemellus_superior", "Abduction of the flexed hip (horizontal abduction); slight adduction with the hip "
          "straight", "gemellus_superior", "abduction", produces=(20, 90), opposes=(0, 0)),
    Claim("gemellus_superior", "it is coloured as an external rotator at 90° as well",
          "gemellus_superior", "external_rotation", produces=(0, 90)),
    # -- obturator internus ------------------------------------------------------------------
    Claim("obturator_internus", "its external-rotation moment arm is about 28 mm with the hip straight and about 7 mm "
          "at 90° of flexion", "obturator_internus", "external_rotation", at=((0, 28), (90, 7))),
    Claim("obturator_internus", "as the hip flexes its external-rotation moment arm falls, but it stays an external "
          "rotator through most of the range", "obturator_internus", "external_rotation", produces=(0, 90),
          falls=True),
    Claim("obturator_internus", "Its line rises above the joint centre from about 15° of flexion, so it adducts the "
          "straight hip slightly (about 6 mm) and abducts the flexed one (about 24 mm at 90°)",
          "obturator_internus", "abduction", crossing=15, at=((0, -6), (90, 24))),
    Claim("obturator_internus", "External rotation of the hip, from standing to 90° of flexion",
          "obturator_internus", "external_rotation", produces=(0, 90)),
    Claim("obturator_internus", "Abduction of the flexed hip (horizontal abduction)",
          "obturator_internus", "abduction", produces=(25, 90)),
    Claim("obturator_internus", "Slight adduction with the hip straight", "obturator_internus", "adduction",
          produces=(0, 5)),
    # -- obturator externus -------------------------------------------------------------------
    Claim("obturator_externus", "it remains an external rotator as the hip flexes",
          "obturator_externus", "external_rotation", produces=(0, 90)),
    Claim("obturator_externus", "its external-rotation moment arm grows from about 12 mm with the hip straight to "
          "about 33 mm at 90° of flexion", "obturator_externus", "external_rotation", at=((0, 12), (90, 33)), rises=True),
    Claim("obturator_externus", "It adducts throughout (about 27 mm with the hip straight, 12 mm at 90°)",
          "obturator_externus", "adduction", produces=(0, 90), at=((0, 27), (90, 12))),
    Claim("obturator_externus", "it flexes the straight hip (about 16 mm), its line crosses the joint centre near 60° "
          "of flexion and it extends beyond that", "obturator_externus", "flexion", at=((0, 16),), crossing=60),
    Claim("obturator_externus", "External rotation of the hip, in extension and, increasingly, in flexion",
          "obturator_externus", "external_rotation", produces=(0, 90), rises=True),
    Claim("obturator_externus", "Adduction at every flexion angle", "obturator_externus", "adduction", produces=(0, 90)),
    Claim("obturator_externus", "Flexion with the hip straight; extension beyond about 60° of flexion",
          "obturator_externus", "flexion", produces=(0, 50), crossing=60),
    Claim("obturator_externus", "in the model its external-rotation lever is longest at 90° of flexion",
          "obturator_externus", "external_rotation", peak=(90, None)),
    Claim("obturator_externus", "External rotator at every angle of flexion, strongest when the hip is flexed",
          "obturator_externus", "external_rotation", produces=(0, 90), rises=True),
    # -- quadratus femoris ---------------------------------------------------------------------
    Claim("quadratus_femoris", "so it remains an external rotator at 90° of flexion",
          "quadratus_femoris", "external_rotation", produces=(0, 90)),
    Claim("quadratus_femoris", "its external-rotation moment arm is about 41 mm with the hip straight, longest (about "
          "44 mm) near 20° of flexion and about 23 mm at 90°", "quadratus_femoris", "external_rotation",
          at=((0, 41), (90, 23)), peak=(20, 44)),
    Claim("quadratus_femoris", "With the hip straight it is a strong adductor (about 38 mm); the adduction lever "
          "shrinks as the hip flexes and the line crosses the joint centre near 65° of flexion",
          "quadratus_femoris", "adduction", at=((0, 38),), crossing=65, falls=True),
    Claim("quadratus_femoris", "Its extension lever grows from about 5 mm standing to about 30 mm from 60° of flexion on",
          "quadratus_femoris", "extension", at=((0, 5), (60, 30), (90, 30))),
    Claim("quadratus_femoris", "External rotation of the hip, from standing to 90° of flexion",
          "quadratus_femoris", "external_rotation", produces=(0, 90)),
    Claim("quadratus_femoris", "Adduction with the hip straight", "quadratus_femoris", "adduction", produces=(0, 50)),
    Claim("quadratus_femoris", "Extension of the flexed hip", "quadratus_femoris", "extension", produces=(10, 90)),
    Claim("quadratus_femoris", "it is coloured as an external rotator at 90° of flexion",
          "quadratus_femoris", "external_rotation", produces=(90, 90)),
    Claim("quadratus_femoris", "turns the thigh outward in every position from standing to 90° of flexion",
          "quadratus_femoris", "external_rotation", produces=(0, 90)),
    # -- gluteus maximus -----------------------------------------------------------------------
    *[Claim("gluteus_maximus", "All three parts extend the hip at every angle", f"gluteus_maximus.{part}",
            "extension", produces=(0, 90), falls=True) for part in ("upper", "middle", "lower")],
    Claim("gluteus_maximus", "their extension levers are longest with the hip straight: the lower part's falls from "
          "about 78 mm standing to about 36 mm at 90° of flexion",
          "gluteus_maximus.lower", "extension", at=((0, 78), (90, 36)), falls=True),
    *[Claim("gluteus_maximus", "With the hip straight every part is an external rotator (about 33 mm upper, 28 mm "
            "lower)", f"gluteus_maximus.{part}", "external_rotation", produces=(0, 0), at=value)
      for part, value in (("upper", ((0, 33),)), ("middle", ()), ("lower", ((0, 28),)))],
    Claim("gluteus_maximus", "the upper part's line moves in front of the rotation axis near 50° of flexion, and at "
          "90° it is an internal rotator (about 20 mm)", "gluteus_maximus.upper", "internal_rotation",
          crossing=50, at=((90, 20),)),
    Claim("gluteus_maximus", "the lower part stays an external rotator (about 10 mm at 90°)",
          "gluteus_maximus.lower", "external_rotation", produces=(0, 90), at=((90, 10),)),
    Claim("gluteus_maximus", "The upper part abducts (about 30 mm standing)", "gluteus_maximus.upper", "abduction",
          at=((0, 30),), produces=(0, 90)),
    Claim("gluteus_maximus", "the lower part adducts (about 43 mm standing)", "gluteus_maximus.lower", "adduction",
          at=((0, 43),), produces=(0, 90)),
    Claim("gluteus_maximus", "Internal rotation by the upper part when the hip is flexed beyond about 50°",
          "gluteus_maximus.upper", "internal_rotation", crossing=50, produces=(55, 90)),
    Claim("gluteus_maximus", "External rotation of the straight hip", "gluteus_maximus.middle", "external_rotation",
          produces=(0, 0)),
    Claim("gluteus_maximus", "a strong external rotator of the straight hip", "gluteus_maximus.lower",
          "external_rotation", produces=(0, 0)),
    Claim("gluteus_maximus", "Flex the hip to 90° with external rotation coloured: the upper part turns vermillion",
          "gluteus_maximus.upper", "external_rotation", opposes=(90, 90)),
    # -- gluteus medius ------------------------------------------------------------------------
    *[Claim("gluteus_medius", "With the hip straight the model gives all three parts a long abduction lever (about "
            "50 mm anterior, 47 mm middle, 36 mm posterior)", f"gluteus_medius.{part}", "abduction", at=((0, v),))
      for part, v in (("anterior", 50), ("middle", 47), ("posterior", 36))],
    Claim("gluteus_medius", "The anterior part is an internal rotator at every angle, its lever growing from about "
          "14 mm standing to about 54 mm at 90° of flexion, and it is a weak flexor", "gluteus_medius.anterior",
          "internal_rotation", produces=(0, 90), at=((0, 14), (90, 54)), rises=True),
    Claim("gluteus_medius", "it is a weak flexor", "gluteus_medius.anterior", "flexion", produces=(0, 90)),
    Claim("gluteus_medius", "The middle part rotates outward only near extension (about 13 mm standing) and inward from "
          "about 15° of flexion", "gluteus_medius.middle", "external_rotation", at=((0, 13),), crossing=15),
    Claim("gluteus_medius", "The posterior part is an external rotator with the hip straight (about 29 mm) whose line "
          "crosses the rotation axis near 40° of flexion; at 90° it rotates inward (about 27 mm)",
          "gluteus_medius.posterior", "external_rotation", at=((0, 29), (90, -27)), crossing=40),
    *[Claim("gluteus_medius", "So in deep flexion the whole muscle rotates the thigh inward", f"gluteus_medius.{part}",
            "internal_rotation", produces=(60, 90)) for part in ("anterior", "middle", "posterior")],
    Claim("gluteus_medius", "its anterior part then adducts (crossing near 80° of flexion)",
          "gluteus_medius.anterior", "adduction", crossing=80, produces=(85, 90)),
    Claim("gluteus_medius", "Internal rotation and flexion (anterior part)", "gluteus_medius.anterior",
          "internal_rotation", produces=(0, 90)),
    Claim("gluteus_medius", "Internal rotation and flexion (anterior part)", "gluteus_medius.anterior",
          "flexion", produces=(0, 90)),
    Claim("gluteus_medius", "External rotation (posterior part, hip straight) and extension (middle and posterior "
          "parts)", "gluteus_medius.posterior", "external_rotation", produces=(0, 0)),
    *[Claim("gluteus_medius", "External rotation (posterior part, hip straight) and extension (middle and posterior "
            "parts)", f"gluteus_medius.{part}", "extension", produces=(0, 0)) for part in ("middle", "posterior")],
    *[Claim("gluteus_medius", "Internal rotation by all three parts when the hip is flexed beyond about 40°",
            f"gluteus_medius.{part}", "internal_rotation", produces=(45, 90), **({"crossing": 40} if part == "posterior" else {}))
      for part in ("anterior", "middle", "posterior")],
    Claim("gluteus_medius", "with the hip straight the anterior part rotates inward and the posterior part outward; "
          "with the hip flexed beyond about 40° all three parts rotate inward", "gluteus_medius.posterior",
          "internal_rotation", crossing=40, produces=(45, 90)),
    Claim("gluteus_medius", "with the hip straight the anterior part rotates inward and the posterior part outward; "
          "with the hip flexed beyond about 40° all three parts rotate inward", "gluteus_medius.anterior",
          "internal_rotation", produces=(0, 90)),
    Claim("gluteus_medius", "Its anterior part rotates the thigh inward", "gluteus_medius.anterior",
          "internal_rotation", produces=(0, 90)),
    Claim("gluteus_medius", "its posterior part rotates the straight thigh outward but, like the rest of the muscle, "
          "inward once the hip is flexed", "gluteus_medius.posterior", "external_rotation", produces=(0, 0),
          opposes=(60, 90)),
    # -- gluteus minimus -----------------------------------------------------------------------
    *[Claim("gluteus_minimus", "In the model all three parts abduct the straight hip (about 39 mm anterior, 47 mm "
            "middle, 40 mm posterior)", f"gluteus_minimus.{part}", "abduction", at=((0, v),))
      for part, v in (("anterior", 39), ("middle", 47), ("posterior", 40))],
    Claim("gluteus_minimus", "The anterior part is an internal rotator at every angle, its lever growing from about "
          "12 mm standing to about 44 mm at 90° of flexion, and it flexes the hip (about 10 mm)",
          "gluteus_minimus.anterior", "internal_rotation", produces=(0, 90), at=((0, 12), (90, 44)), rises=True),
    Claim("gluteus_minimus", "The anterior part is an internal rotator at every angle, its lever growing from about "
          "12 mm standing to about 44 mm at 90° of flexion, and it flexes the hip (about 10 mm)",
          "gluteus_minimus.anterior", "flexion",
          at=((0, 10), (90, 10)), produces=(0, 90)),
    Claim("gluteus_minimus", "The posterior part rotates outward only slightly with the hip straight (about 8 mm) and "
          "inward from about 10° of flexion (about 38 mm at 90°)", "gluteus_minimus.posterior", "external_rotation",
          at=((0, 8), (90, -38)), crossing=10),
    Claim("gluteus_minimus", "In deep flexion the anterior part stops abducting (crossing near 80° of flexion), so the "
          "muscle becomes mainly an internal rotator", "gluteus_minimus.anterior", "abduction", crossing=80),
    *[Claim("gluteus_minimus", "In deep flexion the anterior part stops abducting (crossing near 80° of flexion), so "
            "the muscle becomes mainly an internal rotator", f"gluteus_minimus.{part}", "internal_rotation",
            produces=(60, 90)) for part in ("anterior", "middle", "posterior")],
    *[Claim("gluteus_minimus", "Internal rotation (anterior and middle parts; all parts once the hip is flexed)",
            f"gluteus_minimus.{part}", "internal_rotation", produces=(0, 90)) for part in ("anterior", "middle")],
    Claim("gluteus_minimus", "Internal rotation (anterior and middle parts; all parts once the hip is flexed)",
          "gluteus_minimus.posterior", "internal_rotation", produces=(20, 90)),
    Claim("gluteus_minimus", "Flexion (anterior part)", "gluteus_minimus.anterior", "flexion", produces=(0, 90)),
    *[Claim("gluteus_minimus", "its anterior and middle parts rotate the thigh inward at every angle, more strongly "
            "as the hip flexes", f"gluteus_minimus.{part}", "internal_rotation", produces=(0, 90), rises=True)
      for part in ("anterior", "middle")],
    *[Claim("gluteus_minimus", "Yes: its anterior and middle parts rotate inward at every angle, and with the hip "
            "flexed all of it does",
            f"gluteus_minimus.{part}", "internal_rotation", produces=rng)
      for part, rng in (("anterior", (0, 90)), ("middle", (0, 90)), ("posterior", (20, 90)))],
    # -- tensor fasciae latae ------------------------------------------------------------------
    Claim("tensor_fasciae_latae", "its flexion lever grows from about 30 mm with the hip straight to about 78 mm at 90° "
          "of flexion", "tensor_fasciae_latae", "flexion", at=((0, 30), (90, 78)), rises=True),
    Claim("tensor_fasciae_latae", "It abducts at every angle (about 46 mm standing, 14 mm at 90°)",
          "tensor_fasciae_latae", "abduction", produces=(0, 90), at=((0, 46), (90, 14))),
    Claim("tensor_fasciae_latae", "It is an internal rotator throughout, weakly with the hip straight (about 8 mm) and "
          "strongly at 90° of flexion (about 45 mm)", "tensor_fasciae_latae", "internal_rotation", produces=(0, 90),
          at=((0, 8), (90, 45))),
    Claim("tensor_fasciae_latae", "Flexion of the hip, more strongly as the hip flexes", "tensor_fasciae_latae",
          "flexion", produces=(0, 90), rises=True),
    Claim("tensor_fasciae_latae", "Internal rotation of the hip, more strongly as the hip flexes",
          "tensor_fasciae_latae", "internal_rotation", produces=(0, 90), rises=True),
    Claim("tensor_fasciae_latae", "Abduction of the hip", "tensor_fasciae_latae", "abduction", produces=(0, 90)),
    # -- the femur: levers its trochanters give -----------------------------------------------
    Claim("femur", "the middle part of gluteus medius has an abduction lever of about 47 mm with the hip straight",
          "gluteus_medius.middle", "abduction", at=((0, 47),)),
    Claim("femur", "quadratus femoris, on the crest below it, an external-rotation lever of about 41 mm",
          "quadratus_femoris", "external_rotation", at=((0, 41),)),
]


@dataclass(frozen=True)
class SpaceClaim:
    """A quoted size of the ischiofemoral space (mm) at a pose ``(flexion, abduction,
    external_rotation)`` in degrees: ``about`` (within 3 mm), ``below`` or ``above`` a value."""

    structure: str
    quote: str
    pose: tuple
    about: float | None = None
    below: float | None = None
    above: float | None = None


SPACE_CLAIMS = [
    SpaceClaim("quadratus_femoris", "In the model the space is about 25 mm standing", (0, 0, 0), about=25),
    SpaceClaim("quadratus_femoris", "closes to a few millimetres in 20° of extension with 20° of adduction and 40° of "
               "external rotation; flexion opens it widely", (-20, -20, 40), below=6),
    SpaceClaim("quadratus_femoris", "flexion opens it widely", (90, 0, 0), above=60),
    SpaceClaim("hip_bone", "In the model it is about 25 mm standing", (0, 0, 0), about=25),
    SpaceClaim("hip_bone", "narrows to a few millimetres in 20° of extension with 20° of adduction and 40° of "
               "external rotation", (-20, -20, 40), below=6),
    SpaceClaim("hip_bone", "opens to more than 80 mm at 90° of flexion", (90, 0, 0), above=80),
]


@dataclass(frozen=True)
class NerveClaim:
    """A quoted change of the sciatic nerve's length (% of its length standing) at poses, or its
    centreline distance (mm) from neighbours standing."""

    quote: str
    stretch_pct: tuple = ()  # ((pose, pct), ...)
    clearance: tuple = ()    # ((neighbour, mm), ...)


NERVE_CLAIMS = [
    NerveClaim("the nerve's course lengthens by about 14 % at 45° and about 25 % at 90° of hip flexion, and shortens "
               "by about 5 % at 20° of extension",
               stretch_pct=(((45, 0, 0), 14), ((90, 0, 0), 25), ((-20, 0, 0), -5))),
    NerveClaim("its centreline runs about 10 mm from those of the gemelli and the obturator internus tendon",
               clearance=(("gemellus_superior", 10), ("gemellus_inferior", 10), ("obturator_internus", 10))),
]


def _claim_id(claim) -> str:
    return claim.id if isinstance(claim, Claim) else f"{getattr(claim, 'structure', 'sciatic_nerve')}:{claim.quote[:40]}"


@pytest.mark.parametrize("claim", CLAIMS, ids=_claim_id)
def test_each_statement_agrees_with_the_model(model, claim):
    check_claim(model, claim, _text(claim.structure))


@pytest.fixture(scope="module")
def clinical(model):
    from viewer.io.clinical import clinical_for

    return clinical_for(model)


@pytest.mark.parametrize("claim", SPACE_CLAIMS, ids=_claim_id)
def test_the_ischiofemoral_space_as_written(model, clinical, claim):
    _quote(claim.structure, claim.quote)
    if claim.about is not None:
        assert f"{claim.about:g} mm" in claim.quote
    for value, unit in NUMBER.findall(claim.quote):  # every number written is checked
        assert float(value) in ({claim.about, claim.above} if unit == "mm" else {abs(a) for a in claim.pose})
    got = float(clinical.space_model.measure(np.array([claim.pose], float))["ischiofemoral"].distance_mm[0])
    if claim.about is not None:
        assert got == pytest.approx(claim.about, abs=TOL_MM)
    if claim.below is not None:
        assert got < claim.below, got
    if claim.above is not None:
        assert got > claim.above, got


@pytest.mark.parametrize("claim", NERVE_CLAIMS, ids=_claim_id)
def test_the_sciatic_nerve_as_written(model, clinical, claim):
    from viewer.core.nerve import nerve_clearances
    from viewer.core.stretch import lengths_and_stretch

    _quote("sciatic_nerve", claim.quote)
    column = model.paths.index(clinical.nerve)
    for pose, pct in claim.stretch_pct:
        assert f"{abs(pct):g} %" in claim.quote
        _, stretch = lengths_and_stretch(model.paths, np.array([pose], float))
        assert stretch[0, column] == pytest.approx(pct, abs=2.0), (pose, stretch[0, column])
    if claim.clearance:
        found = {c.neighbour: c.clearance_mm for c in nerve_clearances(
            model.paths, clinical.nerve, clinical.nerve_neighbours, (0.0, 0.0, 0.0))}
        for neighbour, mm in claim.clearance:
            assert f"{mm:g} mm" in claim.quote
            assert found[neighbour] == pytest.approx(mm, abs=2.0), (neighbour, found[neighbour])


def _point(model, name: str, external_rotation_deg: float, knee_flexion_deg: float) -> np.ndarray:
    from viewer.core.kinematics import body_transform

    landmark = model.landmarks[name]
    T = body_transform(landmark.body, (0.0, 0.0, external_rotation_deg), knee_flexion_deg,
                       model.landmarks["knee_centre"].position_mm)
    return (T @ np.append(landmark.position_mm, 1.0))[:3]


def test_the_leg_points_as_written(model):
    """Z is lateral (to the right) in the pelvis frame: "out" is +Z, "in" is -Z."""
    _quote("leg", "with the knee straight the toes turn out or in, and with the knee bent to 90 degrees the foot "
                  "swings like a pointer - inwards in external rotation of the hip and outwards in internal rotation")
    _quote("leg", "with the knee straight it turns out in external rotation of the hip and in in internal rotation")
    _quote("leg", "the knee bent to 90 degrees, the leg is used as a pointer: the foot moving inwards measures "
                  "external rotation of the hip, outwards internal rotation")
    toe = {er: _point(model, "tip_of_the_great_toe", er, 0.0)[2] for er in (-30, 0, 30)}
    assert toe[30] > toe[0] + 50 and toe[-30] < toe[0] - 50
    ankle = {er: _point(model, "medial_malleolus", er, 90.0)[2] for er in (-30, 0, 30)}
    assert ankle[30] < ankle[0] - 100 and ankle[-30] > ankle[0] + 100


# ------------------------------------------------------------------------------------------
# Every number is checked: in the quotes, and in the entries around them
# ------------------------------------------------------------------------------------------

_ALL_QUOTES = [(c.structure, c.quote) for c in CLAIMS + SPACE_CLAIMS] + [("sciatic_nerve", c.quote)
                                                                         for c in NERVE_CLAIMS]
#: Fields that state what structures do (the anatomy fields - attachments, course, features -
#: and the data blocks are outside this check).
MECHANICAL_FIELDS = ("summary", "actions", "clinical_relevance", "clinical_overview", "faq")
MECHANICAL_WORDS = ("rotat", "abduct", "adduct", "flex", "extens", "extend", "lever", "moment arm", "space",
                    "lengthen", "shorten", "outward", "inward")


def test_every_number_a_quote_writes_is_checked():
    checked: dict[tuple[str, str], tuple[set, set]] = {}
    for claim in CLAIMS:
        mm, deg = checked.setdefault((claim.structure, claim.quote), (set(), set()))
        claim_mm, claim_deg = claim.numbers()
        mm |= claim_mm
        deg |= claim_deg
    for (structure, quote), (mm, deg) in checked.items():
        for value, unit in NUMBER.findall(quote):
            pool = mm if unit == "mm" else deg
            assert float(value) in pool, f"{structure}: {value}{unit} in {quote!r} is not checked"


def _strings(node):
    if isinstance(node, str):
        yield _normal(node)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _unchecked_statements(structure: str, quotes: list[str]) -> list[str]:
    data = yaml.safe_load((ANNOTATIONS / f"{structure}.yaml").read_text(encoding="utf-8"))
    found = []
    for field in MECHANICAL_FIELDS:
        for text in _strings(data.get(field)):
            covered = np.zeros(len(text), bool)
            for quote in quotes:
                for m in re.finditer(re.escape(quote), text):
                    covered[m.start():m.end()] = True
            for sentence in re.finditer(r"[^.;:!?]+", text):
                words = sentence.group(0).lower()
                if not any(w in words for w in MECHANICAL_WORDS):
                    continue
                for number in NUMBER.finditer(sentence.group(0)):
                    if not covered[sentence.start() + number.start()]:
                        found.append(f"{field}: {sentence.group(0).strip()!r}")
                        break
    return found


@pytest.mark.parametrize("structure", sorted(p.stem for p in ANNOTATIONS.glob("*.yaml") if p.stem != "layer_groups"))
def test_every_mechanical_statement_is_quoted_and_checked(structure):
    quotes = [q for s, q in _ALL_QUOTES if s == structure]
    assert not _unchecked_statements(structure, quotes), _unchecked_statements(structure, quotes)


def test_the_check_catches_a_wrong_sign_or_crossing(model):
    """The check fails for text that says the opposite of the model: piriformis called an external
    rotator at 90°, its crossing put at 30°, or gemellus inferior's lever written 10 mm too long."""
    import dataclasses

    text = _text("piriformis")
    wrong_sign = Claim("piriformis", "at 90° of flexion it is an external rotator with a moment arm of about 14 mm",
                       "piriformis", "external_rotation", at=((90, 14),))
    with pytest.raises(AssertionError, match="model -14"):
        check_claim(model, wrong_sign, text.replace("it is an internal rotator", "it is an external rotator"))
    crossing = next(c for c in CLAIMS if c.structure == "piriformis" and c.crossing == 60)
    wrong_crossing = dataclasses.replace(crossing, quote=crossing.quote.replace("60°", "30°"), crossing=30)
    with pytest.raises(AssertionError, match="crosses at"):
        check_claim(model, wrong_crossing, text.replace(crossing.quote, wrong_crossing.quote))
    lever = next(c for c in CLAIMS if c.structure == "gemellus_inferior" and c.at and c.peak)
    too_long = dataclasses.replace(lever, quote=lever.quote.replace("29 mm", "39 mm"), at=((0, 39), (90, 13)))
    with pytest.raises(AssertionError, match="text 39 mm"):
        check_claim(model, too_long, _text("gemellus_inferior").replace(lever.quote, too_long.quote))
    # a claim whose quote is gone fails too
    with pytest.raises(AssertionError, match="no longer says"):
        check_claim(model, crossing, text.replace(crossing.quote, ""))


# ------------------------------------------------------------------------------------------
# Statements checked beyond a moment arm's sign and size
# ------------------------------------------------------------------------------------------


def test_gemellus_inferior_rotation_lever(model):
    _quote("gemellus_inferior", "its external-rotation lever is about 29 mm with the hip straight, longest (about "
                                "31 mm) near 20° of flexion and still about 13 mm at 90°")
    flexion = np.arange(0, 91, 5)
    r = _r(model, "gemellus_inferior", "external_rotation", flexion)
    assert r[0] == pytest.approx(29, abs=2.5)
    assert 10 <= flexion[np.argmax(r)] <= 30 and r.max() == pytest.approx(31, abs=2.5)
    assert r[-1] == pytest.approx(13, abs=2.5)
    _quote("gemellus_inferior", "External (lateral) rotation of the hip, in every posture from standing to 90° of flexion")
    assert (r >= 2.0).all()


def test_gemellus_inferior_adducts_straight_and_abducts_flexed(model):
    _quote("gemellus_inferior", "with the hip straight the line passes below the joint centre and the muscle "
                                "adducts (about −12 mm); from roughly 25° of flexion it passes above")
    flexion = np.arange(0, 91, 5)
    r = _r(model, "gemellus_inferior", "abduction", flexion)
    assert r[0] == pytest.approx(-12, abs=2.5)
    crossing = flexion[np.argmax(r > 0)]
    assert 15 <= crossing <= 35
    _quote("gemellus_inferior", "(about +24 mm at 90°)")
    assert r[-1] == pytest.approx(24, abs=2.5)


def test_gemellus_inferior_does_not_change_sides_like_piriformis(model):
    _quote("gemellus_inferior", "stay blue while piriformis turns vermillion")
    assert _r(model, "gemellus_inferior", "external_rotation", 90)[0] >= 2.0
    assert _r(model, "piriformis", "external_rotation", 90)[0] <= -2.0


def test_piriformis_reverses_near_90(model):
    _quote("piriformis", "at 90° of flexion it is an internal rotator with a moment arm of about 14 mm")
    assert _r(model, "piriformis", "external_rotation", 0)[0] >= 2.0
    assert _r(model, "piriformis", "internal_rotation", 90)[0] >= 2.0


def test_obturator_internus_strongest_of_the_triceps_coxae_in_extension(model):
    _quote("obturator_internus", "Strongest of the triceps coxae in external rotation with the hip extended.")
    torque = {m: _r(model, m, "external_rotation", 0, "line_torque")[0]
              for m in ("gemellus_superior", "obturator_internus", "gemellus_inferior")}
    assert max(torque, key=torque.get) == "obturator_internus"
    _quote("obturator_internus", "as the hip flexes its external-rotation moment arm falls")
    _quote("obturator_internus", "it stays an external rotator through most of the range")
    r = _r(model, "obturator_internus", "external_rotation", [0, 90])
    assert r[1] < r[0] and (_r(model, "obturator_internus", "external_rotation", np.arange(0, 91, 15)) >= 2).all()


@pytest.mark.parametrize("muscle, phrase", [
    ("quadratus_femoris", "it remains an external rotator at 90° of flexion"),
    ("obturator_externus", "it remains an external rotator as the hip flexes"),
])
def test_rotators_that_stay_external_rotators_in_flexion(model, muscle, phrase):
    _quote(muscle, phrase)
    assert (_r(model, muscle, "external_rotation", np.arange(0, 91, 15)) >= 2.0).all()


def test_gemellus_superior_lever_shrinks_and_it_abducts_the_flexed_thigh(model):
    _quote("gemellus_superior", "with increasing flexion its rotation lever shrinks and it mainly carries the "
                                "flexed thigh away from the midline")
    r = _r(model, "gemellus_superior", "external_rotation", [0, 90])
    assert r[1] < r[0]
    assert _r(model, "gemellus_superior", "abduction", 90)[0] >= 2.0
