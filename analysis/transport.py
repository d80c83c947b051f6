"""Four-probe R(T): Tc by every criterion of PHYSICS §6.

Reading a file is :func:`analysis.io.rt.read_rt` (re-exported here as :func:`read_rt`, with
:class:`RTCurve`).

Criteria (:func:`analyze`, :func:`critical_temperature`), with R_n(T) the normal state: a
line fitted locally, over a window starting three transition widths above the onset and
growing (doubling) only while the points in it show no significant curvature:

* ``"onset"``: the tangent at the steepest point meets R_n;
* ``"90"``, ``"50"``, ``"10"`` (any percentage): R = x·R_n(T), first crossing from above;
* ``"max-slope"``: the peak of dR/dT, the inflection of a local cubic;
* ``"zero"``: the highest temperature below which R stays within the noise of the floor
  (below its median + 3σ of its scatter, the scatter a MAD, at least 0.2 % of R_n);
* ``"offset"``: the tangent at the steepest point meets R = 0.

Width ΔTc = T₉₀ − T₁₀. The scale of every local fit adapts to the transition: a rough width
T₉₀ − T₁₀ is first read from the raw points (a 5-point running median), then each criterion
comes from a low-order polynomial fitted to the raw points over a fraction of that width,
bounded below by the point spacing (a cubic over ±0.2·width at a level crossing, narrowed
while that moves the crossing by more than its noise; a quintic over ±0.25·width for the
tangent). A transition narrower than the point spacing falls back to interpolation between
neighbouring points, corrected for curvature. Uncertainties are propagated linearly from
every point: each criterion is a function of the resistances it was computed from (its local
fit and the normal state's window), with σ of a point the noise of R (from second
differences; a local fit's scatter where that is significantly larger, e.g. a digitised
curve's wobble) — no resampling and no fixed grid term, so they follow the actual scatter
(1σ coverage near 68 % on simulated curves, tests/test_tc_coverage.py). Every criterion and
the width add a sampling term: their change, beyond the noise, when the curve is analysed on
its two interleaved halves — negligible where the transition is well sampled, the dominant
term where a few points resolve it (a digitised figure), where the shape between the points
is not determined by the data (:func:`_sampling_terms`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from .fitting import FitResult, failed, robust_noise_sigma
from .io.rt import RTCurve, read_rt  # noqa: F401 (the reader's home is analysis.io.rt)
from .results import (
    NAN,
    AnalysisError,
    Measurement,
    QuantityResult,
    chi2_upper_percentile,
    json_number,
    nan_measurement,
)

CRITERIA = ("onset", "90", "50", "10", "max-slope", "zero", "offset")
CRITERION_LABELS = {"onset": "onset (tangent ∩ normal state)", "90": "90 % of R_n",
                    "50": "50 % of R_n (midpoint)", "10": "10 % of R_n",
                    "max-slope": "maximum dR/dT", "zero": "zero resistance (noise floor)",
                    "offset": "offset (tangent ∩ R = 0)"}

# ---------------------------------------------------------------------------------------------
# the transition
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Transition(QuantityResult):
    """Every criterion of one curve, with the normal state and the diagnostics.

    ``normal_slope_ohm_per_k`` (Ω/K) and ``normal_intercept_ohm`` (Ω) are the line fitted to the
    normal state over ``normal_window_k`` (K, just above the onset), ``noise_ohm`` the
    point-to-point noise σ of R (Ω) and ``smoothing_k`` the half-width (K) of the local fits
    at the 90/50/10 % crossings (a fraction of the transition's rough width).
    ``sampling_k`` is the sampling σ (K) included in each criterion's σ, ``noise_k`` the
    noise σ (K) of each criterion and of the width alone.

    The common face (:class:`analysis.results.QuantityResult`): each criterion under its
    key (``"onset"``, ``"90"``, …) and ``width`` in K, the normal state's slope and
    intercept with their σ, the noise σ of R; failed (:func:`analyze`): NaN values and
    the reason in ``message``."""

    criteria: dict[str, Measurement]
    width: Measurement
    normal_slope_ohm_per_k: float
    normal_intercept_ohm: float
    normal_window_k: tuple[float, float]
    noise_ohm: float
    two_step: bool
    success: bool
    message: str
    notes: tuple[str, ...] = ()
    smoothing_k: float = float("nan")
    normal_cov: tuple[tuple[float, float], tuple[float, float]] = ((np.nan, np.nan),
                                                                  (np.nan, np.nan))
    sampling_k: dict = field(default_factory=dict)
    noise_k: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return "superconducting transition"

    def quantities(self) -> dict[str, Measurement]:
        (caa, _cab), (_cba, cbb) = self.normal_cov
        return {**self.criteria, "width": self.width,
                "normal_slope_ohm_per_k": Measurement(self.normal_slope_ohm_per_k,
                                                      float(np.sqrt(max(cbb, 0.0))), "Ω/K"),
                "normal_intercept_ohm": Measurement(self.normal_intercept_ohm,
                                                    float(np.sqrt(max(caa, 0.0))), "Ω"),
                "noise_ohm": Measurement(self.noise_ohm, NAN, "Ω")}

    def to_dict(self) -> dict:
        return self.face_dict() | {
            "two_step": bool(self.two_step),
            "normal_window_k": [json_number(v) for v in self.normal_window_k],
            "smoothing_k": json_number(self.smoothing_k),
            "sampling_k": {k: json_number(v) for k, v in self.sampling_k.items()},
            "noise_k": {k: json_number(v) for k, v in self.noise_k.items()}}

    def normal_state(self, t_k) -> np.ndarray:
        return self.normal_intercept_ohm + self.normal_slope_ohm_per_k * np.asarray(t_k)

    def normal_state_err(self, t_k) -> np.ndarray:
        """1σ of the fitted normal state at ``t_k`` (K), Ω."""
        t = np.asarray(t_k, float)
        (caa, cab), (_cba, cbb) = self.normal_cov
        return np.sqrt(np.maximum(caa + 2 * cab * t + cbb * t**2, 0.0))


#: half-widths of the local fits, as fractions of the rough width T₉₀ − T₁₀: the cubic at
#: each level crossing, the quintic giving the tangent at the steepest point, the cubic
#: locating the steepest point (its inflection)
_CROSS_FRACTION = 0.2
_TANGENT_FRACTION = 0.25
_SLOPE_FRACTION = 0.5
#: the zero-resistance threshold above the floor: this many σ of the floor's scatter, at
#: least this fraction of R_n (a digitised floor has no scatter)
_ZERO_SIGMAS = 3.0
_ZERO_MIN_FRACTION = 0.002
#: half-width of the local fit at the zero-resistance crossing, a fraction of the width
_ZERO_FRACTION = 0.3
#: the sampling σ (:func:`_sampling_terms`): this multiple of the rms change on the curve's
#: interleaved halves beyond this many times the noise variance of the change — 5σ for the
#: level crossings (a smaller change is the noise the noise term already carries), 12σ for the
#: tangent criteria and the width (their halves, with half the points, fall back to the
#: unresolved tangent, whose bias on a smooth step resolved by five points is 4–6× their
#: error at full sampling: 3σ or 8σ there over-covered simulated five-point tanh steps, 100 %
#: and 94 %) — and the halves' noise as a floor of the full curve's
_SAMPLING_SCALE = 1.0
_SAMPLING_K = 25.0
_SAMPLING_K_TANGENT = 144.0
_TANGENT_KEYS = ("onset", "offset", "max-slope", "width")
_SAMPLING_FLOOR = True


def _linfit(x, y):
    """Slope, intercept and their covariance of a straight-line fit (σ from the scatter)."""
    a = np.vstack([x, np.ones_like(x)]).T
    coef, _res, *_ = np.linalg.lstsq(a, y, rcond=None)
    dof = max(x.size - 2, 1)
    s2 = float(np.sum((a @ coef - y) ** 2)) / dof
    cov = np.linalg.inv(a.T @ a) * s2
    return float(coef[0]), float(coef[1]), cov


def _crossing(t, ratio, level):
    """Highest T where ``ratio`` falls below ``level`` coming from high T: (T, index)."""
    above = ratio >= level
    idx = np.flatnonzero(above[1:] & ~above[:-1])  # below at i, above at i+1
    if idx.size == 0:
        return np.nan, -1
    i = int(idx[-1])
    r0, r1 = ratio[i], ratio[i + 1]
    f = (level - r0) / (r1 - r0) if r1 != r0 else 0.5
    return float(t[i] + f * (t[i + 1] - t[i])), i


def _running_median(y: np.ndarray, k: int) -> np.ndarray:
    """Running median over ``k`` (odd) points, the ends padded with the end values."""
    if y.size < k:
        return y.copy()
    yp = np.pad(y, k // 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(yp, k), axis=1)


def _noise_sigma(t: np.ndarray, r: np.ndarray) -> float:
    """Point-to-point noise σ of R (Ω) from second differences along T (the deviation of each
    point from the chord of its neighbours), robust to a slope that changes along the curve —
    a flat floor, a steep transition, a sloped normal state — where first differences are
    not: 1.4826·MAD of the deviations over their noise gain √(1 + w₋² + w₊²)."""
    if t.size < 5:
        return robust_noise_sigma(r)
    h0, h1 = np.diff(t)[:-1], np.diff(t)[1:]
    wl, wr = h1 / (h0 + h1), h0 / (h0 + h1)  # chord weights of the left and right points
    dev = r[1:-1] - (wl * r[:-2] + wr * r[2:])
    gain = np.sqrt(1 + wl**2 + wr**2)
    return float(1.4826 * np.median(np.abs(dev / gain - np.median(dev / gain))))


#: k!/(k − d)!: the d-th derivative of u^k is that times u^(k − d) (0 for k < d)
_FALLING = np.array([[math.perm(k, d) for k in range(8)] for d in range(4)], float)


def _monomials(u: float, n: int, d: int) -> np.ndarray:
    """The d-th derivative of 1, u, …, u^(n − 1) at u."""
    return _FALLING[d, :n] * u ** np.maximum(np.arange(n) - d, 0)


@dataclass(frozen=True)
class _Local:
    """A polynomial in u = (T − centre)/half fitted to the points ``idx`` (K, Ω): its
    coefficients are ``smoother @ R[idx]``; ``sigma`` is the noise σ of those points (Ω)."""

    idx: np.ndarray
    centre: float
    half: float
    coef: np.ndarray
    smoother: np.ndarray
    sigma: float

    def at(self, tk: float, d: int = 0) -> tuple[float, np.ndarray]:
        """The d-th T-derivative at ``tk`` (Ω/K^d) and its gradient with respect to R[idx]."""
        row = _monomials((tk - self.centre) / self.half, self.coef.size, d) / self.half**d
        return float(row @ self.coef), row @ self.smoother


def _local_fit(t, r, centre: float, half: float, deg: int, sigma: float,
               spare: int = 2) -> _Local | None:
    """Least-squares polynomial of degree ``deg`` through the points within ±half (K) of
    ``centre``; None with fewer than deg + 1 + ``spare`` points there. The noise σ of the fit
    is ``sigma`` (Ω) unless the scatter about the fit is significantly larger (χ² above its
    99th percentile: a digitised curve's wobble, a noise estimate too small), then the
    scatter."""
    idx = np.flatnonzero(np.abs(t - centre) <= half)
    if idx.size < deg + 1 + spare or half <= 0:
        return None
    x = np.vander((t[idx] - centre) / half, deg + 1, increasing=True)
    smoother = np.linalg.pinv(x)
    coef = smoother @ r[idx]
    dof = idx.size - deg - 1
    eff = sigma
    if dof > 0:
        s2 = float(np.sum((x @ coef - r[idx]) ** 2)) / dof
        eff = sigma if s2 <= sigma**2 * chi2_upper_percentile(dof) else float(np.sqrt(s2))
    return _Local(idx, centre, half, coef, smoother, float(eff))


@dataclass(frozen=True)
class _Est:
    """A criterion (K): its gradient with respect to every R (K/Ω) and to the normal state's
    intercept and slope (K/Ω, K²/Ω), and a variance (K²) the gradient does not carry."""

    value: float
    grad: np.ndarray
    d_a: float = 0.0
    d_b: float = 0.0
    extra_var: float = 0.0
    sigma: float = float("nan")  # noise σ of the points the gradient covers (Ω); nan: global


def _cross(t, r, t0: float, half: float, alpha: float, beta: float, sigma: float,
           narrow: bool = True) -> _Est | None:
    """Where R rises through α + β·T (Ω) near ``t0`` (K): a local cubic through the points
    within ±half of t0 (``narrow``: halved while that moves the crossing significantly,
    :func:`_cross_local`) or — too few points there, a transition not resolved by the point
    spacing — linear interpolation between the two points around the crossing, corrected
    for the curvature (:func:`_cross_interpolated`)."""
    sol = _cross_local(t, r, t0, half, alpha, beta, sigma, narrow)
    if sol is not None:
        tk, fit, gv, fp = sol
        g = np.zeros(t.size)
        g[fit.idx] = -gv / fp
        return _Est(tk, g, 1.0 / fp, tk / fp, sigma=fit.sigma)
    return _cross_interpolated(t, r, t0, alpha, beta)


def _cross_local(t, r, t0: float, half: float, alpha: float, beta: float, sigma: float,
                 narrow: bool):
    """The crossing of α + β·T by a local cubic around ``t0`` (:func:`_cross`): (T in K, the
    fit, the gradient of the cubic's value at T with respect to its points, its slope less
    β), or None where no cubic over ±half crosses."""
    def solve(centre: float, half: float):
        fit = _local_fit(t, r, centre, half, 3, sigma) if half > 0 else None
        if fit is None:
            return None
        tk = centre
        for _ in range(30):
            v, _g = fit.at(tk)
            fp = fit.at(tk, 1)[0] - beta
            if fp <= 0:
                break
            new = float(np.clip(tk - (v - alpha - beta * tk) / fp, centre - half,
                                centre + half))
            done = abs(new - tk) < 1e-10 * half
            tk = new
            if done:
                break
        v, gv = fit.at(tk)
        fp = fit.at(tk, 1)[0] - beta
        if fp > 0 and abs(v - alpha - beta * tk) <= 1e-6 * (abs(alpha) + abs(v) + fp * half):
            return tk, fit, gv, fp
        return None

    def noise_var(sol) -> float:
        return float(np.sum((sol[2] / sol[3]) ** 2)) * sol[1].sigma ** 2

    # again centred on the crossing while it is off-centre (the fit is best, and its
    # linearised error honest, near its middle; and the crossing depends less on where the
    # noisy provisional curve put the window)
    sol = solve(t0, half)
    for _ in range(3):
        if sol is None or abs(sol[0] - sol[1].centre) <= 0.1 * half:
            break
        sol = solve(sol[0], half) or sol
    # then half as wide while that moves the crossing by more than twice the noise of the
    # difference: the cubic does not follow the curve over the wider window (a narrow step
    # of a two-step transition). Choosing the narrower fit by its difference selects noise
    # too (its error is then larger than its σ), hence only where a second step can hide.
    for _ in range(3 if narrow else 0):
        if sol is None:
            break
        half = 0.5 * half
        finer = solve(sol[0], half)
        if finer is None or (finer[0] - sol[0]) ** 2 <= 4 * max(
                noise_var(finer) - noise_var(sol), 0.0):
            break
        sol = finer
    return sol


def _cross_interpolated(t, r, t0: float, alpha: float, beta: float) -> _Est | None:
    """The crossing of α + β·T (Ω) between the two points around it nearest ``t0`` (K),
    corrected for the curvature (:func:`_cross`); None where R never rises through it."""
    f = r - alpha - beta * t
    s = np.flatnonzero((f[:-1] < 0) & (f[1:] >= 0))
    if s.size == 0:
        return None
    i = int(s[np.argmin(np.abs(0.5 * (t[s] + t[s + 1]) - t0))])
    gap = float(t[i + 1] - t[i])
    j = np.arange(max(i - 1, 0), min(i + 3, t.size))  # the pair and a neighbour each side
    tj = t[j]

    def chord(rj: np.ndarray, al: float, be: float) -> tuple[float, float]:
        # the chord misses the curve by R''·x·(gap − x)/2, R'' (a cubic) the curvature at
        # the first point plus its change over (x + gap)/3: corrected with the second
        # differences at the pair; returns (T, the correction)
        fj = rj - al - be * tj
        k = i - j[0]
        den = fj[k] - fj[k + 1]
        x = gap * fj[k] / den
        d2 = [2 * ((rj[q + 1] - rj[q]) / (tj[q + 1] - tj[q])
                   - (rj[q] - rj[q - 1]) / (tj[q] - tj[q - 1])) / (tj[q + 1] - tj[q - 1])
              for q in range(1, tj.size - 1)]
        if len(d2) == 2:  # curvature at the pair, and its change across the gap (a cubic)
            c2 = d2[0] + (d2[1] - d2[0]) * (x + gap) / (3 * gap)
        else:
            c2 = float(np.mean(d2)) if d2 else 0.0
        corr = c2 * x * (gap - x) / 2 / (-den / gap)
        return float(tj[k] + x), corr

    rj = r[j].astype(float)
    corr = chord(rj, alpha, beta)[1]
    # the curvature changes across the gap: 15 % of the correction is kept as its
    # uncertainty; a correction beyond a quarter of the gap means the transition is not
    # resolved at all: linear interpolation ± gap/√12
    use = abs(corr) <= 0.25 * gap
    eps = 1e-6 * max(abs(float(np.ptp(rj))), abs(alpha) + 1e-300)

    def value(rr, al, be):
        tl, c = chord(rr, al, be)
        return tl + (c if use else 0.0)

    tk = value(rj, alpha, beta)
    g = np.zeros(t.size)
    for q in range(j.size):
        d = np.zeros(j.size)
        d[q] = eps
        g[j[q]] = (value(rj + d, alpha, beta) - value(rj - d, alpha, beta)) / (2 * eps)
    d_a = (value(rj, alpha + eps, beta) - value(rj, alpha - eps, beta)) / (2 * eps)
    eb = eps / max(abs(float(tj.mean())), 1.0)
    d_b = (value(rj, alpha, beta + eb) - value(rj, alpha, beta - eb)) / (2 * eb)
    return _Est(tk, g, d_a, d_b, (0.15 * corr) ** 2 if use else gap**2 / 12)


def _steepest(t, r, t0: float, half: float, sigma: float) -> _Est:
    """The inflection (maximum dR/dT) of a quintic — with too few points, a cubic — through
    the points within ±half (K) of ``t0`` (a cubic that wide does not follow an asymmetric
    step); with too few points even for that (a transition not resolved by the point
    spacing), of the cubic through the steepest segment between neighbouring points and one
    point on each side of it; without a maximum of the slope there, the middle of that
    segment ± its length/√12."""

    def inflection(fit: _Local | None, lo: float, hi: float) -> _Est | None:
        # the second derivative's zero where the third is negative, by Newton from the
        # middle; its gradient from the implicit function: du/dc = −(∂p₂/∂c)/p₃
        if fit is None:
            return None

        def row(u: float, d: int) -> np.ndarray:
            return _monomials(u, fit.coef.size, d)

        u = float(np.clip(-fit.coef[2] / (3 * fit.coef[3]), -1, 1)) if fit.coef[3] else 0.0
        for _ in range(30):
            d2, d3 = row(u, 2) @ fit.coef, row(u, 3) @ fit.coef
            if d3 >= 0:
                return None
            new = float(np.clip(u - d2 / d3, -1.0, 1.0))
            done = abs(new - u) < 1e-12
            u = new
            if done:
                break
        d3 = row(u, 3) @ fit.coef
        tk = fit.centre + fit.half * u
        if (d3 >= 0 or abs(row(u, 2) @ fit.coef) > 1e-8 * np.abs(fit.coef).sum()
                or not lo <= tk <= hi):
            return None
        g = np.zeros(t.size)
        g[fit.idx] = -fit.half * (row(u, 2) @ fit.smoother) / d3
        return _Est(float(tk), g, sigma=fit.sigma)

    fit = _local_fit(t, r, t0, half, 5, sigma) or _local_fit(t, r, t0, half, 3, sigma)
    e = inflection(fit, t0 - half, t0 + half)
    if e is not None:
        return e
    sel = np.flatnonzero(np.abs(0.5 * (t[:-1] + t[1:]) - t0) <= max(half, np.diff(t).max()))
    if sel.size == 0:
        sel = np.array([int(np.clip(np.searchsorted(t, t0) - 1, 0, t.size - 2))])
    i = int(sel[np.argmax(np.diff(r)[sel] / np.diff(t)[sel])])
    mid = 0.5 * (t[i] + t[i + 1])
    if 0 < i < t.size - 2:
        four = _local_fit(t, r, mid, max(mid - t[i - 1], t[i + 2] - mid), 3, sigma, spare=0)
        e = inflection(four, t[i], t[i + 1])
        if e is not None:  # an interpolating cubic does not follow the step: ± gap/40 more
            # (its scatter on simulated tanh steps with five points across T₉₀ − T₁₀)
            return _Est(e.value, e.grad, extra_var=(0.025 * (t[i + 1] - t[i])) ** 2,
                        sigma=e.sigma)
    return _Est(float(mid), np.zeros(t.size), extra_var=(t[i + 1] - t[i]) ** 2 / 12)


def _normal_fit(t, r, lo: float, min_points: int, sigma: float):
    """A line through the normal state just above ``lo`` (K): the first ``min_points`` points
    above lo, then twice, four times … as many while a quadratic over the longer window is not
    significantly curved (|c₂| < 3σ). Returns (intercept Ω, slope Ω/K, window K, indices,
    smoother rows for intercept and slope, noise σ of the points Ω) or None."""
    above = np.flatnonzero(t >= lo)
    if above.size < min_points:
        return None
    # quadratic fits to growing prefixes of the points above lo, from prefix sums (x from the
    # window's start, rescaled to [0, 1] per window for the 3×3 normal equations)
    x = t[above] - t[above[0]]
    y = r[above]
    sx = np.cumsum(np.vstack([x**p for p in range(5)]), axis=1)
    sy = np.cumsum(np.vstack([y * x**p for p in range(3)]), axis=1)
    syy = np.cumsum(y * y)
    k = min_points
    while k < above.size:
        nxt = min(2 * k, above.size)
        j = nxt - 1
        scale = max(float(x[j]), 1e-300)
        sc = scale ** np.arange(5)
        mom = sx[:, j] / sc
        nmat = np.array([[mom[p + q] for q in range(3)] for p in range(3)])
        rhs = sy[:, j] / sc[:3]
        try:
            ninv = np.linalg.inv(nmat)
        except np.linalg.LinAlgError:
            break
        coef = ninv @ rhs
        s2 = max(float(syy[j] - coef @ rhs), 0.0) / max(nxt - 3, 1)
        if abs(coef[2]) > 3 * np.sqrt(max(ninv[2, 2] * s2, 0.0)):
            break
        k = nxt
    idx = above[:k]
    x = np.vstack([np.ones(k), t[idx]]).T
    sm = np.linalg.pinv(x)
    a, b = sm @ r[idx]
    s = np.sqrt(float(np.sum((x @ np.array([a, b]) - r[idx]) ** 2)) / max(k - 2, 1))
    return (float(a), float(b), (float(t[idx[0]]), float(t[idx[-1]])), idx, sm,
            max(float(s), sigma))


def analyze(temperature_k, resistance_ohm, *, sampling: bool = True) -> Transition:
    """Tc by every criterion (see the module docstring); never raises for a numerical
    reason: a curve without a transition gives ``success=False`` and the reason.

    Parameters
    ----------
    temperature_k, resistance_ohm : array_like
        The curve (K, Ω), in any order; repeated temperatures are averaged.
    sampling : bool
        Add the sampling (interpolation) term to every σ, from the curve's two interleaved
        halves (see :func:`_sampling_terms`); False gives the noise term alone.
    """
    try:
        loc = _locate(*_sorted_curve(temperature_k, resistance_ohm))
        # the criteria, from local fits to the raw points (no resampling), with the
        # gradient of each with respect to every R for the uncertainty
        est = _level_estimates(loc)
        est["max-slope"] = _steepest(loc.t, loc.r, float(loc.grid[loc.k]),
                                     _SLOPE_FRACTION * loc.rough, loc.sigma)
        est["onset"], est["offset"] = _tangent_estimates(loc, est["max-slope"].value)
    except AnalysisError as exc:
        return _failed_transition(str(exc))
    notes = loc.notes
    est["zero"] = _zero_estimate(loc, est["10"])
    if est["zero"] is None:
        notes.append("R never falls below the noise floor: no zero-resistance temperature")
    crit, width, noise_k = _measures(loc, est)
    two = _two_step(loc, notes)
    _a, _b, _w, _n_idx, n_sm, n_sig = loc.normal
    cov = n_sig**2 * (n_sm @ n_sm.T)  # intercept, slope
    samp: dict[str, float] = {}
    if sampling:
        crit, width, samp = _sampling_terms(loc.t, loc.r, crit, width, noise_k)
    h = max(_CROSS_FRACTION * loc.rough, 3 * loc.step)
    return Transition(crit, width, loc.b, loc.a, loc.window, float(loc.sigma), two, True,
                      "ok", tuple(notes), float(h),
                      ((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]),
                                                              float(cov[1, 1]))),
                      samp, noise_k)


def _failed_transition(message: str) -> Transition:
    nan = nan_measurement("K")
    return Transition({c: nan for c in CRITERIA}, nan, np.nan, np.nan, (np.nan, np.nan),
                      np.nan, False, False, message)


def _sorted_curve(temperature_k, resistance_ohm) -> tuple[np.ndarray, np.ndarray]:
    """The finite points (K, Ω) sorted by temperature, repeated temperatures averaged;
    :class:`AnalysisError` for fewer than 10."""
    t = np.asarray(temperature_k, float)
    r = np.asarray(resistance_ohm, float)
    if t.size != r.size:
        raise AnalysisError(f"{t.size} temperatures for {r.size} resistances")
    ok = np.isfinite(t) & np.isfinite(r)
    t, r = t[ok], r[ok]
    if t.size < 10:
        raise AnalysisError(f"only {t.size} finite points")
    order = np.argsort(t)
    t, r = t[order], r[order]
    if np.any(np.diff(t) <= 0):
        u, inv, c = np.unique(t, return_inverse=True, return_counts=True)
        r, t = np.bincount(inv, weights=r) / c, u
    if t.size < 10:
        raise AnalysisError(f"only {t.size} distinct temperatures")
    return t, r


@dataclass(frozen=True)
class _Located:
    """The transition located on a curve (:func:`_locate`): the sorted points ``t``, ``r``
    (K, Ω), their spacing ``step`` (K) and noise ``sigma`` (Ω); the uniform ``grid`` (K),
    the smoothed curve on it, its derivative and its ratio to the normal state; the
    steepest grid point ``k``; T₅₀, onset and offset on the smoothed curve, the padding of
    the transition band and the rough width T₉₀ − T₁₀ (K); the normal state's intercept
    ``a`` (Ω), slope ``b`` (Ω/K), ``window`` (K) and :func:`_normal_fit` tuple; notes."""

    t: np.ndarray
    r: np.ndarray
    step: float
    sigma: float
    grid: np.ndarray
    smooth: np.ndarray
    deriv: np.ndarray
    ratio: np.ndarray
    k: int
    t50: float
    onset: float
    offset: float
    pad: float
    rough: float
    a: float
    b: float
    window: tuple[float, float]
    normal: tuple
    notes: list[str]


def _midpoint(x: np.ndarray, ratio: np.ndarray) -> float:
    """T₅₀ (K): where ``ratio`` = R/R_n (on temperatures ``x``) falls below one half coming
    from high T; :class:`AnalysisError` when it never falls below half before that."""
    t50, i50 = _crossing(x, ratio, 0.5)
    if not np.isfinite(t50) or ratio[: max(i50, 1)].min() > 0.5:
        raise AnalysisError("no superconducting transition: R never falls below half the "
                            "normal state")
    return t50


def _rough_width(t: np.ndarray, r: np.ndarray, top: np.ndarray, step: float
                 ) -> tuple[float, float, float]:
    """(intercept Ω, slope Ω/K) of the provisional normal state (a line through the
    ``top`` points) and the rough width T₉₀ − T₁₀ (K) of the raw points (a 5-point running
    median) against it; :class:`AnalysisError` without a transition."""
    b, a, _cov = _linfit(t[top], r[top])
    rn_end = a + b * t[-1]
    if rn_end <= 0:
        raise AnalysisError("the normal-state resistance is ≤ 0 Ω")
    ratio_raw = _running_median(r, 5) / np.maximum(a + b * t, 0.05 * rn_end)
    t50 = _midpoint(t, ratio_raw)
    t90, t10 = _crossing(t, ratio_raw, 0.9)[0], _crossing(t, ratio_raw, 0.1)[0]
    rough = (t90 if np.isfinite(t90) else t50) - (t10 if np.isfinite(t10) else 2 * t50 - t90)
    return a, b, max(float(rough) if np.isfinite(rough) else 0.0, 2 * step)


def _locate(t: np.ndarray, r: np.ndarray) -> _Located:
    """The transition of the sorted curve (K, Ω): the rough width from the raw points, then
    three rounds of smoothing over a fraction of it, locating T₅₀, T₉₀, T₁₀ and the steepest
    point on the smoothed curve and refitting the normal state just above the onset (the
    module docstring); :class:`AnalysisError` where that fails."""
    span = t[-1] - t[0]
    step = max(float(np.median(np.diff(t))), span / 20000)
    sigma = _noise_sigma(t, r)
    # a uniform grid for the smoothed curve and its derivative (locating the transition,
    # zero resistance, two steps)
    grid = np.arange(t[0], t[-1] + 0.5 * step, step)
    rg = np.interp(grid, t, r)
    if grid.size < 7:
        raise AnalysisError("too few points for a derivative")
    # provisional normal state: the top 25 % of the range
    top = t >= t[-1] - 0.25 * span
    notes: list[str] = []
    window = (float(t[top][0]), float(t[-1]))
    a, b, rough = _rough_width(t, r, top, step)
    smoothed: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for _ in range(3):
        # smoothing window: a fraction of the transition, at least 5 points
        win = max(5, int(_CROSS_FRACTION * rough / step) | 1)
        win = min(win, grid.size - 1 if grid.size % 2 == 0 else grid.size - 2)
        if win not in smoothed:
            smoothed[win] = (signal.savgol_filter(rg, win, 2, mode="nearest"),
                             signal.savgol_filter(rg, win, 2, deriv=1, delta=step,
                                                  mode="nearest"))
        smooth, deriv = smoothed[win]
        rn = a + b * grid
        if rn[-1] <= 0:
            raise AnalysisError("the normal-state resistance is ≤ 0 Ω")
        # a steep normal state may extrapolate to ≤ 0 far below the transition, where R is
        # zero anyway: keep the ratio finite there
        rn = np.maximum(rn, 0.05 * rn[-1])
        ratio = smooth / rn
        t50 = _midpoint(grid, ratio)
        t90, _ = _crossing(grid, ratio, 0.9)
        t10, _ = _crossing(grid, ratio, 0.1)
        lo_t = t10 if np.isfinite(t10) else grid[0]
        hi_t = t90 if np.isfinite(t90) else t50
        if np.isfinite(t90) and np.isfinite(t10):
            rough = max(t90 - t10, 2 * step)
        pad = max(hi_t - lo_t, 4 * step)
        band = (grid >= lo_t - 0.5 * pad) & (grid <= hi_t + 0.5 * pad)
        k = int(np.flatnonzero(band)[np.argmax(deriv[band])])
        slope = float(deriv[k])
        onset = (smooth[k] - slope * grid[k] - a) / (b - slope)
        offset = grid[k] - smooth[k] / slope
        # the normal state: a line just above the onset (gap: three transition widths),
        # over as long a window as it stays straight
        lo_w = onset + 3 * max(onset - offset, 2 * step)
        nf = _normal_fit(t, r, lo_w, max(10, int(0.02 * t.size)), sigma)
        if nf is None:
            nf = _normal_fit(t, r, float(t[top][0]), int(top.sum()), sigma)
            msg = ("the normal state above the transition is short: fitted on the top "
                   "quarter of the range")
            if msg not in notes:
                notes.append(msg)
        if nf is None:
            raise AnalysisError("too few points in the normal state")
        a, b, window = nf[0], nf[1], nf[2]
    return _Located(t, r, step, sigma, grid, smooth, deriv, ratio, k, t50, onset, offset, pad,
                    rough, a, b, window, nf, notes)


def _level_estimates(loc: _Located) -> dict[str, _Est | None]:
    """The 90, 50 and 10 % crossings (:func:`_cross`), None where a level is not reached.

    Local fits: a fraction of the width, but at least three point spacings each side;
    wider than half the transition, the transition is not resolved: linear interpolation.
    The width is the local one where that is narrower (one step of a two-step transition): a
    tanh step of width w has dR/dT = 2x(1 − x)·R_n/w at R = x·R_n, and T₉₀ − T₁₀ = 2.2·w."""
    a, b, rough, step = loc.a, loc.b, loc.rough, loc.step
    est: dict[str, _Est | None] = {}
    for level, key in ((0.9, "90"), (0.5, "50"), (0.1, "10")):
        t0 = _crossing(loc.grid, loc.ratio, level)[0]
        if not np.isfinite(t0):
            est[key] = None
            continue
        slope0 = float(np.interp(t0, loc.grid, loc.deriv))
        local = 2.2 * 2 * level * (1 - level) * (a + b * t0) / slope0 if slope0 > 0 else rough
        scale = min(rough, local)
        hx = max(_CROSS_FRACTION * scale, 3 * step)
        e = _cross(loc.t, loc.r, t0, hx if hx <= 0.5 * scale else 0.0, level * a, level * b,
                   loc.sigma)
        est[key] = None if e is None else _Est(e.value, e.grad, level * e.d_a, level * e.d_b,
                                               e.extra_var, e.sigma)
    return est


def _tangent_estimates(loc: _Located, xs: float) -> tuple[_Est | None, _Est | None]:
    """Onset and offset: where the tangent at the steepest point ``xs`` (K) meets the
    normal state and R = 0 (None without a tangent steeper than the normal state).

    The tangent: a quintic over a fraction of the width, at least four point spacings each
    side (a cubic would bend the slope: by 1 % over ±0.75 of the tanh width, 0.04 % over
    ±0.33, against 0.01 % for the quintic over ±0.55)."""
    t, r, a, b, sigma, rough = loc.t, loc.r, loc.a, loc.b, loc.sigma, loc.rough
    tan = _local_fit(t, r, xs, max(_TANGENT_FRACTION * rough, 4 * loc.step), 5, sigma)
    s_tan = sigma
    if tan is not None and tan.half <= _SLOPE_FRACTION * rough:
        s_tan = tan.sigma
        v, gv = tan.at(xs)
        m, gm = tan.at(xs, 1)
        ii = tan.idx
        dm = 0.0
    else:  # not resolved: the cubic through the four nearest points; its slope is uncertain
        # by half its difference from the steepest segment's secant (model error, Ω/K)
        near = np.sort(np.argsort(np.abs(t - xs))[:4])
        tan = _local_fit(t, r, xs, float(np.abs(t[near] - xs).max()), 3, sigma, spare=0)
        if tan is None:
            raise AnalysisError("too few points in the transition")
        v, gv = tan.at(xs)
        m, gm = tan.at(xs, 1)
        ii = tan.idx
        i = int(np.clip(np.searchsorted(t, xs) - 1, 0, t.size - 2))
        dm = 0.5 * abs(m - (r[i + 1] - r[i]) / (t[i + 1] - t[i]))
    if not (m > b and m > 0):
        return None, None
    dn = a + b * xs - v
    g = np.zeros(t.size)
    g[ii] = -gv / (m - b) - dn / (m - b) ** 2 * gm
    onset = _Est(float(xs + dn / (m - b)), g, 1 / (m - b), xs / (m - b) + dn / (m - b) ** 2,
                 (dn / (m - b) ** 2 * dm) ** 2, s_tan)
    g = np.zeros(t.size)
    g[ii] = -gv / m + v / m**2 * gm
    offset = _Est(float(xs - v / m), g, extra_var=(v / m**2 * dm) ** 2, sigma=s_tan)
    return onset, offset


def _zero_estimate(loc: _Located, e10: _Est | None) -> _Est | None:
    """Zero resistance: the highest temperature below which R stays within the noise of
    the floor: its median + 3σ of its scatter (the MAD: robust to outliers, and it sees a
    digitised curve's wobble), at least 0.2 % of R_n above it (None where R never gets
    there)."""
    t, r, sigma, rough = loc.t, loc.r, loc.sigma, loc.rough
    t10v = e10.value if e10 is not None else loc.t50
    rn50 = loc.a + loc.b * loc.t50
    hi_f = t10v - 2 * rough
    floor = t <= hi_f
    if floor.sum() < 10:
        floor = t <= t10v - rough
    nfl = int(floor.sum())
    if nfl >= 5:
        f0 = float(np.median(r[floor]))
        sf = 1.4826 * float(np.median(np.abs(r[floor] - f0)))
        sf = sf if sf > 0 else sigma
        var_f0 = (1.2533 * sf) ** 2 / nfl
    else:
        f0, sf, var_f0 = 0.0, sigma, 0.0
    if _ZERO_SIGMAS * sf >= _ZERO_MIN_FRACTION * rn50:
        thr = f0 + _ZERO_SIGMAS * sf
        var_thr = var_f0 + (_ZERO_SIGMAS * 1.166 * sf) ** 2 / max(nfl, 1)
    else:
        thr = f0 + _ZERO_MIN_FRACTION * rn50
        var_thr = var_f0
    under = np.flatnonzero((loc.smooth <= thr) & (loc.grid < loc.t50))
    if not under.size:
        return None
    # the foot is wider than the steep part: a wider local fit (at most 0.3 of the width:
    # beyond, the cubic no longer follows the exponential foot of a tanh)
    hz = max(_ZERO_FRACTION * rough, 3 * loc.step)
    e = _cross(t, r, float(loc.grid[under[-1]]), hz if hz <= 0.5 * rough else 0.0, thr, 0.0,
               sigma, narrow=False)
    if e is None:
        return None
    return _Est(e.value, e.grad, extra_var=e.extra_var + e.d_a**2 * var_thr, sigma=e.sigma)


def _measures(loc: _Located, est: dict[str, _Est | None]
              ) -> tuple[dict[str, Measurement], Measurement, dict[str, float]]:
    """Every criterion and the width ± their noise σ (K), and the noise σ of each alone.

    σ of each point: the noise (or a local fit's scatter where significantly larger) in the
    transition, the scatter about the line in the normal state's window; the normal state's
    line enters as a linear function of its points."""
    _a, _b, _w, n_idx, n_sm, n_sig = loc.normal
    t_size, sigma = loc.t.size, loc.sigma

    def spread(e: _Est) -> np.ndarray:
        s_pt = np.full(t_size, e.sigma if np.isfinite(e.sigma) else sigma)
        s_pt[n_idx] = n_sig
        return s_pt

    def total(e: _Est) -> np.ndarray:
        g = e.grad.copy()
        g[n_idx] += e.d_a * n_sm[0] + e.d_b * n_sm[1]
        return g

    def noise_only(e: _Est | None) -> float:
        return (float(np.sqrt(np.sum((total(e) * spread(e)) ** 2))) if e is not None
                else float("nan"))

    nan = nan_measurement("K")

    def measure(e: _Est | None) -> Measurement:
        if e is None:
            return nan
        err = np.sqrt(float(np.sum((total(e) * spread(e)) ** 2)) + e.extra_var)
        return Measurement(float(e.value), float(err), "K")

    crit = {c: measure(est[c]) for c in CRITERIA}
    noise_k = {c: noise_only(est[c]) for c in CRITERIA}
    e90, e10 = est["90"], est["10"]
    if e90 is None or e10 is None:
        noise_k["width"] = float("nan")
        return crit, nan, noise_k
    gw = total(e90) - total(e10)
    s_pt = np.maximum(spread(e90), spread(e10))
    noise_k["width"] = float(np.sqrt(np.sum((gw * s_pt) ** 2)))
    width = Measurement(e90.value - e10.value,
                        float(np.sqrt(noise_k["width"] ** 2 + e90.extra_var
                                      + e10.extra_var)), "K")
    return crit, width, noise_k


def _two_step(loc: _Located, notes: list[str]) -> bool:
    """Whether two separated, comparable peaks of dR/dT lie inside the transition (then a
    note names them)."""
    grid, deriv, pad = loc.grid, loc.deriv, loc.pad
    region = (grid >= loc.offset - 2 * pad) & (grid <= loc.onset + 2 * pad)
    peaks, _props = signal.find_peaks(deriv[region], prominence=0.2 * float(deriv[loc.k]),
                                     distance=max(1, int(0.5 * pad / loc.step)))
    if peaks.size < 2:
        return False
    tp = grid[region][peaks]
    notes.append("two-step transition: dR/dT peaks at " + ", ".join(f"{x:.1f}" for x in tp)
                 + " K")
    return True


def _sampling_terms(t: np.ndarray, r: np.ndarray, crit: dict[str, Measurement],
                    width: Measurement, noise_k: dict[str, float]
                    ) -> tuple[dict[str, Measurement], Measurement, dict[str, float]]:
    """The sampling (interpolation) σ (K) of every criterion and of the width, added in
    quadrature to the noise σ: how far each moves when the curve (``t``, ``r`` sorted, K and
    Ω) is analysed on its two interleaved halves (every second point), beyond what the noise
    of the two estimates explains (their noise variances summed, times 25 for the level
    crossings and 144 for the tangent criteria and the width, subtracted from the squared
    change; see ``_SAMPLING_K``). Where the transition is well sampled the halves agree within
    their noise and the term vanishes; where a few points resolve it (a digitised figure: 3
    points between 10 and 90 %) the shape between the points is not determined by the data
    and the term is the change. The halves' noise σ/√2, where more than twice the full
    curve's, replaces it (a fit over a few points can miss a wobble the halves' fits see).

    Returns the criteria, the width and the sampling σ of each (K)."""
    if t.size < 20:
        return crit, width, {}
    halves = [analyze(t[o::2], r[o::2], sampling=False) for o in (0, 1)]
    halves = [hv for hv in halves if hv.success]
    terms: dict[str, float] = {}

    def widen(key: str, m: Measurement, subs: list[tuple[float, float]]) -> Measurement:
        subs = [(v, s) for v, s in subs if np.isfinite(v) and np.isfinite(s)]
        if not subs or not np.isfinite(m.value):
            return m
        kk = _SAMPLING_K_TANGENT if key in _TANGENT_KEYS else _SAMPLING_K
        excess = [max((v - m.value) ** 2 - kk * (s**2 + noise_k[key] ** 2), 0.0)
                  for v, s in subs]
        var = _SAMPLING_SCALE**2 * float(np.mean(excess))
        # the halves' noise, seen with half the points: the full curve's is at least 1/√2 of
        # it — where it is more than twice that (a wobble the full curve's fits missed, not a
        # fluctuation of the halves' noise estimates)
        floor = float(np.mean([s**2 for _v, s in subs])) / 2
        if _SAMPLING_FLOOR and floor > 4 * noise_k[key] ** 2:
            var += floor - noise_k[key] ** 2
        terms[key] = float(np.sqrt(var))
        return Measurement(m.value, float(np.sqrt(m.stderr**2 + var)), m.unit)

    out = {c: widen(c, m, [(hv.criteria[c].value, hv.noise_k[c]) for hv in halves])
           for c, m in crit.items()}
    width = widen("width", width, [(hv.width.value, hv.noise_k["width"]) for hv in halves])
    return out, width, terms


def critical_temperature(temperature_k, resistance_ohm, criterion: str = "50") -> FitResult:
    """Tc by one criterion as a :class:`FitResult` (keys ``Tc_K``, ``width_K``,
    ``normal_state_ohm`` — R_n at Tc — and ``normal_slope_ohm_per_K``)."""
    criterion = str(criterion).rstrip("%")
    if criterion not in CRITERIA:
        return failed("tc", f"unknown criterion {criterion!r}: {', '.join(CRITERIA)}")
    tr = analyze(temperature_k, resistance_ohm)
    if not tr.success:
        return failed(f"tc ({criterion})", tr.message)
    m = tr.criteria[criterion]
    if not np.isfinite(m.value):
        return failed(f"tc ({criterion})", f"criterion {criterion} not reached on this curve",
                      notes=tr.notes)
    rn = tr.normal_state(m.value)
    return FitResult(model_name=f"tc ({criterion})",
                     values={"Tc_K": m.value, "width_K": tr.width.value,
                             "normal_state_ohm": float(rn),
                             "normal_slope_ohm_per_K": tr.normal_slope_ohm_per_k},
                     stderr={"Tc_K": m.stderr, "width_K": tr.width.stderr,
                             "normal_state_ohm": float(tr.normal_state_err(m.value)),
                             "normal_slope_ohm_per_K": float(np.sqrt(tr.normal_cov[1][1]))},
                     units={"Tc_K": "K", "width_K": "K", "normal_state_ohm": "Ω",
                            "normal_slope_ohm_per_K": "Ω/K"},
                     names=(), correlation=np.zeros((0, 0)), success=True,
                     message=f"criterion: {CRITERION_LABELS[criterion]}",
                     notes=tr.notes + (("two-step transition",) if tr.two_step else ()),
                     noise_sigma=tr.noise_ohm)


def normalised_series(tc_k, tc_err_k, reference_index: int = 0):
    """Tc(t)/Tc(t₀) and its 1σ (PHYSICS §6): σ = ratio·√((σ/Tc)² + (σ₀/Tc₀)²), the
    reference point exactly 1 with σ = 0."""
    tc = np.asarray(tc_k, float)
    err = np.asarray(tc_err_k, float)
    t0, e0 = tc[reference_index], err[reference_index]
    ratio = tc / t0
    sig = ratio * np.sqrt((err / tc) ** 2 + (e0 / t0) ** 2)
    sig[reference_index] = 0.0
    ratio[reference_index] = 1.0
    return ratio, sig
