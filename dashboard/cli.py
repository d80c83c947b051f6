"""The ``hpnmr`` command (a contract: scripts and checks call it; see DESIGN.md).

Every subcommand with ``--json`` prints exactly one JSON object on stdout. Bad input exits
non-zero with one clear line on stderr (and ``{"error": ...}`` on stdout under ``--json``);
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from analysis import __version__


class CliError(Exception):
    """A user-facing error: one line, exit code 2."""


def _jsonable(obj):
    from analysis.jsonsafe import plain

    return plain(obj)


def cmd_info(args) -> dict:
    from analysis import io
    from analysis.campaign import reference_for_path

    ds = io.read(args.path, nucleus=args.nucleus)
    ref = reference_for_path(args.path, ds)  # a campaign's manifest referencing wins
    return ds.replace(reference_hz=ref.nu_ref_hz).summary() | {"reference": ref.to_dict()}


def _left_shift(text: str) -> int | str:
    if text in ("echo", "whole-echo"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of points or echo") from None


def cmd_shift(args) -> dict | None:
    from analysis import io, measure
    from analysis.campaign import locate, reference_for_path
    from analysis.processing import ProcessingParams
    from analysis.units import hz_to_ppm, ppm_to_hz

    ds = io.read(args.path, nucleus=args.nucleus)
    ref = reference_for_path(args.path, ds)
    found = locate(args.path)
    params = found[1].default_processing() if found else ProcessingParams()
    if args.left_shift is not None:
        params = params.replace(left_shift=args.left_shift)
    skip = args.skip_us * 1e-6 if args.skip_us is not None else None
    region = None
    if args.region:
        try:
            lo, hi = (float(x) for x in args.region.split(":"))
        except ValueError:
            raise CliError(f"--region {args.region!r}: expected LO:HI (ppm, or Hz from the "
                           "carrier when the file has no reference)") from None
        region = (lo, hi)
    region_hz = region
    if region is not None and ref.nu_ref_hz:  # ppm → offsets from the carrier
        region_hz = tuple(float(ppm_to_hz(v, ref.nu_ref_hz)) - ds.carrier_hz for v in region)
    ls = measure.line_shift(ds, params, reference_hz=ref.nu_ref_hz, skip_s=skip,
                            region_hz=region_hz)
    if ls.reason == measure.SEVERAL_LINES:
        first = ls.lines[0].region_hz
        if ref.nu_ref_hz:
            first = tuple(float(hz_to_ppm(ds.carrier_hz + v, ref.nu_ref_hz)) for v in first)
        raise CliError(f"{ls.message} — e.g. hpnmr shift {args.path} --region "
                       f"{first[0]:.2f}:{first[1]:.2f}")
    ls.raise_for_failure()
    unit = "ppm" if ref.nu_ref_hz else "Hz"
    if not args.json:
        shift = ls.shift_ppm if ls.shift_ppm is not None else "— (no reference)"
        print(f"{args.path}: {ds.nucleus or 'nucleus not stated'}")
        print(f"  shift     {shift}   ({ls.method})")
        if region is not None:
            print(f"  region    {region[0]:g}:{region[1]:g} {unit}; fitted band "
                  f"{ls.band_hz[0]:.0f}…{ls.band_hz[1]:.0f} Hz from the carrier"
                  + (f" with the neighbouring line(s) at "
                     f"{', '.join(f'{v:.0f}' for v in ls.neighbours_hz)} Hz"
                     if ls.neighbours_hz else ""))
        print(f"  offset    {ls.offset_hz} from the carrier (noise {ls.statistical_hz:.2g} Hz "
              f"⊕ analysis choices {ls.systematic_hz:.2g} Hz)")
        print(f"  FWHM      {ls.fwhm_hz}")
        print(f"  reference {ref} — {ref.detail}")
        for n in ls.fit.notes:
            print(f"  - {n}")
        return None
    return ls.to_dict() | {"nucleus": ds.nucleus, "reference": ref.to_dict(),
                           "left_shift": params.left_shift, "notes": list(ls.fit.notes),
                           "region": None if region is None else
                           {"lo": region[0], "hi": region[1], "unit": unit}}


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
                  message=out["message"], verdict=out["verdict"],
                  central_line=args.central_line, components=args.components,
                  kind=args.kind, input=how, correlation=out["correlation"],
                  notes=out["notes"])
    return result


def _relaxation(args, kind: str) -> dict | None:
    from analysis import relaxation as rx
    from analysis.campaign import locate
    from analysis.fitting import rank
    from analysis.processing import ProcessingParams

    delays = rx.parse_delays(args.delays) if args.delays else None
    region = _pair(args.region, "--region") if args.region else None
    axis = None if kind == "t1" else args.axis
    what = "recovery" if kind == "t1" else "decay"
    model_name = T2_SPELLINGS.get(args.model, args.model) if kind == "t2" else args.model
    found = locate(args.data) if Path(args.data).is_dir() else None
    is_table = Path(args.data).is_file() and Path(args.data).suffix.lower() in rx.TABLE_SUFFIXES
    method = "projection" if is_table else args.method  # a table holds its amplitudes
    notes = []
    if found:  # a campaign's acquisition: its manifest says the left shift and the axis
        camp, acq = found
        params = acq.default_processing()
        if args.left_shift is not None or args.lb is not None:
            params = params.replace(left_shift=params.left_shift if args.left_shift is None
                                    else args.left_shift, lb_hz=args.lb or 0.0)
        dataset = camp.read(acq)
        notes.append(f"processing from the campaign manifest ({camp.root / 'campaign.toml'})")
    else:
        params = ProcessingParams(left_shift=args.left_shift or 0, lb_hz=args.lb or 0.0)
        dataset = None if is_table else _read_dataset(args.data)
    factor = getattr(args, "fix_factor", None)
    choice = None
    if method == rx.AUTO:
        choice = rx.auto_fit(dataset, model_name, kind=what, params=params, region_hz=region,
                             delays_s=delays, axis=axis,
                             fix=None if factor is None else {"factor": factor})
        amps, model_name = choice.amplitudes, choice.model_name
        notes.append(f"amplitude method {choice.reason}")
    elif dataset is not None:
        amps = rx.amplitudes(dataset, method, params=params, region_hz=region,
                             delays_s=delays, axis=axis)
    else:
        amps = rx.read_amplitudes(args.data, method, delays_s=delays, axis=axis,
                                  params=params, region_hz=region)
    if model_name == rx.AUTO:
        model_name, why = rx.recovery_model(amps)
        choice_model = why
    else:
        choice_model = choice.model_reason if choice is not None else ""
    if choice_model:
        notes.append(f"model {choice_model}")
    notes += list(amps.notes)
    if kind == "t2" and amps.axis == "delay":
        notes.append("the delays were taken as the echo time 2τ; pass --axis pulse-spacing "
                     "if the list holds the pulse spacing τ")
    compare = [T2_SPELLINGS.get(m, m) if kind == "t2" else m for m in (args.compare or [])]
    models = [model_name] + [m for m in compare if m != model_name]
    fix = {}
    if factor is not None:
        fix[rx.model(model_name).names[2]] = factor
    res = choice.fit if choice is not None else amps.fit(model_name, fix, kind=what)
    results = [res] + [amps.fit(m, kind=what) for m in models[1:]]
    if not res.success and res.nvarys == 0:
        raise CliError(f"{args.data}: {res.message}")
    key = "T1_s" if kind == "t1" else "T2_s"
    others = ([] if choice is None else
              [{"method": o.method, key: {"value": o.time()[0], "stderr": o.time()[1],
                                          "unit": "s"}, "differs_by_sigma": z}
               for o, z in choice.disagreeing()])
    if not args.json:
        print(f"{args.data}: {amps.method} amplitudes, {amps.x_s.size} points, "
              f"x axis {amps.axis_label}")
        for n in notes:
            print(f"  - {n}")
        print(res.report())
        for o in others:
            print(f"  other method {o['method']}: {key[:2]} = {o[key]['value']:.4g} ± "
                  f"{o[key]['stderr']:.2g} s, differs by {o['differs_by_sigma']:.1f}σ")
        for r in results[1:]:
            print(f"{r.model_name:>15}: AIC {r.aic:.2f}  AICc {r.aicc:.2f}  BIC {r.bic:.2f}  "
                  f"{r.verdict.short if r.success else 'FAILED: ' + r.message}")
        return None
    out = res.to_dict()
    result = {k: v for k, v in out.items() if isinstance(v, dict) and "value" in v}
    result.setdefault(key, {"value": None, "stderr": None, "unit": "s"})
    result.update(model=res.model_name, success=out["success"], message=out["message"],
                  verdict=out["verdict"], reduced_chi2=out["reduced_chi2"], aic=out["aic"],
                  aicc=out["aicc"], bic=out["bic"], ic_form=out["ic_form"],
                  method=amps.method, axis=amps.axis.replace("delay", "echo-time")
                  if kind == "t2" else amps.axis,
                  x_s=[float(v) for v in res.x], amplitude=[float(v) for v in res.data],
                  correlation=out["correlation"], notes=notes + out["notes"])
    if choice is not None:
        result["method_choice"] = choice.summary()
        result["other_methods"] = others
    if len(results) > 1:
        ranked, ic = rank(results)
        result["comparison"] = [{"model": r.model_name, "success": bool(r.success),
                                 "aic": r.aic, "aicc": r.aicc, "bic": r.bic,
                                 "verdict": r.verdict.status, key: r.values.get(key)}
                                for r in ranked]
        result["ranked_by"] = ic
    return result


#: the ``hpnmr t2 --model`` spellings beside the model names (decay models only)
T2_SPELLINGS = {"exponential": "hahn", "stretched": "hahn-stretched"}


def _read_dataset(path: str):
    from analysis import io

    return io.read(path)


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


def _progress(done: int, total: int, what: str) -> None:
    """A one-line progress bar on stderr (stdout stays for the result)."""
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                     f"{what[-40:]:<40}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


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
                                    progress=None if quiet else _progress,
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


def cmd_quantify(args) -> dict | None:
    from analysis import io, measure, quantify
    from analysis.campaign import locate
    from analysis.pipeline import channel_kwargs

    info: dict = {}
    manifest: dict = {}
    if args.h or args.la:
        if not (args.h and args.la):
            raise CliError("--h and --la go together")
        amps, widths = {}, {}
        for key, path, skip in (("h", args.h, "auto"), ("la", args.la, 0.0)):
            found = locate(path) if Path(path).is_dir() else None
            if found:  # processing and channel data from the campaign manifest
                camp, acq = found
                ds, params = camp.read(acq), acq.default_processing()
                manifest = channel_kwargs(camp)
                info["manifest"] = str(camp.root / "campaign.toml")
            else:
                ds, params = io.read(path), None
            fa = measure.fid_amplitude(ds, params, skip_s=skip).raise_for_failure()
            amps[key] = (fa.snr, ds.scans)
            widths[key] = ds.spectral_width_hz
            info[f"snr_{key}"] = fa.snr.to_dict()
            info[f"fit_{key}"] = fa.verdict.to_dict()   # the time-domain Voigt fit
            info[f"scans_{key}"] = ds.scans
        snr_h, scans_h = amps["h"]
        snr_la, scans_la = amps["la"]
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
    eps = args.epsilon_la
    try:
        eps = float(eps) if eps is not None else None
    except ValueError:
        if eps not in quantify.LA_EXCITATION:
            raise CliError(f"--epsilon-la {eps!r}: a number or one of "
                           f"{', '.join(quantify.LA_EXCITATION)}") from None
    given = {"bandwidth_h_hz": args.bandwidth_h, "bandwidth_la_hz": args.bandwidth_la,
             "noise_temperature_h_k": args.noise_temperature_h,
             "noise_temperature_la_k": args.noise_temperature_la,
             "t90_h_s": args.t90_h_us * 1e-6 if args.t90_h_us else None,
             "power_h_w": args.power_h, "power_la_w": args.power_la,
             "t90_la_s": args.t90_la_us * 1e-6 if args.t90_la_us else None,
             "lambda_rel_err_h": args.lambda_err, "lambda_rel_err_la": args.lambda_err,
             "epsilon_la": eps, "efficiency": args.efficiency,
             "t90_la_central": (None if args.t90_la_transition is None
                                else args.t90_la_transition == "central"),
             "saturation_h": args.saturation_h, "saturation_la": args.saturation_la}
    # command-line values win over the manifest's; unset ones fall back to it, then defaults
    kw = {**manifest, **{k: v for k, v in given.items() if v is not None}}
    extra: list[str] = []
    if args.h and "bandwidth_h_hz" not in kw and "bandwidth_la_hz" not in kw:
        # no manifest or option: the noise bandwidth of the digitised FID is its spectral width
        kw["bandwidth_h_hz"], kw["bandwidth_la_hz"] = widths["h"], widths["la"]
        extra.append(f"noise bandwidths Δf = the files' spectral widths "
                     f"({widths['h']:g} Hz ¹H, {widths['la']:g} Hz ¹³⁹La)")
    res = quantify.h_per_la(sh, sl, scans_h, scans_la, snr_h_err=eh, snr_la_err=el,
                            calibration=calibration, monte_carlo=args.monte_carlo, **kw)
    out = res.to_dict() | info
    out["assumptions"] = extra + out["assumptions"]
    if not args.json:
        m = res.measurement()
        print(f"H/La = {m} (linearised); Monte Carlo median {res.mc_median:.4g}, 16–84 % "
              f"[{res.mc_interval[0]:.4g}, {res.mc_interval[1]:.4g}]")
        print(f"resonator efficiency: {res.efficiency} ({quantify.EFFICIENCY[res.efficiency]})")
        for a in out["assumptions"]:
            print(f"  assumed: {a}")
        for k, v in res.factors.items():
            print(f"  {k:<40} {v:.6g}")
        print("relative error budget: " + ", ".join(f"{k} {v:.3%}"
                                                     for k, v in res.budget.items()))
        return None
    return out


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
                              command=["hpnmr", *sys.argv[1:]] if sys.argv else None,
                              progress=None if quiet else _progress)
    return {"out": str(args.out), "figures": sorted({p.stem for p in paths}),
            "files": [str(p) for p in paths], "formats": formats}


def cmd_serve(args) -> None:
    from dashboard import EXAMPLE_CAMPAIGN
    from dashboard.server import AccessError, check_under_roots, serve

    root = Path(args.dir) if args.dir else EXAMPLE_CAMPAIGN
    if not root.is_dir():
        raise CliError(f"{root}: no such campaign folder")
    try:
        check_under_roots(root, args.data_root)
    except AccessError as exc:
        raise CliError(str(exc)) from None
    password = args.password
    if args.password_file:
        try:
            password = Path(args.password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CliError(f"{args.password_file}: cannot read ({exc})") from None
    password = password or os.environ.get("HPNMR_PASSWORD") or None
    serve(root, address=args.address, port=args.port, num_procs=args.num_procs,
          show=args.show, password=password, data_roots=args.data_root,
          secure_cookies=args.secure_cookies or None, num_threads=args.num_threads)


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

    s = sub.add_parser("shift", help="shift of the dominant line from the time-domain fit "
                       "(phase-independent), against the campaign's reference")
    s.add_argument("path")
    s.add_argument("--nucleus", help="override the nucleus the file states")
    s.add_argument("--left-shift", type=_left_shift, help="points dropped first, or echo "
                   "(fit from the echo top); default: the campaign manifest's, else 0")
    s.add_argument("--skip-us", type=float, help="start of the fit in µs (default: auto "
                   "for ¹H, 0 otherwise)")
    s.add_argument("--region", metavar="LO:HI", help="measure the one line in this band: "
                   "shifts in ppm against the reference used, or Hz from the carrier when "
                   "the file has none. Needed when the spectrum has several resolved lines "
                   "(the error lists them with a region for each)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_shift)

    s = sub.add_parser("demo-data", help="write the synthetic example campaign")
    s.add_argument("out")
    s.add_argument("--seed", type=int, default=20240304)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_demo_data)

    from analysis import pake

    s = sub.add_parser("pake", help="fit one or two Pake doublets (H–H distances)")
    s.add_argument("spectrum", help="CSV frequency_hz,intensity or a raw dataset")
    s.add_argument("--components", type=int, choices=(1, 2), default=2)
    s.add_argument("--r-n", type=float, default=0.75, help="start r_n (Å)")
    s.add_argument("--r-nn", type=float, default=1.24, help="start r_nn (Å)")
    s.add_argument("--central-line", action=argparse.BooleanOptionalAction,
                   default=pake.CENTRAL_LINE_DEFAULT,
                   help="fit a narrow central line (default: %(default)s)")
    s.add_argument("--fix-weight", type=float, help="hold weight_n at this value")
    s.add_argument("--exclude", action="append", metavar="LO:HI", help="Hz, repeatable")
    s.add_argument("--kind", choices=("like", "unlike", "spin1"), default="like")
    s.add_argument("--echo", choices=("auto", "whole", "half", "none"), default="auto")
    s.add_argument("--bootstrap", type=int, default=0, help="bootstrap refits")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_pake)

    from analysis.relaxation import AUTO, METHOD_CHOICES, T1_MODELS, T2_MODELS

    for name, models, default, what in (("t1", T1_MODELS, AUTO, "T1 from a recovery "
                                         "array"),
                                        ("t2", T2_MODELS, "hahn", "T2 from a Hahn-echo "
                                         "array (always on the echo time 2τ)")):
        s = sub.add_parser(name, help=what)
        s.add_argument("data", help="a vendor array (delays from the file) or CSV "
                       "delay_s,amplitude[,sigma]")
        spellings = models + tuple(T2_SPELLINGS) if name == "t2" else models
        s.add_argument("--model", choices=(AUTO, *models) if name == "t1" else spellings,
                       default=default,
                       help="recovery model (default auto: inversion when the first "
                       "amplitudes are negative, else saturation)" if name == "t1" else
                       "decay model (stretched = hahn-stretched; exponential = hahn)")
        s.add_argument("--compare", nargs="*", choices=spellings, metavar="MODEL",
                       help=f"also fit these models and list AIC/BIC ({', '.join(models)})")
        s.add_argument("--method", choices=METHOD_CHOICES, default=AUTO,
                       help="amplitude per trace (default auto: projection when the line "
                       "shape holds along the array and it fits as well as the integral, "
                       "else integral; the choice and the reason are reported)")
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

    from analysis.transport import CRITERIA

    s = sub.add_parser("tc", help="Tc of an R(T) curve")
    s.add_argument("curve")
    s.add_argument("--criterion", choices=CRITERIA, default="50")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_tc)

    s = sub.add_parser("figures", help="Figs. 1–6 of the study from a campaign's raw files")
    s.add_argument("dir")
    s.add_argument("--out", required=True)
    s.add_argument("--format", default="pdf,svg,png", help="comma-separated: pdf, svg, png")
    s.add_argument("--quiet", action="store_true")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_figures)

    s = sub.add_parser("serve", help="serve the dashboard")
    s.add_argument("dir", nargs="?", help="campaign folder (default: the bundled example)")
    s.add_argument("--address", default="127.0.0.1")
    s.add_argument("--port", type=int, default=5006)
    s.add_argument("--num-procs", type=int, default=1,
                   help="worker processes (default 1; they exit with the server). A session "
                   "stays on one worker: only worth it with >= 4 free cores and several users "
                   "at once; on 2 cores it was no faster than 1 worker")
    s.add_argument("--num-threads", type=int, default=4,
                   help="threads for page callbacks, so one session's work does not block "
                   "the others (default 4); datasets are read in separate processes with "
                   "a time limit, $HPNMR_READ_TIMEOUT_S (default 20 s)")
    s.add_argument("--show", action="store_true", help="open a browser")
    s.add_argument("--data-root", action="append", default=[], metavar="DIR",
                   help="serve only campaigns inside this folder (repeatable)")
    s.add_argument("--password", help="require this password (Panel basic auth); prefer "
                   "--password-file or $HPNMR_PASSWORD, which stay out of the process list")
    s.add_argument("--password-file", help="file holding the password")
    s.add_argument("--secure-cookies", action="store_true",
                   help="mark login cookies Secure (HTTPS only): use when served behind TLS "
                   "(or set $HPNMR_SECURE_COOKIES=1)")
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
