"""``hpnmr t1``, ``hpnmr t2`` and ``hpnmr diffusion``: relaxation times from an array (the
amplitude method and the model chosen and said), and D from T₁."""

from __future__ import annotations

from pathlib import Path

from .common import CliError, pair, read_dataset

#: the ``hpnmr t2 --model`` spellings beside the model names (decay models only)
T2_SPELLINGS = {"exponential": "hahn", "stretched": "hahn-stretched"}

#: what the array holds, per command
_WHAT = {"t1": "recovery", "t2": "decay"}


def _larmor_mhz() -> float:
    """¹H in TMS at the study's field (MHz): the default ν₀ of ``hpnmr diffusion``."""
    from analysis.constants import STUDY_FIELD_T
    from analysis.units import proton_reference_hz

    return proton_reference_hz(STUDY_FIELD_T) / 1e6


def _source(args, is_table: bool) -> tuple:
    """(processing, dataset or None for a table, notes): a campaign's acquisition takes its
    manifest's left shift and axis; options override them."""
    from analysis.campaign import locate
    from analysis.processing import ProcessingParams

    found = locate(args.data) if Path(args.data).is_dir() else None
    if not found:
        params = ProcessingParams(left_shift=args.left_shift or 0, lb_hz=args.lb or 0.0)
        return params, None if is_table else read_dataset(args.data), []
    camp, acq = found
    params = acq.default_processing()
    if args.left_shift is not None or args.lb is not None:
        params = params.replace(left_shift=params.left_shift if args.left_shift is None
                                else args.left_shift, lb_hz=args.lb or 0.0)
    return (params, camp.read(acq),
            [f"processing from the campaign manifest ({camp.root / 'campaign.toml'})"])


def _amplitudes(args, kind: str, model_name: str, notes: list[str]) -> tuple:
    """(amplitudes, model name, :func:`~analysis.relaxation.auto_fit` choice or None); the
    reasons for the method and the model go to ``notes``."""
    from analysis import relaxation as rx

    delays = rx.parse_delays(args.delays) if args.delays else None
    region = pair(args.region, "--region") if args.region else None
    axis = None if kind == "t1" else args.axis
    is_table = rx.is_amplitude_table(args.data)
    method = "projection" if is_table else args.method  # a table holds its amplitudes
    params, dataset, source_notes = _source(args, is_table)
    notes += source_notes
    factor = getattr(args, "fix_factor", None)
    choice = None
    if method == rx.AUTO:
        choice = rx.auto_fit(dataset, model_name, kind=_WHAT[kind], params=params,
                             region_hz=region, delays_s=delays, axis=axis,
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
    else:
        why = choice.model_reason if choice is not None else ""
    if why:
        notes.append(f"model {why}")
    notes += list(amps.notes)
    if kind == "t2" and amps.axis == "delay":
        notes.append("the delays were taken as the echo time 2τ; pass --axis pulse-spacing "
                     "if the list holds the pulse spacing τ")
    return amps, model_name, choice



def _relaxation(args, kind: str) -> dict | None:
    from analysis import relaxation as rx

    notes: list[str] = []
    spell = T2_SPELLINGS if kind == "t2" else {}
    amps, model_name, choice = _amplitudes(args, kind, spell.get(args.model, args.model),
                                           notes)
    compare = [spell.get(m, m) for m in (args.compare or [])]
    models = [model_name] + [m for m in compare if m != model_name]
    factor = getattr(args, "fix_factor", None)
    fix = {} if factor is None else {rx.model(model_name).factor: factor}
    what = _WHAT[kind]
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
        _print_relaxation(args.data, amps, notes, results, others, key)
        return None
    result = _relaxation_json(res, amps, kind, key, notes)
    if choice is not None:
        result["method_choice"] = choice.summary()
        result["other_methods"] = others
    if len(results) > 1:
        result.update(_comparison(results, key))
    return result


def _print_relaxation(data, amps, notes, results, others, key: str) -> None:
    print(f"{data}: {amps.method} amplitudes, {amps.x_s.size} points, "
          f"x axis {amps.axis_label}")
    for n in notes:
        print(f"  - {n}")
    print(results[0].report())
    for o in others:
        print(f"  other method {o['method']}: {key[:2]} = {o[key]['value']:.4g} ± "
              f"{o[key]['stderr']:.2g} s, differs by {o['differs_by_sigma']:.1f}σ")
    for r in results[1:]:
        print(f"{r.model_name:>15}: AIC {r.aic:.2f}  AICc {r.aicc:.2f}  BIC {r.bic:.2f}  "
              f"{r.verdict.short if r.success else 'FAILED: ' + r.message}")


def _relaxation_json(res, amps, kind: str, key: str, notes: list[str]) -> dict:
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
    return result


def _comparison(results, key: str) -> dict:
    """The fits ranked by the information criterion :func:`analysis.fitting.rank` picks."""
    from analysis.fitting import rank

    ranked, ic = rank(results)
    return {"comparison": [{"model": r.model_name, "success": bool(r.success),
                            "aic": r.aic, "aicc": r.aicc, "bic": r.bic,
                            "verdict": r.verdict.status, key: r.values.get(key)}
                           for r in ranked],
            "ranked_by": ic}


def cmd_t1(args) -> dict | None:
    return _relaxation(args, "t1")


def cmd_t2(args) -> dict | None:
    return _relaxation(args, "t2")


def _add_relaxation(sub, name: str) -> None:
    from analysis.relaxation import AUTO, METHOD_CHOICES, T1_MODELS, T2_MODELS

    t1 = name == "t1"
    s = sub.add_parser(name, help="T1 from a recovery array" if t1 else
                       "T2 from a Hahn-echo array (always on the echo time 2τ)")
    s.add_argument("data", help="a vendor array (delays from the file) or CSV "
                   "delay_s,amplitude[,sigma]")
    models = T1_MODELS if t1 else T2_MODELS
    spellings = models if t1 else models + tuple(T2_SPELLINGS)
    s.add_argument("--model", choices=(AUTO, *models) if t1 else spellings,
                   default=AUTO if t1 else "hahn",
                   help="recovery model (default auto: inversion when the first "
                   "amplitudes are negative, else saturation)" if t1 else
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
    if t1:
        s.add_argument("--fix-factor", type=float, help="hold the saturation/inversion "
                       "factor (1 = perfect saturation, 2 = perfect inversion)")
    else:
        s.add_argument("--axis", choices=("echo-time", "pulse-spacing"),
                       help="what the delays are (default: as the file says, else "
                       "echo time 2τ)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_t1 if t1 else cmd_t2)


def add_t1(sub) -> None:
    _add_relaxation(sub, "t1")


def add_t2(sub) -> None:
    _add_relaxation(sub, "t2")


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


def add_diffusion(sub) -> None:
    s = sub.add_parser("diffusion", help="D from T1 (PHYSICS §3), with the self-check")
    s.add_argument("--t1-s", type=float, required=True)
    s.add_argument("--t1-err-s", type=float, default=0.0)
    s.add_argument("--density-cm3", type=float, default=3e23, help="spins per cm³")
    s.add_argument("--distance-angstrom", type=float, default=1.0, help="closest approach")
    s.add_argument("--prefactor", choices=("paper", "torrey", "ffhs"), default="paper")
    s.add_argument("--constant", choices=("hbar", "h"), default="hbar")
    s.add_argument("--larmor-mhz", type=float, default=_larmor_mhz(), help="for ω₀τ")
    s.add_argument("--second-moment", type=float, help="rigid-lattice M₂, rad²/s², for the "
                   "dipolar-T1-minimum check")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_diffusion)
