"""The whole campaign in one pass (``hpnmr campaign``): every acquisition → SNR, shift and
width; every cell and day → H/La (absolute and calibrated on the precursor); every transport
curve → Tc by every criterion; kinetics fits per cell and global; CSV tables.

Processing saved in the campaign's results database (the processing page) is used where it
exists; otherwise the manifest's defaults. Problems with single files are collected in
``errors`` (file and reason) and the rest carries on.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import kinetics, quantify, transport
from .cache import cached
from .campaign import Campaign, CampaignError
from .dataset import ReaderError
from .jsonsafe import plain
from .measure import MeasurementError, default_skip, line_shift
from .processing import ProcessingParams
from .units import SOURCE_PROCESSING, Reference

#: the key under which a campaign's results are kept in its results database
STORE_KEY = "campaign:results"
PRECURSOR_DAY = -1.0


@dataclass
class CampaignResults:
    """Tables (lists of flat dicts, values in the units their column names say)."""

    nmr: list[dict] = field(default_factory=list)
    h_per_la: list[dict] = field(default_factory=list)
    tc: list[dict] = field(default_factory=list)
    kinetics: list[dict] = field(default_factory=list)
    tc_kinetics: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timings_s: dict = field(default_factory=dict)

    TABLES = ("nmr", "h_per_la", "tc", "kinetics", "tc_kinetics")

    def to_dict(self) -> dict:
        return plain(asdict(self))

    @classmethod
    def from_dict(cls, d: dict) -> CampaignResults:
        return cls(**{k: d.get(k, [] if k != "timings_s" else {}) for k in
                      (*cls.TABLES, "errors", "timings_s")})

    def write_csv(self, out: str | Path) -> list[Path]:
        """One CSV per table (and ``errors.txt``) in ``out``; returns the paths."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in self.TABLES:
            rows = getattr(self, name)
            p = out / f"{name}.csv"
            keys: list[str] = []
            for r in rows:
                keys += [k for k in r if k not in keys]
            with p.open("w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=keys or ["empty"])
                w.writeheader()
                for r in rows:
                    w.writerow({k: _csv(r.get(k)) for k in keys})
            paths.append(p)
        (out / "errors.txt").write_text("\n".join(self.errors) + ("\n" if self.errors else ""),
                                        encoding="utf-8")
        (out / "results.json").write_text(json.dumps(self.to_dict(), indent=1),
                                          encoding="utf-8")
        return [*paths, out / "errors.txt", out / "results.json"]

    # -- views used by the pages -----------------------------------------------------------
    def series(self, cell: str, key: str = "H_per_La_cal") -> tuple[np.ndarray, ...]:
        """(days, value, stderr) of one cell from ``h_per_la``."""
        rows = sorted((r for r in self.h_per_la if r["cell"] == cell), key=lambda r: r["day"])
        return (np.array([r["day"] for r in rows], float),
                np.array([_f(r.get(key)) for r in rows], float),
                np.array([_f(r.get(key + "_err")) for r in rows], float))

    def tc_series(self, cell: str, criterion: str = "50") -> tuple[np.ndarray, ...]:
        rows = sorted((r for r in self.tc if r["cell"] == cell and r["criterion"] == criterion),
                      key=lambda r: r["day"])
        return tuple(np.array([_f(r.get(k)) for r in rows], float)
                     for k in ("day", "Tc_K", "Tc_K_err", "Tc_ratio", "Tc_ratio_err"))


def _f(v) -> float:
    return float("nan") if v is None else float(v)


def _csv(v):
    """A table cell: floats with 12 significant digits (a 400 MHz reference to 1 mHz; six
    digits lost up to 0.7 ppm of a ¹³⁹La reference frequency), blank when not finite."""
    if isinstance(v, float):
        return "" if not np.isfinite(v) else f"{v:.12g}"
    return v


def _processing(camp: Campaign, acq, store) -> ProcessingParams:
    if store is not None:
        try:
            v = store.latest(acq.path)
        except Exception:
            v = None
        if v is not None:
            try:
                return ProcessingParams.from_dict(v.params)
            except (TypeError, ValueError):
                pass
    return acq.default_processing()


def measure_acquisition(camp: Campaign, acq, store=None, cache=None) -> dict:
    """SNR at t = 0, offset, shift and FWHM of one FID acquisition (one table row).

    The shift is the time-domain Voigt position (:func:`~analysis.measure.line_shift`:
    independent of the phase, σ including the analysis choices) against the campaign's
    reference (:func:`~analysis.campaign.reference_for`; ``reference_source`` and
    ``reference_hz`` say which). With a :class:`~analysis.cache.ResultCache`, the fit is
    looked up by the raw files' SHA-256 and the processing, and computed only when new."""
    ds, ref = camp.read_with_reference(acq)
    params = _processing(camp, acq, store)
    skip = default_skip(acq.nucleus)
    if params.reference_hz:  # an explicit override in the saved processing wins
        ref = Reference(params.reference_hz, SOURCE_PROCESSING,
                        "the saved processing sets the 0-ppm frequency")

    def compute() -> dict:
        ls = line_shift(ds, params, reference_hz=ref.nu_ref_hz, skip_s=skip)
        ls.raise_for_failure()  # the file's row becomes an error naming the reason
        fa = ls.fit
        shift = ls.shift_ppm
        return {"nucleus": ds.nucleus, "scans": int(ds.scans), "snr": fa.snr.value,
                "snr_err": fa.snr.stderr,
                "shift_ppm": None if shift is None else shift.value,
                "shift_ppm_err": None if shift is None else shift.stderr,
                "offset_hz": ls.offset_hz.value, "offset_hz_err": ls.offset_hz.stderr,
                "offset_hz_sys": ls.systematic_hz,
                "fwhm_hz": fa.fwhm_hz.value, "fwhm_hz_err": fa.fwhm_hz.stderr,
                "broad_snr": fa.broad_snr.value, "skip_us": fa.skip_s * 1e6,
                "reduced_chi2": fa.reduced_chi2, "notes": "; ".join(fa.notes)}

    values = cached(cache, "line_shift", ds.sha256,
                    {"processing": params.to_dict(), "skip_s": skip,
                     "reference_hz": ref.nu_ref_hz, "carrier_hz": ds.carrier_hz}, compute)
    return {"cell": acq.cell, "day": float(acq.day), "path": acq.path, **values,
            "reference_hz": ref.nu_ref_hz, "reference_source": ref.source,
            "reference_detail": ref.detail}


def channel_kwargs(camp: Campaign) -> dict:
    ch = camp.channels
    h, la = ch.get("1H", {}), ch.get("139La", {})
    kw = {}
    for key, c, suffix in (("h", h, "h"), ("la", la, "la")):
        if "bandwidth_hz" in c:
            kw[f"bandwidth_{suffix}_hz"] = float(c["bandwidth_hz"])
        if "noise_temperature_k" in c:
            kw[f"noise_temperature_{suffix}_k"] = float(c["noise_temperature_k"])
        if "t90_us" in c and "power_w" in c:
            kw[f"t90_{suffix}_s"] = float(c["t90_us"]) * 1e-6
            kw[f"power_{suffix}_w"] = float(c["power_w"])
        if "lambda_relative_uncertainty" in c:
            kw[f"lambda_rel_err_{key}"] = float(c["lambda_relative_uncertainty"])
        if "epsilon" in c and suffix == "la":
            kw["epsilon_la"] = c["epsilon"]
        if "saturation" in c:
            kw[f"saturation_{suffix}"] = float(c["saturation"])
        if "t90_central_transition" in c and suffix == "la":
            kw["t90_la_central"] = bool(c["t90_central_transition"])
    if isinstance(ch.get("efficiency"), str):  # [channels] efficiency = "equal" …
        kw["efficiency"] = ch["efficiency"]
    return kw


def quantify_cell(camp: Campaign, cell: str, rows: list[dict],
                  monte_carlo: int = 4000) -> list[dict]:
    """H/La per day of one cell from its measured rows (absolute, and calibrated on the
    precursor's known stoichiometry when the cell has one). Each row names how Λ_La/Λ_H was
    obtained (``efficiency``, ``efficiency_cal``) and what was assumed for inputs the
    manifest does not give (``assumptions``, ``assumptions_cal``: sentences joined by "; ")."""
    kw = channel_kwargs(camp)
    by_day: dict[float, dict] = {}
    for r in rows:
        by_day.setdefault(r["day"], {})[r["nucleus"]] = r
    known = next((c.get("precursor_h_per_la") for c in camp.nmr_cells if c.get("id") == cell),
                 None)
    out, cal = [], None
    for day in sorted(by_day):
        pair = by_day[day]
        if "1H" not in pair or "139La" not in pair:
            continue
        h, la = pair["1H"], pair["139La"]
        res = quantify.h_per_la(h["snr"], la["snr"], h["scans"], la["scans"],
                                snr_h_err=h["snr_err"], snr_la_err=la["snr_err"],
                                monte_carlo=monte_carlo, seed=int(abs(day) * 100) + 7, **kw)
        if day == PRECURSOR_DAY and known:
            cal = quantify.calibration_factor(float(known), res)
        row = {"cell": cell, "day": day, "H_per_La": res.value, "H_per_La_err": res.error,
               "H_per_La_mc_median": res.mc_median, "H_per_La_p16": res.mc_interval[0],
               "H_per_La_p84": res.mc_interval[1]}
        row |= {"efficiency": res.efficiency, "assumptions": "; ".join(res.assumptions)}
        if cal is not None:
            kw_cal = {k: v for k, v in kw.items() if k != "efficiency"}
            rc = quantify.h_per_la(h["snr"], la["snr"], h["scans"], la["scans"],
                                   snr_h_err=h["snr_err"], snr_la_err=la["snr_err"],
                                   calibration=cal, monte_carlo=0, **kw_cal)
            row |= {"H_per_La_cal": rc.value, "H_per_La_cal_err": rc.error,
                    "calibration_factor": cal[0], "efficiency_cal": rc.efficiency,
                    "assumptions_cal": "; ".join(rc.assumptions)}
        else:
            row |= {"H_per_La_cal": res.value, "H_per_La_cal_err": res.error,
                    "calibration_factor": None, "efficiency_cal": res.efficiency,
                    "assumptions_cal": "; ".join(res.assumptions)}
        ratio = row["H_per_La_cal"] / h["snr"]
        row |= {"H2_per_La_lower_bound": h["broad_snr"] * ratio,
                "La_shift_ppm": la["shift_ppm"], "La_shift_ppm_err": la["shift_ppm_err"],
                "La_fwhm_hz": la["fwhm_hz"], "La_fwhm_hz_err": la["fwhm_hz_err"],
                "La_reference_hz": la["reference_hz"],
                "La_reference_source": la["reference_source"],
                "H_shift_ppm": h["shift_ppm"], "H_shift_ppm_err": h["shift_ppm_err"],
                "H_reference_hz": h["reference_hz"], "H_reference_source": h["reference_source"],
                "H_fwhm_hz": h["fwhm_hz"], "H_fwhm_hz_err": h["fwhm_hz_err"],
                "snr_H": h["snr"], "snr_H_err": h["snr_err"], "snr_La": la["snr"],
                "snr_La_err": la["snr_err"]}
        out.append(row)
    return out


def transport_rows(camp: Campaign, cur, cache=None) -> list[dict]:
    """Tc by every criterion of one curve (raises ReaderError or ValueError); with a
    cache, looked up by the file's SHA-256. The file is read inside the campaign
    folder's confinement (:meth:`Campaign.read_rt`)."""
    path = camp.resolve(cur.path)

    def compute() -> list[dict]:
        rt = camp.read_rt(cur.path)
        tr = transport.analyze(rt.temperature_k, rt.resistance_ohm)
        if not tr.success:
            raise ValueError(f"{cur.path}: {tr.message}")
        return [{"criterion": crit, "Tc_K": m.value, "Tc_K_err": m.stderr,
                 "width_K": tr.width.value, "width_K_err": tr.width.stderr,
                 "two_step": tr.two_step, "normal_slope_ohm_per_K": tr.normal_slope_ohm_per_k}
                for crit, m in tr.criteria.items()]

    digest = {}
    if cache is not None:
        try:
            digest = {path.name: camp.file_sha256(cur.path)}
        except OSError as exc:
            raise ValueError(f"{cur.path}: cannot read ({exc})") from exc
    values = cached(cache, "transport", digest, {}, compute)
    return [{"cell": cur.cell, "day": float(cur.day), **v, "path": cur.path} for v in values]


def analyze_transport(camp: Campaign, errors: list[str], rows: list[dict] | None = None
                      ) -> list[dict]:
    """Tc of every curve by every criterion, and Tc/Tc(first day) per criterion (``rows``
    when the curves were already analysed, e.g. in worker processes)."""
    if rows is None:
        rows = []
        for cur in camp.transport_curves():
            try:
                rows += transport_rows(camp, cur)
            except (ReaderError, ValueError) as exc:
                errors.append(str(exc))
    # normalise each cell and criterion to its first day
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["cell"], r["criterion"]), []).append(r)
    for grp in groups.values():
        grp.sort(key=lambda r: r["day"])
        tc = np.array([r["Tc_K"] for r in grp])
        err = np.array([r["Tc_K_err"] for r in grp])
        if not np.isfinite(tc[0]):
            continue
        ratio, sig = transport.normalised_series(tc, err)
        for r, q, s in zip(grp, ratio, sig, strict=True):
            r["Tc_ratio"], r["Tc_ratio_err"] = float(q), float(s)
    return rows


