"""The 3D viewport: a pyvistaqt interactor showing the :class:`HipScene`, with picking.

Mouse: left-drag rotates, right-drag or wheel zooms, middle-drag pans (VTK's trackball
camera); a click selects what is under the cursor and a click on empty space clears the
selection; Alt-click isolates a structure and Alt-click again restores exactly what was
visible before. Hovering names the structure under the cursor. Keys: arrows turn the camera,
+ and - zoom. VTK's own single-key commands (quit, wireframe, stereo...) are switched off.
"""

from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QToolTip, QVBoxLayout, QWidget

from viewer.core.views import DEFAULT_VIEW
from viewer.qt.qt_names import import_pyvistaqt
from viewer.qt.safe_text import tooltip
from viewer.render.scene import HipScene

QtInteractor = import_pyvistaqt().QtInteractor

#: A press and release closer than this (pixels) is a click, not a camera drag.
CLICK_SLOP_PX = 4
#: Hover picking waits until the mouse rests this long (ms): a pick costs about one frame.
HOVER_DELAY_MS = 120
#: After the last change, wait this long (ms) and draw one polished (edge-smoothed) frame.
POLISH_DELAY_MS = 180
CAMERA_STEP_DEG = 10.0
ZOOM_STEP = 1.15


class Viewport(QWidget):
    """The interactor widget and the scene it shows.

    Parameters
    ----------
    model : viewer.io.model.HipModel
    state : viewer.state.SessionState
    theme : str

    Signals
    -------
    hovered(str)
        Mesh id under the resting mouse, or ``""`` when it leaves every structure.
    picked(str)
        Mesh id a click landed on, or ``""`` for empty space (after the state was changed).
    """

    hovered = Signal(str)
    picked = Signal(str)
    point_picked = Signal(object)  # surface point (mm, pelvis frame) under a Shift-click

    def __init__(self, model, state, theme: str = "dark", parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.state = state
        self.setObjectName("viewport")
        self._closed = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # auto_update=False: the scene asks for a frame whenever something changed, so
        # pyvistaqt's 5 Hz refresh timer would only burn the CPU.
        self.interactor = QtInteractor(self, auto_update=False)
        self.interactor.setObjectName("interactor")
        self.interactor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.interactor.setAccessibleName("3D view of the hip")
        layout.addWidget(self.interactor)
        # The 3D view paints every pixel of itself and of this widget (no margins): nothing
        # behind it needs painting when it shows a new frame.
        for widget in (self.interactor, self):
            widget.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.scene = HipScene(self.interactor, model, state, theme, request_render=self.request_frame,
                              translucency="blend")
        self.frames_rendered = 0
        self._end_observer = self.interactor.ren_win.AddObserver("EndEvent", self._count_frame)
        self.interactor.frameSwapped.connect(self._on_first_swap)
        self._press_pos: QPoint | None = None
        self._hover_pos: QPoint | None = None
        self._hover_leaf = ""
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(HOVER_DELAY_MS)
        self._hover_timer.timeout.connect(self._hover_pick)
        self.interactor.installEventFilter(self)
        # A named view is re-fitted when the viewport changes shape, until the user moves the
        # camera by hand (then their camera is kept).
        self.camera_moved_by_user = False
        self._style_observers = []
        iren = getattr(self.interactor, "iren", None)
        if iren is not None:
            style = iren.interactor.GetInteractorStyle()
            if style is not None:
                self._style_observers.append(
                    (style, style.AddObserver("StartInteractionEvent", self._on_user_camera)))
                self._style_observers.append(
                    (style, style.AddObserver("EndInteractionEvent", lambda *a: self._polish_timer.start())))
        state.view_requested.connect(self._on_view_requested)
        self._polish_timer = QTimer(self)
        self._polish_timer.setObjectName("viewport_polish")
        self._polish_timer.setSingleShot(True)
        self._polish_timer.setInterval(POLISH_DELAY_MS)
        self._polish_timer.timeout.connect(self._polish)
        self._reframe_timer = QTimer(self)
        self._reframe_timer.setSingleShot(True)
        self._reframe_timer.setInterval(0)
        self._reframe_timer.timeout.connect(self._reframe)

    # -- rendering ------------------------------------------------------------------------
    def request_frame(self) -> None:
        """Schedule one repaint; several state changes in one event-loop pass share it.

        Frames drawn while changes keep coming are fast ones; once they stop for
        :data:`POLISH_DELAY_MS`, one polished frame follows.
        """
        if self._closed:
            return
        scene = getattr(self, "scene", None)  # None while the scene is being built
        if scene is not None:
            scene.set_fast(True)
            self._polish_timer.start()
        QWidget.update(self.interactor)

    def _polish(self) -> None:
        if self._closed or not self.scene.fast:
            return
        self.scene.set_fast(False)
        QWidget.update(self.interactor)

    def render_now(self) -> None:
        """Render a polished frame synchronously (screenshots, benchmarks)."""
        if not self._closed:
            self._polish_timer.stop()
            self.scene.set_fast(False)
            self.interactor.ren_win.Render()

    def _count_frame(self, *args) -> None:
        self.frames_rendered += 1

    def _on_first_swap(self) -> None:
        # Coarse meshes for interactive frames: built once the first picture is on the screen.
        self.interactor.frameSwapped.disconnect(self._on_first_swap)
        QTimer.singleShot(0, self._prepare_lod)

    def _prepare_lod(self) -> None:
        if not self._closed and not self.scene.has_fast_lod:
            self.scene.prepare_fast_lod()

    @contextmanager
    def frames_held(self):
        """Draw nothing while the widget is resized several times in a row (re-docking the
        panels): each resize of the GL widget would otherwise render a whole frame at once.
        One frame is asked for at the end."""
        window = self.interactor.ren_win
        held = window is not None and bool(window.GetReadyForRendering()) and not self._closed
        if held:
            window.SetReadyForRendering(False)
        try:
            yield
        finally:
            if held and not self._closed:
                window.SetReadyForRendering(True)
                self.request_frame()

    def image(self):
        """The viewport's current image as an ``(h, w, 3)`` uint8 array (a polished frame)."""
        self._polish_timer.stop()
        self.scene.set_fast(False)
        return self.interactor.screenshot(return_img=True)

    # -- camera ---------------------------------------------------------------------------
    def _on_user_camera(self, *args) -> None:
        self.camera_moved_by_user = True
        self.scene.set_fast(True)

    def _on_view_requested(self, name: str) -> None:
        self.camera_moved_by_user = False

    def _reframe(self) -> None:
        if not self._closed and not self.camera_moved_by_user:
            self.scene.set_view(*self.scene.last_view)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if not self._closed:
            self._reframe_timer.start()

    def set_blank(self, on: bool) -> None:
        """Show a black screen instead of the 3D view (presentation's B key) and back."""
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), Qt.GlobalColor.black)
        self.setPalette(palette)
        self.interactor.setVisible(not on)
        if not on:
            self.request_frame()

    @property
    def blanked(self) -> bool:
        return not self.interactor.isVisibleTo(self)

    def set_view(self, name: str) -> None:
        self.state.request_view(name)

    def reset_view(self) -> None:
        self.state.request_view(DEFAULT_VIEW)

    def turn(self, azimuth_deg: float = 0.0, elevation_deg: float = 0.0) -> None:
        cam = self.interactor.camera
        cam.Azimuth(azimuth_deg)
        cam.Elevation(elevation_deg)
        cam.OrthogonalizeViewUp()
        self.interactor.renderer.ResetCameraClippingRange()
        self.camera_moved_by_user = True
        self.request_frame()

    def zoom(self, factor: float) -> None:
        self.interactor.camera.Zoom(factor)
        self.interactor.renderer.ResetCameraClippingRange()
        self.camera_moved_by_user = True
        self.request_frame()

    # -- picking --------------------------------------------------------------------------
    def display_to_widget(self, x: float, y: float) -> QPoint:
        """Widget position (logical pixels, origin top-left) of a VTK display point."""
        dpr = self.interactor.devicePixelRatioF()
        return QPoint(round(x / dpr), round(self.interactor.height() - 1 - y / dpr))

    def _vtk_xy(self, pos: QPoint) -> tuple[float, float]:
        dpr = self.interactor.devicePixelRatioF()
        return pos.x() * dpr, (self.interactor.height() - 1 - pos.y()) * dpr

    def pick_at(self, pos: QPoint) -> str:
        """Mesh id under a widget position, or ``""``."""
        if self._closed:
            return ""
        return self.scene.pick(*self._vtk_xy(pos)) or ""

    def click_at(self, pos: QPoint, modifiers=Qt.KeyboardModifier.NoModifier) -> str:
        """What a click at ``pos`` does: select, clear, or (with Alt) isolate and restore."""
        leaf = self.pick_at(pos)
        state = self.state
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            # Shift-click picks a point for an oblique cutting plane; the selection stays.
            point = self.scene.clinical.pick_point(*self._vtk_xy(pos))
            if point is not None:
                self.point_picked.emit(point)
            return leaf
        if modifiers & Qt.KeyboardModifier.AltModifier:
            if state.isolated is not None:
                state.toggle_isolate(state.isolated)  # the same gesture restores exactly
            elif leaf:
                state.toggle_isolate(self.model.structure_of(leaf))
        elif not leaf:
            state.select(None)
        else:
            structure = self.model.structure_of(leaf)
            # A second click on a selected compartmented muscle drills down to the part clicked.
            target = leaf if state.selection in (structure, leaf) and leaf != structure else structure
            state.select(target)
        self.picked.emit(leaf)
        return leaf

    def _hover_pick(self) -> None:
        if self._hover_pos is None or self._closed:
            return
        leaf = self.pick_at(self._hover_pos)
        if leaf != self._hover_leaf:
            self._hover_leaf = leaf
            name = self.model.display_name(leaf) if leaf else ""
            self.interactor.setToolTip(tooltip(name) if name else "")
            if name:
                QToolTip.showText(self.interactor.mapToGlobal(self._hover_pos), tooltip(name), self.interactor)
            else:
                QToolTip.hideText()
            self.hovered.emit(leaf)

    # -- events ---------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position().toPoint()
            self._hover_timer.stop()
        elif kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            pos = event.position().toPoint()
            if self._press_pos is not None and (pos - self._press_pos).manhattanLength() <= CLICK_SLOP_PX:
                self.click_at(pos, event.modifiers())
            self._press_pos = None
        elif kind == QEvent.Type.MouseMove:
            if event.buttons() == Qt.MouseButton.NoButton:
                self._hover_pos = event.position().toPoint()
                self._hover_timer.start()
            else:
                self._hover_timer.stop()
        elif kind == QEvent.Type.Leave:
            self._hover_timer.stop()
            self._hover_pos = None
            if self._hover_leaf:
                self._hover_leaf = ""
                self.hovered.emit("")
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            if kind == QEvent.Type.KeyPress:
                self._key(event.key())
            return True  # VTK never sees keys: its defaults quit, go wireframe or stereo
        return False

    def _key(self, key: int) -> None:
        steps = {
            Qt.Key.Key_Left: (-CAMERA_STEP_DEG, 0.0), Qt.Key.Key_Right: (CAMERA_STEP_DEG, 0.0),
            Qt.Key.Key_Up: (0.0, CAMERA_STEP_DEG), Qt.Key.Key_Down: (0.0, -CAMERA_STEP_DEG),
        }
        if key in steps:
            self.turn(*steps[key])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1.0 / ZOOM_STEP)

    # -- teardown -------------------------------------------------------------------------
    def close_viewport(self) -> None:
        """Stop timers, detach the scene from the state and close the plotter (in that order)."""
        if self._closed:
            return
        self._closed = True
        self._hover_timer.stop()
        self._reframe_timer.stop()
        self._polish_timer.stop()
        self.state.view_requested.disconnect(self._on_view_requested)
        for style, tag in self._style_observers:
            style.RemoveObserver(tag)
        self._style_observers.clear()
        self.interactor.removeEventFilter(self)
        self.scene.disconnect()
        if self.interactor.ren_win is not None:
            self.interactor.ren_win.RemoveObserver(self._end_observer)
        self.interactor.close()
        # The interactor keeps a Python wrapper of its GL surface, typed as the non-QObject
        # QSurface, so it is never told when Qt deletes the window behind it; a widget made
        # later at the same address would be handed that stale wrapper (seen as a crash or as
        # "'QSurface' object has no attribute ..."). It is dropped with the view.
        if getattr(self.interactor, "_surface", None) is not None:
            self.interactor._surface = None
