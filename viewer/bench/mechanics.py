"""Mechanics benchmark: one pose update, a full range-of-motion sweep, and the vectorised
speed-up over a per-pose Python loop of the same maths, measured in the same run."""

from __future__ import annotations

import platform
import time

import numpy as np

from viewer.core.moment_arms import moment_arms, moment_arms_loop
from viewer.core.motions import MOTIONS
from viewer.core.sweeps import angle_range, grid_2d
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


def main(data_dir=None) -> dict:
    model = load_model(data_dir)
    paths = model.paths
    n_lines = len(paths)
    pose = np.array([[30.0, 10.0, 15.0]])
    moment_arms(paths, pose)  # warm-up

    one_median, one_p95 = _median_time(lambda: moment_arms(paths, pose), 2000)
    draw_median, _ = _median_time(lambda: paths.polylines(pose[0]), 300)
    er = MOTIONS["external_rotation"]
    # What the session computes once per pose for every consumer: the mechanics result, then
    # the ranked table the actions panel shows.
    result_median, _ = _median_time(lambda: model.actions.at_pose(pose).table(er), 500)
    poses = sweep_poses()
    sweep_median, _ = _median_time(lambda: moment_arms(paths, poses), 7)
    t0 = time.perf_counter()
    looped = moment_arms_loop(paths, poses)
    loop_time = time.perf_counter() - t0
    vectorised = moment_arms(paths, poses)
    max_diff = float(np.max(np.abs(looped - vectorised)))

    figures = {
        "lines": n_lines,
        "one_pose_median_ms": one_median * 1e3,
        "one_pose_p95_ms": one_p95 * 1e3,
        "draw_paths_median_ms": draw_median * 1e3,
        "mechanics_result_median_ms": result_median * 1e3,
        "sweep_poses": len(poses),
        "sweep_median_s": sweep_median,
        "loop_sweep_s": loop_time,
        "speedup": loop_time / sweep_median,
        "loop_vs_vectorised_max_diff_mm": max_diff,
    }
    print(f"mechanics benchmark ({platform.processor() or platform.machine()}, numpy {np.__version__})")
    print(f"  lines of action: {n_lines} (all muscles, compartments and the sciatic nerve)")
    print(f"  one pose update, all paths + moment arms for 3 coordinates: median {figures['one_pose_median_ms']:.3f} ms, "
          f"p95 {figures['one_pose_p95_ms']:.3f} ms  (target <= 1 ms)")
    print(f"  drawn paths (polylines with wrap arcs) for one pose: median {figures['draw_paths_median_ms']:.3f} ms")
    print(f"  one mechanics result (lengths, moment arms, roles) and its ranked table: "
          f"median {figures['mechanics_result_median_ms']:.3f} ms")
    print(f"  full sweep, flexion 0..120 every 1 deg x rotation -40..50 every 5 deg = {len(poses)} poses: "
          f"median {sweep_median:.3f} s  (target <= 0.5 s)")
    print(f"  same sweep as a per-pose Python loop: {loop_time:.3f} s -> vectorised speed-up x{figures['speedup']:.1f} "
          f"(max difference {max_diff:.2e} mm)")
    return figures


if __name__ == "__main__":
    main()
