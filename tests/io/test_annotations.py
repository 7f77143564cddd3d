"""Tests of the annotation schema, its loader and the content of the shipped annotations."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pytest
import yaml

from viewer.core.errors import DataError
from viewer.io.annotations import (
    CLINICAL_OVERVIEW_TITLES,
    AnnotationSet,
    BoneAnnotation,
    MuscleAnnotation,
    NerveAnnotation,
    UnknownStructureError,
    load_annotation,
    load_annotations,
    load_layer_groups,
    validate_annotations,
)

from .conftest import LANDMARK_TARGETS, find_seed_dir

GROUPS = {
    "bones": ["hip_bone", "sacrum", "femur", "leg", "hip_bone_left"],
    "deep_external_rotators": [
        "piriformis",
        "gemellus_superior",
        "obturator_internus",
        "gemellus_inferior",
        "obturator_externus",
        "quadratus_femoris",
    ],
    "gluteals": ["gluteus_maximus", "gluteus_medius", "gluteus_minimus", "tensor_fasciae_latae"],
    "nerves": ["sciatic_nerve"],
}
ALL_STRUCTURES = [sid for ids in GROUPS.values() for sid in ids]
COMPARTMENTS = {
    "gluteus_maximus": ["upper", "middle", "lower"],
    "gluteus_medius": ["anterior", "middle", "posterior"],
    "gluteus_minimus": ["anterior", "middle", "posterior"],
}

# Published PCSA (cm²) and normalised fibre length (cm) with the reference key they come from.
PUBLISHED = {
    "piriformis": (2.17, 8.37, "parvaresh2019"),
    "gemellus_superior": (0.68, 4.85, "parvaresh2019"),
    "obturator_internus": (3.76, 8.77, "parvaresh2019"),
    "gemellus_inferior": (1.02, 5.64, "parvaresh2019"),
    "obturator_externus": (4.54, 8.04, "parvaresh2019"),
    "gluteus_minimus": (8.29, 10.30, "parvaresh2019"),
    "gluteus_maximus": (33.4, 15.69, "ward2009"),
    "gluteus_medius": (33.8, 7.33, "ward2009"),
}
# Muscles whose architecture is a labelled estimate until a measurement is entered.
ESTIMATED = {"quadratus_femoris", "tensor_fasciae_latae"}

INNERVATION = {
    "piriformis": ("nerve to piriformis", ["S1", "S2"]),
    "gemellus_superior": ("nerve to obturator internus", ["L5", "S1", "S2"]),
    "obturator_internus": ("nerve to obturator internus", ["L5", "S1", "S2"]),
    "gemellus_inferior": ("nerve to quadratus femoris", ["L4", "L5", "S1"]),
    "quadratus_femoris": ("nerve to quadratus femoris", ["L4", "L5", "S1"]),
    "obturator_externus": ("obturator nerve", ["L3", "L4"]),
    "gluteus_maximus": ("inferior gluteal nerve", ["L5", "S1", "S2"]),
    "gluteus_medius": ("superior gluteal nerve", ["L4", "L5", "S1"]),
    "gluteus_minimus": ("superior gluteal nerve", ["L4", "L5", "S1"]),
    "tensor_fasciae_latae": ("superior gluteal nerve", ["L4", "L5", "S1"]),
}


def words(text: str) -> int:
    return len(text.split())


def all_text(value) -> list[str]:
    """Every string inside a parsed YAML value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in all_text(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_text(v)]
    return []


# ------------------------------------------------------------------------------------------
# The shipped files
# ------------------------------------------------------------------------------------------


def test_all_shipped_files_load_without_problems(annotations_dir):
    assert validate_annotations(annotations_dir) == []
    loaded = load_annotations(annotations_dir)
    assert isinstance(loaded, AnnotationSet)
    files = sorted(p.stem for p in annotations_dir.glob("*.yaml") if p.stem != "layer_groups")
    assert files == sorted(ALL_STRUCTURES)
    for path in annotations_dir.glob("*.yaml"):
        if path.stem != "layer_groups":
            assert load_annotation(path).id == path.stem


