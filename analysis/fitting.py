"""One result type for every fit, and the weighted least-squares engine behind it.

:class:`FitResult` holds values, standard errors, units, the correlation matrix of the free
parameters, χ² statistics (reduced χ², AIC, AICc, BIC), a goodness-of-fit verdict
(:class:`FitVerdict`), a success flag with a message, and the data, model, residual and
model components on the fit's x axis. A fit that does not converge — or cannot start, for
bad input — returns a result with ``success=False`` and a message that says why; it never
raises for a numerical reason. ``success`` means "converged"; whether the model describes
the data is the verdict's business: a converged fit with χ²_ν far outside its expected
spread is flagged ``poor-fit``, never silently called a success.

Where the noise σ comes from decides what χ² means (``FitResult.sigma_source``):

* ``"known"``: σ given with the data. χ² ~ χ²(ν) for a correct model; AIC = χ² + 2k,
  BIC = χ² + k·ln n.
* ``"estimated"``: σ estimated from the data before and independently of the fit (e.g. the
  point-to-point noise, :func:`robust_noise_sigma`, with ``sigma_dof`` effective degrees of
  freedom); χ²_ν ~ F(ν, sigma_dof), and σ counts as known for AIC/BIC.
* ``"residuals"``: no independent σ (unit weights, errors scaled by the residual scatter).
  χ²_ν carries no goodness-of-fit information (verdict ``uninformative``) and only
  AIC = n·ln(RSS/n) + 2k, BIC = n·ln(RSS/n) + k·ln n apply.

AICc = AIC + 2k(k + 1)/(n − k − 1) corrects AIC for few points; :func:`rank` orders fits of
the same data by AICc when n/k < 40 for any of them, else by AIC.

:func:`least_squares` is the one least-squares engine of the fits (scipy's TRF); the fitters
name their parameters and run it through :mod:`analysis.parameters`.

Standard errors come from the Jacobian at the optimum, cov = (JᵀJ)⁻¹ on noise-weighted
residuals, scaled by the reduced χ² (as lmfit's ``scale_covar``) so that a misjudged noise
level does not make the errors dishonest. Parameters that sit on a bound are flagged.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from scipy import optimize, stats

from .results import Result, correlation_from_covariance, format_value_error, json_number

#: central probability of the χ²_ν range outside which a fit is flagged (the 3σ level)
VERDICT_LEVEL = 0.997
#: rank by AICc rather than AIC when n/k is below this for any of the fits compared
AICC_RATIO = 40.0
#: effective degrees of freedom of σ̂² per point for :func:`robust_noise_sigma` of order 1
#: and 2 on white Gaussian noise (var(σ̂²/σ²) = 2/(c·n), measured by simulation for
#: n = 64…2048)
ROBUST_SIGMA_DOF_PER_POINT = {1: 0.30, 2: 0.25}
SIGMA_SOURCES = ("known", "estimated", "residuals")
VERDICT_LABELS = {"ok": "ok", "poor-fit": "poor fit", "chi2-too-small": "χ² too small",
                  "uninformative": "χ² uninformative", "not-assessed": "not assessed"}


def _frozen(a) -> np.ndarray:
    out = np.array(a, dtype=float, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class FitVerdict:
    """Goodness of fit: the reduced χ² against its expected spread (immutable).

    ``status`` is one of ``"ok"``, ``"poor-fit"`` (χ²_ν above the central ``level`` range:
    the model does not describe the data, or σ is underestimated), ``"chi2-too-small"``
    (below it: σ overestimated, or the model overfits), ``"uninformative"`` (σ taken from the
    residuals themselves, so χ²_ν says nothing) or ``"not-assessed"`` (no χ², no degrees of
    freedom, or the fit failed). ``p_value`` is the upper-tail probability P(χ²_ν ≥ observed)
    for a correct model, ``interval`` the central ``level`` range of χ²_ν (dimensionless).
    """

    status: str
    reduced_chi2: float
    dof: int
    p_value: float
    interval: tuple[float, float]
    sigma_source: str
    message: str
    level: float = VERDICT_LEVEL

    @property
    def ok(self) -> bool:
        """True only for a fit whose χ²_ν lies in its expected range."""
        return self.status == "ok"

    @property
    def flagged(self) -> bool:
        """True for a fit the verdict rejects (χ²_ν too large or too small)."""
        return self.status in ("poor-fit", "chi2-too-small")

    @property
    def label(self) -> str:
        """Short words for a table cell or a flag ("ok", "poor fit", …)."""
        return VERDICT_LABELS.get(self.status, self.status)

    @property
    def short(self) -> str:
        """A compact flag for a table cell or a figure: "ok (χ²_ν = 1.02)", "⚠ poor fit
        (χ²_ν = 50.5, expected 0.83–1.2)", "χ² uninformative (σ from the residuals)"."""
        if self.status == "uninformative":
            return f"{self.label} (σ from the residuals)"
        if self.status == "not-assessed":
            return self.label
        red = f"χ²_ν = {self.reduced_chi2:.3g}"
        if self.flagged:
            lo, hi = self.interval
            return f"⚠ {self.label} ({red}, expected {lo:.2g}–{hi:.2g})"
        return f"{self.label} ({red})"

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"

    def to_dict(self) -> dict:
        return {"status": self.status, "ok": self.ok, "label": self.label,
                "reduced_chi2": json_number(self.reduced_chi2), "dof": int(self.dof),
                "p_value": json_number(self.p_value),
                "interval": [json_number(self.interval[0]), json_number(self.interval[1])],
                "level": self.level, "sigma_source": self.sigma_source,
                "message": self.message, "short": self.short}


