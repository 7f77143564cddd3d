"""Mechanics benchmark: one pose update, a full range-of-motion sweep, the speed-up over a
per-pose loop of finite differences, and - when the ``opensim`` package is installed and a
model is given - OpenSim on the same imported model and the same poses, in the same run."""

from __future__ import annotations

import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from viewer.core.moment_arms import moment_arms, moment_arms_fd, moment_arms_loop
from viewer.core.motions import MOTIONS
from viewer.core.sweeps import angle_range, grid_2d
from viewer.core.torus import torus_segment
from viewer.io.model import load_model


def _median_time(fn, repeats: int) -> tuple[float, float]:
    times = np.empty(repeats)
    for i in range(repeats):
        t0 = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - t0
    return float(np.median(times)), float(np.percentile(times, 95))


def sweep_poses() -> np.ndarray:
    """Every degree of flexion 0..120 x every 5 deg of rotation -40..50 (abduction 0): (2299, 3)."""
    return grid_2d(angle_range(0.0, 120.0, 1.0), angle_range(-40.0, 50.0, 5.0))


def osim_sweep_poses() -> np.ndarray:
    """The OpenSim comparison sweep (viewer coordinates): flexion -10..90 every 2 deg x abduction
    -20..20 every 10 x external rotation -30..30 every 10 (1785 poses)."""
    f, a, r = np.meshgrid(np.arange(-10.0, 91.0, 2.0), np.arange(-20.0, 21.0, 10.0), np.arange(-30.0, 31.0, 10.0),
                          indexing="ij")
    return np.stack([f.ravel(), a.ravel(), r.ravel()], axis=1)


def time_opensim(osim_file: Path, names: list[str], poses: np.ndarray) -> tuple[float, np.ndarray]:
    """Seconds for OpenSim to give lengths and three moment arms of ``names`` at ``poses``
    (viewer coordinates), and its moment arms ``(n, m, 3)`` in viewer signs (mm)."""
    import opensim

    model = opensim.Model(str(osim_file))
    state = model.initSystem()
    coords = model.getCoordinateSet()
    flex, add, rot = (coords.get(n) for n in ("hip_flexion_r", "hip_adduction_r", "hip_rotation_r"))
    muscles = [model.getMuscles().get(n) for n in names]
    out = np.empty((len(poses), len(names), 3))
    q = np.radians(poses)
    t0 = time.perf_counter()
    for i, (f, a, r) in enumerate(q):
        flex.setValue(state, f, False)
        add.setValue(state, -a, False)
        rot.setValue(state, -r, False)
        model.realizePosition(state)
        for j, m in enumerate(muscles):
            m.getLength(state)
            out[i, j] = (m.computeMomentArm(state, flex), -m.computeMomentArm(state, add), -m.computeMomentArm(state, rot))
    return time.perf_counter() - t0, 1000.0 * out


def main(data_dir=None, osim: str | None = None) -> dict:
    model = load_model(data_dir)
    paths = model.paths
    n_lines = len(paths)
    pose = np.array([[30.0, 10.0, 15.0]])
    moment_arms(paths, pose)  # warm-up

    one_median, one_p95 = _median_time(lambda: moment_arms(paths, pose), 2000)
    one_fd, _ = _median_time(lambda: moment_arms_fd(paths, pose), 500)
    draw_median, _ = _median_time(lambda: paths.polylines(pose[0]), 300)
    er = MOTIONS["external_rotation"]
    # What the session computes once per pose for every consumer: the mechanics result, then
    # the ranked table the actions panel shows.
    result_median, _ = _median_time(lambda: model.actions.at_pose(pose).table(er), 500)
    poses = sweep_poses()
    sweep_median, _ = _median_time(lambda: moment_arms(paths, poses), 9)
    fd_median, _ = _median_time(lambda: moment_arms_fd(paths, poses), 5)
    t0 = time.perf_counter()
    looped = moment_arms_loop(paths, poses)
    loop_time = time.perf_counter() - t0
    analytic = moment_arms(paths, poses)
    max_diff = float(np.max(np.abs(looped - analytic)))
    per_line_pose = sweep_median / (len(poses) * n_lines) * 1e6

    figures = {
        "lines": n_lines,
        "one_pose_median_ms": one_median * 1e3,
        "one_pose_p95_ms": one_p95 * 1e3,
        "one_pose_fd_median_ms": one_fd * 1e3,
        "draw_paths_median_ms": draw_median * 1e3,
        "mechanics_result_median_ms": result_median * 1e3,
        "sweep_poses": len(poses),
        "sweep_median_s": sweep_median,
        "sweep_us_per_line_pose": per_line_pose,
        "fd_sweep_us_per_line_pose": fd_median / (len(poses) * n_lines) * 1e6,
        "loop_sweep_s": loop_time,
        "speedup": loop_time / sweep_median,
        "loop_vs_analytic_max_diff_mm": max_diff,
    }
    print(f"mechanics benchmark ({platform.processor() or platform.machine()}, numpy {np.__version__})")
    print(f"  lines of action: {n_lines} (all muscles, compartments and the sciatic nerve)")
    print(f"  one pose update, all paths + moment arms for 3 coordinates: median {one_median * 1e3:.3f} ms, "
          f"p95 {one_p95 * 1e3:.3f} ms  (target <= 0.1 ms; finite differences: {one_fd * 1e3:.3f} ms)")
    print(f"  drawn paths (polylines with wrap arcs) for one pose: median {draw_median * 1e3:.3f} ms")
    print(f"  one mechanics result (lengths, moment arms, roles) and its ranked table: "
          f"median {figures['mechanics_result_median_ms']:.3f} ms")
    print(f"  full sweep, flexion 0..120 every 1 deg x rotation -40..50 every 5 deg = {len(poses)} poses: "
          f"median {sweep_median * 1e3:.1f} ms = {per_line_pose:.2f} us per line-pose for 3 coordinates "
          f"(target <= 2 us; finite differences: {figures['fd_sweep_us_per_line_pose']:.2f} us)")
    print(f"  same sweep as a per-pose Python loop of finite differences: {loop_time:.3f} s -> "
          f"x{figures['speedup']:.1f} (max difference {max_diff:.2e} mm)")
    torus_median, _ = _median_time(lambda: torus_segment(*_torus_batch()), 15)
    figures["torus_1000_segments_ms"] = torus_median * 1e3
    print(f"  torus wrap kernel, 1000 lines through a ring at 0..85 deg from its axis: median "
          f"{torus_median * 1e3:.1f} ms (target well under 100 ms)")
    if osim:
        figures.update(_opensim_figures(Path(osim)))
    return figures


