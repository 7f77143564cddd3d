"""Theme of the picture: background and text colours per theme, and the viewport's text metrics.

Colours of structures, roles and overlays are in :mod:`viewer.render.palette`; this module
says how big and where the texts are, and applies a background theme to a plotter.
"""

from __future__ import annotations

from viewer.render import palette

THEMES = palette.THEMES

#: Base font sizes (pixels) of the viewport texts; presentation mode and exports scale them.
LABEL_FONT_PX = 18
CAPTION_FONT_PX = 18
MECHANICS_FONT_PX = 15
#: Average character width (in font sizes) and line spacing of the caption, as drawn and wrapped.
CAPTION_CHAR_EM = 0.52
CAPTION_LINE_SPACING = 1.3
#: The caption's distance from the bottom edge (fraction of the height) plus a gap above it.
CAPTION_BOTTOM = 0.02
CAPTION_GAP = 0.02
#: Never give the caption more than this fraction of the view.
MAX_CAPTION_BAND = 0.35
#: Free margin (pixels) kept between a label box, the model's silhouette and the viewport edge.
LABEL_GAP_PX = 14
#: Cell size (pixels) of the coarse screen mask used to find free room for a label.
LABEL_CELL_PX = 8


def text_rgb(theme: str):
    """Text colour of a theme, RGB 0..1."""
    return palette.hex_to_rgb(THEMES[theme]["text"])


def background_rgb(theme: str):
    """The lower background colour of a theme (text boxes are backed with it), RGB 0..1."""
    return palette.hex_to_rgb(THEMES[theme]["bottom"])


def apply_background(plotter, theme: str) -> None:
    """The theme's gradient background on ``plotter``."""
    colours = THEMES[theme]
    plotter.set_background(colours["bottom"], top=colours["top"])
