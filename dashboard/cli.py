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
    if hasattr(obj, "item") and callable(obj.item) and not isinstance(obj, (list, dict)):
        obj = obj.item()  # numpy scalars
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
    exclude = [_pair(item, "--exclude") for item in args.exclude or []]
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


def _relaxation(args, kind: str) -> dict | None:
    from analysis import relaxation as rx
    from analysis.campaign import locate
    from analysis.processing import ProcessingParams

    delays = rx.parse_delays(args.delays) if args.delays else None
    region = _pair(args.region, "--region") if args.region else None
    axis = None if kind == "t1" else args.axis
    found = locate(args.data) if Path(args.data).is_dir() else None
    notes = []
    if found:  # a campaign's acquisition: its manifest says the left shift and the axis
        camp, acq = found
        params = acq.default_processing()
        if args.left_shift is not None or args.lb is not None:
            params = params.replace(left_shift=params.left_shift if args.left_shift is None
                                    else args.left_shift, lb_hz=args.lb or 0.0)
        amps = rx.amplitudes(camp.read(acq), args.method, params=params, region_hz=region,
                             delays_s=delays, axis=axis)
        notes.append(f"processing from the campaign manifest ({camp.root / 'campaign.toml'})")
    else:
        params = ProcessingParams(left_shift=args.left_shift or 0, lb_hz=args.lb or 0.0)
        amps = rx.read_amplitudes(args.data, args.method, delays_s=delays, axis=axis,
                                  params=params, region_hz=region)
    notes += list(amps.notes)
    if kind == "t2" and amps.axis == "delay":
        notes.append("the delays were taken as the echo time 2τ; pass --axis pulse-spacing "
                     "if the list holds the pulse spacing τ")
    models = [args.model] + [m for m in (args.compare or []) if m != args.model]
    fix = {}
    if getattr(args, "fix_factor", None) is not None:
        fix[rx.model(args.model).names[2]] = args.fix_factor
    results = [amps.fit(m, fix if m == args.model else None) for m in models]
    res = results[0]
    if not res.success and res.nvarys == 0:
        raise CliError(f"{args.data}: {res.message}")
    if not args.json:
        print(f"{args.data}: {amps.method} amplitudes, {amps.x_s.size} points, "
              f"x axis {amps.axis_label}")
        for n in notes:
            print(f"  - {n}")
        print(res.report())
        for r in results[1:]:
            print(f"{r.model_name:>15}: AIC {r.aic:.2f}  BIC {r.bic:.2f}  "
                  f"{'ok' if r.success else 'FAILED: ' + r.message}")
        return None
    out = res.to_dict()
    key = "T1_s" if kind == "t1" else "T2_s"
    result = {k: v for k, v in out.items() if isinstance(v, dict) and "value" in v}
    result.setdefault(key, {"value": None, "stderr": None, "unit": "s"})
    result.update(model=res.model_name, success=out["success"], message=out["message"],
                  reduced_chi2=out["reduced_chi2"], aic=out["aic"], bic=out["bic"],
                  method=amps.method, axis=amps.axis.replace("delay", "echo-time")
                  if kind == "t2" else amps.axis,
                  x_s=[float(v) for v in res.x], amplitude=[float(v) for v in res.data],
                  correlation=out["correlation"], notes=notes + out["notes"])
    if len(results) > 1:
        result["comparison"] = [{"model": r.model_name, "success": bool(r.success),
                                 "aic": r.aic, "bic": r.bic, key: r.values.get(key)}
                                for r in results]
    return result


def _pair(text: str, flag: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in text.split(":"))
    except ValueError:
        raise CliError(f"{flag} {text!r}: expected LO:HI in Hz") from None
    return lo, hi


def cmd_t1(args) -> dict | None:
    return _relaxation(args, "t1")


def cmd_t2(args) -> dict | None:
    return _relaxation(args, "t2")


def cmd_diffusion(args) -> dict:
    from analysis import diffusion as df

    res = df.diffusion_from_t1(args.t1_s, args.density_cm3 * 1e6, args.distance_angstrom * 1e-10,
                               prefactor=args.prefactor, constant=args.constant,
                               t1_stderr_s=args.t1_err_s, larmor_hz=args.larmor_mhz * 1e6,
                               second_moment_rad2_s2=args.second_moment)
    if not args.json:
        print(f"D = {res.D_cm2_s:.4g} ± {res.D_stderr_m2_s * 1e4:.2g} cm²/s "
              f"(prefactor {df.PREFACTOR_LABELS[res.prefactor]}, constant {res.constant})")
        print(f"    with ħ: {res.D_hbar_m2_s * 1e4:.4g} cm²/s   with h: "
              f"{res.D_h_m2_s * 1e4:.4g} cm²/s")
        print(f"self-check: {res.verdict}")
        return None
    return res.to_dict()


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

    from analysis.relaxation import AMPLITUDE_METHODS, T1_MODELS, T2_MODELS

    for name, models, default, what in (("t1", T1_MODELS, "saturation", "T1 from a recovery "
                                         "array"),
                                        ("t2", T2_MODELS, "hahn", "T2 from a Hahn-echo "
                                         "array (always on the echo time 2τ)")):
        s = sub.add_parser(name, help=what)
        s.add_argument("data", help="a vendor array (delays from the file) or CSV "
                       "delay_s,amplitude[,sigma]")
        s.add_argument("--model", choices=models + (("exponential", "stretched")
                                                      if name == "t2" else ()),
                       default=default)
        s.add_argument("--compare", nargs="*", choices=models, metavar="MODEL",
                       help=f"also fit these models and list AIC/BIC ({', '.join(models)})")
        s.add_argument("--method", choices=AMPLITUDE_METHODS, default="projection",
                       help="amplitude per trace (default: projection onto the strongest)")
        s.add_argument("--delays", help="delays in s: '1e-3,2e-3', '250u 1m' or a file")
        s.add_argument("--region", metavar="LO:HI", help="integral region, Hz from carrier")
        s.add_argument("--left-shift", type=int, help="points dropped first (default: the "
                       "campaign manifest's, else 0)")
        s.add_argument("--lb", type=float, help="line broadening, Hz (integral)")
        if name == "t1":
            s.add_argument("--fix-factor", type=float, help="hold the saturation/inversion "
                           "factor (1 = perfect saturation, 2 = perfect inversion)")
        else:
            s.add_argument("--axis", choices=("echo-time", "pulse-spacing"),
                           help="what the delays are (default: as the file says, else "
                           "echo time 2τ)")
        s.add_argument("--json", action="store_true")
        s.set_defaults(func=cmd_t1 if name == "t1" else cmd_t2)

    s = sub.add_parser("diffusion", help="D from T1 (PHYSICS §3), with the self-check")
    s.add_argument("--t1-s", type=float, required=True)
    s.add_argument("--t1-err-s", type=float, default=0.0)
    s.add_argument("--density-cm3", type=float, default=3e23, help="spins per cm³")
    s.add_argument("--distance-angstrom", type=float, default=1.0, help="closest approach")
    s.add_argument("--prefactor", choices=("paper", "torrey", "ffhs"), default="paper")
    s.add_argument("--constant", choices=("hbar", "h"), default="hbar")
    s.add_argument("--larmor-mhz", type=float, default=395.10885, help="for ω₀τ")
    s.add_argument("--second-moment", type=float, help="rigid-lattice M₂, rad²/s², for the "
                   "dipolar-T1-minimum check")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_diffusion)

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
