"""Plot panel: moment-arm curves with a cursor, clicks that set the pose, exports and the reversal map."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt


@pytest.fixture
def plot(window, qtbot):
    window.show_panel("plot")
    qtbot.waitUntil(window.plot_panel.isVisible)
    return window.plot_panel


def test_curves_follow_the_selection_and_the_pose(window, plot, qtbot):
    window.state.set_motion("external_rotation")
    window.state.select("piriformis")
    plot.refresh_now()
    data = plot._curve_data
    assert data["ids"] == ["piriformis"]
    # The curve against flexion changes sign for piriformis (external rotator straight, not flexed).
    r = data["r_flexion"][:, 0]
    assert r[data["x_flexion"] == 0][0] > 0
    assert r[data["x_flexion"] == 90][0] < r[data["x_flexion"] == 0][0]
    # The cursor sits at the current pose.
    ax_motion, ax_flexion = plot.curve_figure.axes[:2]
    cursor_x = [line.get_xdata()[0] for line in ax_flexion.lines if line.get_linestyle() == "--"]
    assert cursor_x == [0.0]
    window.state.set_pose((45, 0, 0))
    qtbot.waitUntil(lambda: plot._curve_data is not None and plot._curve_data["pose"][0] == 45, timeout=3000)


def test_several_muscles_can_be_compared(window, plot):
    window.state.select("piriformis")
    plot.compare_action("quadratus_femoris").setChecked(True)
    plot.refresh_now()
    assert plot._curve_data["ids"] == ["piriformis", "quadratus_femoris"]
    assert plot._curve_data["r_motion"].shape[1] == 2


def test_clicking_the_plot_sets_the_pose(window, plot, qtbot):
    window.state.set_motion("external_rotation")
    window.state.select("piriformis")
    plot.refresh_now()
    ax = plot.curve_figure.axes[1]  # against flexion
    canvas = plot.curve_canvas
    x_disp, y_disp = ax.transData.transform((60.0, 0.0))
    ratio = canvas.device_pixel_ratio or 1.0
    pos = QPoint(round(x_disp / ratio), round(canvas.height() - y_disp / ratio))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pos)
    assert window.state.pose[0] == pytest.approx(60.0, abs=2.0)


def test_reversal_map_shows_where_piriformis_changes_action(window, plot, qtbot):
    window.state.select("piriformis")
    plot.tabs.setCurrentIndex(1)
    plot.refresh_now()
    data = plot._map_data
    r = data["r"]
    # External rotator in the straight hip, the other way round somewhere at deep flexion.
    i0 = np.argmin(np.abs(data["rotation"]))
    assert r[i0, np.argmin(np.abs(data["flexion"]))] > 0
    assert r.min() < 0
    ax = plot.map_figure.axes[0]
    assert len(ax.collections) >= 2  # the colour mesh and the zero contour
    marker = [line for line in ax.lines if line.get_label() == "current pose"]
    assert marker and marker[0].get_xdata()[0] == 0.0
    # Clicking the map sets flexion and rotation.
    x_disp, y_disp = ax.transData.transform((80.0, -20.0))
    canvas = plot.map_canvas
    ratio = canvas.device_pixel_ratio or 1.0
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton,
                     pos=QPoint(round(x_disp / ratio), round(canvas.height() - y_disp / ratio)))
    assert window.state.pose[0] == pytest.approx(80, abs=3)
    assert window.state.pose[2] == pytest.approx(-20, abs=3)


def test_exports_write_csv_and_png(window, plot, tmp_path):
    window.state.set_motion("external_rotation")
    window.state.select("piriformis")
    csv_path = plot.export_csv(tmp_path / "curves.csv")
    with csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["sweep"] for r in rows} == {"motion", "flexion"}
    assert {r["muscle"] for r in rows} == {"piriformis"}
    assert float(rows[0]["moment_arm_mm"]) == pytest.approx(float(rows[0]["moment_arm_mm"]))
    png = plot.export_png(tmp_path / "curves.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plot.tabs.setCurrentIndex(1)
    map_csv = plot.export_csv(tmp_path / "map.csv")
    with map_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(plot.map_data()["flexion"]) * len(plot.map_data()["rotation"])
    from viewer.core.errors import DataError

    with pytest.raises(DataError, match=r"\.png"):
        plot.export_png(tmp_path / "curves.jpg")


def test_published_points_sit_beside_the_model_curve(window, plot, tmp_path):
    window.state.set_pose((0, 0, 0))
    window.state.set_motion("external_rotation")
    window.state.select("piriformis")
    plot.refresh_now()
    data = plot._curve_data
    assert [(p.pose_deg[0], p.value_mm) for _, p in data["published_flexion"]] == [(0.0, 29.0), (90.0, -14.0)]
    ax_flexion = plot.curve_figure.axes[1]
    diamonds = [line for line in ax_flexion.lines if line.get_marker() == "D"]
    assert sorted(float(line.get_ydata()[0]) for line in diamonds) == [-14.0, 29.0]
    assert "published: Delp et al. 1999" in ax_flexion.get_legend_handles_labels()[1]
    assert "Delp et al. 1999" in plot.note.text() and "computed by the model" in plot.note.text()
    with plot.export_csv(tmp_path / "c.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    sources = {r["source"] for r in rows}
    assert sources == {"model", "published: Delp et al. 1999 [delp1999]"}
