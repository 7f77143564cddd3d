"""``hip-viewer import-osim``: write an OpenSim model as a data folder the viewer opens with
``--data DIR`` (``meshes/`` and ``annotations/``).

The folder holds the model's pelvis and femur meshes (``.vtp``, ``.stl``, ``.obj`` and
``.ply``, read with PyVista), every muscle crossing the hip as a line of action with its path
points, conditional points and wrap surfaces (``meshes/muscle_paths.json``), swept muscle
surfaces, origin and insertion landmarks, and generated annotations: the model's name for the
muscle, its group in the model, and a PCSA derived from the maximum isometric force (divided
by the specific tension of :mod:`viewer.core.actions`), marked as an estimate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import yaml

from viewer.core.actions import SPECIFIC_TENSION_N_PER_CM2
from viewer.core.errors import DataError
from viewer.core.motions import POSE_COORDINATES
from viewer.core.paths import PathSet
from viewer.core.sweep import DEFAULT_RING, DEFAULT_STATIONS, sweep_faces, sweep_vertices
from viewer.io import meshes as meshio
from viewer.io.osim import FrameMap, OsimModel, OsimWrap, condition_in_pose, read_osim
from viewer.io.paths_file import parse_lines

MESH_SUFFIXES = (".vtp", ".stl", ".obj", ".ply")

#: Nerve supply of the muscles of the common OpenSim lower-limb models, by name stem
#: (standard anatomy; Gray's Anatomy, 42nd ed., 2020). Muscles not listed get no roots and a
#: note saying so.
INNERVATION: dict[str, tuple[str, list[str]]] = {
    "glut_max": ("Inferior gluteal nerve", ["L5", "S1", "S2"]),
    "glmax": ("Inferior gluteal nerve", ["L5", "S1", "S2"]),
    "glut_med": ("Superior gluteal nerve", ["L4", "L5", "S1"]),
    "glmed": ("Superior gluteal nerve", ["L4", "L5", "S1"]),
    "glut_min": ("Superior gluteal nerve", ["L4", "L5", "S1"]),
    "glmin": ("Superior gluteal nerve", ["L4", "L5", "S1"]),
    "tfl": ("Superior gluteal nerve", ["L4", "L5", "S1"]),
    "peri": ("Nerve to piriformis", ["S1", "S2"]),
    "piri": ("Nerve to piriformis", ["S1", "S2"]),
    "gem": ("Nerve to obturator internus and nerve to quadratus femoris", ["L4", "L5", "S1", "S2"]),
    "quad_fem": ("Nerve to quadratus femoris", ["L4", "L5", "S1"]),
    "iliacus": ("Femoral nerve", ["L2", "L3"]),
    "psoas": ("Anterior rami of the lumbar nerves", ["L1", "L2", "L3"]),
    "add_long": ("Obturator nerve", ["L2", "L3", "L4"]),
    "addlong": ("Obturator nerve", ["L2", "L3", "L4"]),
    "add_brev": ("Obturator nerve", ["L2", "L3", "L4"]),
    "addbrev": ("Obturator nerve", ["L2", "L3", "L4"]),
    "add_mag": ("Obturator nerve and tibial part of the sciatic nerve", ["L2", "L3", "L4"]),
    "addmag": ("Obturator nerve and tibial part of the sciatic nerve", ["L2", "L3", "L4"]),
    "pect": ("Femoral nerve (sometimes also the obturator nerve)", ["L2", "L3"]),
    "grac": ("Obturator nerve", ["L2", "L3"]),
    "sar": ("Femoral nerve", ["L2", "L3"]),
    "rect_fem": ("Femoral nerve", ["L2", "L3", "L4"]),
    "recfem": ("Femoral nerve", ["L2", "L3", "L4"]),
    "semimem": ("Tibial part of the sciatic nerve", ["L5", "S1", "S2"]),
    "semiten": ("Tibial part of the sciatic nerve", ["L5", "S1", "S2"]),
    "bifemlh": ("Tibial part of the sciatic nerve", ["L5", "S1", "S2"]),
    "bflh": ("Tibial part of the sciatic nerve", ["L5", "S1", "S2"]),
}

_PALETTE = ["#b5524a", "#c0645a", "#a84c48", "#c97a5e", "#9e4a52", "#b86a4f", "#a35a5a", "#c4705f"]


def _snake(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    s = re.sub(r"_+", "_", s)
    return s if s and s[0].isalpha() else f"m_{s}"


def _display(name: str) -> str:
    words = re.sub(r"[_\-]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else name


def find_mesh(mesh_file: str, search: list[Path]) -> Path | None:
    """The mesh file in the first folder of ``search`` that has it (same stem, any readable suffix)."""
    stem = Path(mesh_file).stem
    for folder in search:
        direct = folder / mesh_file
        if direct.is_file():
            return direct
        for suffix in MESH_SUFFIXES:
            candidate = folder / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def read_surface(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Triangles of a surface mesh file (any format PyVista reads), vertices ``(n, 3)``, faces ``(m, 3)``."""
    import pyvista as pv

    try:
        mesh = pv.read(str(path))
    except Exception as exc:  # noqa: BLE001 - any reader failure is a data problem
        raise DataError(f"cannot read the mesh ({exc})", file=path) from None
    surf = (mesh if isinstance(mesh, pv.PolyData) else mesh.extract_surface()).triangulate().clean()
    if surf.n_cells == 0:
        raise DataError("the mesh has no surface triangles", file=path)
    faces = np.asarray(surf.faces).reshape(-1, 4)[:, 1:]
    return np.asarray(surf.points, dtype=float), faces.astype(np.int64)


