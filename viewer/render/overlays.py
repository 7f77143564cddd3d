"""The screen-space overlays: the selection's name label, the colour legend, the caption and
the mechanics read-out.

Texts are 2D actors laid out before every render (they follow the camera and the viewport
size). The label box is put where it covers neither the model nor another text
(:mod:`viewer.render.label_layout`), with a leader line to the structure.
"""

from __future__ import annotations

import textwrap
import time

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkTextActor

from viewer.render import palette, theme
from viewer.render.label_layout import column_layout, occupancy_grid, place_box, project
from viewer.render.primitives import overlay_actor, rect_points, text_actor, text_size
from viewer.render.theme import (
    CAPTION_FONT_PX,
    LABEL_CELL_PX,
    LABEL_FONT_PX,
    LABEL_GAP_PX,
    MECHANICS_FONT_PX,
)

#: While the scene changes every frame, a label box is re-placed at most this often (s).
LABEL_REPLACE_S = 0.25
#: Surface samples per static mesh for the label's free-space search.
OCCUPANCY_SAMPLES = 12000


class ScreenLabel:
    """A name box drawn in screen space with a leader line to a 3D anchor point.

    Drawn with plain 2D actors (box, frame and leader, text) so that its font size, padding
    and placement are under the scene's control rather than scaled to fit a box.
    """

    PAD_PX = 7

    def __init__(self, renderer):
        self.renderer = renderer
        self._anchor = np.zeros(3)
        self._box = pv.PolyData(rect_points(0, 0, 1, 1), faces=[4, 0, 1, 2, 3])
        self._lines = pv.PolyData(np.zeros((6, 3)), lines=[5, 0, 1, 2, 3, 0, 2, 4, 5])
        self.box_actor = overlay_actor(renderer, self._box, (0.1, 0.1, 0.1), opacity=0.9)
        self.line_actor = overlay_actor(renderer, self._lines, (1, 1, 1), line_width=2.0)
        self.text = vtkTextActor()
        prop = self.text.GetTextProperty()
        prop.SetFontSize(LABEL_FONT_PX)
        prop.BoldOn()
        prop.ItalicOff()
        prop.ShadowOff()
        prop.SetFontFamilyToArial()
        prop.SetJustificationToLeft()
        prop.SetVerticalJustificationToBottom()
        self.text.SetPickable(False)
        renderer.AddViewProp(self.text)
        self.SetVisibility(False)

    # VTK-style names: lesson framing code calls these as it did on the caption actor.
    def GetVisibility(self) -> bool:  # noqa: N802
        return bool(self.text.GetVisibility())

    def SetVisibility(self, visible: bool) -> None:  # noqa: N802
        for actor in (self.box_actor, self.line_actor, self.text):
            actor.SetVisibility(bool(visible))

    def GetAttachmentPoint(self):  # noqa: N802
        return tuple(self._anchor)

    def SetAttachmentPoint(self, x, y, z) -> None:  # noqa: N802
        self._anchor = np.array([x, y, z], dtype=float)

    def set_text(self, text: str) -> None:
        self.text.SetInput(text)

    def set_colours(self, text_rgb, background_rgb) -> None:
        self.text.GetTextProperty().SetColor(*text_rgb)
        self.line_actor.GetProperty().SetColor(*text_rgb)
        self.box_actor.GetProperty().SetColor(*background_rgb)

    def set_font_size(self, px: int) -> None:
        self.text.GetTextProperty().SetFontSize(int(px))

    def size_px(self) -> tuple[float, float]:
        """Box size (pixels) including padding."""
        w, h = text_size(self.text, self.renderer)
        return w + 2 * self.PAD_PX, h + 2 * self.PAD_PX

    def place(self, box_x: float, box_y: float, anchor_xy: tuple[float, float]) -> None:
        """Put the box's lower-left corner at ``(box_x, box_y)`` and draw the leader to the anchor."""
        w, h = self.size_px()
        x0, y0, x1, y1 = box_x, box_y, box_x + w, box_y + h
        ax, ay = anchor_xy
        # Leader from the anchor to the nearest point of the box's edge.
        ex, ey = min(max(ax, x0), x1), min(max(ay, y0), y1)
        self._box.points = rect_points(x0, y0, x1, y1)
        pts = np.vstack([rect_points(x0, y0, x1, y1), [[ex, ey, 0.0], [ax, ay, 0.0]]])
        self._lines.points = pts
        self.text.SetDisplayPosition(int(round(x0 + self.PAD_PX)), int(round(y0 + self.PAD_PX)))

    def box_px(self) -> tuple[float, float, float, float]:
        pts = np.asarray(self._box.points)
        return pts[0, 0], pts[0, 1], pts[2, 0], pts[2, 1]


