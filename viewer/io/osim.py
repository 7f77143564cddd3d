"""Reading OpenSim models (``.osim``, format 4): the hip joint, the muscles crossing it, their
path points and wrap objects, re-expressed in the viewer's millimetre, ISB-style frames.

The file is parsed here with :mod:`xml.etree.ElementTree`; OpenSim itself is not needed.
What is read:

- bodies, their offset frames and joints (``CustomJoint``, ``WeldJoint``, ``PinJoint``), to
  place every body relative to the pelvis (or to the femur, for the bodies distal to the hip)
  with every coordinate other than the hip's at its default value;
- the hip ``CustomJoint``: three rotations, each a linear function of one coordinate with
  slope +-1, about orthonormal axes in a right-handed order (flexion, adduction, internal
  rotation, as in the gait models), and constant translations. The viewer's pelvis frame is
  the joint's parent frame and its femur frame the child frame, both turned so that the three
  axes become Z, X and Y (``R = Rz(flexion) Rx(adduction) Ry(internal rotation)``, exactly the
  viewer's kinematics), in millimetres;
- every force with a ``GeometryPath`` that has points on both sides of the hip: ``PathPoint``,
  ``ConditionalPathPoint`` (conditions on a hip coordinate become pose conditions; on other
  coordinates they are decided at the default value), ``MovingPathPoint`` (its location
  functions evaluated at the defaults of non-hip coordinates) and ``PathWrap`` (with its
  method) over ``WrapSphere``, ``WrapCylinder``, ``WrapEllipsoid`` and ``WrapTorus`` with
  quadrants and point ranges;
- functions ``Constant``, ``LinearFunction``, ``SimmSpline`` (the cubic spline of Forsythe,
  Malcolm & Moler that it names), ``NaturalCubicSpline`` and ``PiecewiseLinearFunction``.

Anything else a hip muscle needs (an unknown wrap object, a moving point driven by a hip
coordinate, an unknown function) gives one notice naming the element and the file, and that muscle is left
out - never half-imported.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from viewer.core.errors import DataError
from viewer.io.osim_functions import Unsupported, _child_text, _floats, _function_child, fmm_spline, make_function  # noqa: F401

HIP_COORDINATE_ROLES = ("flexion", "adduction", "internal_rotation")


def rotation_xyz(angles) -> np.ndarray:
    """Body-fixed X-Y-Z rotation (OpenSim's ``orientation`` and ``xyz_body_rotation``)."""
    a, b, c = angles
    return _axis_rotation(np.array([1.0, 0, 0]), a) @ _axis_rotation(np.array([0, 1.0, 0]), b) @ \
        _axis_rotation(np.array([0, 0, 1.0]), c)


def _axis_rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    x, y, z = axis
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)


