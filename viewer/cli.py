"""The ``hip-viewer`` command: the desktop viewer, and headless access to the same core.

Subcommands use the core, the loaders and the off-screen renderer; only the launcher (no
subcommand, or ``lesson``) imports the Qt application.
"""

from __future__ import annotations

import argparse
import json
import os
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
    write_csv,
)
from viewer.cli_quiz import cmd_quiz
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
    p.add_argument("--knee-flexion", type=float, default=None, metavar="DEG",
                   help="knee flexion for display, 0-120 degrees (the leg and foot; mechanics stay hip-only)")
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
    parser.add_argument("--smoke-test", action="store_true",
                        help="open the viewer, check that its 3D view renders, print one line and close "
                        "(checks an installation)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="subcommands")
    data_help = "folder holding meshes/ and annotations/ (also accepted before the subcommand)"

    sub.add_parser("view", help="open the desktop viewer (the default)")

    p = sub.add_parser("render", help="render an image headlessly (no window, no X server needed)")
    p.add_argument("--out", required=True, metavar="FILE.png", help="output PNG")
    p.add_argument("--scene", default=None, metavar="FILE.yaml",
                   help="a scene file to draw; the options below override its fields")
    p.add_argument("--compare", nargs="+", default=None, metavar="POSE",
                   help="2 or 4 poses side by side with one camera, e.g. --compare neutral flexion=90 "
                        "(each coloured for --motion, default external rotation; a table of the muscles "
                        "that change role is added under the views; --size is the size of the views)")
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
    p.add_argument("--force", action="store_true",
                   help="with --export: export into a folder that is not empty, replacing its step files and index.md")
    p.add_argument("--size", default="1280x800")
    p = sub.add_parser("quiz", help="print a quiz with its answer key (answers computed by the model), or generate one")
    p.add_argument("name", nargs="?", metavar="NAME|FILE", help="built-in quiz name (e.g. deep_rotators) or a quiz YAML file")
    p.add_argument("--export", default=None, metavar="DIR", help="write questions.txt, answer_key.txt and quiz.json to DIR")
    p.add_argument("--generate", action="store_true", help="generate a quiz from the templates instead")
    p.add_argument("--seed", type=int, default=0, help="seed of the generator (same seed, same quiz)")
    p.add_argument("--count", type=int, default=10, help="number of generated questions (default 10)")
    p.add_argument("--format", default="text", choices=["text", "json"])
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
    "size": "size", "view": "view", "zoom": "zoom", "pose": "pose", "knee_flexion": "knee_flexion", "hide": "hide",
    "show": "show", "only": "only",
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


def _check_finite(values, what: str) -> None:
    """Refuse to print a NaN or infinity: the data produced a value that means nothing."""
    arr = np.asarray(values, dtype=float)
    if arr.size and not np.all(np.isfinite(arr)):
        raise DataError(f"the model gives a non-finite {what}; its path data are not sound "
                        "(run 'hip-viewer validate')")


# -- subcommands -----------------------------------------------------------------------------
def cmd_render(args) -> int:
    from viewer.io.files import check_output_path
    from viewer.render.offscreen import render_spec, save_png

    check_output_path(args.out, (".png",), field="--out")
    opts = _render_options(args)
    opts.check()
    if args.compare is not None:
        return _render_compare(args, opts)
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


def _render_compare(args, opts) -> int:
    from viewer.core.pose_text import parse_pose_value
    from viewer.render.compare import DEFAULT_COMPARE_MOTION, grid_shape, pose_caption, render_compare
    from viewer.render.offscreen import save_png

    grid_shape(len(args.compare))
    if args.pose is not None:
        raise DataError("give the poses with --compare, not --pose", field="--pose")
    poses = [parse_pose_value(text, field="--compare") for text in args.compare]
    model = _load(args)
    base = None
    if args.scene:
        from viewer.io.scene_file import load_scene
        from viewer.state import state_for_model

        base = load_scene(args.scene, state_for_model(model).snapshot(), model.catalogue)
    image, changes, _camera = render_compare(model, opts, poses, base=base)
    path = save_png(image, args.out)
    motion = (opts.motion or DEFAULT_COMPARE_MOTION).replace("_", " ")
    print(f"wrote {path} ({image.shape[1]}x{image.shape[0]}, view {opts.view}, {len(poses)} poses)")
    print(f"muscles that change role for {motion} (moment arms computed by the model, mm):")
    for change in changes:
        cells = ", ".join(f"{pose_caption(p)}: {r:+.1f} {role}" for p, r, role in
                          zip(poses, change["moment_arms_mm"], change["roles"]))
        print(f"  {model.display_name(change['muscle'])}: {cells}")
    if not changes:
        print("  none")
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
    _check_finite([(row.moment_arm_mm, row.torque_potential_nm) for row in rows], "moment arm or torque")
    dicts = [_with_provenance(model, row.as_dict(), motion, pose) for row in rows]
    if args.format == "json":
        print(json.dumps(dicts if released is None else {"capacity": cap.as_dict(), "rows": dicts}, indent=1))
    elif args.format == "csv":
        write_csv(sys.stdout, [_flat(d) for d in dicts])
        if released is not None:
            print(f"# {capacity_text(model, cap)}", file=sys.stderr)
    else:
        from viewer.core.provenance import MODEL_BASIS

        pose_text = ", ".join(f"{c}={v:g}" for c, v in zip(POSE_COORDINATES, pose))
        print(f"{motion.label} at {pose_text} (deg); ranked by {args.rank_by.replace('_', ' ')}")
        print(f"{'#':>3}  {'muscle':<34} {'moment arm mm':>14} {'torque N m':>11}  {'role':<10}  published")
        cited = {}
        for row, d in zip(rows, dicts):
            name = model.display_name(row.muscle)
            indent = "  " if row.level == "compartment" else ""
            pub = "; ".join(_published_text(p) for p in d["published"])
            for p in d["published"]:
                cited[p["citation"]] = next(e.citation for e in model.published.entries if e.source == p["source"])
            print(f"{row.rank:>3}  {(indent + name)[:34]:<34} {row.moment_arm_mm:>14.1f} {row.torque_potential_nm:>11.2f}"
                  f"  {row.role:<10}  {pub}".rstrip())
        print(f"Moment arms and torques: {MODEL_BASIS}; PCSA per muscle from its annotation's architecture source; "
              "torque = r x PCSA x 61 N/cm2 (Arnold et al. 2010).")
        if cited:
            print("Published values: " + "; ".join(
                f"{short}: {full}" for short, full in cited.items()))
        if released is not None:
            print(capacity_text(model, cap))
    return 0


def _published_text(p: dict) -> str:
    value = f"{p['value_mm']:+.1f}" if "value_mm" in p else f"{p['range_mm'][0]:+.1f}..{p['range_mm'][1]:+.1f}"
    return f"{value} mm ({p['citation']})"


def _with_provenance(model, row: dict, motion, pose) -> dict:
    """A JSON row with ``source`` (how the model computed it) and the matching ``published`` figures."""
    row["source"] = model.model_source(row["muscle"])
    row["published"] = [p.as_dict() for p in model.published.lookup(row["muscle"], motion, pose)]
    return row


def _flat(d: dict) -> dict:
    out = {k: v for k, v in d.items() if k not in ("pose", "published")}
    for c, v in d["pose"].items():
        out[f"pose_{c}_deg"] = v
    if "published" in d:
        out["published"] = "; ".join(_published_text(p) + f" [{p['source']}]" for p in d["published"])
    return out


def moment_arm_sweep(model, muscles: list[str], motions, col: int, angles: np.ndarray, base_pose: np.ndarray) -> list[dict]:
    """Rows of moment arm and torque potential for each muscle, motion and swept angle."""
    from viewer.core.sweeps import moment_arm_rows

    rows = moment_arm_rows(model.actions, muscles, motions, col, angles, base_pose)
    table = getattr(model, "published", None)
    for row in rows:  # where each number comes from, and the published values for the same pose
        row["source"] = model.model_source(row["muscle"]) if table is not None else "computed by the model"
        pose = [row["pose"][c] for c in POSE_COORDINATES]
        row["published"] = ([p.as_dict() for p in table.lookup(row["muscle"], MOTIONS[row["motion"]], pose)]
                            if table is not None else [])
    return rows


def plot_sweep(rows: list[dict], coordinate: str, path: str) -> Path:
    """Moment arm against the swept angle, one panel per motion, one line per muscle."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from viewer.io.files import atomic_output

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise DataError(f"plot must be a .png file, got {path.name!r}", field="--plot")
    motions = list(dict.fromkeys(r["motion"] for r in rows))
    fig, axes = plt.subplots(1, len(motions), figsize=(5.5 * len(motions), 4.2), squeeze=False)
    for ax, motion in zip(axes[0], motions):
        for muscle in dict.fromkeys(r["muscle"] for r in rows):
            sel = [r for r in rows if r["motion"] == motion and r["muscle"] == muscle]
            line, = ax.plot([r["pose"][coordinate] for r in sel], [r["moment_arm_mm"] for r in sel], marker="o", ms=3,
                            label=f"{muscle} (model)")
            for r in sel:
                for pub in r.get("published", ()):
                    lo, hi = pub.get("range_mm", [pub.get("value_mm")] * 2)
                    ax.errorbar([r["pose"][coordinate]], [0.5 * (lo + hi)], yerr=[[0.5 * (hi - lo)]], fmt="D",
                                ms=6, mfc="white", mec=line.get_color(), ecolor=line.get_color(), capsize=3,
                                label=f"{muscle}: published, {pub['citation']}")
        ax.axhline(0.0, color="0.4", lw=0.8)
        ax.set_xlabel(f"{coordinate.replace('_', ' ')} (deg)")
        ax.set_ylabel(f"{motion.replace('_', ' ')} moment arm (mm)")
        ax.set_title(f"{motion.replace('_', ' ')}: + produces, - opposes")
        ax.grid(alpha=0.3)
    for ax in axes[0]:
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))  # one legend entry per published source
        ax.legend(unique.values(), unique.keys(), fontsize=7, loc="best")
    fig.tight_layout()
    try:
        with atomic_output(path) as tmp:
            fig.savefig(tmp, dpi=120, format="png")
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
    if args.plot:
        from viewer.io.files import check_output_path

        check_output_path(args.plot, (".png",), field="--plot")
    model = _load(args)
    muscles = _resolve_ids(model, args.muscle, "--muscle") or list(model.actions.structure_ids)
    rows = moment_arm_sweep(model, muscles, motions, col, angles, base)
    _check_finite([(r["moment_arm_mm"], r["torque_potential_nm"]) for r in rows], "moment arm or torque")
    if args.format == "json":
        print(json.dumps(rows, indent=1))
    else:
        write_csv(sys.stdout, [_flat(r) for r in rows])
    if args.plot:
        path = plot_sweep(rows, POSE_COORDINATES[col], args.plot)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def cmd_validate(args) -> int:
    from viewer.io.model import validate
    from viewer.lessons.schema import validate_lessons

    problems = validate(args.data, extra_checks=(validate_lessons,))
    if not problems:
        # quizzes are checked against the model, so only once the model itself is sound
        from viewer.io.model import load_model
        from viewer.io.quiz_file import builtin_quizzes, load_quiz

        model = load_model(args.data)
        for path in builtin_quizzes(model.data_dir):
            try:
                load_quiz(path, model)
            except DataError as exc:
                problems.append(exc)
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
    from viewer.export.animation import FORMATS, write_animation
    from viewer.io.files import check_output_path

    check_output_path(args.out, FORMATS, field="--out")
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

    if args.export:
        from viewer.export.lesson_export import check_export_folder
        from viewer.render.offscreen import parse_size

        check_export_folder(args.export, force=args.force)
        size = parse_size(args.size)
    model = _load(args)
    lesson = load_lesson(find_lesson(args.name, model.data_dir), model)
    if args.export:
        from viewer.export.lesson_export import export_lesson

        written = export_lesson(model, lesson, Path(args.export), size=size, force=args.force)
        print(f"wrote {len(written)} steps to {args.export}")
        return 0
    return _launch(args, lesson=lesson)


def _launch(args, lesson=None) -> int:
    from viewer.qt.app import run_app

    return run_app(data_dir=args.data, lesson=lesson, smoke=getattr(args, "smoke_test", False))


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
    "quiz": lambda args: cmd_quiz(args, lambda: _load(args)),
}


#: Exit status after a broken pipe (the reader of our output went away), as if killed by SIGPIPE.
EXIT_BROKEN_PIPE = 141
#: Exit status after an error that is not the data's or the request's: a bug to report.
EXIT_INTERNAL = 70


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at the null device so that the interpreter's final
    flush does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command in (None, "view"):
            return _launch(args)
        code = COMMANDS[args.command](args)
        sys.stdout.flush()
        return code
    except DataError as exc:
        print(f"{PROG}: error: {exc.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `hip-viewer actions ... | head -1`: the reader has what it wanted
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:  # pragma: no cover - interactive
        return 130
    except MemoryError:
        print(f"{PROG}: error: out of memory (a smaller --size, --frames or sweep may fit)", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        reason = " ".join(str(exc).split())[:300]
        print(f"{PROG}: internal error: {type(exc).__name__}: {reason} (this is a bug; please report it "
              "with the command that caused it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