class Legend:
    """The role colour key: coloured squares and text of one fixed size on a translucent box."""

    PAD_PX = 8

    def __init__(self, renderer):
        self.renderer = renderer
        self._box = pv.PolyData(rect_points(0, 0, 1, 1), faces=[4, 0, 1, 2, 3])
        self._swatches = pv.PolyData()
        self.box_actor = overlay_actor(renderer, self._box, (0.1, 0.1, 0.1), opacity=0.82)
        self.swatch_actor = overlay_actor(renderer, self._swatches, (1, 1, 1), scalars=True)
        self.texts: list[vtkTextActor] = []
        self._font_px = MECHANICS_FONT_PX
        self._text_rgb = (1.0, 1.0, 1.0)
        self._entries: list[tuple[str, str]] = []
        self.SetVisibility(False)

    def SetVisibility(self, visible: bool) -> None:  # noqa: N802
        for actor in (self.box_actor, self.swatch_actor, *self.texts):
            actor.SetVisibility(bool(visible))

    def GetVisibility(self) -> bool:  # noqa: N802
        return bool(self.box_actor.GetVisibility())

    @property
    def entries(self) -> list[tuple[str, str]]:
        """The ``(text, '#rrggbb')`` pairs shown, top to bottom."""
        return list(self._entries)

    def set_entries(self, entries: list[tuple[str, str]]) -> None:
        """``(text, '#rrggbb')`` pairs, top to bottom; an empty list hides the legend."""
        self._entries = list(entries)
        while len(self.texts) < len(entries):
            t = vtkTextActor()
            prop = t.GetTextProperty()
            prop.SetFontFamilyToArial()
            prop.SetJustificationToLeft()
            prop.SetVerticalJustificationToBottom()
            t.SetPickable(False)
            self.renderer.AddViewProp(t)
            self.texts.append(t)
        for i, t in enumerate(self.texts):
            t.SetInput(entries[i][0] if i < len(entries) else "")
            t.GetTextProperty().SetFontSize(self._font_px)
            t.GetTextProperty().SetColor(*self._text_rgb)
        self.SetVisibility(bool(entries))
        for t in self.texts[len(entries):]:
            t.SetVisibility(False)

    def set_style(self, font_px: int, text_rgb, background_rgb) -> None:
        self._font_px = int(font_px)
        self._text_rgb = tuple(text_rgb)
        self.box_actor.GetProperty().SetColor(*background_rgb)
        if self._entries:
            self.set_entries(self._entries)

    def place_top_left(self, width: int, height: int, margin: float = 10.0) -> tuple[float, float, float, float]:
        """Lay the legend out in the upper-left corner; returns its box in display pixels.

        Measuring text costs a font rendering, so the layout is redone only when the viewport
        size, the entries or the style changed.
        """
        if not self._entries:
            return (0.0, 0.0, 0.0, 0.0)
        key = (width, height, margin, tuple(self._entries), self._font_px)
        if getattr(self, "_layout_key", None) == key:
            return self._layout_box
        self._layout_key = key
        self._layout_box = self._layout(width, height, margin)
        return self._layout_box

    def _layout(self, width: int, height: int, margin: float) -> tuple[float, float, float, float]:
        n = len(self._entries)
        sizes = [text_size(t, self.renderer) for t in self.texts[:n]]
        line_h = max(h for _, h in sizes) * 1.35
        square = 0.8 * max(h for _, h in sizes)
        box_w = 2 * self.PAD_PX + square + 0.5 * square + max(w for w, _ in sizes)
        box_h = 2 * self.PAD_PX + n * line_h
        x0, y1 = margin, height - margin
        y0 = y1 - box_h
        self._box.points = rect_points(x0, y0, x0 + box_w, y1)
        pts, faces, colours = [], [], []
        for i, (text, colour) in enumerate(self._entries):
            base = y1 - self.PAD_PX - (i + 1) * line_h
            ty = base + 0.5 * (line_h - sizes[i][1])
            sx, sy = x0 + self.PAD_PX, ty + 0.5 * (sizes[i][1] - square)
            faces += [4, len(pts), len(pts) + 1, len(pts) + 2, len(pts) + 3]
            pts += list(rect_points(sx, sy, sx + square, sy + square))
            colours.append((255 * palette.hex_to_rgb(colour)).astype(np.uint8))
            self.texts[i].SetDisplayPosition(int(round(sx + 1.5 * square)), int(round(ty)))
        swatches = pv.PolyData(np.array(pts), faces=faces)
        swatches.cell_data["colours"] = np.array(colours)
        self._swatches.copy_from(swatches)
        return (x0, y0, x0 + box_w, y1)


