"""Relaxation: amplitudes from arrayed acquisitions and T1/T2 fits (PHYSICS §4.3, §5).

Amplitudes, one per trace of an array (:func:`amplitudes`):

* ``"projection"``: the complex projection of each trace onto the strongest one,
  Re⟨u, s_i⟩ with u = s_ref/‖s_ref‖, over the points where the reference holds signal, the
  reference's own noise power taken out of its amplitude. It keeps the sign (inversion
  recovery), needs no phasing, and is the matched filter for a line shape that does not
  change along the array. The imaginary part of the projection is reported as a check of
  that assumption.
* ``"integral"``: the integral of the real part of each processed spectrum over a region,
  every trace processed with the same parameters (one phase for all, so signs survive).
* ``"echo-top"``: the time-domain amplitude at the echo top (or the first point of an FID),
  phased by the strongest trace.
* ``"auto"`` (what the CLI and the page use by default, :func:`auto_fit`): every method run
  and fitted; the projection kept when its quadrature part stays within 3σ and it fits the
  model as well as the integral, else the integral, else the echo top. The
  :class:`MethodChoice` says why, and which methods disagree by more than 2σ. On real files
  the projection is set aside when the line moves or changes phase between traces (Tecmag
  ``T1.tnt``: the line moves by up to 16 Hz, quadrature 228σ) or when parts of the signal
  outside the line relax differently (the ²⁹Si TopSpin array: reduced χ² 9.7 against the
  integral's 0.35).

Models (``MODELS``), every time in seconds:

========================  =====================================================================
``saturation``            M₀[1 − f·e^(−t/T₁)], f ≤ 1 an imperfect saturation
``inversion``             M₀[1 − f·e^(−t/T₁)], f = 1 − cos θ (2 for a perfect inversion)
``stretched``             M₀[1 − f·e^(−(t/T₁)^β)], 0 < β ≤ 1; ⟨T₁⟩ = (T₁/β)Γ(1/β)
``biexponential``         M₀[1 − f(w·e^(−t/T₁ₐ) + (1 − w)e^(−t/T₁ᵦ))]; T₁ = w·T₁ₐ + (1 − w)T₁ᵦ
``la-ct``                 I = 7/2 central transition, magnetic relaxation (PHYSICS §4.3):
                          M₀[1 − f·Σ cₖ e^(−rₖ t/T₁)], c = 1/84, 3/44, 75/364, 1225/1716,
                          r = 1, 6, 15, 28, 1/T₁ ≡ 2W
``hahn``                  M₀·e^(−t/T₂) on the echo time t = 2τ
``hahn-stretched``        M₀·e^(−(t/T₂)^β) on the echo time
========================  =====================================================================

Echo decays are always fitted on the echo time 2τ. An array stored as the pulse spacing τ is
doubled first (``axis="pulse-spacing"``), never guessed: fitting e^(−τ/T₂′) on τ would give
T₂′ = T₂/2.

Errors: with a known per-point noise σ the covariance is absolute and scaled up by the reduced
χ² only when that exceeds 1 (a misfit never shrinks the errors below the noise); without σ
the covariance is scaled by the reduced χ² (lmfit's default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import ndimage, special

from .dataset import Dataset
from .fitting import FitResult, failed, rank
from .io.delays import (  # noqa: F401  (re-exported)
    TABLE_SUFFIXES,
    check_rows,
    is_amplitude_table,
    parse_delays,
    read_amplitude_table,
)
from .measure import integral as spectrum_integral
from .parameters import Parameter, Parameters, fit, propagate
from .processing import ECHO_MODES, ProcessingParams, finish, remove_dc, transform
from .processing import left_shift as shift_points
from .results import AnalysisError

AMPLITUDE_METHODS = ("projection", "integral", "echo-top")
#: the projection's quadrature part (rms over the traces) above this many σ: the line shape or
#: phase changes along the array, and the projection is not the right amplitude
QUADRATURE_LIMIT = 3.0
#: fraction of each FID, at its end, taken as signal-free for the noise σ
NOISE_TAIL_FRACTION = 0.2
#: a trace counts as strong (for telling a moving echo) above this many σ of its magnitude
STRONG_TRACE_SNR = 10.0
#: the echo-top amplitude averages the top and this many points on each side
ECHO_TOP_HALF_POINTS = 1
#: the default integral region: the strongest line ± this many FWHM
REGION_FWHMS = 3.0
#: a recovery change or an echo amplitude must exceed this many σ to count as a signal
DETECTION_SIGMAS = 3.0
#: a time constant more than this factor outside the sampled delays is poorly constrained;
#: the start grid spans the same range, with :data:`START_GRID_POINTS` nodes
SAMPLED_RANGE_FACTOR = 3.0
START_GRID_POINTS = 48
#: the start grid's stretch exponents β (when β is free)
START_BETAS = (0.6, 0.8, 1.0)
#: what the stored array values mean (``ArrayAxis.kind``) → the CLI/API spelling
AXIS_NAMES = {"delay": "delay", "pulse_spacing": "pulse-spacing", "echo_time": "echo-time"}

#: I = 7/2 central-transition recovery under magnetic relaxation (PHYSICS §4.3, §10 row 20)
LA_CT_COEFFICIENTS = (1 / 84, 3 / 44, 75 / 364, 1225 / 1716)
LA_CT_RATES = (1.0, 6.0, 15.0, 28.0)


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RelaxationModel:
    """One relaxation model: parameter names, units, bounds and the function.

    ``function(t, v)`` takes the time (s) and a mapping of the parameter values by name
    (``v["T1_s"]``). ``time_key`` is the headline relaxation time (``"T1_s"`` or
    ``"T2_s"``); ``factor`` names a recovery's factor f (``"saturation_factor"``,
    ``"inversion_factor"`` or ``"factor"``; empty for decays).
    """

    name: str
    formula: str
    kind: str  # "recovery" or "decay"
    names: tuple[str, ...]
    units: tuple[str, ...]
    function: Callable[[np.ndarray, Mapping[str, float]], np.ndarray]
    time_key: str
    #: parameters that are time constants (bounded by the sampled delays)
    times: tuple[str, ...] = ()
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    factor: str = ""

    def __call__(self, t, params: Mapping[str, float] | Sequence[float]) -> np.ndarray:
        """The model at ``t`` (s) for values by name, or a sequence in ``names`` order."""
        if not isinstance(params, Mapping):
            params = dict(zip(self.names, np.asarray(params, float), strict=True))
        return self.function(np.asarray(t, float), {k: float(params[k]) for k in self.names})


def _recovery(factor: str, deficit):
    """M₀·[1 − f·deficit(t)], f the parameter called ``factor``."""
    def f(t, v):
        return v["M0"] * (1.0 - v[factor] * deficit(t, v))
    return f


def _la_ct_deficit(t, v):
    return sum(c * np.exp(-r * t / v["T1_s"])
               for c, r in zip(LA_CT_COEFFICIENTS, LA_CT_RATES, strict=True))


def _exponential(t, v):
    return np.exp(-t / v["T1_s"])


def _stretched(t, v):
    return np.exp(-(t / v["T1_s"]) ** v["beta"])


def _biexponential(t, v):
    w = v["weight_short"]
    return w * np.exp(-t / v["T1_short_s"]) + (1 - w) * np.exp(-t / v["T1_long_s"])


#: bounds of the recovery factor f: a saturation may fall short of (or slightly overshoot)
#: complete, an inversion reaches f = 2 (θ = 180°) with room for the noise
SATURATION_FACTOR_BOUNDS = (0.0, 1.2)
INVERSION_FACTOR_BOUNDS = (0.0, 2.2)
#: bounds of a stretched exponent β (recovery: a distribution of rates, β ≤ 1; echo decay:
#: up to a Gaussian-like β = 2)
BETA_RECOVERY_BOUNDS = (0.1, 1.0)
BETA_DECAY_BOUNDS = (0.1, 2.0)
MODELS: dict[str, RelaxationModel] = {m.name: m for m in (
    RelaxationModel("saturation", "M(t) = M₀·[1 − f·exp(−t/T₁)]", "recovery",
                    ("M0", "T1_s", "saturation_factor"), ("a.u.", "s", ""),
                    _recovery("saturation_factor", _exponential), "T1_s", ("T1_s",),
                    {"saturation_factor": SATURATION_FACTOR_BOUNDS}, "saturation_factor"),
    RelaxationModel("inversion", "M(t) = M₀·[1 − f·exp(−t/T₁)],  f = 1 − cos θ", "recovery",
                    ("M0", "T1_s", "inversion_factor"), ("a.u.", "s", ""),
                    _recovery("inversion_factor", _exponential), "T1_s", ("T1_s",),
                    {"inversion_factor": INVERSION_FACTOR_BOUNDS}, "inversion_factor"),
    RelaxationModel("stretched", "M(t) = M₀·[1 − f·exp(−(t/T₁)^β)]", "recovery",
                    ("M0", "T1_s", "factor", "beta"), ("a.u.", "s", "", ""),
                    _recovery("factor", _stretched), "T1_s", ("T1_s",),
                    {"factor": INVERSION_FACTOR_BOUNDS, "beta": BETA_RECOVERY_BOUNDS},
                    "factor"),
    RelaxationModel("biexponential",
                    "M(t) = M₀·[1 − f·(w·exp(−t/T₁ₐ) + (1 − w)·exp(−t/T₁ᵦ))]", "recovery",
                    ("M0", "T1_short_s", "factor", "weight_short", "T1_long_s"),
                    ("a.u.", "s", "", "", "s"),
                    _recovery("factor", _biexponential), "T1_s", ("T1_short_s", "T1_long_s"),
                    {"factor": INVERSION_FACTOR_BOUNDS, "weight_short": (0.0, 1.0)}, "factor"),
    RelaxationModel("la-ct", "M(t) = M₀·[1 − f·Σ cₖ·exp(−rₖ·t/T₁)],  I = 7/2 central "
                    "transition, c = 1/84, 3/44, 75/364, 1225/1716, r = 1, 6, 15, 28",
                    "recovery", ("M0", "T1_s", "factor"), ("a.u.", "s", ""),
                    _recovery("factor", _la_ct_deficit), "T1_s", ("T1_s",),
                    {"factor": INVERSION_FACTOR_BOUNDS}, "factor"),
    RelaxationModel("hahn", "M(2τ) = M₀·exp(−2τ/T₂)", "decay", ("M0", "T2_s"), ("a.u.", "s"),
                    lambda t, v: v["M0"] * np.exp(-t / v["T2_s"]), "T2_s", ("T2_s",)),
    RelaxationModel("hahn-stretched", "M(2τ) = M₀·exp(−(2τ/T₂)^β)", "decay",
                    ("M0", "T2_s", "beta"), ("a.u.", "s", ""),
                    lambda t, v: v["M0"] * np.exp(-(t / v["T2_s"]) ** v["beta"]), "T2_s",
                    ("T2_s",), {"beta": BETA_DECAY_BOUNDS}),
)}
T1_MODELS = tuple(k for k, m in MODELS.items() if m.kind == "recovery")
T2_MODELS = tuple(k for k, m in MODELS.items() if m.kind == "decay")
#: spellings accepted for the Hahn-echo models
_ALIASES = {"exponential": "hahn", "single": "hahn", "stretched-decay": "hahn-stretched"}


def model(name: str) -> RelaxationModel:
    """The model called ``name`` (``KeyError`` listing the known ones otherwise)."""
    name = _ALIASES.get(name, name)
    if name not in MODELS:
        raise KeyError(f"unknown relaxation model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[name]


def stretched_mean_time(t_s: float, beta: float) -> float:
    """Mean relaxation time of a stretched exponential, ⟨T⟩ = (T/β)·Γ(1/β) (s)."""
    return float(t_s / beta * special.gamma(1.0 / beta))


def curve(result: FitResult, t_s) -> np.ndarray:
    """The fitted model of ``result`` evaluated at ``t_s`` (s; echo time for decays)."""
    m = model(result.model_name)
    return m(t_s, result.values)


# ---------------------------------------------------------------------------------------------
# fitting
# ---------------------------------------------------------------------------------------------
def _start(m: RelaxationModel, t: np.ndarray, y: np.ndarray, w: np.ndarray,
           fixed: Mapping[str, float]) -> dict[str, float]:
    """Start values: a grid over the time constant(s) (and β) with the amplitude terms
    solved linearly at each node, the best node kept."""
    tmin = float(np.min(t[t > 0])) if np.any(t > 0) else float(np.max(t)) or 1.0
    tmax = float(np.max(t))
    grid = np.geomspace(tmin / SAMPLED_RANGE_FACTOR, tmax * SAMPLED_RANGE_FACTOR,
                        START_GRID_POINTS)
    betas = [fixed["beta"]] if "beta" in fixed else (list(START_BETAS) if "beta" in m.names
                                                     else [1.0])
    best, best_cost = None, np.inf
    ones = np.ones_like(t)
    for T in grid:
        for b in betas:
            if m.kind == "decay":
                basis = [np.exp(-(t / T) ** b)]
            elif m.name == "la-ct":
                basis = [ones, -_la_ct_deficit(t, {"T1_s": T})]
            else:
                basis = [ones, -np.exp(-(t / T) ** b)]
            a = np.column_stack(basis) * w[:, None]
            coef, *_ = np.linalg.lstsq(a, y * w, rcond=None)
            cost = float(np.sum((a @ coef - y * w) ** 2))
            if cost < best_cost:
                best_cost, best = cost, (T, b, coef)
    T, b, coef = best
    p: dict[str, float] = {}
    if m.kind == "decay":
        p["M0"] = float(coef[0])
    else:
        p["M0"] = float(coef[0]) if coef[0] != 0 else float(np.max(np.abs(y)))
        p[m.factor] = float(coef[1] / p["M0"]) if p["M0"] else 1.0
    for k in m.times:
        p[k] = float(T)
    if m.name == "biexponential":
        p.update(T1_short_s=T / 3, T1_long_s=T * 3, weight_short=0.5)
    if "beta" in m.names:
        p["beta"] = float(b)
    return p


def _invalid(t: np.ndarray, y: np.ndarray, sigma, nfree: int, what: str) -> str | None:
    if t.ndim != 1 or y.ndim != 1 or t.size != y.size:
        return f"{t.size} {what} values for {y.size} amplitudes"
    bad = ~np.isfinite(y)
    if bad.any():
        return f"{int(bad.sum())} of {y.size} amplitudes are NaN or infinite"
    if not np.all(np.isfinite(t)):
        return f"{int((~np.isfinite(t)).sum())} of {t.size} {what} values are NaN or infinite"
    if np.any(t < 0):
        return f"negative {what} values ({t.min():.3g} s): a {what} cannot be negative"
    if sigma is not None and (np.any(~np.isfinite(sigma)) or np.any(sigma <= 0)):
        return "the noise σ must be finite and positive for every point"
    if np.unique(t).size < 2:
        return f"every {what} is the same: no time dependence to fit"
    if t.size <= nfree:
        return f"{t.size} points for {nfree} free parameters: too few to fit and estimate errors"
    if not np.any(y):
        return "every amplitude is zero"
    return None


def fit_relaxation(x_s, amplitude, model_name: str, *, sigma=None,
                   fix: Mapping[str, float] | None = None, what: str = "delay",
                   notes: Sequence[str] = ()) -> FitResult:
    """Fit one relaxation model (see the module docstring) by bounded least squares.

    Parameters
    ----------
    x_s : array_like
        Delays (recovery) or echo times 2τ (decays), in s, ≥ 0, any order.
    amplitude : array_like
        One real amplitude per delay (a.u.); the sign is kept.
    model_name : str
        A key of ``MODELS`` (``"exponential"`` is accepted for ``"hahn"``).
    sigma : float or array_like, optional
        1σ noise of each amplitude (same units). Errors are then absolute (inflated by the
        reduced χ² when that is above 1); without it they are scaled by the reduced χ².
    fix : dict, optional
        Parameters held at a value, e.g. ``{"saturation_factor": 1.0}``.

    Returns
    -------
    FitResult
        ``values`` keyed by the model's parameter names (``T1_s`` or ``T2_s`` in s, ``M0`` in
        a.u., …) plus derived quantities (``T1_mean_s`` for stretched, ``flip_angle_deg`` for
        inversion, ``T1_s`` for biexponential). ``success`` is False, with the reason, when the
        input is unusable, the optimiser fails, or the time constant is not determined.
    """
    try:
        m = model(model_name)
    except KeyError as exc:
        return failed(str(model_name), str(exc.args[0]))
    fix = dict(fix or {})
    unknown = set(fix) - set(m.names)
    if unknown:
        return failed(m.name, f"cannot fix {sorted(unknown)}: model {m.name} has "
                              f"{', '.join(m.names)}")
    t = np.asarray(x_s, dtype=float).ravel()
    y = np.asarray(amplitude, dtype=float).ravel()
    sig = None
    if sigma is not None:
        sig = np.broadcast_to(np.asarray(sigma, dtype=float), y.shape).astype(float)
    problem = _invalid(t, y, sig, len(m.names) - len(fix), what)
    if problem:
        return failed(m.name, problem)
    w = 1.0 / sig if sig is not None else np.ones_like(y)
    params = _parameters(m, t, y, w, fix)
    pf = fit(lambda v: (y - m.function(t, v)) * w, params, sigma_known=sig is not None)
    free = pf.names
    values = dict(pf.values)
    stderr = dict(pf.stderr)
    units = params.units
    correlation = pf.correlation
    if m.name == "biexponential":
        correlation = _order_components(values, stderr, free, correlation)
    cov = correlation * np.outer([stderr[k] for k in free], [stderr[k] for k in free])
    _derived(m, values, stderr, units, free, cov)
    notes = [*notes, f"model: {m.formula}",
             ("errors from the given noise σ" + (", scaled by √(reduced χ²) > 1"
                                                  if pf.inflated else "")
              if sig is not None else "errors scaled by the reduced χ² (noise σ unknown)")]
    if fix:
        notes.append("fixed: " + ", ".join(f"{k} = {v:g}" for k, v in fix.items()))
    ok, message = bool(pf.success), pf.message
    key = m.time_key if m.time_key in free else m.times[0]
    if ok:
        problem = _undetermined(m, key, values, stderr, pf.at_bound, free, cov)
        T = values[key]
        tpos = t[t > 0]
        if problem:
            ok, message = False, problem
        elif not tpos.min() / SAMPLED_RANGE_FACTOR <= T <= t.max() * SAMPLED_RANGE_FACTOR:
            notes.append(f"{key[:2]} = {T:.3g} s lies outside the sampled range "
                         f"{tpos.min():.3g}–{t.max():.3g} s: poorly constrained")
    return pf.result(m.name, values=values, stderr=stderr, units=units,
                     correlation=correlation, success=ok, message=message, x=t, data=y,
                     model=m.function(t, pf.values), weights_mask=np.ones(t.size, bool),
                     notes=tuple(notes),
                     noise_sigma=float(np.median(sig)) if sig is not None else np.nan)


#: a time constant may range from this factor below the shortest positive delay to this
#: factor above the longest; the amplitude M₀ up to this factor times the largest |amplitude|
TIME_BOUND_FACTOR = 100.0
AMPLITUDE_BOUND_FACTOR = 100.0


def _parameters(m: RelaxationModel, t: np.ndarray, y: np.ndarray, w: np.ndarray,
                fix: Mapping[str, float]) -> Parameters:
    """The model's parameters: starts from :func:`_start`, time constants bounded by the
    sampled delays, M₀ by the amplitudes, the rest by the model's bounds; ``fix`` held."""
    start = _start(m, t, y, w, fix) | fix
    lo_t = float(t[t > 0].min()) / TIME_BOUND_FACTOR
    hi_t = float(t.max()) * TIME_BOUND_FACTOR
    amp = AMPLITUDE_BOUND_FACTOR * float(np.max(np.abs(y)))
    out = []
    for k, unit in zip(m.names, m.units, strict=True):
        lo, hi = ((lo_t, hi_t) if k in m.times else (-amp, amp) if k == "M0"
                  else m.bounds.get(k, (-np.inf, np.inf)))
        out.append(Parameter(k, start[k], lo, hi, unit=unit))
    return Parameters(out).fix(fix)


