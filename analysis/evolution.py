"""The campaign's evolution with time: H/La and Tc/Tc(0) against days per cell.

The recipes behind the Evolution page and the study's Figs. 4 and 6, from a campaign's
results (:class:`analysis.pipeline.CampaignResults`) and the reader's choices (the cells
shown, the Tc criterion, H/La absolute or calibrated on the precursor, the kinetic law
drawn): the H/La series with the fitted law of each cell (:func:`hla_series`), the
Tc/Tc(0) series with the fitted plateau (:func:`tc_series`), the two on the same days
(:func:`overlap`), a column of the H/La rows against days (the ¹³⁹La Knight shift, the ¹H
line width: :func:`trend`), the stacked spectra of one cell (:func:`stacked_spectra`) and
the line saying how H/La was obtained (:func:`hla_assumptions`). :func:`load_or_analyze`
gives the results themselves: the latest saved in the campaign's results database, else
computed and saved.

Days are days after laser heating (the precursor, LaH₃, is day −1); Tc in K; H/La is
hydrogen atoms per lanthanum atom.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from . import kinetics, pipeline
from .cache import ResultCache
from .campaign import Campaign
from .display import display_spectrum
from .pipeline import CampaignResults
from .quantify import EFFICIENCY
from .store import StoreError

#: the law drawn by default: the best of each cell by its ranking criterion (AICc/AIC)
BEST_LAW = "best"
#: no law drawn
NO_LAW = "none"
#: every choice of the law drawn
LAW_CHOICES = (BEST_LAW, NO_LAW, *kinetics.LAWS)
#: the common x range (days) when there are no results
DEFAULT_X_MAX_DAYS = 80.0
#: points of a fitted curve drawn through a series
CURVE_POINTS = 200
#: the fewest days (with a finite Tc) a Tc plateau is fitted to
MIN_PLATEAU_DAYS = 4
#: σ (K) given to a Tc without an error in the plateau fit
UNKNOWN_TC_SIGMA_K = 1.0
#: a ¹H spectrum after heating is normalised to its broad H₂ part: the points further than
#: this (ppm) from the narrow hydride line …
H2_BROAD_PPM = 30
#: … with the narrow line at most this many times that height (it is clipped on the plot)
NARROW_LINE_MAX_RATIO = 50
KINETIC_KEYS = ("x0", "x_inf", "rate_per_day", "tau_days", "n")


class Series(NamedTuple):
    """A quantity ± σ against days."""

    days: np.ndarray  #: days after laser heating
    value: np.ndarray
    stderr: np.ndarray


class Curve(NamedTuple):
    """A fitted curve against days."""

    days: np.ndarray
    value: np.ndarray


class SeriesSet(NamedTuple):
    """Series of several cells and the fitted curve of those that have one."""

    series: dict[str, Series]  #: cell → its series
    fits: dict[str, Curve]  #: cell → its fitted curve


class OverlapPoint(NamedTuple):
    """Tc/Tc(0) of a transport cell against the mean H/La of the NMR cells on that day."""

    cell: str  #: the transport cell
    day: float
    H_per_La: float  #: mean H/La of the NMR cells measured that day
    H_per_La_err: float  #: its standard error (errors added in quadrature, divided by n)
    Tc_ratio: float
    Tc_ratio_err: float


class StackedSpectra(NamedTuple):
    """One cell's spectra of one nucleus, each normalised, by day."""

    ppm: np.ndarray  #: the common shift axis (ppm)
    spectra: np.ndarray  #: days × points, each spectrum normalised (see :func:`stacked_spectra`)
    days: np.ndarray  #: the day of each spectrum, increasing


class Trend(NamedTuple):
    """A column of the H/La rows against days for several cells (:func:`trend`)."""

    series: dict[str, Series]  #: cell → the column ± σ against days (days ≥ 0)
    references: tuple[str, ...]  #: for a shift, where its 0 ppm comes from; else empty


