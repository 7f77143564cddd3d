"""Clinical benchmark: the ischiofemoral and quadratus femoris spaces per pose (target <= 2 ms),
batched over a sweep, against the exhaustive comparison of every point pair; greatest stretch;
nerve clearance at one pose."""

from __future__ import annotations

import time

import numpy as np

from viewer.bench.mechanics import _median_time
from viewer.core.nerve import nerve_clearances
from viewer.core.stretch import greatest_stretch
from viewer.io.clinical import clinical_for
from viewer.io.model import load_model


def main(data_dir=None) -> dict:
    model = load_model(data_dir)
    t0 = time.perf_counter()
    data = clinical_for(model)
    setup_s = time.perf_counter() - t0
    spaces = data.space_model
    pose = np.array([[-10.0, -10.0, 20.0]])
    spaces.measure(pose)
    one, one_p95 = _median_time(lambda: spaces.measure(pose), 300)
    rng = np.random.default_rng(0)
    sweep = rng.uniform([-20, -30, -40], [120, 45, 50], (500, 3))
    batch, _ = _median_time(lambda: spaces.measure(sweep), 3)
    gauge = spaces.gauges["ischiofemoral"]
    exhaustive, _ = _median_time(lambda: gauge.measure_exhaustive(pose), 3)
    stretch, _ = _median_time(lambda: greatest_stretch(model.paths, ["piriformis", "obturator_internus"]), 3)
    nerve, _ = _median_time(lambda: nerve_clearances(model.paths, data.nerve, data.nerve_neighbours, pose[0]), 50)
    figures = {
        "space_patch_points": {sid: (len(g.fixed.points_mm), len(g.moving.points_mm)) for sid, g in spaces.gauges.items()},
        "setup_s": setup_s,
        "spaces_one_pose_ms": one * 1e3, "spaces_one_pose_p95_ms": one_p95 * 1e3,
        "spaces_per_pose_in_batch_ms": batch / len(sweep) * 1e3,
        "ischiofemoral_exhaustive_one_pose_ms": exhaustive * 1e3,
        "greatest_stretch_two_lines_s": stretch,
        "nerve_clearance_one_pose_ms": nerve * 1e3,
    }
    print("clinical benchmark")
    for key, value in figures.items():
        print(f"  {key:<40} {value if isinstance(value, dict) else f'{value:.3f}'}")
    return figures