def fit_verdict(reduced_chi2: float, dof: int, sigma_source: str = "known", *,
                sigma_dof: float = np.inf, level: float = VERDICT_LEVEL) -> FitVerdict:
    """Judge a reduced χ² against its distribution for ``dof`` degrees of freedom.

    Parameters
    ----------
    reduced_chi2 : float
        χ²/ν of the noise-weighted residuals (dimensionless).
    dof : int
        ν = points − free parameters.
    sigma_source : {"known", "estimated", "residuals"}
        Where σ came from (see the module docstring). With ``"residuals"`` the verdict is
        ``uninformative``.
    sigma_dof : float
        Effective degrees of freedom of σ̂² when ``"estimated"``: χ²_ν then follows
        F(ν, sigma_dof) instead of χ²(ν)/ν (∞: σ exact).
    level : float
        Central probability of the accepted range (0.997: the 3σ level).

    Returns
    -------
    FitVerdict
    """
    red = float(reduced_chi2)
    nu = int(dof)
    nan = float("nan")
    if sigma_source not in SIGMA_SOURCES:
        raise ValueError(f"sigma_source {sigma_source!r}: one of {', '.join(SIGMA_SOURCES)}")
    if nu <= 0 or not np.isfinite(red) or red < 0:
        return FitVerdict("not-assessed", red, nu, nan, (nan, nan), sigma_source,
                          "no χ² or no degrees of freedom left to judge the fit")
    if sigma_source == "residuals":
        return FitVerdict("uninformative", red, nu, nan, (nan, nan), sigma_source,
                          f"σ was estimated from the fit residuals themselves (unit "
                          f"weights), so χ²_ν = {red:.3g} carries no goodness-of-fit "
                          "information; the errors are scaled by the residual scatter")
    tail = (1 - level) / 2
    m = float(sigma_dof) if sigma_source == "estimated" else np.inf
    if np.isfinite(m) and m > 0:
        dist = stats.f(nu, m)
        how = f"F({nu}, {m:.0f}): σ estimated from the data with ~{m:.0f} degrees of freedom"
    else:
        dist = stats.chi2(nu, scale=1.0 / nu)
        how = f"χ²({nu})/{nu}: σ " + ("known" if sigma_source == "known" else "taken as exact")
    lo, hi = float(dist.ppf(tail)), float(dist.ppf(1 - tail))
    p = float(dist.sf(red))
    rng = f"expected {lo:.3g}–{hi:.3g} ({100 * level:.1f} % range of {how})"
    p_txt = f"p = {p:.2g}" if p > 1e-300 else "p < 1e-300"
    if red > hi:
        status = "poor-fit"
        msg = (f"χ²_ν = {red:.3g} above the {rng}, {p_txt}: the model does not describe "
               "the data (or σ is underestimated); values may be biased")
    elif red < lo:
        status = "chi2-too-small"
        msg = (f"χ²_ν = {red:.3g} below the {rng}: σ overestimated, or the model overfits "
               "the noise")
    else:
        status = "ok"
        msg = f"χ²_ν = {red:.3g} within the {rng}, {p_txt}"
    return FitVerdict(status, red, nu, p, (lo, hi), sigma_source, msg, level)


