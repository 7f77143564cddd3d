"""Annotation metadata: the schema of ``annotations/*.yaml``, its loader and its validator.

This module owns the boundary between the hand-written anatomy files and the typed objects the
rest of the program trusts. Files are parsed with PyYAML, checked for structure and types with
pydantic (``extra='forbid'``: an unknown key is an error, never silently ignored) and then checked
for the cross-field rules that a type system cannot express. Every problem becomes one
:class:`viewer.core.errors.DataError` naming the file, the dotted field and what is allowed::

    annotations/piriformis.yaml: origin: missing required field
    annotations/x.yaml: display.opacity: 1.7 is out of range 0..1 (line 40)
    annotations/x.yaml: layer_group: 'glutes' is not a known layer group (allowed: bones, ...)

API: :func:`load_annotations` (folder → :class:`AnnotationSet`, raises the first problem),
:func:`validate_annotations` (folder → every problem, for a ``validate`` command),
:func:`load_annotation` (one file) and :func:`load_layer_groups`.

Files
-----
``layer_groups.yaml``
    ``groups:`` a list of ``{id, display_name, description, order, members}``. ``members``
    (optional) lists the structure ids of the group in display order; when given it must name
    every structure of the group and nothing else.
``<id>.yaml``
    One structure. The file name (without ``.yaml``) must equal its ``id``.

Fields of every structure
-------------------------
``id`` (lower snake case), ``display_name``, ``latin_name``, ``synonyms`` (list),
``kind`` (``bone`` | ``muscle`` | ``nerve``), ``layer_group`` (an id from ``layer_groups.yaml``),
``summary`` (a short introduction paragraph), ``blood_supply``,
``neighbours`` (list of ``{structure, relation}``; ``structure`` is a structure id — which must
exist — or a free name with capitals or spaces),
``clinical_relevance`` (list of ``{topic, text}``), ``variations`` (list of text),
``faq`` (list of ``{question, answer}``), ``references`` (list of ``{key, citation}``; full
citations), ``display`` (``{colour: '#rrggbb', opacity: 0..1, visible: bool}``) and the optional
``clinical_overview`` described below.

Kind-specific fields
--------------------
muscle (required)
    ``origin`` and ``insertion``: ``{text, landmarks: [names]}``, landmark names
    ``<muscle>[.<compartment>].origin`` / ``.insertion``;
    ``innervation``: ``{nerve, roots: [L4, L5, S1 ...], notes}`` (roots may be empty only with
    ``notes`` saying why);
    ``actions``: ``{primary: [...], secondary: [...], position_dependence: text}``;
    ``architecture``: see below; ``compartments`` (optional list, see below);
    ``published`` (optional list, see below).
bone
    ``features`` (list of ``{name, landmark (optional), text}``) and ``articulations`` (list of
    ``{name, partner, type, text}``). Bones have no origin, insertion, actions or architecture.
nerve
    ``roots`` (list of spinal roots), ``course`` (list of ``{region, text, landmark (optional)}``),
    ``supplies`` (list of muscles or regions) and the optional ``sensory`` text.

Architecture
------------
``{pcsa_cm2, optimal_fibre_length_cm, source, pennation_deg, estimate, notes}``. ``source`` must be
the ``key`` of one of the file's ``references``. A value that is not a published measurement is
marked ``estimate: true`` and its reasoning is given in ``notes``; a fibre length that is not
known is written ``null`` and explained in ``notes``.

Published values
----------------
``published: [{motion, pose, value_mm | range_mm, source, part, note}]``: moment arms measured on
cadavers or reported by other models, shown beside the model's own value. ``motion`` is one of the
six motions (+ = the muscle produces it), ``pose`` pose text such as ``flexion=90`` (unnamed
coordinates 0, inside the joint's range), exactly one of ``value_mm`` or ``range_mm: [low, high]``,
``source`` a ``key`` of the file's ``references``, ``part`` (optional) a compartment id of the
muscle when the figure belongs to one part, and ``note`` how the figure was obtained.

Compartments
------------
``{id, display_name, origin, insertion, architecture, actions (short list), display, notes}``;
``id`` is ``<muscle id>.<part>`` (e.g. ``gluteus_medius.anterior``) and its landmarks are
``<compartment id>.origin`` / ``.insertion``.

Clinical overview (optional; the info panel shows each non-empty part as a headed section)
---------------------------------------------------------------------------------------
``purpose`` (list; what the structure does and why it matters), ``indications`` (list; when
clinicians turn their attention to it), ``not_the_focus`` (list; presentations in which it is
usually not the main concern), ``mechanism`` (text; how it works), ``relevant_anatomy`` (text),
``onset_and_reversibility`` (text), ``evaluation_workflow`` (list of ``{step, text}``), ``pros`` and
``cons`` (lists; strengths and limitations of the structure as a clinical consideration),
``aftercare_factors`` (list), ``outlook`` (text) and ``alternatives_and_comparisons`` (list of
``{topic, text}``). :data:`CLINICAL_OVERVIEW_TITLES` gives the heading of each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from pydantic import ValidationError

from viewer.core.errors import DataError
from viewer.io.annotation_schema import (  # noqa: F401 - the schema's names are part of this API
    _ANNOTATION_ADAPTER,
    _ID_RE,
    _MODEL_BY_KIND,
    CLINICAL_OVERVIEW_TITLES,
    KINDS,
    LAYER_GROUPS_FILE,
    Actions,
    Annotation,
    Architecture,
    Attachment,
    BoneAnnotation,
    ClinicalOverview,
    Compartment,
    Display,
    Innervation,
    LayerGroup,
    PublishedValue,
    MuscleAnnotation,
    NerveAnnotation,
    UnknownStructureError,
    _AnnotationBase,
    _LayerGroupsFile,
)
from viewer.io.published import published_problems
from viewer.io.validation import describe, errors_from_validation, located
from viewer.io.yaml_source import display_path, read_yaml

__all__ = [
    "Actions",
    "Annotation",
    "AnnotationSet",
    "Architecture",
    "Attachment",
    "BoneAnnotation",
    "CLINICAL_OVERVIEW_TITLES",
    "ClinicalOverview",
    "Compartment",
    "Display",
    "Innervation",
    "LAYER_GROUPS_FILE",
    "LayerGroup",
    "MuscleAnnotation",
    "NerveAnnotation",
    "UnknownStructureError",
    "load_annotation",
    "load_annotations",
    "load_layer_groups",
    "validate_annotations",
]


# --------------------------------------------------------------------------------------------
# Cross-field rules
# --------------------------------------------------------------------------------------------


def _identity_errors(
    data: dict, path: Path, lines: Mapping[tuple, int], group_ids: list[str] | None
) -> list[tuple[int, DataError]]:
    """``id`` against the file name and ``layer_group`` against the known groups.

    Run on the raw data, so that these are reported even when other fields have type errors.
    """
    shown = display_path(path)
    errors = []
    sid = data.get("id")
    if isinstance(sid, str) and sid != path.stem:
        errors.append(located(
            f"{sid!r} does not match the file name (expected {path.stem!r})", shown, ("id",),
            lines))
    group = data.get("layer_group")
    if group_ids is not None and isinstance(group, str) and group not in group_ids:
        errors.append(located(
            f"{group!r} is not a known layer group (allowed: {', '.join(group_ids)})",
            shown, ("layer_group",), lines))
    return errors


def _semantic_errors(
    ann: _AnnotationBase, path: Path, lines: Mapping[tuple, int]
) -> list[tuple[int, DataError]]:
    """Rules across fields of one validated record."""
    shown = display_path(path)
    errors: list[tuple[int, DataError]] = []

    def add(loc: tuple, reason: str) -> None:
        errors.append(located(reason, shown, loc, lines))

    keys = [r.key for r in ann.references]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            add(("references", i, "key"), f"duplicate reference key {key!r}")

    def check_architecture(arch: Architecture, loc: tuple) -> None:
        if arch.source not in keys:
            add(
                (*loc, "source"),
                f"{arch.source!r} is not a key in references "
                f"(allowed: {', '.join(keys) or 'none'})",
            )
        if arch.estimate and len(arch.notes.split()) < 5:
            add((*loc, "notes"), "an estimate needs its reasoning in notes")
        if arch.optimal_fibre_length_cm is None and len(arch.notes.split()) < 5:
            add((*loc, "notes"), "a missing fibre length needs an explanation in notes")

    if isinstance(ann, MuscleAnnotation):
        # compartments first: the muscle's own landmark names depend on their ids
        seen: list[str] = []
        bad_ids = False
        for ci, comp in enumerate(ann.compartments):
            loc = ("compartments", ci)
            if not comp.id.startswith(ann.id + "."):
                bad_ids = True
                add((*loc, "id"), f"{comp.id!r} must start with the muscle id ('{ann.id}.<part>')")
            elif comp.id in seen:
                add((*loc, "id"), f"duplicate compartment id {comp.id!r}")
            seen.append(comp.id)
            for side in ("origin", "insertion"):
                for i, name in enumerate(getattr(comp, side).landmarks):
                    if name != f"{comp.id}.{side}":
                        add(
                            (*loc, side, "landmarks", i),
                            f"{name!r} is not a landmark of this compartment "
                            f"(allowed: {comp.id}.{side})",
                        )
            check_architecture(comp.architecture, (*loc, "architecture"))
        parts = [ann.id, *ann.compartment_ids]
        for side in ("origin", "insertion") if not bad_ids else ():  # else: already reported
            for i, name in enumerate(getattr(ann, side).landmarks):
                stem, _, suffix = name.rpartition(".")
                if suffix != side or stem not in parts:
                    add(
                        (side, "landmarks", i),
                        f"{name!r} is not a landmark of this muscle "
                        f"(allowed: {', '.join(f'{p}.{side}' for p in parts)})",
                    )
        check_architecture(ann.architecture, ("architecture",))
        if not ann.innervation.roots and len(ann.innervation.notes.split()) < 5:
            add(("innervation", "roots"), "no spinal roots given: say why in innervation.notes")
        for i, pub in enumerate(ann.published):
            for reason, where in published_problems(pub, keys, [ann.id, *ann.compartment_ids]):
                add(("published", i, where), reason)
    return errors


# --------------------------------------------------------------------------------------------
# Public loading API
# --------------------------------------------------------------------------------------------


def _parse_annotation(
    path: Path, group_ids: list[str] | None
) -> tuple[_AnnotationBase | None, list[DataError]]:
    """Parse and check one file.

    Returns the record (None if its structure or types are invalid) and every problem found, in
    the order they appear in the file.
    """
    shown = display_path(path)
    try:
        data, lines = read_yaml(path)
    except DataError as exc:
        return None, [exc]
    if data is None:
        return None, [DataError("file is empty (expected a mapping of fields)", file=shown)]
    if not isinstance(data, dict):
        return None, [
            DataError(f"expected a mapping of fields, got {describe(data)}", file=shown)
        ]
    found = _identity_errors(data, path, lines, group_ids)
    kind = data.get("kind")
    root = _MODEL_BY_KIND.get(kind) if isinstance(kind, str) else None
    ann = None
    try:
        ann = _ANNOTATION_ADAPTER.validate_python(data)
    except ValidationError as exc:
        found += errors_from_validation(exc, shown, lines, root, tags=KINDS)
    else:
        found += _semantic_errors(ann, path, lines)
    found.sort(key=lambda item: item[0])  # stable: same-line problems keep their order
    return ann, [err for _, err in found]


def load_annotation(path: str | Path, layer_groups: list[str] | None = None):
    """Load and validate one structure's annotation file.

    Parameters
    ----------
    path : str or Path
        The ``<id>.yaml`` file.
    layer_groups : list of str, optional
        Known layer-group ids; when given, ``layer_group`` must be one of them. When omitted,
        the ``layer_groups.yaml`` beside the file is used if it exists.

    Returns
    -------
    BoneAnnotation | MuscleAnnotation | NerveAnnotation

    Raises
    ------
    DataError
        On the first problem, naming the file, the field and what is allowed.
    """
    path = Path(path)
    if layer_groups is None and (path.parent / LAYER_GROUPS_FILE).is_file():
        layer_groups = [g.id for g in load_layer_groups(path.parent / LAYER_GROUPS_FILE)]
    ann, errors = _parse_annotation(path, layer_groups)
    if errors:
        raise errors[0]
    return ann


def _parse_layer_groups(path: Path) -> tuple[list[LayerGroup], list[DataError]]:
    shown = display_path(path)
    try:
        data, lines = read_yaml(path)
    except DataError as exc:
        return [], [exc]
    if not isinstance(data, dict):
        return [], [
            DataError(f"expected a mapping with 'groups', got {describe(data)}", file=shown)
        ]
    try:
        parsed = _LayerGroupsFile.model_validate(data)
    except ValidationError as exc:
        found = errors_from_validation(exc, shown, lines, _LayerGroupsFile)
        return [], [err for _, err in sorted(found, key=lambda item: item[0])]
    errors = []
    ids = [g.id for g in parsed.groups]
    for i, gid in enumerate(ids):
        if gid in ids[:i]:
            errors.append(
                DataError(f"duplicate layer group id {gid!r}", file=shown, field=f"groups[{i}].id")
            )
    return sorted(parsed.groups, key=lambda g: g.order), errors


def load_layer_groups(path: str | Path) -> list[LayerGroup]:
    """Load ``layer_groups.yaml``; groups are returned sorted by ``order``."""
    groups, errors = _parse_layer_groups(Path(path))
    if errors:
        raise errors[0]
    return groups


def _collect(folder: Path) -> tuple[AnnotationSet | None, list[DataError]]:
    shown = display_path(folder)
    if not folder.is_dir():
        return None, [DataError("annotation folder not found", file=shown)]
    groups_path = folder / LAYER_GROUPS_FILE
    if not groups_path.is_file():
        return None, [DataError("missing file (it lists the layer groups)",
                                file=display_path(groups_path))]
    groups, errors = _parse_layer_groups(groups_path)
    group_ids = [g.id for g in groups] if groups else None

    files = sorted(p for p in folder.glob("*.yaml") if p.name != LAYER_GROUPS_FILE)
    files += sorted(folder.glob("*.yml"))
    if not files:
        errors.append(DataError("no annotation files (*.yaml) found", file=shown))
    records: dict[str, _AnnotationBase] = {}
    where: dict[str, Path] = {}
    # ids of files that exist but failed: already reported, so not reported again as missing
    attempted = {p.stem for p in files}
    for path in files:
        if path.suffix == ".yml":
            errors.append(DataError("annotation files must end in .yaml",
                                    file=display_path(path)))
            continue
        ann, problems = _parse_annotation(path, group_ids)
        errors += problems
        if ann is None:
            continue
        ids = [ann.id]
        if isinstance(ann, MuscleAnnotation):
            ids += ann.compartment_ids
        for sid in ids:
            if sid in where:
                errors.append(DataError(
                    f"duplicate id {sid!r} (also defined in {display_path(where[sid])})",
                    file=display_path(path), field="id",
                ))
            else:
                where[sid] = path
        if ann.id not in records:
            records[ann.id] = ann

    # a neighbour written as an id (lower snake case, no spaces) must name a known structure
    known = set(where) | attempted
    for sid, ann in records.items():
        for ni, nb in enumerate(ann.neighbours):
            if _ID_RE.match(nb.structure) and nb.structure not in known:
                errors.append(DataError(
                    f"{nb.structure!r} is not a known structure id (write a free name with "
                    f"capitals or spaces, or use one of: {', '.join(sorted(known))})",
                    file=display_path(where[sid]), field=f"neighbours[{ni}].structure"))

    # group membership lists, when given, must match the structures' own layer_group
    for gi, group in enumerate(groups):
        if not group.members:
            continue
        actual = [a.id for a in records.values() if a.layer_group == group.id]
        for mi, member in enumerate(group.members):
            if member not in records and member in attempted:
                continue
            if member not in records:
                errors.append(DataError(
                    f"{member!r} has no annotation file (expected {member}.yaml)",
                    file=display_path(groups_path), field=f"groups[{gi}].members[{mi}]"))
            elif records[member].layer_group != group.id and records[member].layer_group in (
                group_ids or []
            ):  # an unknown layer_group is reported with the structure's own file
                errors.append(DataError(
                    f"{member!r} belongs to layer group {records[member].layer_group!r}, "
                    f"not {group.id!r}",
                    file=display_path(groups_path), field=f"groups[{gi}].members[{mi}]"))
        for sid in actual:
            if sid not in group.members:
                errors.append(DataError(
                    f"{sid!r} is in this group but not listed in members",
                    file=display_path(groups_path), field=f"groups[{gi}].members"))

    if errors:
        return None, errors
    return AnnotationSet(records, groups), []


def validate_annotations(folder: str | Path) -> list[DataError]:
    """Check every annotation file in ``folder`` and return every problem found (empty if none).

    This is what a ``validate`` command reports; :func:`load_annotations` stops at the first.
    """
    _, errors = _collect(Path(folder))
    return errors


def load_annotations(folder: str | Path) -> AnnotationSet:
    """Load and validate every annotation in ``folder`` (``layer_groups.yaml`` + ``<id>.yaml``).

    Raises
    ------
    DataError
        The first problem found, naming file, field and what is allowed. Use
        :func:`validate_annotations` to list them all.
    """
    result, errors = _collect(Path(folder))
    if errors:
        raise errors[0]
    assert result is not None
    return result


# --------------------------------------------------------------------------------------------
# The loaded set
# --------------------------------------------------------------------------------------------


class AnnotationSet(Mapping):
    """All annotations, keyed by structure id, plus the layer groups.

    Iteration follows display order: groups by ``order``, then each group's ``members`` order
    (or file order when a group gives none). Compartments are not keys of the mapping; reach
    them with :meth:`compartment` and list them with :meth:`all_ids`.
    """

    def __init__(self, records: Mapping[str, _AnnotationBase], groups: list[LayerGroup]):
        self._groups = list(groups)
        ordered: dict[str, _AnnotationBase] = {}
        for group in self._groups:
            ids = group.members or [a.id for a in records.values() if a.layer_group == group.id]
            for sid in ids:
                if sid in records:
                    ordered[sid] = records[sid]
        for sid, ann in records.items():  # structures of groups not listed (not reachable
            ordered.setdefault(sid, ann)  # after validation, kept for robustness)
        self._records = ordered
        self._compartments: dict[str, tuple[MuscleAnnotation, Compartment]] = {}
        for ann in ordered.values():
            if isinstance(ann, MuscleAnnotation):
                for comp in ann.compartments:
                    self._compartments[comp.id] = (ann, comp)

    # Mapping protocol ---------------------------------------------------------------------
    def __getitem__(self, structure_id: str):
        try:
            return self._records[structure_id]
        except KeyError:
            raise self._unknown(structure_id) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return f"AnnotationSet({len(self)} structures, {len(self._compartments)} compartments)"

    def _unknown(self, structure_id: str) -> UnknownStructureError:
        return UnknownStructureError(
            f"unknown structure id {structure_id!r} (known: {', '.join(self.all_ids())})",
            field="structure",
        )

    # Groups -------------------------------------------------------------------------------
    @property
    def groups(self) -> list[LayerGroup]:
        """Layer groups sorted by ``order``."""
        return list(self._groups)

    def group(self, group_id: str) -> LayerGroup:
        for group in self._groups:
            if group.id == group_id:
                return group
        raise UnknownStructureError(
            f"unknown layer group {group_id!r} (known: "
            f"{', '.join(g.id for g in self._groups)})",
            field="layer_group",
        )

    def in_group(self, group_id: str) -> list:
        """Annotations of one layer group, in display order."""
        self.group(group_id)
        return [a for a in self._records.values() if a.layer_group == group_id]

    # Kinds --------------------------------------------------------------------------------
    def muscles(self) -> list[MuscleAnnotation]:
        return [a for a in self._records.values() if isinstance(a, MuscleAnnotation)]

    def bones(self) -> list[BoneAnnotation]:
        return [a for a in self._records.values() if isinstance(a, BoneAnnotation)]

    def nerves(self) -> list[NerveAnnotation]:
        return [a for a in self._records.values() if isinstance(a, NerveAnnotation)]

    # Compartments and ids -----------------------------------------------------------------
    def compartment(self, compartment_id: str) -> Compartment:
        """The compartment with this id, e.g. ``'gluteus_medius.anterior'``."""
        try:
            return self._compartments[compartment_id][1]
        except KeyError:
            raise UnknownStructureError(
                f"unknown compartment id {compartment_id!r} "
                f"(known: {', '.join(self._compartments) or 'none'})",
                field="compartment",
            ) from None

    def parent_of(self, compartment_id: str) -> MuscleAnnotation:
        """The muscle a compartment belongs to."""
        self.compartment(compartment_id)
        return self._compartments[compartment_id][0]

    def compartment_ids(self) -> list[str]:
        return list(self._compartments)

    def all_ids(self) -> list[str]:
        """Every structure id followed, for a muscle, by its compartment ids."""
        out = []
        for sid, ann in self._records.items():
            out.append(sid)
            if isinstance(ann, MuscleAnnotation):
                out += ann.compartment_ids
        return out

    def has_id(self, any_id: str) -> bool:
        """True for a structure or a compartment id."""
        return any_id in self._records or any_id in self._compartments

    def display(self, any_id: str) -> Display:
        """Default display settings of a structure or a compartment."""
        if any_id in self._compartments:
            return self._compartments[any_id][1].display
        return self[any_id].display

    def architecture(self, any_id: str) -> Architecture:
        """Architecture of a muscle or a compartment."""
        if any_id in self._compartments:
            return self._compartments[any_id][1].architecture
        ann = self[any_id]
        if not isinstance(ann, MuscleAnnotation):
            raise DataError(f"{any_id!r} is a {ann.kind}, not a muscle; it has no architecture",
                            field="structure")
        return ann.architecture

    def landmark_names(self) -> set[str]:
        """Every landmark name referred to by any annotation."""
        names: set[str] = set()
        for ann in self._records.values():
            names.update(ann.landmark_names())
        return names

