"""The Evolution page's store: H/La and Tc against days for every cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import param

from analysis import campaign as campaign_mod

from .common import (
    default_campaign_dir,
    open_store,
    ranking_value,
    readable_transport,
    verdict_flag,
)

_RESULTS_CACHE: dict = {}


def campaign_results(camp, store=None, *, recompute: bool = False):
    """The campaign's results (``analysis.pipeline.CampaignResults``): the latest saved in
    its results database, else computed once and saved. Cached per process by campaign
    folder and database version (results are immutable, so sessions may share them)."""
    from analysis import pipeline
    from analysis.store import StoreError

    version = None
    if store is not None and not recompute:
        try:
            v = store.latest(pipeline.STORE_KEY)
            version = None if v is None else v.id
        except StoreError:
            version = None
    key = (str(camp.root.resolve()), version)
    if not recompute and version is not None and key in _RESULTS_CACHE:
        return _RESULTS_CACHE[key]
    res = None if recompute or store is None else pipeline.load_saved(store)
    if res is None:
        from analysis.cache import ResultCache

        cache = None if store is None else ResultCache.beside(store.path,
                                                              root=getattr(store, "root", None))
        res = pipeline.analyze_campaign(camp, store=store, cache=cache)
        if store is not None:
            try:
                version = pipeline.save(res, store)
            except StoreError:
                version = None
    _RESULTS_CACHE[(str(camp.root.resolve()), version)] = res
    return res


class EvolutionState(param.Parameterized):
    """H/La and Tc against days for every cell (the study's Figs. 4 and 6)."""

    nmr_cells = param.ListSelector(default=[], objects=[], label="NMR cells",
                                   doc="The NMR cells whose H/La, shifts and widths are shown")
    transport_cells = param.ListSelector(default=[], objects=[], label="Transport cells",
                                         doc="The transport cells whose Tc is shown")
    criterion = param.Selector(default="50", objects=[], label="Tc criterion",
                               doc="How Tc is read off R(T) (analysis.transport.CRITERIA)")
    calibrated = param.Boolean(default=True, label="H/La calibrated on the precursor (LaH₃)",
                               doc="H/La calibrated on the precursor LaH₃ (else absolute)")
    law = param.Selector(default="best", objects=["best", "none", "linear", "first-order",
                                                  "jmak", "contracting"],
                         label="Kinetic law drawn",
                         doc="Kinetic law drawn through H/La(t): the best by AICc, none, "
                         "or one law")
    spectra_cell = param.Selector(default=None, objects=[], allow_None=True,
                                  label="Stacked spectra of cell",
                                  doc="The NMR cell whose spectra are stacked by day")
    results = param.Parameter(default=None, doc="analysis.pipeline.CampaignResults")
    message = param.String(default="", doc="The transport cells and files left out, or why "
                           "the campaign could not be analysed (plain text)")

    def __init__(self, campaign_root: str | Path | None = None, store=None, **params):
        from analysis.store import StoreError
        from analysis.transport import CRITERIA

        super().__init__(**params)
        root = Path(campaign_root or default_campaign_dir())
        self.campaign, self._refused = readable_transport(campaign_mod.load(root))
        self.message = "\n\n".join(self._refused)
        try:
            self.store = store or open_store(root)
        except StoreError as exc:
            self.store = None
            self.message = "\n\n".join([*self._refused, f"results are not kept: {exc}"])
        self.param.criterion.objects = list(CRITERIA)
        nmr = sorted({a.cell for a in self.campaign.acquisitions if a.kind == "fid"})
        tr = sorted({c.cell for c in self.campaign.transport_curves()})
        self.param.nmr_cells.objects = nmr
        self.param.transport_cells.objects = tr
        self.param.spectra_cell.objects = nmr
        self.nmr_cells, self.transport_cells = list(nmr), list(tr)
        self.spectra_cell = nmr[0] if nmr else None
        self._spectra_cache: dict = {}
        self.load()

    def load(self, recompute: bool = False) -> None:
        try:
            self.results = campaign_results(self.campaign, self.store, recompute=recompute)
        except Exception as exc:
            self.results = None
            self.message = "\n\n".join([*self._refused,
                                         f"the campaign could not be analysed: {exc}"])
            return
        if self.results.errors:
            self.message = "\n\n".join([*self._refused, "Some files were left out:", *(
                f"- {e}" for e in self.results.errors[:20])])

    @property
    def key(self) -> str:
        return "H_per_La_cal" if self.calibrated else "H_per_La"

    def hla_assumptions(self) -> str:
        """One line under the H/La plot: how Λ_La/Λ_H was obtained for the H/La shown
        (absolute or calibrated) and every assumption the quantification made."""
        if self.results is None:
            return ""
        rows = [r for r in self.results.h_per_la if r["cell"] in self.nmr_cells]
        if not rows:
            return ""
        suffix = "_cal" if self.calibrated else ""
        what = "calibrated" if self.calibrated else "absolute"
        if any(("efficiency" + suffix) not in r for r in rows):
            return (f"H/La ({what}): these saved results do not record the efficiency and "
                    "assumptions used; recompute from the raw files to see them.")
        from analysis.quantify import EFFICIENCY

        modes = sorted({r["efficiency" + suffix] for r in rows})
        assumed: list[str] = []
        for r in rows:
            for a in filter(None, (r.get("assumptions" + suffix) or "").split("; ")):
                if a not in assumed:
                    assumed.append(a)
        lam = "; ".join(f"{m}: {EFFICIENCY.get(m, m)}" for m in modes)
        tail = "; ".join(assumed) if assumed else "nothing"
        return f"H/La ({what}) — resonator efficiency {lam}. Assumed: {tail}."

    def law_for(self, cell: str):
        """The kinetic-law row drawn for ``cell`` (None for 'none' or no converged fit)."""
        if self.results is None or self.law == "none":
            return None
        rows = [r for r in self.results.kinetics if r["cell"] == cell and r["success"]]
        if self.law != "best":
            rows = [r for r in rows if r["law"] == self.law]
        return min(rows, key=ranking_value) if rows else None

    def x_max(self) -> float:
        """The last day of any measurement (for a common x range)."""
        res = self.results
        if res is None:
            return 80.0
        days = [r["day"] for r in res.h_per_la] + [r["day"] for r in res.tc]
        return float(max(days)) if days else 80.0

    def hla_data(self) -> tuple[dict, dict]:
        """(cell → (days, H/La, σ), cell → (days, fitted law)) of the shown NMR cells."""
        from analysis import kinetics

        series, fits = {}, {}
        if self.results is None:
            return series, fits
        for cell in self.nmr_cells:
            series[cell] = self.results.series(cell, self.key)
            row = self.law_for(cell)
            if row is not None:
                d = np.linspace(0, float(np.nanmax(series[cell][0])), 200)
                p = {k: row[k] for k in ("x0", "x_inf", "rate_per_day", "tau_days", "n")
                     if row.get(k) is not None}
                fits[cell] = (d, kinetics.model(row["law"], d, p))
        return series, fits

    def tc_data(self) -> tuple[dict, dict]:
        """(cell → (days, Tc/Tc(0), σ), cell → (days, fitted plateau / Tc(0))) of the shown
        transport cells, with the chosen criterion."""
        from analysis import kinetics

        series, fits = {}, {}
        if self.results is None:
            return series, fits
        for cell in self.transport_cells:
            d, tcv, err, ratio, rerr = self.results.tc_series(cell, self.criterion)
            series[cell] = (d, ratio, rerr)
            if len(d) > 3 and np.isfinite(tcv).sum() > 3:
                fit = kinetics.fit_tc_plateau(d, tcv, sigma=np.nan_to_num(err, nan=1.0))
                if fit.success:
                    dd = np.linspace(0, d.max(), 200)
                    fits[cell] = (dd, kinetics.tc_plateau_curve(fit, dd) / tcv[0])
        return series, fits

    def kinetics_rows(self) -> list[dict]:
        """Per cell (and global): every law's rate ± σ, the difference of the ranking
        criterion (AICc for a cell's ~16 points) to the best law and the goodness-of-fit
        verdict, best first."""
        from analysis.measure import Measurement

        if self.results is None:
            return []
        out = []
        ics = {r.get("ic_name", "AIC") for r in self.results.kinetics if r["success"]}
        col = f"Δ{next(iter(ics))}" if len(ics) == 1 else "ΔAIC(c)"
        for cell in [*self.nmr_cells, "global"]:
            rows = sorted((r for r in self.results.kinetics if r["cell"] == cell and
                           r["success"]), key=ranking_value)
            if not rows:
                continue
            best = ranking_value(rows[0])
            for r in rows:
                rate = r.get("average_rate_per_day")
                rate_txt = (str(Measurement(rate, r.get("average_rate_per_day_err") or 0,
                                            "H/La per day")) if rate is not None else "—")
                extra = ", ".join(f"{k} = {Measurement(r[k], r.get(k + '_err') or 0, '')}"
                                  for k in ("tau_days", "n") if r.get(k) is not None)
                out.append({"cell": cell, "law": r["law"], "average rate": rate_txt,
                            "parameters": extra,
                            col: f"{ranking_value(r) - best:.1f}" + ("" if len(ics) == 1 else
                                                           f" ({r.get('ic_name', 'AIC')})"),
                            "fit": verdict_flag(r)})
        return out

    def overlap(self) -> list[dict]:
        """Tc/Tc(0) of each transport cell against the mean H/La of the NMR cells measured
        on the same day."""
        if self.results is None:
            return []
        out = []
        days = {}
        for r in self.results.h_per_la:
            if r["cell"] in self.nmr_cells and r["day"] >= 0:
                days.setdefault(r["day"], []).append((r[self.key], r[self.key + "_err"]))
        for cell in self.transport_cells:
            d, _tc, _e, ratio, rerr = self.results.tc_series(cell, self.criterion)
            for day, q, qe in zip(d, ratio, rerr, strict=True):
                if day in days:
                    v = np.array(days[day])
                    out.append({"cell": cell, "day": day, "H_per_La": float(v[:, 0].mean()),
                                "H_per_La_err": float(np.sqrt(np.sum(v[:, 1] ** 2)) / len(v)),
                                "Tc_ratio": q, "Tc_ratio_err": qe})
        return out

    def stacked_spectra(self, nucleus: str):
        """(offset in ppm, spectra normalised to their maximum, days) of the chosen cell."""
        cell = self.spectra_cell
        if cell is None:
            return None
        key = (cell, nucleus)
        if key in self._spectra_cache:
            return self._spectra_cache[key]
        acqs = sorted((a for a in self.campaign.acquisitions if a.cell == cell and
                       a.nucleus == nucleus and a.kind == "fid"), key=lambda a: a.day)
        ppm, spectra, days = None, [], []
        for a in acqs:
            try:
                ppm, y = display_spectrum(self.campaign, a)
            except (ValueError, OSError) as exc:
                self.message = f"{a.path}: {exc}"
                continue
            scale = np.max(np.abs(y))
            if nucleus == "1H" and a.day >= 0:
                # normalise to the broad H₂ part, not the narrow hydride line (clipped)
                ref = ppm[np.argmax(np.abs(y))]
                broad = np.abs(ppm - ref) > 30
                scale = max(float(np.max(np.abs(y[broad]))), scale / 50)
            spectra.append(y / scale)
            days.append(a.day)
        out = None if ppm is None else (ppm, np.array(spectra), np.array(days))
        self._spectra_cache[key] = out
        return out


def display_spectrum(campaign, acq) -> tuple[np.ndarray, np.ndarray]:
    """(ppm, real spectrum) of an acquisition for display: the default processing (¹H
    broadened by 5 kHz so the broad H₂ shows), automatic phase (max-real)."""
    from analysis.processing import autophase, finish, transform

    ds = campaign.read(acq)
    p = acq.default_processing()
    if ds.nucleus == "1H":
        p = p.replace(lb_hz=max(p.lb_hz, 5000.0))
    offsets, raw = transform(ds, p)
    p0, p1 = autophase(raw, offsets, ds.spectral_width_hz, method="max-real")
    sp = finish(ds, p.replace(p0_deg=p0, p1_deg=p1,
                              pivot_hz=float(offsets[np.argmax(np.abs(raw))])), offsets, raw)
    return sp.axis("ppm"), sp.real