def robust_noise_dof(npoints: int, order: int = 1) -> float:
    """Effective degrees of freedom of σ̂² from :func:`robust_noise_sigma` on ``npoints``."""
    return ROBUST_SIGMA_DOF_PER_POINT[order] * max(int(npoints) - order, 1)


@dataclass(frozen=True)
class FitResult(Result):
    """The outcome of a fit (immutable), with the common face of every analysis result
    (:class:`analysis.results.Result`).

    ``values``/``stderr``/``units`` are keyed like the JSON of the ``hpnmr`` command (derived
    quantities included); ``names`` are the free parameters in the order of ``correlation``.
    ``sigma_source`` says where the noise σ came from (module docstring); left empty it is
    ``"known"`` when ``noise_sigma`` is given, else ``"residuals"``. ``sigma_dof`` is the
    effective degrees of freedom of an ``"estimated"`` σ.
    """

    model_name: str
    values: Mapping[str, float]
    stderr: Mapping[str, float]
    units: Mapping[str, str]
    names: tuple[str, ...]
    correlation: np.ndarray
    success: bool
    message: str
    chi2: float = float("nan")
    reduced_chi2: float = float("nan")
    ndata: int = 0
    nvarys: int = 0
    nfev: int = 0
    x: np.ndarray = field(default_factory=lambda: _frozen([]))
    data: np.ndarray = field(default_factory=lambda: _frozen([]))
    model: np.ndarray = field(default_factory=lambda: _frozen([]))
    weights_mask: np.ndarray = field(default_factory=lambda: _frozen([]))
    components: Mapping[str, np.ndarray] = field(default_factory=dict)
    intervals: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    at_bound: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    noise_sigma: float = float("nan")
    sigma_source: str = ""
    sigma_dof: float = float("inf")

    def __post_init__(self):
        for k in ("values", "stderr", "units", "intervals"):
            object.__setattr__(self, k, MappingProxyType(dict(getattr(self, k))))
        comps = {k: _frozen(v) for k, v in dict(self.components).items()}
        object.__setattr__(self, "components", MappingProxyType(comps))
        for k in ("x", "data", "model", "correlation"):
            object.__setattr__(self, k, _frozen(getattr(self, k)))
        object.__setattr__(self, "weights_mask",
                           np.array(self.weights_mask, dtype=bool, copy=True))
        self.weights_mask.setflags(write=False)
        src = self.sigma_source or ("known" if np.isfinite(self.noise_sigma) else "residuals")
        if src not in SIGMA_SOURCES:
            raise ValueError(f"sigma_source {src!r}: one of {', '.join(SIGMA_SOURCES)}")
        object.__setattr__(self, "sigma_source", src)

    # -- derived ----------------------------------------------------------------------------
    @property
    def residual(self) -> np.ndarray:
        """data − model (same units as the data)."""
        return self.data - self.model

    @property
    def dof(self) -> int:
        """Degrees of freedom ν = points − free parameters."""
        return int(self.ndata - self.nvarys)

    @property
    def verdict(self) -> FitVerdict:
        """Goodness of fit (:func:`fit_verdict`); ``not-assessed`` for a failed fit."""
        if not self.success:
            nan = float("nan")
            return FitVerdict("not-assessed", self.reduced_chi2, self.dof, nan, (nan, nan),
                              self.sigma_source, "the fit did not succeed")
        return fit_verdict(self.reduced_chi2, self.dof, self.sigma_source,
                           sigma_dof=self.sigma_dof)

    @property
    def ic_form(self) -> str:
        """Which form AIC/BIC take: ``"chi2"`` (σ known: AIC = χ² + 2k, BIC = χ² + k·ln n)
        or ``"rss"`` (σ from the residuals: AIC = n·ln(RSS/n) + 2k, BIC = n·ln(RSS/n) +
        k·ln n, with RSS the χ² on unit weights)."""
        return "rss" if self.sigma_source == "residuals" else "chi2"

    def _misfit(self) -> float:
        if self.ndata <= 0 or not np.isfinite(self.chi2) or self.chi2 < 0:
            return float("nan")
        if self.ic_form == "chi2":
            return float(self.chi2)
        return float(self.ndata * np.log(self.chi2 / self.ndata)) if self.chi2 > 0 \
            else float("nan")

    @property
    def aic(self) -> float:
        """Akaike information criterion: χ² + 2k with σ known, n·ln(RSS/n) + 2k with σ from
        the residuals (see :attr:`ic_form`)."""
        return self._misfit() + 2 * self.nvarys

    @property
    def aicc(self) -> float:
        """AIC corrected for few points, AIC + 2k(k + 1)/(n − k − 1) (NaN if n ≤ k + 1)."""
        n, k = self.ndata, self.nvarys
        if n - k - 1 <= 0:
            return float("nan")
        return self.aic + 2 * k * (k + 1) / (n - k - 1)

    @property
    def bic(self) -> float:
        """Bayesian information criterion: χ² + k·ln n (σ known) or n·ln(RSS/n) + k·ln n."""
        if self.ndata <= 0:
            return float("nan")
        return self._misfit() + np.log(self.ndata) * self.nvarys

    def criterion(self, name: str) -> float:
        """The information criterion ``name`` ("AIC", "AICc" or "BIC")."""
        return {"AIC": self.aic, "AICc": self.aicc, "BIC": self.bic}[name]

    def correlations(self, threshold: float = 0.0) -> list[tuple[str, str, float]]:
        """Pairs of free parameters with |correlation| ≥ ``threshold``, strongest first."""
        out = []
        for i, a in enumerate(self.names):
            for j in range(i + 1, len(self.names)):
                c = float(self.correlation[i, j])
                if np.isfinite(c) and abs(c) >= threshold:
                    out.append((a, self.names[j], c))
        return sorted(out, key=lambda t: -abs(t[2]))

    @property
    def title(self) -> str:
        return self.model_name

    def to_dict(self) -> dict:
        """A JSON-ready dict: the common face (every quantity as ``{"value", "stderr",
        "unit"}``, with ``interval_68`` where bootstrapped; success, message, notes) and the
        fit's statistics, verdict and correlations."""
        face = self.face_dict()
        out: dict = {k: face[k] for k in self.values}
        for k, (lo, hi) in self.intervals.items():
            if k in out:
                out[k]["interval_68"] = [json_number(lo), json_number(hi)]
        out.update(model=self.model_name, success=face["success"], message=face["message"],
                   reduced_chi2=json_number(self.reduced_chi2), aic=json_number(self.aic),
                   aicc=json_number(self.aicc), bic=json_number(self.bic),
                   ic_form=self.ic_form, sigma_source=self.sigma_source,
                   verdict=self.verdict.to_dict(), ndata=int(self.ndata),
                   nvarys=int(self.nvarys),
                   correlation={"names": list(self.names),
                                "matrix": [[json_number(c) for c in row]
                                           for row in self.correlation]},
                   at_bound=list(self.at_bound), notes=face["notes"])
        return out

    def report(self) -> str:
        """A plain-text report: status, values ± errors, statistics, correlations, caveats."""
        form = (f"χ² + penalty, σ {self.sigma_source}" if self.ic_form == "chi2"
                else "n·ln(RSS/n) + penalty, σ from the residuals")
        lines = [f"[[{self.model_name}]]",
                 f"    status        {'converged' if self.success else 'FAILED'}: "
                 f"{self.message}",
                 f"    data points   {self.ndata}   free parameters {self.nvarys}   "
                 f"evaluations {self.nfev}",
                 f"    goodness      {self.verdict}",
                 f"    reduced χ²    {self.reduced_chi2:.4g}   AIC {self.aic:.2f}   "
                 f"AICc {self.aicc:.2f}   BIC {self.bic:.2f}   ({form})"]
        if np.isfinite(self.noise_sigma):
            lines.append(f"    noise σ       {self.noise_sigma:.4g} (data units)")
        lines.append("[[Values]]")
        w = max((len(k) for k in self.values), default=0)
        for k, v in self.values.items():
            s = self.stderr.get(k, float("nan"))
            txt = format_value_error(v, s) if np.isfinite(s) and s > 0 else f"{v:.6g}"
            flag = "  (at bound)" if k in self.at_bound else ""
            extra = ""
            if k in self.intervals:
                lo, hi = self.intervals[k]
                extra = f"   bootstrap 68 %: [{lo:.5g}, {hi:.5g}]"
            lines.append(f"    {k:<{w}}  {txt} {self.units.get(k, '')}{flag}{extra}")
        strong = self.correlations(0.1)
        if strong:
            lines.append("[[Correlations]] (|C| ≥ 0.1)")
            lines += [f"    C({a}, {b}) = {c:+.3f}" for a, b, c in strong]
        if self.notes:
            lines.append("[[Caveats]]")
            lines += [f"    - {n}" for n in self.notes]
        return "\n".join(lines)


