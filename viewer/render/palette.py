"""Colours of the scene: role colours safe for colour-blind viewers, themes and highlights.

Role colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
whose blue and vermillion stay distinct under the common forms of colour-vision deficiency.
"""

from __future__ import annotations

import numpy as np

ROLE_COLOURS = {
    "produces": "#0072B2",  # blue
    "opposes": "#D55E00",  # vermillion
    "negligible": "#A8A8A8",  # neutral grey
}
ROLE_LABELS = {"produces": "produces the motion", "opposes": "opposes the motion", "negligible": "negligible (|r| < 2 mm)"}
FAINT = "#E4E4E4"  # kept for exports' key colours; role colours no longer fade towards it
ORIGIN_COLOUR = "#009E73"  # bluish green
INSERTION_COLOUR = "#CC79A7"  # reddish purple
# Mechanics overlays: distinct from both role colours, the bones and the nerve (yellow).
AXIS_COLOUR = "#FFFFFF"  # white joint axis, drawn with a dark outline by the marker layer
LINE_OF_ACTION_COLOUR = "#00E5D0"  # bright teal: neither the produces blue nor the nerve
MOMENT_ARM_COLOUR = "#FF4FD8"  # magenta
MOTION_ARROW_COLOUR = "#FFFFFF"
HIGHLIGHT_COLOUR = "#FFD54A"
#: Fascia and flat tendon (the iliotibial tract): silvery grey-blue, apart from the cream bones.
FASCIA_COLOUR = "#C3CED8"
#: The selection's outline (a halo drawn around the selected surface).
SELECTION_OUTLINE_COLOUR = "#FFD54A"

THEMES = {
    # Dark gradient: colours stand out on a projector in a lit room.
    "dark": {"top": "#3a4357", "bottom": "#141821", "text": "#F2F2F2"},
    "light": {"top": "#ffffff", "bottom": "#dfe4ea", "text": "#1b1b1b"},
    "white": {"top": "#ffffff", "bottom": "#ffffff", "text": "#1b1b1b"},
    "black": {"top": "#000000", "bottom": "#000000", "text": "#F2F2F2"},
}


def hex_to_rgb(colour: str) -> np.ndarray:
    """``'#rrggbb'`` -> floats in 0..1, shape ``(3,)``."""
    colour = colour.lstrip("#")
    return np.array([int(colour[i : i + 2], 16) / 255.0 for i in (0, 2, 4)])


def role_colour(role: str, intensity: float = 1.0) -> np.ndarray:
    """Colour of a role, RGB ``(3,)``.

    Every muscle that produces or opposes the motion (|r| at or above the negligible limit)
    takes its role's hue at full saturation, whatever its size: fading weak ones towards the
    bone colour made a reversed piriformis look like bone. How much each muscle contributes is
    read from the ranked bars and the labels instead. ``intensity`` is accepted for callers
    that still pass one and ignored.
    """
    return hex_to_rgb(ROLE_COLOURS.get(role, ROLE_COLOURS["negligible"]))
