"""``hpnmr figures``: the study's figures from a campaign's raw files."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import CliError, progress


def cmd_figures(args) -> dict | None:
    from dashboard import figures

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in figures.FORMATS]
    if bad or not formats:
        raise CliError(f"--format {args.format!r}: choose from {', '.join(figures.FORMATS)}")
    if not Path(args.dir).is_dir():
        raise CliError(f"{args.dir}: not a folder")
    quiet = args.json or args.quiet
    paths = figures.build_all(args.dir, args.out, formats=formats,
                              command=["hpnmr", *getattr(args, "argv", sys.argv[1:])],
                              progress=None if quiet else progress)
    return {"out": str(args.out), "figures": sorted({p.stem for p in paths}),
            "files": [str(p) for p in paths], "formats": formats}


def add_figures(sub) -> None:
    s = sub.add_parser("figures", help="Figs. 1–6 of the study from a campaign's raw files")
    s.add_argument("dir")
    s.add_argument("--out", required=True)
    s.add_argument("--format", default="pdf,svg,png", help="comma-separated: pdf, svg, png")
    s.add_argument("--quiet", action="store_true")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_figures)
