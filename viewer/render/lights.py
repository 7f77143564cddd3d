"""Lights, translucency and edge smoothing of the renderer, and the overlay layer.

Depth peeling with multisampling gives a blank image on software OpenGL; FXAA smooths edges
instead. Peeling itself is switched on only while something is translucent: it costs a third
of a frame on llvmpipe. In ``"blend"`` mode (the interactive window) translucency is one plain
blended pass, where peeling would cost software OpenGL up to a second per frame; at the low
opacities of ghost mode the two look alike.
"""

from __future__ import annotations

from vtkmodules.vtkRenderingCore import vtkLight, vtkRenderer

TRANSLUCENCY_MODES = ("peeling", "blend")


def set_lights(renderer) -> None:
    """Two lights that move with the camera: a key light above and to the right, a fill light.

    Software OpenGL shades every pixel once per light; a five-light kit doubles the cost of
    a frame for little visible difference on these matte surfaces.
    """
    renderer.RemoveAllLights()
    for position, intensity in (((0.12, 0.77, 0.63), 0.8), ((-0.3, -0.5, 1.0), 0.5)):
        light = vtkLight()
        light.SetLightTypeToCameraLight()
        light.SetPosition(*position)
        light.SetFocalPoint(0.0, 0.0, 0.0)
        light.SetIntensity(intensity)
        renderer.AddLight(light)


class Lighting:
    """The renderer's lights and translucency settings, and the overlay renderer on top.

    Attachment markers and the mechanics drawing live in a second layer that shares the camera
    and is drawn over the scene: the joint axis runs inside the femoral head and an origin may
    sit on the far side of a bone, and both must still be seen.
    """

    def __init__(self, plotter, translucency: str = "peeling"):
        if translucency not in TRANSLUCENCY_MODES:
            raise ValueError(f"translucency must be 'peeling' or 'blend', not {translucency!r}")
        self.plotter = plotter
        self.translucency = translucency
        ren = plotter.renderer
        plotter.ren_win.SetMultiSamples(0)
        plotter.ren_win.SetAlphaBitPlanes(1)
        ren.SetUseDepthPeeling(False)
        ren.SetMaximumNumberOfPeels(6)
        ren.SetOcclusionRatio(0.0)
        set_lights(ren)
        self.fxaa = True  # edge smoothing for still frames (see set_fast)
        self.fast = False
        self.translucent = False
        ren.SetUseFXAA(True)
        overlay = vtkRenderer()
        overlay.SetLayer(1)
        overlay.SetActiveCamera(ren.GetActiveCamera())
        overlay.InteractiveOff()
        overlay.SetPreserveColorBuffer(True)
        plotter.ren_win.SetNumberOfLayers(max(2, plotter.ren_win.GetNumberOfLayers()))
        plotter.ren_win.AddRenderer(overlay)
        self.overlay_renderer: vtkRenderer | None = overlay

    def set_mode(self, translucency: str) -> None:
        if translucency not in TRANSLUCENCY_MODES:
            raise ValueError(f"translucency must be 'peeling' or 'blend', not {translucency!r}")
        self.translucency = translucency
        self.set_translucent(self.translucent)

    def set_translucent(self, translucent: bool) -> None:
        """Sorting translucent surfaces needs depth peeling; opaque scenes skip its cost."""
        self.translucent = bool(translucent)
        ren = self.plotter.renderer
        ren.SetUseDepthPeeling(self.translucent and self.translucency == "peeling")
        ren.SetUseOIT(self.translucency == "peeling")

    def set_fast(self, fast: bool) -> None:
        """Interactive frames skip FXAA, a full-screen pass that costs software OpenGL about as
        much as the scene itself, and whose benefit is invisible while things move."""
        self.fast = bool(fast)
        self.plotter.renderer.SetUseFXAA(self.fxaa and not self.fast)

    @property
    def depth_peeling(self) -> bool:
        return bool(self.plotter.renderer.GetUseDepthPeeling())

    def close(self) -> None:
        if self.overlay_renderer is not None and self.plotter.ren_win is not None:
            self.plotter.ren_win.RemoveRenderer(self.overlay_renderer)
        self.overlay_renderer = None
