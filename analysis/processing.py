"""Processing: pure functions from a time signal to a phased, baseline-corrected spectrum.

Conventions
-----------
* Frequency axis: offsets from the carrier in Hz, *increasing* with index,
  ``f_k = (k − N/2)·SW/N`` (``numpy.fft.fftshift`` order).
* Phase: ``S(f)·exp(i·π/180·(p0 + p1·(f − f_pivot)/SW))``; p0 and p1 in degrees, p1 the phase
  change across the full spectral width, ``f_pivot`` an offset in Hz.
  A receiver delay t_d (signal sampled from t_d instead of 0) is undone by p1 = −360·SW·t_d.
* Apodization widths are line broadenings in Hz (FWHM added to a Lorentzian/Gaussian line).

Processing is ``(Dataset, ProcessingParams) → Spectrum`` (:func:`process`), split into
:func:`transform` (the expensive part: DC, shift, apodization, zero fill, FFT) and the cheap
:func:`phase` and baseline steps, so an interactive page can redo only what changed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
from scipy import interpolate, optimize

from .dataset import Dataset
from .units import FrequencyUnit, offset_axis

BaselineModel = Literal["none", "polynomial", "spline"]

#: Line broadening (Hz) for a broad line: the ¹³⁹La default, and the ¹H spectra shown with
#: their broad H₂ component (:func:`analysis.display.display_spectrum`)
BROAD_LINE_LB_HZ = 5000.0


# ---------------------------------------------------------------------------------------------
# parameters and results
# ---------------------------------------------------------------------------------------------
ECHO_MODES = ("echo", "whole-echo")


@dataclass(frozen=True)
class ProcessingParams:
    """Everything needed to turn a raw trace into a spectrum (JSON-serialisable).

    Attributes
    ----------
    dc : bool
        Remove the DC offset estimated from the last ``dc_fraction`` of the FID.
    left_shift : int, "echo" or "whole-echo"
        Points dropped from the start; ``"echo"`` shifts to the echo top (the half echo
        after it is transformed); ``"whole-echo"`` transforms the whole echo with its top
        at t = 0 (the points before the top wrapped to negative times, zero filling
        inserted between): a symmetric echo then gives a pure absorption spectrum after a
        zero-order phase, with √2 better SNR than the half echo.
    lb_hz, gb_hz : float
        Exponential (Lorentzian) and Gaussian line broadening in Hz.
    zero_fill : int
        Total points after zero filling (0 → next power of two ≥ 2·points).
    p0_deg, p1_deg : float
        Zero- and first-order phase in degrees (p1 across the full spectral width).
    pivot_hz : float
        Pivot of the first-order phase, offset from the carrier in Hz.
    baseline : {"none", "polynomial", "spline"}
    baseline_order : int
        Polynomial order.
    baseline_regions_hz : tuple of (lo, hi)
        Signal-free regions (offsets in Hz) the polynomial is fitted to.
    baseline_anchors : tuple of (x_hz, y)
        Points the smoothing spline passes through (y in spectrum units).
    reference_hz : float or None
        Overrides the dataset's 0-ppm frequency.
    trace : int
        Which trace of an arrayed dataset.
    """

    dc: bool = True
    dc_fraction: float = 0.2
    left_shift: int | str = 0
    lb_hz: float = 0.0
    gb_hz: float = 0.0
    zero_fill: int = 0
    p0_deg: float = 0.0
    p1_deg: float = 0.0
    pivot_hz: float = 0.0
    baseline: BaselineModel = "none"
    baseline_order: int = 1
    baseline_regions_hz: tuple[tuple[float, float], ...] = ()
    baseline_anchors: tuple[tuple[float, float], ...] = ()
    reference_hz: float | None = None
    trace: int = 0
    first_point_scale: float = 0.5

    def __post_init__(self) -> None:
        # normalise sequences (JSON gives lists) so equality and hashing work
        object.__setattr__(self, "baseline_regions_hz",
                           tuple((float(a), float(b)) for a, b in self.baseline_regions_hz))
        object.__setattr__(self, "baseline_anchors",
                           tuple((float(a), float(b)) for a, b in self.baseline_anchors))
        if isinstance(self.left_shift, str) and self.left_shift not in ECHO_MODES:
            object.__setattr__(self, "left_shift", int(self.left_shift))
        if self.baseline not in ("none", "polynomial", "spline"):
            raise ValueError(f"unknown baseline model {self.baseline!r}")

    def replace(self, **changes: Any) -> ProcessingParams:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["baseline_regions_hz"] = [list(r) for r in self.baseline_regions_hz]
        d["baseline_anchors"] = [list(a) for a in self.baseline_anchors]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ProcessingParams:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @classmethod
    def from_json(cls, text: str) -> ProcessingParams:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class Spectrum:
    """A processed spectrum on an increasing axis of offsets from the carrier (Hz)."""

    offsets_hz: np.ndarray
    data: np.ndarray
    carrier_hz: float
    reference_hz: float | None
    spectral_width_hz: float
    nucleus: str | None = None
    baseline: np.ndarray | None = None
    time_points: int = 0
    params: ProcessingParams = field(default_factory=ProcessingParams)

    @property
    def real(self) -> np.ndarray:
        return self.data.real

    def axis(self, unit: FrequencyUnit = "Hz") -> np.ndarray:
        """The frequency axis in ``unit`` (Hz/kHz relative to the reference when known)."""
        return offset_axis(self.offsets_hz, unit, carrier_hz=self.carrier_hz,
                           reference_hz=self.reference_hz)

    @property
    def resolution_hz(self) -> float:
        return self.spectral_width_hz / self.offsets_hz.size


# ---------------------------------------------------------------------------------------------
# time-domain steps
# ---------------------------------------------------------------------------------------------
def remove_dc(fid: np.ndarray, fraction: float = 0.2) -> np.ndarray:
    """Subtract the mean of the last ``fraction`` of the points (the signal-free tail)."""
    fid = np.asarray(fid, dtype=complex)
    n = max(1, int(round(fid.size * fraction)))
    return fid - fid[-n:].mean()


def left_shift(fid: np.ndarray, n: int) -> np.ndarray:
    """Drop the first ``n`` points and zero-pad the end (the length is kept)."""
    fid = np.asarray(fid, dtype=complex)
    if n <= 0:
        return fid.copy()
    if n >= fid.size:
        raise ValueError(f"left shift {n} ≥ number of points {fid.size}")
    return np.concatenate([fid[n:], np.zeros(n, dtype=complex)])


def echo_top(fid: np.ndarray, skip: int = 0) -> int:
    """Index of the echo maximum (largest |s|), ignoring the first ``skip`` points."""
    mag = np.abs(np.asarray(fid))
    return int(skip + np.argmax(mag[skip:]))


def window(t_s: np.ndarray, lb_hz: float = 0.0, gb_hz: float = 0.0) -> np.ndarray:
    """exp(−π·lb·|t|)·exp(−(π·gb·t)²/(4 ln 2)): adds ``lb_hz`` Hz FWHM of Lorentzian and
    ``gb_hz`` Hz FWHM of Gaussian broadening."""
    t = np.abs(np.asarray(t_s, dtype=float))
    w = np.ones_like(t)
    if lb_hz:
        w = w * np.exp(-np.pi * lb_hz * t)
    if gb_hz:
        w = w * np.exp(-((np.pi * gb_hz * t) ** 2) / (4 * np.log(2)))
    return w


def apodize(fid: np.ndarray, dwell_s: float, lb_hz: float = 0.0, gb_hz: float = 0.0,
            t0_index: int = 0) -> np.ndarray:
    """Apply exponential and Gaussian line broadening (Hz), centred at ``t0_index``."""
    fid = np.asarray(fid, dtype=complex)
    return fid * window((np.arange(fid.size) - t0_index) * dwell_s, lb_hz, gb_hz)


def zero_fill(fid: np.ndarray, size: int) -> np.ndarray:
    """Zero fill to ``size`` points (no-op when ``size`` ≤ current length)."""
    fid = np.asarray(fid, dtype=complex)
    if size <= fid.size:
        return fid.copy()
    return np.concatenate([fid, np.zeros(size - fid.size, dtype=complex)])


def default_zero_fill(points: int) -> int:
    """Next power of two ≥ 2·points."""
    return int(2 ** int(np.ceil(np.log2(max(2, 2 * points)))))


def frequency_axis(size: int, spectral_width_hz: float) -> np.ndarray:
    """Offsets from the carrier (Hz) of an fftshift-ordered spectrum: (k − N/2)·SW/N."""
    return (np.arange(size) - size // 2) * (spectral_width_hz / size)


def fft(fid: np.ndarray, spectral_width_hz: float, first_point_scale: float = 0.5):
    """Fourier transform with the first point scaled (½ removes the baseline offset).

    Returns
    -------
    offsets_hz : ndarray
        Increasing offsets from the carrier.
    spectrum : ndarray, complex
    """
    fid = np.array(fid, dtype=complex)
    fid[0] *= first_point_scale
    spec = np.fft.fftshift(np.fft.fft(fid))
    return frequency_axis(fid.size, spectral_width_hz), spec


# ---------------------------------------------------------------------------------------------
# phase
# ---------------------------------------------------------------------------------------------
def phase_factor(offsets_hz: np.ndarray, spectral_width_hz: float, p0_deg: float,
                 p1_deg: float, pivot_hz: float = 0.0) -> np.ndarray:
    """exp(i·π/180·(p0 + p1·(f − f_pivot)/SW))."""
    ang = np.deg2rad(p0_deg + p1_deg * (np.asarray(offsets_hz) - pivot_hz) / spectral_width_hz)
    return np.exp(1j * ang)


def phase(spectrum: np.ndarray, offsets_hz: np.ndarray, spectral_width_hz: float,
          p0_deg: float = 0.0, p1_deg: float = 0.0, pivot_hz: float = 0.0) -> np.ndarray:
    """Apply zero- and first-order phase (see module conventions)."""
    return np.asarray(spectrum) * phase_factor(offsets_hz, spectral_width_hz, p0_deg, p1_deg,
                                               pivot_hz)


def move_pivot(p0_deg: float, p1_deg: float, old_pivot_hz: float, new_pivot_hz: float,
               spectral_width_hz: float) -> float:
    """The p0 that keeps the same phase correction when the pivot moves."""
    return p0_deg + p1_deg * (new_pivot_hz - old_pivot_hz) / spectral_width_hz


def _acme_score(spec_real: np.ndarray, gamma: float = 5e-3) -> float:
    """ACME (Chen et al. 2002): entropy of |first derivative| plus a negativity penalty."""
    d = np.abs(np.diff(spec_real))
    s = d.sum()
    if s == 0:
        return 0.0
    h = d / s
    h = h[h > 0]
    entropy = -np.sum(h * np.log(h))
    neg = spec_real[spec_real < 0]
    total = np.sum(np.abs(spec_real)) or 1.0
    penalty = np.sum((neg / total) ** 2) * spec_real.size
    return float(entropy + gamma * penalty * 1e3)


def wrap_phase(angle_deg: float) -> float:
    """Wrap an angle into [−180, 180)."""
    return float((angle_deg + 180.0) % 360.0 - 180.0)


def autophase(spectrum: np.ndarray, offsets_hz: np.ndarray, spectral_width_hz: float,
              method: Literal["acme", "max-real", "zero-order"] = "acme",
              pivot_hz: float | None = None, first_order: bool = True) -> tuple[float, float]:
    """Estimate (p0, p1) in degrees: a starting point for manual phasing, not a verdict.

    Methods
    -------
    ``"zero-order"``
        p0 only, maximising the real integral (closed form; robust for one line).
    ``"max-real"``
        p0 (closed form) and p1 maximising Σ Re(S)² weighted to favour positive absorption.
    ``"acme"``
        Entropy minimisation of the derivative with a negative-intensity penalty.

    The pivot defaults to the largest |S| point; returned p0 refers to that pivot.
    """
    spectrum = np.asarray(spectrum, dtype=complex)
    offsets_hz = np.asarray(offsets_hz, dtype=float)
    if pivot_hz is None:
        pivot_hz = float(offsets_hz[np.argmax(np.abs(spectrum))])
    # decimate for speed: the objectives need shape, not every point
    step = max(1, spectrum.size // 4096)
    s, f = spectrum[::step], offsets_hz[::step]
    # judge the phase where the signal is: the wings carry the baseline roll that a
    # receiver delay leaves after the correct first-order phase
    mag = np.abs(s)
    mask = mag > 0.1 * mag.max()
    mask = np.convolve(mask, np.ones(5), mode="same") > 0
    sm, fm = s[mask], f[mask]

    def p0_for(p1: float) -> float:
        z = np.sum(sm * phase_factor(fm, spectral_width_hz, 0.0, p1, pivot_hz))
        return float(np.rad2deg(-np.angle(z)))

    if method == "zero-order" or not first_order:
        return wrap_phase(p0_for(0.0)), 0.0

    def negativity(p1: float) -> float:
        r = (sm * phase_factor(fm, spectral_width_hz, p0_for(p1), p1, pivot_hz)).real
        pos = np.sum(r[r > 0] ** 2) or 1.0
        return float(np.sum(r[r < 0] ** 2) / pos + 2e-2 * (p1 / 360.0) ** 2)

    grid = np.linspace(-360, 360, 145)
    p1 = float(grid[np.argmin([negativity(g) for g in grid])])
    p1 = float(optimize.minimize_scalar(negativity, bounds=(p1 - 5, p1 + 5),
                                        method="bounded").x)
    if method == "max-real":
        return wrap_phase(p0_for(p1)), p1

    if method == "acme":
        idx = np.flatnonzero(mask)
        pad = max(8, (idx[-1] - idx[0]) // 4)
        lo, hi = max(0, idx[0] - pad), min(s.size, idx[-1] + pad + 1)
        sa, fa = s[lo:hi], f[lo:hi]

        def cost2(x: np.ndarray) -> float:
            r = (sa * phase_factor(fa, spectral_width_hz, x[0], x[1], pivot_hz)).real
            return _acme_score(r) + 2e-2 * (x[1] / 360.0) ** 2

        res = optimize.minimize(cost2, np.asarray([p0_for(p1), p1]), method="Nelder-Mead",
                                options={"xatol": 0.05, "fatol": 1e-10, "maxiter": 800,
                                         "initial_simplex": [[p0_for(p1), p1],
                                                             [p0_for(p1) + 20, p1],
                                                             [p0_for(p1), p1 + 60]]})
        p0, p1 = float(res.x[0]), float(res.x[1])
        r = (sm * phase_factor(fm, spectral_width_hz, p0, p1, pivot_hz)).real
        if r.sum() < 0:  # the 180° ambiguity: the real integral must be positive
            p0 += 180.0
        return wrap_phase(p0), p1

    raise ValueError(f"unknown autophase method {method!r}")


#: :func:`autophase` under a name :func:`process` can call (its keyword is ``autophase``)
estimate_phase = autophase


# ---------------------------------------------------------------------------------------------
# baseline
# ---------------------------------------------------------------------------------------------
def region_mask(x: np.ndarray, regions) -> np.ndarray:
    """Where ``x`` lies in any of ``regions`` ((lo, hi) in x units, either order)."""
    mask = np.zeros(x.size, dtype=bool)
    for lo, hi in regions:
        lo, hi = min(lo, hi), max(lo, hi)
        mask |= (x >= lo) & (x <= hi)
    return mask


def polynomial_baseline(x: np.ndarray, y: np.ndarray, regions, order: int = 1) -> np.ndarray:
    """Least-squares polynomial through the points of ``y`` inside ``regions`` (x units).

    Raises
    ------
    ValueError
        When the regions hold fewer points than the polynomial has coefficients.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mask = region_mask(x, regions)
    if mask.sum() < order + 1:
        raise ValueError(f"baseline regions hold {int(mask.sum())} points; order {order} "
                         f"needs ≥ {order + 1}")
    span = (x.max() - x.min()) or 1.0
    u = (x - x.mean()) / span  # well-conditioned variable
    coef = np.polynomial.polynomial.polyfit(u[mask], y[mask], order)
    return np.polynomial.polynomial.polyval(u, coef)


