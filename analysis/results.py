"""The common face of every analysis result, and the failure policy.

Every result the analysis returns — a fit (:class:`analysis.fitting.FitResult`), a peak, a
time-domain amplitude, a line shift, an H/La ratio, a diffusion coefficient, a transition —
answers the same questions the same way, so the ``hpnmr`` command's JSON, the pages and
the figure sidecars treat them alike:

``values``, ``stderr``, ``units``
    Mappings keyed by quantity name (SI units inside; the unit string says which).
``success``, ``message``
    Whether the result could be obtained, and a sentence saying how (or why not).
``notes``
    Caveats and the choices the analysis made, in short sentences.
``measurement(key)``
    ``values[key] ± stderr[key]`` with its unit, as a :class:`Measurement`.
``to_dict()``
    JSON-ready: every quantity as ``{"value", "stderr", "unit"}`` under its name, plus
    ``success``, ``message`` and ``notes`` (and whatever else the result records).
``report()``
    A plain-text report for a terminal or a log.

Failure policy
--------------
* **Bad data never raises.** A function that returns a result returns it with
  ``success=False`` and a ``message`` naming the problem when the data cannot give the
  answer: NaNs, too few points, no line above the noise, several lines where one is
  wanted, a fit that does not converge, no transition in a curve. Its values are NaN (a
  fit that could not start has none: check ``success`` before ``measurement(key)``).
* **Bad arguments raise** :class:`ValueError` (an unknown option, a negative density,
  parameters given for one channel but not the other): the caller wrote something wrong,
  and the message says which argument. One exception, kept on purpose: a *fit*
  (:class:`analysis.fitting.FitResult`) reports an unknown model, law or criterion name or
  an unknown fixed parameter as a failed result too — its names come from pages, manifests
  and the command line, and the caller shows the message beside the other fits.
* **Files that cannot be read raise** :class:`analysis.dataset.ReaderError` (a
  ``ValueError``) naming the file.
* Functions that return a bare :class:`Measurement` (``integral``, ``snr_time``, …) are the
  primitives results are built from: a number cannot carry a failure, so they raise
  :class:`AnalysisError` when the data give none; the result-returning functions catch it.
  (:class:`analysis.measure.MeasurementError` is the measurements' subclass of it.)
* Functions that take numbers rather than data (``quantify.h_per_la``,
  ``diffusion.diffusion_from_t1``) raise :class:`ValueError` for a number they cannot use
  (a non-positive SNR or T₁, a pair of inputs given for one channel only): the caller chose
  it, or passed on a failed measurement it should have checked.

A caller that prefers an exception calls :meth:`Result.raise_for_failure`; a failed result
may carry more than its message for that (``measure.LineShift.reason`` and ``lines``: the
several resolved lines that stopped it, which :meth:`raise_for_failure` raises as
:class:`analysis.measure.SeveralLinesError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

NAN = float("nan")


class AnalysisError(ValueError):
    """The data give no answer (bad data, not a bad argument); the message says why."""


def format_value_error(value: float, error: float, digits: int = 2) -> str:
    """``value ± error`` with the value rounded to the error's ``digits`` significant
    digits (3773.2 ± 341 → "3770 ± 340"); scientific notation for large/small numbers."""
    if not (np.isfinite(value) and np.isfinite(error)) or error <= 0:
        return f"{value:.6g} ± {error:.2g}"
    exp_err = int(np.floor(np.log10(error)))
    decimals = digits - 1 - exp_err
    mag = max(abs(value), error)
    if mag >= 1e6 or mag < 1e-3:
        exp = int(np.floor(np.log10(mag)))
        scale = 10.0**exp
        d = max(0, decimals + exp)
        return f"({value / scale:.{d}f} ± {error / scale:.{d}f})e{exp:+d}"
    d = max(0, decimals)
    return f"{round(value, decimals):.{d}f} ± {round(error, decimals):.{d}f}"


@dataclass(frozen=True, slots=True)
class Measurement:
    """A measured quantity: value ± standard error, with its unit."""

    value: float
    stderr: float
    unit: str

    def to_dict(self) -> dict[str, float | str]:
        return {"value": float(self.value), "stderr": float(self.stderr), "unit": self.unit}

    def __format__(self, spec: str) -> str:
        if spec:
            return f"{self.value:{spec}} ± {self.stderr:{spec}} {self.unit}".rstrip()
        return f"{format_value_error(self.value, self.stderr)} {self.unit}".rstrip()

    def __str__(self) -> str:
        return format(self)


def nan_measurement(unit: str = "") -> Measurement:
    """NaN ± NaN in ``unit``: a quantity the data did not give (the values of a failed
    result)."""
    return Measurement(NAN, NAN, unit)


def json_number(v) -> float | None:
    """A float for JSON: None for NaN and ±∞."""
    v = float(v)
    return v if np.isfinite(v) else None


def reduced_chi2_limit(dof: int) -> float:
    """The largest reduced χ² for which a model describes its data within the noise, on
    ``dof`` degrees of freedom: 1 + 3√(2/ν), the mean plus three standard deviations of
    χ²_ν for a correct model (dimensionless)."""
    return float(1 + 3 * np.sqrt(2 / max(int(dof), 1)))


def chi2_upper_percentile(dof: int, z: float = 2.326) -> float:
    """The upper percentile of χ²_ν at the normal deviate ``z`` (2.326: the 99th), by the
    Wilson–Hilferty cube-root approximation (dimensionless)."""
    c = 2.0 / (9.0 * max(int(dof), 1))
    return float((1 - c + z * np.sqrt(c)) ** 3)


def correlation_from_covariance(cov) -> tuple[np.ndarray, np.ndarray]:
    """``(standard errors, correlation matrix)`` of a covariance matrix; the diagonal of
    the correlation is 1 and a parameter with zero or undefined variance gives NaN rows."""
    cov = np.asarray(cov, float)
    err = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(all="ignore"):
        corr = cov / np.outer(err, err)
    np.fill_diagonal(corr, 1.0)
    return err, corr


class Result:
    """Mixin: the common face (module docstring) of an immutable analysis result.

    A subclass provides ``values``, ``stderr`` and ``units`` (as fields, or through
    :class:`QuantityResult`), ``success``, ``message`` and ``notes``; it may override
    :attr:`title` and extend :meth:`to_dict` and :meth:`report`.
    """

    __slots__ = ()

    @property
    def title(self) -> str:
        """What the result is, for reports (the class name unless a subclass says)."""
        return type(self).__name__

    def measurement(self, key: str) -> Measurement:
        """``values[key] ± stderr[key]`` with its unit (KeyError for an unknown key)."""
        return Measurement(float(self.values[key]), float(self.stderr.get(key, NAN)),
                           self.units.get(key, ""))

    def quantities(self) -> dict[str, Measurement]:
        """Every quantity as a :class:`Measurement`, in the order of ``values``."""
        return {k: self.measurement(k) for k in self.values}

    def face_dict(self) -> dict:
        """The common JSON face: each quantity as ``{"value", "stderr", "unit"}`` under its
        name (NaN as None), then ``success``, ``message`` and ``notes``."""
        out: dict = {k: {"value": json_number(m.value), "stderr": json_number(m.stderr),
                         "unit": m.unit} for k, m in self.quantities().items()}
        out.update(success=bool(self.success), message=str(self.message),
                   notes=list(self.notes))
        return out

    def to_dict(self) -> dict:
        """JSON-ready (:meth:`face_dict`; subclasses add what else they record)."""
        return self.face_dict()

    def with_face(self, own: dict) -> dict:
        """``own`` (a result's own JSON keys, first and unchanged) followed by the keys of
        :meth:`face_dict` it does not hold: how a result whose ``to_dict`` predates the
        common face keeps its keys and gains the face's."""
        return own | {k: v for k, v in self.face_dict().items() if k not in own}

    def report(self) -> str:
        """A plain-text report: status, values ± errors with units, notes."""
        lines = [f"[[{self.title}]]",
                 f"    status   {'ok' if self.success else 'FAILED'}: {self.message}"]
        q = self.quantities()
        if q:
            lines.append("[[Values]]")
            w = max(len(k) for k in q)
            for k, m in q.items():
                txt = (format_value_error(m.value, m.stderr)
                       if np.isfinite(m.stderr) and m.stderr > 0 else f"{m.value:.6g}")
                lines.append(f"    {k:<{w}}  {txt} {m.unit}".rstrip())
        if self.notes:
            lines.append("[[Notes]]")
            lines += [f"    - {n}" for n in self.notes]
        return "\n".join(lines)

    def raise_for_failure(self):
        """Return ``self`` when it succeeded, else raise :meth:`failure_exception` (for
        callers that prefer an exception)."""
        if not self.success:
            raise self.failure_exception()
        return self

    def failure_exception(self) -> AnalysisError:
        """The exception a failure stands for: an :class:`AnalysisError` with the message
        (subclasses name a narrower one)."""
        return AnalysisError(self.message)


class QuantityResult(Result):
    """A :class:`Result` whose quantities are held as :class:`Measurement` fields:
    ``values``, ``stderr`` and ``units`` are derived from :meth:`quantities`, which the
    subclass defines (a mapping name → Measurement; a quantity that is absent, e.g. a ppm
    value without a reference, is left out)."""

    __slots__ = ()

    def quantities(self) -> dict[str, Measurement]:  # pragma: no cover - abstract
        raise NotImplementedError

    def measurement(self, key: str) -> Measurement:
        return self.quantities()[key]

    @property
    def values(self) -> Mapping[str, float]:
        return MappingProxyType({k: float(m.value) for k, m in self.quantities().items()})

    @property
    def stderr(self) -> Mapping[str, float]:
        return MappingProxyType({k: float(m.stderr) for k, m in self.quantities().items()})

    @property
    def units(self) -> Mapping[str, str]:
        return MappingProxyType({k: m.unit for k, m in self.quantities().items()})