def fit_kinetics(hla: list[dict], key: str = "H_per_La_cal") -> list[dict]:
    """Every law per cell and as a global fit (x∞ = 3), rows with AIC/AICc/BIC, the rate and
    the goodness-of-fit verdict. ``ic``/``ic_name`` are the criterion the laws of a cell (or
    the global fits) are ranked by (:func:`analysis.fitting.rank`: AICc when n/k < 40)."""
    from .fitting import rank

    rows = []
    series = {}
    for cell in sorted({r["cell"] for r in hla}):
        pts = sorted((r for r in hla if r["cell"] == cell), key=lambda r: r["day"])
        t = np.array([r["day"] for r in pts], float)
        x = np.array([_f(r.get(key)) for r in pts], float)
        s = np.array([_f(r.get(key + "_err")) for r in pts], float)
        series[cell] = (t, x, s)
        fits, ic = rank(kinetics.compare_laws(t, x, sigma=s))
        rows += [_law_row(cell, res, ic) for res in fits]
    glob = [kinetics.fit_global(series, law) for law in kinetics.LAWS]
    ic = rank(glob)[1]
    rows += [_law_row("global", res, ic) for res in glob]
    return rows


def _law_row(cell: str, res, ic: str | None = None) -> dict:
    v = res.verdict
    row = {"cell": cell, "law": res.model_name.split(" ")[0], "success": bool(res.success),
           "aic": res.aic, "aicc": res.aicc, "bic": res.bic, "ic_form": res.ic_form,
           "ic_name": ic or "AIC", "ic": res.criterion(ic or "AIC"),
           "reduced_chi2": res.reduced_chi2, "ndata": int(res.ndata),
           "verdict": v.status, "verdict_short": v.short, "verdict_message": v.message}
    for k, val in res.values.items():
        row[k] = val
        row[k + "_err"] = res.stderr.get(k)
    if not res.success:
        row["message"] = res.message
    return row