def _undetermined(m: RelaxationModel, key: str, values: Mapping[str, float],
                  stderr: Mapping[str, float], at_bound: Sequence[str], free: Sequence[str],
                  cov: np.ndarray) -> str | None:
    """Why a converged fit resolved nothing, or None: the time constant ``key`` at a bound
    or with an error above itself, no recovery (or echo amplitude) above 3σ."""
    T, dT = values[key], stderr.get(key, np.nan)
    if key in at_bound or not np.isfinite(dT) or dT > T:
        return (f"{key[:2]} is not determined by the data ({key[:2]} = {T:.3g} s "
                f"± {dT:.2g} s): no relaxation resolved above the noise")
    if m.kind == "recovery":
        f = m.factor
        change = abs(values["M0"] * values[f])
        if change < DETECTION_SIGMAS * propagate({"M0": values[f], f: values["M0"]}, free,
                                                 cov):
            return "the recovery is not above 3σ of its uncertainty: no signal change"
    elif abs(values["M0"]) < DETECTION_SIGMAS * stderr.get("M0", 0.0):
        return "the echo amplitude is not above 3σ of its uncertainty: no signal"
    return None


def _stretched_mean_gradient(key: str, t_s: float, beta: float) -> dict[str, float]:
    """∂⟨T⟩/∂T and ∂⟨T⟩/∂β of ⟨T⟩ = (T/β)·Γ(1/β): both terms belong in its error (T and β
    are strongly anti-correlated, so leaving β out roughly doubles it)."""
    mean = stretched_mean_time(t_s, beta)
    d_beta = -mean / beta - t_s / beta**3 * special.gamma(1 / beta) * special.digamma(1 / beta)
    return {key: mean / t_s, "beta": float(d_beta)}


