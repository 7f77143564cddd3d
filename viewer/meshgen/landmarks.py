"""Named bony landmarks and muscle attachments: loading their targets and snapping them onto
the generated bone surfaces.

Targets live in ``data/landmark_targets.yaml`` (mm, in each bone's own frame). A target marked
``surface: true`` (the default) is moved to the closest point of its bone's mesh; how far it
moved is kept as ``snap_distance_mm``. Computed points (joint centres, the centre of a hole)
are marked ``surface: false`` and kept as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import trimesh

from viewer.core.errors import DataError
from viewer.io.yaml_source import read_yaml

DEFAULT_TARGETS_PATH = Path(__file__).parent / "data" / "landmark_targets.yaml"

FRAME_OF_BONE = {"hip_bone": "pelvis", "sacrum": "pelvis", "femur": "femur"}
"""The frame each bone's vertices and landmarks are expressed in."""


@dataclass(frozen=True)
class Landmark:
    """A named point on (or of) a bone.

    Attributes
    ----------
    name : str
        Landmark id, e.g. ``anterior_superior_iliac_spine`` or ``piriformis.origin``.
    bone : str
        Structure id of the bone it belongs to (``hip_bone``, ``sacrum``, ``femur``).
    frame : str
        Frame of ``position_mm``: ``pelvis`` or ``femur``.
    position_mm : numpy.ndarray
        ``(3,)`` position in mm (read-only).
    on_surface : bool
        Whether the point lies on the bone surface (snapped) or is computed.
    snap_distance_mm : float
        How far the target was moved to reach the surface (0 for computed points).
    """

    name: str
    bone: str
    frame: str
    position_mm: np.ndarray
    on_surface: bool
    snap_distance_mm: float

    def __post_init__(self):
        pos = np.array(self.position_mm, dtype=np.float64).reshape(3)
        pos.setflags(write=False)
        object.__setattr__(self, "position_mm", pos)


@dataclass(frozen=True)
class LandmarkTarget:
    """A landmark before snapping: where it should be (mm, in the bone's frame)."""

    name: str
    bone: str
    position_mm: np.ndarray
    on_surface: bool


def load_targets(path: str | Path | None = None) -> dict[str, list[LandmarkTarget]]:
    """Read the landmark targets, grouped by bone id.

    Raises
    ------
    DataError
        If the file is missing or malformed; the message names the file and the field.
    """
    path = Path(path) if path is not None else DEFAULT_TARGETS_PATH
    raw, _ = read_yaml(path)
    if not isinstance(raw, dict):
        raise DataError("expected a mapping of bone ids to landmarks", file=path)
    targets: dict[str, list[LandmarkTarget]] = {}
    for bone, entries in raw.items():
        if bone not in FRAME_OF_BONE:
            raise DataError(f"unknown bone id; allowed: {sorted(FRAME_OF_BONE)}", file=path,
                            field=str(bone))
        if not isinstance(entries, dict):
            raise DataError("expected a mapping of landmark names", file=path, field=bone)
        targets[bone] = [_parse_target(path, bone, name, entry) for name, entry in entries.items()]
    return targets


def _parse_target(path: Path, bone: str, name: str, entry) -> LandmarkTarget:
    field = f"{bone}.{name}"
    if not isinstance(entry, dict) or "position" not in entry:
        raise DataError("expected {position: [x, y, z], surface: true|false}", file=path,
                        field=field)
    unknown = set(entry) - {"position", "surface"}
    if unknown:
        raise DataError(f"unknown keys {sorted(unknown)}", file=path, field=field)
    pos = entry["position"]
    if (not isinstance(pos, list) or len(pos) != 3
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos)):
        raise DataError("position must be a list of three numbers (mm)", file=path,
                        field=f"{field}.position")
    surface = entry.get("surface", True)
    if not isinstance(surface, bool):
        raise DataError("surface must be true or false", file=path, field=f"{field}.surface")
    return LandmarkTarget(name=name, bone=bone, position_mm=np.array(pos, dtype=float),
                          on_surface=surface)