def _wrap_spec(w: OsimWrap, fm: FrameMap, method: str = "hybrid") -> dict:
    """A wrap object as a ``muscle_paths.json`` wrap definition (mm, viewer frames); ``method``
    is the plane method of the path wrap (ellipsoids)."""
    body = fm.body_of(w.body)
    centre = fm.point(w.body, w.transform[:3, 3])
    rot = fm.rotation(w.body) @ w.transform[:3, :3]
    spec: dict = {"kind": w.kind, "body": body, "centre": _round(centre)}
    if w.kind == "sphere":
        spec["radius"] = round(1000.0 * w.radius, 6)
    elif w.kind == "cylinder":
        spec["radius"] = round(1000.0 * w.radius, 6)
        spec["axis"] = _round(rot[:, 2], 9)
        spec["length"] = round(1000.0 * w.length, 6)
    elif w.kind == "torus":
        spec["radius"] = round(1000.0 * w.radius, 6)
        spec["ring_radius"] = round(1000.0 * w.ring_radius, 6)
        spec["axes"] = [_round(rot[:, k], 9) for k in range(3)]
        spec["method"] = "opensim"
    else:
        spec["semi_axes"] = _round(1000.0 * w.semi_axes)
        spec["axes"] = [_round(rot[:, k], 9) for k in range(3)]
        spec["method"] = method
    quadrant = w.quadrant.replace(" ", "")
    if quadrant not in ("all", ""):
        m = re.fullmatch(r"([+-])([xyz])", quadrant)
        if m is None or (w.kind in ("cylinder", "torus") and m.group(2) == "z"):
            raise ValueError(f"quadrant {w.quadrant!r} of wrap object {w.name!r}")
        sign = 1.0 if m.group(1) == "+" else -1.0
        spec["side"] = _round(sign * rot[:, "xyz".index(m.group(2))], 9)
        if w.kind in ("sphere", "ellipsoid"):
            spec["side_on_contact"] = True
        if w.kind == "sphere":
            spec["method"] = "opensim"
    return spec


def _round(v, digits: int = 6) -> list[float]:
    return [round(float(x), digits) for x in np.asarray(v, dtype=float)]


