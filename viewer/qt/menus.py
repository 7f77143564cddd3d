"""The main window's menus and toolbar (built from its named actions), and what it remembers
between runs (layout, choices and, unless turned off, the last scene)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QKeySequence

from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS
from viewer.qt.pose_panel import PRESET_BUTTONS
from viewer.qt.scene_files import restore_last_scene, save_last_scene
from viewer.qt.settings import (
    KEY_COLOUR_BY,
    KEY_DOCKS,
    KEY_GEOMETRY,
    KEY_LOOP,
    KEY_MOTION,
    KEY_PLAYBACK_MOTION,
    KEY_RESTORE_SCENE,
    KEY_SPEED,
    KEY_THEME,
    LAYOUT_VERSION,
    read_bool,
    read_float,
    read_str,
)
from viewer.render.palette import THEMES


def build_menus(window) -> None:
    from viewer.qt.main_window import (  # the window's tables (imported lazily: no cycle)
        CAMERA_KEYS,
        DOCKS,
    )

    bar = window.menuBar()
    na = window.named_actions
    file_menu = bar.addMenu("&File")
    edit = None
    for name in ("open_scene", "save_scene", None, "screenshot", "quick_screenshot", None, "export_plot_png",
                 "export_plot_csv", None, "quit"):
        file_menu.addSeparator() if name is None else file_menu.addAction(na[name])
    edit = bar.addMenu("&Edit")
    edit.addAction(na["undo"])
    edit.addAction(na["redo"])
    view = bar.addMenu("&View")
    window.panels_menu = view.addMenu("&Panels")
    for key, _title, _area, shortcut in DOCKS:
        action = window.docks[key].toggleViewAction()
        action.setShortcut(QKeySequence(shortcut))
        action.setObjectName(f"toggle_{key}")
        window.panels_menu.addAction(action)
    camera = view.addMenu("&Camera")
    for v, _ in CAMERA_KEYS:
        camera.addAction(na[f"view_{v}"])
    camera.addSeparator()
    camera.addAction(na["reset_view"])
    view.addAction(na["reset_view"])
    theme = view.addMenu("&Background")
    for name in THEMES:
        theme.addAction(na[f"theme_{name}"])
    view.addSeparator()
    view.addAction(na["layout_standard"])
    view.addAction(na["layout_compact"])
    view.addAction(na["restore_scene"])
    view.addSeparator()
    view.addAction(na["presentation"])
    view.addAction(na["compare"])
    view.addAction(na["quiz"])
    view.addAction(na["focus_next"])
    layers = bar.addMenu("&Layers")
    for name in ("show_all", "isolate", "ghost", None, "clear", "find"):
        layers.addSeparator() if name is None else layers.addAction(na[name])
    pose = bar.addMenu("P&ose")
    for key, _text, _tip in PRESET_BUTTONS:
        pose.addAction(na[f"pose_{key}"])
    motion = bar.addMenu("&Motion")
    motion.addAction(na["motion_none"])
    for name in MOTIONS:
        motion.addAction(na[f"motion_{name}"])
    motion.addSeparator()
    for name in ("next_motion", "previous_motion", "colour_by_torque", "mechanics", "label_muscles"):
        motion.addAction(na[name])
    anim = bar.addMenu("&Animation")
    for name in ("play", "loop", "faster", "slower", "stop", None, "demo_er", "demo_er_90"):
        anim.addSeparator() if name is None else anim.addAction(na[name])
    window.lessons_menu = bar.addMenu("L&essons")
    window._fill_lessons_menu()
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(na["getting_started"])
    help_menu.addAction(na["help"])
    help_menu.addAction(na["about"])


def build_toolbar(window) -> None:
    bar = window.addToolBar("Main")
    bar.setObjectName("toolbar_main")
    na = window.named_actions
    short = {"anterior": "Ant", "posterior": "Post", "lateral": "Lat", "medial": "Med", "superior": "Sup",
             "inferior": "Inf"}
    labels = {"reset_view": "Reset camera", "show_all": "Show all", "isolate": "Isolate", "ghost": "Ghost",
              "mechanics": "Line of action", "label_muscles": "Labels", "play": "Play", "demo_er": "Demo: ER", "demo_er_90": "ER at 90°",
              "screenshot": "Screenshot", "presentation": "Present", "help": "Help"}
    groups = (tuple(f"view_{v}" for v in short) + ("reset_view",),
              ("show_all", "isolate", "ghost", "mechanics", "label_muscles"),
              ("play", "demo_er", "demo_er_90"), ("screenshot", "presentation", "help"))
    for group in groups:
        for name in group:
            # Short button texts keep the bar on one line; menus keep the full names.
            na[name].setIconText(short.get(name[5:]) if name.startswith("view_") else labels[name])
            bar.addAction(na[name])
        bar.addSeparator()
    window.toolbar = bar


def restore_window(window) -> None:
    """Apply the remembered window layout and choices (stale values are skipped)."""
    s = window.settings
    geometry = s.value(KEY_GEOMETRY)
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    docks = s.value(KEY_DOCKS)
    if isinstance(docks, QByteArray):
        window._layout_restored = window.restoreState(docks, LAYOUT_VERSION)
    motion = read_str(s, KEY_MOTION, None)
    if motion:
        try:
            window.state.set_motion(motion)
        except DataError:
            pass  # a setting from another version: keep the default
    colour_by = read_str(s, KEY_COLOUR_BY, None)
    if colour_by in ("moment_arm", "torque"):
        window.state.set_colour_by(colour_by)
    window.playback.set_speed(read_float(s, KEY_SPEED, window.playback.speed_deg_s))
    window.playback.set_loop(read_bool(s, KEY_LOOP, window.playback.loop))
    playback_motion = read_str(s, KEY_PLAYBACK_MOTION, None)
    if playback_motion in MOTIONS:
        window.playback.set_motion(playback_motion)
    restore_scene = read_bool(s, KEY_RESTORE_SCENE, True)
    window.named_actions["restore_scene"].setChecked(restore_scene)
    if restore_scene:
        restore_last_scene(window)


def save_window(window) -> None:
    s = window.settings
    s.setValue(KEY_GEOMETRY, window.saveGeometry())
    s.setValue(KEY_DOCKS, window.saveState(LAYOUT_VERSION))
    s.setValue(KEY_MOTION, window.state.motion.name if window.state.motion is not None else "")
    s.setValue(KEY_COLOUR_BY, window.state.colour_by)
    s.setValue(KEY_THEME, window.scene.theme)
    s.setValue(KEY_SPEED, window.playback.speed_deg_s)
    s.setValue(KEY_LOOP, window.playback.loop)
    s.setValue(KEY_PLAYBACK_MOTION, window.playback.motion.name)
    s.setValue(KEY_RESTORE_SCENE, window.named_actions["restore_scene"].isChecked())
    save_last_scene(window)
    s.sync()
