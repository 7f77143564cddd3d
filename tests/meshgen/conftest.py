"""Fixtures for the bone generator tests: each bone set is generated once per session."""

from __future__ import annotations

import dataclasses

import pytest

from viewer.meshgen.bones import BoneParams, generate_bones


@pytest.fixture(scope="session")
def bones():
    """The three bones with the default parameters of ``skeleton.yaml``."""
    return generate_bones(BoneParams())


@pytest.fixture(scope="session")
def femur_variants():
    """Two femurs whose neck-shaft angle and anteversion differ from each other.

    ``{"varus": ..., "valgus": ...}``: 120 deg inclination with 20 deg anteversion, and 140 deg
    with 0 deg (only the femur is generated).
    """
    base = BoneParams()
    settings = {"varus": (120.0, 20.0), "valgus": (140.0, 0.0)}
    return {
        name: generate_bones(dataclasses.replace(base, neck_shaft_angle_deg=nsa, anteversion_deg=av),
                             bones=("femur",))
        for name, (nsa, av) in settings.items()
    }