def _torus_batch(k: int = 1000, tube: float = 10.0, ring: float = 30.0):
    """Arguments of :func:`torus_segment` for ``k`` lines (fixed seed) that cross a ring's plane
    over the tube's inner part at 0-85 deg from its axis, each end 5 mm or more beyond the faces."""
    rng = np.random.default_rng(0)
    ang = rng.uniform(0.0, 2.0 * np.pi, k)
    rho = rng.uniform(ring - tube + 1.0, ring - 1.0, k)
    tilt = np.radians(rng.uniform(0.0, 85.0, k))
    turn = rng.uniform(0.0, 2.0 * np.pi, k)
    cross = np.stack([rho * np.cos(ang), rho * np.sin(ang), np.zeros(k)], 1)
    d = np.stack([np.sin(tilt) * np.cos(turn), np.sin(tilt) * np.sin(turn), np.cos(tilt)], 1)
    reach = np.maximum(rng.uniform(35.0, 80.0, (2, k)), (tube + 5.0) / np.cos(tilt))[..., None]
    return cross + d * reach[0], cross - d * reach[1], np.zeros(3), np.eye(3), tube, ring


def _opensim_figures(osim_file: Path) -> dict:
    try:
        import opensim  # noqa: F401
    except ImportError:
        print("  OpenSim comparison skipped: the opensim package is not installed")
        return {}
    from viewer.meshgen.osim_import import import_osim

    with tempfile.TemporaryDirectory() as tmp:
        import_osim(osim_file, tmp)
        model = load_model(tmp)
        paths = model.paths
        names = list(paths.ids)
        poses = osim_sweep_poses()
        ours, _ = _median_time(lambda: paths.lengths_and_moment_arms(poses), 9)
        ours_r = paths.lengths_and_moment_arms(poses)[1]
    theirs, theirs_r = time_opensim(osim_file, names, poses)
    cells = len(poses) * len(names)
    figures = {
        "osim_model": osim_file.name,
        "osim_lines": len(names),
        "osim_poses": len(poses),
        "viewer_s": ours,
        "opensim_s": theirs,
        "viewer_us_per_line_pose": ours / cells * 1e6,
        "opensim_us_per_line_pose": theirs / cells * 1e6,
        "ratio": theirs / ours,
        "max_moment_arm_difference_mm": float(np.max(np.abs(ours_r - theirs_r))),
    }
    print(f"  OpenSim {osim_file.name}: {len(names)} hip muscles x {len(poses)} poses (flexion -10..90, abduction "
          f"-20..20, rotation -30..30), lengths + 3 moment arms:")
    print(f"    viewer {ours * 1e3:.1f} ms ({figures['viewer_us_per_line_pose']:.2f} us per line-pose), "
          f"OpenSim {theirs:.2f} s ({figures['opensim_us_per_line_pose']:.1f} us per line-pose) -> "
          f"ratio x{figures['ratio']:.0f} (target >= 100); largest moment-arm difference "
          f"{figures['max_moment_arm_difference_mm']:.2e} mm")
    return figures


if __name__ == "__main__":
    main()
