"""Muscle paths from published attachment data, registered onto the project's bones by landmarks.

``data/published_paths.yaml`` holds, for the lines a published musculoskeletal model shares
with the viewer, that model's attachment and via points, together with bony landmarks picked
on the same model's bones - all in millimetres in its hip-centred joint frames (X anterior,
Y superior, Z lateral, the conventions of the viewer's frames). Each bone of the project is
matched to the source by a hip-centred, axis-aligned scaling fitted by least squares to the
landmarks both carry (the frames already share origin and axes; a free rotation would tilt
the pelvis and shift every moment arm with flexion). The scaled points become the lines' path
points; their ends are moved onto the project's bone surfaces and become the origin and
insertion landmarks, so the markers sit where the muscles start and end.

The step runs inside ``hip-viewer build-meshes`` after the bones and their landmarks exist,
so new bones with re-picked landmarks of the same names are re-fitted by running it again.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from viewer.core.errors import DataError
from viewer.io.yaml_source import read_yaml

PUBLISHED_PATHS = Path(__file__).parent / "data" / "published_paths.yaml"
BODY_BONES = {"pelvis": ("hip_bone", "sacrum"), "femur": ("femur",)}


@dataclass(frozen=True)
class Registration:
    """Per body: the three axis scales and the landmark residuals (mm) of the fit."""

    scales: dict[str, np.ndarray]
    residuals: dict[str, dict[str, float]]

    def apply(self, body: str, position) -> np.ndarray:
        return self.scales[body] * np.asarray(position, dtype=float)


def load_published(path: Path = PUBLISHED_PATHS) -> dict:
    doc, _ = read_yaml(path)
    for key in ("source", "source_landmarks", "lines"):
        if key not in doc:
            raise DataError("missing required field", file=path, field=key)
    return doc


def fit_registration(source_landmarks: dict, landmarks: dict, file=PUBLISHED_PATHS) -> Registration:
    """Axis scales per body from the landmarks the source and the project both have."""
    scales, residuals = {}, {}
    for body, marks in source_landmarks.items():
        names = [n for n in marks if n in landmarks]
        if len(names) < 3:
            raise DataError(f"registration of {body} needs three shared landmarks, found {names}", file=file,
                            field=f"source_landmarks.{body}")
        S = np.array([marks[n] for n in names], dtype=float)
        D = np.array([landmarks[n].position_mm for n in names], dtype=float)
        s = (S * D).sum(axis=0) / (S * S).sum(axis=0)
        scales[body] = s
        residuals[body] = {n: float(np.linalg.norm(s * S[i] - D[i])) for i, n in enumerate(names)}
    return Registration(scales, residuals)


def refit(path_doc: dict, landmarks: dict, bone_meshes: dict, published: dict | None = None):
    """The path definitions with the published lines re-fitted, and the moved end landmarks.

    Parameters
    ----------
    path_doc : dict
        Path definitions (``wraps`` and ``lines``) in the ISB frames.
    landmarks : dict
        The project's landmarks by name (objects with ``position_mm``, ``bone``).
    bone_meshes : dict
        Bone id -> mesh with ``vertices`` and ``faces`` (for moving the ends onto the bones).

    Returns
    -------
    path_doc, ends, registration
        ``ends`` maps landmark names (``<line>.origin``/``.insertion``) to ``(bone, position)``.
    """
    import trimesh

    from viewer.meshgen.landmarks import closest_points

    published = published or load_published()
    reg = fit_registration(published["source_landmarks"], landmarks)
    doc = copy.deepcopy(path_doc)
    ends: dict[str, tuple[str, np.ndarray]] = {}
    meshes = {bone: trimesh.Trimesh(np.asarray(m.vertices), np.asarray(m.faces), process=False)
              for bone, m in bone_meshes.items()}
    for line_id, spec in published["lines"].items():
        if line_id not in doc["lines"]:
            raise DataError(f"line {line_id!r} is not defined in the muscle paths", file=PUBLISHED_PATHS,
                            field=f"lines.{line_id}")
        points = []
        for k, p in enumerate(spec["points"]):
            if "landmark" in p:
                points.append({"landmark": p["landmark"], **({"offset": p["offset"]} if "offset" in p else {})})
                continue
            if "near" in p:  # a via point of the viewer's own anatomy, placed from one of its landmarks
                mark = landmarks.get(p["near"])
                if mark is None:
                    raise DataError(f"unknown landmark {p['near']!r}", file=PUBLISHED_PATHS,
                                    field=f"lines.{line_id}.points[{k}].near")
                position = np.asarray(mark.position_mm, float) + np.asarray(p.get("offset", (0.0, 0.0, 0.0)), float)
                points.append({"name": p["name"], "body": p["body"], "position": [round(float(x), 3) for x in position]})
                continue
            position = reg.apply(p["body"], p["position"]) + np.asarray(p.get("shift", (0.0, 0.0, 0.0)), float)
            if "extend_mm" in p:  # along the line, away from the next point: same line of action
                q = spec["points"][k + 1]
                nxt = reg.apply(q["body"], q["position"]) + np.asarray(q.get("shift", (0.0, 0.0, 0.0)), float)
                position = position + float(p["extend_mm"]) * (position - nxt) / np.linalg.norm(position - nxt)
            end = {0: "origin", len(spec["points"]) - 1: "insertion"}.get(k)
            if end is not None and p.get("on_bone", True):
                bone, on_bone = _onto_bone(position, p["body"], meshes, closest_points)
                ends[f"{line_id}.{end}"] = (bone, on_bone)
                # ``offset``: the path starts a few mm off the bone (a muscle lying on a surface).
                points.append({"landmark": f"{line_id}.{end}", **({"offset": p["offset"]} if "offset" in p else {})})
            else:
                points.append({"name": p.get("name", f"{spec['source']}_{k + 1}"), "body": p["body"],
                               "position": [round(float(x), 3) for x in position]})
        line = doc["lines"][line_id]
        line["points"] = points
        line["wraps"] = spec.get("wraps", [None] * (len(points) - 1))
    return doc, ends, reg


def _onto_bone(position, body, meshes, closest_points):
    best = None
    for bone in BODY_BONES[body]:
        if bone not in meshes:
            continue
        point, dist = closest_points(meshes[bone], position[None])
        if best is None or dist[0] < best[2]:
            best = (bone, point[0], dist[0])
    if best is None:
        raise DataError(f"no bone mesh for body {body!r}", file=PUBLISHED_PATHS)
    return best[0], best[1]