def _order_components(values: dict, stderr: dict, free: Sequence[str],
                      correlation: np.ndarray) -> np.ndarray:
    """Relabel a bi-exponential fit so that ``T1_short_s`` is the shorter time (in place
    for values and errors); returns the correlation matrix in the new labels.

    The swap is T₁ₐ′ = T₁ᵦ, T₁ᵦ′ = T₁ₐ, w′ = 1 − w: the two times trade rows and columns
    and every correlation of the weight changes sign.
    """
    if values["T1_short_s"] <= values["T1_long_s"] or not {"T1_short_s", "T1_long_s"} <= set(
            free):  # in order, or a time the user fixed: keep the labels
        return correlation
    values["T1_short_s"], values["T1_long_s"] = values["T1_long_s"], values["T1_short_s"]
    stderr["T1_short_s"], stderr["T1_long_s"] = stderr["T1_long_s"], stderr["T1_short_s"]
    values["weight_short"] = 1 - values["weight_short"]
    new = {"T1_short_s": "T1_long_s", "T1_long_s": "T1_short_s"}
    idx = {k: i for i, k in enumerate(free)}
    # row of the new parameter k in the old matrix, and its sign (−1 for the weight)
    src = [idx[new.get(k, k)] for k in free]
    sign = np.array([-1.0 if k == "weight_short" else 1.0 for k in free])
    return correlation[np.ix_(src, src)] * np.outer(sign, sign)


