"""``python -m viewer.bench [mechanics|clinical|muscles|app|all]``: run benchmarks and print their figures."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m viewer.bench", description=__doc__)
    parser.add_argument("which", nargs="?", default="all", choices=["mechanics", "clinical", "muscles", "app", "all"])
    parser.add_argument("--data", default=None, metavar="DIR", help="data folder (default: built-in)")
    parser.add_argument("--osim", default=None, metavar="MODEL.osim",
                        help="also time OpenSim on this model, imported, at the same poses (needs the opensim package)")
    args = parser.parse_args(argv)
    if args.which in ("mechanics", "all"):
        from viewer.bench.mechanics import main as mechanics

        mechanics(data_dir=args.data, osim=args.osim)
    if args.which in ("clinical", "all"):
        from viewer.bench.clinical import main as clinical

        clinical(data_dir=args.data)
    if args.which in ("muscles", "all"):
        from viewer.bench.muscles import main as muscles

        muscles(data_dir=args.data)
    if args.which in ("app", "all"):
        from viewer.bench.app import main as app

        app(data_dir=args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
