"""Scene files: a SceneSpec as YAML, read back exactly; bad fields named with file, field, line."""

from __future__ import annotations

import textwrap

import pytest

from viewer.core.errors import DataError
from viewer.core.spec import Camera
from viewer.io.scene_file import load_scene, save_scene, scene_to_mapping
from viewer.state import state_for_model


@pytest.fixture()
def base(model):
    return state_for_model(model).snapshot()


def _spec(model, base):
    cat = model.catalogue
    visible = dict(base.visible)
    for leaf in cat.leaves("gluteals", groups=True):
        visible[leaf] = False
    visible["gluteus_medius.anterior"] = True
    opacity = {**base.opacity, "hip_bone": 0.35, "femur": 0.5}
    return base.replace(
        visible=visible, opacity=opacity, pose_deg=(72.5, -10.0, 33.25), knee_flexion_deg=45.0,
        motion="external_rotation", colour_by="torque", highlight=("piriformis", "gemellus_superior"),
        selection="obturator_internus", ghost=True, show_mechanics=True, labels=False, legend=False,
        camera=Camera(view="posterior", zoom=1.7, focus=("piriformis",)), caption="Deep rotators, flexed",
        theme="light")


def test_spec_yaml_round_trip(model, base, tmp_path):
    spec = _spec(model, base)
    path = save_scene(tmp_path / "scene.yaml", spec, base, model.catalogue)
    assert load_scene(path, base, model.catalogue) == spec
    text = path.read_text(encoding="utf-8")
    assert "hide:" in text and "gluteus_maximus" in text and "knee_flexion: 45.0" in text
    # The defaults themselves, and an explicit camera, survive as well.
    assert load_scene(save_scene(tmp_path / "d.yaml", base, base, model.catalogue), base, model.catalogue) == base
    explicit = spec.replace(camera=Camera(view="lateral", position=(-800.0, 120.5, 310.0),
                                          focal_point=(-20.0, -40.0, -15.0), up=(0.0, 1.0, 0.0)))
    assert load_scene(save_scene(tmp_path / "e.yaml", explicit, base, model.catalogue), base,
                      model.catalogue) == explicit
    assert scene_to_mapping(base, base, model.catalogue).get("hide") is None


def test_names_and_synonyms_resolve_and_layers_apply_in_order(model, base, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent("""\
        only: [deep external rotators, femur]
        hide: Piriformis
        show: [glute med]
        pose: flexion=90,internal_rotation=10
        select: quadratus femoris
        """), encoding="utf-8")
    spec = load_scene(path, base, model.catalogue)
    shown = {leaf for leaf, v in spec.visible.items() if v}
    cat = model.catalogue
    assert shown == (set(cat.leaves("deep_external_rotators", groups=True)) - {"piriformis"}) | {"femur"} | set(
        cat.leaves("gluteus_medius"))
    assert spec.pose_deg == (90.0, 0.0, -10.0) and spec.selection == "quadratus_femoris"


@pytest.mark.parametrize("text, message", [
    ("pose: {flexion: 150}\n", "s.yaml: pose: flexion=150 deg is outside the joint's range -20..120 deg"),
    ("view: posterior\nzom: 2\n", "s.yaml: zom: unknown field; did you mean 'zoom'?"),
    ("hide: [piriformus]\n", "s.yaml: hide: unknown structure, compartment or layer group 'piriformus'; "
                             "did you mean 'piriformis'?"),
    ("knee_flexion: 130\n", "s.yaml: knee_flexion: 130 deg is outside 0..120 deg (line 1)"),
    ("theme: grey\n", "s.yaml: theme: unknown theme 'grey' (allowed: dark, light, white, black) (line 1)"),
    ("colour_by: anatomy\n", "s.yaml: colour_by: unknown colouring 'anatomy' (allowed: moment_arm, torque, stretch)"),
    ("section: frontal:0\n", "s.yaml: section: unknown plane 'frontal' (allowed: axial, coronal, sagittal, oblique)"),
    ("released: [femur]\n", "s.yaml: released: 'femur' is not a muscle (only muscles are released)"),
    ("camera: {position: [0, 0, 0]}\n", "s.yaml: camera.focal_point: missing"),
    ("camera:\n  position: [1, 2]\n  focal_point: [0, 0, 0]\n",
     "s.yaml: camera.position: must be three numbers [x, y, z] in mm, got a list [1, 2] (line 2)"),
    ("- a list\n", "s.yaml: a scene must be a mapping of fields, got a list"),
    ("select: gluteals\n", "s.yaml: select: unknown structure or compartment 'gluteals'"),
])
def test_bad_scene_files_name_file_field_and_line(model, base, tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_scene(tmp_path / "s.yaml", base, model.catalogue)
    assert message in str(info.value)


def test_a_scene_file_must_be_yaml(model, base, tmp_path):
    with pytest.raises(DataError, match="must end in .yaml"):
        save_scene(tmp_path / "x.txt", base, base, model.catalogue)


def test_clinical_fields_round_trip(model, base, tmp_path):
    """Stretch colouring, released muscles, a section and the spaces are scene fields."""
    from viewer.io.scene_file import save_scene

    path = tmp_path / "clinical.yaml"
    path.write_text("colour_by: stretch\nreleased: [piriformis, obturator internus]\nsection: axial:-62\n"
                    "show_spaces: true\nknee_flexion: 90\n", encoding="utf-8")
    spec = load_scene(path, base, model.catalogue)
    assert spec.colour_by == "stretch" and spec.released == ("piriformis", "obturator_internus")
    assert spec.section.plane == "axial" and spec.section.offset_mm == -62 and spec.show_spaces
    again = load_scene(save_scene(tmp_path / "again.yaml", spec, base, model.catalogue), base, model.catalogue)
    assert again == spec
