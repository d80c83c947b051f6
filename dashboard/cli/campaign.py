"""``hpnmr campaign``, ``hpnmr quantify``, ``hpnmr tc`` and ``hpnmr demo-data``: a whole
campaign, H/La from two channels, Tc of an R(T) curve, and the example campaign."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .common import CliError, progress


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


def add_demo_data(sub) -> None:
    s = sub.add_parser("demo-data", help="write the synthetic example campaign")
    s.add_argument("out")
    s.add_argument("--seed", type=int, default=20240304)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_demo_data)


def cmd_campaign(args) -> dict | None:
    from analysis import campaign as campaign_mod
    from analysis import pipeline
    from analysis.cache import ResultCache
    from analysis.store import ResultsStore, StoreError, default_path

    camp = campaign_mod.load(args.dir)
    # the default places inside the campaign: refused if they lead out of it (a symlink)
    cache = None if args.no_cache else ResultCache.beside(default_path(camp.root),
                                                          root=camp.root)
    try:
        store = (ResultsStore(default_path(camp.root), root=camp.root)
                 if not args.no_store else None)
    except StoreError as exc:
        store = None
        print(f"hpnmr campaign: results not kept ({exc})", file=sys.stderr)
    quiet = args.json or args.quiet
    res = pipeline.analyze_campaign(camp, store=store, criterion=args.criterion,
                                    progress=None if quiet else progress,
                                    workers=args.workers or os.cpu_count() or 1,
                                    cache=cache)
    if cache is not None and cache.problem:
        print(f"hpnmr campaign: {cache.problem}", file=sys.stderr)
    paths = res.write_csv(args.out)
    version = pipeline.save(res, store) if store is not None else None
    summary = {"out": str(args.out), "files": [str(p) for p in paths],
               "acquisitions": len(res.nmr), "cell_days": len(res.h_per_la),
               "transport_curves": len({(r["cell"], r["day"]) for r in res.tc}),
               "errors": res.errors, "store_version": version, "timings_s": res.timings_s,
               "cache": None if cache is None else str(cache.path)}
    best = {}
    for r in res.kinetics:   # ranked by the cell's criterion (AICc for few points)
        if r["success"] and (r["cell"] not in best or r["ic"] < best[r["cell"]]["ic"]):
            best[r["cell"]] = r
    summary["best_law"] = {c: r["law"] for c, r in best.items()}
    summary["best_law_fit"] = {c: {"ranked_by": r["ic_name"], "verdict": r["verdict"],
                                   "reduced_chi2": r["reduced_chi2"]}
                               for c, r in best.items()}
    nuclei = sorted({r["nucleus"] for r in res.nmr if r.get("nucleus")})
    summary["referencing"] = {n: camp.reference(n).to_dict() for n in nuclei}
    return summary


def add_campaign(sub) -> None:
    s = sub.add_parser("campaign", help="the whole campaign: H/La, shifts, widths, Tc, "
                       "kinetics → CSV tables and the results database")
    s.add_argument("dir")
    s.add_argument("--out", required=True, help="folder for the CSV tables")
    s.add_argument("--criterion", default="50", help="Tc criterion for the Tc(t) fits")
    s.add_argument("--no-store", action="store_true", help="do not keep the results in the "
                   "campaign's results database")
    s.add_argument("--no-cache", action="store_true", help="fit every file again instead of "
                   "reusing results of unchanged files and processing (.hpnmr/cache.sqlite)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument("--workers", type=int, help="processes (default: one per CPU)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_campaign)


#: the nucleus of each channel of ``hpnmr quantify --h/--la`` (it sets where the fit starts)
CHANNEL_NUCLEUS = {"h": "1H", "la": "139La"}


def _measure_files(args) -> tuple[dict, dict, dict]:
    """The time-domain SNR, scans and spectral width of each channel's file (``"h"``,
    ``"la"``), what the JSON reports of the fits, and the channel data of the campaign
    manifest when a file is an acquisition of one."""
    from analysis import io, measure
    from analysis.campaign import locate
    from analysis.pipeline import channel_kwargs

    channels, info, manifest = {}, {}, {}
    for key, path in (("h", args.h), ("la", args.la)):
        found = locate(path) if Path(path).is_dir() else None
        if found:  # processing and channel data from the campaign manifest
            camp, acq = found
            ds, params = camp.read(acq), acq.default_processing()
            manifest = channel_kwargs(camp)
            info["manifest"] = str(camp.root / "campaign.toml")
        else:
            ds, params = io.read(path), None
        fa = measure.fid_amplitude(ds, params, skip_s=measure.default_skip(
            CHANNEL_NUCLEUS[key])).raise_for_failure()
        channels[key] = (fa.snr, ds.scans, ds.spectral_width_hz)
        info[f"snr_{key}"] = fa.snr.to_dict()
        info[f"fit_{key}"] = fa.verdict.to_dict()   # the time-domain Voigt fit
        info[f"scans_{key}"] = ds.scans
    return channels, info, manifest


def _epsilon(text: str | None) -> float | str | None:
    from analysis import quantify

    try:
        return float(text) if text is not None else None
    except ValueError:
        if text not in quantify.LA_EXCITATION:
            raise CliError(f"--epsilon-la {text!r}: a number or one of "
                           f"{', '.join(quantify.LA_EXCITATION)}") from None
    return text


def _given(args) -> dict:
    """The channel options set on the command line, as :func:`analysis.quantify.h_per_la`
    keywords (SI)."""
    given = {"bandwidth_h_hz": args.bandwidth_h, "bandwidth_la_hz": args.bandwidth_la,
             "noise_temperature_h_k": args.noise_temperature_h,
             "noise_temperature_la_k": args.noise_temperature_la,
             "t90_h_s": args.t90_h_us * 1e-6 if args.t90_h_us else None,
             "power_h_w": args.power_h, "power_la_w": args.power_la,
             "t90_la_s": args.t90_la_us * 1e-6 if args.t90_la_us else None,
             "lambda_rel_err_h": args.lambda_err, "lambda_rel_err_la": args.lambda_err,
             "epsilon_la": _epsilon(args.epsilon_la), "efficiency": args.efficiency,
             "t90_la_central": (None if args.t90_la_transition is None
                                else args.t90_la_transition == "central"),
             "saturation_h": args.saturation_h, "saturation_la": args.saturation_la}
    return {k: v for k, v in given.items() if v is not None}


def cmd_quantify(args) -> dict | None:
    from analysis import quantify

    info: dict = {}
    manifest: dict = {}
    if args.h or args.la:
        if not (args.h and args.la):
            raise CliError("--h and --la go together")
        channels, info, manifest = _measure_files(args)
        (snr_h, scans_h, width_h), (snr_la, scans_la, width_la) = (channels["h"],
                                                                   channels["la"])
        sh, sl, eh, el = snr_h.value, snr_la.value, snr_h.stderr, snr_la.stderr
        scans_h = scans_h if args.scans_h is None else args.scans_h
        scans_la = scans_la if args.scans_la is None else args.scans_la
    elif args.snr_h is not None and args.snr_la is not None:
        sh, sl = args.snr_h, args.snr_la
        eh, el = args.snr_h_err, args.snr_la_err
        scans_h, scans_la = args.scans_h, args.scans_la
        if not args.assume_defaults:
            _require_channel_data(args)
    else:
        raise CliError("give --h PATH --la PATH or --snr-h X --snr-la Y")
    calibration = None
    if args.calibration is not None:
        calibration = (args.calibration, args.calibration_err)
    # command-line values win over the manifest's; unset ones fall back to it, then defaults
    kw = {**manifest, **_given(args)}
    extra: list[str] = []
    if args.h and "bandwidth_h_hz" not in kw and "bandwidth_la_hz" not in kw:
        # no manifest or option: the noise bandwidth of the digitised FID is its spectral width
        kw["bandwidth_h_hz"], kw["bandwidth_la_hz"] = width_h, width_la
        extra.append(f"noise bandwidths Δf = the files' spectral widths "
                     f"({width_h:g} Hz ¹H, {width_la:g} Hz ¹³⁹La)")
    res = quantify.h_per_la(sh, sl, scans_h, scans_la, snr_h_err=eh, snr_la_err=el,
                            calibration=calibration, monte_carlo=args.monte_carlo, **kw)
    out = res.to_dict() | info
    out["assumptions"] = extra + out["assumptions"]
    if not args.json:
        _print_quantify(res, out["assumptions"])
        return None
    return out


def _print_quantify(res, assumptions: list[str]) -> None:
    from analysis import quantify

    m = res.measurement()
    print(f"H/La = {m} (linearised); Monte Carlo median {res.mc_median:.4g}, 16–84 % "
          f"[{res.mc_interval[0]:.4g}, {res.mc_interval[1]:.4g}]")
    print(f"resonator efficiency: {res.efficiency} ({quantify.EFFICIENCY[res.efficiency]})")
    for a in assumptions:
        print(f"  assumed: {a}")
    for k, v in res.factors.items():
        print(f"  {k:<40} {v:.6g}")
    print("relative error budget: " + ", ".join(f"{k} {v:.3%}"
                                                 for k, v in res.budget.items()))


def _require_channel_data(args) -> None:
    """The short form (bare SNRs) knows nothing of the channels: name what is missing."""
    missing = []
    if args.scans_h is None or args.scans_la is None:
        missing.append("--scans-h/--scans-la")
    if args.bandwidth_h is None or args.bandwidth_la is None:
        missing.append("--bandwidth-h/--bandwidth-la")
    measured = all(v is not None for v in (args.t90_h_us, args.power_h, args.t90_la_us,
                                           args.power_la))
    if args.efficiency is None and args.calibration is None and not measured:
        missing.append("--efficiency (or --t90-h-us/--power-h/--t90-la-us/--power-la, "
                       "or --calibration)")
    if missing:
        raise CliError(f"--snr-h/--snr-la need {', '.join(missing)}; or --assume-defaults "
                       "to take equal channels and the shared-coil Λ, listed under "
                       "assumptions")


def add_quantify(sub) -> None:
    from analysis.quantify import EFFICIENCY

    s = sub.add_parser("quantify", help="H/La from the time-domain SNR of ¹H and ¹³⁹La")
    s.add_argument("--h", help="¹H dataset")
    s.add_argument("--la", help="¹³⁹La dataset")
    s.add_argument("--snr-h", type=float)
    s.add_argument("--snr-la", type=float)
    s.add_argument("--snr-h-err", type=float, default=0.0)
    s.add_argument("--snr-la-err", type=float, default=0.0)
    s.add_argument("--scans-h", type=int)
    s.add_argument("--scans-la", type=int)
    s.add_argument("--bandwidth-h", type=float, help="Hz (default: manifest, else 1)")
    s.add_argument("--bandwidth-la", type=float, help="Hz")
    s.add_argument("--noise-temperature-h", type=float, help="K (default 300)")
    s.add_argument("--noise-temperature-la", type=float, help="K")
    s.add_argument("--t90-h-us", type=float)
    s.add_argument("--power-h", type=float, help="W")
    s.add_argument("--t90-la-us", type=float)
    s.add_argument("--power-la", type=float, help="W")
    s.add_argument("--lambda-err", type=float, help="relative σ of each Λ (default 0.05)")
    s.add_argument("--efficiency", choices=list(EFFICIENCY),
                   help="Λ_La/Λ_H: shared-coil (one resonator, (ω_H/ω_La)^¼ = 1.628; the "
                   "default when no Λ is measured), equal, t90 (from --t90-*/--power-*), "
                   "calibrated (--calibration)")
    s.add_argument("--t90-la-transition", choices=["central", "all"],
                   help="the ¹³⁹La t₉₀ was measured on the central transition (nutates "
                   "(I+½) = 4× faster) or on all transitions; needed with a CT --epsilon-la")
    s.add_argument("--assume-defaults", action="store_true",
                   help="with --snr-h/--snr-la: take channel data not given as equal and Λ "
                   "as shared-coil; every assumption is listed")
    s.add_argument("--epsilon-la", help="number, full, ct-linear or "
                   "ct-selective")
    s.add_argument("--saturation-h", type=float, help="recovery 1 − exp(−T_R/T₁) (default 1)")
    s.add_argument("--saturation-la", type=float, help="(default 1)")
    s.add_argument("--calibration", type=float, help="per-cell factor from the precursor: "
                   "the Λ_La/Λ_H it implies (calibration_factor of the h_per_la table)")
    s.add_argument("--calibration-err", type=float, default=0.0, help="its relative σ")
    s.add_argument("--monte-carlo", type=int, default=20000)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_quantify)


def cmd_tc(args) -> dict | None:
    from analysis import transport

    curve = transport.read_rt(args.curve)
    res = transport.critical_temperature(curve.temperature_k, curve.resistance_ohm,
                                         args.criterion)
    if not res.success:
        raise CliError(f"{args.curve}: {res.message}")
    tr = transport.analyze(curve.temperature_k, curve.resistance_ohm)
    if not args.json:
        print(f"{args.curve}: columns {curve.columns}, {curve.sweep} sweep, "
              f"{curve.temperature_k.size} points")
        for n in curve.notes + tr.notes:
            print(f"  - {n}")
        for k in transport.CRITERIA:
            print(f"  {transport.CRITERION_LABELS[k]:<34} {tr.criteria[k]}")
        print(f"  width T90 − T10                    {tr.width}")
        lo, hi = tr.normal_window_k
        print(f"  normal state at Tc                 {res.measurement('normal_state_ohm')} "
              f"(line fitted over {lo:.2f}–{hi:.2f} K)")
        return None
    out = res.to_dict()
    result = {k: out[k] for k in ("Tc_K", "width_K", "normal_state_ohm",
                                  "normal_slope_ohm_per_K")}
    result.update(criterion=args.criterion, success=True, two_step=tr.two_step,
                  all_criteria={k: m.to_dict() for k, m in tr.criteria.items()},
                  columns=list(curve.columns), sweep=curve.sweep,
                  notes=list(curve.notes + tr.notes))
    return result


def add_tc(sub) -> None:
    from analysis.transport import CRITERIA

    s = sub.add_parser("tc", help="Tc of an R(T) curve")
    s.add_argument("curve")
    s.add_argument("--criterion", choices=CRITERIA, default="50")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_tc)
