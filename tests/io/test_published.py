"""Published moment arms in the annotations: schema, sources, and the look-up by muscle, motion, pose."""

from __future__ import annotations

import pytest

from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS
from viewer.io.annotations import load_annotations


def test_every_published_entry_names_a_reference_of_its_structure(annotation_set):
    count = 0
    for ann in annotation_set.values():
        keys = {ref.key for ref in ann.references}
        for pub in getattr(ann, "published", ()):
            assert pub.source in keys, (ann.id, pub.source)
            count += 1
    assert count >= 20  # piriformis, gluteus maximus and gluteus medius at least


def test_piriformis_delp_figures_at_0_and_90_degrees(model):
    at0 = model.published.lookup("piriformis", MOTIONS["external_rotation"], (0, 0, 0))
    at90 = model.published.lookup("piriformis", MOTIONS["external_rotation"], (90, 0, 0))
    assert [p.source for p in at0] == ["delp1999"] and [p.source for p in at90] == ["delp1999"]
    assert at0[0].short_citation() == "Delp et al. 1999"
    assert at0[0].value_mm > 0 > at90[0].value_mm  # external rotator extended, internal rotator flexed
    # the same figure asked for the opposite motion changes sign, and other poses have none
    assert model.published.lookup("piriformis", MOTIONS["internal_rotation"], (90, 0, 0))[0].value_mm == -at90[0].value_mm
    assert model.published.lookup("piriformis", MOTIONS["external_rotation"], (45, 0, 0)) == []
    assert model.published.lookup("piriformis", MOTIONS["abduction"], (0, 0, 0)) == []


@pytest.mark.parametrize("change, field, words", [
    (lambda e: e.update(source="nobody2000"), "published[0].source", "'nobody2000' is not a key in references"),
    (lambda e: e.update(pose="flexion=200"), "published[0].pose", "200"),
    (lambda e: e.update(motion="twisting"), "published[0].motion", "'twisting' is not a motion"),
    (lambda e: e.update(range_mm=[1.0, 2.0]), "published[0].value_mm", "exactly one of value_mm or range_mm"),
    (lambda e: (e.pop("value_mm"), e.update(range_mm=[5.0, 1.0])), "published[0].range_mm", "low <= high"),
    (lambda e: e.update(part="piriformis.upper"), "published[0].part", "not a compartment of piriformis"),
])
def test_bad_published_entries_give_one_clear_line(edit_yaml, annotations_copy, change, field, words):
    edit_yaml("piriformis", lambda d: change(d["published"][0]))
    with pytest.raises(DataError) as info:
        load_annotations(annotations_copy)
    message = info.value.message
    assert "piriformis.yaml" in message and field in message and words in message
    assert "\n" not in message


def test_a_range_is_accepted_and_shown_as_a_band(edit_yaml, annotations_copy):
    from viewer.io.model import published_table

    def change(d):
        d["published"].append({"motion": "abduction", "pose": "flexion=0", "range_mm": [5.0, 15.0],
                               "source": "delp1999"})

    edit_yaml("piriformis", change)
    table = published_table(load_annotations(annotations_copy))
    (pub,) = table.lookup("piriformis", MOTIONS["adduction"], (0, 0, 0))
    assert pub.range_mm == (-15.0, -5.0) and pub.centre_mm == -10.0
    assert pub.as_dict()["range_mm"] == [-15.0, -5.0] and "value_mm" not in pub.as_dict()