def _derived(m: RelaxationModel, values, stderr, units, free, cov) -> None:
    """Derived quantities with propagated errors (in place)."""

    def prop(grad: dict[str, float]) -> float:
        return propagate(grad, free, cov)

    if m.name == "stretched":
        T, b = values["T1_s"], values["beta"]
        values["T1_mean_s"] = stretched_mean_time(T, b)
        stderr["T1_mean_s"] = prop(_stretched_mean_gradient("T1_s", T, b))
        units["T1_mean_s"] = "s"
    if m.name == "hahn-stretched":
        T, b = values["T2_s"], values["beta"]
        values["T2_mean_s"] = stretched_mean_time(T, b)
        stderr["T2_mean_s"] = prop(_stretched_mean_gradient("T2_s", T, b))
        units["T2_mean_s"] = "s"
    if m.name == "inversion":
        f = values["inversion_factor"]
        if 0 <= f <= 2:
            values["flip_angle_deg"] = float(np.degrees(np.arccos(1 - f)))
            s = np.sqrt(max(1 - (1 - f) ** 2, 1e-12))
            stderr["flip_angle_deg"] = float(np.degrees(stderr["inversion_factor"] / s))
            units["flip_angle_deg"] = "°"
    if m.name == "biexponential":  # components already ordered, short first
        a, b, wgt = values["T1_short_s"], values["T1_long_s"], values["weight_short"]
        values["T1_s"] = wgt * a + (1 - wgt) * b
        stderr["T1_s"] = prop({"T1_short_s": wgt, "T1_long_s": 1 - wgt, "weight_short": a - b})
        units["T1_s"] = "s"


def fit_t1(delay_s, amplitude, model: str = "saturation", *, sigma=None,
           fix: Mapping[str, float] | None = None) -> FitResult:
    """T₁ from a recovery curve; ``model`` one of ``T1_MODELS`` (key ``"T1_s"``, s)."""
    name = _ALIASES.get(model, model)
    if name in T2_MODELS:
        return failed(name, f"{name} is an echo-decay model; T1 models: {', '.join(T1_MODELS)}")
    return fit_relaxation(delay_s, amplitude, name, sigma=sigma, fix=fix, what="delay")


def fit_t2(echo_time_s, amplitude, model: str = "hahn", *, sigma=None,
           axis: str = "echo-time", fix: Mapping[str, float] | None = None) -> FitResult:
    """T₂ from a Hahn-echo decay (key ``"T2_s"``, always for the echo time 2τ).

    ``axis="pulse-spacing"`` says the x values are the pulse spacing τ: they are doubled
    before the fit, and the result's ``x`` is the echo time.
    """
    name = _ALIASES.get(model, model)
    if name in T1_MODELS:
        return failed(name, f"{name} is a recovery model; T2 models: {', '.join(T2_MODELS)}")
    x = np.asarray(echo_time_s, dtype=float)
    if axis in ("pulse-spacing", "pulse_spacing"):
        x = 2 * x
        note = "x axis: pulse spacing τ given, fitted on the echo time 2τ"
    elif axis in ("echo-time", "echo_time"):
        note = "x axis: echo time 2τ"
    else:
        return failed(name, f"unknown axis {axis!r}: 'echo-time' or 'pulse-spacing'")
    return fit_relaxation(x, amplitude, name, sigma=sigma, fix=fix, what="echo time",
                          notes=(note,))


def compare_models(x_s, amplitude, models: Sequence[str], *, sigma=None,
                   axis: str = "echo-time") -> list[FitResult]:
    """Fit several models to the same data; best first by AICc when n/k < 40, else by AIC
    (:func:`analysis.fitting.rank`; failed fits last).

    For decay models ``x_s`` is read according to ``axis`` as in :func:`fit_t2`.
    """
    out = []
    for name in models:
        if _ALIASES.get(name, name) in T2_MODELS:
            out.append(fit_t2(x_s, amplitude, name, sigma=sigma, axis=axis))
        else:
            out.append(fit_t1(x_s, amplitude, name, sigma=sigma))
    return rank(out)[0]


