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
    ``architecture``: see below; ``compartments`` (optional list, see below).
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

import difflib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from viewer.core.errors import DataError
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

LAYER_GROUPS_FILE = "layer_groups.yaml"

KINDS = ("bone", "muscle", "nerve")

_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_COMPARTMENT_ID_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_LANDMARK_RE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_ROOT_RE = re.compile(r"^(?:T12|L[1-5]|S[1-5]|Co1)$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class UnknownStructureError(DataError, KeyError):
    """A structure or compartment id that the annotation set does not contain."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message


# --------------------------------------------------------------------------------------------
# Constrained scalar types. Each raises a custom error whose message already says what is
# allowed, so that the conversion to DataError below can use it as it is.
# --------------------------------------------------------------------------------------------


def _non_empty(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty_text", "must not be empty")
    return value.strip()


def _check_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise PydanticCustomError(
            "bad_id", "{value} is not a valid id (lower snake case, e.g. 'gemellus_inferior')",
            {"value": repr(value)},
        )
    return value


def _check_compartment_id(value: str) -> str:
    if not _COMPARTMENT_ID_RE.match(value):
        raise PydanticCustomError(
            "bad_compartment_id",
            "{value} is not a valid compartment id (<muscle id>.<part>, "
            "e.g. 'gluteus_medius.anterior')",
            {"value": repr(value)},
        )
    return value


def _check_landmark(value: str) -> str:
    if not _LANDMARK_RE.match(value):
        raise PydanticCustomError(
            "bad_landmark",
            "{value} is not a valid landmark name (lower snake case parts joined by dots, "
            "e.g. 'ischial_spine' or 'piriformis.origin')",
            {"value": repr(value)},
        )
    return value


def _check_colour(value: str) -> str:
    if not _COLOUR_RE.match(value):
        raise PydanticCustomError(
            "bad_colour",
            "{value} is not a colour (allowed: '#rrggbb' hexadecimal, e.g. '#c8553d')",
            {"value": repr(value)},
        )
    return value.lower()


def _check_opacity(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise PydanticCustomError(
            "out_of_range", "{value} is out of range 0..1", {"value": repr(value)}
        )
    return float(value)


def _check_positive(value: float) -> float:
    if not value > 0.0:
        raise PydanticCustomError(
            "not_positive",
            "{value} is not allowed (must be greater than 0)",
            {"value": repr(value)},
        )
    return float(value)


def _check_angle(value: float) -> float:
    if not 0.0 <= value < 90.0:
        raise PydanticCustomError(
            "out_of_range", "{value} is out of range 0..90 (degrees)", {"value": repr(value)}
        )
    return float(value)


def _check_root(value: str) -> str:
    if not _ROOT_RE.match(value):
        raise PydanticCustomError(
            "bad_root",
            "{value} is not a spinal nerve root (allowed: T12, L1..L5, S1..S5, Co1)",
            {"value": repr(value)},
        )
    return value


def _check_key(value: str) -> str:
    if not _KEY_RE.match(value):
        raise PydanticCustomError(
            "bad_key",
            "{value} is not a valid reference key (lower case letters, digits and '_', "
            "e.g. 'parvaresh2019')",
            {"value": repr(value)},
        )
    return value


Text = Annotated[str, AfterValidator(_non_empty)]
StructureId = Annotated[str, AfterValidator(_check_id)]
CompartmentId = Annotated[str, AfterValidator(_check_compartment_id)]
LandmarkName = Annotated[str, AfterValidator(_check_landmark)]
Colour = Annotated[str, AfterValidator(_check_colour)]
Opacity = Annotated[float, AfterValidator(_check_opacity)]
Positive = Annotated[float, AfterValidator(_check_positive)]
AngleDeg = Annotated[float, AfterValidator(_check_angle)]
Root = Annotated[str, AfterValidator(_check_root)]
RefKey = Annotated[str, AfterValidator(_check_key)]


class _Record(BaseModel):
    """Base of every schema record: strict types, unknown keys forbidden, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


class LayerGroup(_Record):
    """A layer the user can toggle as a whole (e.g. the deep external rotators)."""

    id: StructureId
    display_name: Text
    description: Text
    order: int
    members: list[StructureId] = Field(default_factory=list)


class _LayerGroupsFile(_Record):
    groups: list[LayerGroup] = Field(min_length=1)


class Attachment(_Record):
    """Where a muscle (or compartment) attaches: prose plus named landmarks on the bones."""

    text: Text
    landmarks: list[LandmarkName] = Field(min_length=1)


class Innervation(_Record):
    """Nerve supply. ``roots`` may be empty only where ``notes`` says why (an imported model
    that records no nerves)."""

    nerve: Text
    roots: list[Root] = Field(default_factory=list)
    notes: str = ""


class Actions(_Record):
    primary: list[Text] = Field(min_length=1)
    secondary: list[Text] = Field(default_factory=list)
    position_dependence: str = ""


class Neighbour(_Record):
    structure: Text
    relation: Text


class Topic(_Record):
    topic: Text
    text: Text


class FaqEntry(_Record):
    question: Text
    answer: Text


class Reference(_Record):
    key: RefKey
    citation: Text


class Display(_Record):
    """How the structure is drawn by default."""

    colour: Colour
    opacity: Opacity = 1.0
    visible: bool = True


class Architecture(_Record):
    """Muscle architecture. ``source`` is a reference key of the same file.

    ``pcsa_cm2`` is the physiological cross-sectional area (cm²) and ``optimal_fibre_length_cm``
    the (sarcomere-length normalised) fibre length (cm), ``None`` where it is not known.
    ``estimate`` marks a value that is not a published measurement; ``notes`` then says why and
    how it was derived.
    """

    pcsa_cm2: Positive
    optimal_fibre_length_cm: Positive | None
    source: RefKey
    pennation_deg: AngleDeg | None = None
    estimate: bool = False
    notes: str = ""


class Compartment(_Record):
    """A named part of a muscle with its own attachments, e.g. ``gluteus_medius.anterior``."""

    id: CompartmentId
    display_name: Text
    origin: Attachment
    insertion: Attachment
    architecture: Architecture
    actions: list[Text] = Field(min_length=1)
    display: Display
    notes: str = ""

    def __hash__(self) -> int:
        return hash(("Compartment", self.id))


class Feature(_Record):
    """A named feature of a bone, optionally tied to a landmark of the geometry."""

    name: Text
    landmark: LandmarkName | None = None
    text: Text


class Articulation(_Record):
    name: Text
    partner: Text
    type: Text
    text: Text


class CourseSegment(_Record):
    region: Text
    text: Text
    landmark: LandmarkName | None = None


class EvaluationStep(_Record):
    step: Text
    text: Text


CLINICAL_OVERVIEW_TITLES: dict[str, str] = {
    "purpose": "Purpose and functions",
    "indications": "When clinicians look at it",
    "not_the_focus": "When it is usually not the focus",
    "mechanism": "How it works",
    "relevant_anatomy": "Relevant anatomy",
    "onset_and_reversibility": "Onset, duration and reversibility",
    "evaluation_workflow": "How it is evaluated",
    "pros": "Strengths",
    "cons": "Limitations",
    "aftercare_factors": "What shapes recovery",
    "outlook": "Outlook",
    "alternatives_and_comparisons": "Alternatives and comparisons",
}
"""Heading of each ``clinical_overview`` section, in display order."""


class ClinicalOverview(_Record):
    """Optional structured clinical sections, shown by the info panel under headings."""

    purpose: list[Text] = Field(default_factory=list)
    indications: list[Text] = Field(default_factory=list)
    not_the_focus: list[Text] = Field(default_factory=list)
    mechanism: str = ""
    relevant_anatomy: str = ""
    onset_and_reversibility: str = ""
    evaluation_workflow: list[EvaluationStep] = Field(default_factory=list)
    pros: list[Text] = Field(default_factory=list)
    cons: list[Text] = Field(default_factory=list)
    aftercare_factors: list[Text] = Field(default_factory=list)
    outlook: str = ""
    alternatives_and_comparisons: list[Topic] = Field(default_factory=list)

    def sections(self) -> list[tuple[str, str, Any]]:
        """Non-empty sections in display order as ``(field, heading, content)``."""
        out = []
        for name, title in CLINICAL_OVERVIEW_TITLES.items():
            value = getattr(self, name)
            if value:
                out.append((name, title, value))
        return out


class _AnnotationBase(_Record):
    id: StructureId
    display_name: Text
    latin_name: Text
    synonyms: list[Text] = Field(default_factory=list)
    layer_group: StructureId
    summary: Text
    blood_supply: Text
    neighbours: list[Neighbour] = Field(default_factory=list)
    clinical_relevance: list[Topic] = Field(default_factory=list)
    clinical_overview: ClinicalOverview | None = None
    variations: list[Text] = Field(default_factory=list)
    faq: list[FaqEntry] = Field(default_factory=list)
    references: list[Reference] = Field(min_length=1)
    display: Display

    def __hash__(self) -> int:  # records hold lists; identity is the structure id
        return hash((type(self).__name__, self.id))

    def reference(self, key: str) -> Reference:
        """The reference with ``key`` (KeyError if absent)."""
        for ref in self.references:
            if ref.key == key:
                return ref
        raise KeyError(key)

    def landmark_names(self) -> list[str]:
        """Every landmark name this annotation refers to."""
        return []


class BoneAnnotation(_AnnotationBase):
    kind: Literal["bone"]
    features: list[Feature] = Field(min_length=1)
    articulations: list[Articulation] = Field(min_length=1)

    def landmark_names(self) -> list[str]:
        return [f.landmark for f in self.features if f.landmark]


class MuscleAnnotation(_AnnotationBase):
    kind: Literal["muscle"]
    origin: Attachment
    insertion: Attachment
    innervation: Innervation
    actions: Actions
    architecture: Architecture
    compartments: list[Compartment] = Field(default_factory=list)

    @property
    def compartment_ids(self) -> list[str]:
        return [c.id for c in self.compartments]

    def compartment(self, compartment_id: str) -> Compartment:
        for comp in self.compartments:
            if comp.id == compartment_id:
                return comp
        raise UnknownStructureError(
            f"unknown compartment {compartment_id!r} of {self.id} "
            f"(known: {', '.join(self.compartment_ids) or 'none'})",
            field="compartment",
        )

    def landmark_names(self) -> list[str]:
        names = [*self.origin.landmarks, *self.insertion.landmarks]
        for comp in self.compartments:
            names += [*comp.origin.landmarks, *comp.insertion.landmarks]
        return list(dict.fromkeys(names))


class NerveAnnotation(_AnnotationBase):
    kind: Literal["nerve"]
    roots: list[Root] = Field(min_length=1)
    course: list[CourseSegment] = Field(min_length=1)
    supplies: list[Text] = Field(min_length=1)
    sensory: str = ""

    def landmark_names(self) -> list[str]:
        return [c.landmark for c in self.course if c.landmark]


Annotation = Annotated[
    Union[BoneAnnotation, MuscleAnnotation, NerveAnnotation], Field(discriminator="kind")
]
"""One structure's annotation: a bone, muscle or nerve record (chosen by ``kind``)."""

_ANNOTATION_ADAPTER: TypeAdapter = TypeAdapter(Annotation)
_MODEL_BY_KIND: dict[str, type[_AnnotationBase]] = {
    "bone": BoneAnnotation,
    "muscle": MuscleAnnotation,
    "nerve": NerveAnnotation,
}


# --------------------------------------------------------------------------------------------
# YAML reading with line numbers
# --------------------------------------------------------------------------------------------


_display_path = display_path
_read_yaml = read_yaml


# --------------------------------------------------------------------------------------------
# pydantic errors → DataError
# --------------------------------------------------------------------------------------------

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside ``annotation`` (through Optional, list, Annotated), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The record class that holds the field at ``loc`` (for listing allowed keys)."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _unwrap_model(field.annotation)
    return model


def _reason(err: dict, root: type[BaseModel] | None) -> str:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        model = _model_at(root, err["loc"]) if root else None
        if model is None:
            return "unknown field"
        names = list(model.model_fields)
        close = difflib.get_close_matches(str(err["loc"][-1]), names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown field ({hint}allowed: {', '.join(names)})"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_describe(value)}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{value!r} is not allowed (allowed: {expected})"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"must have at least {n} entr{'y' if n == 1 else 'ies'}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "union_tag_invalid":
        return f"{ctx.get('tag')!r} is not allowed (allowed: {', '.join(KINDS)})"
    if kind == "union_tag_not_found":
        return f"missing required field (allowed: {', '.join(KINDS)})"
    if kind == "frozen_instance":
        return "cannot be changed"
    return str(err.get("msg", "invalid value"))


def _located(
    reason: str, shown: str, loc: tuple, lines: Mapping[tuple, int]
) -> tuple[int, DataError]:
    """A DataError for ``loc`` with the YAML line appended, and that line for sorting.

    The line is that of the deepest part of ``loc`` present in the file (for a missing field,
    the mapping that should hold it); it is left out when only the document root matches.
    """
    line = 0
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    if line:
        reason += f" (line {line})"
    return line, DataError(reason, file=shown, field=_dotted(loc) or None)


def _errors_from_validation(
    exc: ValidationError,
    shown: str,
    lines: Mapping[tuple, int],
    root: type[BaseModel] | None,
    strip_tag: bool,
) -> list[tuple[int, DataError]]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = ("kind",)
        elif strip_tag and loc and loc[0] in _MODEL_BY_KIND:
            loc = loc[1:]
        out.append(_located(_reason({**err, "loc": loc}, root), shown, loc, lines))
    return out


# --------------------------------------------------------------------------------------------
# Cross-field rules
# --------------------------------------------------------------------------------------------


def _identity_errors(
    data: dict, path: Path, lines: Mapping[tuple, int], group_ids: list[str] | None
) -> list[tuple[int, DataError]]:
    """``id`` against the file name and ``layer_group`` against the known groups.

    Run on the raw data, so that these are reported even when other fields have type errors.
    """
    shown = _display_path(path)
    errors = []
    sid = data.get("id")
    if isinstance(sid, str) and sid != path.stem:
        errors.append(_located(
            f"{sid!r} does not match the file name (expected {path.stem!r})", shown, ("id",),
            lines))
    group = data.get("layer_group")
    if group_ids is not None and isinstance(group, str) and group not in group_ids:
        errors.append(_located(
            f"{group!r} is not a known layer group (allowed: {', '.join(group_ids)})",
            shown, ("layer_group",), lines))
    return errors


def _semantic_errors(
    ann: _AnnotationBase, path: Path, lines: Mapping[tuple, int]
) -> list[tuple[int, DataError]]:
    """Rules across fields of one validated record."""
    shown = _display_path(path)
    errors: list[tuple[int, DataError]] = []

    def add(loc: tuple, reason: str) -> None:
        errors.append(_located(reason, shown, loc, lines))

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
    shown = _display_path(path)
    try:
        data, lines = _read_yaml(path)
    except DataError as exc:
        return None, [exc]
    if data is None:
        return None, [DataError("file is empty (expected a mapping of fields)", file=shown)]
    if not isinstance(data, dict):
        return None, [
            DataError(f"expected a mapping of fields, got {_describe(data)}", file=shown)
        ]
    found = _identity_errors(data, path, lines, group_ids)
    kind = data.get("kind")
    root = _MODEL_BY_KIND.get(kind) if isinstance(kind, str) else None
    ann = None
    try:
        ann = _ANNOTATION_ADAPTER.validate_python(data)
    except ValidationError as exc:
        found += _errors_from_validation(exc, shown, lines, root, strip_tag=True)
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
    shown = _display_path(path)
    try:
        data, lines = _read_yaml(path)
    except DataError as exc:
        return [], [exc]
    if not isinstance(data, dict):
        return [], [
            DataError(f"expected a mapping with 'groups', got {_describe(data)}", file=shown)
        ]
    try:
        parsed = _LayerGroupsFile.model_validate(data)
    except ValidationError as exc:
        found = _errors_from_validation(exc, shown, lines, _LayerGroupsFile, strip_tag=False)
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
    shown = _display_path(folder)
    if not folder.is_dir():
        return None, [DataError("annotation folder not found", file=shown)]
    groups_path = folder / LAYER_GROUPS_FILE
    if not groups_path.is_file():
        return None, [DataError("missing file (it lists the layer groups)",
                                file=_display_path(groups_path))]
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
                                    file=_display_path(path)))
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
                    f"duplicate id {sid!r} (also defined in {_display_path(where[sid])})",
                    file=_display_path(path), field="id",
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
                    file=_display_path(where[sid]), field=f"neighbours[{ni}].structure"))

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
                    file=_display_path(groups_path), field=f"groups[{gi}].members[{mi}]"))
            elif records[member].layer_group != group.id and records[member].layer_group in (
                group_ids or []
            ):  # an unknown layer_group is reported with the structure's own file
                errors.append(DataError(
                    f"{member!r} belongs to layer group {records[member].layer_group!r}, "
                    f"not {group.id!r}",
                    file=_display_path(groups_path), field=f"groups[{gi}].members[{mi}]"))
        for sid in actual:
            if sid not in group.members:
                errors.append(DataError(
                    f"{sid!r} is in this group but not listed in members",
                    file=_display_path(groups_path), field=f"groups[{gi}].members"))

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

