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
from viewer.cli_clinical import (
    add_clinical_parsers,
    capacity_text,
    cmd_clinical_test,
    cmd_lengths,
    cmd_measure,
    release_text_ids,
)
from viewer.core.motions import MOTIONS, POSE_COORDINATES, parse_motion

PROG = "hip-viewer"


def _add_render_options(p: argparse.ArgumentParser, *, motion: bool = True) -> None:
    """Picture options; each sets one field of the scene (and overrides a --scene file's).
    Defaults are applied by RenderOptions, so that a flag left out can be told apart."""
    p.add_argument("--size", default=None, help="image size WIDTHxHEIGHT in pixels (default 1280x800)")
    p.add_argument("--view", default=None,
                   help="camera: anterior, posterior, lateral, medial, superior, inferior, posterolateral (default), "
                   "anterolateral")
    p.add_argument("--zoom", type=float, default=None, help="zoom factor (default 1)")
    p.add_argument("--pose", default=None, help="pose, e.g. flexion=90,abduction=0,external_rotation=20 (degrees)")
    p.add_argument("--hide", action="append", default=[], metavar="ID",
                   help="hide a structure or layer group (repeatable; after --only)")
    p.add_argument("--show", action="append", default=[], metavar="ID",
                   help="show a structure or layer group (repeatable; after --hide)")
    p.add_argument("--only", action="append", default=[], metavar="ID", help="show only these structures (repeatable)")
    p.add_argument("--hide-group", action="append", default=[], metavar="GROUP",
                   help="hide a layer group: bones, deep_external_rotators, gluteals, nerves")
    p.add_argument("--highlight", action="append", default=[], metavar="ID", help="highlight a structure (repeatable)")
    p.add_argument("--select", default=None, metavar="ID", help="select a structure: label, origin and insertion markers")
    if motion:
        p.add_argument("--motion", default=None, help="colour muscles by their role for this motion (with a legend)")
    p.add_argument("--colour-by", default=None, choices=["moment_arm", "torque", "stretch"],
                   help="colour intensity for the motion, or 'stretch': length change from neutral (no motion needed)")
    p.add_argument("--section", default=None, metavar="PLANE:MM",
                   help="cut the model: axial:Y, coronal:X, sagittal:Z (mm, pelvis frame) or oblique:x,y,z;x,y,z;x,y,z")
    p.add_argument("--release", default=None, metavar="ID,ID",
                   help="draw these muscles released and retracted (posterior approach; 'posterior-approach' for the default set)")
    p.add_argument("--spaces", action="store_true", default=None,
                   help="draw the ischiofemoral space's narrowest segment with its value and the published ranges")
    p.add_argument("--clinical-test", default=None, metavar="NAME",
                   help="show a provocation test: its pose, colouring and computed caption (fair, freiberg, pace, ...)")
    p.add_argument("--ghost", action="store_true", default=None, help="make everything but the selection translucent")
    p.add_argument("--mechanics", action="store_true", default=None,
                   help="draw joint axis, line of action and moment arm of the selection")
    p.add_argument("--caption", default=None, help="caption text at the bottom of the image")
    p.add_argument("--background", default=None, help="background: dark (default), light, white, black")
    p.add_argument("--transparent", action="store_true", default=None, help="transparent background (PNG alpha)")


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
    p.add_argument("--scene", default=None, metavar="FILE.yaml",
                   help="a scene file to draw; the options below override its fields")
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

    add_clinical_parsers(sub)

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

    p = sub.add_parser("import-osim", help="turn an OpenSim model into a data folder (open it with --data DIR)")
    p.add_argument("model", metavar="MODEL.osim", help="OpenSim model file (format 4)")
    p.add_argument("--geometry", action="append", default=[], metavar="DIR",
                   help="folder with the model's bone meshes (repeatable; the model's folder and its Geometry/ "
                        "are searched after these)")
    p.add_argument("--joint", default=None, metavar="NAME", help="the hip joint (default: hip_r or the first hip joint)")
    p.add_argument("--out", required=True, metavar="DIR", help="data folder to write (meshes/ and annotations/)")

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
    """Muscle or compartment ids (names and synonyms accepted) that have moment arms."""
    known = set(model.actions.line_ids) | set(model.actions.structure_ids)
    out = []
    for some_id in ids:
        try:
            some_id = model.catalogue.resolve(some_id)
        except DataError:
            pass
        if some_id not in known:
            import difflib

            close = difflib.get_close_matches(some_id, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise DataError(f"unknown muscle {some_id!r}{hint} (known: {', '.join(sorted(known))})", field=field)
        out.append(some_id)
    return out


#: Render flags (argparse dest) -> the RenderOptions field each one sets.
RENDER_FLAGS = {
    "size": "size", "view": "view", "zoom": "zoom", "pose": "pose", "hide": "hide", "show": "show", "only": "only",
    "hide_group": "groups_hidden", "highlight": "highlight", "select": "select", "motion": "motion",
    "colour_by": "colour_by", "ghost": "ghost", "mechanics": "mechanics", "caption": "caption",
    "background": "background", "transparent": "transparent", "section": "section", "release": "release",
    "spaces": "spaces", "clinical_test": "clinical_test",
}


def _render_options(args):
    """Render options from the flags given; ``given`` names them (a flag overrides a scene file)."""
    from viewer.render.offscreen import RenderOptions, parse_size

    convert = {"size": parse_size, "pose": _pose,
               "release": lambda text: [part.strip() for part in text.split(",") if part.strip()],
               "motion": lambda text: parse_motion(text, field="--motion").name}
    values, given = {}, set()
    for dest, name in RENDER_FLAGS.items():
        value = getattr(args, dest, None)
        if value is None or value == []:
            continue
        values[name] = convert[name](value) if name in convert else value
        given.add(name)
    return RenderOptions(**values, given=frozenset(given))


# -- subcommands -----------------------------------------------------------------------------
def cmd_render(args) -> int:
    from viewer.render.offscreen import render_spec, save_png

    opts = _render_options(args)
    opts.check()
    model = _load(args)
    base = None
    if args.scene:
        from viewer.io.scene_file import load_scene
        from viewer.state import state_for_model

        base = load_scene(args.scene, state_for_model(model).snapshot(), model.catalogue)
    spec = opts.to_spec(model, base)
    path = save_png(render_spec(model, spec, opts.size, transparent=opts.transparent), args.out)
    print(f"wrote {path} ({opts.size[0]}x{opts.size[1]}, view {spec.camera.view})")
    return 0


def cmd_actions(args) -> int:
    motion = parse_motion(args.motion, field="--motion")
    pose = _pose(args.pose)
    model = _load(args)
    released = release_text_ids(model, args.release) if args.release is not None else None
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
            print(f"# {capacity_text(model, cap)}", file=sys.stderr)
    else:
        pose_text = ", ".join(f"{c}={v:g}" for c, v in zip(POSE_COORDINATES, pose))
        print(f"{motion.label} at {pose_text} (deg); ranked by {args.rank_by.replace('_', ' ')}")
        print(f"{'#':>3}  {'muscle':<34} {'moment arm mm':>14} {'torque N m':>11}  role")
        for row in rows:
            name = model.display_name(row.muscle)
            indent = "  " if row.level == "compartment" else ""
            print(f"{row.rank:>3}  {(indent + name)[:34]:<34} {row.moment_arm_mm:>14.1f} {row.torque_potential_nm:>11.2f}  {row.role}")
        if released is not None:
            print(capacity_text(model, cap))
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
    from viewer.core.sweeps import moment_arm_rows

    return moment_arm_rows(model.actions, muscles, motions, col, angles, base_pose)


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


def cmd_import_osim(args) -> int:
    from viewer.meshgen.osim_import import import_osim

    summary, notices = import_osim(args.model, args.out, args.geometry, args.joint)
    for notice in notices:
        print(notice, file=sys.stderr)
    print(f"imported {summary['muscles']} muscles crossing the hip, {summary['bones']} bone meshes and "
          f"{summary['wraps']} wrap surfaces into {summary['out']} (open it with --data {summary['out']})")
    return 0


def cmd_animate(args) -> int:
    from viewer.export.animation import write_animation

    opts = _render_options(args)
    opts.check()
    motion = parse_motion(args.motion, field="--motion")
    model = _load(args)
    opts.to_spec(model)  # checks every id, naming the flag
    path = write_animation(model, motion, opts, args.out, frames=args.frames, fps=args.fps, progress=True)
    print(f"wrote {path}")
    return 0


def cmd_lesson(args) -> int:
    from viewer.lessons import find_lesson, load_lesson

    model = _load(args)
    lesson = load_lesson(find_lesson(args.name, model.data_dir), model)
    if args.export:
        from viewer.render.offscreen import parse_size
        from viewer.export.lesson_export import export_lesson

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
    "lengths": lambda args: cmd_lengths(args, _load(args)),
    "clinical-test": lambda args: cmd_clinical_test(args, _load(args)),
    "measure": lambda args: cmd_measure(args, _load(args)),
    "moment-arms": cmd_moment_arms,
    "validate": cmd_validate,
    "build-meshes": cmd_build_meshes,
    "import-osim": cmd_import_osim,
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
