"""Load a whole data folder (``meshes/`` and ``annotations/``) into one checked model.

``load_model`` stops at the first problem with one :class:`DataError`; ``validate`` collects
every problem it can find (for ``hip-viewer validate``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from viewer.core.actions import ActionModel
from viewer.core.anatomy import Landmark, MuscleLine
from viewer.core.catalogue import Catalogue, GroupInfo, StructureInfo
from viewer.core.constants import SPECIFIC_TENSION_N_PER_CM2
from viewer.core.errors import DataError
from viewer.core.paths import PathSet
from viewer.core.pose_text import parse_pose
from viewer.core.provenance import MODEL_BASIS, Published, PublishedTable, short_citation
from viewer.core.belly import BellyRig
from viewer.core.sweep import DEFAULT_RING, DEFAULT_STATIONS, sweep_faces
from viewer.io import meshes as meshio
from viewer.io.bellies import load_bellies
from viewer.io.annotations import load_annotations, validate_annotations
from viewer.io.paths_file import parse_lines

#: A surface landmark further than this from its bone's mesh is reported by ``validate``.
LANDMARK_SURFACE_TOLERANCE_MM = 1.0


#: Environment variable naming a data folder to use when no ``--data`` is given.
DATA_ENV = "HIP_VIEWER_DATA"


#: Where an installed package keeps its built-in data (copied there when the wheel is built).
PACKAGED_DATA = "data"


def builtin_data_dir() -> Path:
    """The built-in data folder (holding ``meshes/`` and ``annotations/``).

    An installed wheel carries it inside the package as ``viewer/data/``, found through
    :mod:`importlib.resources`; a checkout (an editable install, or ``PYTHONPATH``) keeps it at
    the top of the repository, beside the package.
    """
    from importlib import resources

    packaged = resources.files("viewer").joinpath(PACKAGED_DATA)
    if isinstance(packaged, Path) and packaged.joinpath("meshes").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


def default_data_dir() -> Path:
    """The data folder used without ``--data``: ``$HIP_VIEWER_DATA`` if set, else the built-in one."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override)
    return builtin_data_dir()


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    """Check that a data folder exists and holds ``meshes/`` and ``annotations/``."""
    folder = default_data_dir() if data_dir is None else Path(data_dir)
    try:
        is_dir = folder.is_dir()
    except (OSError, ValueError):
        is_dir = False
    if not is_dir:
        raise DataError("data folder not found", file=folder)
    for sub in ("meshes", "annotations"):
        try:
            is_dir = (folder / sub).is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            raise DataError(f"data folder has no '{sub}/' folder (a data folder holds meshes/ and annotations/)", file=folder)
    return folder


@dataclass
class HipModel:
    """Everything loaded from a data folder, checked and cross-referenced."""

    data_dir: Path
    annotations: object  # viewer.io.annotations.AnnotationSet
    manifest: dict
    meshes: dict[str, meshio.MeshRecord]
    landmarks: dict[str, Landmark]
    lines: list[MuscleLine]
    paths: PathSet
    actions: ActionModel
    line_structure: dict[str, str] = field(default_factory=dict)
    catalogue: Catalogue | None = None
    published: PublishedTable = field(default_factory=lambda: PublishedTable([]))
    #: The muscles' display fibres (``bellies.json``); lines without one are drawn as swept tubes.
    bellies: BellyRig | None = None
    #: Signed distance grids of the bones, which keep the bellies outside them at every pose.
    bone_distance: tuple = ()

    def model_source(self, muscle_id: str) -> str:
        """How the model's numbers for a muscle (or compartment) are obtained, with the PCSA source."""
        structure = self.structure_of(muscle_id) if muscle_id in self.line_structure else muscle_id
        try:
            ann = self.annotations[structure]
            arch = self.annotations.architecture(muscle_id)
        except (KeyError, DataError):
            return MODEL_BASIS
        if ann.kind != "muscle":
            return MODEL_BASIS
        cite = short_citation(ann.reference(arch.source).citation, arch.source)
        kind = "estimate" if arch.estimate else cite
        return f"{MODEL_BASIS}; PCSA {arch.pcsa_cm2:g} cm² ({kind}); specific tension {SPECIFIC_TENSION_N_PER_CM2:g} N/cm² (Arnold et al. 2010)"

    # -- structure tree (answered by the catalogue) ---------------------------------------
    def structure_of(self, leaf_id: str) -> str:
        """The annotated structure a mesh belongs to (``gluteus_medius.anterior`` -> ``gluteus_medius``)."""
        if self.catalogue is None:  # while assembling, before the catalogue exists
            return self.line_structure.get(leaf_id, leaf_id)
        return self.catalogue.structure_of(leaf_id)

    def leaves(self, structure_id: str) -> list[str]:
        """Mesh ids drawn for a structure (a compartmented muscle has several); [] if unknown."""
        if self.catalogue is None or structure_id not in self.catalogue:
            return [sid for sid in self.meshes if self.structure_of(sid) == structure_id]
        return self.catalogue.leaves(structure_id)

    def display_name(self, some_id: str) -> str:
        """Display name of a structure, compartment or layer group id."""
        return self.catalogue.display_name(some_id)

    def groups(self) -> list[tuple[object, list[str]]]:
        """Layer groups in order (:class:`~viewer.core.catalogue.GroupInfo`), each with its
        structure ids in display order."""
        return [(group, list(group.members)) for group in self.catalogue.groups()]