def ranking_criterion(results: Sequence[FitResult]) -> str:
    """"AICc" when n/k < :data:`AICC_RATIO` for any converged fit, else "AIC"."""
    ok = [r for r in results if r.success and r.nvarys > 0]
    return "AICc" if any(r.ndata / r.nvarys < AICC_RATIO for r in ok) else "AIC"


def rank(results: Sequence[FitResult]) -> tuple[list[FitResult], str]:
    """Fits of the same data, best first by :func:`ranking_criterion` (failed fits and fits
    without a finite criterion last); returns (sorted fits, criterion name)."""
    name = ranking_criterion(results)

    def key(r):
        v = r.criterion(name)
        return (not r.success, not np.isfinite(v), v if np.isfinite(v) else 0.0)

    return sorted(results, key=key), name


def failed(model_name: str, message: str, **kw) -> FitResult:
    """A result for a fit that could not be done (bad input), carrying the reason."""
    return FitResult(model_name=model_name, values=kw.pop("values", {}),
                     stderr=kw.pop("stderr", {}), units=kw.pop("units", {}), names=(),
                     correlation=np.zeros((0, 0)), success=False, message=message, **kw)


@dataclass(frozen=True)
class LeastSquares:
    """The raw outcome of :func:`least_squares`."""

    p: np.ndarray
    stderr: np.ndarray
    correlation: np.ndarray
    chi2: float
    reduced_chi2: float
    ndata: int
    nfev: int
    success: bool
    message: str
    at_bound: tuple[int, ...]


