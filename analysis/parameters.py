"""Named fit parameters — fixed, free, bounded — and the one way every fitter runs a fit.

A model is written in terms of a dict of *named* values (``v["T1_s"]``, never ``p[1]``).
:class:`Parameters` keeps the bookkeeping a fitter used to write by hand: which parameters
are free, which are held at a value (:meth:`Parameters.fix`), their bounds and units, and
the round trip between the named values and the optimiser's vector (:meth:`Parameters.pack`,
:meth:`Parameters.unpack`). :func:`fit` runs :func:`analysis.fitting.least_squares` on a
residual (and, optionally, a Jacobian) written by names and returns a
:class:`ParameterFit`: values, standard errors and correlations by name, fixed parameters
with error 0, ready to become a :class:`~analysis.fitting.FitResult`.

Used by the Pake fit (:mod:`analysis.pake`), the relaxation fits (:mod:`analysis.relaxation`)
and the kinetic laws (:mod:`analysis.kinetics`).

Why our own small layer and not lmfit
-------------------------------------
lmfit's ``Parameters``/``minimize(method="least_squares")`` is what the field knows, and it
was measured against this layer before the choice (issue 15; the benchmark's data: 4 096
points, SNR 100, 5 seeds, both routes with the Pake model's analytic Jacobian, the same
start, bounds, ``x_scale="jac"`` and ``tr_solver="exact"``; CPU time, median of 5):

* **Values**: identical — both end in the same scipy TRF call; the standard errors agree to
  1e-15 relative on these well-conditioned fits.
* **Speed**: lmfit is no faster (at best level within the noise). Pake without a central
  line 12–20 ms here, 1–10 % more with lmfit; with the central line (the default)
  54–122 ms here, −1 % to +15 % with lmfit (it deep-copies the parameters with their
  expression interpreter and evaluates the model once more after the fit). On a 16-point
  T₁ fit lmfit takes 3.2 ms against 1.9 ms (+60 %), and the relaxation and kinetics
  analyses run many such small fits (every amplitude method, every law, restarts).
* **Errors**: lmfit inverts JᵀJ; with a singular direction every ``stderr`` is ``None``
  and nothing says why. Our engine takes the covariance by SVD of the column-scaled
  Jacobian, makes the errors infinite and says in the message that some parameters are not
  determined; and it has the σ-known policy the relaxation and kinetics fits need (errors
  absolute, inflated by √χ²_ν only when that exceeds 1), which lmfit does not.
* lmfit's extras (constraint expressions, many minimisers, ``Model`` composition) are not
  used here.

So the fits keep one engine (:func:`analysis.fitting.least_squares`, scipy's TRF) and this
layer over it; lmfit stays only as the independent referee of the Pake benchmark
(``tests/benchmarks/test_pake_bench.py``, the ``bench`` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from .fitting import FitResult, LeastSquares, least_squares

#: relative step of the finite differences in :meth:`ParameterFit.error_of` (with
#: :data:`GRADIENT_MIN_STEP` as the smallest step)
GRADIENT_STEP = 1e-6
GRADIENT_MIN_STEP = 1e-9


@dataclass(frozen=True, slots=True)
class Parameter:
    """One fit parameter (immutable).

    Parameters
    ----------
    name : str
        Its key in the values dict (units in the name where they help: ``"T1_s"``).
    value : float
        Start value, or the value held when not ``vary``.
    lower, upper : float
        Bounds (±∞: none), in the parameter's unit.
    vary : bool
        Free (True) or held at ``value``.
    unit : str
        Unit for results and reports (``"s"``, ``"Å"``, ``""`` for dimensionless).
    """

    name: str
    value: float
    lower: float = -np.inf
    upper: float = np.inf
    vary: bool = True
    unit: str = ""

    def __post_init__(self):
        if not self.lower <= self.upper:
            raise ValueError(f"parameter {self.name!r}: lower bound {self.lower!r} above "
                             f"upper {self.upper!r}")


class Parameters(Mapping[str, Parameter]):
    """An ordered, immutable collection of :class:`Parameter` by name.

    Every change returns a new collection. Iteration gives the names in order.
    """

    __slots__ = ("_by_name", "_free", "_template")

    def __init__(self, params: Iterable[Parameter]):
        by_name: dict[str, Parameter] = {}
        for p in params:
            if p.name in by_name:
                raise ValueError(f"parameter {p.name!r} given twice")
            by_name[p.name] = p
        self._by_name = MappingProxyType(by_name)
        self._free = tuple(k for k, p in by_name.items() if p.vary)
        self._template = {k: p.value for k, p in by_name.items()}

    # -- Mapping -----------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Parameter:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        rows = ", ".join(f"{p.name}={p.value:g}{'' if p.vary else ' (fixed)'}"
                         for p in self._by_name.values())
        return f"Parameters({rows})"

    # -- views -------------------------------------------------------------------------------
    @property
    def free(self) -> tuple[str, ...]:
        """Names of the free parameters, in order (the order of the optimiser's vector)."""
        return self._free

    @property
    def fixed(self) -> dict[str, float]:
        """Name → value of the parameters held fixed."""
        return {k: p.value for k, p in self._by_name.items() if not p.vary}

    @property
    def values(self) -> dict[str, float]:
        """Name → current value of every parameter."""
        return dict(self._template)

    @property
    def units(self) -> dict[str, str]:
        """Name → unit of every parameter."""
        return {k: p.unit for k, p in self._by_name.items()}

    def unknown(self, names: Iterable[str]) -> list[str]:
        """The ``names`` that are not parameters here, sorted (empty when all are)."""
        return sorted(set(names) - set(self._by_name))

    # -- changes -----------------------------------------------------------------------------
    def _changed(self, values: Mapping[str, float], **changes) -> Parameters:
        bad = self.unknown(values)
        if bad:
            raise ValueError(f"unknown parameter(s) {bad}; known: {', '.join(self)}")
        return Parameters(replace(p, value=values[k], **changes) if k in values else p
                          for k, p in self._by_name.items())

    def fix(self, values: Mapping[str, float] | None = None, /, **kw: float) -> Parameters:
        """Hold parameters at values: ``params.fix(weight_n=0.5)`` or
        ``params.fix({"weight_n": 0.5})`` (``ValueError`` for an unknown name)."""
        return self._changed({**(values or {}), **kw}, vary=False)

    def with_values(self, values: Mapping[str, float] | None = None, /,
                    **kw: float) -> Parameters:
        """New start (or held) values, free or fixed as before."""
        return self._changed({**(values or {}), **kw})

    # -- the optimiser's vector --------------------------------------------------------------
    def pack(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(p0, lower, upper)`` of the free parameters, in :attr:`free` order."""
        free = [self._by_name[k] for k in self._free]
        return (np.array([p.value for p in free], dtype=float),
                np.array([p.lower for p in free], dtype=float),
                np.array([p.upper for p in free], dtype=float))

    def unpack(self, p: Sequence[float]) -> dict[str, float]:
        """Every value by name for the free values ``p`` (in :attr:`free` order); fixed
        parameters at their values."""
        v = dict(self._template)
        v.update(zip(self._free, p, strict=True))
        return v


def propagate(gradient: Mapping[str, float], names: Sequence[str], cov: np.ndarray) -> float:
    """1σ of a derived quantity, √(gᵀ·C·g), from its gradient by parameter name over the
    free parameters ``names`` (the rows of ``cov``); fixed parameters contribute nothing."""
    idx = {k: i for i, k in enumerate(names)}
    v = 0.0
    for a, ga in gradient.items():
        for b, gb in gradient.items():
            if a in idx and b in idx:
                v += ga * gb * cov[idx[a], idx[b]]
    return float(np.sqrt(max(v, 0.0))) if np.isfinite(v) else float("nan")


def _from_raw(name: str, doc: str) -> property:
    """A read-only attribute of :class:`ParameterFit` taken from its engine outcome."""
    return property(lambda self: getattr(self.raw, name), doc=doc)


@dataclass(frozen=True)
class ParameterFit:
    """The outcome of :func:`fit`, by parameter name (immutable).

    ``values`` holds every parameter (fixed ones included) in the order of ``params``;
    ``stderr`` is 0 for a fixed parameter; ``names`` are the free parameters in the order
    of ``correlation``. ``inflated`` says the errors were multiplied by √χ²_ν (σ known and
    χ²_ν > 1). ``raw`` is the engine's own outcome (the free vector, χ², counts, flags).
    """

    params: Parameters
    values: Mapping[str, float]
    stderr: Mapping[str, float]
    names: tuple[str, ...]
    correlation: np.ndarray
    raw: LeastSquares = field(repr=False)
    inflated: bool = False

    @property
    def p(self) -> np.ndarray:
        """The free vector at the optimum (``names`` order)."""
        return np.asarray(self.raw.p)

    chi2 = _from_raw("chi2", "χ² of the noise-weighted residuals at the optimum.")
    reduced_chi2 = _from_raw("reduced_chi2", "χ²/ν, ν = points − free parameters.")
    success = _from_raw("success", "Whether the optimiser converged (with errors).")
    message = _from_raw("message", "How the optimiser ended, in words.")

    @property
    def at_bound(self) -> tuple[str, ...]:
        """The free parameters the optimiser left on a bound."""
        return tuple(self.names[i] for i in self.raw.at_bound)

    @property
    def covariance(self) -> np.ndarray:
        """Covariance of the free parameters (``names`` order), from the final errors."""
        err = np.array([self.stderr[k] for k in self.names], dtype=float)
        with np.errstate(all="ignore"):
            return self.correlation * np.outer(err, err)

    def propagate(self, gradient: Mapping[str, float]) -> float:
        """1σ of a derived quantity from its gradient by name (:func:`propagate`)."""
        return propagate(gradient, self.names, self.covariance)

    def error_of(self, quantity: Callable[[Mapping[str, float]], float]) -> tuple[float, float]:
        """``(value, 1σ)`` of a derived ``quantity(values)``, its gradient over the free
        parameters by forward differences (step ``GRADIENT_STEP``·|p|, at least
        ``GRADIENT_MIN_STEP``); NaN error when the covariance is not finite."""
        value = quantity(self.params.unpack(self.p))
        steps = np.diag(np.maximum(np.abs(self.p) * GRADIENT_STEP, GRADIENT_MIN_STEP))
        grad = np.array([(quantity(self.params.unpack(self.p + dp)) - value) / dp[i]
                         for i, dp in enumerate(steps)])
        cov = self.covariance
        if not np.all(np.isfinite(cov)):
            return value, float("nan")
        return value, float(np.sqrt(max(grad @ cov @ grad, 0.0)))

    def result(self, model_name: str, **fields) -> FitResult:
        """A :class:`~analysis.fitting.FitResult` of this fit: values, errors, units,
        correlation, χ² statistics and flags from here, anything in ``fields``
        (``values=``, ``notes=``, ``x=``, ``data=``, ``model=``, …) given or overridden
        by the caller."""
        base = dict(values=self.values, stderr=self.stderr, units=self.params.units,
                    names=self.names, correlation=self.correlation, success=self.success,
                    message=self.message, chi2=self.chi2, reduced_chi2=self.reduced_chi2,
                    ndata=self.raw.ndata, nvarys=len(self.names), nfev=self.raw.nfev,
                    at_bound=self.at_bound)
        return FitResult(model_name=model_name, **(base | fields))


def fit(residual: Callable[[dict[str, float]], np.ndarray], params: Parameters, *,
        jacobian: Callable[[dict[str, float], Sequence[str]], np.ndarray] | None = None,
        sigma_known: bool = False, max_nfev: int | None = None,
        x_scale: Sequence[float] | str = "jac", tr_solver: str = "exact") -> ParameterFit:
    """Bounded least squares over named parameters (:func:`analysis.fitting.least_squares`).

    Parameters
    ----------
    residual : callable
        ``residual(values)`` → (data − model)/σ for the points that count, ``values`` a dict
        of every parameter by name (fixed ones included).
    params : Parameters
        Start values, bounds, which are free.
    jacobian : callable, optional
        ``jacobian(values, names)`` → ∂residual/∂p (points × len(names)) for the free
        parameters ``names``; default finite differences.
    sigma_known : bool
        False: the covariance is scaled by χ²_ν (the residuals' scatter sets the errors,
        lmfit's ``scale_covar``). True: σ in the residual is the known noise, the errors
        are absolute and inflated by √χ²_ν only when χ²_ν > 1 (a misfit never shrinks
        them below the noise).
    max_nfev, x_scale, tr_solver
        As for :func:`analysis.fitting.least_squares`.

    Returns
    -------
    ParameterFit
        Values, errors (0 for fixed parameters) and correlations by name.
    """
    free = params.free
    p0, lo, hi = params.pack()

    def vector_residual(p):
        return residual(params.unpack(p))

    def vector_jacobian(p):
        return jacobian(params.unpack(p), free)

    ls = least_squares(vector_residual, p0, lo, hi, scale_covar=not sigma_known,
                       max_nfev=max_nfev, x_scale=x_scale,
                       jac=vector_jacobian if jacobian is not None else None,
                       tr_solver=tr_solver)
    err = np.asarray(ls.stderr, float)
    inflated = bool(sigma_known and np.isfinite(ls.reduced_chi2) and ls.reduced_chi2 > 1)
    if inflated:
        err = err * np.sqrt(ls.reduced_chi2)
    by_name = dict(zip(free, map(float, err), strict=True))
    stderr = {k: by_name.get(k, 0.0) for k in params}
    fitted = params.with_values(dict(zip(free, map(float, ls.p), strict=True)))
    return ParameterFit(params=fitted, values=fitted.values, stderr=stderr, names=free,
                        correlation=np.asarray(ls.correlation, float), raw=ls,
                        inflated=inflated)