def test_ids_and_groups_match_the_design(annotation_set):
    assert sorted(annotation_set) == sorted(ALL_STRUCTURES)
    assert [g.id for g in annotation_set.groups] == list(GROUPS)
    assert annotation_set.group("gluteals").display_name == "Gluteal muscles and TFL"
    for group_id, ids in GROUPS.items():
        assert sorted(a.id for a in annotation_set.in_group(group_id)) == sorted(ids)
    # deep rotators are listed from top to bottom
    assert [a.id for a in annotation_set.in_group("deep_external_rotators")] == GROUPS[
        "deep_external_rotators"
    ]
    assert {a.id for a in annotation_set.bones()} == set(GROUPS["bones"])
    assert {a.id for a in annotation_set.nerves()} == {"sciatic_nerve"}
    assert {a.id for a in annotation_set.muscles()} == set(
        GROUPS["deep_external_rotators"] + GROUPS["gluteals"]
    )


def test_compartments_and_all_ids(annotation_set):
    expected = [f"{m}.{part}" for m, parts in COMPARTMENTS.items() for part in parts]
    assert sorted(annotation_set.compartment_ids()) == sorted(expected)
    ids = annotation_set.all_ids()
    assert set(ids) == set(ALL_STRUCTURES) | set(expected)
    assert len(ids) == len(set(ids))
    # a compartment follows its muscle
    assert ids.index("gluteus_medius.anterior") == ids.index("gluteus_medius") + 1
    comp = annotation_set.compartment("gluteus_medius.anterior")
    assert comp.display_name.startswith("Gluteus medius")
    assert annotation_set.parent_of("gluteus_medius.anterior").id == "gluteus_medius"
    assert annotation_set.has_id("gluteus_maximus.lower")
    assert annotation_set.architecture("gluteus_maximus.lower").source == "ward2009"
    for muscle in COMPARTMENTS:
        assert [c.id.split(".")[1] for c in annotation_set[muscle].compartments] == COMPARTMENTS[
            muscle
        ]


def test_unknown_ids_raise_clear_errors(annotation_set):
    with pytest.raises(UnknownStructureError) as info:
        annotation_set["glutes"]
    assert isinstance(info.value, DataError) and isinstance(info.value, KeyError)
    assert "unknown structure id 'glutes'" in str(info.value)
    assert "piriformis" in str(info.value)
    with pytest.raises(DataError, match="unknown compartment id 'gluteus_medius.front'"):
        annotation_set.compartment("gluteus_medius.front")
    with pytest.raises(DataError, match="not a muscle"):
        annotation_set.architecture("femur")
    assert annotation_set.get("nothing") is None
    assert "femur" in annotation_set and "nothing" not in annotation_set


def test_kinds_have_their_sections(annotation_set):
    for ann in annotation_set.values():
        assert words(ann.summary) >= 40, ann.id
        assert ann.references and all(words(r.citation) >= 8 for r in ann.references), ann.id
        assert len(ann.clinical_relevance) >= 3, ann.id
        assert len(ann.variations) >= 3, ann.id
        assert len(ann.faq) >= 4, ann.id
        assert len(ann.neighbours) >= 4, ann.id
        if isinstance(ann, BoneAnnotation):
            with_landmark = [f for f in ann.features if f.landmark]
            assert len(with_landmark) >= 7 and len(ann.features) >= 8, ann.id
            assert ann.articulations
        elif isinstance(ann, NerveAnnotation):
            assert ann.roots == ["L4", "L5", "S1", "S2", "S3"]
            assert len(ann.course) >= 4 and ann.supplies
        else:
            assert isinstance(ann, MuscleAnnotation)
            assert ann.origin.landmarks and ann.insertion.landmarks
            assert ann.actions.primary and words(ann.actions.position_dependence) >= 15


def test_innervation_matches_the_anatomy(annotation_set):
    for muscle_id, (nerve, roots) in INNERVATION.items():
        inn = annotation_set[muscle_id].innervation
        assert nerve in inn.nerve.lower(), muscle_id
        assert inn.roots == roots, muscle_id


