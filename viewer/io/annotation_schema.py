"""The annotation schema: typed, frozen records of one structure's annotation file.

Strict types, unknown keys forbidden; every constrained value raises an error whose message
already says what is allowed (see :mod:`viewer.io.validation`). The file format is described
in :mod:`viewer.io.annotations`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter
from pydantic_core import PydanticCustomError

from viewer.core.errors import DataError

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


class PublishedValue(_Record):
    """A measured (or independently modelled) moment arm from the literature.

    Exactly one of ``value_mm`` (a single figure) or ``range_mm`` (``[low, high]``) is given.
    ``motion`` is one of the six motions, the sign convention that of the project (+ means the
    muscle produces the motion); ``pose`` is pose text (``flexion=90``; unnamed coordinates are
    0) checked against the joint's range; ``source`` is a reference key of the same file and
    ``part`` an optional compartment id of the muscle when the figure is for one part only.
    """

    motion: Text
    pose: Text
    source: RefKey
    value_mm: float | None = None
    range_mm: list[float] | None = Field(default=None, min_length=2, max_length=2)
    part: CompartmentId | None = None
    note: str = ""


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
    published: list[PublishedValue] = Field(default_factory=list)

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


