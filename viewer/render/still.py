"""A still of the window's session at any size, drawn off screen (the screenshot dialog).

Kept apart from :mod:`viewer.render.offscreen`, which sets VTK's logging for headless runs and
imports the whole of VTK: the desktop window imports this module at start-up and needs neither.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.render.scene import HipScene
from viewer.state import SessionState


def render_still(model, state: SessionState, size: tuple[int, int], *, camera: dict | None = None,
                 theme: str = "dark", transparent: bool = False, overlays: bool = True,
                 font_scale: float = 1.0) -> np.ndarray:
    """Render the session as it is now into an off-screen image of ``size`` (width, height).

    The window's scene and this one share the state, so the still shows exactly what the
    user set up (layers, pose, colouring, selection), at any size, without window widgets.

    Returns
    -------
    numpy.ndarray, shape (height, width, 3 or 4), uint8
    """
    plotter = pv.Plotter(off_screen=True, window_size=list(size), lighting="light_kit")
    scene = HipScene(plotter, model, state, theme=theme)
    try:
        if camera is not None:
            # Same direction and distance; a different aspect only widens or narrows the frame.
            scene.set_camera_state(camera)
        scene.set_font_scale(font_scale * max(size[1], 1) / 800.0 if overlays else font_scale)
        if not overlays:
            scene.overlays.hide_all()
        if transparent:
            # VTK draws a gradient background opaque: switch it off for a see-through image.
            plotter.renderer.GradientBackgroundOff()
        plotter.render()
        return plotter.screenshot(transparent_background=transparent, return_img=True)
    finally:
        scene.disconnect()
        plotter.close()
