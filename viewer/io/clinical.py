"""The clinical data file (``annotations/clinical/clinical.yaml``): spaces, tests, published figures.

Read once per model (:func:`clinical_for`), checked at the boundary, turned into core objects:
:class:`~viewer.core.spaces.SpaceDefinition` s gauged on the model's bones, the
:class:`~viewer.core.clinical_tests.ClinicalTest` s, the published values shown beside the
model's, the sciatic nerve's neighbours and the muscles released by the posterior approach.
Every published value names a ``source`` that must be a key of the file's ``references``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from viewer.core.clinical_tests import TEST_KINDS, ClinicalTest
from viewer.core.errors import DataError
from viewer.core.motions import parse_motion
from viewer.core.pose_text import parse_pose_value
from viewer.core.spaces import PatchRegion, SpaceDefinition, SpaceModel
from viewer.core.spec import check_knee_flexion
from viewer.io.yaml_source import display_path, read_yaml

CLINICAL_FILE = Path("annotations") / "clinical" / "clinical.yaml"


@dataclass(frozen=True)
class Published:
    """A published value (``value_mm`` with ``sd_mm``) or a range (``range_mm``, open ends None)."""

    source: str
    citation: str
    group: str
    pose: str
    value_mm: float | None = None
    sd_mm: float | None = None
    range_mm: tuple[float | None, float | None] | None = None

    def text(self) -> str:
        if self.value_mm is not None:
            sd = f" ± {self.sd_mm:g}" if self.sd_mm is not None else ""
            return f"{self.group}: {self.value_mm:g}{sd} mm ({self.source})"
        lo, hi = self.range_mm
        span = f"> {lo:g} mm" if hi is None else f"≤ {hi:g} mm" if lo is None else f"{lo:g}–{hi:g} mm"
        return f"{self.group}: {span} ({self.source})"

    def as_dict(self) -> dict:
        out = {"group": self.group, "pose": self.pose, "source": self.source}
        if self.value_mm is not None:
            out.update(value_mm=self.value_mm, sd_mm=self.sd_mm)
        else:
            out["range_mm"] = list(self.range_mm)
        return out


@dataclass
class ClinicalData:
    """Everything in the clinical file, checked against one model."""

    path: Path
    references: dict[str, str]
    spaces: list[SpaceDefinition]
    published: dict[str, list[Published]]
    narrows_with: dict[str, tuple[str, ...]]
    tests: dict[str, ClinicalTest]
    nerve: str
    nerve_neighbours: dict[str, tuple[str, ...]]
    greatest_stretch_published: list[dict]
    release_default: tuple[str, ...]
    release_optional: tuple[str, ...]
    space_model: SpaceModel | None = field(default=None, repr=False)

    def test(self, name: str) -> ClinicalTest:
        """The test called ``name`` (id or display name, any case, hyphens or spaces)."""
        key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
        for test in self.tests.values():
            if key in (test.id, test.display_name.lower().replace(" ", "_")):
                return test
        raise DataError(f"unknown clinical test {name!r} (tests: {', '.join(self.tests)})", field="test")


class _Reader:
    def __init__(self, shown: str, lines: dict):
        self.shown, self.lines = shown, lines

    def fail(self, loc: tuple, reason: str) -> DataError:
        field_name = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
        line = self.lines.get(loc)
        return DataError(reason + (f" (line {line})" if line else ""), file=self.shown, field=field_name)

    def get(self, data: Any, loc: tuple, key: str, kind, *, optional=False, default=None):
        if not isinstance(data, dict):
            raise self.fail(loc, "must be a mapping of fields")
        if key not in data:
            if optional:
                return default
            raise self.fail((*loc, key), "missing")
        value = data[key]
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if kind is not float and isinstance(value, kind):
            return value
        raise self.fail((*loc, key), f"must be {'a number' if kind is float else kind.__name__}, got {value!r}")


def _region(r: _Reader, raw: Any, loc: tuple, landmarks) -> PatchRegion:
    bone = r.get(raw, loc, "bone", str)
    names = r.get(raw, loc, "landmarks", list)
    for i, name in enumerate(names):
        if name not in landmarks:
            raise r.fail((*loc, "landmarks", i), f"unknown landmark {name!r}")
    if not 1 <= len(names) <= 2:
        raise r.fail((*loc, "landmarks"), "give one landmark (a ball) or two (a capsule)")
    radius = r.get(raw, loc, "radius_mm", float)
    if radius <= 0:
        raise r.fail((*loc, "radius_mm"), f"must be positive, got {radius:g}")
    facing = r.get(raw, loc, "facing", list)
    if len(facing) != 3 or not all(isinstance(v, (int, float)) for v in facing) or not np.any(facing):
        raise r.fail((*loc, "facing"), "must be a non-zero direction [x, y, z]")
    min_cos = r.get(raw, loc, "min_cos", float, optional=True, default=0.3)
    return PatchRegion(bone, tuple(names), radius, tuple(float(v) for v in facing), min_cos)


def load_clinical(data_dir: Path, landmarks, meshes=None, structure_ids=()) -> ClinicalData:
    """Read and check the clinical file of a data folder (the built-in one when the folder has none)."""
    from viewer.io.model import default_data_dir

    path = Path(data_dir) / CLINICAL_FILE
    if not path.is_file():
        path = default_data_dir() / CLINICAL_FILE
    shown = display_path(path)
    data, lines = read_yaml(path, what="clinical data file")
    r = _Reader(shown, lines)
    if not isinstance(data, dict):
        raise DataError("must be a mapping with references, spaces and tests", file=shown)
    references = {}
    for i, ref in enumerate(r.get(data, (), "references", list)):
        references[r.get(ref, ("references", i), "key", str)] = " ".join(r.get(ref, ("references", i), "citation", str).split())

    def source(raw, loc) -> str:
        key = r.get(raw, loc, "source", str)
        if key not in references:
            raise r.fail((*loc, "source"), f"unknown reference {key!r} (references: {', '.join(references)})")
        return key

    spaces, published, narrows = [], {}, {}
    for i, raw in enumerate(r.get(data, (), "spaces", list)):
        loc = ("spaces", i)
        sid = r.get(raw, loc, "id", str)
        spaces.append(SpaceDefinition(sid, r.get(raw, loc, "display_name", str),
                                      _region(r, r.get(raw, loc, "pelvis", dict), (*loc, "pelvis"), landmarks),
                                      _region(r, r.get(raw, loc, "femur", dict), (*loc, "femur"), landmarks),
                                      " ".join(r.get(raw, loc, "description", str, optional=True, default="").split())))
        entries = []
        for k, pub in enumerate(r.get(raw, loc, "published", list)):
            ploc = (*loc, "published", k)
            key = source(pub, ploc)
            rng = pub.get("range_mm") if isinstance(pub, dict) else None
            value = r.get(pub, ploc, "value_mm", float, optional=True)
            if (value is None) == (rng is None):
                raise r.fail(ploc, "give value_mm (with sd_mm) or range_mm [low, high]")
            if rng is not None and (not isinstance(rng, list) or len(rng) != 2):
                raise r.fail((*ploc, "range_mm"), "must be [low, high] (null for an open end)")
            entries.append(Published(key, references[key], r.get(pub, ploc, "group", str), r.get(pub, ploc, "pose", str),
                                     value, r.get(pub, ploc, "sd_mm", float, optional=True),
                                     None if rng is None else tuple(None if v is None else float(v) for v in rng)))
        published[sid] = entries
        narrows[sid] = tuple(parse_motion(m, field=f"spaces[{i}].narrows_with").name
                             for m in r.get(raw, loc, "narrows_with", list, optional=True, default=[]))

    tests = {}
    for i, raw in enumerate(r.get(data, (), "tests", list)):
        loc = ("tests", i)
        tid = r.get(raw, loc, "id", str)
        kind = r.get(raw, loc, "kind", str)
        if kind not in TEST_KINDS:
            raise r.fail((*loc, "kind"), f"unknown kind {kind!r} (allowed: {', '.join(TEST_KINDS)})")
        try:
            pose = parse_pose_value(r.get(raw, loc, "pose", dict), field="pose")
            knee = check_knee_flexion(r.get(raw, loc, "knee_flexion", float, optional=True, default=0.0))
            motions = tuple(parse_motion(m).name for m in r.get(raw, loc, "motions", list, optional=True, default=[]))
        except DataError as exc:
            raise r.fail((*loc, exc.field or ""), exc.reason) from None
        if kind == "resisted" and not motions:
            raise r.fail((*loc, "motions"), "a resisted test names the motion(s) resisted")
        tests[tid] = ClinicalTest(tid, r.get(raw, loc, "display_name", str), kind, tuple(float(v) for v in pose), knee,
                                  motions, " ".join(r.get(raw, loc, "description", str, optional=True, default="").split()),
                                  source(raw, loc))

    nerve_raw = r.get(data, (), "nerve", dict)
    neighbours = {}
    for i, sid in enumerate(r.get(nerve_raw, ("nerve",), "neighbours", list)):
        if structure_ids and sid not in structure_ids:
            raise r.fail(("nerve", "neighbours", i), f"unknown structure {sid!r}")
        neighbours[sid] = ()
    greatest = []
    for i, raw in enumerate(r.get(data, (), "greatest_stretch_published", list, optional=True, default=[])):
        loc = ("greatest_stretch_published", i)
        greatest.append({"muscle": r.get(raw, loc, "muscle", str), "pose": dict(r.get(raw, loc, "pose", dict)),
                         "stretch_mm": r.get(raw, loc, "stretch_mm", float), "source": source(raw, loc)})
    approach = r.get(data, (), "posterior_approach", dict)
    release = tuple(r.get(approach, ("posterior_approach",), "release", list))
    optional = tuple(r.get(approach, ("posterior_approach",), "optional", list, optional=True, default=[]))
    for key, ids in (("release", release), ("optional", optional)):
        for i, sid in enumerate(ids):
            if structure_ids and sid not in structure_ids:
                raise r.fail(("posterior_approach", key, i), f"unknown structure {sid!r}")
    out = ClinicalData(path, references, spaces, published, narrows, tests, r.get(nerve_raw, ("nerve",), "id", str),
                       neighbours, greatest, release, optional)
    if meshes is not None:
        try:
            out.space_model = SpaceModel(spaces, meshes, {k: v.position_mm for k, v in landmarks.items()})
        except DataError as exc:
            raise DataError(exc.reason, file=shown, field=exc.field) from None
    return out


def clinical_for(model) -> ClinicalData:
    """The clinical data of a loaded model, read and gauged once and kept on the model."""
    cached = model.__dict__.get("_clinical")
    if cached is None:
        structure_ids = set(model.annotations.keys())
        cached = load_clinical(model.data_dir, model.landmarks, model.meshes, structure_ids)
        line_ids = {line.id for line in model.lines}
        if cached.nerve not in line_ids:
            raise DataError(f"the model has no line for the nerve {cached.nerve!r}", file=display_path(cached.path),
                            field="nerve.id")
        # The nerve's neighbours: the lines each neighbour structure owns.
        cached.nerve_neighbours = {sid: tuple(l.id for l in model.lines if l.structure == sid)
                                   for sid in cached.nerve_neighbours}
        model.__dict__["_clinical"] = cached
    return cached


def release_ids(model, ids, *, field: str = "--release") -> list[str]:
    """Muscle ids named for release; ``posterior-approach`` stands for the file's default set.

    Raises
    ------
    DataError
        An unknown id, or one that is not a muscle, naming ``field``.
    """
    out: list[str] = []
    muscles = set(model.actions.line_ids) | set(model.actions.structure_ids)
    for some_id in ids:
        if str(some_id).strip().lower().replace("-", "_") == "posterior_approach":
            out += clinical_for(model).release_default
            continue
        try:
            resolved = model.catalogue.resolve(some_id, field=field)
        except DataError as exc:
            raise DataError(exc.reason, field=field) from None
        if resolved not in muscles:
            raise DataError(f"{some_id!r} is not a muscle (muscles: {', '.join(sorted(model.actions.structure_ids))})",
                            field=field)
        out.append(resolved)
    if not out:
        raise DataError("names no muscle (e.g. piriformis,obturator_internus or posterior-approach)", field=field)
    return list(dict.fromkeys(out))
