"""Benchmark of the desktop viewer in a real window: ``python -m viewer.bench app``.

Prints these figures, measured in a 1280x800 main window with its default panels:

* slider step to rendered frame: the time from moving a pose slider by one degree to the
  moment the new frame has been drawn and handed to the window system (the 3D widget's
  ``frameSwapped``), with muscles re-swept and recoloured for the chosen motion; median and
  95th percentile over a sweep of flexion and of rotation (target: median <= 16 ms);
* the cells (triangles, lines) drawn in frames while the pose moves (coarse copies of the
  bones and muscles) and in still frames (full resolution);
* the same steps in a bare window of the same 3D-view size that draws every mesh at full
  resolution and only moves the femur (no panels, no re-sweeping, no level of detail): what
  the triangles alone cost on this machine's OpenGL, for comparison;
* cold start to first rendered frame: a fresh Python process that imports everything, loads the
  data, builds the window and draws it once (target <= 1.5 s); median of three runs;
* resident memory after loading (target <= 500 MB).

Without a display it re-runs itself under ``xvfb-run`` (the window needs an X server).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

WINDOW_SIZE = (1280, 800)
SCREEN = "1600x1000x24"
COLD_RUNS = 3
FIRST_FRAME_MARK = "FIRST-FRAME"


def _rss_mb() -> float:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def _private_settings() -> None:
    """Benchmarks must neither read nor change the user's remembered layout."""
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="hip-bench-"))


def _open_window(data_dir):
    """The application's own start-up path (:func:`viewer.qt.app.open_main_window`) at 1280x800."""
    from viewer.qt.app import create_application, open_main_window

    create_application()
    _private_settings()
    return open_main_window(data_dir, restore=False, size=WINDOW_SIZE)


def _wait_swap(app, widget, timeout_s: float = 5.0) -> bool:
    """Process events until ``widget`` has presented one more frame."""
    swapped = []
    connection = widget.frameSwapped.connect(lambda: swapped.append(True))
    deadline = time.perf_counter() + timeout_s
    try:
        while not swapped and time.perf_counter() < deadline:
            app.processEvents()
    finally:
        widget.frameSwapped.disconnect(connection)
    return bool(swapped)


def first_frame_child(data_dir=None) -> int:
    """Cold-start probe: open the window and print a mark when its first frame is shown."""
    app, window = _open_window(data_dir)
    ok = _wait_swap(app, window.viewport.interactor, timeout_s=30.0)
    print(f"{FIRST_FRAME_MARK} {time.perf_counter():.6f}" if ok else "NO-FRAME", flush=True)
    window.close()
    return 0 if ok else 1


def cold_start_s(data_dir=None) -> list[float]:
    """Wall time from starting a fresh interpreter to its first presented frame, per run."""
    code = "import sys; from viewer.bench.app import first_frame_child; sys.exit(first_frame_child({!r}))".format(
        data_dir)
    times = []
    for _ in range(COLD_RUNS):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
        elapsed = None
        for line in proc.stdout:
            if line.startswith(FIRST_FRAME_MARK):
                elapsed = time.perf_counter() - start
        proc.wait()
        if elapsed is None:
            raise RuntimeError("the cold-start probe showed no frame")
        times.append(elapsed)
    return times


def slider_steps_ms(app, window) -> list[float]:
    """Slider step to presented frame (ms) over flexion 0..90..0 and rotation -30..40..-30."""
    window.state.set_motion("external_rotation")
    interactor = window.viewport.interactor
    sliders = window.pose_panel.sliders
    sweeps = [(sliders[0], list(range(1, 91)) + list(range(89, -1, -1))),
              (sliders[2], list(range(-1, -31, -1)) + list(range(-29, 41)) + list(range(39, -1, -1)))]
    samples = []
    for slider, values in sweeps:
        _wait_swap(app, interactor, 0.2)  # settle
        for value in values:
            start = time.perf_counter()
            slider.setValue(value)
            if not _wait_swap(app, interactor):
                raise RuntimeError("no frame after a slider step")
            samples.append(1000.0 * (time.perf_counter() - start))
    return samples