def spline_baseline(x: np.ndarray, anchors) -> np.ndarray:
    """Smooth curve through user anchor points ``[(x, y), …]`` (x in the units of ``x``).

    One anchor: a constant; two: a straight line; three or more: a natural cubic spline
    (flat extrapolation beyond the outermost anchors).
    """
    x = np.asarray(x, dtype=float)
    pts = sorted((float(a), float(b)) for a, b in anchors)
    if not pts:
        return np.zeros_like(x)
    ax = np.array([p[0] for p in pts])
    ay = np.array([p[1] for p in pts])
    keep = np.concatenate([[True], np.diff(ax) > 0])
    ax, ay = ax[keep], ay[keep]
    if ax.size == 1:
        return np.full_like(x, ay[0])
    if ax.size == 2:
        return np.interp(x, ax, ay)
    cs = interpolate.CubicSpline(ax, ay, bc_type="natural")
    out = cs(np.clip(x, ax[0], ax[-1]))
    return out


def anchors_from_spectrum(x: np.ndarray, y: np.ndarray, positions, half_width: int = 5):
    """Anchor points at ``positions`` (x units) with y = local mean of the spectrum."""
    x = np.asarray(x)
    y = np.asarray(y)
    out = []
    for p in positions:
        i = int(np.argmin(np.abs(x - p)))
        lo, hi = max(0, i - half_width), min(x.size, i + half_width + 1)
        out.append((float(x[i]), float(np.mean(y[lo:hi]))))
    return tuple(out)