class Stack(NamedTuple):
    """What :func:`stacked_spectra` gives: the spectra and the files left out."""

    spectra: StackedSpectra | None  #: None when no spectrum could be read
    problems: tuple[str, ...]  #: one line per file left out: "path: reason"


class StoredResults(NamedTuple):
    """A campaign's results and the version of the results database holding them."""

    results: CampaignResults
    version: int | None  #: None when they are not kept (no database, or it refused)


def hla_key(calibrated: bool) -> str:
    """The column of H/La: calibrated on the precursor (LaH₃) or absolute."""
    return "H_per_La_cal" if calibrated else "H_per_La"


def ranking_value(row: dict) -> float:
    """The ranking criterion of a kinetics row (rows kept before it existed: AIC)."""
    v = row.get("ic", row.get("aic"))
    return float(v) if v is not None and np.isfinite(v) else np.inf


def nmr_cells(campaign: Campaign) -> list[str]:
    """The cells with an FID acquisition, sorted."""
    return sorted({a.cell for a in campaign.select(kind="fid")})


def transport_cells(campaign: Campaign) -> list[str]:
    """The cells with an R(T) curve, sorted."""
    return sorted({c.cell for c in campaign.transport_curves()})


def law_for(results: CampaignResults, cell: str, law: str = BEST_LAW) -> dict | None:
    """The kinetics row (``results.kinetics``) drawn for ``cell``: the converged fit of the
    law ``law`` (one of :data:`LAW_CHOICES`; ``"best"``: the lowest ranking criterion), or
    None (``"none"``, or no converged fit)."""
    if law == NO_LAW:
        return None
    rows = [r for r in results.kinetics if r["cell"] == cell and r["success"]]
    if law != BEST_LAW:
        rows = [r for r in rows if r["law"] == law]
    return min(rows, key=ranking_value) if rows else None


def x_max(results: CampaignResults) -> float:
    """The last day of any measurement, H/La or Tc (days; for a common x range)."""
    days = [r["day"] for r in results.h_per_la] + [r["day"] for r in results.tc]
    return float(max(days)) if days else DEFAULT_X_MAX_DAYS


def hla_series(results: CampaignResults, cells: Sequence[str], *, calibrated: bool = True,
               law: str = BEST_LAW) -> SeriesSet:
    """H/La ± σ against days of each cell, with the kinetic law :func:`law_for` chooses
    drawn from day 0 to the cell's last day.

    Parameters
    ----------
    results : CampaignResults
    cells : sequence of str
        The NMR cells.
    calibrated : bool
        H/La calibrated on the precursor (LaH₃) rather than absolute.
    law : str
        One of :data:`LAW_CHOICES`.

    Returns
    -------
    SeriesSet
    """
    series, fits = {}, {}
    for cell in cells:
        series[cell] = Series(*results.series(cell, hla_key(calibrated)))
        row = law_for(results, cell, law)
        if row is not None:
            d = np.linspace(0, float(np.nanmax(series[cell].days)), CURVE_POINTS)
            p = {k: row[k] for k in KINETIC_KEYS if row.get(k) is not None}
            fits[cell] = Curve(d, kinetics.model(row["law"], d, p))
    return SeriesSet(series, fits)


