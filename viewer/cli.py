"""The ``hip-viewer`` command: the desktop viewer, and headless access to the same core.

Subcommands use the core, the loaders and the off-screen renderer; only the launcher (no
subcommand, or ``lesson``) imports the Qt application.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

from viewer import __version__
from viewer.core.errors import DataError
from viewer.core.motions import MOTIONS, POSE_COORDINATES, parse_motion

PROG = "hip-viewer"


def _add_render_options(p: argparse.ArgumentParser, *, motion: bool = True) -> None:
    p.add_argument("--size", default="1280x800", help="image size WIDTHxHEIGHT in pixels (default 1280x800)")
    p.add_argument("--view", default="posterolateral",
                   help="camera: anterior, posterior, lateral, medial, superior, inferior, posterolateral, anterolateral")
    p.add_argument("--zoom", type=float, default=1.0, help="zoom factor (default 1)")
    p.add_argument("--pose", default=None, help="pose, e.g. flexion=90,abduction=0,external_rotation=20 (degrees)")
    p.add_argument("--hide", action="append", default=[], metavar="ID", help="hide a structure (repeatable)")
    p.add_argument("--show", action="append", default=[], metavar="ID", help="show a structure (repeatable)")
    p.add_argument("--only", action="append", default=[], metavar="ID", help="show only these structures (repeatable)")
    p.add_argument("--hide-group", action="append", default=[], metavar="GROUP",
                   help="hide a layer group: bones, deep_external_rotators, gluteals, nerves")
    p.add_argument("--highlight", action="append", default=[], metavar="ID", help="highlight a structure (repeatable)")
    p.add_argument("--select", default=None, metavar="ID", help="select a structure: label, origin and insertion markers")
    if motion:
        p.add_argument("--motion", default=None, help="colour muscles by their role for this motion (with a legend)")
    p.add_argument("--colour-by", default="moment_arm", choices=["moment_arm", "torque", "stretch"],
                   help="colour intensity for the motion, or 'stretch': length change from neutral (no motion needed)")
    p.add_argument("--section", default=None, metavar="PLANE:MM",
                   help="cut the model: axial:Y, coronal:X, sagittal:Z (mm, pelvis frame) or oblique:x,y,z;x,y,z;x,y,z")
    p.add_argument("--release", default=None, metavar="ID,ID",
                   help="draw these muscles released and retracted (posterior approach; 'posterior-approach' for the default set)")
    p.add_argument("--spaces", action="store_true",
                   help="draw the ischiofemoral space's narrowest segment with its value and the published ranges")
    p.add_argument("--clinical-test", default=None, metavar="NAME",
                   help="show a provocation test: its pose, colouring and computed caption (fair, freiberg, pace, ...)")
    p.add_argument("--ghost", action="store_true", help="make everything but the selection translucent")
    p.add_argument("--mechanics", action="store_true", help="draw joint axis, line of action and moment arm of the selection")
    p.add_argument("--caption", default="", help="caption text at the bottom of the image")
    p.add_argument("--background", default="dark", help="background: dark, light, white, black")
    p.add_argument("--transparent", action="store_true", help="transparent background (PNG alpha)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Hip anatomy viewer: bones, deep external rotators and gluteals of the right hip, "
        "and which muscles act on each motion. Without a subcommand, opens the desktop viewer.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--data", default=None, metavar="DIR",
                        help="folder holding meshes/ and annotations/ to use instead of the built-in data")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="subcommands")
    data_help = "folder holding meshes/ and annotations/ (also accepted before the subcommand)"

    sub.add_parser("view", help="open the desktop viewer (the default)")

    p = sub.add_parser("render", help="render an image headlessly (no window, no X server needed)")
    p.add_argument("--out", required=True, metavar="FILE.png", help="output PNG")
    _add_render_options(p)

    p = sub.add_parser("actions", help="which muscles produce or oppose a motion at a pose, ranked")
    p.add_argument("--motion", required=True, help="flexion, extension, abduction, adduction, internal-rotation, external-rotation")
    p.add_argument("--pose", default=None, help="pose, e.g. flexion=90,abduction=0,external_rotation=0 (default neutral)")
    p.add_argument("--format", default="table", choices=["table", "json", "csv"])
    p.add_argument("--rank-by", default="torque", choices=["torque", "moment_arm"])
    p.add_argument("--muscles-only", action="store_true", help="whole muscles only, no compartment rows")
    p.add_argument("--release", default=None, metavar="ID,ID",
                   help="muscles released (detached), e.g. piriformis,gemellus_superior,obturator_internus,"
                        "gemellus_inferior (or 'posterior-approach'): left out of the table; capacity reported")

    p = sub.add_parser("lengths", help="length and stretch of muscle and nerve lines at poses or over a sweep")
    p.add_argument("--pose", action="append", default=[], help="pose (repeatable; default neutral)")
    p.add_argument("--muscle", action="append", default=[], metavar="ID", help="muscle, compartment or nerve id (repeatable; default all)")
    p.add_argument("--sweep", default=None, help="coordinate=start:stop:step in degrees; other coordinates from --pose")
    p.add_argument("--max-stretch", action="store_true", help="find the pose of greatest stretch within the range of motion")
    p.add_argument("--hold", default=None, metavar="POSE",
                   help="with --max-stretch: coordinates held fixed, e.g. abduction=-10,external_rotation=0")
    p.add_argument("--format", default="table", choices=["table", "json", "csv"])

    p = sub.add_parser("clinical-test", help="a provocation test of the deep gluteal space: pose, stretch and moment arms")
    p.add_argument("name", nargs="?", default=None, metavar="NAME",
                   help="fair, freiberg, pace, beatty, seated_piriformis_stretch, figure_4 (none: list them)")
    p.add_argument("--format", default="table", choices=["table", "json"])

    p = sub.add_parser("measure", help="clearances: ischiofemoral and quadratus femoris spaces, sciatic nerve neighbours")
    p.add_argument("what", choices=["ischiofemoral-space", "nerve-clearance"])
    p.add_argument("--pose", action="append", default=[], help="pose (repeatable; default neutral)")
    p.add_argument("--sweep", default=None, help="coordinate=start:stop:step in degrees; other coordinates from --pose")
    p.add_argument("--format", default="table", choices=["table", "json", "csv"])

    p = sub.add_parser("moment-arms", help="moment arms over a sweep of one joint angle")
    p.add_argument("--muscle", action="append", default=[], metavar="ID", help="muscle or compartment id (repeatable; default all)")
    p.add_argument("--sweep", required=True, help="coordinate=start:stop:step in degrees, e.g. flexion=0:90:15")
    p.add_argument("--motion", action="append", default=[], help="motion(s) to report (default: the three positive motions)")
    p.add_argument("--pose", default=None, help="the other coordinates, e.g. abduction=10 (default 0)")
    p.add_argument("--format", default="csv", choices=["csv", "json"])
    p.add_argument("--plot", default=None, metavar="FILE.png", help="also plot moment arm against the swept angle")

    sub.add_parser("validate", help="load everything and report every problem (silent when all is well)")
    p = sub.add_parser("build-meshes", help="regenerate meshes/ deterministically from the generator")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default: the data folder's meshes/)")

    p = sub.add_parser("animate", help="export an animation of a motion as GIF or MP4")
    p.add_argument("--motion", required=True)
    p.add_argument("--out", required=True, metavar="FILE.gif|FILE.mp4")
    p.add_argument("--frames", type=int, default=48)
    p.add_argument("--fps", type=int, default=16)
    _add_render_options(p, motion=False)

    p = sub.add_parser("lesson", help="open the viewer at a lesson, or export its steps as PNGs")
    p.add_argument("name", metavar="NAME|FILE", help="built-in lesson name or a lesson YAML file")
    p.add_argument("--export", default=None, metavar="DIR", help="write each step as PNG plus caption text instead")
    p.add_argument("--size", default="1280x800")
    for subparser in sub.choices.values():
        subparser.add_argument("--data", default=argparse.SUPPRESS, metavar="DIR", help=data_help)
    return parser


# -- helpers ---------------------------------------------------------------------------------
def _load(args):
    from viewer.io.model import load_model

    return load_model(args.data)


def _pose(text: str | None) -> np.ndarray:
    from viewer.core.pose_text import parse_pose

    return np.zeros(3) if text is None else parse_pose(text)


def _resolve_ids(model, ids: list[str], field: str) -> list[str]:
    known = set(model.actions.line_ids) | set(model.actions.structure_ids)
    for some_id in ids:
        if some_id not in known:
            raise DataError(f"unknown muscle {some_id!r} (known: {', '.join(sorted(known))})", field=field)
    return ids


def _render_options(args):
    from viewer.render.offscreen import RenderOptions, parse_size

    return RenderOptions(
        size=parse_size(args.size), view=args.view, zoom=args.zoom, pose=_pose(args.pose), hide=args.hide,
        show=args.show, only=args.only, groups_hidden=args.hide_group, highlight=args.highlight,
        select=args.select, motion=args.motion and parse_motion(args.motion, field="--motion").name,
        colour_by=args.colour_by, ghost=args.ghost, mechanics=args.mechanics, caption=args.caption,
        background=args.background, transparent=args.transparent, section=args.section,
        spaces=args.spaces, clinical_test=args.clinical_test,
    )


def _check_ids(model, opts) -> None:
    from viewer.state import state_for_model

    state = state_for_model(model)
    for flag, ids in (("--hide", opts.hide), ("--show", opts.show), ("--only", opts.only), ("--highlight", opts.highlight),
                      ("--select", [opts.select] if opts.select else [])):
        for some_id in ids:
            try:
                state.leaf_ids(some_id)
            except DataError as exc:
                raise DataError(exc.reason, field=flag) from None


# -- subcommands -----------------------------------------------------------------------------
def cmd_render(args) -> int:
    from viewer.render.offscreen import render_image, save_png

    opts = _render_options(args)
    opts.check()
    model = _load(args)
    _check_ids(model, opts)
    if args.release:
        opts.release = _release_ids(model, args.release)
    path = save_png(render_image(model, opts), args.out)
    print(f"wrote {path} ({opts.size[0]}x{opts.size[1]}, view {opts.view})")
    return 0


def cmd_actions(args) -> int:
    motion = parse_motion(args.motion, field="--motion")
    pose = _pose(args.pose)
    model = _load(args)
    released = _release_ids(model, args.release) if args.release is not None else None
    rows = model.actions.table(motion, pose, rank_by=args.rank_by, include_compartments=not args.muscles_only)
    if released is not None:
        from viewer.core.release import capacity

        gone = set(released)
        rows = [row for row in rows if row.muscle not in gone and row.structure not in gone]
        rows = [type(row)(**{**row.__dict__, "rank": i + 1}) for i, row in enumerate(rows)]
        cap = capacity(model.actions, motion, pose, released)
    dicts = [row.as_dict() for row in rows]
    if args.format == "json":
        print(json.dumps(dicts if released is None else {"capacity": cap.as_dict(), "rows": dicts}, indent=1))
    elif args.format == "csv":
        _write_csv(sys.stdout, [_flat(d) for d in dicts])
        if released is not None:
            print(f"# {_capacity_text(model, cap)}", file=sys.stderr)
    else:
        pose_text = ", ".join(f"{c}={v:g}" for c, v in zip(POSE_COORDINATES, pose))
        print(f"{motion.label} at {pose_text} (deg); ranked by {args.rank_by.replace('_', ' ')}")
        print(f"{'#':>3}  {'muscle':<34} {'moment arm mm':>14} {'torque N m':>11}  role")
        for row in rows:
            name = model.display_name(row.muscle)
            indent = "  " if row.level == "compartment" else ""
            print(f"{row.rank:>3}  {(indent + name)[:34]:<34} {row.moment_arm_mm:>14.1f} {row.torque_potential_nm:>11.2f}  {row.role}")
        if released is not None:
            print(_capacity_text(model, cap))
    return 0


def _release_ids(model, text: str) -> list[str]:
    """Muscles named by ``--release`` (comma separated; ``posterior-approach`` for the default set)."""
    from viewer.io.clinical import clinical_for

    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise DataError("names no muscle (e.g. piriformis,obturator_internus or posterior-approach)", field="--release")
    out: list[str] = []
    known = set(model.actions.line_ids) | set(model.actions.structure_ids)
    for some_id in ids:
        if some_id.lower().replace("-", "_") == "posterior_approach":
            out += clinical_for(model).release_default
            continue
        try:
            resolved = model.catalogue.resolve(some_id, field="--release")
        except DataError as exc:
            raise DataError(exc.reason, field="--release") from None
        if resolved not in known:
            raise DataError(f"{some_id!r} is not a muscle (muscles: {', '.join(sorted(model.actions.structure_ids))})",
                            field="--release")
        out.append(resolved)
    return list(dict.fromkeys(out))


def _capacity_text(model, cap) -> str:
    names = ", ".join(model.display_name(m) for m in cap.released)
    return (f"capacity for {cap.motion.replace('_', ' ')}: intact {cap.intact_nm:.1f} N m, with {names} released "
            f"{cap.remaining_nm:.1f} N m = {cap.remaining_pct:.0f} % remaining (sum of positive torque potentials, "
            "computed by the model)")


# -- lengths, clinical tests, measurements -------------------------------------------------------
def _poses(args) -> np.ndarray:
    """Poses from repeated ``--pose`` and an optional ``--sweep`` (the sweep varies the first pose)."""
    from viewer.core.pose_text import parse_sweep

    poses = [_pose(text) for text in args.pose] or [np.zeros(3)]
    if args.sweep:
        col, angles = parse_sweep(args.sweep)
        base = np.repeat(poses[0][None], len(angles), axis=0)
        base[:, col] = angles
        from viewer.core.kinematics import check_pose

        return check_pose(base, field="--sweep")
    return np.array(poses)


def _line_ids(model, ids: list[str]) -> list[str]:
    """Line ids for muscle, compartment or nerve ids (a structure gives all its lines)."""
    lines = [line.id for line in model.lines]
    out: list[str] = []
    for some_id in ids:
        if some_id in lines:
            out.append(some_id)
            continue
        try:
            resolved = model.catalogue.resolve(some_id, field="--muscle")
        except DataError as exc:
            raise DataError(exc.reason, field="--muscle") from None
        owned = [line.id for line in model.lines if line.structure == resolved or line.id == resolved]
        if not owned:
            raise DataError(f"{some_id!r} has no line of action (a bone?)", field="--muscle")
        out += owned
    return list(dict.fromkeys(out)) or lines


def _pose_dict(pose) -> dict:
    return dict(zip(POSE_COORDINATES, (round(float(v), 3) for v in pose)))


def _pose_text(pose) -> str:
    return ",".join(f"{c}={v:g}" for c, v in zip(POSE_COORDINATES, pose))


def cmd_lengths(args) -> int:
    from viewer.core.stretch import greatest_stretch, lengths_and_stretch

    model = _load(args)
    ids = _line_ids(model, args.muscle)
    if args.max_stretch:
        held = {}
        if args.hold:
            from viewer.core.pose_text import _text_items
            from viewer.core.motions import coordinate_index

            for name, value in _text_items(args.hold, "--hold").items():
                col, sign = coordinate_index(name, field="--hold")
                held[col] = sign * value
            from viewer.core.kinematics import check_pose

            probe = np.zeros(3)
            for col, value in held.items():
                probe[col] = value
            check_pose(probe, field="--hold")
        found = [g.as_dict() for g in greatest_stretch(model.paths, ids, held=held)]
        if args.format == "json":
            print(json.dumps(found, indent=1))
        elif args.format == "csv":
            _write_csv(sys.stdout, [{**{k: v for k, v in d.items() if k not in ("pose", "held")},
                                     **{f"pose_{c}_deg": v for c, v in d["pose"].items()}} for d in found])
        else:
            rom = "within the model's range of motion (flexion -20..120, abduction -30..45, external rotation -40..50 deg)"
            print(f"greatest stretch {rom}" + (f", holding {args.hold}" if held else ""))
            for d in found:
                print(f"  {d['muscle']:<28} {_pose_text(d['pose'].values()):<52} {d['length_mm']:7.1f} mm "
                      f"({d['stretch_mm']:+.1f} mm, {d['stretch_pct']:+.1f} %)")
        return 0
    poses = _poses(args)
    lengths, stretch = lengths_and_stretch(model.paths, poses)
    cols = [model.paths.index(i) for i in ids]
    rows = [{"muscle": lid, "pose": _pose_dict(pose), "length_mm": round(float(lengths[k, c]), 3),
             "stretch_pct": round(float(stretch[k, c]), 3)} for k, pose in enumerate(poses) for lid, c in zip(ids, cols)]
    if args.format == "json":
        print(json.dumps(rows, indent=1))
    elif args.format == "csv":
        _write_csv(sys.stdout, [{"muscle": r["muscle"], "pose": _pose_text(r["pose"].values()),
                                 "length_mm": r["length_mm"], "stretch_pct": r["stretch_pct"]} for r in rows])
    else:
        print(f"{'muscle':<28} {'pose (deg)':<50} {'length mm':>10} {'stretch %':>10}")
        for r in rows:
            print(f"{r['muscle']:<28} {_pose_text(r['pose'].values()):<50} {r['length_mm']:>10.1f} {r['stretch_pct']:>+10.1f}")
    return 0


def cmd_clinical_test(args) -> int:
    from viewer.core.clinical_tests import evaluate_test, clinical_caption
    from viewer.io.clinical import clinical_for

    model = _load(args)
    data = clinical_for(model)
    if args.name is None:
        for test in data.tests.values():
            print(f"{test.id:<28} {test.display_name}")
        return 0
    test = data.test(args.name)
    rows = evaluate_test(model.actions, test)
    caption = clinical_caption(test, rows, model.display_name)
    if args.format == "json":
        print(json.dumps({"test": test.id, "display_name": test.display_name, "kind": test.kind,
                          "pose": _pose_dict(test.pose_deg), "knee_flexion": test.knee_flexion_deg,
                          "motions": list(test.motions), "caption": caption, "description": test.description,
                          "source": {"key": test.source, "citation": data.references[test.source]},
                          "rows": [row.as_dict() for row in rows]}, indent=1))
        return 0
    print(f"{test.display_name}  [{test.kind}]")
    print(f"pose: {_pose_text(test.pose_deg)}, knee_flexion={test.knee_flexion_deg:g} (deg)")
    print(f"position after: {data.references[test.source]}")
    motions = list(rows[0].moment_arms_mm) if rows else []
    print(f"{'muscle':<28} {'length mm':>10} {'stretch %':>10}" + "".join(f" {m[:14] + ' r mm':>20}" for m in motions))
    for row in rows:
        print(f"{row.muscle:<28} {row.length_mm:>10.1f} {row.stretch_pct:>+10.1f}"
              + "".join(f" {row.moment_arms_mm[m]:>20.1f}" for m in motions))
    print(caption)
    return 0


def cmd_measure(args) -> int:
    from viewer.io.clinical import clinical_for

    poses = _poses(args)
    model = _load(args)
    data = clinical_for(model)
    if args.what == "ischiofemoral-space":
        measured = data.space_model.measure(poses)
        rows = [{"pose": _pose_dict(p),
                 "ischiofemoral_space_mm": round(float(measured["ischiofemoral"].distance_mm[k]), 2),
                 "quadratus_femoris_space_mm": round(float(measured["quadratus_femoris"].distance_mm[k]), 2)}
                for k, p in enumerate(poses)]
        if args.format == "json":
            print(json.dumps({"rows": rows, "published": {sid: [p.as_dict() for p in pubs]
                                                          for sid, pubs in data.published.items()},
                              "references": data.references, "note": "model values computed by the model"}, indent=1))
        elif args.format == "csv":
            _write_csv(sys.stdout, [_flat(r) for r in rows])
        else:
            print(f"{'pose (deg)':<50} {'ischiofemoral mm':>17} {'quadratus femoris mm':>21}")
            for r in rows:
                print(f"{_pose_text(r['pose'].values()):<50} {r['ischiofemoral_space_mm']:>17.1f} "
                      f"{r['quadratus_femoris_space_mm']:>21.1f}")
            for sid, pubs in data.published.items():
                print(f"published {sid.replace('_', ' ')}: " + "; ".join(p.text() for p in pubs))
        return 0
    from viewer.core.nerve import nerve_clearances
    from viewer.core.stretch import lengths_and_stretch

    lengths, stretch = lengths_and_stretch(model.paths, poses)
    col = model.paths.index(data.nerve)
    rows = []
    for k, pose in enumerate(poses):
        for c in nerve_clearances(model.paths, data.nerve, data.nerve_neighbours, pose):
            rows.append({**c.as_dict(), "pose": _pose_dict(pose), "nerve_length_mm": round(float(lengths[k, col]), 2),
                         "nerve_stretch_pct": round(float(stretch[k, col]), 2)})
    if args.format == "json":
        print(json.dumps(rows, indent=1))
    elif args.format == "csv":
        _write_csv(sys.stdout, [_flat(r) for r in rows])
    else:
        print("centreline distance from the sciatic nerve (computed by the model)")
        print(f"{'pose (deg)':<50} {'neighbour':<22} {'clearance mm':>12} {'at mm along':>12} {'nerve stretch %':>16}")
        for r in rows:
            print(f"{_pose_text(r['pose'].values()):<50} {r['neighbour']:<22} {r['clearance_mm']:>12.1f} "
                  f"{r['along_nerve_mm']:>12.0f} {r['nerve_stretch_pct']:>+16.1f}")
    return 0


def _flat(d: dict) -> dict:
    out = {k: v for k, v in d.items() if k != "pose"}
    for c, v in d["pose"].items():
        out[f"pose_{c}_deg"] = v
    return out


def _write_csv(stream, rows: list[dict]) -> None:
    if not rows:
        return
    writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def moment_arm_sweep(model, muscles: list[str], motions, col: int, angles: np.ndarray, base_pose: np.ndarray) -> list[dict]:
    """Rows of moment arm and torque potential for each muscle, motion and swept angle."""
    from viewer.core.actions import roles

    poses = np.repeat(base_pose[None], len(angles), axis=0)
    poses[:, col] = angles
    rows = []
    acts = model.actions
    for motion in motions:
        values = acts.evaluate(motion, poses)
        for mid in muscles:
            if mid in acts.structure_ids:
                j = acts.structure_ids.index(mid)
                r, t = values["muscle_r"][:, j], values["muscle_torque"][:, j]
            else:
                k = acts.line_ids.index(mid)
                r, t = values["line_r"][:, k], values["line_torque"][:, k]
            for i, pose in enumerate(poses):
                rows.append({
                    "muscle": mid, "motion": motion.name,
                    "pose": dict(zip(POSE_COORDINATES, (float(v) for v in pose))),
                    "moment_arm_mm": round(float(r[i]), 3), "torque_potential_nm": round(float(t[i]), 4),
                    "role": str(roles(np.array(r[i])).item()),
                })
    return rows


def plot_sweep(rows: list[dict], coordinate: str, path: str) -> Path:
    """Moment arm against the swept angle, one panel per motion, one line per muscle."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise DataError(f"plot must be a .png file, got {path.name!r}", field="--plot")
    motions = list(dict.fromkeys(r["motion"] for r in rows))
    fig, axes = plt.subplots(1, len(motions), figsize=(5.5 * len(motions), 4.2), squeeze=False)
    for ax, motion in zip(axes[0], motions):
        for muscle in dict.fromkeys(r["muscle"] for r in rows):
            sel = [r for r in rows if r["motion"] == motion and r["muscle"] == muscle]
            ax.plot([r["pose"][coordinate] for r in sel], [r["moment_arm_mm"] for r in sel], marker="o", ms=3, label=muscle)
        ax.axhline(0.0, color="0.4", lw=0.8)
        ax.set_xlabel(f"{coordinate.replace('_', ' ')} (deg)")
        ax.set_ylabel(f"{motion.replace('_', ' ')} moment arm (mm)")
        ax.set_title(f"{motion.replace('_', ' ')}: + produces, - opposes")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.tight_layout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    except OSError as exc:
        raise DataError(f"cannot write the plot ({exc.strerror})", file=path) from None
    finally:
        plt.close(fig)
    return path