def build_catalogue(annotations, mesh_ids, lines: list[MuscleLine]) -> Catalogue:
    """The catalogue of a data folder: one record per structure and compartment, one per group."""
    line_structure = {line.id: line.structure for line in lines}
    owned: dict[str, list[str]] = {}
    for line in lines:
        owned.setdefault(line.structure, []).append(line.id)
    records: list[StructureInfo] = []
    for ann in annotations.values():
        leaves = tuple(sid for sid in mesh_ids if line_structure.get(sid, sid) == ann.id)
        pcsa = ann.architecture.pcsa_cm2 if ann.kind == "muscle" else None
        records.append(StructureInfo(
            id=ann.id, display_name=ann.display_name, kind=ann.kind, group=ann.layer_group, leaves=leaves,
            lines=tuple(owned.get(ann.id, ())), synonyms=tuple(ann.synonyms), visible=ann.display.visible,
            opacity=ann.display.opacity, colour=ann.display.colour, pcsa_cm2=pcsa))
        for comp in getattr(ann, "compartments", ()):
            records.append(StructureInfo(
                id=comp.id, display_name=comp.display_name, kind=ann.kind, group=ann.layer_group, leaves=(comp.id,),
                lines=(comp.id,) if comp.id in line_structure else (), parent=ann.id, visible=comp.display.visible,
                opacity=comp.display.opacity, colour=comp.display.colour, pcsa_cm2=comp.architecture.pcsa_cm2))
    groups = []
    for group in annotations.groups:
        members = list(group.members) or [a.id for a in annotations.values() if a.layer_group == group.id]
        groups.append(GroupInfo(group.id, group.display_name, group.order,
                                tuple(m for m in members if m in annotations), group.description))
    return Catalogue.build(records, groups)


def published_table(annotations) -> PublishedTable:
    """Every muscle's ``published`` values, with their citations, for the core."""
    entries = []
    for ann in annotations.values():
        for pub in getattr(ann, "published", ()):
            entries.append(Published(
                muscle=pub.part or ann.id, motion=pub.motion.replace("-", "_"),
                pose_deg=tuple(float(v) for v in parse_pose(pub.pose, field="pose")), source=pub.source,
                citation=ann.reference(pub.source).citation, value_mm=pub.value_mm,
                range_mm=None if pub.range_mm is None else (float(pub.range_mm[0]), float(pub.range_mm[1])),
                note=pub.note))
    return PublishedTable(entries)


def _pcsa_table(annotations) -> dict[str, float]:
    """PCSA (cm^2) for every muscle and compartment id."""
    table: dict[str, float] = {}
    for ann in annotations.values():
        if ann.kind != "muscle":
            continue
        table[ann.id] = ann.architecture.pcsa_cm2
        for comp in ann.compartments:
            table[comp.id] = comp.architecture.pcsa_cm2
    return table


def _check_cross_references(model: HipModel) -> list[DataError]:
    problems: list[DataError] = []
    folder = model.data_dir
    manifest_file = folder / "meshes" / meshio.MANIFEST
    known = set(model.annotations.keys())
    for sid in model.meshes:
        if model.structure_of(sid) not in known:
            problems.append(DataError(f"mesh {sid!r} has no annotation (known: {', '.join(sorted(known))})",
                                      file=manifest_file, field=f"structures.{sid}"))
    for ann in model.annotations.values():
        if not model.leaves(ann.id):
            problems.append(DataError(f"structure {ann.id!r} has no mesh in meshes/{meshio.MANIFEST}",
                                      file=folder / "annotations" / f"{ann.id}.yaml", field="id"))
        for name in ann.landmark_names():
            if name not in model.landmarks:
                problems.append(DataError(f"unknown landmark {name!r}", file=folder / "annotations" / f"{ann.id}.yaml",
                                          field="landmarks"))
    faces = sweep_faces(DEFAULT_STATIONS, DEFAULT_RING)
    rig = model.bellies
    belly_faces = rig.faces() if rig is not None else None
    for line in model.lines:
        mesh = model.meshes.get(line.id)
        if mesh is None:
            problems.append(DataError(f"line {line.id!r} has no mesh", file=folder / "meshes" / meshio.PATHS, field=f"lines.{line.id}"))
        elif rig is not None and line.id in rig.line_ids:
            if mesh.faces.shape != belly_faces.shape or not np.array_equal(mesh.faces, belly_faces):
                problems.append(DataError("is not a muscle belly of the expected topology "
                                          f"({rig.stations} stations x {rig.fibres} fibres, as bellies.json says)",
                                          file=folder / "meshes" / f"{line.id}.ply"))
        elif mesh.faces.shape != faces.shape or not np.array_equal(mesh.faces, faces):
            problems.append(DataError("is not a swept muscle surface of the expected topology "
                                      f"({DEFAULT_STATIONS} stations x {DEFAULT_RING} ring points)",
                                      file=folder / "meshes" / f"{line.id}.ply"))
    return problems


