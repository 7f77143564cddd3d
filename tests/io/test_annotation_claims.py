"""What the annotations say about actions at named poses, checked against the model.

Each test quotes the sentence it checks (the quote must still be in the file, so rewording one
without the other fails here). The colours and numbers the viewer shows beside an entry come
from these moment arms; an entry must not contradict them. Roles follow the viewer's colouring:
produces for r >= 2 mm, opposes for r <= -2 mm.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from viewer.core.motions import parse_motion

ANNOTATIONS = Path(__file__).resolve().parents[2] / "annotations"


def _text(structure: str) -> str:
    return " ".join((ANNOTATIONS / f"{structure}.yaml").read_text(encoding="utf-8").split())


def _quote(structure: str, phrase: str) -> None:
    assert phrase in _text(structure), f"{structure}.yaml no longer says {phrase!r}: update this test with it"


def _r(model, line: str, motion: str, flexion_deg, key: str = "line_r") -> np.ndarray:
    poses = np.column_stack([np.atleast_1d(flexion_deg), np.zeros((np.size(flexion_deg), 2))]).astype(float)
    values = model.actions.evaluate(parse_motion(motion), poses)[key]
    return values[:, model.actions.line_ids.index(line)]


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
    _quote("piriformis", "near 90° of flexion it lies in front of the axis and the muscle becomes a weak internal rotator")
    assert _r(model, "piriformis", "external_rotation", 0)[0] >= 2.0
    assert _r(model, "piriformis", "internal_rotation", 90)[0] >= 2.0


def test_obturator_internus_strongest_of_the_triceps_coxae_in_extension(model):
    _quote("obturator_internus", "Strongest of the triceps coxae in external rotation with the hip extended.")
    torque = {m: _r(model, m, "external_rotation", 0, "line_torque")[0]
              for m in ("gemellus_superior", "obturator_internus", "gemellus_inferior")}
    assert max(torque, key=torque.get) == "obturator_internus"
    _quote("obturator_internus", "As the hip flexes its external-rotation moment arm falls")
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