def baseline_for(offsets_hz: np.ndarray, real: np.ndarray, params: ProcessingParams):
    """The baseline the parameters ask for (None for ``"none"``)."""
    if params.baseline == "polynomial" and params.baseline_regions_hz:
        return polynomial_baseline(offsets_hz, real, params.baseline_regions_hz,
                                   params.baseline_order)
    if params.baseline == "spline" and params.baseline_anchors:
        return spline_baseline(offsets_hz, params.baseline_anchors)
    return None


# ---------------------------------------------------------------------------------------------
# the pipeline
# ---------------------------------------------------------------------------------------------
def prepare_fid(dataset: Dataset, params: ProcessingParams) -> tuple[np.ndarray, int]:
    """DC removal, left shift and apodization of one trace.

    Returns the processed FID (not zero-filled) and the number of points shifted out (the
    echo top for ``"echo"``/``"whole-echo"``; for the whole echo this is the half after
    the top, the form the FID plot and the time-domain SNR use).
    """
    fid = _dc_corrected(dataset, params)
    shift = echo_top(fid) if params.left_shift in ECHO_MODES else int(params.left_shift)
    fid = left_shift(fid, shift)
    fid = apodize(fid, dataset.dwell_s, params.lb_hz, params.gb_hz)
    return fid, shift