def test_bone_features_name_the_teaching_landmarks(annotation_set):
    landmarks = set()
    for bone in annotation_set.bones():
        landmarks |= {f.landmark for f in bone.features if f.landmark}
    for name in [
        "anterior_superior_iliac_spine", "greater_sciatic_notch", "ischial_spine",
        "ischial_tuberosity", "obturator_foramen_centre", "greater_trochanter_tip",
        "lesser_trochanter", "quadrate_tubercle", "trochanteric_fossa", "fovea_capitis",
        "linea_aspera", "sacral_promontory", "coccyx_tip",
    ]:
        assert name in landmarks


@pytest.mark.skipif(not LANDMARK_TARGETS.is_file(), reason="landmark targets not present")
def test_every_landmark_exists_in_the_geometry_targets(annotation_set):
    from viewer.meshgen.ct_bones import COMPUTED

    targets = yaml.safe_load(LANDMARK_TARGETS.read_text(encoding="utf-8"))
    known = {name for bone in targets.values() for name in bone} | set(COMPUTED)
    assert annotation_set.landmark_names() <= known, annotation_set.landmark_names() - known
    # every muscle attachment the geometry defines is used by an annotation
    attachments = {n for n in known if n.endswith((".origin", ".insertion"))}
    assert attachments <= annotation_set.landmark_names()


# ------------------------------------------------------------------------------------------
# Architecture
# ------------------------------------------------------------------------------------------


def test_every_muscle_has_architecture_with_a_cited_source(annotation_set):
    for muscle in annotation_set.muscles():
        for arch in [muscle.architecture, *(c.architecture for c in muscle.compartments)]:
            assert arch.pcsa_cm2 > 0
            citation = muscle.reference(arch.source).citation
            assert re.search(r"(19|20)\d\d", citation), citation


@pytest.mark.parametrize("muscle_id", sorted(PUBLISHED))
def test_pcsa_equals_the_published_value(annotation_set, muscle_id):
    pcsa, fibre, source = PUBLISHED[muscle_id]
    arch = annotation_set[muscle_id].architecture
    assert arch.pcsa_cm2 == pytest.approx(pcsa)
    assert arch.optimal_fibre_length_cm == pytest.approx(fibre)
    assert arch.source == source
    assert not arch.estimate


def test_short_rotator_values_from_parvaresh(annotation_set):
    # the values of the project's reference file, written out literally
    got = {m: annotation_set[m].architecture.pcsa_cm2 for m in (
        "piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior",
        "obturator_externus")}
    assert got == {"piriformis": 2.17, "gemellus_superior": 0.68, "obturator_internus": 3.76,
                   "gemellus_inferior": 1.02, "obturator_externus": 4.54}


@pytest.mark.parametrize("muscle_id", sorted(ESTIMATED))
def test_estimates_are_labelled_and_explained(annotation_set, muscle_id):
    arch = annotation_set[muscle_id].architecture
    assert arch.estimate
    assert "estimate" in arch.notes.lower() and words(arch.notes) >= 40
    assert "not a measurement" in arch.notes.lower()
    assert annotation_set.muscles() and all(
        m.id in ESTIMATED or not m.architecture.estimate for m in annotation_set.muscles()
    )


def test_friederich_brand_is_never_used_as_a_source(annotation_set):
    for muscle in annotation_set.muscles():
        for arch in [muscle.architecture, *(c.architecture for c in muscle.compartments)]:
            assert arch.source != "friederich1990"


def test_compartments_split_the_whole_muscle_pcsa(annotation_set):
    for muscle_id in COMPARTMENTS:
        muscle = annotation_set[muscle_id]
        total = sum(c.architecture.pcsa_cm2 for c in muscle.compartments)
        assert total == pytest.approx(muscle.architecture.pcsa_cm2, abs=0.02)
        for comp in muscle.compartments:
            assert comp.architecture.source == muscle.architecture.source
            assert "equal thirds" in comp.architecture.notes


# ------------------------------------------------------------------------------------------
# Position-dependent actions
# ------------------------------------------------------------------------------------------


