"""The ``hpnmr`` command (a contract: scripts and checks call it; see DESIGN.md).

Every subcommand with ``--json`` prints exactly one JSON object on stdout. Bad input exits
non-zero with one clear line on stderr (and ``{"error": ...}`` on stdout under ``--json``);
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from analysis import __version__


class CliError(Exception):
    """A user-facing error: one line, exit code 2."""


def _jsonable(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


def cmd_info(args) -> dict:
    from analysis import io

    ds = io.read(args.path, nucleus=args.nucleus)
    return ds.summary()


def cmd_demo_data(args) -> dict:
    from analysis import example_campaign

    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not (out / "truth.json").is_file():
        raise CliError(f"{out}: exists and is not an example campaign; refusing to replace it")
    truth = example_campaign.generate(out, seed=args.seed)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {"out": str(out), "seed": truth["seed"], "bytes": size,
            "acquisitions": len(truth["acquisitions"]),
            "transport_curves": sum(len(c["days"]) for c in truth["transport"].values())}


def cmd_pake(args) -> dict:
    from analysis import io, pake

    freq, y, how = pake.spectrum_for_fit(io.read(args.spectrum), echo=args.echo)
    exclude = []
    for item in args.exclude or []:
        try:
            lo, hi = (float(x) for x in item.split(":"))
        except ValueError:
            raise CliError(f"--exclude {item!r}: expected LO:HI in Hz") from None
        exclude.append((lo, hi))
    fix = {"weight_n": args.fix_weight} if args.fix_weight is not None else None
    if args.components == 1 and fix:
        raise CliError("--fix-weight needs two components")
    res = pake.fit_pake(freq, y, components=args.components, r_n=args.r_n, r_nn=args.r_nn,
                        central_line=args.central_line, exclude=exclude, fix=fix,
                        kind=args.kind, bootstrap=args.bootstrap)
    if not res.success and res.nvarys == 0:       # could not start: bad input
        raise CliError(f"{args.spectrum}: {res.message}")
    if not args.json:
        print(f"{args.spectrum}: {how}")
        print(res.report())
        return None
    out = res.to_dict()
    keep = ["r_n_angstrom", "r_nn_angstrom", "weight_n", "broadening_hz", "broadening_n_hz",
            "broadening_nn_hz", "center_hz", "d_n_hz", "d_nn_hz", "amplitude"]
    result = {k: out[k] for k in keep if k in out}
    result.update(reduced_chi2=out["reduced_chi2"], success=out["success"],
                  message=out["message"], components=args.components, kind=args.kind,
                  input=how, correlation=out["correlation"], notes=out["notes"])
    return result


def cmd_serve(args) -> None:
    from dashboard import EXAMPLE_CAMPAIGN
    from dashboard.server import serve

    root = Path(args.dir) if args.dir else EXAMPLE_CAMPAIGN
    if not root.is_dir():
        raise CliError(f"{root}: no such campaign folder")
    serve(root, address=args.address, port=args.port, num_procs=args.num_procs,
          show=args.show)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hpnmr", description="High-pressure NMR and transport "
                                "analysis for superhydrides in diamond anvil cells.")
    p.add_argument("--version", action="version", version=f"hpnmr {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("info", help="describe any supported dataset")
    s.add_argument("path")
    s.add_argument("--nucleus", help="override the nucleus the file states")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("demo-data", help="write the synthetic example campaign")
    s.add_argument("out")
    s.add_argument("--seed", type=int, default=20240304)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_demo_data)

    s = sub.add_parser("pake", help="fit one or two Pake doublets (H–H distances)")
    s.add_argument("spectrum", help="CSV frequency_hz,intensity or a raw dataset")
    s.add_argument("--components", type=int, choices=(1, 2), default=2)
    s.add_argument("--r-n", type=float, default=0.75, help="start r_n (Å)")
    s.add_argument("--r-nn", type=float, default=1.24, help="start r_nn (Å)")
    s.add_argument("--central-line", action="store_true", help="fit a narrow central line")
    s.add_argument("--fix-weight", type=float, help="hold weight_n at this value")
    s.add_argument("--exclude", action="append", metavar="LO:HI", help="Hz, repeatable")
    s.add_argument("--kind", choices=("like", "unlike", "spin1"), default="like")
    s.add_argument("--echo", choices=("auto", "whole", "half", "none"), default="auto")
    s.add_argument("--bootstrap", type=int, default=0, help="bootstrap refits")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_pake)

    s = sub.add_parser("serve", help="serve the dashboard")
    s.add_argument("dir", nargs="?", help="campaign folder (default: the bundled example)")
    s.add_argument("--address", default="127.0.0.1")
    s.add_argument("--port", type=int, default=5006)
    s.add_argument("--num-procs", type=int, default=1)
    s.add_argument("--show", action="store_true", help="open a browser")
    s.set_defaults(func=cmd_serve, json=False)
    return p


def _print_human(result: dict) -> None:
    for k, v in result.items():
        if isinstance(v, dict):
            v = json.dumps(v)
        print(f"{k}: {v}")


def main(argv: list[str] | None = None) -> int:
    from analysis.campaign import CampaignError
    from analysis.dataset import ReaderError

    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = getattr(args, "json", False)
    try:
        result = args.func(args)
    except (CliError, ReaderError, CampaignError, ValueError, OSError) as exc:
        msg = str(exc) or type(exc).__name__
        if as_json:
            print(json.dumps({"error": msg}))
        print(f"hpnmr {args.command}: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if result is not None:
        try:
            if as_json:
                print(json.dumps(_jsonable(result), allow_nan=False))
            else:
                _print_human(result)
            sys.stdout.flush()
        except BrokenPipeError:  # `hpnmr info … | head`: the reader went away
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    return 0


if __name__ == "__main__":
    sys.exit(main())
