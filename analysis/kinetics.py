"""Kinetics of hydrogen loss H/La(t) and of Tc(t) (PHYSICS §8).

With x(t) = H/La, x₀ = x(0), x_∞ the end point and α the reacted fraction
(x = x₀ − (x₀ − x_∞)·α), the laws (``LAWS``; t in days):

================  ====================================================================
``linear``        x = x₀ − k·t (zero order; k in H/La per day, the study's "0.12(5)/d")
``first-order``   α = 1 − e^(−t/τ) (relaxation to x_∞)
``jmak``          α = 1 − exp(−(t/τ)ⁿ) (Johnson–Mehl–Avrami–Kolmogorov; n > 1 accelerates)
``contracting``   α = 1 − (1 − t/τ)³ for t < τ, 1 after (contracting volume, R3)
================  ====================================================================

x_∞ is fixed at 3 (LaH₃) by default or fitted. Every fit is a :class:`~analysis.fitting.FitResult`
with AIC/AICc/BIC, a goodness-of-fit verdict and the average rate over the observed span,
(x(t₀) − x(t_end))/(t_end − t₀), ± its propagated error. With the errors of H/La given
(σ known) AIC = χ² + 2k; without them n·ln(RSS/n) + 2k. A cell has ~16 points, so laws are
ranked by AICc (:func:`analysis.fitting.rank`). :func:`fit_global` fits several cells with
one law: shared kinetic parameters, one x₀ per cell. :func:`fit_tc_plateau` is
Tc(t) = Tc_∞ + (Tc₀ − Tc_∞)e^(−t/τ).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .fitting import FitResult, failed, rank
from .parameters import Parameter, Parameters, fit

LAWS = ("linear", "first-order", "jmak", "contracting")
LAW_FORMULAS = {
    "linear": "x = x₀ − k·t",
    "first-order": "x = x∞ + (x₀ − x∞)·exp(−t/τ)",
    "jmak": "x = x₀ − (x₀ − x∞)·[1 − exp(−(t/τ)ⁿ)]",
    "contracting": "x = x₀ − (x₀ − x∞)·[1 − (1 − t/τ)³], t < τ",
}
#: kinetic parameters of each law (shared in a global fit), with units
_KINETIC = {"linear": (("rate_per_day", "1/d"),),
            "first-order": (("tau_days", "d"),),
            "jmak": (("tau_days", "d"), ("n", "")),
            "contracting": (("tau_days", "d"),)}


def reacted_fraction(law: str, t_days, p: Mapping[str, float]) -> np.ndarray:
    """α(t) of a law (not for ``linear``)."""
    t = np.clip(np.asarray(t_days, float), 0, None)
    tau = p["tau_days"]
    if law == "first-order":
        return 1 - np.exp(-t / tau)
    if law == "jmak":
        return 1 - np.exp(-((t / tau) ** p["n"]))
    if law == "contracting":
        return 1 - (1 - np.clip(t / tau, 0, 1)) ** 3
    raise KeyError(law)


def model(law: str, t_days, p: Mapping[str, float]) -> np.ndarray:
    """x(t) of a law with parameters ``p`` (``x0``, ``x_inf`` and the kinetic ones)."""
    t = np.asarray(t_days, float)
    if law == "linear":
        return p["x0"] - p["rate_per_day"] * t
    return p["x0"] - (p["x0"] - p["x_inf"]) * reacted_fraction(law, t, p)


def first_order_tau_for_drop(x0: float, x_inf: float, drop: float, t_days: float) -> float:
    """τ (days) of a first-order law from x₀ to x_∞ that has lost ``drop`` of x₀ at t."""
    return float(-t_days / np.log(1 - drop * x0 / (x0 - x_inf)))


def linear_days_to_reach(x0: float, x: float, rate_per_day: float) -> float:
    """Days for a linear law at ``rate_per_day`` to go from x₀ to x."""
    return float((x0 - x) / rate_per_day)


def _prepare(t, x, sigma):
    t = np.asarray(t, float).ravel()
    x = np.asarray(x, float).ravel()
    s = None if sigma is None else np.broadcast_to(np.asarray(sigma, float), x.shape).copy()
    if t.size != x.size:
        return None, f"{t.size} days for {x.size} values"
    bad = ~(np.isfinite(t) & np.isfinite(x))
    if s is not None:
        bad |= ~np.isfinite(s) | (s <= 0)
    if bad.all():
        return None, "no finite data"
    return (t[~bad], x[~bad], None if s is None else s[~bad]), (
        f"{int(bad.sum())} points without a finite value or error left out" if bad.any() else "")


#: x∞ of LaH₃, the end point of the hydrogen loss (H/La)
X_INF_LAH3 = 3.0
#: bounds of every parameter of the laws (x₀ of every cell alike; H/La, 1/d, d)
BOUNDS = {"x0": (0, 100), "rate_per_day": (-10, 10), "tau_days": (1e-3, 1e4),
          "n": (0.2, 6), "x_inf": (0, 100)}
#: start of the JMAK exponent (between nucleation-free growth, 1, and 3-D growth, 3–4)
START_N = 1.5
#: start of the zero-order rate of a global fit (H/La per day)
START_RATE_PER_DAY = 0.1
#: a fit of one cell is restarted at τ = span/3 and 3·span unless its reduced χ² (σ known)
#: is below this
RESTART_REDUCED_CHI2 = 3.0
#: the Tc plateau's bounds (K) and its τ start: a fifth of the span, at least half a day
TC_BOUNDS_K = (0.0, 1e4)
TC_TAU_START_SHARE = 5
TC_TAU_START_MIN_DAYS = 0.5
_UNITS = {"x0": "H/La", "x_inf": "H/La"}


def _law_parameters(law: str, start: Mapping[str, float], x_inf: float | None,
                    x0_names: Sequence[str] = ("x0",)) -> Parameters:
    """x₀ (one per name in ``x0_names``), the law's kinetic parameters and — but for
    ``linear`` — x∞, held at ``x_inf`` or free when it is None; starts from ``start``."""
    out = [Parameter(k, start[k], *BOUNDS["x0"], unit="H/La") for k in x0_names]
    out += [Parameter(k, start[k], *BOUNDS[k], unit=unit) for k, unit in _KINETIC[law]]
    if law != "linear":
        out.append(Parameter("x_inf", start["x_inf"] if x_inf is None else float(x_inf),
                             *BOUNDS["x_inf"], vary=x_inf is None, unit="H/La"))
    return Parameters(out)


def fit_law(t_days, x, law: str = "linear", *, sigma=None, x_inf: float | None = X_INF_LAH3,
            t0_days: float = 0.0) -> FitResult:
    """Fit one law to one cell's H/La(t).

    Parameters
    ----------
    t_days, x : array_like
        Days since the synthesis (heating) and H/La.
    sigma : array_like, optional
        1σ of each x (errors absolute, inflated by √χ²_red above 1).
    x_inf : float or None
        End point (3 for LaH₃); None fits it.
    t0_days : float
        Only points with t ≥ t0 (the precursor at day −1 is not part of the decay).
    """
    if law not in LAWS:
        return failed(law, f"unknown law {law!r}: {', '.join(LAWS)}")
    prep, note = _prepare(t_days, x, sigma)
    if prep is None:
        return failed(law, note)
    t, y, s = prep
    keep = t >= t0_days
    t, y = t[keep], y[keep]
    s = None if s is None else s[keep]
    # which parameters are free decides whether there are enough points; the starts need
    # points, so they come after the count
    params = _law_parameters(law, dict.fromkeys(BOUNDS, np.nan), x_inf)
    if t.size <= len(params.free):
        return failed(law, f"{t.size} points for {len(params.free)} free parameters")
    span = max(float(t.max() - t.min()), 1e-9)
    slope0 = max(float(-np.polyfit(t, y, 1)[0]), 1e-3) if t.size > 1 else 0.1
    start = {"x0": float(y[np.argmin(t)]), "rate_per_day": slope0, "tau_days": span,
             "n": START_N, "x_inf": X_INF_LAH3 if x_inf is None else x_inf}
    params = params.with_values({k: start[k] for k in params})
    w = 1 / s if s is not None else np.ones_like(y)
    starts = [start] + ([start | {"tau_days": span / 3}, start | {"tau_days": 3 * span}]
                        if law != "linear" else [])
    best = None
    for st in starts:  # further starts only when the first does not fit well
        pf = fit(lambda v: (y - model(law, t, v)) * w,
                 params.with_values({k: st[k] for k in params.free}),
                 sigma_known=s is not None)
        if best is None or (np.isfinite(pf.chi2) and pf.chi2 < best.chi2):
            best = pf
        if best.success and np.isfinite(best.reduced_chi2) and (
                s is None or best.reduced_chi2 < RESTART_REDUCED_CHI2):
            break
    t_a, t_b = float(t.min()), float(t.max())
    rate, rate_err = best.error_of(   # the average rate over the observed span
        lambda v: float((model(law, t_a, v) - model(law, t_b, v)) / max(t_b - t_a, 1e-9)))
    values = dict(best.values) | {"average_rate_per_day": rate}
    stderr = dict(best.stderr) | {"average_rate_per_day": rate_err}
    units = _UNITS | dict(_KINETIC[law]) | {"average_rate_per_day": "H/La per day"}
    notes = [f"law: {LAW_FORMULAS[law]}", f"average rate over days {t_a:g}–{t_b:g}"]
    if "x_inf" in params.fixed:
        notes.append(f"x∞ fixed at {params.fixed['x_inf']:g}")
    if note:
        notes.append(note)
    return best.result(law, values=values, stderr=stderr, units=units, x=t, data=y,
                       model=model(law, t, values), weights_mask=np.ones(t.size, bool),
                       notes=tuple(notes),
                       sigma_source="known" if s is not None else "residuals")


def compare_laws(t_days, x, *, sigma=None, x_inf: float | None = X_INF_LAH3,
                 laws: Sequence[str] = LAWS, t0_days: float = 0.0) -> list[FitResult]:
    """Every law on one cell, best first by AICc (AIC when n/k ≥ 40; failed fits last)."""
    fits = [fit_law(t_days, x, law, sigma=sigma, x_inf=x_inf, t0_days=t0_days) for law in laws]
    return rank(fits)[0]


def fit_global(series: Mapping[str, tuple], law: str = "linear", *,
               x_inf: float | None = X_INF_LAH3, t0_days: float = 0.0) -> FitResult:
    """One law for several cells: shared kinetic parameters (and x∞), one x₀ per cell.

    ``series`` maps a cell to ``(t_days, x, sigma)``. Values ``x0_<cell>`` per cell.
    """
    if law not in LAWS:
        return failed(law, f"unknown law {law!r}")
    data = []
    for cell, (t, x, s) in series.items():
        prep, _ = _prepare(t, x, s)
        if prep is None:
            continue
        tt, yy, ss = prep
        keep = tt >= t0_days
        data.append((cell, tt[keep], yy[keep], None if ss is None else ss[keep]))
    if not data:
        return failed(law, "no cell with data")
    x0_names = [f"x0_{c}" for c, *_ in data]
    span = max(float(max(d[1].max() for d in data)), 1.0)
    start = {f"x0_{c}": float(y[np.argmin(t)]) for c, t, y, _ in data} | {
        "rate_per_day": START_RATE_PER_DAY, "tau_days": span, "n": START_N,
        "x_inf": X_INF_LAH3}
    params = _law_parameters(law, start, x_inf, x0_names)

    def residual(v):
        out = []
        for c, t, y, s in data:
            pv = v | {"x0": v[f"x0_{c}"]}
            r = y - model(law, t, pv)
            out.append(r / s if s is not None else r)
        return np.concatenate(out)

    weighted = all(d[3] is not None for d in data)
    pf = fit(residual, params, sigma_known=weighted)
    units = dict.fromkeys(x0_names, "H/La") | dict(_KINETIC[law]) | {"x_inf": "H/La"}
    return pf.result(f"{law} (global, {len(data)} cells)",
                     values=pf.values, units=units,
                     notes=(f"law: {LAW_FORMULAS[law]}", "kinetic parameters shared by "
                            "every cell; one x₀ per cell"),
                     sigma_source="known" if weighted else "residuals",
                     at_bound=())   # unchanged by #15: the global fit flags no bound (yet)


def tc_plateau(t_days, v: Mapping[str, float]) -> np.ndarray:
    """Tc(t) = Tc_∞ + (Tc₀ − Tc_∞)·exp(−t/τ) (K) for values ``Tc0_K``, ``Tc_inf_K``,
    ``tau_days``."""
    return v["Tc_inf_K"] + (v["Tc0_K"] - v["Tc_inf_K"]) * np.exp(-np.asarray(t_days) / v[
        "tau_days"])


def fit_tc_plateau(t_days, tc_k, *, sigma=None) -> FitResult:
    """Tc(t) = Tc_∞ + (Tc₀ − Tc_∞)·exp(−t/τ): a sharp drop settling to a plateau."""
    prep, note = _prepare(t_days, tc_k, sigma)
    if prep is None:
        return failed("tc-plateau", note)
    t, y, s = prep
    if t.size <= 3:
        return failed("tc-plateau", f"{t.size} points for 3 free parameters")
    w = 1 / s if s is not None else np.ones_like(y)
    params = Parameters([
        Parameter("Tc0_K", float(y[np.argmin(t)]), *TC_BOUNDS_K, unit="K"),
        Parameter("Tc_inf_K", float(y[np.argmax(t)]), *TC_BOUNDS_K, unit="K"),
        Parameter("tau_days", max(float(np.ptp(t)) / TC_TAU_START_SHARE,
                                  TC_TAU_START_MIN_DAYS), BOUNDS["tau_days"][0],
                  TC_BOUNDS_K[1], unit="d")])
    pf = fit(lambda v: (y - tc_plateau(t, v)) * w, params, sigma_known=s is not None)
    return pf.result("tc-plateau", x=t, data=y, model=tc_plateau(t, pf.values),
                     notes=("Tc(t) = Tc∞ + (Tc₀ − Tc∞)·exp(−t/τ)",) + ((note,) if note else ()),
                     sigma_source="known" if s is not None else "residuals")


def tc_plateau_curve(result: FitResult, t_days) -> np.ndarray:
    """The fitted Tc(t) at ``t_days``."""
    return tc_plateau(t_days, result.values)
