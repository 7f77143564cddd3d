"""The plot panel: moment arm against joint angle, and the rotation-reversal map.

"Curves" plots the moment arm of the selected muscle (and any ticked in the list) for the
chosen motion, against that motion's angle and against flexion, with the other angles held at
the current pose and a cursor at the current pose. "Reversal map" colours one muscle's
rotation moment arm over flexion x rotation, draws its zero contour (where it turns from
external to internal rotator) and marks the current pose. Clicking a plot sets the pose
there. Both export as PNG and CSV. Curves are recomputed shortly after the pose settles and
only while the panel is on screen, so dragging a slider stays smooth.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from viewer.core.errors import DataError
from viewer.core.motions import COORDINATE_WORDS, MOTIONS, POSE_COORDINATES
from viewer.core.sweeps import angle_range, columns, grid_2d, pose_grid
from viewer.io.files import atomic_output
from viewer.qt.binding import StateBinding
from viewer.qt.safe_text import plain_label, warning
from viewer.render import palette

#: Okabe-Ito colours for curves (colour-blind safe), then line styles for more muscles.
CURVE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LINE_STYLES = ("-", "--", "-.", ":")
CURVE_STEP_DEG = 1.0
MAP_STEP_DEG = 2.5
REFRESH_DELAY_MS = 60
DEFAULT_MOTION = "external_rotation"

#: Diverging map for the rotation moment arm: vermillion (internal) - pale grey - blue (external).
REVERSAL_CMAP = LinearSegmentedColormap.from_list(
    "reversal", [palette.ROLE_COLOURS["opposes"], "#F2F2F2", palette.ROLE_COLOURS["produces"]])


def _angle_label(coordinate: int, sign: int) -> str:
    positive, negative = COORDINATE_WORDS[POSE_COORDINATES[coordinate]]
    return f"{(positive if sign > 0 else negative).capitalize()} (°)"


class PlotPanel(QWidget):
    """Moment-arm curves and the reversal map, following the session state."""

    def __init__(self, model, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.state = state
        actions = model.actions
        self._ids = list(actions.structure_ids) + [i for i in actions.line_ids if i not in actions.structure_ids]
        self._map_cache: dict[int, np.ndarray] = {}
        self._curve_data: dict | None = None
        self._map_data: dict | None = None

        # "Compare" is a menu of check boxes: it needs no room beside the plot and its
        # entries are reachable from the keyboard like any menu.
        self.compare_button = QToolButton(self)
        self.compare_button.setText("C&ompare muscles")
        self.compare_button.setToolTip("Tick muscles to plot beside the selected one")
        self.compare_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.compare_menu = QMenu(self.compare_button)
        self._compare_actions: dict[str, QAction] = {}
        for some_id in self._ids:
            action = QAction(model.display_name(some_id), self.compare_menu)
            action.setCheckable(True)
            action.toggled.connect(lambda _=False: self.schedule(full=True))
            self.compare_menu.addAction(action)
            self._compare_actions[some_id] = action
        self.compare_menu.addSeparator()
        self.compare_menu.addAction("Clear", lambda: self.set_checked([]))
        self.compare_button.setMenu(self.compare_menu)

        # The two plots are Matplotlib figures, built with their first drawing (after the
        # window's first frame: importing Matplotlib's figure machinery takes a quarter second).
        self._plots: list | None = None
        self.tabs = QTabWidget(self)
        self._pages = []
        for title in ("&Curves", "Reversal &map"):
            page = QWidget(self.tabs)
            QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(page, title)
            self._pages.append(page)
        self.tabs.currentChanged.connect(lambda _: self.schedule(full=True))

        self.note = plain_label(QLabel(self))
        self.note.setWordWrap(True)
        self.csv_button = QPushButton("Export CS&V…", self)
        self.csv_button.clicked.connect(self._ask_csv)
        self.png_button = QPushButton("Export &PNG…", self)
        self.png_button.clicked.connect(self._ask_png)

        buttons = QGridLayout()  # two rows: the panel fits a narrow dock
        buttons.addWidget(self.compare_button, 0, 0, 1, 2)
        buttons.addWidget(self.csv_button, 1, 0)
        buttons.addWidget(self.png_button, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.note)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self._binding = StateBinding()
        for signal in (state.pose_changed, state.motion_changed, state.selection_changed):
            self._binding.connect(signal, lambda *a: self.schedule())
        self.refresh()

    # -- the figures -------------------------------------------------------------------------
    def _built_plots(self) -> list:
        """``[(figure, canvas)]`` for the curves and the map, created on first use."""
        if self._plots is None:
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
            from matplotlib.figure import Figure

            self._plots = []
            for page, name, on_click in zip(self._pages, ("Moment arm curves", "Rotation reversal map"),
                                            (self._on_curve_click, self._on_map_click)):
                figure = Figure(figsize=(5, 5), dpi=100, layout="constrained")
                canvas = FigureCanvasQTAgg(figure)
                canvas.setAccessibleName(name)
                canvas.mpl_connect("button_press_event", on_click)
                page.layout().addWidget(canvas)
                self._plots.append((figure, canvas))
        return self._plots

    curve_figure = property(lambda self: self._built_plots()[0][0], doc="The curves' Matplotlib figure.")
    curve_canvas = property(lambda self: self._built_plots()[0][1], doc="The curves' canvas (a Qt widget).")
    map_figure = property(lambda self: self._built_plots()[1][0], doc="The reversal map's Matplotlib figure.")
    map_canvas = property(lambda self: self._built_plots()[1][1], doc="The reversal map's canvas.")

    def _map_shown(self) -> bool:
        return self.tabs.currentIndex() == 1

    # -- what to plot -------------------------------------------------------------------------
    def motion(self):
        """The state's motion, or external rotation while none is chosen."""
        return self.state.motion or MOTIONS[DEFAULT_MOTION]

    def compare_action(self, some_id: str) -> QAction:
        """The check box of one muscle in the Compare menu."""
        return self._compare_actions[some_id]

    def plotted_ids(self) -> list[str]:
        """Muscles on the curves: the selection (if a muscle) first, then the ticked ones."""
        ids = []
        sel = self.state.selection
        if sel is not None and sel in self._ids:
            ids.append(sel)
        for some_id, action in self._compare_actions.items():
            if action.isChecked() and some_id not in ids:
                ids.append(some_id)
        return ids

    def set_checked(self, ids) -> None:
        """Tick exactly these muscles in the comparison list."""
        wanted = set(ids)
        for some_id, action in self._compare_actions.items():
            action.blockSignals(True)
            action.setChecked(some_id in wanted)
            action.blockSignals(False)
        self.schedule(full=True)

    def _columns(self, values: dict, ids: list[str]) -> np.ndarray:
        return columns(self.model.actions, values, ids)

    # -- computation ----------------------------------------------------------------------
    def curve_data(self) -> dict:
        """Moment arms along the two sweeps at the current pose.

        Returns
        -------
        dict with ``ids``, ``motion``, ``x_motion`` (deg, in the motion's direction),
        ``r_motion`` ``(n, k)`` mm, ``x_flexion`` (deg), ``r_flexion`` ``(m, k)`` mm, ``pose``.
        """
        motion = self.motion()
        pose = self.state.pose
        ids = self.plotted_ids()
        limits = self.state.rom.as_array()
        c = motion.coordinate
        angles = angle_range(limits[c, 0], limits[c, 1], CURVE_STEP_DEG)
        sweep = pose_grid(pose, c, angles)
        flex = angle_range(limits[0, 0], limits[0, 1], CURVE_STEP_DEG)
        sweep_f = pose_grid(pose, 0, flex)
        if ids:
            both = self.model.actions.evaluate(motion, np.vstack([sweep, sweep_f]))
            r = self._columns(both, ids)
        else:
            r = np.zeros((len(angles) + len(flex), 0))
        x_motion = motion.sign * angles
        order = np.argsort(x_motion)
        table = self.model.published
        published_motion = [(k, p) for k, some_id in enumerate(ids) for p in table.along(some_id, motion, c, pose)]
        published_flexion = [(k, p) for k, some_id in enumerate(ids) for p in table.along(some_id, motion, 0, pose)]
        return {"ids": ids, "motion": motion, "pose": pose, "x_motion": x_motion[order],
                "r_motion": r[: len(angles)][order], "x_flexion": flex, "r_flexion": r[len(angles):],
                "sweep_motion": sweep[order], "sweep_flexion": sweep_f,
                "published_motion": published_motion, "published_flexion": published_flexion}

    def map_muscle(self) -> str | None:
        ids = self.plotted_ids()
        return ids[0] if ids else None

    def map_data(self) -> dict | None:
        """External-rotation moment arm of :meth:`map_muscle` over flexion x rotation (mm).

        Returns
        -------
        dict with ``id``, ``flexion`` ``(nf,)``, ``rotation`` ``(nr,)`` deg, ``r`` ``(nr, nf)`` mm,
        ``abduction`` deg; or None when no muscle is chosen.
        """
        some_id = self.map_muscle()
        if some_id is None:
            return None
        limits = self.state.rom.as_array()
        flex = angle_range(limits[0, 0], limits[0, 1], MAP_STEP_DEG)
        rot = angle_range(limits[2, 0], limits[2, 1], MAP_STEP_DEG)
        abduction = int(round(float(self.state.pose[1])))
        grid = self._map_cache.get(abduction)
        if grid is None:
            poses = grid_2d(flex, rot, abduction)
            values = self.model.actions.evaluate(MOTIONS["external_rotation"], poses)
            grid = {"muscle_r": values["muscle_r"], "line_r": values["line_r"]}
            if len(self._map_cache) > 8:
                self._map_cache.clear()
            self._map_cache[abduction] = grid
        r = self._columns(grid, [some_id])[:, 0].reshape(len(rot), len(flex))
        return {"id": some_id, "flexion": flex, "rotation": rot, "r": r, "abduction": float(abduction)}

    # -- drawing ----------------------------------------------------------------------------
    def schedule(self, full: bool = False) -> None:
        """Refresh soon (changes arriving meanwhile share one refresh)."""
        self._timer.start()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.schedule()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.schedule()

    def refresh(self) -> None:
        """Recompute and redraw the tab on screen (both when the panel is hidden: cheap no-op)."""
        if not self.isVisible():
            return
        page = self.tabs.currentWidget()
        if page.width() < 120 or page.height() < 120:
            return  # squeezed out of sight: nothing readable to draw (redrawn when resized)
        if self._map_shown():
            self.draw_map()
        else:
            self.draw_curves()

    def draw_curves(self) -> None:
        data = self.curve_data()
        self._curve_data = data
        fig = self.curve_figure
        fig.clear()
        # Stacked: the panel is usually a tall, narrow dock.
        ax1, ax2 = fig.subplots(2, 1, sharey=True)
        motion, pose = data["motion"], data["pose"]
        if not data["ids"]:
            self.note.setText("Select a muscle (click it in the 3D view) or tick muscles to compare.")
        else:
            chosen = "" if self.state.motion is not None else " (no motion chosen: showing external rotation)"
            self.note.setText(f"Moment arm for {motion.label}{chosen}; other angles as in the current pose.")
        for k, some_id in enumerate(data["ids"]):
            style = dict(color=CURVE_COLOURS[k % len(CURVE_COLOURS)], linestyle=LINE_STYLES[(k // len(CURVE_COLOURS)) % 4],
                         linewidth=2.0 if k == 0 else 1.5, label=self.model.display_name(some_id))
            ax1.plot(data["x_motion"], data["r_motion"][:, k], **style)
            ax2.plot(data["x_flexion"], data["r_flexion"][:, k], **style)
        cited = self._draw_published(ax1, data["published_motion"], lambda p: motion.sign * p.pose_deg[motion.coordinate])
        cited |= self._draw_published(ax2, data["published_flexion"], lambda p: p.pose_deg[0])
        if cited:
            self.note.setText(self.note.text() + " Lines: computed by the model. Markers and bars: published, "
                              + "; ".join(sorted(cited)) + ".")
        for ax in (ax1, ax2):
            ax.axhline(0.0, color="0.4", linewidth=0.8)
            ax.grid(True, alpha=0.3)
        ax1.axvline(motion.sign * pose[motion.coordinate], color="0.2", linestyle="--", linewidth=1.2)
        ax2.axvline(pose[0], color="0.2", linestyle="--", linewidth=1.2)
        ax1.set_xlabel(_angle_label(motion.coordinate, motion.sign))
        ax2.set_xlabel("Flexion (°)")
        for ax in (ax1, ax2):
            ax.set_ylabel("moment arm (mm)")
            ax.tick_params(labelsize=8)
        ax1.set_title(f"Moment arm for {motion.label} (+ produces, − opposes)", fontsize=9)
        if data["ids"]:
            ax1.legend(fontsize=8, loc="best")
        self.curve_canvas.draw_idle()

    def _draw_published(self, ax, entries, x_of) -> set[str]:
        """Published values as diamonds (single figures) or bars (ranges) in the curve's colour."""
        cited: set[str] = set()
        labelled: set[str] = set()
        for k, pub in entries:
            colour = CURVE_COLOURS[k % len(CURVE_COLOURS)]
            who = pub.short_citation()
            label = None if who in labelled else f"published: {who}"
            labelled.add(who)
            cited.add(who)
            x = x_of(pub)
            if pub.value_mm is not None:
                ax.plot([x], [pub.value_mm], marker="D", markersize=6, linestyle="none", markerfacecolor="white",
                        markeredgecolor=colour, markeredgewidth=1.6, label=label, zorder=5)
            else:
                lo, hi = pub.range_mm
                ax.errorbar([x], [0.5 * (lo + hi)], yerr=[[0.5 * (hi - lo)]], fmt="s", color=colour, capsize=4,
                            markerfacecolor="white", label=label, zorder=5)
        return cited

    def draw_map(self) -> None:
        data = self.map_data()
        self._map_data = data
        fig = self.map_figure
        fig.clear()
        ax = fig.add_subplot(1, 1, 1)
        if data is None:
            self.note.setText("Select a muscle to see where its rotation action reverses.")
            ax.text(0.5, 0.5, "Select a muscle", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            self.map_canvas.draw_idle()
            return
        r = data["r"]
        limit = max(float(np.abs(r).max()), 1.0)
        mesh = ax.pcolormesh(data["flexion"], data["rotation"], r, cmap=REVERSAL_CMAP, vmin=-limit, vmax=limit,
                             shading="gouraud")
        bar = fig.colorbar(mesh, ax=ax, location="bottom", shrink=0.9)
        bar.set_label("rotation moment arm (mm): + external, − internal rotator", fontsize=8)
        bar.ax.tick_params(labelsize=8)
        crosses = r.min() < 0.0 < r.max()
        if crosses:
            contour = ax.contour(data["flexion"], data["rotation"], r, levels=[0.0], colors="black", linewidths=2.0)
            ax.clabel(contour, fmt={0.0: "reverses"}, fontsize=8)
        pose = self.state.pose
        ax.plot([pose[0]], [pose[2]], marker="o", markersize=10, markerfacecolor="white", markeredgecolor="black",
                markeredgewidth=2.0, linestyle="none", label="current pose")
        ax.set_xlabel("Flexion (°)")
        ax.set_ylabel("External (+) / internal (−) rotation (°)")
        ax.tick_params(labelsize=8)
        name = self.model.display_name(data["id"])
        ax.set_title(f"{name}: rotation moment arm\n(abduction {data['abduction']:g}°)", fontsize=9)
        ax.legend(loc="lower right", fontsize=8)
        where = "the black line marks where it reverses" if crosses else "its rotation action does not reverse here"
        self.note.setText(f"{name}: blue = external rotator, vermillion = internal rotator; {where}. "
                          "Click to set flexion and rotation.")
        self.map_canvas.draw_idle()

    # -- clicks set the pose ---------------------------------------------------------------------
    def _on_curve_click(self, event) -> None:
        if event.inaxes is None or event.xdata is None or self._curve_data is None:
            return
        axes = self.curve_figure.axes
        motion = self._curve_data["motion"]
        if event.inaxes is axes[0]:
            self.state.set_coordinate(motion.coordinate, motion.sign * float(event.xdata), clamp=True)
        elif len(axes) > 1 and event.inaxes is axes[1]:
            self.state.set_coordinate(0, float(event.xdata), clamp=True)

    def _on_map_click(self, event) -> None:
        if event.inaxes is None or event.xdata is None or not self.map_figure.axes:
            return
        if event.inaxes is not self.map_figure.axes[0]:
            return  # the colour bar
        pose = self.state.pose
        pose[0], pose[2] = float(event.xdata), float(event.ydata)
        self.state.set_pose(pose, clamp=True)

    # -- export -----------------------------------------------------------------------------------
    def export_png(self, path) -> Path:
        """Save the tab on screen as PNG (150 dpi)."""
        path = Path(path)
        if path.suffix.lower() != ".png":
            raise DataError(f"must end in .png, got {path.name!r}", field="plot export")
        self.refresh_now()
        figure = self.map_figure if self._map_shown() else self.curve_figure
        try:
            with atomic_output(path) as tmp:
                figure.savefig(tmp, dpi=150, format="png")
        except OSError as exc:
            raise DataError(f"cannot write the plot ({exc.strerror})", file=path) from None
        return path

    def export_csv(self, path) -> Path:
        """Save the data of the tab on screen as CSV (one row per pose and muscle)."""
        path = Path(path)
        if path.suffix.lower() != ".csv":
            raise DataError(f"must end in .csv, got {path.name!r}", field="plot export")
        try:
            with atomic_output(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                if self._map_shown():
                    data = self.map_data()
                    writer.writerow(["muscle", "motion", "flexion_deg", "abduction_deg", "external_rotation_deg",
                                     "moment_arm_mm"])
                    if data is not None:
                        for i, rot in enumerate(data["rotation"]):
                            for j, flex in enumerate(data["flexion"]):
                                writer.writerow([data["id"], "external_rotation", f"{flex:g}", f"{data['abduction']:g}",
                                                 f"{rot:g}", f"{data['r'][i, j]:.4f}"])
                else:
                    data = self.curve_data()
                    writer.writerow(["sweep", "muscle", "motion", "flexion_deg", "abduction_deg",
                                     "external_rotation_deg", "moment_arm_mm", "range_mm", "source"])
                    for sweep, poses, r in (("motion", data["sweep_motion"], data["r_motion"]),
                                            ("flexion", data["sweep_flexion"], data["r_flexion"])):
                        for k, some_id in enumerate(data["ids"]):
                            for pose, value in zip(poses, r[:, k]):
                                writer.writerow([sweep, some_id, data["motion"].name, *(f"{v:g}" for v in pose),
                                                 f"{value:.4f}", "", "model"])
                            for kk, pub in data[f"published_{sweep}"]:
                                if kk != k:
                                    continue
                                rng = "" if pub.range_mm is None else f"{pub.range_mm[0]:g}..{pub.range_mm[1]:g}"
                                writer.writerow([sweep, some_id, data["motion"].name, *(f"{v:g}" for v in pub.pose_deg),
                                                 f"{pub.centre_mm:.4f}", rng,
                                                 f"published: {pub.short_citation()} [{pub.source}]"])
        except OSError as exc:
            raise DataError(f"cannot write the data ({exc.strerror})", file=path) from None
        return path

    def refresh_now(self) -> None:
        """Redraw at once, visible or not (exports and tests)."""
        self._timer.stop()
        if self._map_shown():
            self.draw_map()
            self.map_canvas.draw()
        else:
            self.draw_curves()
            self.curve_canvas.draw()

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot as PNG", "moment_arm.png", "PNG image (*.png)")
        if path:
            self._report(lambda: self.export_png(path))

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot data as CSV", "moment_arm.csv", "CSV (*.csv)")
        if path:
            self._report(lambda: self.export_csv(path))

    def _report(self, action) -> None:
        try:
            written = action()
        except DataError as exc:
            warning(self, "Export failed", exc.message)
        else:
            self.note.setText(f"Saved {written}")

    def close_panel(self) -> None:
        self._timer.stop()
        self._binding.disconnect_all()
