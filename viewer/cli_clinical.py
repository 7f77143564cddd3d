"""The clinical subcommands of ``hip-viewer``: ``lengths``, ``clinical-test`` and ``measure``,
and the ``--release`` reading shared with ``actions``.

Each command takes the parsed arguments and the loaded model, prints a table, JSON or CSV, and
returns the exit status; every value it prints is computed by the model or cites its source.
"""

from __future__ import annotations

import csv
import json
import sys

import numpy as np

from viewer.core.errors import DataError
from viewer.core.motions import POSE_COORDINATES


def add_clinical_parsers(sub) -> None:
    """Add ``lengths``, ``clinical-test`` and ``measure`` to the subcommand parsers."""
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


def _pose(text: str | None) -> np.ndarray:
    from viewer.core.pose_text import parse_pose

    return np.zeros(3) if text is None else parse_pose(text)


def _flat(d: dict) -> dict:
    out = {k: v for k, v in d.items() if k != "pose"}
    for c, v in d["pose"].items():
        out[f"pose_{c}_deg"] = v
    return out


def write_csv(stream, rows: list[dict]) -> None:
    """Rows of dicts as CSV with a header from the first row's keys (nothing for no rows)."""
    if not rows:
        return
    writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def release_text_ids(model, text: str) -> list[str]:
    """Muscles named by ``--release`` (comma separated; ``posterior-approach`` for the default set)."""
    from viewer.io.clinical import release_ids

    return release_ids(model, [part.strip() for part in text.split(",") if part.strip()])


def capacity_text(model, cap) -> str:
    names = ", ".join(model.display_name(m) for m in cap.released)
    return (f"capacity for {cap.motion.replace('_', ' ')}: intact {cap.intact_nm:.1f} N m, with {names} released "
            f"{cap.remaining_nm:.1f} N m = {cap.remaining_pct:.0f} % remaining (sum of positive torque potentials, "
            "computed by the model)")


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


def cmd_lengths(args, model) -> int:
    from viewer.core.stretch import greatest_stretch, lengths_and_stretch

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
            write_csv(sys.stdout, [{**{k: v for k, v in d.items() if k not in ("pose", "held")},
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
        write_csv(sys.stdout, [{"muscle": r["muscle"], "pose": _pose_text(r["pose"].values()),
                                 "length_mm": r["length_mm"], "stretch_pct": r["stretch_pct"]} for r in rows])
    else:
        print(f"{'muscle':<28} {'pose (deg)':<50} {'length mm':>10} {'stretch %':>10}")
        for r in rows:
            print(f"{r['muscle']:<28} {_pose_text(r['pose'].values()):<50} {r['length_mm']:>10.1f} {r['stretch_pct']:>+10.1f}")
    return 0


def cmd_clinical_test(args, model) -> int:
    from viewer.core.clinical_tests import evaluate_test, clinical_caption
    from viewer.io.clinical import clinical_for

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


def cmd_measure(args, model) -> int:
    from viewer.io.clinical import clinical_for

    poses = _poses(args)
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
            write_csv(sys.stdout, [_flat(r) for r in rows])
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
        write_csv(sys.stdout, [_flat(r) for r in rows])
    else:
        print("centreline distance from the sciatic nerve (computed by the model)")
        print(f"{'pose (deg)':<50} {'neighbour':<22} {'clearance mm':>12} {'at mm along':>12} {'nerve stretch %':>16}")
        for r in rows:
            print(f"{_pose_text(r['pose'].values()):<50} {r['neighbour']:<22} {r['clearance_mm']:>12.1f} "
                  f"{r['along_nerve_mm']:>12.0f} {r['nerve_stretch_pct']:>+16.1f}")
    return 0
