"""``hpnmr info``, ``hpnmr shift`` and ``hpnmr pake``: one dataset or spectrum at a time."""

from __future__ import annotations

import argparse

from .common import CliError, pair


def cmd_info(args) -> dict:
    from analysis import io
    from analysis.campaign import reference_for_path

    ds = io.read(args.path, nucleus=args.nucleus)
    ref = reference_for_path(args.path, ds)  # a campaign's manifest referencing wins
    return ds.replace(reference_hz=ref.nu_ref_hz).summary() | {"reference": ref.to_dict()}


def add_info(sub) -> None:
    s = sub.add_parser("info", help="describe any supported dataset")
    s.add_argument("path")
    s.add_argument("--nucleus", help="override the nucleus the file states")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_info)


def _left_shift(text: str) -> int | str:
    if text in ("echo", "whole-echo"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of points or echo") from None


def _region(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    try:
        lo, hi = (float(x) for x in text.split(":"))
    except ValueError:
        raise CliError(f"--region {text!r}: expected LO:HI (ppm, or Hz from the "
                       "carrier when the file has no reference)") from None
    return lo, hi


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
    region = _region(args.region)
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
        _print_shift(args.path, ds, ls, ref, region, unit)
        return None
    return ls.to_dict() | {"nucleus": ds.nucleus, "reference": ref.to_dict(),
                           "left_shift": params.left_shift, "notes": list(ls.fit.notes),
                           "region": None if region is None else
                           {"lo": region[0], "hi": region[1], "unit": unit}}


def _print_shift(path, ds, ls, ref, region, unit: str) -> None:
    shift = ls.shift_ppm if ls.shift_ppm is not None else "— (no reference)"
    print(f"{path}: {ds.nucleus or 'nucleus not stated'}")
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


def add_shift(sub) -> None:
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


#: the parameters of a Pake fit that ``hpnmr pake --json`` reports, in this order
PAKE_KEYS = ("r_n_angstrom", "r_nn_angstrom", "weight_n", "broadening_hz", "broadening_n_hz",
             "broadening_nn_hz", "center_hz", "d_n_hz", "d_nn_hz", "amplitude")


def cmd_pake(args) -> dict | None:
    from analysis import io, pake

    freq, y, how = pake.spectrum_for_fit(io.read(args.spectrum), echo=args.echo)
    exclude = [pair(item, "--exclude") for item in args.exclude or []]
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
    result = {k: out[k] for k in PAKE_KEYS if k in out}
    result.update(reduced_chi2=out["reduced_chi2"], success=out["success"],
                  message=out["message"], verdict=out["verdict"],
                  central_line=args.central_line, components=args.components,
                  kind=args.kind, input=how, correlation=out["correlation"],
                  notes=out["notes"])
    return result


def add_pake(sub) -> None:
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
