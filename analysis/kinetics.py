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

from .fitting import FitResult, failed, least_squares, rank

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


def fit_law(t_days, x, law: str = "linear", *, sigma=None, x_inf: float | None = 3.0,
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
    names = ["x0"] + [k for k, _ in _KINETIC[law]]
    units = {"x0": "H/La", "x_inf": "H/La"} | dict(_KINETIC[law])
    if law != "linear" and x_inf is None:
        names.append("x_inf")
    if t.size <= len(names):
        return failed(law, f"{t.size} points for {len(names)} free parameters")
    span = max(float(t.max() - t.min()), 1e-9)
    slope0 = max(float(-np.polyfit(t, y, 1)[0]), 1e-3) if t.size > 1 else 0.1
    p0 = {"x0": float(y[np.argmin(t)]), "rate_per_day": slope0, "tau_days": span,
          "n": 1.5, "x_inf": 3.0 if x_inf is None else x_inf}
    bounds = {"x0": (0, 100), "rate_per_day": (-10, 10), "tau_days": (1e-3, 1e4),
              "n": (0.2, 6), "x_inf": (0, 100)}
    fixed = {} if law == "linear" or x_inf is None else {"x_inf": float(x_inf)}
    w = 1 / s if s is not None else np.ones_like(y)

    def full(p):
        return dict(zip(names, p, strict=True)) | fixed

    def residual(p):
        return (y - model(law, t, full(p))) * w

    starts = [p0] + ([p0 | {"tau_days": span / 3}, p0 | {"tau_days": 3 * span}]
                     if law != "linear" else [])
    best = None
    for st in starts:  # further starts only when the first does not fit well
        ls = least_squares(residual, [st[k] for k in names], [bounds[k][0] for k in names],
                           [bounds[k][1] for k in names], scale_covar=s is None)
        if best is None or (np.isfinite(ls.chi2) and ls.chi2 < best.chi2):
            best = ls
        if best.success and np.isfinite(best.reduced_chi2) and (
                s is None or best.reduced_chi2 < 3):
            break
    ls = best
    err = np.asarray(ls.stderr, float)
    if s is not None and np.isfinite(ls.reduced_chi2) and ls.reduced_chi2 > 1:
        err = err * np.sqrt(ls.reduced_chi2)
    values = full(ls.p)
    stderr = dict(zip(names, map(float, err), strict=True)) | {k: 0.0 for k in fixed}
    cov = ls.correlation * np.outer(err, err)
    # average rate over the observed span, by numerical propagation
    t_a, t_b = float(t.min()), float(t.max())

    def avg(p):
        v = full(p)
        return float((model(law, t_a, v) - model(law, t_b, v)) / max(t_b - t_a, 1e-9))

    rate = avg(ls.p)
    grad = np.array([(avg(ls.p + dp) - rate) / dp[i] for i, dp in
                     enumerate(np.diag(np.maximum(np.abs(ls.p) * 1e-6, 1e-9)))])
    rate_err = float(np.sqrt(max(grad @ cov @ grad, 0.0))) if np.all(np.isfinite(cov)) \
        else float("nan")
    values["average_rate_per_day"] = rate
    stderr["average_rate_per_day"] = rate_err
    units["average_rate_per_day"] = "H/La per day"
    notes = [f"law: {LAW_FORMULAS[law]}", f"average rate over days {t_a:g}–{t_b:g}"]
    if fixed:
        notes.append(f"x∞ fixed at {fixed['x_inf']:g}")
    if note:
        notes.append(note)
    return FitResult(model_name=law, values=values, stderr=stderr, units=units,
                     names=tuple(names), correlation=ls.correlation, success=ls.success,
                     message=ls.message, chi2=ls.chi2, reduced_chi2=ls.reduced_chi2,
                     ndata=ls.ndata, nvarys=len(names), nfev=ls.nfev, x=t, data=y,
                     model=model(law, t, values), weights_mask=np.ones(t.size, bool),
                     at_bound=tuple(names[i] for i in ls.at_bound), notes=tuple(notes),
                     sigma_source="known" if s is not None else "residuals")


def compare_laws(t_days, x, *, sigma=None, x_inf: float | None = 3.0,
                 laws: Sequence[str] = LAWS, t0_days: float = 0.0) -> list[FitResult]:
    """Every law on one cell, best first by AICc (AIC when n/k ≥ 40; failed fits last)."""
    fits = [fit_law(t_days, x, law, sigma=sigma, x_inf=x_inf, t0_days=t0_days) for law in laws]
    return rank(fits)[0]


def fit_global(series: Mapping[str, tuple], law: str = "linear", *,
               x_inf: float | None = 3.0, t0_days: float = 0.0) -> FitResult:
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
    kin = [k for k, _ in _KINETIC[law]]
    names = [f"x0_{c}" for c, *_ in data] + kin
    if law != "linear" and x_inf is None:
        names.append("x_inf")
    fixed = {} if law == "linear" or x_inf is None else {"x_inf": float(x_inf)}
    span = max(float(max(d[1].max() for d in data)), 1.0)
    start = {f"x0_{c}": float(y[np.argmin(t)]) for c, t, y, _ in data} | {
        "rate_per_day": 0.1, "tau_days": span, "n": 1.5, "x_inf": 3.0}
    lo = {"rate_per_day": -10, "tau_days": 1e-3, "n": 0.2, "x_inf": 0}
    hi = {"rate_per_day": 10, "tau_days": 1e4, "n": 6, "x_inf": 100}

    def residual(p):
        v = dict(zip(names, p, strict=True)) | fixed
        out = []
        for c, t, y, s in data:
            pv = v | {"x0": v[f"x0_{c}"]}
            r = y - model(law, t, pv)
            out.append(r / s if s is not None else r)
        return np.concatenate(out)

    weighted = all(d[3] is not None for d in data)
    ls = least_squares(residual, [start[k] for k in names],
                       [lo.get(k, 0) for k in names], [hi.get(k, 100) for k in names],
                       scale_covar=not weighted)
    err = np.asarray(ls.stderr, float)
    if weighted and np.isfinite(ls.reduced_chi2) and ls.reduced_chi2 > 1:
        err = err * np.sqrt(ls.reduced_chi2)
    values = dict(zip(names, map(float, ls.p), strict=True)) | fixed
    stderr = dict(zip(names, map(float, err), strict=True)) | {k: 0.0 for k in fixed}
    units = {k: "H/La" for k in names if k.startswith("x0_")} | dict(_KINETIC[law]) | {
        "x_inf": "H/La"}
    return FitResult(model_name=f"{law} (global, {len(data)} cells)", values=values,
                     stderr=stderr, units=units, names=tuple(names),
                     correlation=ls.correlation, success=ls.success, message=ls.message,
                     chi2=ls.chi2, reduced_chi2=ls.reduced_chi2, ndata=ls.ndata,
                     nvarys=len(names), nfev=ls.nfev,
                     notes=(f"law: {LAW_FORMULAS[law]}", "kinetic parameters shared by "
                            "every cell; one x₀ per cell"),
                     sigma_source="known" if weighted else "residuals")


def fit_tc_plateau(t_days, tc_k, *, sigma=None) -> FitResult:
    """Tc(t) = Tc_∞ + (Tc₀ − Tc_∞)·exp(−t/τ): a sharp drop settling to a plateau."""
    prep, note = _prepare(t_days, tc_k, sigma)
    if prep is None:
        return failed("tc-plateau", note)
    t, y, s = prep
    if t.size <= 3:
        return failed("tc-plateau", f"{t.size} points for 3 free parameters")
    names = ["Tc0_K", "Tc_inf_K", "tau_days"]
    w = 1 / s if s is not None else np.ones_like(y)

    def f(p, tt):
        return p[1] + (p[0] - p[1]) * np.exp(-tt / p[2])

    ls = least_squares(lambda p: (y - f(p, t)) * w,
                       [float(y[np.argmin(t)]), float(y[np.argmax(t)]),
                        max(float(np.ptp(t)) / 5, 0.5)],
                       [0, 0, 1e-3], [1e4, 1e4, 1e4], scale_covar=s is None)
    err = np.asarray(ls.stderr, float)
    if s is not None and np.isfinite(ls.reduced_chi2) and ls.reduced_chi2 > 1:
        err = err * np.sqrt(ls.reduced_chi2)
    values = dict(zip(names, map(float, ls.p), strict=True))
    return FitResult(model_name="tc-plateau", values=values,
                     stderr=dict(zip(names, map(float, err), strict=True)),
                     units={"Tc0_K": "K", "Tc_inf_K": "K", "tau_days": "d"}, names=tuple(names),
                     correlation=ls.correlation, success=ls.success, message=ls.message,
                     chi2=ls.chi2, reduced_chi2=ls.reduced_chi2, ndata=ls.ndata, nvarys=3,
                     nfev=ls.nfev, x=t, data=y, model=f(ls.p, t),
                     notes=("Tc(t) = Tc∞ + (Tc₀ − Tc∞)·exp(−t/τ)",) + ((note,) if note else ()),
                     sigma_source="known" if s is not None else "residuals")


def tc_plateau_curve(result: FitResult, t_days) -> np.ndarray:
    """The fitted Tc(t) at ``t_days``."""
    v = result.values
    return v["Tc_inf_K"] + (v["Tc0_K"] - v["Tc_inf_K"]) * np.exp(-np.asarray(t_days) / v[
        "tau_days"])
