"""One result type for every fit, and the weighted least-squares engine behind it.

:class:`FitResult` holds values, standard errors, units, the correlation matrix of the free
parameters, χ² statistics (reduced χ², AIC, BIC), a success flag with a message, and the
data, model, residual and model components on the fit's x axis. A fit that does not
converge — or cannot start, for bad input — returns a result with ``success=False`` and a
message that says why; it never raises for a numerical reason.

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
from scipy import optimize

from .measure import Measurement, format_value_error


def _frozen(a) -> np.ndarray:
    out = np.array(a, dtype=float, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class FitResult:
    """The outcome of a fit (immutable).

    ``values``/``stderr``/``units`` are keyed like the JSON of the ``hpnmr`` command (derived
    quantities included); ``names`` are the free parameters in the order of ``correlation``.
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

    # -- derived ----------------------------------------------------------------------------
    @property
    def residual(self) -> np.ndarray:
        """data − model (same units as the data)."""
        return self.data - self.model

    @property
    def aic(self) -> float:
        """Akaike information criterion, n·ln(χ²/n) + 2k (χ² noise-weighted)."""
        if self.ndata <= 0 or not np.isfinite(self.chi2) or self.chi2 <= 0:
            return float("nan")
        return self.ndata * np.log(self.chi2 / self.ndata) + 2 * self.nvarys

    @property
    def bic(self) -> float:
        """Bayesian information criterion, n·ln(χ²/n) + k·ln n."""
        if self.ndata <= 0 or not np.isfinite(self.chi2) or self.chi2 <= 0:
            return float("nan")
        return self.ndata * np.log(self.chi2 / self.ndata) + np.log(self.ndata) * self.nvarys

    def measurement(self, key: str) -> Measurement:
        """``values[key] ± stderr[key]`` with its unit."""
        return Measurement(self.values[key], self.stderr.get(key, float("nan")),
                           self.units.get(key, ""))

    def correlations(self, threshold: float = 0.0) -> list[tuple[str, str, float]]:
        """Pairs of free parameters with |correlation| ≥ ``threshold``, strongest first."""
        out = []
        for i, a in enumerate(self.names):
            for j in range(i + 1, len(self.names)):
                c = float(self.correlation[i, j])
                if np.isfinite(c) and abs(c) >= threshold:
                    out.append((a, self.names[j], c))
        return sorted(out, key=lambda t: -abs(t[2]))

    def to_dict(self) -> dict:
        """A JSON-ready dict: every quantity as ``{"value", "stderr", "unit"}``."""
        out: dict = {}
        for k, v in self.values.items():
            out[k] = {"value": _num(v), "stderr": _num(self.stderr.get(k, float("nan"))),
                      "unit": self.units.get(k, "")}
            if k in self.intervals:
                lo, hi = self.intervals[k]
                out[k]["interval_68"] = [_num(lo), _num(hi)]
        out.update(model=self.model_name, success=bool(self.success), message=self.message,
                   reduced_chi2=_num(self.reduced_chi2), aic=_num(self.aic), bic=_num(self.bic),
                   ndata=int(self.ndata), nvarys=int(self.nvarys),
                   correlation={"names": list(self.names),
                                "matrix": [[_num(c) for c in row] for row in self.correlation]},
                   at_bound=list(self.at_bound), notes=list(self.notes))
        return out

    def report(self) -> str:
        """A plain-text report: status, values ± errors, statistics, correlations, caveats."""
        lines = [f"[[{self.model_name}]]",
                 f"    status        {'converged' if self.success else 'FAILED'}: "
                 f"{self.message}",
                 f"    data points   {self.ndata}   free parameters {self.nvarys}   "
                 f"evaluations {self.nfev}",
                 f"    reduced χ²    {self.reduced_chi2:.4g}   AIC {self.aic:.2f}   "
                 f"BIC {self.bic:.2f}"]
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


def _num(v) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


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
    p0 = np.clip(p0, lo + 1e-12 * (np.abs(lo) + 1), hi - 1e-12 * (np.abs(hi) + 1))
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
        err = np.sqrt(np.clip(np.diag(cov), 0, None))
        with np.errstate(all="ignore"):
            corr = cov / np.outer(err, err)
        np.fill_diagonal(corr, 1.0)
    if dof <= 0:
        ok = False
        msg = f"{n} data points for {k} free parameters: nothing left to estimate errors"
    bound = tuple(int(i) for i in np.flatnonzero(r.active_mask))
    return LeastSquares(r.x, err, corr, chi2, red, n, int(r.nfev), ok, msg, bound)


def robust_noise_sigma(y) -> float:
    """Noise σ from the median absolute first difference (robust to smooth signal):
    σ ≈ 1.4826·median|Δy − median Δy|/√2."""
    y = np.asarray(y, float)
    y = y[np.isfinite(y)]
    if y.size < 4:
        return float("nan")
    d = np.diff(y)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2))