def least_squares(residual: Callable[[np.ndarray], np.ndarray], p0: Sequence[float],
                  lower: Sequence[float], upper: Sequence[float], *,
                  scale_covar: bool = True, max_nfev: int | None = None,
                  x_scale: Sequence[float] | str = "jac",
                  jac: Callable[[np.ndarray], np.ndarray] | None = None,
                  tr_solver: str = "exact") -> LeastSquares:
    """Bounded least squares (scipy TRF) on noise-weighted residuals, with standard errors.

    ``residual(p)`` must return (data − model)/σ for the points that count; ``jac(p)``, if
    given, its derivative (points × parameters), else finite differences. The covariance is
    (JᵀJ)⁻¹ by SVD (singular directions get infinite errors), times the reduced χ² when
    ``scale_covar``.
    """
    p0 = np.asarray(p0, float)
    lo, hi = np.asarray(lower, float), np.asarray(upper, float)
    with np.errstate(invalid="ignore"):   # ∞ ± ∞ on an unbounded side: not used
        inner_lo = np.where(np.isfinite(lo), lo + 1e-12 * (np.abs(lo) + 1), lo)
        inner_hi = np.where(np.isfinite(hi), hi - 1e-12 * (np.abs(hi) + 1), hi)
    p0 = np.clip(p0, inner_lo, inner_hi)
    k = p0.size
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            r = optimize.least_squares(residual, p0, jac=jac or "2-point", bounds=(lo, hi),
                                       method="trf", x_scale=x_scale, tr_solver=tr_solver,
                                       max_nfev=max_nfev or 200 * (k + 1))
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            nan = np.full(k, np.nan)
            return LeastSquares(p0, nan, np.full((k, k), np.nan), np.nan, np.nan, 0, 0, False,
                                f"the optimiser stopped: {exc}", ())
    n = r.fun.size
    chi2 = float(np.sum(r.fun**2))
    dof = n - k
    red = chi2 / dof if dof > 0 else float("nan")
    ok = bool(r.success) and np.all(np.isfinite(r.x)) and np.isfinite(chi2)
    msg = f"converged ({r.message.rstrip('.')})" if ok else f"did not converge: {r.message}"
    # covariance by SVD of the column-scaled Jacobian (as scipy.optimize.curve_fit, but
    # scaled first so parameters of very different magnitude are not called singular)
    jac = np.asarray(r.jac, dtype=float)
    norms = np.linalg.norm(jac, axis=0)
    norms[norms == 0] = 1.0
    _, s, vt = np.linalg.svd(jac / norms, full_matrices=False)
    tol = np.finfo(float).eps * max(jac.shape) * (s[0] if s.size else 0.0)
    s_inv2 = np.where(s > tol, 1.0 / np.where(s > tol, s, 1.0) ** 2, np.inf)
    cov = None
    if np.all(np.isfinite(s_inv2)) and np.all(norms > 0):
        cov = ((vt.T * s_inv2) @ vt) / np.outer(norms, norms)
    if cov is None:
        err = np.full(k, np.inf)
        corr = np.full((k, k), np.nan)
        if ok:
            msg = "converged, but some parameters are not determined by the data " \
                  "(singular Jacobian): their errors are infinite"
    else:
        if scale_covar and dof > 0:
            cov = cov * red
        err, corr = correlation_from_covariance(cov)
    if dof <= 0:
        ok = False
        msg = f"{n} data points for {k} free parameters: nothing left to estimate errors"
    bound = tuple(int(i) for i in np.flatnonzero(r.active_mask))
    return LeastSquares(r.x, err, corr, chi2, red, n, int(r.nfev), ok, msg, bound)


def robust_noise_sigma(y, order: int = 1) -> float:
    """Noise σ from the median absolute ``order``-th difference (robust to smooth signal):
    σ ≈ 1.4826·median|Δᵏy − median Δᵏy|/√C(2k, k) (√2 for k = 1, √6 for k = 2).

    Second differences follow a curved signal better: on a Pake pattern with horns a few
    tens of points wide the first differences overestimate σ by ~4 % (up to ~10 %), the
    second by < 1 %.
    """
    y = np.asarray(y, float)
    y = y[np.isfinite(y)]
    if order not in (1, 2):
        raise ValueError("order must be 1 or 2")
    if y.size < 4:
        return float("nan")
    d = np.diff(y, order)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2 if order == 1
                                                                         else 6))