def convert(osim: OsimModel) -> tuple[dict, dict, list[str]]:
    """The path document and landmarks of an imported model, plus notices for what was left out."""
    fm = FrameMap(osim)
    notices = list(osim.notices)
    wraps_doc: dict[str, dict] = {}
    lines_doc: dict[str, dict] = {}
    landmarks: dict[str, dict] = {}
    used_ids: set[str] = set()
    for muscle in osim.muscles:
        mid = _snake(muscle.name)
        if mid in used_ids:
            notices.append(f"{osim.file}: muscle {muscle.name!r} left out: its id {mid!r} is taken")
            continue
        points = []
        for p in muscle.points:
            entry = {"name": p.name, "body": fm.body_of(p.body), "position": _round(fm.point(p.body, p.location), 4)}
            if p.condition is not None:
                k, lo, hi = condition_in_pose(*p.condition, osim.hip)
                entry["condition"] = {"coordinate": POSE_COORDINATES[k], "range": [round(lo, 6), round(hi, 6)]}
            points.append(entry)
        if points[0].get("condition") or points[-1].get("condition"):
            notices.append(f"{osim.file}: muscle {muscle.name!r} left out: its origin or insertion is conditional")
            continue
        seg_wraps: list[str | None] = [None] * (len(points) - 1)
        problem = None
        for wname, first, last, method in muscle.wraps:
            w = osim.wraps[wname]
            try:
                spec = _wrap_spec(w, fm, method)
            except ValueError as exc:
                problem = f"unsupported {exc}"
                break
            key = _snake(wname) if w.kind != "ellipsoid" or method == "hybrid" else _snake(f"{wname}_{method}")
            wraps_doc[key] = spec
            lo = 0 if first < 1 else first - 1
            hi = len(points) - 1 if last < 1 else min(last - 1, len(points) - 1)
            for k in range(lo, max(hi, lo + 1)):
                if k >= len(seg_wraps):
                    break
                if seg_wraps[k] is not None:
                    problem = f"two wrap objects ({seg_wraps[k]!r}, {key!r}) on one segment"
                    break
                seg_wraps[k] = key
        if problem:
            notices.append(f"{osim.file}: muscle {muscle.name!r} left out: {problem}")
            continue
        pcsa = muscle.max_force / SPECIFIC_TENSION_N_PER_CM2
        width = float(np.clip(2.0 * np.sqrt(100.0 * pcsa / np.pi), 4.0, 60.0))
        lines_doc[mid] = {
            "points": points,
            "wraps": seg_wraps,
            "shape": {"origin": round(width, 2), "belly": round(width * 1.2, 2), "insertion": round(width * 0.5, 2),
                      "thickness": 0.6},
        }
        for end, p in (("origin", points[0]), ("insertion", points[-1])):
            landmarks[f"{mid}.{end}"] = {"bone": _bone_id(osim, p["body"]), "body": p["body"],
                                         "position_mm": p["position"], "on_surface": False}
        used_ids.add(mid)
    return {"wraps": wraps_doc, "lines": lines_doc}, landmarks, notices


def _bone_id(osim: OsimModel, side: str) -> str:
    body = osim.hip.parent_body if side == "pelvis" else osim.hip.child_body
    meshes = osim.bodies.get(body, [])
    return _snake(Path(meshes[0][0]).stem) if meshes else _snake(body)