def fit_tc_kinetics(tc_rows: list[dict], criterion: str = "50") -> list[dict]:
    rows = []
    for cell in sorted({r["cell"] for r in tc_rows}):
        pts = sorted((r for r in tc_rows if r["cell"] == cell and r["criterion"] == criterion),
                     key=lambda r: r["day"])
        t = np.array([r["day"] for r in pts], float)
        y = np.array([r["Tc_K"] for r in pts], float)
        s = np.array([r["Tc_K_err"] for r in pts], float)
        res = kinetics.fit_tc_plateau(t, y, sigma=s)
        rows.append(_law_row(cell, res) | {"criterion": criterion})
    return rows


def _task(job):
    """One unit of work for a worker process: ("nmr", camp, acq, store, cache) or
    ("tc", camp, curve, None, cache); returns ("ok", rows) or ("error", message)."""
    kind, camp, item, store, cache = job
    try:
        if kind == "nmr":
            return "ok", [measure_acquisition(camp, item, store, cache)]
        return "ok", transport_rows(camp, item, cache)
    except (ReaderError, MeasurementError, ValueError, OSError) as exc:
        text = str(exc)
        return "error", text if text.startswith(item.path) else f"{item.path}: {text}"


def analyze_campaign(camp: Campaign, *, store=None, criterion: str = "50",
                     progress: Callable[[int, int, str], None] | None = None,
                     workers: int = 1, cache=None) -> CampaignResults:
    """Everything (see the module docstring). ``progress(done, total, what)`` is called
    after each file. ``workers`` > 1 measures the files in that many forked processes (for
    the command line; a server keeps the default of 1). With a ``cache``
    (:class:`~analysis.cache.ResultCache`), files whose content and processing are
    unchanged since an earlier run are not fitted again."""
    res = CampaignResults()
    t0 = time.perf_counter()
    fids = [a for a in camp.acquisitions if a.kind == "fid"]
    try:
        curves = camp.transport_curves()
    except (ReaderError, CampaignError) as exc:  # e.g. a folder symlinked out: refused
        curves = []
        res.errors.append(str(exc))
    jobs = ([("nmr", camp, a, store, cache) for a in fids]
            + [("tc", camp, c, None, cache) for c in curves])
    total = len(jobs) + 1
    outcomes = []
    if workers > 1 and len(jobs) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as ex:
            for i, out in enumerate(ex.map(_task, jobs, chunksize=max(1, len(jobs) //
                                                                       (4 * workers)))):
                outcomes.append(out)
                if progress:
                    progress(i + 1, total, jobs[i][2].path)
    else:
        for i, job in enumerate(jobs):
            outcomes.append(_task(job))
            if progress:
                progress(i + 1, total, job[2].path)
    by_cell: dict[str, list[dict]] = {}
    tc_rows: list[dict] = []
    for job, (status, out) in zip(jobs, outcomes, strict=True):
        if status == "error":
            res.errors.append(out)
        elif job[0] == "nmr":
            res.nmr += out
            by_cell.setdefault(job[2].cell, []).extend(out)
        else:
            tc_rows += out
    t1 = time.perf_counter()
    for cell, rows in sorted(by_cell.items()):
        try:
            res.h_per_la += quantify_cell(camp, cell, rows)
        except ValueError as exc:
            res.errors.append(f"{cell}: quantification failed ({exc})")
    t2 = time.perf_counter()
    res.tc = analyze_transport(camp, res.errors, tc_rows)
    t3 = time.perf_counter()
    if res.h_per_la:
        res.kinetics = fit_kinetics(res.h_per_la)
    if res.tc:
        res.tc_kinetics = fit_tc_kinetics(res.tc, criterion)
    if progress:
        progress(total, total, "kinetics")
    t4 = time.perf_counter()
    res.timings_s = {"files (NMR and transport)": t1 - t0, "quantification": t2 - t1,
                     "Tc normalisation": t3 - t2, "kinetics": t4 - t3, "total": t4 - t0,
                     "workers": workers}
    return res


def save(results: CampaignResults, store) -> int:
    """Append the results to the campaign's results database; returns the version id."""
    v = store.save(STORE_KEY, {"kind": "campaign results"}, results.to_dict(),
                   note="hpnmr campaign")
    return v.id


def load_saved(store) -> CampaignResults | None:
    """The latest saved results, or None."""
    v = store.latest(STORE_KEY)
    return None if v is None else results_of(v)


def results_of(version) -> CampaignResults | None:
    """The campaign results a saved version (``analysis.store.Version`` under
    :data:`STORE_KEY`) holds, or None when they are stale."""
    res = CampaignResults.from_dict(version.results)
    # kept before the kinetics rows carried their ranking criterion (and AIC took the
    # known-σ form χ² + 2k): stale, analyse again
    return None if any("ic" not in r for r in res.kinetics) else res