def bare_window_steps_ms(app, model, size, steps: int = 120) -> list[float]:
    """Frame time (ms) of a bare 3D widget drawing every mesh of ``model`` at full resolution
    while the femur turns one degree per step (the triangles' cost without the application)."""
    import numpy as np
    import pyvista as pv
    from PySide6.QtWidgets import QMainWindow
    from pyvistaqt import QtInteractor

    from viewer.core.kinematics import femur_transform
    from viewer.render.primitives import vtk_matrix

    window = QMainWindow()
    interactor = QtInteractor(window, auto_update=False)
    window.setCentralWidget(interactor)
    window.resize(*size)
    femur = []
    for record in model.meshes.values():
        faces = np.hstack([np.full((len(record.faces), 1), 3), record.faces]).astype(np.int64).ravel()
        actor = interactor.add_mesh(pv.PolyData(np.asarray(record.vertices, dtype=float), faces), smooth_shading=True)
        if record.kind == "bone" and record.body == "femur":
            femur.append(actor)
    window.show()
    _wait_swap(app, interactor, 30.0)
    samples = []
    for k in range(steps):
        pose = (float(k % 90), 0.0, 0.0)
        start = time.perf_counter()
        for actor in femur:
            actor.SetUserMatrix(vtk_matrix(femur_transform(pose)[0]))
        interactor.update()
        if not _wait_swap(app, interactor):
            break
        samples.append(1000.0 * (time.perf_counter() - start))
    interactor.close()
    window.close()
    window.deleteLater()
    return samples


def drawn_cells(window, fast: bool) -> int:
    """Cells (triangles, lines) the 3D view draws in an interactive (``fast``) or a still frame."""
    scene = window.viewport.scene
    scene.set_fast(fast)
    total = 0
    for actor in window.viewport.interactor.renderer.GetActors():
        if actor.GetVisibility():
            mapper = actor.GetMapper()
            mapper.Update()
            total += mapper.GetInput().GetNumberOfCells()
    scene.set_fast(False)
    return total


def _percentile(values, q):
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or not sys.platform.startswith("linux")


def main(data_dir=None) -> int:
    """Run the application benchmark and print its figures."""
    if not _has_display():
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            print("app benchmark: no display and no xvfb-run; install xvfb or run on a desktop", file=sys.stderr)
            return 2
        args = [xvfb, "-a", "-s", f"-screen 0 {SCREEN}", sys.executable, "-m", "viewer.bench", "app"]
        if data_dir is not None:
            args += ["--data", str(data_dir)]
        return subprocess.call(args)

    cold = cold_start_s(data_dir)
    app, window = _open_window(data_dir)
    _wait_swap(app, window.viewport.interactor, 30.0)
    rss = _rss_mb()
    viewport_size = (window.viewport.interactor.width(), window.viewport.interactor.height())
    steps = slider_steps_ms(app, window)
    window.state.select("piriformis")
    selected = slider_steps_ms(app, window)
    window.state.select(None)
    cells = (drawn_cells(window, True), drawn_cells(window, False))
    model = window.model
    window.close()
    bare = bare_window_steps_ms(app, model, viewport_size)
    triangles = sum(len(record.faces) for record in model.meshes.values())

    print("app benchmark (real window under X, {}x{}, 3D view {}x{}):".format(*WINDOW_SIZE, *viewport_size))
    print(f"  slider step -> rendered frame: median {statistics.median(steps):.1f} ms, "
          f"p95 {_percentile(steps, 0.95):.1f} ms over {len(steps)} steps (target median <= 16 ms)")
    print(f"  same with a muscle selected (label, markers): median {statistics.median(selected):.1f} ms, "
          f"p95 {_percentile(selected, 0.95):.1f} ms")
    print(f"  cells drawn: {cells[0]} in frames while the pose moves, {cells[1]} in still frames")
    print(f"  bare window, same {viewport_size[0]}x{viewport_size[1]} view, all {triangles} triangles at full "
          f"resolution: median {statistics.median(bare):.1f} ms, p95 {_percentile(bare, 0.95):.1f} ms "
          f"over {len(bare)} frames")
    print(f"  cold start -> first frame: median {statistics.median(cold):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in cold)}; target <= 1.5 s)")
    print(f"  resident memory after loading: {rss:.0f} MB (target <= 500 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