def _yaml(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def import_osim(model_path: str | Path, out_dir: str | Path, geometry: list[str | Path] | None = None,
                hip_joint: str | None = None) -> tuple[dict, list[str]]:
    """Write the data folder; returns (summary, notices).

    ``geometry`` lists folders searched for the bone meshes before the model's own folder and
    its ``Geometry/`` subfolder.
    """
    osim = read_osim(model_path, hip_joint)
    path_doc, landmarks, notices = convert(osim)
    if not path_doc["lines"]:
        raise DataError("no muscle crossing the hip could be imported", file=osim.file)
    out = Path(out_dir)
    mesh_dir = out / "meshes"
    ann_dir = out / "annotations"
    mesh_dir.mkdir(parents=True, exist_ok=True)
    ann_dir.mkdir(parents=True, exist_ok=True)
    fm = FrameMap(osim)
    search = [Path(g) for g in (geometry or [])] + [osim.file.parent / "Geometry", osim.file.parent]

    meshes: dict[str, tuple] = {}
    bones: dict[str, tuple[str, str, Path]] = {}
    for body in (osim.hip.parent_body, osim.hip.child_body):
        side = fm.body_of(body)
        for mesh_file, scale, frame in osim.bodies.get(body, []):
            found = find_mesh(mesh_file, search)
            if found is None:
                notices.append(f"{osim.file}: mesh {mesh_file!r} of body {body!r} not found "
                               f"(searched: {', '.join(str(s) for s in search)})")
                continue
            vertices, faces = read_surface(found)
            local = (vertices * scale) @ frame[:3, :3].T + frame[:3, 3]
            m = fm.matrix(body)
            sid = _snake(Path(mesh_file).stem)
            meshes[sid] = ("bone", side, local @ m[:3, :3].T + m[:3, 3], faces)
            bones[sid] = (side, body, found)
    lines = parse_lines(path_doc, {}, mesh_dir / meshio.PATHS)
    paths = PathSet(lines)
    polylines = paths.polylines(np.zeros(3))
    faces = sweep_faces(DEFAULT_STATIONS, DEFAULT_RING)
    for line, poly in zip(lines, polylines):
        meshes[line.id] = ("muscle", "pelvis", sweep_vertices(poly, line.shape, DEFAULT_STATIONS, DEFAULT_RING), faces)

    structures = {}
    for sid, (kind, body, vertices, faces_) in meshes.items():
        name = f"{sid}.ply"
        (mesh_dir / name).write_bytes(meshio.ply_bytes(vertices, faces_))
        structures[sid] = {"file": name, "kind": kind, "body": body, "frame": body, "vertices": int(len(vertices)),
                           "triangles": int(len(faces_)), "sha256": meshio.sha256_of(mesh_dir / name)}
    (mesh_dir / meshio.LANDMARKS).write_text(json.dumps(landmarks, indent=1) + "\n", encoding="utf-8")
    (mesh_dir / meshio.PATHS).write_text(json.dumps(path_doc, indent=1) + "\n", encoding="utf-8")
    manifest = {
        "format_version": meshio.FORMAT_VERSION,
        "units": "mm",
        "frames": {
            "pelvis": f"the parent frame of joint {osim.hip.name!r} of {osim.file.name}, turned so that its "
                      "adduction, rotation and flexion axes are X, Y and Z; origin at the joint centre",
            "femur": f"the child frame of joint {osim.hip.name!r}, turned the same way",
        },
        "generator": {"imported_from": osim.file.name, "model": osim.name, "hip_joint": osim.hip.name},
        "landmarks": meshio.LANDMARKS,
        "paths": meshio.PATHS,
        "structures": structures,
    }
    (mesh_dir / meshio.MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    _write_annotations(ann_dir, osim, lines, paths, bones)
    summary = {"muscles": len(lines), "bones": len(bones), "wraps": len(path_doc["wraps"]), "out": str(out)}
    return summary, notices


def _write_annotations(ann_dir: Path, osim: OsimModel, lines, paths: PathSet, bones: dict) -> None:
    muscles = {line.id for line in lines}
    by_name = {_snake(m.name): m for m in osim.muscles}
    group_of: dict[str, str] = {}
    group_names: dict[str, str] = {}
    for gname, members in osim.groups.items():
        for member in members:
            mid = _snake(member)
            if mid in muscles and mid not in group_of:
                group_of[mid] = _snake(gname)
                group_names[_snake(gname)] = gname
    groups = [{"id": "bones", "display_name": "Bones", "description": f"Bone meshes of {osim.file.name}.",
               "order": 0, "members": sorted(bones)}]
    for order, gid in enumerate(dict.fromkeys(group_of[m] for m in sorted(muscles) if m in group_of), start=1):
        members = sorted(m for m in muscles if group_of.get(m) == gid)
        groups.append({"id": gid, "display_name": _display(group_names[gid]),
                       "description": f"Muscles of the group {group_names[gid]!r} of {osim.file.name} "
                                      "(each muscle listed under the first group naming it).",
                       "order": order, "members": members})
    rest = sorted(m for m in muscles if m not in group_of)
    if rest:
        groups.append({"id": "other_muscles", "display_name": "Other muscles",
                       "description": f"Muscles of {osim.file.name} that belong to no group of the model.",
                       "order": len(groups), "members": rest})
    for gid in [g["id"] for g in groups]:
        if gid in muscles or gid in bones:
            raise DataError(f"group id {gid!r} clashes with a structure id", file=osim.file)
    (ann_dir / "layer_groups.yaml").write_text(_yaml({"groups": groups}), encoding="utf-8")

    citation = osim.credits or f"OpenSim model {osim.name} ({osim.file.name})"
    reference = [{"key": "model", "citation": citation}]
    side_bone = {"pelvis": next((b for b, v in bones.items() if v[0] == "pelvis"), None),
                 "femur": next((b for b, v in bones.items() if v[0] == "femur"), None)}
    for sid, (side, body, found) in bones.items():
        partner = side_bone["femur" if side == "pelvis" else "pelvis"] or ("femur" if side == "pelvis" else "pelvis")
        doc = {
            "id": sid, "display_name": _display(Path(found).stem), "latin_name": _display(Path(found).stem),
            "kind": "bone", "layer_group": "bones",
            "summary": f"Surface {found.name} of body {body!r} of the imported model {osim.file.name}.",
            "blood_supply": "Not recorded in the imported model.",
            "features": [{"name": "Imported surface", "text": f"Mesh file {found.name}, scaled as the model states."}],
            "articulations": [{"name": f"Joint {osim.hip.name}", "partner": partner,
                               "type": "Three rotational coordinates",
                               "text": f"Coordinates {', '.join(osim.hip.coordinates)} of the imported model."}],
            "references": reference, "display": {"colour": "#e8dcc4", "opacity": 1.0, "visible": True},
        }
        (ann_dir / f"{sid}.yaml").write_text(_yaml(doc), encoding="utf-8")

    r = paths.lengths_and_moment_arms(np.zeros(3))[1][0]
    words = (("flexion", "extension"), ("abduction", "adduction"), ("external rotation", "internal rotation"))
    for j, line in enumerate(lines):
        m = by_name[line.id]
        actions = []
        for c, (pos, neg) in enumerate(words):
            value = float(r[j, c])
            if abs(value) >= 2.0:
                actions.append((abs(value), f"{pos if value > 0 else neg} (moment arm {abs(value):.0f} mm at the "
                                            "neutral pose, from the imported path)"))
        actions.sort(reverse=True)
        primary = [a[1][0].upper() + a[1][1:] for a in actions] or [
            "No moment arm of 2 mm or more at the neutral pose (from the imported path)"]
        stem = next((k for k in sorted(INNERVATION, key=len, reverse=True) if line.id.startswith(k)), None)
        nerve, roots = INNERVATION[stem] if stem else ("Not recorded in the imported model", [])
        pcsa = m.max_force / SPECIFIC_TENSION_N_PER_CM2
        arch = {"pcsa_cm2": round(pcsa, 3),
                "optimal_fibre_length_cm": round(100.0 * m.optimal_fibre_length, 3) if m.optimal_fibre_length else None,
                "source": "model", "estimate": True,
                "notes": (f"Derived from the model's maximum isometric force of {m.max_force:g} N divided by a specific "
                          f"tension of {SPECIFIC_TENSION_N_PER_CM2:g} N/cm2; no measured value was available to the "
                          "import.")}
        if m.pennation is not None and 0.0 <= np.degrees(m.pennation) <= 90.0:
            arch["pennation_deg"] = round(float(np.degrees(m.pennation)), 2)
        origin, insertion = m.points[0], m.points[-1]
        doc = {
            "id": line.id, "display_name": _display(m.name), "latin_name": _display(m.name), "kind": "muscle",
            "layer_group": group_of.get(line.id, "other_muscles"),
            "summary": f"Muscle {m.name!r} of the imported model {osim.file.name}, with {len(m.points)} path points.",
            "blood_supply": "Not recorded in the imported model.",
            "origin": {"text": f"Path point {origin.name} on body {origin.body!r}.", "landmarks": [f"{line.id}.origin"]},
            "insertion": {"text": f"Path point {insertion.name} on body {insertion.body!r}.",
                          "landmarks": [f"{line.id}.insertion"]},
            "innervation": {"nerve": nerve, "roots": roots,
                            "notes": ("Standard anatomy for the muscle this model name stands for; the model file does "
                                      "not record nerves.") if stem else
                            "The model file does not record nerves and the name is not one the import knows."},
            "actions": {"primary": primary},
            "architecture": arch,
            "references": reference,
            "display": {"colour": _PALETTE[j % len(_PALETTE)], "opacity": 1.0, "visible": True},
        }
        (ann_dir / f"{line.id}.yaml").write_text(_yaml(doc), encoding="utf-8")
