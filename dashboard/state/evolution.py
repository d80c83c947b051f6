"""The Evolution page's store: H/La and Tc against days for every cell."""

from __future__ import annotations

from pathlib import Path

import param

from analysis import campaign as campaign_mod
from analysis import evolution

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
    its results database, else computed once and saved
    (:func:`analysis.evolution.load_or_analyze`). Cached per process by campaign folder and
    database version: server state, so it stays in the store layer (results are immutable,
    so sessions may share them)."""
    root = str(camp.root.resolve())
    version = None if recompute else evolution.saved_version(store)
    if version is not None and (root, version) in _RESULTS_CACHE:
        return _RESULTS_CACHE[(root, version)]
    got = evolution.load_or_analyze(camp, store, recompute=recompute)
    _RESULTS_CACHE[(root, got.version)] = got.results
    return got.results


class EvolutionState(param.Parameterized):
    """H/La and Tc against days for every cell (the study's Figs. 4 and 6).

    Every derived value is a method declaring the parameters it reads (``param.depends``):
    the views bind the methods (``pn.rx(state.hla_data)``) and redraw on those declarations.
    """

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
        nmr = evolution.nmr_cells(self.campaign)
        tr = evolution.transport_cells(self.campaign)
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
        return evolution.hla_key(self.calibrated)

    @param.depends("nmr_cells", "calibrated", "results")
    def hla_assumptions(self) -> str:
        """One line under the H/La plot: how Λ_La/Λ_H was obtained for the H/La shown
        (absolute or calibrated) and every assumption the quantification made."""
        if self.results is None:
            return ""
        return evolution.hla_assumptions(self.results, self.nmr_cells,
                                         calibrated=self.calibrated)

    @param.depends("law", "results")
    def law_for(self, cell: str):
        """The kinetic-law row drawn for ``cell`` (None for 'none' or no converged fit)."""
        if self.results is None:
            return None
        return evolution.law_for(self.results, cell, self.law)

    @param.depends("results")
    def x_max(self) -> float:
        """The last day of any measurement (for a common x range)."""
        if self.results is None:
            return evolution.DEFAULT_X_MAX_DAYS
        return evolution.x_max(self.results)

    @param.depends("nmr_cells", "calibrated", "law", "results")
    def hla_data(self) -> evolution.SeriesSet:
        """(cell → (days, H/La, σ), cell → (days, fitted law)) of the shown NMR cells."""
        if self.results is None:
            return evolution.SeriesSet({}, {})
        return evolution.hla_series(self.results, self.nmr_cells, calibrated=self.calibrated,
                                    law=self.law)

    @param.depends("transport_cells", "criterion", "results")
    def tc_data(self) -> evolution.SeriesSet:
        """(cell → (days, Tc/Tc(0), σ), cell → (days, fitted plateau / Tc(0))) of the shown
        transport cells, with the chosen criterion."""
        if self.results is None:
            return evolution.SeriesSet({}, {})
        return evolution.tc_series(self.results, self.transport_cells, self.criterion)

    @param.depends("nmr_cells", "results")
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

    @param.depends("nmr_cells", "transport_cells", "calibrated", "criterion", "results")
    def overlap(self) -> list[dict]:
        """Tc/Tc(0) of each transport cell against the mean H/La of the NMR cells measured
        on the same day (rows of :class:`analysis.evolution.OverlapPoint` as dicts)."""
        if self.results is None:
            return []
        return [p._asdict() for p in evolution.overlap(
            self.results, self.nmr_cells, self.transport_cells, calibrated=self.calibrated,
            criterion=self.criterion)]

    @param.depends("nmr_cells", "results")
    def knight_shift(self) -> evolution.Trend:
        """The ¹³⁹La Knight shift (ppm) ± σ against days of the shown NMR cells, and where
        its 0 ppm comes from (:func:`analysis.evolution.trend`)."""
        return self._trend("La_shift_ppm")

    @param.depends("nmr_cells", "results")
    def line_width(self) -> evolution.Trend:
        """The ¹H hydride line's FWHM (Hz) ± σ against days of the shown NMR cells."""
        return self._trend("H_fwhm_hz")

    def _trend(self, column: str) -> evolution.Trend:
        if self.results is None:
            return evolution.Trend({}, ())
        return evolution.trend(self.results, self.nmr_cells, column)

    @param.depends("spectra_cell")
    def la_spectra(self) -> evolution.StackedSpectra | None:
        """The chosen cell's ¹³⁹La spectra stacked by day (:meth:`stacked_spectra`)."""
        return self.stacked_spectra("139La")

    @param.depends("spectra_cell")
    def h_spectra(self) -> evolution.StackedSpectra | None:
        """The chosen cell's ¹H spectra stacked by day (:meth:`stacked_spectra`)."""
        return self.stacked_spectra("1H")

    @param.depends("spectra_cell")
    def stacked_spectra(self, nucleus: str) -> evolution.StackedSpectra | None:
        """(offset in ppm, spectra normalised to their maximum, days) of the chosen cell."""
        cell = self.spectra_cell
        if cell is None:
            return None
        key = (cell, nucleus)
        if key not in self._spectra_cache:
            stack = evolution.stacked_spectra(self.campaign, cell, nucleus)
            if stack.problems:
                self.message = stack.problems[-1]
            self._spectra_cache[key] = stack.spectra
        return self._spectra_cache[key]