def cmd_moment_arms(args) -> int:
    from viewer.core.pose_text import parse_sweep

    col, angles = parse_sweep(args.sweep)
    motions = [parse_motion(m, field="--motion") for m in args.motion] or [MOTIONS[c] for c in POSE_COORDINATES]
    base = _pose(args.pose)
    model = _load(args)
    muscles = _resolve_ids(model, args.muscle, "--muscle") or list(model.actions.structure_ids)
    rows = moment_arm_sweep(model, muscles, motions, col, angles, base)
    if args.format == "json":
        print(json.dumps(rows, indent=1))
    else:
        _write_csv(sys.stdout, [_flat(r) for r in rows])
    if args.plot:
        path = plot_sweep(rows, POSE_COORDINATES[col], args.plot)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def cmd_validate(args) -> int:
    from viewer.io.model import validate

    problems = validate(args.data)
    for problem in problems:
        print(problem.message, file=sys.stderr)
    return 1 if problems else 0


def cmd_build_meshes(args) -> int:
    from viewer.io.model import default_data_dir
    from viewer.meshgen.build import write

    out = Path(args.out) if args.out else (Path(args.data) if args.data else default_data_dir()) / "meshes"
    manifest = write(out)
    total = sum(s["triangles"] for s in manifest["structures"].values())
    print(f"wrote {len(manifest['structures'])} meshes ({total} triangles) to {out}")
    return 0