def _transform(rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
    t = np.eye(4)
    t[:3, :3] = rotation
    t[:3, 3] = translation
    return t


def _apply(t: np.ndarray, point) -> np.ndarray:
    return t[:3, :3] @ np.asarray(point, float) + t[:3, 3]


# -- model records ------------------------------------------------------------------------------
@dataclass
class OsimWrap:
    name: str
    kind: str  # sphere | cylinder | ellipsoid | torus
    body: str
    transform: np.ndarray  # wrap frame -> body frame (metres)
    radius: float = 0.0  # sphere, cylinder; the tube of a torus
    semi_axes: np.ndarray | None = None
    quadrant: str = "all"
    length: float | None = None  # cylinder (metres)
    ring_radius: float | None = None  # torus: radius of the circle through the tube's centres


@dataclass
class OsimPoint:
    name: str
    body: str
    location: np.ndarray  # metres in the body frame
    condition: tuple[str, float, float] | None = None  # (hip coordinate name, lo rad, hi rad)


@dataclass
class OsimMuscle:
    name: str
    max_force: float
    optimal_fibre_length: float | None
    pennation: float | None
    points: list[OsimPoint]
    wraps: list[tuple[str, int, int, str]]  # (wrap object, first, last point index 1-based; -1 all, method)


@dataclass
class HipJoint:
    name: str
    parent_body: str
    child_body: str
    parent_frame: np.ndarray  # joint parent frame -> parent body (metres)
    child_frame: np.ndarray   # joint child frame -> child body
    basis: np.ndarray         # rows: the joint axes that become X, Y, Z (adduction, rotation, flexion)
    coordinates: tuple[str, str, str]  # flexion, adduction, internal rotation coordinate names
    offset: np.ndarray        # constant translation of the joint (metres, parent joint frame)


@dataclass
class OsimModel:
    file: Path
    name: str
    credits: str
    bodies: dict[str, list[tuple[str, np.ndarray, np.ndarray]]]  # body -> [(mesh file, scale, frame->body)]
    body_in_hip_side: dict[str, tuple[str, np.ndarray]]  # body -> ("pelvis"|"femur", body -> that body)
    hip: HipJoint
    muscles: list[OsimMuscle]
    wraps: dict[str, OsimWrap]
    coordinate_defaults: dict[str, float]
    groups: dict[str, list[str]]
    notices: list[str] = field(default_factory=list)


class _Frames:
    """Resolves OpenSim frame paths to (body, frame -> body transform)."""

    def __init__(self):
        self.frames: dict[str, tuple[str, np.ndarray]] = {}

    def add(self, key: str, body: str, transform: np.ndarray) -> None:
        self.frames[key] = (body, transform)

    def resolve(self, path: str, context: str = "") -> tuple[str, np.ndarray]:
        path = path.strip()
        for key in (path, f"{context}/{path}" if context else None, path.rsplit("/", 1)[-1]):
            if key and key in self.frames:
                return self.frames[key]
        raise KeyError(path)


def _offset_frame(elem: ET.Element, file) -> tuple[str, np.ndarray]:
    parent = _child_text(elem, "socket_parent", "")
    translation = _floats(_child_text(elem, "translation", "0 0 0"), 3, what=f"{elem.get('name')}.translation", file=file)
    orientation = _floats(_child_text(elem, "orientation", "0 0 0"), 3, what=f"{elem.get('name')}.orientation", file=file)
    return parent, _transform(rotation_xyz(orientation), translation)


def _joint_transform(joint: ET.Element, values: dict[str, float], file) -> np.ndarray:
    """Child joint frame -> parent joint frame at the given coordinate values."""
    tag = joint.tag
    if tag == "WeldJoint":
        return np.eye(4)
    coords = [c.get("name") for c in joint.findall("./coordinates/Coordinate")]
    if tag == "PinJoint":
        return _transform(_axis_rotation(np.array([0, 0, 1.0]), values[coords[0]]), np.zeros(3))
    if tag != "CustomJoint":
        raise Unsupported(f"joint <{tag}> {joint.get('name')!r}")
    rotation = np.eye(3)
    translation = np.zeros(3)
    for axis_elem in joint.findall("./SpatialTransform/TransformAxis"):
        name = axis_elem.get("name", "")
        axis = _floats(_child_text(axis_elem, "axis"), 3, what=f"{joint.get('name')}.{name}.axis", file=file)
        names = (_child_text(axis_elem, "coordinates", "") or "").split()
        fn_elem = _function_child(axis_elem)
        if not names:
            value = make_function(fn_elem, file)(0.0) if fn_elem is not None and fn_elem.tag == "Constant" else 0.0
        else:
            if len(names) > 1:
                raise Unsupported(f"TransformAxis {name!r} of {joint.get('name')!r} driven by several coordinates")
            value = make_function(fn_elem, file)(values[names[0]])
        if name.startswith("rotation"):
            rotation = rotation @ _axis_rotation(axis, value)
        else:
            translation = translation + value * axis / np.linalg.norm(axis)
    return _transform(rotation, translation)


def _hip_axes(joint: ET.Element, file) -> tuple[np.ndarray, tuple[str, str, str], np.ndarray]:
    """Basis (rows X, Y, Z = adduction, rotation, flexion axes), coordinate names, constant offset."""
    axes, coords = [], []
    offset = np.zeros(3)
    jname = joint.get("name")
    for axis_elem in joint.findall("./SpatialTransform/TransformAxis"):
        name = axis_elem.get("name", "")
        axis = _floats(_child_text(axis_elem, "axis"), 3, what=f"{jname}.{name}.axis", file=file)
        axis = axis / np.linalg.norm(axis)
        names = (_child_text(axis_elem, "coordinates", "") or "").split()
        fn_elem = _function_child(axis_elem)
        if name.startswith("rotation"):
            if len(names) != 1 or fn_elem is None or fn_elem.tag != "LinearFunction":
                raise Unsupported(f"hip {name} of {jname!r} is not a linear function of one coordinate")
            slope, intercept = _floats(_child_text(fn_elem, "coefficients"), 2, file=file,
                                       what=f"{jname}.{name}.coefficients")
            if abs(abs(slope) - 1.0) > 1e-9 or abs(intercept) > 1e-12:
                raise Unsupported(f"hip {name} of {jname!r} has slope {slope:g} and offset {intercept:g} "
                                  "(the viewer's joint needs slope +-1 and no offset)")
            axes.append(np.sign(slope) * axis)
            coords.append(names[0])
        else:
            if names:
                raise Unsupported(f"hip {name} of {jname!r} translates with a coordinate")
            if fn_elem is not None:
                offset = offset + make_function(fn_elem, file)(0.0) * axis
    if len(axes) != 3:
        raise Unsupported(f"hip joint {jname!r} has {len(axes)} rotational axes (three are needed)")
    e1, e2, e3 = axes
    basis = np.array([e2, e3, e1])
    if not np.allclose(basis @ basis.T, np.eye(3), atol=1e-6) or np.linalg.det(basis) < 0:
        raise Unsupported(f"hip joint {jname!r}: the rotation axes are not orthonormal in a right-handed "
                          "flexion, adduction, rotation order")
    return basis, tuple(coords), offset


def read_osim(path: str | Path, hip_joint: str | None = None) -> OsimModel:
    """Parse an OpenSim 4 model file into :class:`OsimModel` (metres, OpenSim body frames).

    Raises
    ------
    DataError
        Malformed XML, an unsupported file version, or no usable hip joint.
    """
    file = Path(path)
    if not file.is_file():
        raise DataError("model file not found", file=file)
    try:
        root = ET.parse(file).getroot()
    except ET.ParseError as exc:
        raise DataError(f"not a readable XML file ({exc})", file=file) from None
    model = root.find("Model")
    if root.tag != "OpenSimDocument" or model is None:
        raise DataError("not an OpenSim model (expected <OpenSimDocument><Model>)", file=file)
    version = int(root.get("Version", "0") or 0)
    if version < 30000 or model.find("./JointSet") is None:
        raise DataError(f"OpenSim file version {version} is not supported (format 4, with a <JointSet>, is needed)",
                        file=file, field="OpenSimDocument.Version")
    units = _child_text(model, "length_units", "meters")
    if units not in ("meters", "m"):
        raise DataError(f"length units {units!r} are not supported (meters)", file=file, field="Model.length_units")
    notices: list[str] = []

    # Bodies, their meshes and wrap objects.
    frames = _Frames()
    frames.add("/ground", "ground", np.eye(4))
    frames.add("ground", "ground", np.eye(4))
    bodies: dict[str, list] = {"ground": []}
    wraps: dict[str, OsimWrap] = {}
    for body in model.findall("./BodySet/objects/Body"):
        bname = body.get("name")
        bodies[bname] = []
        frames.add(f"/bodyset/{bname}", bname, np.eye(4))
        frames.add(bname, bname, np.eye(4))
        for mesh in body.findall("./attached_geometry/Mesh"):
            scale = _floats(_child_text(mesh, "scale_factors", "1 1 1"), 3, what=f"{bname}.scale_factors", file=file)
            bodies[bname].append((_child_text(mesh, "mesh_file", ""), scale, np.eye(4)))
        for wrap in body.findall("./WrapObjectSet/objects/*"):
            wname = wrap.get("name")
            if (_child_text(wrap, "active", "true") or "true").lower() == "false":
                continue
            t = _transform(
                rotation_xyz(_floats(_child_text(wrap, "xyz_body_rotation", "0 0 0"), 3, file=file,
                                     what=f"{wname}.xyz_body_rotation")),
                _floats(_child_text(wrap, "translation", "0 0 0"), 3, file=file, what=f"{wname}.translation"))
            quadrant = (_child_text(wrap, "quadrant", "all") or "all").strip()
            if wrap.tag == "WrapSphere":
                wraps[wname] = OsimWrap(wname, "sphere", bname, t, float(_child_text(wrap, "radius", "0")), quadrant=quadrant)
            elif wrap.tag == "WrapCylinder":
                wraps[wname] = OsimWrap(wname, "cylinder", bname, t, float(_child_text(wrap, "radius", "0")),
                                        quadrant=quadrant, length=float(_child_text(wrap, "length", "1")))
            elif wrap.tag == "WrapEllipsoid":
                dims = _floats(_child_text(wrap, "dimensions"), 3, what=f"{wname}.dimensions", file=file)
                wraps[wname] = OsimWrap(wname, "ellipsoid", bname, t, float(dims.max()), semi_axes=dims, quadrant=quadrant)
            elif wrap.tag == "WrapTorus":
                inner = float(_child_text(wrap, "inner_radius", "-1"))
                outer = float(_child_text(wrap, "outer_radius", "-1"))
                if not 0.0 < inner < outer:
                    raise DataError(f"torus {wname!r} needs 0 < inner_radius < outer_radius (got {inner:g}, {outer:g})",
                                    file=file, field=f"{bname}.{wname}")
                wraps[wname] = OsimWrap(wname, "torus", bname, t, inner, quadrant=quadrant, ring_radius=outer)
            else:
                wraps[wname] = OsimWrap(wname, f"<{wrap.tag}>", bname, t)

    # Joints and their offset frames; coordinate defaults.
    defaults: dict[str, float] = {}
    joints = []
    for joint in model.findall("./JointSet/objects/*"):
        jname = joint.get("name")
        for coord in joint.findall("./coordinates/Coordinate"):
            defaults[coord.get("name")] = float(_child_text(coord, "default_value", "0"))
        for frame in joint.findall("./frames/PhysicalOffsetFrame"):
            parent_path, t = _offset_frame(frame, file)
            try:
                body, t_parent = frames.resolve(parent_path)
            except KeyError:
                raise DataError(f"frame {frame.get('name')!r} has unknown parent {parent_path!r}", file=file,
                                field=f"JointSet.{jname}") from None
            key = frame.get("name")
            frames.add(f"/jointset/{jname}/{key}", body, t_parent @ t)
            frames.add(f"{jname}/{key}", body, t_parent @ t)
        joints.append(joint)

    def joint_ends(joint):
        jname = joint.get("name")
        out = []
        for socket in ("socket_parent_frame", "socket_child_frame"):
            ref = _child_text(joint, socket, "")
            try:
                out.append(frames.resolve(ref, context=jname))
            except KeyError:
                raise DataError(f"unknown frame {ref!r}", file=file, field=f"JointSet.{jname}.{socket}") from None
        return out

    # The hip joint.
    candidates = [j for j in joints if j.tag == "CustomJoint"]
    if hip_joint is None:
        named = [j for j in candidates if j.get("name") in ("hip_r", "hip_R", "r_hip", "hip")]
        if not named:
            named = [j for j in candidates if (j.get("name") or "").lower().startswith("hip")]
        if not named:
            raise DataError(f"no hip joint found (CustomJoints: {', '.join(j.get('name') for j in candidates) or 'none'})",
                            file=file, field="JointSet")
        hip_elem = named[0]
    else:
        found = [j for j in joints if j.get("name") == hip_joint]
        if not found:
            raise DataError(f"no joint named {hip_joint!r} (joints: {', '.join(j.get('name') for j in joints)})",
                            file=file, field="JointSet")
        hip_elem = found[0]
    try:
        basis, hip_coords, offset = _hip_axes(hip_elem, file)
    except Unsupported as exc:
        raise DataError(f"unsupported hip joint: {exc}", file=file, field=f"JointSet.{hip_elem.get('name')}") from None
    (pbody, pframe), (cbody, cframe) = joint_ends(hip_elem)
    hip = HipJoint(hip_elem.get("name"), pbody, cbody, pframe, cframe, basis, hip_coords, offset)

    # Place every body at the default pose; bodies distal to the hip relative to the femur.
    world: dict[str, np.ndarray] = {"ground": np.eye(4)}
    children: dict[str, list] = {}
    for joint in joints:
        (pb, pt), (cb, ct) = joint_ends(joint)
        children.setdefault(pb, []).append((joint, pt, cb, ct))
    distal: set[str] = set()
    stack = [("ground", False)]
    while stack:
        body, below_hip = stack.pop()
        if below_hip:
            distal.add(body)
        for joint, pt, cb, ct in children.get(body, []):
            try:
                jt = _joint_transform(joint, defaults, file)
            except Unsupported as exc:
                notices.append(f"{file}: {exc}: body {cb!r} placed at its parent's frame")
                jt = np.eye(4)
            world[cb] = world[body] @ pt @ jt @ np.linalg.inv(ct)
            stack.append((cb, below_hip or joint is hip_elem))
    side: dict[str, tuple[str, np.ndarray]] = {}
    for body, t in world.items():
        if body in distal:
            side[body] = ("femur", np.linalg.inv(world[cbody]) @ t)
        else:
            side[body] = ("pelvis", np.linalg.inv(world[pbody]) @ t)

    # Muscles crossing the hip.
    muscles: list[OsimMuscle] = []
    for force in model.findall("./ForceSet/objects/*"):
        gpath = force.find("GeometryPath")
        if gpath is None:
            continue
        mname = force.get("name")
        try:
            points = []
            for pt in gpath.findall("./PathPointSet/objects/*"):
                points.extend(_read_point(pt, frames, hip_coords, defaults, file))
            wrap_refs = []
            for pw in gpath.findall("./PathWrapSet/objects/*"):
                if pw.tag != "PathWrap":
                    raise Unsupported(f"<{pw.tag}>")
                rng = _floats(_child_text(pw, "range", "-1 -1"), 2, what=f"{mname}.range", file=file).astype(int)
                method = (_child_text(pw, "method", "hybrid") or "hybrid").strip()
                if method not in ("hybrid", "midpoint", "axial"):
                    raise Unsupported(f"wrap method {method!r}")
                wrap_refs.append((_child_text(pw, "wrap_object", ""), int(rng[0]), int(rng[1]), method))
        except Unsupported as exc:
            if _crosses(gpath, frames, side):
                notices.append(f"{file}: muscle {mname!r} left out: unsupported {exc}")
            continue
        sides = {side[p.body][0] for p in points if p.body in side}
        if sides != {"pelvis", "femur"}:
            continue
        for wname, _, _, _ in wrap_refs:
            w = wraps.get(wname)
            if w is None:
                notices.append(f"{file}: muscle {mname!r} left out: unknown wrap object {wname!r}")
                break
            if w.kind.startswith("<"):
                notices.append(f"{file}: muscle {mname!r} left out: unsupported wrap object {w.kind} {wname!r}")
                break
        else:
            fibre = _child_text(force, "optimal_fiber_length")
            penn = _child_text(force, "pennation_angle_at_optimal")
            muscles.append(OsimMuscle(mname, float(_child_text(force, "max_isometric_force", "0")),
                                      float(fibre) if fibre else None, float(penn) if penn else None, points, wrap_refs))
    groups: dict[str, list[str]] = {}
    for group in model.findall("./ForceSet/groups/ObjectGroup"):
        groups[group.get("name")] = (_child_text(group, "members", "") or "").split()
    credits = " ".join((_child_text(model, "credits", "") or "").split())
    return OsimModel(file, model.get("name", file.stem), credits, bodies, side, hip, muscles, wraps, defaults, groups,
                     notices)


def _crosses(gpath, frames, side) -> bool:
    bodies = set()
    for pt in gpath.findall("./PathPointSet/objects/*"):
        try:
            bodies.add(side[frames.resolve(_child_text(pt, "socket_parent_frame", ""))[0]][0])
        except KeyError:
            pass
    return bodies == {"pelvis", "femur"}


def _coordinate_name(path: str) -> str:
    return path.strip().rsplit("/", 1)[-1]


def _read_point(pt: ET.Element, frames: _Frames, hip_coords, defaults, file) -> list[OsimPoint]:
    name = pt.get("name")
    try:
        body, t = frames.resolve(_child_text(pt, "socket_parent_frame", ""))
    except KeyError:
        raise Unsupported(f"path point {name!r} on unknown frame {_child_text(pt, 'socket_parent_frame')!r}") from None
    if pt.tag == "PathPoint":
        loc = _floats(_child_text(pt, "location"), 3, what=f"{name}.location", file=file)
        return [OsimPoint(name, body, _apply(t, loc))]
    if pt.tag == "ConditionalPathPoint":
        loc = _floats(_child_text(pt, "location"), 3, what=f"{name}.location", file=file)
        coord = _coordinate_name(_child_text(pt, "socket_coordinate", ""))
        lo, hi = _floats(_child_text(pt, "range"), 2, what=f"{name}.range", file=file)
        if coord in hip_coords:
            return [OsimPoint(name, body, _apply(t, loc), (coord, float(lo), float(hi)))]
        if coord not in defaults:
            raise Unsupported(f"conditional point {name!r} on unknown coordinate {coord!r}")
        return [OsimPoint(name, body, _apply(t, loc))] if lo <= defaults[coord] <= hi else []
    if pt.tag == "MovingPathPoint":
        loc = np.zeros(3)
        for k, axis in enumerate("xyz"):
            coord_path = _child_text(pt, f"socket_{axis}_coordinate", "")
            fn_holder = pt.find(f"{axis}_location")
            fn_elem = fn_holder[0] if fn_holder is not None and len(fn_holder) else None
            if not coord_path:
                loc[k] = make_function(fn_elem, file)(0.0)
                continue
            coord = _coordinate_name(coord_path)
            if coord in hip_coords:
                raise Unsupported(f"moving point {name!r} driven by the hip coordinate {coord!r}")
            if coord not in defaults:
                raise Unsupported(f"moving point {name!r} on unknown coordinate {coord!r}")
            loc[k] = make_function(fn_elem, file)(defaults[coord])
        return [OsimPoint(name, body, _apply(t, loc))]
    raise Unsupported(f"path point <{pt.tag}> {name!r}")


# -- conversion to the viewer's frames -----------------------------------------------------------
class FrameMap:
    """Body frames (metres) -> the viewer's pelvis and femur frames (mm)."""

    def __init__(self, osim: OsimModel):
        hip = osim.hip
        self.osim = osim
        self.to_joint = {
            "pelvis": np.linalg.inv(hip.parent_frame),
            "femur": np.linalg.inv(hip.child_frame),
        }
        self.basis = hip.basis
        self.offset = hip.offset

    def body_of(self, body: str) -> str:
        return self.osim.body_in_hip_side[body][0]

    def matrix(self, body: str) -> np.ndarray:
        """4x4 from a body's frame (metres) to its viewer frame (mm)."""
        side, t = self.osim.body_in_hip_side[body]
        m = self.to_joint[side] @ t
        out = np.eye(4)
        out[:3, :3] = 1000.0 * self.basis @ m[:3, :3]
        shift = m[:3, 3] - (self.offset if side == "pelvis" else 0.0)
        out[:3, 3] = 1000.0 * self.basis @ shift
        return out

    def point(self, body: str, location) -> np.ndarray:
        return _apply(self.matrix(body), location)

    def rotation(self, body: str) -> np.ndarray:
        """Pure rotation part (unit scale) of :meth:`matrix`."""
        return self.matrix(body)[:3, :3] / 1000.0


def condition_in_pose(coord: str, lo: float, hi: float, hip: HipJoint) -> tuple[int, float, float]:
    """An OpenSim hip-coordinate range (radians) as a viewer pose condition (degrees)."""
    k = hip.coordinates.index(coord)
    lo_d, hi_d = np.degrees(lo), np.degrees(hi)
    if k == 0:
        return 0, float(lo_d), float(hi_d)
    return k, float(-hi_d), float(-lo_d)  # abduction = -adduction, external = -internal rotation
