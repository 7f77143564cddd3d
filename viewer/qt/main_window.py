"""The main window: the 3D viewport in the middle, dockable panels around it, menus and toolbar.

The window owns one :class:`~viewer.state.SessionState`; every panel and the scene follow it
and change it, never each other. The window itself only wires: menu and toolbar actions call
state methods (or panel methods that do), the status bar reports, and ``QSettings`` remembers
the layout and the user's last choices. Closing tears down in a fixed order: timers, panel
subscriptions, the scene's subscriptions, then the 3D widget, before Qt deletes anything.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QLayout,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from viewer import __version__
from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS
from viewer.qt import lesson_writer, window_modes
from viewer.qt.actions_panel import ActionsPanel
from viewer.qt.binding import StateBinding
from viewer.qt.clinical_panel import ClinicalPanel
from viewer.qt.demo_panel import DemoPanel
from viewer.qt.help_dialog import HelpDialog
from viewer.qt.info_panel import InfoPanel
from viewer.qt.layers_panel import LayersPanel
from viewer.qt.layout import apply_layout, initial_size
from viewer.qt.menus import build_menus, build_toolbar, restore_window, save_window
from viewer.qt.playback import PlaybackTimer
from viewer.qt.plot_panel import PlotPanel
from viewer.qt.pose_panel import PRESET_BUTTONS, PosePanel
from viewer.qt.safe_text import plain_label
from viewer.qt.presentation import Presenter
from viewer.qt.scene_files import open_scene, save_scene_as
from viewer.qt.screenshot_dialog import ScreenshotDialog
from viewer.qt.settings import (
    KEY_RESTORE_SCENE,
    KEY_THEME,
    open_settings,
    read_str,
)
from viewer.qt.stylesheet import window_stylesheet as _stylesheet
from viewer.qt.undo import install_undo
from viewer.qt.viewport import Viewport
from viewer.render.palette import THEMES
from viewer.state import Playback, describe_pose, state_for_model

#: Camera presets in menu order with their keys.
CAMERA_KEYS = (
    ("anterior", "1"), ("posterior", "2"), ("lateral", "3"), ("medial", "4"), ("superior", "5"), ("inferior", "6"),
    ("posterolateral", "7"), ("anterolateral", "8"),
)
#: Panels: key, title, dock area, shortcut to show or hide.
DOCKS = (
    ("layers", "Layers", Qt.DockWidgetArea.LeftDockWidgetArea, "Ctrl+1"),
    ("pose", "Pose", Qt.DockWidgetArea.RightDockWidgetArea, "Ctrl+2"),
    ("demo", "Demonstration", Qt.DockWidgetArea.RightDockWidgetArea, "Ctrl+3"),
    ("info", "Info", Qt.DockWidgetArea.RightDockWidgetArea, "Ctrl+4"),
    ("actions", "Actions", Qt.DockWidgetArea.RightDockWidgetArea, "Ctrl+5"),
    ("plot", "Plot", Qt.DockWidgetArea.RightDockWidgetArea, "Ctrl+6"),
    ("clinical", "Clinical", Qt.DockWidgetArea.RightDockWidgetArea, "Ctrl+8"),
)
#: Font scale of the panels in presentation mode (the view's texts scale with the screen).
PRESENTATION_SCALE = 1.5
#: Dock column widths (px): the standard layout keeps the 3D view at two thirds of a
#: 1280-pixel window; the compact one (one tabbed column) at three quarters of 1024 pixels.
STANDARD_WIDTHS = (180, 245)
COMPACT_WIDTH = 250
#: Windows narrower than this start in the compact layout.
COMPACT_BELOW_PX = 1200
#: A scene change is one undo step once nothing has changed for this long (ms): one slider
#: drag or one animation is one step.
UNDO_SETTLE_MS = 400
BASE_FONT_PT = 10


class MainWindow(QMainWindow):
    """The desktop viewer for one loaded model.

    Parameters
    ----------
    model : viewer.io.model.HipModel
    state : viewer.state.SessionState, optional
        Defaults to :func:`viewer.state.state_for_model`.
    settings : QSettings, optional
        Where layout and choices are remembered (tests pass a temporary one).
    restore : bool
        Apply the remembered layout and choices.
    """

    def __init__(self, model, state=None, *, settings: QSettings | None = None, restore: bool = True,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle("Hip anatomy viewer")
        self.model = model
        self.state = state if state is not None else state_for_model(model)
        self.settings = settings if settings is not None else open_settings()
        self.playback = Playback(self.state)
        self._closed = False
        self._presentation = False
        self.lesson_panel = None
        self._layout_restored = False
        self._shown_once = False
        self._before_presentation: dict = {}
        theme = read_str(self.settings, KEY_THEME, "dark") if restore else "dark"
        if theme not in THEMES:
            theme = "dark"
        self.state.set_theme(theme)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self.setStyleSheet(_stylesheet(BASE_FONT_PT))
        # Until the window is shown its tabbed docks measure as if stacked, which would set a
        # minimum height above 800 px: size constraints start when the window is shown.
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)

        self.viewport = Viewport(model, self.state, theme, self)
        self.scene = self.viewport.scene
        # The centre holds the 3D view, or the side-by-side comparison of poses in its place.
        self.centre = QStackedWidget(self)
        self.centre.setObjectName("centre")
        self.centre.addWidget(self.viewport)
        self.setCentralWidget(self.centre)
        self.compare_view = None

        self.layers_panel = LayersPanel(model, self.state, self)
        self.pose_panel = PosePanel(self.state, self)
        self.actions_panel = ActionsPanel(model, self.state, self)
        self.info_panel = InfoPanel(model, self.state, self)
        self.plot_panel = PlotPanel(model, self.state, self)
        self.demo_panel = DemoPanel(model, self.state, self.playback, self)
        self.clinical_panel = ClinicalPanel(model, self.state, self)
        self.panels = {"layers": self.layers_panel, "pose": self.pose_panel, "demo": self.demo_panel,
                       "info": self.info_panel, "actions": self.actions_panel, "plot": self.plot_panel,
                       "clinical": self.clinical_panel}
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        self.playback_timer = PlaybackTimer(self.playback, self)

        self.named_actions: dict[str, QAction] = {}
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

        self._binding = StateBinding()
        self._binding.connect(self.state.pose_changed, self._show_pose)
        self._binding.connect(self.state.selection_changed, self._show_selection)
        self._binding.connect(self.state.motion_changed, self._sync_motion_actions)
        self._binding.connect(self.state.colour_by_changed, self._sync_motion_actions)
        self._binding.connect(self.state.ghost_changed, self._sync_toggles)
        self._binding.connect(self.state.show_mechanics_changed, self._sync_toggles)
        self._binding.connect(self.state.visibility_changed, self._sync_toggles)
        self._binding.connect(self.state.callouts_changed, self._sync_toggles)
        self._binding.connect(self.playback.playing_changed, self._sync_toggles)
        self._binding.connect(self.playback.settings_changed, self._sync_toggles)
        self.viewport.hovered.connect(self._show_hover)
        self.viewport.point_picked.connect(self.clinical_panel.add_picked_point)
        self.presenter = Presenter(self)
        self.resize(*initial_size())
        self.apply_layout("standard")
        if restore:
            self.restore_settings()
        install_undo(self)
        self._show_pose(self.state.pose)
        self._show_selection(self.state.selection)
        self._sync_motion_actions()
        self._sync_toggles()

    # -- panels ------------------------------------------------------------------------------
    def _build_docks(self) -> None:
        for key, title, area, _ in DOCKS:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock_{key}")
            dock.setWidget(self.panels[key])
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable)
            self.addDockWidget(area, dock)
            self.docks[key] = dock
            if key == "demo":
                self.tabifyDockWidget(self.docks["pose"], dock)
            elif key in ("actions", "plot"):
                self.tabifyDockWidget(self.docks["info"], dock)
            elif key == "clinical":
                self.tabifyDockWidget(self.docks["demo"], dock)

    def apply_layout(self, name: str) -> None:
        """Arrange the panels (:func:`viewer.qt.layout.apply_layout`): ``"standard"`` or ``"compact"``."""
        apply_layout(self, name)
    def add_lesson_panel(self, widget: QWidget, title: str = "Lesson") -> QDockWidget:
        """Dock a lesson panel (beside Pose, brought to the front) and list it in View > Panels."""
        dock = QDockWidget(title, self)
        dock.setObjectName("dock_lesson")
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.tabifyDockWidget(self.docks["pose"], dock)
        dock.show()
        dock.raise_()
        self.docks["lesson"] = dock
        self.panels["lesson"] = widget
        if hasattr(self, "panels_menu"):
            action = dock.toggleViewAction()
            action.setShortcut(QKeySequence("Ctrl+7"))
            self.panels_menu.addAction(action)
        if hasattr(widget, "step_changed"):
            widget.step_changed.connect(self.presenter.update_counter)
            widget.lesson_changed.connect(self.presenter.update_counter)
        if self._presentation:
            dock.hide()
        return dock

    def lesson_panel_if_open(self):
        """The lesson panel when one is docked, else None."""
        return self.panels.get("lesson")

    def ensure_lesson_panel(self):
        """The lesson panel, docked on first use."""
        return lesson_writer.ensure_lesson_panel(self)

    def open_lesson(self, lesson) -> None:
        """Show ``lesson`` (a :class:`~viewer.lessons.Lesson`, a name or a file) at its first step."""
        lesson_writer.open_lesson(self, lesson)

    def set_compare(self, on: bool, count: int = 2, *, poses=None) -> None:
        """Poses side by side in place of the 3D view, or the 3D view (see :mod:`viewer.qt.window_modes`)."""
        window_modes.set_compare(self, on, count, poses)

    def open_quiz(self):
        """Dock the quiz panel beside Info, bring it to the front and return it."""
        return window_modes.open_quiz(self)

    def show_panel(self, key: str) -> None:
        """Show a panel's dock and bring it to the front of its tab group."""
        dock = self.docks[key]
        dock.show()
        dock.raise_()

    # -- actions -----------------------------------------------------------------------------
    def _action(self, name: str, text: str, slot=None, shortcut: str | None = None, *, checkable: bool = False,
                tip: str | None = None, pass_checked: bool | None = None) -> QAction:
        """A window-wide action; a checkable one passes its new state to ``slot`` unless told not to."""
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if slot is not None:
            with_state = checkable if pass_checked is None else pass_checked
            action.triggered.connect(lambda checked=False, s=slot: self._guard(s, checked) if with_state else self._guard(s))
        self.addAction(action)  # window-wide shortcut even while the menu bar is hidden
        self.named_actions[name] = action
        return action

    def _guard(self, slot, *args) -> None:
        """Run a user command; a DataError becomes a status message, not a traceback."""
        try:
            slot(*args)
        except DataError as exc:
            self.statusBar().showMessage(exc.message, 6000)
        if not self._closed:
            self._sync_toggles()  # a command that changed nothing must not leave its box ticked

    def _build_actions(self) -> None:
        a = self._action
        a("save_scene", "Save s&cene…", lambda: save_scene_as(self),
          tip="Save what the view shows (layers, pose, colouring, camera) as a scene file")
        a("open_scene", "&Open scene…", lambda: open_scene(self), "Ctrl+O", tip="Show a saved scene file")
        a("screenshot", "&Save screenshot…", self.open_screenshot_dialog, "Ctrl+S",
          tip="Save a PNG of the 3D view at any size, ready for a slide")
        a("quick_screenshot", "&Quick screenshot", self.quick_screenshot, "Ctrl+Shift+S",
          tip="Save the 3D view as it is to a PNG in your Pictures folder")
        a("export_plot_png", "Export plot as P&NG…", self.plot_panel._ask_png)
        a("export_plot_csv", "Export plot data as &CSV…", self.plot_panel._ask_csv)
        a("quit", "&Quit", self.close, "Ctrl+Q")
        for view, key in CAMERA_KEYS:
            a(f"view_{view}", f"{view.capitalize()} view", lambda v=view: self.state.request_view(v), key,
              tip=f"Look at the hip from the {view} side ({key})")
        a("reset_view", "&Reset camera", self.viewport.reset_view, "Home",
          tip="Camera back to the default view; the scene stays as it is (Home)")
        a("undo", "&Undo scene change", self.undo, "Ctrl+Z", tip="Back to the scene before the last change (Ctrl+Z)")
        a("redo", "&Redo scene change", self.redo, "Ctrl+Shift+Z", tip="Again the scene undone last (Ctrl+Shift+Z)")
        a("restore_scene", "Restore the last scene on start", self.set_restore_scene, checkable=True,
          tip="Open the viewer showing what it showed when it was closed")
        a("layout_standard", "&Standard layout", lambda: self.apply_layout("standard"),
          tip="Layers on the left, the other panels as tabs on the right")
        a("layout_compact", "&Compact layout", lambda: self.apply_layout("compact"),
          tip="Every panel as a tab in one column on the right (small screens, projectors)")
        a("getting_started", "&Getting started", self.show_getting_started)
        self.named_actions["restore_scene"].setChecked(True)
        self._theme_group = QActionGroup(self)
        for name in THEMES:
            action = a(f"theme_{name}", f"{name.capitalize()} background", lambda n=name: self.set_theme(n),
                       checkable=True, pass_checked=False)
            self._theme_group.addAction(action)
        a("presentation", "&Presentation mode", self.toggle_presentation, "F11", checkable=True,
          tip="The 3D view full screen for a class: Page Down/Right/Space step, Page Up/Left back, "
              "B blanks (F11, Esc to leave)")
        a("add_step", "&Add current scene as a step…", self.add_scene_as_step,
          tip="Record what the view shows as the next step of the lesson being written")
        a("save_lesson", "&Save lesson as…", self.save_lesson_as, tip="Write the lesson being written as a YAML file")
        a("present_lesson", "&Present lesson", lambda: self.set_presentation(True),
          tip="Full screen; Page Down/Right/Space step through the open lesson")
        a("show_all", "Show &all", self.state.show_all, "A", tip="Show every structure (A)")
        a("isolate", "&Isolate / restore", self.layers_panel.toggle_isolate, "I", checkable=True, pass_checked=False,
          tip="Show only the selected structure; again to restore exactly (I)")
        a("ghost", "&Ghost others", self.state.set_ghost, "G", checkable=True,
          tip="Make everything but the selection translucent (G)")
        a("clear", "&Clear selection / leave presentation", self.escape, "Esc")
        a("find", "&Find layer…", self.focus_search, "Ctrl+F")
        a("focus_next", "Focus next &panel", self.focus_next_panel, "F6")
        for key, text, _tip in PRESET_BUTTONS:
            a(f"pose_{key}", text.replace("&", "") + " pose", lambda k=key: self.pose_panel.apply_preset(k),
              "Ctrl+0" if key == "neutral" else None)
        self._motion_group = QActionGroup(self)
        action = a("motion_none", "No motion (anatomical colours)", lambda: self.state.set_motion(None), checkable=True,
                   pass_checked=False)
        self._motion_group.addAction(action)
        for name in MOTIONS:
            action = a(f"motion_{name}", name.replace("_", " ").capitalize(),
                       lambda n=name: self.state.set_motion(n), checkable=True, pass_checked=False)
            self._motion_group.addAction(action)
        a("next_motion", "&Next motion", lambda: self.cycle_motion(+1), "M")
        a("previous_motion", "Pre&vious motion", lambda: self.cycle_motion(-1), "Shift+M")
        a("colour_by_torque", "Colour by &torque potential", lambda on: self.state.set_colour_by("torque" if on else "moment_arm"),
          "T", checkable=True, tip="Colour intensity by torque potential instead of moment arm (T)")
        a("label_muscles", "Label visible &muscles", self.state.set_label_visible, "N", checkable=True,
          tip="Name every visible muscle beside the model, with rank and moment arm under a motion (N)")
        a("mechanics", "Show &line of action", self.state.set_show_mechanics, "L", checkable=True,
          tip="Line of action, joint axis and moment arm of the selected muscle (L)")
        a("play", "&Play / pause", self.demo_panel.toggle, "P", checkable=True, pass_checked=False)
        a("loop", "&Loop", self.playback.set_loop, checkable=True)
        a("faster", "&Faster", lambda: self.playback.set_speed(self.playback.speed_deg_s * 1.5), "Ctrl+Up")
        a("slower", "&Slower", lambda: self.playback.set_speed(self.playback.speed_deg_s / 1.5), "Ctrl+Down")
        a("stop", "S&top animation", self.demo_panel.stop, "Ctrl+.")
        a("demo_er", "Demonstrate &external rotation", self.demonstrate, "Ctrl+E",
          tip="Hide gluteus maximus, view from behind, animate external rotation (Ctrl+E)")
        a("demo_er_90", "Repeat at &90° flexion", self.demonstrate_flexed, "Ctrl+Shift+E",
          tip="The same at 90° of hip flexion: watch piriformis (Ctrl+Shift+E)")
        a("compare", "&Compare poses side by side", self.set_compare, "Ctrl+Shift+C", checkable=True,
          tip="Split the 3D view into two or four views at different poses with one camera (Ctrl+Shift+C)")
        a("quiz", "&Quiz mode…", self.open_quiz, "Ctrl+Shift+Q",
          tip="Questions on what the muscles do, graded by the model's mechanics (Ctrl+Shift+Q)")
        a("help", "&Keyboard shortcuts", self.show_help, "F1")
        a("about", "&About", self.show_about)

    def _build_menus(self) -> None:
        build_menus(self)

    def _build_toolbar(self) -> None:
        build_toolbar(self)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.selection_label = plain_label(QLabel(self))
        self.pose_label = QLabel(self)
        status.addPermanentWidget(self.selection_label)
        status.addPermanentWidget(self.pose_label)

    # -- commands ----------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        self.state.set_theme(name)
        self.named_actions[f"theme_{name}"].setChecked(True)

    def cycle_motion(self, step: int) -> None:
        order = [None, *MOTIONS]
        current = self.state.motion.name if self.state.motion is not None else None
        self.state.set_motion(order[(order.index(current) + step) % len(order)])

    def escape(self) -> None:
        """Esc: leave presentation mode first, else clear the selection."""
        if self._presentation:
            self.set_presentation(False)
        else:
            self.state.select(None)

    def focus_search(self) -> None:
        self.show_panel("layers")
        self.layers_panel.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.layers_panel.search.selectAll()

    def focus_next_panel(self) -> None:
        """F6: move keyboard focus to the next visible region (3D view, then each panel)."""
        targets = [self.viewport.interactor, self.layers_panel.tree, self.pose_panel.sliders[0],
                   self.demo_panel.play_button, self.info_panel.browser, self.actions_panel.motion_combo,
                   self.plot_panel.compare_button]
        visible = [w for w in targets if w.isVisible()]
        if not visible:
            return
        focused = QApplication.focusWidget()
        index = next((i for i, w in enumerate(visible) if w is focused or w.isAncestorOf(focused)), -1)
        visible[(index + 1) % len(visible)].setFocus(Qt.FocusReason.TabFocusReason)

    def demonstrate(self) -> None:
        self.demo_panel.demonstrate()
        if not self._presentation:  # in front of the class the view keeps the whole screen
            self.show_panel("actions")

    def demonstrate_flexed(self) -> None:
        self.demo_panel.demonstrate_flexed()
        if not self._presentation:
            self.show_panel("actions")

    # -- scene history -------------------------------------------------------------------------
    def record_scene(self) -> None:
        """Keep the scene as an undo step if it changed since the last one."""
        if not self._closed:
            self.history.record()

    def undo(self) -> None:
        self._undo_timer.stop()
        if not self.history.undo():
            self.statusBar().showMessage("Nothing to undo", 3000)
        self._undo_timer.stop()

    def redo(self) -> None:
        self._undo_timer.stop()
        if not self.history.redo():
            self.statusBar().showMessage("Nothing to redo", 3000)
        self._undo_timer.stop()

    def set_restore_scene(self, on: bool) -> None:
        self.settings.setValue(KEY_RESTORE_SCENE, bool(on))

    # -- lessons ----------------------------------------------------------------------------------
    def _fill_lessons_menu(self) -> None:
        lesson_writer.fill_lessons_menu(self)
    def add_scene_as_step(self, caption: str | None = None):
        """Record the scene as the next step of the lesson being written; returns its number."""
        return lesson_writer.add_scene_as_step(self, caption)
    def save_lesson_as(self, path: str | Path | None = None):
        """Write the lesson being written as YAML; returns the path written (None: cancelled)."""
        return lesson_writer.save_lesson_as(self, path)
    def show_getting_started(self):
        from viewer.qt.help_dialog import GettingStartedDialog

        dialog = GettingStartedDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_screenshot_dialog(self) -> ScreenshotDialog:
        dialog = ScreenshotDialog(self.scene, self._pictures_dir(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _: self._report_screenshot(dialog.saved_path))
        dialog.open()
        return dialog

    def _report_screenshot(self, path) -> None:
        if path is not None:
            self.statusBar().showMessage(f"Saved {path}", 6000)

    def quick_screenshot(self) -> Path:
        """Save the view as it is (viewport size) to the pictures folder; returns the path."""
        from viewer.render.offscreen import save_png

        path = self._pictures_dir() / f"hip-{datetime.now():%Y%m%d-%H%M%S}.png"
        save_png(self.viewport.image(), path)
        self.statusBar().showMessage(f"Saved {path}", 6000)
        return path

    @staticmethod
    def _pictures_dir() -> Path:
        from PySide6.QtCore import QStandardPaths

        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        return Path(folder) if folder else Path.home()

    def toggle_presentation(self, on: bool | None = None) -> None:
        self.set_presentation(not self._presentation if on is None else bool(on))

    def set_presentation(self, on: bool) -> None:
        """Full screen for a class: only the 3D view with its caption and a step counter (and back)."""
        self.presenter.switch(on)
    @property
    def presentation(self) -> bool:
        return self._presentation

    def show_help(self) -> HelpDialog:
        dialog = HelpDialog(list(self.named_actions.values()) + [self.docks[k].toggleViewAction() for k in self.docks], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(self, "About the hip anatomy viewer",
                          f"<b>Hip anatomy viewer</b> {__version__}<br>Anatomy and mechanics of the right hip "
                          f"for teaching.<br>Data: {self.model.data_dir}")

    # -- state -> window ------------------------------------------------------------------------
    def _show_pose(self, pose) -> None:
        self.pose_label.setText(describe_pose(pose))

    def _show_selection(self, some_id) -> None:
        self.selection_label.setText("" if some_id is None else f"Selected: {self.model.display_name(some_id)}")

    def _show_hover(self, leaf: str) -> None:
        if leaf:
            # Timed: the name must not outlive the pointer leaving the view.
            self.statusBar().showMessage(self.model.display_name(leaf), 4000)
        else:
            self.statusBar().clearMessage()

    def _sync_motion_actions(self, *args) -> None:
        motion = self.state.motion
        name = f"motion_{motion.name}" if motion is not None else "motion_none"
        self.named_actions[name].setChecked(True)
        self.named_actions["colour_by_torque"].setChecked(self.state.colour_by == "torque")

    def _sync_toggles(self, *args) -> None:
        na = self.named_actions
        for name, value in (("ghost", self.state.ghost), ("mechanics", self.state.show_mechanics),
                            ("label_muscles", self.state.label_visible),
                            ("isolate", self.state.isolated is not None), ("play", self.playback.playing),
                            ("loop", self.playback.loop), ("presentation", self._presentation)):
            if na[name].isChecked() != value:
                na[name].blockSignals(True)
                na[name].setChecked(value)
                na[name].blockSignals(False)
        na[f"theme_{self.scene.theme}"].setChecked(True)

    # -- settings -------------------------------------------------------------------------------
    def restore_settings(self) -> None:
        """Apply the remembered window layout and choices (stale values are skipped)."""
        restore_window(self)

    def save_settings(self) -> None:
        save_window(self)

    # -- teardown -------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.layout().setSizeConstraint(QLayout.SizeConstraint.SetDefaultConstraint)
            # A small screen (a 1024-pixel projector) starts in the compact layout unless the
            # user's own arrangement was restored.
            if not self._layout_restored:
                # Dock sizes take effect once the window has its size: arrange them again now.
                name = "compact" if self.width() < COMPACT_BELOW_PX else self.layout_name
                QTimer.singleShot(0, lambda: None if self._closed else self.apply_layout(name))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save settings and release everything in order; safe to call twice."""
        if self._closed:
            return
        if self._presentation:
            self.set_presentation(False)
        self.save_settings()
        self._closed = True
        self._undo_timer.stop()
        self.presenter.close()
        self.playback_timer.stop()
        self.playback.close()
        self._binding.disconnect_all()
        for panel in self.panels.values():
            close = getattr(panel, "close_panel", None)
            if close is not None:
                close()
        if self.compare_view is not None:
            self.compare_view.close_view()
        # The 3D widget goes last and explicitly: plotter close before Qt deletes the window.
        self.viewport.close_viewport()

    @property
    def closed(self) -> bool:
        return self._closed













