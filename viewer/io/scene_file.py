"""Scene files: one :class:`~viewer.core.spec.SceneSpec` as YAML (read, checked, written).

A scene file says what one picture shows; ``hip-viewer render --scene FILE.yaml`` draws it and
the app's *File > Open scene...* shows it (*Save scene...* writes one). Every field is
optional; a scene starts from the model's defaults (the annotations' display settings, neutral
pose, posterolateral view, no colouring, nothing selected)::

    # hip-viewer scene
    pose: {flexion: 90, external_rotation: 20}   # or "flexion=90,..." or a preset name
    knee_flexion: 0                              # degrees, 0..120 (display only)
    only: [deep_external_rotators, femur]        # ids, names or synonyms; groups allowed
    hide: [piriformis]                           # applied after only
    show: [gluteus_medius.anterior]              # applied after hide
    opacity: {hip_bone: 0.5}
    motion: external_rotation                    # colour muscles by their role (or none)
    colour_by: moment_arm                        # or torque, or stretch (length change from neutral)
    released: [piriformis]                       # detached muscles, drawn retracted (posterior approach)
    section: axial:-50                           # a cutting plane: axial:Y, coronal:X, sagittal:Z (mm)
    show_spaces: true                            # the ischiofemoral space with its published ranges
    highlight: [obturator_internus]
    select: piriformis                           # label, origin and insertion markers
    ghost: false
    show_mechanics: false                        # joint axis, line of action, moment arm
    labels: true                                 # the selection's name label
    legend: true                                 # the colour key (with a motion)
    view: posterior                              # a named view ...
    zoom: 1.5
    focus: [piriformis]                          # ... framed on these structures
    camera:                                      # or an explicit camera (mm, pelvis frame)
      position: [-900, 100, 300]
      focal_point: [-20, -40, -15]
      up: [0, 1, 0]
    caption: Piriformis from behind
    theme: dark                                  # dark, light, white or black

``only``/``hide``/``show`` are applied in that order (:func:`viewer.core.spec.resolve_layers`).
A lesson step uses the same fields (plus ``caption``, ``reset``, ``duration_s``): they are read by
:func:`apply_scene_fields` here. Every problem is one DataError naming the file, the field and
the line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from viewer.core.catalogue import Catalogue
from viewer.core.errors import DataError
from viewer.core.kinematics import DEFAULT_ROM
from viewer.core.motions import POSE_COORDINATES, parse_motion
from viewer.core.pose_text import parse_pose_value
from viewer.core.sections import parse_section
from viewer.core.spec import (
    COLOUR_BY,
    KNEE_FLEXION_RANGE_DEG,
    THEME_NAMES,
    ZOOM_RANGE,
    SceneSpec,
    resolve_layers,
)
from viewer.core.tolerances import tol
from viewer.core.views import VIEWS
from viewer.io.files import write_text_atomic
from viewer.io.validation import FieldChecker, short
from viewer.io.yaml_source import display_path, read_yaml

#: Fields a lesson step shares with a scene file.
SHARED_KEYS = (
    "view", "zoom", "focus", "only", "hide", "show", "opacity", "pose", "motion", "colour_by",
    "highlight", "select", "ghost", "show_mechanics", "knee_flexion", "released", "section", "show_spaces",
    "callouts", "label_visible",
)
#: Every field of a scene file: the shared ones, then those only a scene file has.
SCENE_KEYS = (*SHARED_KEYS, "labels", "legend", "camera", "caption", "theme")
CAMERA_KEYS = ("position", "focal_point", "up")
MAX_SCENE_CAPTION_CHARS = 600


def apply_scene_fields(check: FieldChecker, loc: tuple, raw: dict, start: SceneSpec, catalogue: Catalogue,
                       bounds=None) -> SceneSpec:
    """``start`` changed by the scene fields of ``raw`` (:data:`SHARED_KEYS`), checked.

    The one reading of view, zoom, focus, only/hide/show, opacity, pose, knee flexion, motion,
    colouring, highlight, selection, ghost, mechanics, released muscles, section and spaces,
    shared by lesson steps and scene files; every problem is a DataError located at
    ``loc + (field,)`` of the file. ``bounds`` (the model's box, mm) lets a section that misses
    the model be refused.
    """
    changes: dict[str, Any] = {}

    def leaves(key: str, value, *, groups: bool = True) -> list[str]:
        out = []
        for some_id in check.id_list((*loc, key), value):
            try:
                out += catalogue.leaves(catalogue.resolve(some_id, groups=groups), groups=groups)
            except DataError as exc:
                raise check.relocate((*loc, key), exc) from None
        return out

    try:
        visible = resolve_layers(start.visible, catalogue, **{k: check.id_list((*loc, k), raw[k])
                                                               for k in ("only", "hide", "show") if k in raw})
    except DataError as exc:
        raise check.relocate((*loc, exc.field), exc) from None
    changes["visible"] = visible
    if "opacity" in raw:
        value = raw["opacity"]
        if not isinstance(value, dict) or not value:
            raise check.fail((*loc, "opacity"), "must map ids to opacities 0..1, e.g. {gluteus_maximus: 0.3}; "
                             f"got {short(value)}")
        opacity = dict(start.opacity)
        for some_id, alpha in value.items():
            alpha = check.number((*loc, "opacity"), alpha, 0.0, 1.0)
            for leaf in leaves("opacity", str(some_id)):
                opacity[leaf] = alpha
        changes["opacity"] = opacity

    camera = start.camera
    if "view" in raw:
        view = raw["view"]
        if not isinstance(view, str) or view not in VIEWS:
            raise check.fail((*loc, "view"), f"unknown view {view!r} (allowed: {', '.join(VIEWS)})")
        camera = replace(camera, view=view)
    if "zoom" in raw:
        camera = replace(camera, zoom=check.number((*loc, "zoom"), raw["zoom"], *ZOOM_RANGE))
    if "focus" in raw:
        focus = [] if raw["focus"] in (None, []) else leaves("focus", raw["focus"])
        camera = replace(camera, focus=tuple(dict.fromkeys(focus)))
    changes["camera"] = camera

    if "pose" in raw:
        try:
            pose = parse_pose_value(raw["pose"], start.pose_deg, DEFAULT_ROM, field="pose")
        except DataError as exc:
            raise check.relocate((*loc, "pose"), exc) from None
        changes["pose_deg"] = tuple(float(v) for v in pose)
    if "motion" in raw:
        value = raw["motion"]
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            changes["motion"] = None
        elif not isinstance(value, str):
            raise check.fail((*loc, "motion"), f"must be a motion name or none, got {short(value)}")
        else:
            try:
                changes["motion"] = parse_motion(value, field="motion").name
            except DataError as exc:
                raise check.relocate((*loc, "motion"), exc) from None
    if "colour_by" in raw:
        if raw["colour_by"] not in COLOUR_BY:
            raise check.fail((*loc, "colour_by"),
                             f"unknown colouring {raw['colour_by']!r} (allowed: {', '.join(COLOUR_BY)})")
        changes["colour_by"] = raw["colour_by"]
    if "highlight" in raw:
        ids = [] if raw["highlight"] is None else check.id_list((*loc, "highlight"), raw["highlight"])
        out: list[str] = []
        for some_id in ids:
            try:
                out += catalogue.ids(catalogue.resolve(some_id, groups=True), groups=True)
            except DataError as exc:
                raise check.relocate((*loc, "highlight"), exc) from None
        changes["highlight"] = tuple(dict.fromkeys(out))
    if "select" in raw:
        value = raw["select"]
        if value is not None:
            if not isinstance(value, str):
                raise check.fail((*loc, "select"), f"must be one structure id or null, got {short(value)}")
            try:
                value = catalogue.resolve(value, groups=False)
            except DataError as exc:
                raise check.relocate((*loc, "select"), exc) from None
        changes["selection"] = value
    if "callouts" in raw:
        ids = [] if raw["callouts"] is None else check.id_list((*loc, "callouts"), raw["callouts"])
        out = []
        for some_id in ids:
            try:
                out += catalogue.ids(catalogue.resolve(some_id, groups=True), groups=True)
            except DataError as exc:
                raise check.relocate((*loc, "callouts"), exc) from None
        changes["callouts"] = tuple(dict.fromkeys(out))
    for key in ("ghost", "show_mechanics", "show_spaces", "label_visible"):
        if key in raw:
            changes[key] = check.boolean((*loc, key), raw[key])
    if "knee_flexion" in raw:
        changes["knee_flexion_deg"] = check.number((*loc, "knee_flexion"), raw["knee_flexion"], *KNEE_FLEXION_RANGE_DEG,
                                                   " deg")
    if "released" in raw:
        ids = [] if raw["released"] is None else check.id_list((*loc, "released"), raw["released"])
        out = []
        for some_id in ids:
            try:
                resolved = catalogue.resolve(some_id, groups=False)
            except DataError as exc:
                raise check.relocate((*loc, "released"), exc) from None
            if catalogue[resolved].kind != "muscle" or not catalogue[resolved].lines:
                raise check.fail((*loc, "released"), f"{some_id!r} is not a muscle (only muscles are released)")
            out.append(resolved)
        changes["released"] = tuple(dict.fromkeys(out))
    if "section" in raw:
        value = raw["section"]
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            changes["section"] = None
        else:
            try:
                changes["section"] = parse_section(value, *(bounds or (None, None)), field="section")
            except DataError as exc:
                raise check.relocate((*loc, "section"), exc) from None
    return start.replace(**changes)


def _scene_only_fields(check: FieldChecker, raw: dict, spec: SceneSpec) -> SceneSpec:
    changes: dict[str, Any] = {}
    for key in ("labels", "legend"):
        if key in raw:
            changes[key] = check.boolean((key,), raw[key])
    if "caption" in raw:
        caption = "" if raw["caption"] is None else check.text(("caption",), raw["caption"])
        if len(caption) > MAX_SCENE_CAPTION_CHARS:
            raise check.fail(("caption",), f"is {len(caption)} characters long (at most {MAX_SCENE_CAPTION_CHARS})")
        changes["caption"] = caption
    if "theme" in raw:
        if raw["theme"] not in THEME_NAMES:
            raise check.fail(("theme",), f"unknown theme {raw['theme']!r} (allowed: {', '.join(THEME_NAMES)})")
        changes["theme"] = raw["theme"]
    if "camera" in raw:
        value = raw["camera"]
        if not isinstance(value, dict):
            raise check.fail(("camera",), f"must map position, focal_point and up to [x, y, z] (mm); got {short(value)}")
        check.keys(("camera",), value, CAMERA_KEYS)
        for key in ("position", "focal_point"):
            if key not in value:
                raise check.fail(("camera", key), "missing (an explicit camera needs position and focal_point)")
        vectors = {key: check.vector(("camera", key), value[key]) for key in CAMERA_KEYS if key in value}
        if vectors["position"] == vectors["focal_point"]:
            raise check.fail(("camera", "position"), "is the focal point (the camera must look somewhere)")
        changes["camera"] = replace(spec.camera, **vectors)
    return spec.replace(**changes)


def scene_from_mapping(raw: Any, base: SceneSpec, catalogue: Catalogue, *, shown: str = "scene",
                       lines: dict | None = None) -> SceneSpec:
    """A scene from already-read YAML data, starting from ``base`` (the model's defaults)."""
    check = FieldChecker(shown, lines or {})
    if raw is None:
        return base
    if not isinstance(raw, dict):
        raise DataError(f"a scene must be a mapping of fields, got {short(raw)}", file=shown)
    check.keys((), raw, SCENE_KEYS)
    spec = apply_scene_fields(check, (), raw, base, catalogue)
    return _scene_only_fields(check, raw, spec)


def load_scene(path: str | Path, base: SceneSpec, catalogue: Catalogue) -> SceneSpec:
    """Read and check a scene file.

    Parameters
    ----------
    path : str or Path
    base : SceneSpec
        What fields the file does not name show: the model's defaults
        (:func:`viewer.state.state_for_model` then ``snapshot()``).
    catalogue : Catalogue
        The ids the file may name.

    Raises
    ------
    DataError
        The first problem, naming the file, the field and the line.
    """
    data, lines = read_yaml(Path(path), what="scene file")
    return scene_from_mapping(data, base, catalogue, shown=display_path(Path(path)), lines=lines)


def scene_to_mapping(spec: SceneSpec, base: SceneSpec, catalogue: Catalogue) -> dict:
    """The fields of a scene file that show ``spec`` when read over ``base``.

    Visibility and opacity are written as changes from ``base`` (``hide``, ``show``,
    ``opacity``), so a file stays short and readable; the other fields are written in full.
    """
    out: dict[str, Any] = {"pose": dict(zip(POSE_COORDINATES, (round(v, 6) for v in spec.pose_deg)))}
    if spec.knee_flexion_deg:
        out["knee_flexion"] = round(spec.knee_flexion_deg, 6)
    leaves = catalogue.all_leaves()
    hide = [leaf for leaf in leaves if not spec.visible.get(leaf, base.visible.get(leaf, True))
            and base.visible.get(leaf, True)]
    show = [leaf for leaf in leaves if spec.visible.get(leaf, base.visible.get(leaf, True))
            and not base.visible.get(leaf, True)]
    if hide:
        out["hide"] = hide
    if show:
        out["show"] = show
    opacity = {leaf: spec.opacity[leaf] for leaf in leaves
               if leaf in spec.opacity and abs(spec.opacity[leaf] - base.opacity.get(leaf, 1.0)) > tol.opacity}
    if opacity:
        out["opacity"] = opacity
    out["motion"] = spec.motion or "none"
    out["colour_by"] = spec.colour_by
    if spec.highlight:
        out["highlight"] = list(spec.highlight)
    out["select"] = spec.selection
    if spec.callouts:
        out["callouts"] = list(spec.callouts)
    for key in ("ghost", "show_mechanics", "label_visible", "labels", "legend", "show_spaces"):
        out[key] = bool(getattr(spec, key))
    if spec.released:
        out["released"] = list(spec.released)
    if spec.section is not None:
        out["section"] = spec.section.text()
    cam = spec.camera
    out["view"] = cam.view
    out["zoom"] = float(cam.zoom)
    if cam.focus:
        out["focus"] = list(cam.focus)
    if cam.explicit:
        out["camera"] = {key: [round(float(v), 6) for v in getattr(cam, key)] for key in CAMERA_KEYS
                         if getattr(cam, key) is not None}
    out["caption"] = spec.caption
    out["theme"] = spec.theme
    return out


def save_scene(path: str | Path, spec: SceneSpec, base: SceneSpec, catalogue: Catalogue) -> Path:
    """Write ``spec`` as a scene file (see :func:`scene_to_mapping`); error names the path."""
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise DataError(f"a scene file must end in .yaml, got {path.name!r}", field="scene")
    text = "# hip-viewer scene (see viewer/io/scene_file.py for the fields)\n" + yaml.safe_dump(
        scene_to_mapping(spec, base, catalogue), sort_keys=False, allow_unicode=True, width=100)
    return write_text_atomic(path, text)  # through a temporary file: never half a scene file
