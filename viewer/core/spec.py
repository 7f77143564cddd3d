"""The scene specification: everything one picture of the hip shows, as plain data.

A :class:`SceneSpec` is what the session state holds (:meth:`viewer.state.SessionState.snapshot`),
what a lesson step resolves to, what a scene file stores and what ``hip-viewer render`` draws.
No Qt, no VTK, no file format here: :mod:`viewer.io.scene_file` reads and writes it as YAML.

:func:`resolve_layers` is the one place that turns ``only``/``hide``/``show`` (and hidden layer
groups) into per-mesh visibility, in that order: ``only`` hides everything else, ``hide`` then
hides, ``show`` then shows. The command line, lessons, scene files and the app all use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Iterable, Mapping

from viewer.core.catalogue import Catalogue
from viewer.core.errors import DataError
from viewer.core.sections import Section
from viewer.core.views import DEFAULT_VIEW

#: Colourings of the muscles a scene may name. ``anatomy`` (the annotations' colours) is what a
#: scene without a motion shows; with a motion, each muscle takes its role colour scaled by its
#: moment arm or torque potential. ``stretch`` colours every muscle by its length change from the
#: neutral pose (shortened to lengthened), with or without a motion.
COLOUR_BY_MODES = ("anatomy", "moment_arm", "torque", "stretch")
#: The colourings a scene may choose (``anatomy`` is the absence of a motion and of stretch).
COLOUR_BY = ("moment_arm", "torque", "stretch")
#: Background themes (colours in :mod:`viewer.render.theme`).
THEME_NAMES = ("dark", "light", "white", "black")
#: Knee flexion (deg) shown with the pose; display only, the hip mechanics do not depend on it.
KNEE_FLEXION_RANGE_DEG = (0.0, 120.0)
#: Camera zoom factors a view, lesson or scene may ask for.
ZOOM_RANGE = (0.1, 10.0)

#: Named poses (flexion, abduction, external rotation in degrees) offered as presets.
POSE_PRESETS: dict[str, tuple[float, float, float]] = {
    "neutral": (0.0, 0.0, 0.0),
    "flexion_90": (90.0, 0.0, 0.0),
    "full_external_rotation": (0.0, 0.0, 50.0),
    "full_internal_rotation": (0.0, 0.0, -40.0),
    # Sitting upright: hip flexed to about 90 deg with a little abduction and external rotation.
    "sitting": (90.0, 10.0, 10.0),
}
#: Knee flexion (display only) that goes with a pose preset; 0 (knee straight) where not listed.
PRESET_KNEE_FLEXION_DEG: dict[str, float] = {"sitting": 90.0}

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Camera:
    """A named view with a zoom factor and the structures to frame (all visible ones when empty),
    or, when ``position`` is given, an explicit camera (position, focal point, view-up in mm,
    pelvis frame) that is used as it is."""

    view: str = DEFAULT_VIEW
    zoom: float = 1.0
    focus: tuple[str, ...] = ()  # leaf (mesh) ids
    position: Vec3 | None = None
    focal_point: Vec3 | None = None
    up: Vec3 | None = None

    @property
    def explicit(self) -> bool:
        return self.position is not None


@dataclass(frozen=True)
class SceneSpec:
    """Everything one picture shows, absolutely (not as a change).

    Attributes
    ----------
    visible, opacity : Mapping[str, bool], Mapping[str, float]
        Per leaf (mesh) id; leaves not named keep their defaults when applied.
    pose_deg : tuple of 3 floats
        Flexion, abduction, external rotation in degrees.
    knee_flexion_deg : float
        Knee flexion shown with the pose, 0..120 deg.
    motion : str or None
        Motion used to colour the muscles (canonical name), or None for anatomical colours.
    colour_by : str
        One of :data:`COLOUR_BY`.
    highlight : tuple of str
        Structure or compartment ids drawn highlighted.
    selection : str or None
        The selected structure: named, with origin and insertion marked.
    ghost : bool
        Everything but the selection and highlight drawn translucent.
    show_mechanics, labels, legend : bool
        Overlays: joint axis, line of action and moment arm of the selection; the selection's
        name label; the colour legend (shown while a motion colours the muscles).
    callouts : tuple of str
        Structures named by a callout each (beside the model, with a leader line).
    label_visible : bool
        A callout for every visible muscle (with its rank and moment arm under a motion).
    camera : Camera
    caption : str
        Plain text drawn at the bottom of the view.
    theme : str
        One of :data:`THEME_NAMES`.
    released : tuple of str
        Muscles detached as in the posterior approach: drawn retracted from their insertion and
        left out of the actions and capacity sums.
    section : Section or None
        A cutting plane with capped, coloured cut faces.
    show_spaces : bool
        Draw the ischiofemoral space's narrowest segment with its value and published ranges.
    """

    visible: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    opacity: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    pose_deg: Vec3 = (0.0, 0.0, 0.0)
    knee_flexion_deg: float = 0.0
    motion: str | None = None
    colour_by: str = "moment_arm"
    highlight: tuple[str, ...] = ()
    selection: str | None = None
    ghost: bool = False
    show_mechanics: bool = False
    callouts: tuple[str, ...] = ()
    label_visible: bool = False
    labels: bool = True
    legend: bool = True
    camera: Camera = field(default_factory=Camera)
    caption: str = ""
    theme: str = "dark"
    released: tuple[str, ...] = ()
    section: Section | None = None
    show_spaces: bool = False

    def __post_init__(self) -> None:
        # Frozen: keep the mappings read-only and the pose a tuple of floats, whatever was given.
        object.__setattr__(self, "visible", MappingProxyType({str(k): bool(v) for k, v in self.visible.items()}))
        object.__setattr__(self, "opacity", MappingProxyType({str(k): float(v) for k, v in self.opacity.items()}))
        object.__setattr__(self, "pose_deg", tuple(float(v) for v in self.pose_deg))
        object.__setattr__(self, "highlight", tuple(self.highlight))
        object.__setattr__(self, "callouts", tuple(self.callouts))
        object.__setattr__(self, "released", tuple(self.released))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SceneSpec):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    __hash__ = None  # holds mappings

    def replace(self, **changes) -> "SceneSpec":
        return replace(self, **changes)

    def differences(self, other: "SceneSpec") -> list[str]:
        """Names of the fields that differ from ``other`` (for messages and tests)."""
        return [f.name for f in fields(self) if not _same(getattr(self, f.name), getattr(other, f.name))]


def _same(a, b) -> bool:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return dict(a) == dict(b)
    return a == b


def check_colour_by(value: str, *, field: str = "colour_by") -> str:
    if value not in COLOUR_BY:
        planned = [m for m in COLOUR_BY_MODES if m not in COLOUR_BY]
        raise DataError(f"unknown colouring {value!r} (allowed: {', '.join(COLOUR_BY)}"
                        + (f"; not drawn yet: {', '.join(planned)})" if value in planned else ")"), field=field)
    return value


def check_theme(value: str, *, field: str = "theme") -> str:
    if value not in THEME_NAMES:
        raise DataError(f"unknown background {value!r} (allowed: {', '.join(THEME_NAMES)})", field=field)
    return value


def check_knee_flexion(value: float, *, field: str = "knee_flexion") -> float:
    lo, hi = KNEE_FLEXION_RANGE_DEG
    value = float(value)
    if not lo <= value <= hi:
        raise DataError(f"knee flexion {value:g} deg is outside {lo:g}..{hi:g} deg", field=field)
    return value


def resolve_layers(visible: Mapping[str, bool], catalogue: Catalogue, *, only: Iterable[str] = (),
                   hide: Iterable[str] = (), show: Iterable[str] = (), field_names: Mapping[str, str] | None = None
                   ) -> dict[str, bool]:
    """New per-leaf visibility after ``only``, then ``hide``, then ``show``.

    Parameters
    ----------
    visible : Mapping[str, bool]
        Visibility before the change, per leaf id.
    catalogue : Catalogue
    only, hide, show : iterables of str
        Structure, compartment or layer group ids (or their display names and synonyms).
        ``only`` (when not empty) hides every leaf it does not name.
    field_names : Mapping[str, str], optional
        The field name to report for each of ``only``/``hide``/``show`` in an error
        (``{"hide": "--hide"}`` on the command line).

    Raises
    ------
    DataError
        An unknown id, naming the field, with a "did you mean" hint.
    """
    names = {"only": "only", "hide": "hide", "show": "show", **(field_names or {})}

    def leaves(ids: Iterable[str], key: str) -> list[str]:
        out: list[str] = []
        for some_id in ids:
            try:
                out += catalogue.leaves(catalogue.resolve(some_id, groups=True, field=names[key]), groups=True)
            except DataError as exc:
                raise DataError(exc.reason, file=exc.file, field=names[key]) from None
        return out

    out = dict(visible)
    only = list(only)
    if only:
        keep = set(leaves(only, "only"))
        out = {leaf: leaf in keep for leaf in out}
    for leaf in leaves(hide, "hide"):
        out[leaf] = False
    for leaf in leaves(show, "show"):
        out[leaf] = True
    return out