def _dc_corrected(dataset: Dataset, params: ProcessingParams) -> np.ndarray:
    if dataset.domain != "time":
        raise ValueError(f"{dataset.source}: frequency-domain data have no FID")
    if not 0 <= params.trace < dataset.traces:
        raise ValueError(f"trace {params.trace} out of range 0…{dataset.traces - 1}")
    fid = np.asarray(dataset.data[params.trace], dtype=complex)
    if params.dc:
        fid = remove_dc(fid, params.dc_fraction)
    return fid


def whole_echo(fid: np.ndarray, dwell_s: float, size: int, lb_hz: float = 0.0,
               gb_hz: float = 0.0) -> np.ndarray:
    """The whole echo arranged for the FFT: the top at index 0, the points after it next,
    zeros (zero filling) in the middle, the points before it at the end (negative times);
    apodization symmetric in |t| about the top."""
    fid = np.asarray(fid, dtype=complex)
    top = echo_top(fid)
    pos, neg = fid[top:], fid[:top]
    size = max(size, fid.size)
    out = np.zeros(size, dtype=complex)
    t = np.zeros(size)
    out[:pos.size] = pos
    t[:pos.size] = np.arange(pos.size) * dwell_s
    if neg.size:
        out[size - neg.size:] = neg
        t[size - neg.size:] = np.arange(neg.size, 0, -1) * dwell_s
    return out * window(t, lb_hz, gb_hz)