class Overlays:
    """The label, legend, caption and mechanics text of one renderer.

    Parameters
    ----------
    renderer : vtkRenderer
    structures : viewer.render.structures.StructureLayer
        Where the structures are (the label avoids them and points at one).
    """

    def __init__(self, renderer, structures):
        self.renderer = renderer
        self.structures = structures
        self.font_scale = 1.0
        self.theme = "dark"
        self.label = ScreenLabel(renderer)
        self.legend = Legend(renderer)
        self.caption_actor = text_actor(renderer, (0.5, 0.02), "centered", "bottom", CAPTION_FONT_PX)
        self.mechanics_text = text_actor(renderer, (0.985, 0.975), "right", "top", MECHANICS_FONT_PX)
        # Presentation's step counter: small, top centre, clear of the legend and the read-out.
        self.counter_actor = text_actor(renderer, (0.5, 0.985), "centered", "top", MECHANICS_FONT_PX)
        self.counter_actor.GetTextProperty().SetBackgroundOpacity(0.6)
        self.counter_actor.SetVisibility(False)
        # Both may lie over the model: a translucent box in the background colour keeps them legible.
        for actor in (self.caption_actor, self.mechanics_text):
            actor.GetTextProperty().SetBackgroundOpacity(0.75)
            actor.GetTextProperty().SetFrame(False)
        self.caption_text = ""
        #: Callouts: one name box per labelled structure, (text, leaves) each, laid out in two
        #: columns beside the model (:func:`viewer.render.label_layout.column_layout`).
        self.callouts: list[ScreenLabel] = []
        self._callout_items: list[tuple[str, list[str]]] = []
        self._callout_key = None
        self.legend_box: tuple[float, float, float, float] | None = None
        self._label_leaves: list[str] = []
        self._placement = None
        self._samples: dict[str, np.ndarray] = {}
        self._fixed_xy: tuple = (None, {})  # (camera and viewport, projected pelvic bone samples)

    # -- content ------------------------------------------------------------------------------
    def set_caption(self, text: str) -> None:
        self.caption_text = text
        self.wrap_caption()

    def set_callouts(self, items: list[tuple[str, list[str]]]) -> None:
        """Name boxes for several structures at once: ``(text, leaves)`` per structure."""
        self._callout_items = list(items)
        while len(self.callouts) < len(items):
            label = ScreenLabel(self.renderer)
            label.set_font_size(round(LABEL_FONT_PX * 0.8 * self.font_scale))
            label.set_colours(theme.text_rgb(self.theme), theme.background_rgb(self.theme))
            self.callouts.append(label)
        for k, label in enumerate(self.callouts):
            shown = k < len(items)
            if shown:
                label.set_text(items[k][0])
            label.SetVisibility(shown)
        self._callout_key = None

    def callout_boxes_px(self) -> list[tuple[float, float, float, float]]:
        """Screen boxes of the callouts shown (display pixels)."""
        return [label.box_px() for label in self.callouts[: len(self._callout_items)] if label.GetVisibility()]

    def place_callouts(self, pose) -> None:
        """Lay the callouts out in columns left and right of the model, leaders to each structure."""
        items = self._callout_items
        if not items:
            return
        width, height = self.renderer.GetSize()
        cam = self.renderer.GetActiveCamera()
        key = (tuple(t for t, _ in items), width, height, cam.GetMTime(), self.font_scale, tuple(np.round(pose, 1)))
        if key == self._callout_key:
            return
        self._callout_key = key
        visible = [leaf for leaf, actor in self.structures.actors.items() if actor.GetVisibility()]
        everything = np.vstack([self.samples(leaf, pose)[::4] for leaf in visible]) if visible else np.zeros((1, 3))
        xy = self._project(everything)
        model_box = (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))
        eye = np.asarray(cam.GetPosition(), dtype=float)
        anchors = []
        for _, leaves in items:
            pts = np.vstack([self.samples(leaf, pose) for leaf in leaves])
            depth = np.linalg.norm(pts - eye, axis=1)
            front = pts[np.argsort(depth)[: max(10, len(pts) // 30)]]
            anchors.append(front[np.argmin(np.linalg.norm(front - front.mean(axis=0), axis=1))])
        anchors_xy = self._project(np.array(anchors))
        labels = self.callouts[: len(items)]
        sizes = np.array([label.size_px() for label in labels])
        corners = column_layout(anchors_xy, sizes, model_box, width, height, LABEL_GAP_PX,
                                self.reserved_boxes_px(width, height))
        for label, anchor3, (x, y), axy in zip(labels, anchors, corners, anchors_xy):
            label.SetAttachmentPoint(*anchor3)
            label.place(x, y, tuple(axy))

    def set_counter(self, text: str) -> None:
        """The step counter ("3 / 7"); empty hides it."""
        self.counter_actor.SetInput(text)
        self.counter_actor.SetVisibility(bool(text))

    def wrap_caption(self) -> None:
        """Wrap the caption to the viewport's width (the font may be large in presentation mode)."""
        width, _ = self.renderer.GetSize()
        px = CAPTION_FONT_PX * self.font_scale
        columns = max(20, int(0.94 * width / (theme.CAPTION_CHAR_EM * px))) if width > 0 else 90
        text = self.caption_text
        wrapped = "\n".join(textwrap.fill(line, columns) for line in text.splitlines()) if text else ""
        if wrapped != self.caption_actor.GetInput():
            self.caption_actor.SetInput(wrapped)

    def set_legend(self, motion, colour_by: str, negligible_mm: float, shown: bool = True) -> None:
        """The role colour key of ``motion`` (hidden without a motion or when not ``shown``)."""
        if motion is None or not shown:
            self.legend.set_entries([])
            return
        unit = "torque potential" if colour_by == "torque" else "moment arm"
        self.legend.set_entries([
            (f"produces {motion.label}", palette.ROLE_COLOURS["produces"]),
            (f"opposes {motion.label}", palette.ROLE_COLOURS["opposes"]),
            (f"negligible (under {negligible_mm:g} mm)", palette.ROLE_COLOURS["negligible"]),
        ])
        self.legend_unit = unit

    def show_label(self, text: str | None, leaves: list[str], pose) -> None:
        """Name the structure drawn by ``leaves`` (``text`` None hides the label)."""
        self._label_leaves = list(leaves)
        if text is None:
            self.label.SetVisibility(False)
            return
        self.label.SetAttachmentPoint(*self.label_anchor(pose))
        self.label.set_text(text)
        self.label.SetVisibility(True)

    # -- style --------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        self.theme = name
        text_rgb, back_rgb = theme.text_rgb(name), theme.background_rgb(name)
        for actor in (self.caption_actor, self.mechanics_text, self.counter_actor):
            actor.GetTextProperty().SetColor(*text_rgb)
            actor.GetTextProperty().SetBackgroundColor(*back_rgb)
        self.label.set_colours(text_rgb, back_rgb)
        for label in self.callouts:
            label.set_colours(text_rgb, back_rgb)
        self.legend.set_style(round(MECHANICS_FONT_PX * self.font_scale), text_rgb, back_rgb)

    def set_font_scale(self, scale: float) -> None:
        self.font_scale = float(scale)
        self.label.set_font_size(round(LABEL_FONT_PX * scale))
        for label in self.callouts:
            label.set_font_size(round(LABEL_FONT_PX * 0.8 * scale))
        self._callout_key = None
        self.caption_actor.GetTextProperty().SetFontSize(round(CAPTION_FONT_PX * scale))
        self.mechanics_text.GetTextProperty().SetFontSize(round(MECHANICS_FONT_PX * scale))
        self.counter_actor.GetTextProperty().SetFontSize(round(MECHANICS_FONT_PX * scale))
        self.legend.set_style(round(MECHANICS_FONT_PX * scale), theme.text_rgb(self.theme),
                              theme.background_rgb(self.theme))

    def back_caption(self, opacity: float = 0.8) -> None:
        """A translucent panel of the theme's background colour behind the caption (exports)."""
        prop = self.caption_actor.GetTextProperty()
        prop.SetBackgroundColor(*theme.background_rgb(self.theme))
        prop.SetBackgroundOpacity(opacity)

    def hide_all(self) -> None:
        for overlay in (self.label, self.legend, self.caption_actor, self.mechanics_text, self.counter_actor,
                        *self.callouts):
            overlay.SetVisibility(False)

    # -- layout -------------------------------------------------------------------------------
    def before_render(self, pose) -> None:
        """Lay the texts out for the current camera and viewport (called before every render)."""
        width, height = self.renderer.GetSize()
        if width <= 0 or height <= 0:
            return
        self.legend_box = self.legend.place_top_left(width, height) if self.legend.GetVisibility() else None
        self.wrap_caption()
        self.place_callouts(pose)
        if self.label.GetVisibility():
            self.place_label(pose, force=False)

    def samples(self, leaf: str, pose) -> np.ndarray:
        """Points (pelvis frame, current pose) that cover a structure's surface densely enough to
        rasterise its silhouette on a coarse grid: vertices, edge midpoints and face centres."""
        structures = self.structures
        if leaf in structures.line_index:
            return np.asarray(structures.points[leaf])  # swept tubes are finely meshed already
        record = structures.model.meshes[leaf]
        cached = self._samples.get(leaf)
        if cached is None:
            v, f = record.vertices, record.faces
            if len(v) >= OCCUPANCY_SAMPLES:
                cached = v[:: max(1, len(v) // OCCUPANCY_SAMPLES)]
            else:
                tri = v[f]
                cached = np.vstack([v, tri.mean(axis=1), 0.5 * (tri[:, 0] + tri[:, 1]),
                                    0.5 * (tri[:, 1] + tri[:, 2]), 0.5 * (tri[:, 2] + tri[:, 0])])
            self._samples[leaf] = cached
        return structures.to_pelvis(record, cached, pose)

    def label_anchor(self, pose) -> np.ndarray:
        """Where the leader points: a surface point in the middle of the nearest few per cent of
        the labelled structure's surface (the side the viewer sees)."""
        pts = np.vstack([self.samples(leaf, pose) for leaf in self._label_leaves])
        eye = np.asarray(self.renderer.GetActiveCamera().GetPosition(), dtype=float)
        depth = np.linalg.norm(pts - eye, axis=1)
        front = pts[np.argsort(depth)[: max(10, len(pts) // 30)]]
        return front[np.argmin(np.linalg.norm(front - front.mean(axis=0), axis=1))]

    def reserved_boxes_px(self, width: int, height: int) -> list[tuple[float, float, float, float]]:
        """Screen boxes (display pixels) a label must not cover: legend, mechanics text, caption."""
        boxes = []
        if self.legend.GetVisibility() and self.legend_box:
            boxes.append(self.legend_box)
        if self.mechanics_text.GetInput():
            w, h = text_size(self.mechanics_text, self.renderer)
            boxes.append((width * 0.985 - w, height * 0.975 - h, width, height))
        if self.caption_actor.GetInput():
            w, h = text_size(self.caption_actor, self.renderer)
            boxes.append((0.5 * (width - w), 0.0, 0.5 * (width + w), 0.02 * height + h))
        return boxes

    def _project(self, points: np.ndarray) -> np.ndarray:
        width, height = self.renderer.GetSize()
        cam = self.renderer.GetActiveCamera()
        m = cam.GetCompositeProjectionTransformMatrix(width / height if height else 1.0, -1.0, 1.0)
        return project(points, np.array([[m.GetElement(i, j) for j in range(4)] for i in range(4)]), width, height)

    def occupancy(self, pose, cell_px: int = LABEL_CELL_PX) -> np.ndarray:
        """Coarse screen mask of cells covered by a visible structure or by another text.

        The pelvic bones do not move with the pose: their projected samples are kept until the
        camera or the viewport changes, so a label that follows a moving leg projects only
        what moves."""
        width, height = self.renderer.GetSize()
        key = (self.renderer.GetActiveCamera().GetMTime(), width, height)
        if self._fixed_xy[0] != key:
            self._fixed_xy = (key, {})
        fixed = self._fixed_xy[1]
        chunks, moving = [], []
        for leaf, actor in self.structures.actors.items():
            if not actor.GetVisibility():
                continue
            record = self.structures.model.meshes[leaf]
            if record.kind == "bone" and record.body == "pelvis":
                if leaf not in fixed:
                    fixed[leaf] = self._project(self.samples(leaf, pose))
                chunks.append(fixed[leaf])
            else:
                moving.append(self.samples(leaf, pose))
        if moving:
            chunks.append(self._project(np.vstack(moving)))
        xy = np.vstack(chunks) if chunks else None
        return occupancy_grid(xy, width, height, cell_px, self.reserved_boxes_px(width, height))

    def _display(self, point) -> tuple[float, float]:
        self.renderer.SetWorldPoint(*np.asarray(point, dtype=float), 1.0)
        self.renderer.WorldToDisplay()
        x, y, _ = self.renderer.GetDisplayPoint()
        return x, y

    def place_label(self, pose, *, force: bool = True) -> None:
        """Put the name box in the nearest free spot beside its anchor.

        While the picture changes every frame (an animation) the box stays put for
        :data:`LABEL_REPLACE_S` and only its leader follows the anchor.
        """
        width, height = self.renderer.GetSize()
        if width <= 0 or height <= 0:
            return
        x, y = self._display(self.label.GetAttachmentPoint())
        box = self.label.size_px()
        key = (self.label.text.GetInput(), width, height, self.renderer.GetActiveCamera().GetMTime(), self.font_scale)
        now = time.perf_counter()
        previous = self._placement
        if not force and previous is not None and previous[0] == key and now - previous[1] < LABEL_REPLACE_S:
            self.label.place(previous[2], previous[3], (x, y))
            return
        if self._label_leaves:
            # The camera may have turned: point at the part of the structure facing it now.
            anchor = self.label_anchor(pose)
            self.label.SetAttachmentPoint(*anchor)
            x, y = self._display(anchor)
        grid = self.occupancy(pose, LABEL_CELL_PX)
        bx, by = place_box(grid, LABEL_CELL_PX, (x, y), box, width, height, LABEL_GAP_PX)
        self._placement = (key, now, bx, by)
        self.label.place(bx, by, (x, y))

    def label_box_px(self) -> tuple[float, float, float, float] | None:
        return self.label.box_px() if self.label.GetVisibility() else None

    def legend_box_px(self) -> tuple[float, float, float, float] | None:
        return self.legend_box if self.legend.GetVisibility() else None
