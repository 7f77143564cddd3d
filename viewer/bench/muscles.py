"""Per-pose cost of the muscle surfaces: bellies from their display fibres against swept tubes.

Steps the femur through a slider-like sequence of poses (1 degree apart) and through jumps
between distant poses, and prints the milliseconds per pose of: the swept tubes along the
mechanics lines (the surfaces drawn before the bellies), the bellies without the bone
push-out, the bellies as drawn (pushed out of the bones), and the sciatic nerve as drawn (its
smooth course kept off the bones). The path computation, common to all, is timed on its own.
"""

from __future__ import annotations

import time

import numpy as np

from viewer.core.kinematics import body_transform
from viewer.core.nerve_course import nerve_vertices
from viewer.core.sweep import Sweeper


def _per_pose_ms(fn, poses, repeats: int = 3) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for pose in poses:
            fn(pose)
        best = min(best, (time.perf_counter() - start) / len(poses) * 1e3)
    return best


def main(data_dir=None) -> None:
    from viewer.io.model import load_model

    model = load_model(data_dir)
    rig = model.bellies
    if rig is None:
        print("muscles: this data folder has no bellies")
        return
    index = {line.id: k for k, line in enumerate(model.paths.lines)}
    drag = [np.array([20.0 + k, 10.0, 5.0]) for k in range(60)]
    jumps = [np.array(p, float) for p in [(0, 0, 0), (90, 0, 30), (-20, 20, -30), (60, 40, 20), (120, -20, 0)] * 6]
    paths = {tuple(p): model.paths.polylines(p) for p in drag + jumps}
    femur = {tuple(p): body_transform("femur", p) for p in drag + jumps}
    lines = [line for line in model.paths.lines if line.id in rig.line_ids]
    sweeper = Sweeper([line.shape for line in lines])

    def tubes(p):
        polys = paths[tuple(p)]
        sweeper([polys[index[line.id]] for line in lines])

    def bellies(grids):
        def run(p):
            polys = paths[tuple(p)]
            rig.vertices([polys[index[i]] for i in rig.line_ids], {"femur": femur[tuple(p)]}, grids)
        return run

    nerves = [line for line in model.paths.lines if line.kind == "nerve"]

    def nerve(p):
        polys = paths[tuple(p)]
        for line in nerves:
            nerve_vertices(polys[index[line.id]], line.shape, model.bone_distance, {"femur": femur[tuple(p)]})

    print(f"muscles: {len(rig.line_ids)} bellies of {rig.fibres} fibres x {rig.stations} stations "
          f"({2 * rig.fibres * rig.stations} vertices each); ms per pose (best of 3)")
    print(f"  paths (mechanics lines, common to all)     {_per_pose_ms(lambda p: model.paths.polylines(p), drag):7.2f}")
    for name, poses in (("slider drag, 1 deg steps", drag), ("jumps between distant poses", jumps)):
        print(f"  {name}:")
        print(f"    swept tubes (before the bellies)          {_per_pose_ms(tubes, poses):7.2f}")
        print(f"    bellies, no bone push-out                 {_per_pose_ms(bellies(()), poses):7.2f}")
        print(f"    bellies as drawn (pushed out of the bones) {_per_pose_ms(bellies(model.bone_distance), poses):7.2f}")
        print(f"    sciatic nerve as drawn (off the bones)     {_per_pose_ms(nerve, poses):7.2f}")


if __name__ == "__main__":
    main()