def test_position_dependent_actions_are_described(annotation_set):
    piri = annotation_set["piriformis"].actions
    assert "internal rotation" in " ".join(piri.secondary).lower()
    assert "90°" in piri.position_dependence and "internal rotator" in piri.position_dependence
    for muscle_id in ("gemellus_superior", "obturator_internus", "gemellus_inferior"):
        acts = annotation_set[muscle_id].actions
        text = " ".join([*acts.primary, *acts.secondary]).lower()
        assert "abduction" in text and "flexed" in text, muscle_id
    for comp_id in ("gluteus_medius.anterior", "gluteus_minimus.anterior"):
        assert "internal rotation" in annotation_set.compartment(comp_id).actions
    assert "external rotation" in annotation_set.compartment("gluteus_medius.posterior").actions
    assert "adduction" in annotation_set.compartment("gluteus_maximus.lower").actions
    assert "abduction" in annotation_set.compartment("gluteus_maximus.upper").actions


# ------------------------------------------------------------------------------------------
# Display colours
# ------------------------------------------------------------------------------------------


def _lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB '#rrggbb' colour."""
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


# context layers: off by default and drawn faint when switched on
CONTEXT_LAYERS = {"hip_bone_left"}


def test_display_defaults(annotation_set):
    for any_id in annotation_set.all_ids():
        display = annotation_set.display(any_id)
        if any_id in CONTEXT_LAYERS:
            assert display.opacity <= 0.4 and not display.visible, any_id
        else:
            assert display.opacity == 1.0 and display.visible, any_id
        assert re.fullmatch(r"#[0-9a-f]{6}", display.colour)


def test_colours_are_anatomical_and_distinguishable(annotation_set):
    for bone in annotation_set.bones():  # ivory: light, slightly yellow, not red
        lightness, a, b = _lab(bone.display.colour)
        assert lightness > 80 and 5 < b < 30 and abs(a) < 8, bone.id
    lightness, a, b = _lab(annotation_set["sciatic_nerve"].display.colour)  # yellow
    assert lightness > 70 and b > 60 and abs(a) < 15
    for muscle_id in GROUPS["gluteals"]:  # deeper reds
        lightness, a, _ = _lab(annotation_set[muscle_id].display.colour)
        assert lightness < 50 and a > 30, muscle_id
    rotators = GROUPS["deep_external_rotators"]
    gemelli = {"gemellus_superior", "gemellus_inferior"}
    for x, y in itertools.combinations(rotators, 2):
        delta_e = math.dist(_lab(annotation_set[x].display.colour),
                            _lab(annotation_set[y].display.colour))
        minimum = 10 if {x, y} == gemelli else 25
        assert delta_e > minimum, (x, y, delta_e)


# ------------------------------------------------------------------------------------------
# Gemellus inferior covers every topic of the clinical overview it is based on
# ------------------------------------------------------------------------------------------


MUSCLES = ("piriformis", "gemellus_superior", "obturator_internus", "gemellus_inferior", "obturator_externus",
           "quadratus_femoris", "gluteus_maximus", "gluteus_medius", "gluteus_minimus", "tensor_fasciae_latae")
#: The teaching template every muscle's clinical overview follows (the leaflet sections of a
#: medicine or a procedure, such as onset, cost or aftercare, do not apply to a muscle).
TEACHING_OVERVIEW = ("purpose", "indications", "not_the_focus", "mechanism", "evaluation_workflow")
TEACHING_REQUIRED = TEACHING_OVERVIEW[:4]
LEAFLET_WORDS = ("cost", "onset", "drug", "medication", "price", "drive or work")


def test_gemellus_inferior_is_concise_and_covers_the_anatomy(annotation_set, annotations_dir):
    gi = annotation_set["gemellus_inferior"]
    assert len((annotations_dir / "gemellus_inferior.yaml").read_text(encoding="utf-8").split()) <= 1200
    assert words(gi.summary) >= 40
    assert "ischial tuberosity" in gi.origin.text
    assert "greater trochanter" in gi.insertion.text and "obturator internus" in gi.insertion.text
    assert gi.innervation.nerve == "Nerve to quadratus femoris"
    neighbour_text = " ".join(n.structure for n in gi.neighbours).lower()
    for name in ("obturator_internus", "gemellus_superior", "quadratus_femoris", "sciatic_nerve", "capsule"):
        assert name in neighbour_text
    assert gi.actions.position_dependence and len(gi.faq) >= 2 and len(gi.variations) >= 2


@pytest.mark.parametrize("muscle_id", MUSCLES)
def test_every_muscle_follows_the_teaching_template(annotation_set, muscle_id):
    entry = annotation_set[muscle_id]
    overview = entry.clinical_overview
    assert overview is not None
    names = [name for name, _, _ in overview.sections()]
    assert names == [n for n in TEACHING_OVERVIEW if n in names]  # the template's sections, in its order
    assert set(TEACHING_REQUIRED) <= set(names)
    text = " ".join([entry.summary, *(f.question + " " + f.answer for f in entry.faq)]).lower()
    assert not [w for w in LEAFLET_WORDS if re.search(rf"\b{w}\b", text)], muscle_id


#: Blocks of data rather than teaching text (measured values, compartments, sources, colours).
DATA_BLOCKS = {"architecture", "compartments", "published", "references", "display"}
#: Teaching text per entry, in words: short enough to read beside the model in a lesson.
TEACHING_WORDS_MAX = 1000


def _teaching_words(node) -> int:
    if isinstance(node, str):
        return len(node.split())
    if isinstance(node, dict):
        return sum(_teaching_words(v) for v in node.values())
    if isinstance(node, list):
        return sum(_teaching_words(v) for v in node)
    return 0


def test_every_muscle_has_the_sections_of_gemellus_inferior(annotations_dir):
    """One template: the same sections in the same order, and the same overview sections."""
    def sections(muscle_id):
        data = yaml.safe_load((annotations_dir / f"{muscle_id}.yaml").read_text(encoding="utf-8"))
        return [k for k in data if k not in DATA_BLOCKS], list(data["clinical_overview"])

    template = sections("gemellus_inferior")
    assert template[1] == list(TEACHING_REQUIRED)
    for muscle_id in MUSCLES:
        assert sections(muscle_id) == template, muscle_id


def test_every_entry_is_concise(annotations_dir):
    for path in sorted(annotations_dir.glob("*.yaml")):
        if path.stem == "layer_groups":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        words = sum(_teaching_words(v) for k, v in data.items() if k not in DATA_BLOCKS)
        assert 400 <= words <= TEACHING_WORDS_MAX, (path.stem, words)


# ------------------------------------------------------------------------------------------
# Own words: no sentence of the annotations is copied from the seed text
# ------------------------------------------------------------------------------------------


def _normalise(text: str) -> list[str]:
    text = text.replace("’", "'").replace("–", "-").replace("—", "-").lower()
    return re.findall(r"[a-z0-9']+", text)


def _seed_words() -> list[str]:
    seed_dir = find_seed_dir()
    if seed_dir is None:
        pytest.skip("seed texts not available beside this checkout")
    return [w for path in sorted(seed_dir.glob("*.txt"))
            for w in _normalise(path.read_text(encoding="utf-8"))]


def test_no_sentence_is_copied_from_the_seed(annotations_dir):
    seed = " " + " ".join(_seed_words()) + " "
    copied = []
    for path in sorted(annotations_dir.glob("*.yaml")):
        for text in all_text(yaml.safe_load(path.read_text(encoding="utf-8"))):
            for sentence in re.split(r"(?<=[.!?;:])\s+", text):
                tokens = _normalise(sentence)
                if len(tokens) >= 12 and f" {' '.join(tokens)} " in seed:
                    copied.append((path.name, sentence))
    assert not copied, copied


def test_no_long_phrase_is_shared_with_the_seed(annotations_dir):
    """A stricter guard: no run of 10 words (across sentence ends) is shared with the seed."""
    n = 10
    seed = _seed_words()
    seed_grams = {tuple(seed[i:i + n]) for i in range(len(seed) - n + 1)}
    shared = []
    for path in sorted(annotations_dir.glob("*.yaml")):
        for text in all_text(yaml.safe_load(path.read_text(encoding="utf-8"))):
            tokens = _normalise(text)
            for i in range(len(tokens) - n + 1):
                if tuple(tokens[i:i + n]) in seed_grams:
                    shared.append((path.name, " ".join(tokens[i:i + n])))
    assert not shared, shared


# ------------------------------------------------------------------------------------------
# Bad input: one clear message naming the file and the field
# ------------------------------------------------------------------------------------------


def _first_error(folder: Path) -> DataError:
    with pytest.raises(DataError) as info:
        load_annotations(folder)
    return info.value


def _no_pydantic_noise(message: str) -> None:
    for noise in ("pydantic", "validation error for", "Input should", "type=", "[type"):
        assert noise not in message, message


def test_missing_field(annotations_copy, edit_yaml):
    edit_yaml("piriformis", lambda d: d.pop("origin"))
    err = _first_error(annotations_copy)
    assert err.file.endswith("piriformis.yaml")
    assert err.field == "origin"
    assert "piriformis.yaml: origin: missing required field" in str(err)
    _no_pydantic_noise(str(err))


def test_missing_nested_field(annotations_copy, edit_yaml):
    edit_yaml("gluteus_medius", lambda d: d["compartments"][1]["architecture"].pop("source"))
    err = _first_error(annotations_copy)
    assert "gluteus_medius.yaml: compartments[1].architecture.source: missing required field" \
        in str(err)


def test_wrong_type(annotations_copy, edit_yaml):
    edit_yaml("femur", lambda d: d.update(synonyms="thigh bone"))
    err = _first_error(annotations_copy)
    assert "femur.yaml: synonyms: expected a list, got text 'thigh bone'" in str(err)
    _no_pydantic_noise(str(err))


def test_wrong_type_for_a_number(annotations_copy, edit_yaml):
    edit_yaml("obturator_internus", lambda d: d["architecture"].update(pcsa_cm2="large"))
    err = _first_error(annotations_copy)
    assert "obturator_internus.yaml: architecture.pcsa_cm2: expected a number, got text " \
        "'large'" in str(err)


def test_unknown_layer_group(annotations_copy, edit_yaml):
    edit_yaml("gluteus_maximus", lambda d: d.update(layer_group="glutes"))
    err = _first_error(annotations_copy)
    assert (
        "gluteus_maximus.yaml: layer_group: 'glutes' is not a known layer group "
        "(allowed: bones, deep_external_rotators, gluteals, nerves)"
    ) in str(err)


def test_bad_colour(annotations_copy, edit_yaml):
    edit_yaml("sacrum", lambda d: d["display"].update(colour="ivory"))
    err = _first_error(annotations_copy)
    assert "sacrum.yaml: display.colour: 'ivory' is not a colour (allowed: '#rrggbb'" in str(err)


def test_opacity_out_of_range(annotations_copy, edit_text):
    edit_text("quadratus_femoris", "  opacity: 1.0\n  visible: true",
              "  opacity: 1.7\n  visible: true")
    err = _first_error(annotations_copy)
    assert "quadratus_femoris.yaml: display.opacity: 1.7 is out of range 0..1" in str(err)
    assert err.field == "display.opacity"
    # the line of the offending value is given
    lines = (annotations_copy / "quadratus_femoris.yaml").read_text().splitlines()
    line_no = next(i + 1 for i, line in enumerate(lines) if "opacity: 1.7" in line)
    assert f"(line {line_no})" in str(err)


def test_malformed_yaml_gives_the_line(annotations_copy, edit_text):
    edit_text("piriformis", "kind: muscle\n", "kind: muscle\nsummary: [unclosed\n")
    err = _first_error(annotations_copy)
    assert err.file.endswith("piriformis.yaml")
    assert re.search(r"piriformis\.yaml: invalid YAML at line \d+, column \d+", str(err))


def test_duplicate_yaml_key(annotations_copy, edit_text):
    edit_text("sacrum", "kind: bone\n", "kind: bone\nkind: bone\n")
    err = _first_error(annotations_copy)
    assert "sacrum.yaml: invalid YAML at line" in str(err) and "duplicate key 'kind'" in str(err)


def test_empty_file(annotations_copy):
    (annotations_copy / "femur.yaml").write_text("", encoding="utf-8")
    err = _first_error(annotations_copy)
    assert "femur.yaml: file is empty" in str(err)


def test_id_does_not_match_file_name(annotations_copy, edit_yaml):
    edit_yaml("gemellus_superior", lambda d: d.update(id="gemellus_superior_muscle"))
    err = _first_error(annotations_copy)
    assert (
        "gemellus_superior.yaml: id: 'gemellus_superior_muscle' does not match the file name "
        "(expected 'gemellus_superior')"
    ) in str(err)


def test_duplicate_ids(annotations_copy):
    # a second file declaring an existing compartment id as a compartment of its own muscle
    data = yaml.safe_load((annotations_copy / "gluteus_medius.yaml").read_text("utf-8"))
    data["compartments"].append(dict(data["compartments"][0]))
    (annotations_copy / "gluteus_medius.yaml").write_text(yaml.safe_dump(data), "utf-8")
    err = _first_error(annotations_copy)
    assert "gluteus_medius.yaml: compartments[3].id: duplicate compartment id " \
        "'gluteus_medius.anterior'" in str(err)


def test_duplicate_structure_ids_across_files(annotations_copy):
    source = annotations_copy / "gemellus_superior.yaml"
    (annotations_copy / "zz_copy.yaml").write_text(source.read_text("utf-8"), "utf-8")
    errors = [str(e) for e in validate_annotations(annotations_copy)]
    assert any("zz_copy.yaml: id: duplicate id 'gemellus_superior'" in e for e in errors), errors
    assert any("zz_copy.yaml: id: 'gemellus_superior' does not match the file name" in e
               for e in errors), errors


def test_compartment_id_must_start_with_muscle_id(annotations_copy, edit_yaml):
    def change(d):
        d["compartments"][0]["id"] = "gluteus_minimus.front"

    edit_yaml("gluteus_medius", change)
    err = _first_error(annotations_copy)
    assert (
        "gluteus_medius.yaml: compartments[0].id: 'gluteus_minimus.front' must start with the "
        "muscle id ('gluteus_medius.<part>')"
    ) in str(err)


def test_architecture_source_must_be_a_reference(annotations_copy, edit_yaml):
    edit_yaml("piriformis", lambda d: d["architecture"].update(source="brand1986"))
    err = _first_error(annotations_copy)
    assert "piriformis.yaml: architecture.source: 'brand1986' is not a key in references " \
        "(allowed: gray42, parvaresh2019" in str(err)


def test_estimate_needs_reasoning(annotations_copy, edit_yaml):
    edit_yaml("tensor_fasciae_latae", lambda d: d["architecture"].update(notes="guess"))
    err = _first_error(annotations_copy)
    assert "tensor_fasciae_latae.yaml: architecture.notes: an estimate needs its reasoning" \
        in str(err)


def test_unknown_field(annotations_copy, edit_yaml):
    edit_yaml("piriformis", lambda d: d["innervation"].update(root="S1"))
    err = _first_error(annotations_copy)
    assert (
        "piriformis.yaml: innervation.root: unknown field "
        "(did you mean 'roots'? allowed: nerve, roots, notes)"
    ) in str(err)


def test_field_of_another_kind_is_refused(annotations_copy, edit_yaml):
    edit_yaml("femur", lambda d: d.update(origin={"text": "none", "landmarks": ["x"]}))
    err = _first_error(annotations_copy)
    assert "femur.yaml: origin: unknown field" in str(err)


def test_wrong_kind(annotations_copy, edit_yaml):
    edit_yaml("sciatic_nerve", lambda d: d.update(kind="tendon"))
    err = _first_error(annotations_copy)
    assert "sciatic_nerve.yaml: kind: 'tendon' is not allowed (allowed: bone, muscle, nerve)" \
        in str(err)


def test_bad_root(annotations_copy, edit_yaml):
    edit_yaml("gemellus_inferior", lambda d: d["innervation"].update(roots=["L4", "L6"]))
    err = _first_error(annotations_copy)
    assert "gemellus_inferior.yaml: innervation.roots[1]: 'L6' is not a spinal nerve root" \
        in str(err)


def test_landmark_must_belong_to_the_muscle(annotations_copy, edit_yaml):
    edit_yaml("piriformis", lambda d: d["origin"].update(landmarks=["gluteus_medius.origin"]))
    err = _first_error(annotations_copy)
    assert "piriformis.yaml: origin.landmarks[0]: 'gluteus_medius.origin' is not a landmark of " \
        "this muscle (allowed: piriformis.origin)" in str(err)


def test_neighbour_id_must_exist(annotations_copy, edit_yaml):
    edit_yaml("femur", lambda d: d["neighbours"].append({"structure": "vastus_lateralis",
                                                       "relation": "arises from the shaft"}))
    err = _first_error(annotations_copy)
    assert "femur.yaml: neighbours[5].structure: 'vastus_lateralis' is not a known structure id" \
        in str(err)


def test_layer_group_members_must_exist(annotations_copy):
    path = annotations_copy / "layer_groups.yaml"
    path.write_text(path.read_text("utf-8").replace("[sciatic_nerve]",
                                                    "[sciatic_nerve, femoral_nerve]"), "utf-8")
    err = _first_error(annotations_copy)
    assert "layer_groups.yaml: groups[3].members[1]: 'femoral_nerve' has no annotation file" \
        in str(err)


def test_load_annotation_checks_one_file(annotations_copy, edit_yaml):
    path = edit_yaml("piriformis", lambda d: d["display"].update(opacity=-0.5))
    with pytest.raises(DataError, match=r"display\.opacity: -0\.5 is out of range 0\.\.1"):
        load_annotation(path)
    assert load_annotation(annotations_copy / "femur.yaml").kind == "bone"


def test_missing_folder_and_files(tmp_path):
    with pytest.raises(DataError, match="annotation folder not found"):
        load_annotations(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="layer_groups.yaml: missing file"):
        load_annotations(tmp_path / "empty")
    with pytest.raises(DataError, match="file not found"):
        load_annotation(tmp_path / "ghost.yaml")


def test_validate_reports_every_problem(annotations_copy, edit_yaml, edit_text):
    edit_yaml("piriformis", lambda d: d.pop("insertion"))
    edit_yaml("femur", lambda d: d["display"].update(colour="white"))
    edit_text("sciatic_nerve", "layer_group: nerves", "layer_group: wires")
    messages = [str(e) for e in validate_annotations(annotations_copy)]
    assert len(messages) == 3, messages
    assert any("piriformis.yaml: insertion: missing required field" in m for m in messages)
    assert any("femur.yaml: display.colour: 'white' is not a colour" in m for m in messages)
    assert any("sciatic_nerve.yaml: layer_group: 'wires' is not a known layer group" in m
               for m in messages)
    for m in messages:
        _no_pydantic_noise(m)


def test_layer_groups_file_errors(annotations_copy):
    path = annotations_copy / "layer_groups.yaml"
    path.write_text(path.read_text("utf-8").replace("    order: 2\n", "    order: two\n"), "utf-8")
    err = _first_error(annotations_copy)
    assert "layer_groups.yaml: groups[2].order: expected a whole number, got text 'two'" \
        in str(err)
    groups = load_layer_groups(Path(__file__).resolve().parents[2] / "annotations" /
                               "layer_groups.yaml")
    assert [g.order for g in groups] == sorted(g.order for g in groups)


# Colour-vision deficiency: the deep rotators must stay apart for the three dichromacies, simulated
# with the matrices of Machado, Oliveira & Fernandes 2009 (IEEE TVCG 15(6):1291-1298, severity 1.0)
# applied in linear RGB.
MACHADO_2009 = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def _lab_simulated(colour: str, matrix) -> tuple[float, float, float]:
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    sim = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, lin)))) for row in matrix]
    back = [12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055 for c in sim]
    return _lab("#" + "".join(f"{round(255 * c):02x}" for c in back))


@pytest.mark.parametrize("deficiency", sorted(MACHADO_2009))
def test_deep_rotator_colours_stay_apart_for_colour_blind_viewers(annotation_set, deficiency):
    rotators = GROUPS["deep_external_rotators"]
    labs = {m: _lab_simulated(annotation_set[m].display.colour, MACHADO_2009[deficiency]) for m in rotators}
    for x, y in itertools.combinations(rotators, 2):
        assert math.dist(labs[x], labs[y]) > 15, (deficiency, x, y, math.dist(labs[x], labs[y]))