def tc_series(results: CampaignResults, cells: Sequence[str], criterion: str) -> SeriesSet:
    """Tc/Tc(0) ± σ against days of each transport cell by the criterion ``criterion``,
    with the plateau Tc(t) = Tc∞ + (Tc₀ − Tc∞)·exp(−t/τ) fitted to Tc
    (:func:`analysis.kinetics.fit_tc_plateau`) and divided by the first day's Tc, when the
    cell has at least :data:`MIN_PLATEAU_DAYS` days and the fit converges.

    Parameters
    ----------
    results : CampaignResults
    cells : sequence of str
        The transport cells.
    criterion : str
        A Tc criterion (``analysis.transport.CRITERIA``).

    Returns
    -------
    SeriesSet
    """
    series, fits = {}, {}
    for cell in cells:
        d, tcv, err, ratio, rerr = results.tc_series(cell, criterion)
        series[cell] = Series(d, ratio, rerr)
        if len(d) >= MIN_PLATEAU_DAYS and np.isfinite(tcv).sum() >= MIN_PLATEAU_DAYS:
            fit = kinetics.fit_tc_plateau(d, tcv, sigma=np.nan_to_num(
                err, nan=UNKNOWN_TC_SIGMA_K))
            if fit.success:
                dd = np.linspace(0, d.max(), CURVE_POINTS)
                fits[cell] = Curve(dd, kinetics.tc_plateau_curve(fit, dd) / tcv[0])
    return SeriesSet(series, fits)


def overlap(results: CampaignResults, nmr: Sequence[str], transport: Sequence[str], *,
            calibrated: bool = True, criterion: str) -> list[OverlapPoint]:
    """Tc/Tc(0) of each transport cell against the mean H/La of the NMR cells measured on
    the same day (days ≥ 0; the mean's σ is the errors added in quadrature over n).

    Parameters
    ----------
    results : CampaignResults
    nmr, transport : sequence of str
        The NMR cells averaged, the transport cells shown.
    calibrated : bool
        H/La calibrated on the precursor rather than absolute.
    criterion : str
        The Tc criterion.

    Returns
    -------
    list of OverlapPoint
        By transport cell, then by day.
    """
    key = hla_key(calibrated)
    days: dict = {}
    for r in results.h_per_la:
        if r["cell"] in nmr and r["day"] >= 0:
            days.setdefault(r["day"], []).append((r[key], r[key + "_err"]))
    out = []
    for cell in transport:
        d, _tc, _e, ratio, rerr = results.tc_series(cell, criterion)
        for day, q, qe in zip(d, ratio, rerr, strict=True):
            if day in days:
                v = np.array(days[day])
                out.append(OverlapPoint(cell, day, float(v[:, 0].mean()),
                                        float(np.sqrt(np.sum(v[:, 1] ** 2)) / len(v)), q, qe))
    return out


def trend(results: CampaignResults, cells: Sequence[str], column: str) -> Trend:
    """One column of the H/La rows (``results.h_per_la``) ± σ (the column ``column + "_err"``)
    against days for each cell, from day 0 (the precursor is another compound); a missing
    value is NaN. For a shift column (``…_shift_ppm``), the references its 0 ppm was taken
    from (the rows' ``…_reference_source``).

    Parameters
    ----------
    results : CampaignResults
    cells : sequence of str
        The NMR cells.
    column : str
        A column of the rows, e.g. ``"La_shift_ppm"`` (ppm) or ``"H_fwhm_hz"`` (Hz).

    Returns
    -------
    Trend
        The series in the column's unit, by day, and the sorted, distinct references.
    """
    series = {}
    for cell in cells:
        d, v, e = results.series(cell, column)
        keep = d >= 0
        series[cell] = Series(d[keep], v[keep], e[keep])
    references: tuple[str, ...] = ()
    if column.endswith("_shift_ppm"):
        source = column.replace("shift_ppm", "reference_source")
        references = tuple(sorted({str(r[source]) for r in results.h_per_la
                                   if r["cell"] in cells and r.get(source)}))
    return Trend(series, references)


