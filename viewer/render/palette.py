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
FAINT = "#E4E4E4"  # the weak end of the intensity ramp
ORIGIN_COLOUR = "#009E73"  # bluish green
INSERTION_COLOUR = "#CC79A7"  # reddish purple
AXIS_COLOUR = "#F0E442"  # yellow
LINE_OF_ACTION_COLOUR = "#56B4E9"  # sky blue
HIGHLIGHT_COLOUR = "#FFD54A"

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


def role_colour(role: str, intensity: float) -> np.ndarray:
    """Colour of a role at ``intensity`` in 0..1 (faint to full), RGB ``(3,)``."""
    if role == "negligible":
        return hex_to_rgb(ROLE_COLOURS["negligible"])
    t = float(np.clip(intensity, 0.0, 1.0))
    # Keep a floor so that a weak producer is still visibly blue, not white.
    t = 0.3 + 0.7 * t
    return (1.0 - t) * hex_to_rgb(FAINT) + t * hex_to_rgb(ROLE_COLOURS[role])
