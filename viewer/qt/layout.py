"""Where the panels go: the standard layout (Layers left, the other panels as tabs on the right)
and the compact one (one tabbed column), both leaving most of the width to the 3D view."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer

#: Dock column widths (px): the standard layout keeps the 3D view at two thirds of a
#: 1280-pixel window; the compact one (one tabbed column) at three quarters of 1024 pixels.
STANDARD_WIDTHS = (180, 245)
COMPACT_WIDTH = 250
#: The window's first size; a smaller screen (a 1024x768 projector) gets its whole available area.
DEFAULT_SIZE = (1280, 800)
#: The panels of the window, in menu order (a lesson panel, docked later, is left alone).
PANELS = ("layers", "pose", "demo", "clinical", "info", "actions", "plot")


def initial_size(screen=None) -> tuple[int, int]:
    """The window's first size: :data:`DEFAULT_SIZE`, limited to the screen's available area."""
    from PySide6.QtGui import QGuiApplication

    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        return DEFAULT_SIZE
    area = screen.availableGeometry()
    return min(DEFAULT_SIZE[0], area.width()), min(DEFAULT_SIZE[1], area.height())


def apply_layout(window, name: str) -> None:
    """Arrange the panels: ``"standard"`` (Layers on the left; Pose and Demonstration, then
    Info, Plot and Actions as tabs, on the right) or ``"compact"`` (one tabbed column on the
    right, for 1024-pixel projectors). Either keeps most of the width for the 3D view.

    Re-docking resizes the 3D view several times; it draws one frame when the panels are placed."""
    with window.viewport.frames_held():
        _arrange(window, name)


def _arrange(window, name: str) -> None:
    d = window.docks
    size = window.size()
    right = Qt.DockWidgetArea.RightDockWidgetArea
    for key in ("pose", "demo", "clinical", "info", "plot", "actions"):
        window.addDockWidget(right, d[key])
    if name == "compact":
        window.addDockWidget(right, d["layers"])
        window.tabifyDockWidget(d["layers"], d["pose"])
        window.tabifyDockWidget(d["pose"], d["demo"])
        window.tabifyDockWidget(d["demo"], d["clinical"])
    else:
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["layers"])
        window.tabifyDockWidget(d["pose"], d["demo"])
        window.tabifyDockWidget(d["demo"], d["clinical"])
    # Info and Plot are tabs of their own (the plot readable at full column height), Actions beside;
    # the compact layout makes one tab group of everything so that it fits 768 pixels of height.
    if name == "compact":
        window.tabifyDockWidget(d["clinical"], d["info"])
    window.tabifyDockWidget(d["info"], d["plot"])
    window.tabifyDockWidget(d["plot"], d["actions"])
    for key, dock in d.items():
        if key in PANELS:
            # The clinical tools are tall: opened on demand (View > Panels, Ctrl+8) as a tab
            # beside Demonstration, so that the default window keeps its height.
            dock.setVisible(key != "clinical")
    d["pose"].raise_()
    d["info"].raise_()
    if name == "compact":
        d["layers"].raise_()
        window.resizeDocks([d["layers"]], [COMPACT_WIDTH], Qt.Orientation.Horizontal)
    else:
        window.resizeDocks([d["pose"], d["info"]], [2, 3], Qt.Orientation.Vertical)
        window.resizeDocks([d["layers"], d["info"]], list(STANDARD_WIDTHS), Qt.Orientation.Horizontal)
    window.layout_name = name
    if not (window.isFullScreen() or window.isMaximized()):
        # Re-docking stacks the panels for a moment, which may have grown the window; the docks
        # settle in the next event-loop turn, so the size is set back then, never past the screen.
        target = (size.width(), min(size.height(), initial_size(window.screen())[1]))
        window.resize(*target)
        QTimer.singleShot(0, window, lambda: window.resize(*target))