def hla_assumptions(results: CampaignResults, cells: Sequence[str], *,
                    calibrated: bool = True) -> str:
    """One line saying how Λ_La/Λ_H was obtained for the H/La of these cells (absolute or
    calibrated) and every assumption the quantification made; empty without rows."""
    rows = [r for r in results.h_per_la if r["cell"] in cells]
    if not rows:
        return ""
    suffix = "_cal" if calibrated else ""
    what = "calibrated" if calibrated else "absolute"
    if any(("efficiency" + suffix) not in r for r in rows):
        return (f"H/La ({what}): these saved results do not record the efficiency and "
                "assumptions used; recompute from the raw files to see them.")
    modes = sorted({r["efficiency" + suffix] for r in rows})
    assumed: list[str] = []
    for r in rows:
        for a in filter(None, (r.get("assumptions" + suffix) or "").split("; ")):
            if a not in assumed:
                assumed.append(a)
    lam = "; ".join(f"{m}: {EFFICIENCY.get(m, m)}" for m in modes)
    tail = "; ".join(assumed) if assumed else "nothing"
    return f"H/La ({what}) — resonator efficiency {lam}. Assumed: {tail}."


def stacked_spectra(campaign: Campaign, cell: str, nucleus: str) -> Stack:
    """A cell's spectra of one nucleus by day (:func:`analysis.display.display_spectrum`),
    each normalised to its largest |value|; a ¹H spectrum after heating (day ≥ 0) to its
    broad H₂ part instead (the points further than :data:`H2_BROAD_PPM` from the strongest
    line, the narrow line at most :data:`NARROW_LINE_MAX_RATIO` times higher).

    Parameters
    ----------
    campaign : Campaign
    cell : str
    nucleus : str
        "1H" or "139La".

    Returns
    -------
    Stack
        The spectra on the axis of the last one read, and the files left out (unreadable).
    """
    acqs = sorted(campaign.select(cell=cell, nucleus=nucleus, kind="fid"), key=lambda a: a.day)
    ppm, spectra, days, problems = None, [], [], []
    for a in acqs:
        try:
            ppm, y = display_spectrum(campaign, a)
        except (ValueError, OSError) as exc:
            problems.append(f"{a.path}: {exc}")
            continue
        scale = np.max(np.abs(y))
        if nucleus == "1H" and a.day >= 0:
            ref = ppm[np.argmax(np.abs(y))]
            broad = np.abs(ppm - ref) > H2_BROAD_PPM
            scale = max(float(np.max(np.abs(y[broad]))), scale / NARROW_LINE_MAX_RATIO)
        spectra.append(y / scale)
        days.append(a.day)
    out = None if ppm is None else StackedSpectra(ppm, np.array(spectra), np.array(days))
    return Stack(out, tuple(problems))


def saved_version(store) -> int | None:
    """The id of the latest results saved in a campaign's results database (None: none, no
    database, or it cannot be read)."""
    if store is None:
        return None
    try:
        v = store.latest(pipeline.STORE_KEY)
    except StoreError:
        return None
    return None if v is None else v.id


def load_or_analyze(campaign: Campaign, store=None, *, recompute: bool = False
                    ) -> StoredResults:
    """The campaign's results: the latest saved in its results database (``store``, an
    :class:`analysis.store.ResultsStore`), else analysed from the raw files
    (:func:`analysis.pipeline.analyze_campaign`, reusing the result cache beside the
    database) and saved there.

    Parameters
    ----------
    campaign : Campaign
    store : ResultsStore, optional
        None: analyse, keep nothing.
    recompute : bool
        Analyse again even when results are saved.

    Returns
    -------
    StoredResults
        ``version`` None when the results could not be kept.

    Raises
    ------
    analysis.store.StoreError
        The database cannot be read.
    """
    if store is not None and not recompute:
        saved = store.latest(pipeline.STORE_KEY)  # read once: the version and its results
        res = None if saved is None else pipeline.results_of(saved)
        if res is not None:
            return StoredResults(res, saved.id)
    cache = None if store is None else ResultCache.beside(store.path,
                                                          root=getattr(store, "root", None))
    res = pipeline.analyze_campaign(campaign, store=store, cache=cache)
    version = None
    if store is not None:
        try:
            version = pipeline.save(res, store)
        except StoreError:
            version = None
    return StoredResults(res, version)