def transform(dataset: Dataset, params: ProcessingParams) -> tuple[np.ndarray, np.ndarray]:
    """Everything before phasing: returns (offsets_hz, complex spectrum, unphased)."""
    if dataset.domain == "frequency":
        assert dataset.frequency_offsets_hz is not None
        return (np.asarray(dataset.frequency_offsets_hz),
                np.asarray(dataset.data[params.trace], dtype=complex))
    if params.left_shift == "whole-echo":
        fid = _dc_corrected(dataset, params)
        size = params.zero_fill or default_zero_fill(fid.size)
        # every point is a full sample of the echo: no first-point halving
        return fft(whole_echo(fid, dataset.dwell_s, size, params.lb_hz, params.gb_hz),
                   dataset.spectral_width_hz, 1.0)
    fid, _ = prepare_fid(dataset, params)
    size = params.zero_fill or default_zero_fill(fid.size)
    fid = zero_fill(fid, size)
    return fft(fid, dataset.spectral_width_hz, params.first_point_scale)


def finish(dataset: Dataset, params: ProcessingParams, offsets_hz: np.ndarray,
           raw_spectrum: np.ndarray) -> Spectrum:
    """Phase and baseline on an already transformed spectrum."""
    spec = phase(raw_spectrum, offsets_hz, dataset.spectral_width_hz, params.p0_deg,
                 params.p1_deg, params.pivot_hz)
    base = baseline_for(offsets_hz, spec.real, params)
    if base is not None:
        spec = spec - base
    return Spectrum(offsets_hz=offsets_hz, data=spec, carrier_hz=dataset.carrier_hz,
                    reference_hz=params.reference_hz or dataset.reference_hz,
                    spectral_width_hz=dataset.spectral_width_hz, nucleus=dataset.nucleus,
                    baseline=base, time_points=dataset.points, params=params)