def closest_points(mesh: trimesh.Trimesh, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact closest points on ``mesh`` to ``points`` ``(n, 3)``: ``(n, 3)`` and distances ``(n,)``.

    Tests every triangle (no spatial index needed); fine for the few dozen landmarks per bone.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 3)
    triangles = mesh.triangles
    out = np.empty_like(points)
    for i, p in enumerate(points):
        candidates = trimesh.triangles.closest_point(triangles, np.broadcast_to(p, (len(triangles), 3)))
        d = np.linalg.norm(candidates - p, axis=1)
        out[i] = candidates[np.argmin(d)]
    return out, np.linalg.norm(out - points, axis=1)


def snap(targets: list[LandmarkTarget], mesh: trimesh.Trimesh, max_snap_mm: float,
         path: str | Path | None = None) -> dict[str, Landmark]:
    """Snap the surface targets of one bone onto its ``mesh``.

    Raises
    ------
    DataError
        Naming the landmark, if a target lies further than ``max_snap_mm`` from the surface.
    """
    path = Path(path) if path is not None else DEFAULT_TARGETS_PATH
    surface = [t for t in targets if t.on_surface]
    snapped, dist = (closest_points(mesh, np.array([t.position_mm for t in surface]))
                     if surface else (np.empty((0, 3)), np.empty(0)))
    out: dict[str, Landmark] = {}
    for t, p, d in zip(surface, snapped, dist):
        if d > max_snap_mm:
            raise DataError(f"target is {d:.1f} mm from the generated {t.bone} surface "
                            f"(at most {max_snap_mm:g} mm allowed): the shape misses this "
                            "landmark", file=path, field=f"{t.bone}.{t.name}")
        out[t.name] = Landmark(t.name, t.bone, FRAME_OF_BONE[t.bone], p, True, float(d))
    for t in targets:
        if not t.on_surface:
            out[t.name] = Landmark(t.name, t.bone, FRAME_OF_BONE[t.bone], t.position_mm, False, 0.0)
    return {t.name: out[t.name] for t in targets}


def femur_frame_from_landmarks(head_centre: np.ndarray, medial_epicondyle: np.ndarray,
                               lateral_epicondyle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ISB femur frame (Wu et al. 2002) from its landmarks.

    Y = unit(head centre - knee centre), with the knee centre the midpoint of the epicondyles;
    Z = the medial-to-lateral epicondyle line made orthogonal to Y; X = Y x Z (anterior).

    Returns
    -------
    rotation : numpy.ndarray
        ``(3, 3)``, rows X, Y, Z in the old coordinates.
    origin : numpy.ndarray
        ``(3,)`` the head centre in the old coordinates. New = rotation @ (old - origin).
    """
    knee = 0.5 * (medial_epicondyle + lateral_epicondyle)
    y = head_centre - knee
    y /= np.linalg.norm(y)
    z = lateral_epicondyle - medial_epicondyle
    z -= (z @ y) * y
    z /= np.linalg.norm(z)
    x = np.cross(y, z)
    return np.stack([x, y, z]), np.asarray(head_centre, dtype=float)


def pelvis_frame_from_landmarks(right_asis: np.ndarray, right_psis: np.ndarray, hip_centre: np.ndarray,
                                midline_z_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """The ISB pelvis frame (Wu et al. 2002) from the right-side landmarks.

    Only the right hemipelvis is modelled; the left anterior and posterior superior iliac spines
    are the mirror images of the right ones in the mid-sagittal plane ``Z = midline_z_mm``.
    Z = from the left to the right ASIS; X = in the plane of both ASISs and the midpoint of the
    PSISs, orthogonal to Z, pointing forwards; Y = Z x X (upwards). The origin is the right hip
    joint centre, as the hip joint coordinate system asks.

    Returns
    -------
    rotation : numpy.ndarray
        ``(3, 3)``, rows X, Y, Z in the old coordinates.
    origin : numpy.ndarray
        ``(3,)`` the hip joint centre in the old coordinates. New = rotation @ (old - origin).
    """
    def mirror(p):
        p = np.asarray(p, dtype=float)
        return np.array([p[0], p[1], 2.0 * midline_z_mm - p[2]])

    right_asis = np.asarray(right_asis, dtype=float)
    z = right_asis - mirror(right_asis)
    z /= np.linalg.norm(z)
    mid_asis = 0.5 * (right_asis + mirror(right_asis))
    mid_psis = 0.5 * (np.asarray(right_psis, dtype=float) + mirror(right_psis))
    x = mid_asis - mid_psis
    x -= (x @ z) * z
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    return np.stack([x, y, z]), np.asarray(hip_centre, dtype=float)