# ---------------------------------------------------------------------------------------------
# amplitudes from an arrayed dataset
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Amplitudes:
    """One amplitude per trace of an array, with its noise and the x axis as stored.

    ``x_s`` are the array values as the file holds them; ``axis`` says what they mean
    (``"delay"``, ``"pulse-spacing"`` or ``"echo-time"``). ``time_s`` is what a fit uses: the
    delay, or the echo time 2τ for echo decays.
    """

    x_s: np.ndarray
    amplitude: np.ndarray
    sigma: np.ndarray
    method: str
    axis: str
    source: str = ""
    reference_trace: int = 0
    quadrature: np.ndarray | None = None
    notes: tuple[str, ...] = ()

    @property
    def time_s(self) -> np.ndarray:
        return 2 * self.x_s if self.axis == "pulse-spacing" else self.x_s

    @property
    def fit_sigma(self) -> np.ndarray | None:
        """The per-point σ if every one is known, else None (errors then scaled by χ²)."""
        ok = self.sigma.size and np.all(np.isfinite(self.sigma)) and np.all(self.sigma > 0)
        return self.sigma if ok else None

    @property
    def quadrature_to_noise(self) -> float:
        """Root mean square of the quadrature part over the traces, in units of the noise σ
        (NaN when the method has none): above ``QUADRATURE_LIMIT`` the line shape or phase
        changes along the array."""
        if self.quadrature is None or not self.sigma.size:
            return float("nan")
        s = float(np.median(self.sigma))
        return float(np.sqrt(np.mean(self.quadrature**2)) / s) if s > 0 else float("nan")

    def fit(self, model_name: str, fix: Mapping[str, float] | None = None,
            kind: str | None = None) -> FitResult:
        """Fit ``model_name``: recovery models on the delays, decay models on the echo
        time (a pulse-spacing axis is doubled). ``kind`` (``"recovery"`` or ``"decay"``)
        refuses a model of the other kind instead of fitting it."""
        name = _ALIASES.get(model_name, model_name)
        if kind is not None and name in MODELS and MODELS[name].kind != kind:
            known = T1_MODELS if kind == "recovery" else T2_MODELS
            return failed(name, f"{name} is a {MODELS[name].kind} model, not a {kind} model: "
                                f"{', '.join(known)}")
        if name in T2_MODELS:
            return fit_t2(self.x_s, self.amplitude, model_name, sigma=self.fit_sigma,
                          axis="echo-time" if self.axis == "delay" else self.axis, fix=fix)
        return fit_t1(self.x_s, self.amplitude, model_name, sigma=self.fit_sigma, fix=fix)

    @property
    def axis_label(self) -> str:
        return {"delay": "recovery delay", "pulse-spacing": "echo time 2τ",
                "echo-time": "echo time 2τ"}[self.axis]


def array_axis(dataset: Dataset, delays_s=None, axis: str | None = None
               ) -> tuple[np.ndarray, str]:
    """The x values (s) of an arrayed dataset and what they mean.

    ``delays_s`` overrides the file's list; ``axis`` overrides its kind (``"delay"``,
    ``"pulse-spacing"``, ``"echo-time"``). Raises ``ValueError`` naming the file when there
    is no list or its length does not match the traces.
    """
    if delays_s is not None:
        x = np.asarray(delays_s, dtype=float).ravel()
        kind = axis or "delay"
    elif dataset.array is not None:
        x = dataset.array.as_array()
        kind = axis or AXIS_NAMES.get(dataset.array.kind, "delay")
        if dataset.array.unit not in ("s", ""):
            raise ValueError(f"{dataset.source}: array {dataset.array.name!r} is in "
                             f"{dataset.array.unit!r}, not a time: supply the delays")
    else:
        raise ValueError(f"{dataset.source}: no delay list in the file: supply the delays")
    kind = AXIS_NAMES.get(kind, kind)
    if kind not in AXIS_NAMES.values():
        raise ValueError(f"unknown axis {axis!r}: 'delay', 'pulse-spacing' or 'echo-time'")
    if x.size != dataset.traces:
        raise ValueError(f"{dataset.source}: {x.size} delays for {dataset.traces} traces")
    return x, kind


def _time_traces(dataset: Dataset, params: ProcessingParams) -> np.ndarray:
    """Every trace DC-corrected and left shifted by an integer shift (echo modes unshifted)."""
    if dataset.domain != "time":
        raise ValueError(f"{dataset.source}: frequency-domain data: use method 'integral'")
    out = np.empty(dataset.data.shape, dtype=complex)
    shift = 0 if params.left_shift in ECHO_MODES else int(params.left_shift)
    for i, fid in enumerate(dataset.data):
        fid = remove_dc(fid, params.dc_fraction) if params.dc else np.asarray(fid, complex)
        out[i] = shift_points(fid, shift)
    return out