def landmark_surface_problems(model: HipModel, tolerance_mm: float = LANDMARK_SURFACE_TOLERANCE_MM) -> list[DataError]:
    """Surface landmarks further than ``tolerance_mm`` from their bone's mesh."""
    import trimesh  # io may use trimesh; imported here because only validation needs proximity

    problems = []
    path = model.data_dir / "meshes" / meshio.LANDMARKS
    by_bone: dict[str, list[Landmark]] = {}
    for lm in model.landmarks.values():
        if lm.on_surface:
            by_bone.setdefault(lm.bone, []).append(lm)
    for bone, lms in by_bone.items():
        record = model.meshes.get(bone)
        if record is None:
            problems.append(DataError(f"landmarks refer to unknown bone {bone!r}", file=path, field=lms[0].name))
            continue
        mesh = trimesh.Trimesh(record.vertices, record.faces, process=False)
        _, dist, _ = trimesh.proximity.closest_point(mesh, np.array([lm.position_mm for lm in lms]))
        for lm, d in zip(lms, dist):
            if d > tolerance_mm:
                problems.append(DataError(f"is {d:.2f} mm off the surface of {bone} (allowed {tolerance_mm:g} mm)",
                                          file=path, field=lm.name))
    return problems


def _assemble(folder: Path, annotations, manifest: dict, meshes: dict, landmarks: dict) -> HipModel:
    """Build the model from already-loaded parts (paths, actions); cross-references unchecked."""
    path_file, path_doc = meshio.load_path_document(folder / "meshes")
    lines = parse_lines(path_doc, landmarks, path_file, pcsa_cm2=_pcsa_table(annotations))
    for line in lines:
        if line.structure not in annotations:
            raise DataError(f"line {line.id!r} belongs to {line.structure!r}, which has no annotation",
                            file=path_file, field=f"lines.{line.id}")
    paths = PathSet(lines)
    bellies, bone_distance = load_bellies(folder / "meshes", manifest, [line.id for line in lines if line.is_muscle])
    return HipModel(
        data_dir=folder,
        annotations=annotations,
        manifest=manifest,
        meshes=meshes,
        landmarks=landmarks,
        lines=lines,
        paths=paths,
        actions=ActionModel(paths),
        line_structure={line.id: line.structure for line in lines},
        catalogue=build_catalogue(annotations, list(meshes), lines),
        published=published_table(annotations),
        bellies=bellies,
        bone_distance=bone_distance,
    )


def load_model(data_dir: str | Path | None = None, *, check_hash: bool = True) -> HipModel:
    """Load and cross-check a data folder.

    Raises
    ------
    DataError
        The first problem found, naming the file and field.
    """
    folder = resolve_data_dir(data_dir)
    annotations = load_annotations(folder / "annotations")
    manifest, meshes = meshio.load_meshes(folder / "meshes", check_hash=check_hash)
    landmarks = meshio.load_landmarks(folder / "meshes")
    model = _assemble(folder, annotations, manifest, meshes, landmarks)
    problems = _check_cross_references(model)
    if problems:
        raise problems[0]
    return model


def validate(data_dir: str | Path | None = None, *, extra_checks=()) -> list[DataError]:
    """Every problem of a data folder (empty when all is well).

    Each file is read once: the meshes and landmarks checked here are the ones the model is
    assembled from, and every cross-reference problem is reported, not only the first.

    Parameters
    ----------
    extra_checks : sequence of callables
        Each takes the assembled :class:`HipModel` and returns a list of DataErrors (the lessons
        of the data folder are checked this way by ``hip-viewer validate``); run only when the
        model could be assembled.
    """
    try:
        folder = resolve_data_dir(data_dir)
    except DataError as exc:
        return [exc]
    problems: list[DataError] = list(validate_annotations(folder / "annotations"))
    mesh_dir = folder / "meshes"
    try:
        manifest = meshio.read_manifest(mesh_dir)
    except DataError as exc:
        return problems + [exc]
    meshes = {}
    for sid, entry in manifest["structures"].items():
        try:
            meshes[sid] = meshio.load_mesh(mesh_dir, sid, entry)
        except DataError as exc:
            problems.append(exc)
    try:
        landmarks = meshio.load_landmarks(mesh_dir)
    except DataError as exc:
        problems.append(exc)
    if problems:
        return problems
    try:
        model = _assemble(folder, load_annotations(folder / "annotations"), manifest, meshes, landmarks)
    except DataError as exc:
        return [exc]
    problems = _check_cross_references(model) + landmark_surface_problems(model)
    for check in extra_checks:
        problems.extend(check(model))
    return problems