def cmd_animate(args) -> int:
    from viewer.render.animation import write_animation

    opts = _render_options(args)
    opts.check()
    motion = parse_motion(args.motion, field="--motion")
    model = _load(args)
    _check_ids(model, opts)
    path = write_animation(model, motion, opts, args.out, frames=args.frames, fps=args.fps, progress=True)
    print(f"wrote {path}")
    return 0


def cmd_lesson(args) -> int:
    from viewer.lessons import find_lesson, load_lesson

    model = _load(args)
    lesson = load_lesson(find_lesson(args.name, model.data_dir), model)
    if args.export:
        from viewer.render.offscreen import parse_size
        from viewer.render.lesson_export import export_lesson

        written = export_lesson(model, lesson, Path(args.export), size=parse_size(args.size))
        print(f"wrote {len(written)} steps to {args.export}")
        return 0
    return _launch(args, lesson=lesson)


def _launch(args, lesson=None) -> int:
    from viewer.qt.app import run_app

    return run_app(data_dir=args.data, lesson=lesson)


COMMANDS = {
    "render": cmd_render,
    "actions": cmd_actions,
    "lengths": cmd_lengths,
    "clinical-test": cmd_clinical_test,
    "measure": cmd_measure,
    "moment-arms": cmd_moment_arms,
    "validate": cmd_validate,
    "build-meshes": cmd_build_meshes,
    "animate": cmd_animate,
    "lesson": cmd_lesson,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command in (None, "view"):
            return _launch(args)
        return COMMANDS[args.command](args)
    except DataError as exc:
        print(f"{PROG}: error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover - interactive
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