def _tops(traces: np.ndarray, ref: int) -> tuple[np.ndarray, int]:
    """Echo top of every trace and the strongest trace's echo width at half height (points).

    The top is the maximum of |s| smoothed over a quarter of that width: a flat echo top
    makes the raw maximum jump with the noise.
    """
    mag = np.abs(traces)
    width = int(np.sum(mag[ref] >= 0.5 * mag[ref].max()))
    smooth = ndimage.uniform_filter1d(mag, max(3, width // 4) | 1, axis=1, mode="nearest")
    return np.argmax(smooth, axis=1), width


def _tail_sigma(traces: np.ndarray, fraction: float) -> float:
    """Per-component (real or imaginary) noise σ from the signal-free tails, pooled."""
    n = traces.shape[1]
    k = max(8, int(n * fraction))
    tail = traces[:, n - k: n - max(0, int(0.02 * n))] if k < n else traces
    # each component about its own mean: the same σ for the conjugate (mirrored) data
    return float(np.sqrt((np.var(tail.real) + np.var(tail.imag)) / 2))


def _signal_points(traces: np.ndarray, sigma: float, width: int = 32) -> int:
    """Points from the start that hold signal in the array: twice the span where the
    energy summed over the traces, averaged over ``width`` points, is more than 6 of its
    standard deviations above the noise's 2Nσ² (N traces, σ per component), at least 16;
    all of them when nothing rises above the noise."""
    n_tr, n = traces.shape
    if sigma <= 0:
        return n
    energy = ndimage.uniform_filter1d(np.sum(np.abs(traces) ** 2, axis=0), width,
                                      mode="nearest")
    noise = 2 * n_tr * sigma**2
    above = np.nonzero(energy > noise * (1 + 6 / np.sqrt(n_tr * width)))[0]
    return n if above.size == 0 else int(min(n, max(16, 2 * (above[-1] + 1))))


def _reference(traces: np.ndarray, sigma: float) -> int:
    """The strongest trace: the largest norm over the points that hold signal. Over the
    whole of a long FID whose signal lasts a few per cent of it, every norm is mostly noise
    and the largest is close to a random pick."""
    k = _signal_points(traces, sigma)
    return int(np.argmax(np.linalg.norm(traces[:, :k], axis=1)))


def _projection(traces: np.ndarray, ref: int, sigma: float
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """(real, quadrature, points used) of the projection of every trace onto trace ``ref``.

    Two corrections to the plain projection Re⟨u, sᵢ⟩, u = s_ref/‖s_ref‖:

    * Only the points where the reference holds signal (:func:`_signal_points`) are used:
      beyond them u is pure noise, which dilutes the gain of every trace equally.
    * The reference projected onto itself gives ‖s_ref‖ = √(A² + ‖n‖²): its own noise power
      ‖n‖² (expected 2Kσ² over K points, σ per component) adds to its amplitude and to no
      other. On a long FID whose signal lasts a few per cent of it (dnplab ``topspin/28``,
      80 of 7983 points) that made the strongest trace 3× too large and the fit fail. The
      expected 2Kσ²/‖s_ref‖ is taken out of the reference's amplitude.
    """
    k = _signal_points(traces[ref: ref + 1], sigma)
    window = traces[:, :k]
    norm = float(np.linalg.norm(window[ref]))
    if not norm > 0:
        raise AnalysisError("every trace is zero at the start of the signal: no amplitude "
                            "to take")
    proj = window @ np.conj(window[ref] / norm)
    amp, quad = proj.real.copy(), proj.imag.copy()
    amp[ref] -= 2 * k * sigma**2 / norm
    return amp, quad, k


def amplitudes(dataset: Dataset, method: str = "projection", *,
               params: ProcessingParams | None = None, region_hz=None, delays_s=None,
               axis: str | None = None, noise_fraction: float = NOISE_TAIL_FRACTION,
               align: bool | None = None) -> Amplitudes:
    """Amplitudes of every trace of an arrayed acquisition (see the module docstring).

    Parameters
    ----------
    dataset : Dataset
        Time-domain data, one trace per delay (frequency-domain data: ``"integral"`` only).
    method : {"projection", "integral", "echo-top"}
    params : ProcessingParams, optional
        DC removal and left shift (projection, echo-top); the whole processing (integral).
        With zero phases, the integral method phases all traces with the zero-order phase of
        the strongest trace.
    region_hz : (lo, hi), optional
        Integral region, offsets from the carrier in Hz (default: the strongest trace's
        line ± 3 FWHM).
    delays_s, axis
        Override the file's delay list and its meaning (see :func:`array_axis`).
    noise_fraction : float
        Fraction of each FID, at its end, taken as signal-free for the noise σ.
    align : bool, optional
        Whether the echo moves along the array (an echo train recorded from the refocusing
        pulse): each trace is then read at its own echo top, in magnitude. Default: when
        the echo tops of the traces well above the noise differ by more than half the
        echo's width.

    Raises
    ------
    ValueError
        Naming the file and the problem (no delays, wrong count, unknown method, …).
    """
    if method not in AMPLITUDE_METHODS:
        raise ValueError(f"unknown amplitude method {method!r}: "
                         f"{', '.join(AMPLITUDE_METHODS)}")
    x, kind = array_axis(dataset, delays_s, axis)
    params = params or ProcessingParams()
    if dataset.traces < 2:
        raise ValueError(f"{dataset.source}: one trace only, not an array")
    notes: list[str] = []
    if method == "integral":
        amp, sig, ref = _integrals(dataset, params, region_hz, notes)
        quad = None
    else:
        method, amp, sig, quad, ref = _time_domain(dataset, method, params, noise_fraction,
                                                   align, notes)
    # orient: positive at the longest delay (recoveries) or the shortest echo time (decays)
    order = np.argsort(x)
    anchor = order[-1] if kind == "delay" else order[0]
    if amp[anchor] < 0:
        amp = -amp
        quad = None if quad is None else -quad
    return Amplitudes(x_s=x, amplitude=np.asarray(amp, float), sigma=np.asarray(sig, float),
                      method=method, axis=kind, source=dataset.source, reference_trace=ref,
                      quadrature=quad, notes=tuple(notes))


def _time_domain(dataset: Dataset, method: str, params: ProcessingParams,
                 noise_fraction: float, align: bool | None, notes: list[str]):
    """(method, amplitudes, σ, quadrature or None, reference trace) by projection or at
    the echo top — at each trace's own top, in magnitude, when the echo moves along the
    array (the method then becomes ``"echo-top"``); notes appended to ``notes``."""
    tr = _time_traces(dataset, params)
    if not np.all(np.isfinite(tr)):
        raise ValueError(f"{dataset.source}: the data hold NaN or infinite points")
    sigma = _tail_sigma(tr, noise_fraction)
    ref = _reference(tr, sigma)
    tops, width = _tops(tr, ref)
    strong = np.max(np.abs(tr), axis=1) > STRONG_TRACE_SNR * sigma * np.sqrt(2)
    moving = (bool(strong.sum() > 1 and np.ptp(tops[strong]) > max(2, width // 2))
              if align is None else bool(align))
    if moving and method == "projection":
        method = "echo-top"
        notes.append("the echo moves along the array (an echo train): amplitudes taken "
                     "at each trace's own echo top instead of by projection")
    if method == "projection":
        amp, quad, npts = _projection(tr, ref, sigma)
        sig = np.full(amp.shape, sigma)
        notes.append(f"projection onto trace {ref} over its first {npts} points (where "
                     "its signal is above the noise); its own noise power taken out of "
                     "its amplitude")
        leak = float(np.sqrt(np.mean(quad**2)) / sigma) if sigma > 0 else 0.0
        if leak > QUADRATURE_LIMIT:
            notes.append(f"the quadrature part of the projection is {leak:.1f}× the noise: "
                         "the line shape or phase changes along the array")
    elif not moving:
        top = int(tops[ref])
        sl = slice(max(0, top - ECHO_TOP_HALF_POINTS), top + ECHO_TOP_HALF_POINTS + 1)
        phase = np.exp(-1j * np.angle(tr[ref, top]))
        vals = tr[:, sl].mean(axis=1) * phase
        amp, quad = vals.real, vals.imag
        sig = np.full(amp.shape, sigma / np.sqrt(sl.stop - sl.start))
        notes.append(f"echo top at point {top}, phased by trace {ref}")
    else:
        h = ECHO_TOP_HALF_POINTS
        vals = np.array([tr[i, max(0, k - h): k + h + 1].mean() for i, k in enumerate(tops)])
        amp, quad = np.abs(vals), None
        sig = np.full(amp.shape, sigma / np.sqrt(2 * h + 1))
        notes.append(f"echo tops at points {', '.join(map(str, tops))}; magnitude "
                     "amplitudes (the phase of a moving echo is not defined), biased "
                     "up by ≈σ²/2A at low SNR")
    return method, amp, sig, quad, ref


def _integrals(dataset: Dataset, params: ProcessingParams, region_hz, notes: list[str]):
    if params.left_shift in ECHO_MODES:
        # one echo position for every trace (from the strongest), not each trace's own
        # maximum, which for the weak traces is a noise spike
        tr = _time_traces(dataset, params)
        ref = _reference(tr, _tail_sigma(tr, NOISE_TAIL_FRACTION))
        top = int(np.argmax(np.abs(tr[ref])))
        params = params.replace(left_shift=top)
        notes.append(f"every trace transformed from the echo top of trace {ref} "
                     f"(point {top})")
    spectra = []
    offsets = None
    for i in range(dataset.traces):
        offsets, raw = transform(dataset, params.replace(trace=i))
        spectra.append(raw)
    spectra = np.array(spectra)
    if not np.all(np.isfinite(spectra)):
        raise ValueError(f"{dataset.source}: the data hold NaN or infinite points")
    if dataset.domain == "time":
        tr = _time_traces(dataset, params)
        ref = _reference(tr, _tail_sigma(tr, NOISE_TAIL_FRACTION))
    else:
        ref = int(np.argmax(np.linalg.norm(spectra, axis=1)))
    if region_hz is None:
        mag = np.abs(spectra[ref])
        k = int(np.argmax(mag))
        above = mag >= mag[k] / 2
        lo_i, hi_i = k, k
        while lo_i > 0 and above[lo_i - 1]:
            lo_i -= 1
        while hi_i < mag.size - 1 and above[hi_i + 1]:
            hi_i += 1
        fwhm = abs(offsets[hi_i] - offsets[lo_i]) + abs(offsets[1] - offsets[0])
        region_hz = (offsets[k] - REGION_FWHMS * fwhm, offsets[k] + REGION_FWHMS * fwhm)
        notes.append(f"integral region {region_hz[0]:.0f} … {region_hz[1]:.0f} Hz "
                     f"(strongest line ± {REGION_FWHMS:g} FWHM)")
    p = params
    if p.p0_deg == 0 and p.p1_deg == 0:
        # the zero-order phase that maximises the reference's real integral over the region
        # (closed form): a mirrored spectrum gets exactly the opposite phase
        lo, hi = sorted(region_hz)
        inside = (offsets >= lo) & (offsets <= hi)
        if inside.sum() < 2:
            raise ValueError(f"{dataset.source}: the integral region {lo:.0f} … {hi:.0f} Hz "
                             "holds fewer than 2 points of the spectrum")
        p0 = float(np.rad2deg(-np.angle(np.sum(spectra[ref][inside]))))
        p = params.replace(p0_deg=p0)
        notes.append(f"all traces phased with p0 = {p0:.1f}° from trace {ref} (its real "
                     "integral over the region at its largest)")
    amp, sig = [], []
    for i in range(dataset.traces):
        spec = finish(dataset, p.replace(trace=i), offsets, spectra[i])
        m = spectrum_integral(spec, tuple(sorted(region_hz)))
        amp.append(m.value)
        sig.append(m.stderr)
    return np.array(amp), np.array(sig), ref




# ---------------------------------------------------------------------------------------------
# choosing the amplitude method
# ---------------------------------------------------------------------------------------------
AUTO = "auto"
#: what a user may ask for: ``"auto"`` (the default) or one method
METHOD_CHOICES = (AUTO, *AMPLITUDE_METHODS)
#: the projection is kept while its reduced χ² is at most this factor times the larger of 1
#: and the integral's (its noise per point is smaller, so the same misfit weighs more)
CHI2_TOLERANCE = 2.0


def recovery_model(amps: Amplitudes) -> tuple[str, str]:
    """(model, reason): ``"inversion"`` when the amplitude at the shortest delay is negative
    by more than 3σ (amplitudes are oriented positive at the longest delay), else
    ``"saturation"``. Both are M₀[1 − f·e^(−t/T₁)]; they differ in the range of f."""
    i = int(np.argmin(amps.x_s))
    a = float(amps.amplitude[i])
    s = float(amps.sigma[i]) if np.isfinite(amps.sigma[i]) else 0.0
    if a < -DETECTION_SIGMAS * s:
        return "inversion", (f"inversion: the amplitude at the shortest delay is negative "
                             f"({a / s:.0f}σ)" if s > 0 else "inversion: the amplitude at "
                             "the shortest delay is negative")
    return "saturation", "saturation: no amplitude is negative beyond 3σ"


@dataclass(frozen=True)
class MethodOutcome:
    """One amplitude method on an array: its amplitudes and fit, or why it could not run."""

    method: str
    amplitudes: Amplitudes | None = None
    fit: FitResult | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.fit is not None and bool(self.fit.success)

    def time(self) -> tuple[float, float]:
        """(headline time, its 1σ) in s, NaN when the fit failed."""
        if not self.ok:
            return float("nan"), float("nan")
        key = MODELS[self.fit.model_name].time_key
        return float(self.fit.values[key]), float(self.fit.stderr.get(key, np.nan))


@dataclass(frozen=True)
class MethodChoice:
    """The amplitude method ``"auto"`` chose, why, and every method's outcome.

    ``disagreeing()`` lists the other methods whose relaxation time differs from the chosen
    one's by more than 2σ (combined): a user must see them beside the headline.
    """

    method: str
    reason: str
    outcomes: tuple[MethodOutcome, ...]
    model_name: str
    model_reason: str = ""

    @property
    def chosen(self) -> MethodOutcome:
        return next(o for o in self.outcomes if o.method == self.method)

    @property
    def amplitudes(self) -> Amplitudes:
        return self.chosen.amplitudes

    @property
    def fit(self) -> FitResult:
        return self.chosen.fit

    def disagreeing(self, nsigma: float = 2.0) -> list[tuple[MethodOutcome, float]]:
        """(outcome, difference in combined σ) of every other converged method that differs
        from the chosen one by more than ``nsigma``."""
        t, s = self.chosen.time()
        out = []
        for o in self.outcomes:
            if o.method == self.method or not o.ok or not np.isfinite(t):
                continue
            to, so = o.time()
            z = abs(to - t) / float(np.hypot(s, so)) if np.hypot(s, so) > 0 else np.inf
            if z > nsigma:
                out.append((o, float(z)))
        return out

    def summary(self) -> dict:
        """Plain data for JSON: chosen method, reason, each method's time and checks."""
        rows = []
        far = {o.method: z for o, z in self.disagreeing()}
        for o in self.outcomes:
            t, s = o.time()
            a = o.amplitudes
            rows.append({"method": o.method, "success": o.ok,
                         "time_s": {"value": t if np.isfinite(t) else None,
                                    "stderr": s if np.isfinite(s) else None, "unit": "s"},
                         "reduced_chi2": (float(o.fit.reduced_chi2) if o.fit is not None
                                          and np.isfinite(o.fit.reduced_chi2) else None),
                         "quadrature_to_noise": (a.quadrature_to_noise if a is not None and
                                                 np.isfinite(a.quadrature_to_noise) else None),
                         "message": o.problem or (o.fit.message if o.fit is not None else ""),
                         "disagrees_by_sigma": far.get(o.method)})
        return {"requested": AUTO, "chosen": self.method, "reason": self.reason,
                "model": self.model_name, "model_reason": self.model_reason,
                "methods": rows}


def _decide(outcomes: Mapping[str, MethodOutcome]) -> tuple[str, str]:
    """(method, reason) by the quadrature check and fit quality (see :func:`auto_fit`)."""
    p, i, e = outcomes["projection"], outcomes["integral"], outcomes["echo-top"]
    if p.amplitudes is not None and p.amplitudes.method == "echo-top":
        return "echo-top", ("echo-top: the echo moves along the array (an echo train), so "
                            "each trace is read at its own echo top")
    why = ""
    if p.amplitudes is None:
        why = f"the projection cannot run ({p.problem})"
    else:
        q = p.amplitudes.quadrature_to_noise
        chi_p = p.fit.reduced_chi2 if p.fit is not None else np.nan
        chi_i = i.fit.reduced_chi2 if i.ok else np.nan
        if np.isfinite(q) and q > QUADRATURE_LIMIT:
            why = (f"the projection's quadrature part is {q:.1f}σ (> {QUADRATURE_LIMIT:g}σ): "
                   "the line shape or phase changes along the array")
        elif not p.ok:
            why = f"the projection's fit failed ({p.fit.message if p.fit else p.problem})"
        elif np.isfinite(chi_i) and chi_p > CHI2_TOLERANCE * max(1.0, chi_i):
            why = (f"the projection fits the model worse than the integral (reduced χ² "
                   f"{chi_p:.3g} vs {chi_i:.3g}): parts of the signal that relax "
                   "differently, which the integral region leaves out")
        else:
            chi = f"{chi_p:.3g}" + (f" vs the integral's {chi_i:.3g}"
                                    if np.isfinite(chi_i) else "")
            return "projection", (f"projection: the line shape and phase hold along the "
                                  f"array (quadrature {q:.1f}σ ≤ {QUADRATURE_LIMIT:g}σ) and "
                                  f"the fit is good (reduced χ² {chi}); the matched filter "
                                  "has the best signal-to-noise")
    if i.ok:
        return "integral", f"integral: {why}"
    if e.ok:
        return "echo-top", f"echo-top: {why}; the integral's fit failed"
    first = next((o for o in (p, i, e) if o.amplitudes is not None), None)
    if first is None:
        return "integral", f"integral: no method could run ({i.problem})"
    return first.method, f"{first.method}: no method gave a converged fit ({why})"


def auto_fit(dataset: Dataset, model_name: str = AUTO, *, kind: str = "recovery",
             params: ProcessingParams | None = None, region_hz=None, delays_s=None,
             axis: str | None = None, fix: Mapping[str, float] | None = None
             ) -> MethodChoice:
    """Every amplitude method on an array, fitted, and the one to report (method ``"auto"``).

    The choice, in order:

    1. ``echo-top`` when the echo moves along the array (an echo train);
    2. ``projection`` when its quadrature part stays within ``QUADRATURE_LIMIT``·σ (the
       line shape and phase hold along the array), its fit converges and its reduced χ² is
       at most ``CHI2_TOLERANCE`` × max(1, the integral's): it is the matched filter;
    3. else ``integral`` (one phase for all traces, the line's region only), if its fit
       converges; else ``echo-top``.

    Parameters
    ----------
    dataset : Dataset
        An arrayed acquisition (see :func:`amplitudes`).
    model_name : str
        A model of ``kind``; for recoveries ``"auto"`` picks saturation or inversion from
        the sign of the integral's amplitudes (:func:`recovery_model`).
    kind : {"recovery", "decay"}
        Which models are allowed.
    params, region_hz, delays_s, axis
        As for :func:`amplitudes`.
    fix : dict, optional
        Parameters held fixed in every fit; ``"factor"`` names the recovery model's factor
        whatever its name (``saturation_factor``, ``inversion_factor``, …).

    Returns
    -------
    MethodChoice
        The chosen method, the reason, and every method's amplitudes and fit (times in s).

    Raises
    ------
    ValueError
        When no method can read the array (no delays, one trace, …), naming the file.
    """
    outcomes: dict[str, MethodOutcome] = {}
    errors = []
    for method in AMPLITUDE_METHODS:
        try:
            a = amplitudes(dataset, method, params=params, region_hz=region_hz,
                           delays_s=delays_s, axis=axis)
            outcomes[method] = MethodOutcome(method, a)
        except ValueError as exc:
            outcomes[method] = MethodOutcome(method, problem=str(exc))
            errors.append(str(exc))
    if all(o.amplitudes is None for o in outcomes.values()):
        raise ValueError(errors[0])
    model_reason = ""
    if model_name == AUTO:
        if kind != "recovery":
            model_name, model_reason = "hahn", "hahn: the decay model by default"
        else:
            src = next(o.amplitudes for k in ("integral", "projection", "echo-top")
                       if (o := outcomes[k]).amplitudes is not None)
            model_name, model_reason = recovery_model(src)
            model_reason += f" ({src.method} amplitudes)"
    m = MODELS.get(_ALIASES.get(model_name, model_name))
    if fix and "factor" in fix and m is not None and "factor" not in m.names:
        fix = dict(fix)  # the generic "factor" names the model's own (saturation/inversion)
        fix[m.factor] = fix.pop("factor")
    for method, o in outcomes.items():
        if o.amplitudes is not None:
            outcomes[method] = MethodOutcome(method, o.amplitudes,
                                             o.amplitudes.fit(model_name, fix, kind=kind))
    method, reason = _decide(outcomes)
    return MethodChoice(method=method, reason=reason, outcomes=tuple(outcomes.values()),
                        model_name=_ALIASES.get(model_name, model_name),
                        model_reason=model_reason)


def read_amplitudes(path, method: str = "projection", *, delays_s=None,
                    axis: str | None = None, params: ProcessingParams | None = None,
                    region_hz=None) -> Amplitudes:
    """Amplitudes from a raw arrayed dataset, or a table ``delay_s,amplitude[,sigma]``.

    Tables (``.csv``, ``.tsv``, ``.txt``, ``.dat``; read by
    :func:`analysis.io.delays.read_amplitude_table`) hold the x values in seconds; their
    meaning is ``axis`` (default ``"delay"``). Raises ``ReaderError``/``ValueError`` naming
    the file.
    """
    from . import io

    p = Path(path)
    if is_amplitude_table(p):
        x, y, sig = read_amplitude_table(p)
        if delays_s is not None:
            raise ValueError(f"{p}: the table has its own delays; drop --delays")
        kind = AXIS_NAMES.get(axis or "delay", axis or "delay")
        if kind not in AXIS_NAMES.values():
            raise ValueError(f"unknown axis {axis!r}: 'delay', 'pulse-spacing' or 'echo-time'")
        check_rows(p, x)
        return Amplitudes(x_s=x, amplitude=y, sigma=sig, method="table", axis=kind,
                          source=str(p), notes=("amplitudes read from the table",))
    return amplitudes(io.read(p), method, params=params, region_hz=region_hz,
                      delays_s=delays_s, axis=axis)


def phased_traces(dataset: Dataset, params: ProcessingParams | None = None
                  ) -> tuple[np.ndarray, np.ndarray, int]:
    """(time_s, real traces, reference index): every trace DC-corrected, left shifted and
    phased with the zero-order phase of the strongest trace at its maximum, for display."""
    tr = _time_traces(dataset, params or ProcessingParams())
    ref = _reference(tr, _tail_sigma(tr, NOISE_TAIL_FRACTION))
    top = int(np.argmax(np.abs(tr[ref])))
    real = (tr * np.exp(-1j * np.angle(tr[ref, top]))).real
    return np.arange(tr.shape[1]) * dataset.dwell_s, real, ref