def process(dataset: Dataset, params: ProcessingParams | None = None, *,
            autophase: Literal["acme", "max-real", "zero-order"] | None = None) -> Spectrum:
    """The whole pipeline: ``(Dataset, ProcessingParams) → Spectrum``.

    Parameters
    ----------
    dataset : Dataset
    params : ProcessingParams, optional
        Default: ``ProcessingParams()`` (no apodization, automatic zero fill, no phase).
    autophase : {"acme", "max-real", "zero-order"}, optional
        Phase automatically instead of with ``params``' p0/p1 (degrees): the transform, then
        :func:`estimate_phase` with this method, pivoted on the strongest point of the
        unphased spectrum, then phase and baseline. The phase used is in the returned
        spectrum's ``params`` (``p0_deg``, ``p1_deg``, ``pivot_hz`` in Hz from the carrier).

    Returns
    -------
    Spectrum
    """
    params = params or ProcessingParams()
    offsets, raw = transform(dataset, params)
    if autophase is not None:
        pivot = float(offsets[np.argmax(np.abs(raw))])
        p0, p1 = estimate_phase(raw, offsets, dataset.spectral_width_hz, method=autophase)
        params = params.replace(p0_deg=p0, p1_deg=p1, pivot_hz=pivot)
    return finish(dataset, params, offsets, raw)


def phased_fid(dataset: Dataset, params: ProcessingParams) -> tuple[np.ndarray, np.ndarray]:
    """The prepared FID with the zero-order phase applied: (time_s, complex signal).

    The first-order phase has no time-domain equivalent other than a shift; only p0 (at
    the pivot) is applied, which is what the time-domain SNR needs.
    """
    fid, _ = prepare_fid(dataset, params)
    p0_at_zero = params.p0_deg - params.p1_deg * params.pivot_hz / dataset.spectral_width_hz
    return (np.arange(fid.size) * dataset.dwell_s,
            fid * np.exp(1j * np.deg2rad(p0_at_zero)))
