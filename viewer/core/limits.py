"""Limits on what a data file or a request may ask for, stated in one place.

Every limit is enforced where the data is read or the request parsed, with a message that
quotes it. They are generous for real anatomy and real teaching material, and small enough that
a damaged or hostile file is refused in well under a second and a few megabytes of memory.
"""

from __future__ import annotations

import numpy as np

from viewer.core.errors import DataError

# -- geometry --------------------------------------------------------------------------------------
#: Every coordinate of the anatomy (vertices, landmarks, via points, wrap-surface centres), in its
#: body frame, lies within this many millimetres of the frame's origin (the hip joint centre). A
#: pelvis, a femur and a lower leg with the foot span about 0.95 m, so a cube of ±1 m around the
#: hip holds any real right lower limb in any body frame the project uses.
ANATOMY_EXTENT_MM = 1000.0
#: Largest wrap-surface radius (a cylinder or sphere larger than the whole anatomy wraps nothing).
MAX_WRAP_RADIUS_MM = ANATOMY_EXTENT_MM
#: Consecutive path points on the same body must be at least this far apart: coincident points
#: give a zero-length segment with no direction and a moment arm of 0 mm.
MIN_POINT_SEPARATION_MM = 0.5

# -- files -----------------------------------------------------------------------------------------
#: Largest annotation, lesson or generator YAML file (the built-in ones are under 20 kB).
MAX_YAML_BYTES = 1 << 20
#: Most nodes a YAML document may hold once its aliases are expanded (the built-in ones hold a
#: few hundred): a small file of nested aliases would otherwise stand for billions of values.
MAX_YAML_NODES = 100_000
#: Deepest nesting of a YAML document (the built-in ones nest 6 levels).
MAX_YAML_DEPTH = 64
#: Largest manifest, landmark or muscle-path JSON file.
MAX_JSON_BYTES = 16 << 20
#: Deepest nesting of a JSON document (the built-in ones nest 7 levels).
MAX_JSON_DEPTH = 64
#: Largest mesh file, and most vertices or triangles in one mesh.
MAX_MESH_BYTES = 256 << 20
MAX_MESH_ELEMENTS = 5_000_000

# -- requests --------------------------------------------------------------------------------------
#: Most poses in one ``moment-arms`` sweep.
MAX_SWEEP_SAMPLES = 5000
#: Most steps in one lesson.
MAX_LESSON_STEPS = 200
#: Image side (pixels) and total pixels of one rendered image.
MAX_IMAGE_SIDE = 8192
MAX_IMAGE_PIXELS = 40_000_000
#: Most frames in one animation.
MAX_FRAMES = 2000


def check_within_extent(points_mm, *, what: str, file=None, field: str | None = None) -> np.ndarray:
    """Return ``points_mm`` as a float array after checking every coordinate is finite and within
    :data:`ANATOMY_EXTENT_MM` of the origin.

    Raises
    ------
    DataError
        Naming the first offending point (its index when there are several) and the limit.
    """
    arr = np.asarray(points_mm, dtype=float)
    flat = arr.reshape(-1, arr.shape[-1]) if arr.ndim > 1 else arr.reshape(1, -1)
    bad = ~np.all(np.isfinite(flat) & (np.abs(flat) <= ANATOMY_EXTENT_MM), axis=1)
    if np.any(bad):
        i = int(np.argmax(bad))
        where = f"{what} {i}" if len(flat) > 1 else what
        coords = ", ".join(f"{v:.6g}" for v in flat[i])
        raise DataError(f"{where} at ({coords}) mm is not finite or lies outside the anatomy's bounding box "
                        f"(every coordinate within ±{ANATOMY_EXTENT_MM:g} mm of the hip joint centre)",
                        file=file, field=field)
    return arr
