"""Measurements on spectra and FIDs, each with a standard uncertainty.

* :func:`peak` — position (Hz offset and ppm), height and FWHM (linear interpolation of the
  half-height crossings), uncertainties propagated from the rms noise of a signal-free
  region. Zero filling correlates neighbouring points; least-squares errors are scaled by
  √(points after / points before zero filling) to account for it.
* :func:`integral` — over a region, σ = σ_noise·Δf·√(n/zf).
* :func:`snr_time` — amplitude at t = 0 of the real, phased FID (a quadratic fitted to the
  first points and extrapolated) over the rms noise of the signal-free tail of the same real
  channel (never a magnitude signal: its noise is Rayleigh-distributed).
* :func:`snr_frequency` — peak height over the rms noise of a signal-free region.
* :func:`line_shift` — the phase-independent position of the line from a time-domain Voigt
  fit (:func:`fid_amplitude`); it refuses a spectrum of several resolved lines
  (:func:`resolved_lines`; the failed :class:`LineShift` lists them) unless a region picks
  one, which is then fitted on the band-limited FID with the model filtered alike.

Failures follow :mod:`analysis.results`: :func:`peak`, :func:`fid_amplitude` and
:func:`line_shift` return their result with ``success=False``, NaN values and the reason in
``message`` when the data give no answer; the primitives that return a bare
:class:`Measurement` (:func:`integral`, :func:`snr_time`, :func:`snr_frequency`,
:func:`noise_rms`) raise :class:`MeasurementError` (an
:class:`~analysis.results.AnalysisError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from types import SimpleNamespace

import numpy as np
from scipy import optimize

from .dataset import Dataset
from .fitting import fit_verdict, least_squares
from .processing import ProcessingParams, Spectrum, phased_fid, region_mask
from .results import (  # noqa: F401 (Measurement, format_value_error: re-exported)
    NAN,
    AnalysisError,
    Measurement,
    QuantityResult,
    format_value_error,
    json_number,
    nan_measurement,
    reduced_chi2_limit,
)
from .units import hz_to_ppm, width_hz_to_ppm


class MeasurementError(AnalysisError):
    """A measurement is impossible on this input (no peak, empty region, …): raised by the
    primitives that return a bare :class:`Measurement`, and by
    :meth:`~analysis.results.Result.raise_for_failure` of a failed measurement."""


class _Measured(QuantityResult):
    """The results of this module: a failure stands for a :class:`MeasurementError`."""

    __slots__ = ()

    def failure_exception(self) -> MeasurementError:
        return MeasurementError(self.message)


@dataclass(frozen=True, slots=True)
class PeakResult(_Measured):
    """Peak position, shift, height and width with uncertainties (the ppm values None
    without a reference); failed (:func:`peak`): NaN values and the reason."""

    position_hz: Measurement  #: offset from the carrier
    shift_ppm: Measurement | None
    height: Measurement
    fwhm_hz: Measurement
    fwhm_ppm: Measurement | None
    noise_rms: float
    success: bool = True
    message: str = "the largest peak, above 5σ of the noise"
    notes: tuple[str, ...] = ()

    def quantities(self) -> dict[str, Measurement]:
        q = {"position_hz": self.position_hz, "shift_ppm": self.shift_ppm,
             "height": self.height, "fwhm_hz": self.fwhm_hz, "fwhm_ppm": self.fwhm_ppm}
        return {k: m for k, m in q.items() if m is not None}

    def to_dict(self) -> dict[str, object]:
        return self.with_face({
            "position_hz": self.position_hz.to_dict(),
            "shift_ppm": self.shift_ppm.to_dict() if self.shift_ppm else None,
            "height": self.height.to_dict(),
            "fwhm_hz": self.fwhm_hz.to_dict(),
            "fwhm_ppm": self.fwhm_ppm.to_dict() if self.fwhm_ppm else None,
            "noise_rms": self.noise_rms,
        })


def _failed_peak(spectrum: Spectrum, message: str) -> PeakResult:
    ppm = nan_measurement("ppm") if spectrum.reference_hz else None
    return PeakResult(position_hz=nan_measurement("Hz"), shift_ppm=ppm,
                      height=nan_measurement("a.u."), fwhm_hz=nan_measurement("Hz"),
                      fwhm_ppm=ppm, noise_rms=NAN, success=False, message=message)


def default_noise_regions(offsets_hz: np.ndarray, fraction: float = 0.1):
    """The outer ``fraction`` of the spectrum on each side."""
    x = np.asarray(offsets_hz)
    n = max(2, int(x.size * fraction))
    return ((float(x[0]), float(x[n - 1])), (float(x[-n]), float(x[-1])))


def noise_rms(x: np.ndarray, y: np.ndarray, regions) -> float:
    """rms of ``y`` in ``regions`` after removing a straight line per region."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    resid = []
    for lo, hi in regions:
        m = region_mask(x, [(lo, hi)])
        if m.sum() >= 3:
            c = np.polyfit(x[m] - x[m].mean(), y[m], 1)
            resid.append(y[m] - np.polyval(c, x[m] - x[m].mean()))
    if not resid:
        raise MeasurementError("the noise regions hold fewer than 3 points")
    r = np.concatenate(resid)
    return float(np.sqrt(np.mean(r**2)))


def _zf_factor(spectrum: Spectrum) -> float:
    """How many spectrum points share one independent noise value.

    Zero filling by z correlates z neighbours; line broadening (lb, gb in Hz) correlates the
    noise over about its width, i.e. (lb + gb)/Δν more points of the unfilled spectrum.
    """
    if spectrum.time_points <= 0:
        return 1.0
    zf = max(1.0, spectrum.offsets_hz.size / spectrum.time_points)
    native_resolution = spectrum.spectral_width_hz / spectrum.time_points
    p = spectrum.params
    return zf * (1.0 + (abs(p.lb_hz) + abs(p.gb_hz)) / native_resolution)


def _crossing(x: np.ndarray, y: np.ndarray, i_in: int, i_out: int, level: float):
    """Linear interpolation of where y crosses ``level`` between indices i_in and i_out."""
    y0, y1 = y[i_in], y[i_out]
    slope = (y1 - y0) / (x[i_out] - x[i_in])
    xc = x[i_in] + (level - y0) / slope
    return float(xc), float(slope)


def _pseudo_voigt(u, h, u0, w, eta):
    z = (u - u0) / (w / 2)
    return h * (eta / (1 + z**2) + (1 - eta) * np.exp(-np.log(2) * z**2))


def _vertex(u, y, hmax, width, sigma, zf):
    """Position (points) and height of the top of a peak by a local pseudo-Voigt fit.

    Returns (u0, height, var_u0, var_height); variances scaled by the zero-fill factor.
    Falls back to the grid maximum when the fit fails.
    """
    # weights as 1/σ per point, as the fit always had them: where η sits on its bound the
    # optimum is flat, and rounding alone would move it by 1e-4 of its value
    w = 1 / np.full(u.size, sigma)
    fit = least_squares(lambda p: (_pseudo_voigt(u, *p) - y) * w, (hmax, 0.0, width, 0.5),
                        (0, u.min(), 0.1, 0.0), (10 * hmax, u.max(), 10 * width + 10, 1.0),
                        scale_covar=False, max_nfev=2000, x_scale=1.0)
    var = fit.stderr**2
    if not (fit.success and np.all(np.isfinite(var))):
        return 0.0, float(hmax), 1 / 12 + zf, float(sigma**2)
    return float(fit.p[1]), float(fit.p[0]), float(var[1] * zf), float(var[0] * zf)


def _refine_crossing(x, y, x_start, level, m, sigma, zf):
    """Where a quadratic fitted to ±m points around ``x_start`` reaches ``level``.

    Averages the noise that makes the first crossing of a noisy flank biased inwards; the
    quadratic term absorbs the flank's curvature. Returns (x, variance of x, slope).
    """
    xc = float(x_start)
    coef = cov = None
    for _ in range(3):
        i = int(np.argmin(np.abs(x - xc)))
        lo, hi = max(0, i - m), min(x.size, i + m + 1)
        if hi - lo < 4:
            break
        scale = (x[hi - 1] - x[lo]) or 1.0
        v = (x[lo:hi] - x[i]) / scale
        A = np.vstack([np.ones_like(v), v, v**2]).T
        coef, *_ = np.linalg.lstsq(A, y[lo:hi], rcond=None)
        cov = np.linalg.inv(A.T @ A) * sigma**2 * zf
        a, b, c = coef
        if b == 0:
            break
        # root of a + b v + c v² = level nearest v = 0 (Newton from the linear guess)
        vr = (level - a) / b
        for _ in range(4):
            f, df = a + b * vr + c * vr * vr - level, b + 2 * c * vr
            if df == 0:
                break
            vr -= f / df
        xc = x[i] + vr * scale
    if coef is None or cov is None:
        return float(x_start), float(sigma**2), 1e-30
    a, b, c = coef
    slope_v = b + 2 * c * vr
    g = np.array([-1.0, -vr, -vr * vr]) / slope_v  # ∂v_root/∂(a, b, c)
    return float(xc), float(g @ cov @ g) * scale**2, float(slope_v / scale)


def _half_crossings(x: np.ndarray, y: np.ndarray, imax: int, half: float):
    """(x_left, x_right, slope_left, slope_right) where y falls to ``half``, or None."""
    i = imax
    while i > 0 and y[i] > half:
        i -= 1
    j = imax
    while j < y.size - 1 and y[j] > half:
        j += 1
    if y[i] > half or y[j] > half or i == imax or j == imax:
        return None
    xl, sl = _crossing(x, y, i + 1, i, half)
    xr, sr = _crossing(x, y, j - 1, j, half)
    return xl, xr, sl, sr


def peak(spectrum: Spectrum, region_hz: tuple[float, float] | None = None,
         noise_regions_hz=None) -> PeakResult:
    """Position, height and FWHM of the largest peak of the real spectrum in ``region_hz``.

    Parameters
    ----------
    spectrum : Spectrum
        Phased (and baseline-corrected) spectrum.
    region_hz : (lo, hi), optional
        Offsets from the carrier (Hz) to search; the whole spectrum by default.
    noise_regions_hz : sequence of (lo, hi), optional
        Signal-free regions; the outer 10 % on each side by default.

    Returns
    -------
    PeakResult
        Failed (``success=False``, NaN values, the reason in ``message``) when the noise
        or peak region holds too few points, no peak rises above 5σ of the noise, or the
        peak does not fall to half height inside the spectrum.
    """
    try:
        return _peak(spectrum, region_hz, noise_regions_hz)
    except MeasurementError as exc:
        return _failed_peak(spectrum, str(exc))


def _peak(spectrum: Spectrum, region_hz, noise_regions_hz) -> PeakResult:
    """:func:`peak`, raising :class:`MeasurementError` where it fails."""
    x = np.asarray(spectrum.offsets_hz, dtype=float)
    y = np.asarray(spectrum.real, dtype=float)
    if noise_regions_hz is None:
        noise_regions_hz = default_noise_regions(x)
    sigma = noise_rms(x, y, noise_regions_hz)
    zf = _zf_factor(spectrum)
    sel = region_mask(x, [region_hz]) if region_hz else np.ones(x.size, dtype=bool)
    idx = np.flatnonzero(sel)
    if idx.size < 3:
        raise MeasurementError("the peak region holds fewer than 3 points")
    imax = int(idx[np.argmax(y[idx])])
    hmax = y[imax]
    if hmax <= 5 * sigma:
        raise MeasurementError(f"no peak above 5σ of the noise (max {hmax:.3g}, "
                               f"σ {sigma:.3g})")
    # rough width from the grid maximum, then a quadratic fitted over ±0.3·FWHM
    rough = _half_crossings(x, y, imax, hmax / 2)
    if rough is None:
        raise MeasurementError("the peak does not fall to half height inside the spectrum")
    dx = spectrum.resolution_hz
    half_window = max(2, int(round(0.5 * (rough[1] - rough[0]) / dx)))
    lo, hi = max(0, imax - half_window), min(y.size - 1, imax + half_window)
    u = (x[lo:hi + 1] - x[imax]) / dx
    uv, hv, var_u, var_h = _vertex(u, y[lo:hi + 1], hmax, (rough[1] - rough[0]) / dx, sigma, zf)
    pos = x[imax] + uv * dx
    pos_err = np.sqrt(var_u) * dx
    h_err = np.sqrt(var_h)
    cross = _half_crossings(x, y, imax, hv / 2)
    if cross is None:
        raise MeasurementError("the peak does not fall to half height inside the spectrum")
    m = max(2, int(round(0.1 * (cross[1] - cross[0]) / dx)))
    xl, var_l, sl = _refine_crossing(x, y, cross[0], hv / 2, m, sigma, zf)
    xr, var_r, sr = _refine_crossing(x, y, cross[1], hv / 2, m, sigma, zf)
    fwhm = xr - xl
    var_w = var_l + var_r + (h_err / 2) ** 2 * (1 / abs(sl) + 1 / abs(sr)) ** 2
    fwhm_err = float(np.sqrt(var_w))
    ref = spectrum.reference_hz
    shift = None
    fwhm_ppm = None
    if ref:
        shift = Measurement(float(hz_to_ppm(spectrum.carrier_hz + pos, ref)),
                            float(width_hz_to_ppm(pos_err, ref)), "ppm")
        fwhm_ppm = Measurement(float(width_hz_to_ppm(fwhm, ref)),
                               float(width_hz_to_ppm(fwhm_err, ref)), "ppm")
    return PeakResult(
        position_hz=Measurement(float(pos), float(pos_err), "Hz"),
        shift_ppm=shift,
        height=Measurement(float(hv), float(h_err), "a.u."),
        fwhm_hz=Measurement(float(fwhm), fwhm_err, "Hz"),
        fwhm_ppm=fwhm_ppm,
        noise_rms=sigma,
    )


def integral(spectrum: Spectrum, region_hz: tuple[float, float],
             noise_regions_hz=None) -> Measurement:
    """∫ Re S df over ``region_hz`` (offsets, Hz) in a.u.·Hz, with its noise uncertainty."""
    x = np.asarray(spectrum.offsets_hz, dtype=float)
    y = np.asarray(spectrum.real, dtype=float)
    m = region_mask(x, [region_hz])
    if m.sum() < 2:
        raise MeasurementError("the integral region holds fewer than 2 points")
    if noise_regions_hz is None:
        noise_regions_hz = default_noise_regions(x)
    sigma = noise_rms(x, y, noise_regions_hz)
    dx = spectrum.resolution_hz
    value = float(np.sum(y[m]) * dx)
    err = float(sigma * dx * np.sqrt(m.sum() * _zf_factor(spectrum)))
    return Measurement(value, err, "a.u.·Hz")


def snr_frequency(spectrum: Spectrum, region_hz: tuple[float, float] | None = None,
                  noise_regions_hz=None) -> Measurement:
    """Peak height over the rms noise of a signal-free region (dimensionless).

    Raises
    ------
    MeasurementError
        Where :func:`peak` fails (its message).
    """
    p = peak(spectrum, region_hz, noise_regions_hz).raise_for_failure()
    snr = p.height.value / p.noise_rms
    n_noise = max(3, int(0.2 * spectrum.offsets_hz.size / _zf_factor(spectrum)))
    rel = np.hypot(p.height.stderr / p.height.value, 1 / np.sqrt(2 * (n_noise - 1)))
    return Measurement(float(snr), float(snr * rel), "")


def snr_time(dataset: Dataset, params: ProcessingParams | None = None,
             noise_fraction: float = 0.25, fit_points: int | None = None) -> Measurement:
    """Time-domain SNR: real phased amplitude at t = 0 over the rms noise of the tail.

    Apodization is ignored (it would suppress the tail noise); DC removal, left shift and
    the zero-order phase (p0 referred to t = 0) are applied.

    Parameters
    ----------
    noise_fraction : float
        Fraction of the FID, at its end, taken as signal-free.
    fit_points : int, optional
        Number of initial points fitted by a quadratic to extrapolate to t = 0; by default
        those before |s| falls to 80 % of its initial value, between 4 and 64.
    """
    params = (params or ProcessingParams()).replace(lb_hz=0.0, gb_hz=0.0)
    _t, fid = phased_fid(dataset, params)
    # the zero-padded end (after a left shift or an echo-top shift) is not noise
    nonzero = np.flatnonzero(fid)
    valid = int(nonzero[-1]) + 1 if nonzero.size else 0
    n_noise = max(8, int(valid * noise_fraction))
    tail = fid.real[valid - n_noise:valid]
    sigma = float(np.std(tail, ddof=1))
    if not sigma > 0:
        raise MeasurementError(f"{dataset.source}: zero noise in the FID tail")
    if fit_points is None:
        mag = np.abs(fid[: valid // 2])
        below = np.flatnonzero(mag < 0.8 * mag[0]) if mag[0] > 0 else np.array([4])
        fit_points = int(np.clip(below[0] if below.size else 64, 4, 64))
    n = min(fit_points, valid)
    u = np.arange(n, dtype=float)
    A = np.vstack([np.ones(n), u, u**2]).T if n >= 6 else np.vstack([np.ones(n), u]).T
    coef, *_ = np.linalg.lstsq(A, fid.real[:n], rcond=None)
    cov = np.linalg.inv(A.T @ A) * sigma**2
    amp, amp_err = float(coef[0]), float(np.sqrt(cov[0, 0]))
    snr = amp / sigma
    rel = np.hypot(amp_err / amp if amp else np.inf, 1 / np.sqrt(2 * (n_noise - 1)))
    return Measurement(float(snr), float(abs(snr) * rel), "")


@dataclass(frozen=True)
class FidAmplitude(_Measured):
    """The narrow line of an FID from a Voigt fit in the time domain.

    ``snr`` is |A|/σ at t = 0 with σ the rms noise of one real channel; ``frequency_hz`` the
    line's offset from the carrier, ``fwhm_hz`` its Voigt FWHM (Olivero–Longbothum from the
    Lorentzian and Gaussian parts), each ± σ. ``broad_snr`` is the excess of the first points
    over the narrow line (a broad component such as molecular H₂, which decays within the
    skipped start); dead time makes it a lower bound. Failed (:func:`fid_amplitude`): NaN
    values and the reason.
    """

    snr: Measurement
    amplitude: float
    sigma: float
    frequency_hz: Measurement
    fwhm_hz: Measurement
    lorentz_fwhm_hz: float
    gauss_fwhm_hz: float
    skip_s: float
    points: tuple[int, int]
    reduced_chi2: float
    broad_snr: Measurement
    notes: tuple[str, ...] = ()
    dof: int = 0
    sigma_dof: float = float("inf")
    success: bool = True
    message: str = "a Voigt decay fitted to the FID"

    @property
    def acceptable(self) -> bool:
        """Whether the Voigt describes the FID within its noise: χ²_ν ≤ 1 + 3√(2/dof)."""
        return bool(self.reduced_chi2 <= reduced_chi2_limit(self.dof))

    @property
    def verdict(self):
        """Goodness of the Voigt fit (:func:`analysis.fitting.fit_verdict`): χ²_ν on ``dof``
        degrees of freedom, σ estimated from the FID tail with ``sigma_dof``."""
        return fit_verdict(self.reduced_chi2, self.dof, "estimated", sigma_dof=self.sigma_dof)

    def quantities(self) -> dict[str, Measurement]:
        def plain(v: float, unit: str) -> Measurement:  # a number without its own σ
            return Measurement(float(v), NAN, unit)

        return {"snr": self.snr, "frequency_hz": self.frequency_hz, "fwhm_hz": self.fwhm_hz,
                "broad_snr": self.broad_snr, "amplitude": plain(self.amplitude, "a.u."),
                "sigma": plain(self.sigma, "a.u."),
                "lorentz_fwhm_hz": plain(self.lorentz_fwhm_hz, "Hz"),
                "gauss_fwhm_hz": plain(self.gauss_fwhm_hz, "Hz"),
                "skip_s": plain(self.skip_s, "s"),
                "reduced_chi2": plain(self.reduced_chi2, "")}

    def to_dict(self) -> dict[str, object]:
        return self.face_dict() | {"points": list(self.points), "dof": int(self.dof),
                                   "sigma_dof": json_number(self.sigma_dof)}


def _failed_fid(message: str) -> FidAmplitude:
    return FidAmplitude(snr=nan_measurement(), amplitude=NAN, sigma=NAN,
                        frequency_hz=nan_measurement("Hz"), fwhm_hz=nan_measurement("Hz"),
                        lorentz_fwhm_hz=NAN, gauss_fwhm_hz=NAN, skip_s=NAN, points=(0, 0),
                        reduced_chi2=NAN, broad_snr=nan_measurement(), success=False,
                        message=message)


def _voigt_fid(p, t):
    """(a + ib)·exp(i2πft − u²t − v⁴t²): λ = u², g = v² kept ≥ 0 without bounds."""
    a, b, f, u, v = p
    return (a + 1j * b) * np.exp(2j * np.pi * f * t - u * u * t - (v * v * t) ** 2)


def _voigt_jac(p, t):
    a, b, f, u, v = p
    e = np.exp(2j * np.pi * f * t - u * u * t - (v * v * t) ** 2)
    m = (a + 1j * b) * e
    cols = [e, 1j * e, 2j * np.pi * t * m, -2 * u * t * m, -4 * v**3 * t**2 * m]
    j = np.stack(cols, axis=1)
    return np.concatenate([j.real, j.imag])


def region_window(frequencies_hz: np.ndarray, region_hz: tuple[float, float],
                  taper: float = 0.25) -> np.ndarray:
    """Smooth band-pass window: 1 inside ``region_hz`` (offsets, Hz) but for a cos² taper
    over ``taper`` of its width at each end, 0 outside."""
    lo, hi = sorted(float(v) for v in region_hz)
    f = np.asarray(frequencies_hz, dtype=float)
    edge = taper * (hi - lo)
    w = np.zeros(f.shape)
    inside = (f > lo) & (f < hi)
    w[inside] = 1.0
    if edge > 0:
        d = np.minimum(f - lo, hi - f)
        ramp = inside & (d < edge)
        w[ramp] = np.sin(0.5 * np.pi * d[ramp] / edge) ** 2
    return w


class _BandFilter:
    """The linear band-pass of an FID of ``n`` points: FFT × :func:`region_window` → inverse
    FFT, first ``n`` points. Applied alike to the data and to the model, so the model
    holds whatever the filter does (the smeared start, the circular wrap of the end)."""

    def __init__(self, n: int, dwell_s: float, region_hz: tuple[float, float]):
        from scipy import fft as sfft

        lo, hi = sorted(float(v) for v in region_hz)
        nyquist = 0.5 / dwell_s
        if lo < -nyquist or hi > nyquist:
            raise MeasurementError(f"region {lo:.6g}…{hi:.6g} Hz lies outside the spectral "
                                   f"window ±{nyquist:.6g} Hz")
        self.n = n
        # no padding against wrap-around: the same circular filter acts on data and model
        self.nfft = sfft.next_fast_len(n)
        if hi - lo < 4 / (n * dwell_s):
            raise MeasurementError(f"region {lo:.6g}…{hi:.6g} Hz is narrower than 4 points "
                                   f"of the spectrum ({1 / (n * dwell_s):.3g} Hz each)")
        self.window = region_window(np.fft.fftfreq(self.nfft, dwell_s), (lo, hi))
        self.dwell_s = dwell_s
        self._fft = sfft

    def noise_ratio(self, blk: int, demod_hz: float = 0.0) -> float:
        """Variance of the mean of ``blk`` consecutive filtered white-noise points,
        demodulated by ``demod_hz``, over that of unfiltered ones (σ²/blk): from the
        autocorrelation of the filtered noise."""
        rho = self._fft.ifft(self.window**2)[:max(blk, 1)]  # ρ[0] = mean(w²)
        if blk <= 1:
            return float(rho[0].real)
        m = np.arange(1, blk)
        rho_m = rho[1:] * np.exp(-2j * np.pi * demod_hz * m * self.dwell_s)
        return float(rho[0].real + 2 * np.sum((1 - m / blk) * rho_m.real))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        spec = self._fft.fft(x, self.nfft, axis=-1) * self.window
        return self._fft.ifft(spec, axis=-1)[..., :self.n]


class _FilteredVoigt:
    """A sum of ``k`` Voigt FIDs (:func:`_voigt_fid`, frequencies f0 + p[5j+2]) over the whole
    FID, passed through the band filter, then cut to [k0, k1), demodulated by f0 and averaged
    in blocks of ``blk`` points exactly as the data are; with its Jacobian."""

    def __init__(self, filt: _BandFilter, t: np.ndarray, k0: int, k1: int, f0: float,
                 blk: int, k: int = 1):
        self.filt, self.t, self.k0, self.f0, self.blk, self.k = filt, t, k0, f0, blk, k
        nb = (k1 - k0) // blk if blk > 1 else k1 - k0
        self.stop = k0 + nb * blk
        self.demod = np.exp(-2j * np.pi * f0 * t[k0:self.stop])

    def _cut(self, y: np.ndarray) -> np.ndarray:
        y = y[..., self.k0:self.stop] * self.demod
        if self.blk > 1:
            y = y.reshape(*y.shape[:-1], -1, self.blk).mean(axis=-1)
        return y

    def _e(self, p) -> np.ndarray:
        t = self.t
        out = []
        for j in range(self.k):
            _a, _b, f, u, v = p[5 * j:5 * j + 5]
            out.append(np.exp(2j * np.pi * (self.f0 + f) * t - u * u * t - (v * v * t) ** 2))
        return np.array(out)

    def basis(self, p) -> np.ndarray:
        """The filtered, cut unit-amplitude components, shape (k, points)."""
        return self._cut(self.filt(self._e(p)))

    def value(self, p) -> np.ndarray:
        c = np.asarray(p[0::5]) + 1j * np.asarray(p[1::5])
        key = tuple(np.asarray(p, float))
        if getattr(self, "_key", None) != key:
            self._key, self._basis = key, self.basis(p)
        return c @ self._basis

    def jac(self, p) -> np.ndarray:
        t = self.t
        e = self._e(p)
        cols = []
        key = tuple(np.asarray(p, float))
        if getattr(self, "_key", None) == key:  # the model's own filtered basis: reuse it
            filtered = np.concatenate([self._basis,
                                       self._cut(self.filt(np.concatenate([t * e, t * t * e])))])
        else:
            filtered = self._cut(self.filt(np.concatenate([e, t * e, t * t * e])))
        for j in range(self.k):
            _a, _b, _f, u, v = p[5 * j:5 * j + 5]
            c = p[5 * j] + 1j * p[5 * j + 1]
            fe, fte, ftte = filtered[j], filtered[self.k + j], filtered[2 * self.k + j]
            cols += [fe, 1j * fe, 2j * np.pi * c * fte, -2 * u * c * fte,
                     -4 * v**3 * c * ftte]
        jm = np.stack(cols, axis=1)
        return np.concatenate([jm.real, jm.imag])


def voigt_fwhm(lorentz_fwhm: float, gauss_fwhm: float) -> float:
    """Voigt FWHM (Olivero & Longbothum 1977, 0.02 %)."""
    return float(0.5346 * lorentz_fwhm + np.sqrt(0.2166 * lorentz_fwhm**2 + gauss_fwhm**2))


def _fid_and_noise(dataset: Dataset, params: ProcessingParams, noise_fraction: float
                   ) -> tuple[np.ndarray, int, int, float]:
    """The DC-corrected, left-shifted FID of a time-domain dataset, its number of valid
    points (the zero-padded end after any shift, echo top too, is no noise), the points of
    its tail and the noise σ per channel there."""
    from .processing import prepare_fid

    if dataset.domain != "time":
        raise MeasurementError(f"{dataset.source}: frequency-domain data have no FID")
    fid, shift = prepare_fid(dataset, params)
    valid = fid.size - shift
    n_noise = max(8, int(valid * noise_fraction))
    tail = fid[valid - n_noise:valid]
    sigma = float(np.sqrt(0.5 * (np.var(tail.real, ddof=1) + np.var(tail.imag, ddof=1))))
    return fid, valid, n_noise, sigma


def fid_amplitude(dataset: Dataset, params: ProcessingParams | None = None, *,
                  skip_s: float | str = 0.0, end_fraction: float = 0.02,
                  noise_fraction: float = 0.25, max_points: int = 2048,
                  region_hz: tuple[float, float] | None = None,
                  lines_hz: Sequence[tuple[float, float]] = ()) -> FidAmplitude:
    """Time-domain SNR at t = 0 of the dominant line, its offset and FWHM (PHYSICS §4.1).

    A Voigt decay A·exp(i2πft − λt − (gt)²) (complex A: no phasing needed) is fitted to the
    DC-corrected, left-shifted FID from ``skip_s`` until the envelope falls to
    ``end_fraction`` of its start (or 3σ) and extrapolated to t = 0. Unlike a polynomial
    through the first points it stays right when the dead time is a sizeable part of T₂*
    (the broad ¹³⁹La line). ``skip_s="auto"`` moves the start out (0, 10, 20, 40, 80 µs)
    until the fit is statistically acceptable (reduced χ² < 1 + 3√(2/dof)): a broad
    component that decays early (H₂ under a ¹H hydride line) is then left out of the narrow
    line and reported as ``broad_snr``.

    With ``region_hz`` = (lo, hi) (offsets from the carrier, Hz) only that band is fitted:
    the FID is filtered by :func:`region_window` (FFT, cosine-tapered window, inverse FFT;
    no phase enters) and the model is filtered identically before it is compared, so the
    abrupt start of the FID and the taper bias nothing. σ stays the noise of the unfiltered
    tail: the noise inside the band, the only noise that moves the fitted line, is unchanged
    by the filter; the reduced χ² is taken against the filtered noise (its variance from the
    filter's autocorrelation) on its independent points. ``lines_hz`` gives
    (offset, FWHM) in Hz of the line in the region (first; its start values) and of
    neighbouring lines whose tails reach into the band: each is one more filtered Voigt of
    the model, so their leakage does not pull the line (reported: the first).

    Returns
    -------
    FidAmplitude
        Failed (``success=False``, NaN values, the reason in ``message``) for
        frequency-domain data, no noise in the tail, too few points with signal, or a
        region outside the spectral window or narrower than four of its points.
    """
    try:
        return _fid_amplitude(dataset, params, skip_s=skip_s, end_fraction=end_fraction,
                              noise_fraction=noise_fraction, max_points=max_points,
                              region_hz=region_hz, lines_hz=lines_hz)
    except MeasurementError as exc:
        return _failed_fid(str(exc))


def _fid_amplitude(dataset: Dataset, params: ProcessingParams | None, *,
                   skip_s: float | str, end_fraction: float = 0.02,
                   noise_fraction: float = 0.25, max_points: int = 2048,
                   region_hz: tuple[float, float] | None = None,
                   lines_hz: Sequence[tuple[float, float]] = ()) -> FidAmplitude:
    """:func:`fid_amplitude`, raising :class:`MeasurementError` where it fails."""
    params = (params or ProcessingParams()).replace(lb_hz=0.0, gb_hz=0.0)
    fid, valid, n_noise, sigma = _fid_and_noise(dataset, params, noise_fraction)
    if not sigma > 0:
        raise MeasurementError(f"{dataset.source}: zero noise in the FID tail")
    dt = dataset.dwell_s
    t = np.arange(valid) * dt
    filt = None
    floor = 3 * sigma  # where the envelope is lost in the noise
    if region_hz is not None:
        try:
            filt = _BandFilter(valid, dt, region_hz)
        except MeasurementError as exc:
            raise MeasurementError(f"{dataset.source}: {exc}") from None
        fid = np.concatenate([filt(fid[:valid]), fid[valid:]])
        floor *= np.sqrt(filt.noise_ratio(1))  # the noise left in the band
        max_points = valid  # the cost is the filter's, over the whole FID, anyway
    mag = np.convolve(np.abs(fid[:valid]), np.ones(5) / 5, mode="same")
    auto = skip_s == "auto"
    skips = [0.0, 10e-6, 20e-6, 40e-6, 80e-6] if auto else [float(skip_s)]
    ncomp = max(1, len(lines_hz)) if filt is not None else 1
    best = None
    for sk in skips:
        k0 = int(np.ceil(sk / dt - 1e-9))
        if k0 >= valid - 12:
            break
        k1 = _fit_end(mag, k0, valid, max(end_fraction * mag[k0], floor), max_points)
        if k1 - k0 < 12:
            break
        r = _voigt_from(t, dt, fid, k0, k1, sigma, filt, lines_hz, ncomp)
        limit = reduced_chi2_limit(r.dof)
        cand = (sk, k0, k1, r)
        if best is None or (r.red / limit) < (best[3].red / reduced_chi2_limit(best[3].dof)):
            best = cand
        if not auto or r.red <= limit:
            best = cand
            break
    if best is None:
        raise MeasurementError(f"{dataset.source}: too few points with signal for a fit")
    return _amplitude_of(best, t, fid, sigma, n_noise, filt, ncomp)


def _fit_end(mag: np.ndarray, k0: int, valid: int, level: float, max_points: int) -> int:
    """End (exclusive) of the fitted window that starts at ``k0``: where the smoothed
    envelope ``mag`` first falls below ``level``, at least 12 points in, at most
    ``max_points`` and the ``valid`` points."""
    stop = np.flatnonzero((mag < level) & (np.arange(valid) > k0 + 4))
    return min(max(int(stop[0]) if stop.size else valid, k0 + 12), valid, k0 + max_points)


def _voigt_from(t: np.ndarray, dt: float, fid: np.ndarray, k0: int, k1: int, sigma: float,
                filt: _BandFilter | None, lines_hz: Sequence[tuple[float, float]],
                ncomp: int) -> SimpleNamespace:
    """The Voigt fit of ``fid[k0:k1]`` (one attempt of :func:`fid_amplitude`): parameters
    ``x`` (frequency from the carrier), their Jacobian ``jac`` at the optimum, the
    demodulation ``f0`` and the parameters against it (``raw``), the reduced χ² ``red`` on
    ``dof`` degrees of freedom (against the filtered noise when ``filt`` is given); ``t``
    the time of each point of ``fid`` and ``dt`` their spacing (s)."""
    tt, y = t[k0:k1], fid[k0:k1]
    m = max(4, min(64, (k1 - k0) // 3))
    if filt is not None and lines_hz:
        f0 = float(lines_hz[0][0])
    else:
        f0 = np.polyfit(tt[:m], np.unwrap(np.angle(y[:m])), 1)[0] / (2 * np.pi)
    # demodulate by f0 and average blocks of `blk` points when the decay is long: the
    # envelope barely changes within a block, the noise falls by √blk, the fit is faster
    blk = max(1, (k1 - k0) // 384)
    y = y * np.exp(-2j * np.pi * f0 * tt)
    if blk > 1:
        nb = (k1 - k0) // blk
        y = y[:nb * blk].reshape(nb, blk).mean(axis=1)
        tt = tt[:nb * blk].reshape(nb, blk).mean(axis=1)
    sig_b = sigma / np.sqrt(blk)
    span = max(tt[-1] - tt[0], dt)
    a0 = y[0] * np.exp(tt[0] / span)
    p0 = [a0.real, a0.imag, 0.0, np.sqrt(1 / span), np.sqrt(1 / span)]
    yy = np.concatenate([y.real, y.imag])

    if filt is None:
        def res(p):
            mm = _voigt_fid(p, tt)
            return (np.concatenate([mm.real, mm.imag]) - yy) / sig_b

        def jac(p):
            return _voigt_jac(p, tt) / sig_b
    else:
        model = _FilteredVoigt(filt, t, k0, k1, f0, blk, ncomp)
        if lines_hz:  # start values from the lines found; amplitudes by linear LS
            p0 = []
            for pos, width in lines_hz:
                w = max(float(width), 1 / span)
                p0 += [0.0, 0.0, float(pos) - f0, np.sqrt(0.5 * np.pi * w),
                       np.sqrt(0.5 * np.pi * w / (2 * np.sqrt(np.log(2))))]
            basis = model.basis(p0)
            c = np.linalg.lstsq(basis.T, y, rcond=None)[0]
            p0[0::5], p0[1::5] = list(c.real), list(c.imag)

        def res(p):
            mm = model.value(p)
            return (np.concatenate([mm.real, mm.imag]) - yy) / sig_b

        def jac(p):
            return model.jac(p) / sig_b

    with np.errstate(all="ignore"):
        # MINPACK's Levenberg–Marquardt, not analysis.fitting.least_squares (scipy TRF), for
        # a measured reason: on the example campaign's 142 FIDs (line_shift, every variant)
        # TRF as that engine runs it (x_scale "jac", exact solver, unbounded) took 2.1× the
        # CPU time (3.00 s against 1.44 s) and moved values beyond 1e-6 relative (offsets by
        # up to 8.6e-6, their σ by up to 7.4e-5: 52 of 144 positions). The engine also cannot
        # take this unbounded problem as it stands (its p0 clip makes −∞ + ∞ = NaN).
        x, _cov, info, _msg, _ier = optimize.leastsq(res, p0, Dfun=jac, full_output=True)
    r = SimpleNamespace(x=np.array(x, float), fun=info["fvec"], jac=jac(x), f0=f0,
                        raw=np.array(x, float))
    r.x[2] += f0  # back to the offset from the carrier
    dof = max(r.fun.size - 5 * ncomp, 1)
    red = float(np.sum(r.fun**2) / dof)
    if filt is not None:  # χ² against the filtered noise, on its independent points
        ratio = filt.noise_ratio(blk, f0)
        red, dof = red / ratio, max(1, int(round(dof * min(1.0, ratio))))
    r.dof, r.red = dof, red
    return r


def _amplitude_of(best: tuple, t: np.ndarray, fid: np.ndarray, sigma: float, n_noise: int,
                  filt: _BandFilter | None, ncomp: int) -> FidAmplitude:
    """The :class:`FidAmplitude` of the chosen fit ``best`` = (start s, k0, k1, fit): SNR,
    frequency and FWHM with their σ (the covariance scaled by χ²_ν when above 1), the
    broad component's first-point excess when the fit starts late."""
    sk, k0, k1, r = best
    red = r.red
    a, b, f, u, v = r.x[:5]
    amp = float(np.hypot(a, b))
    lor, gauss = u * u / np.pi, 2 * np.sqrt(np.log(2)) * v * v / np.pi
    fw = voigt_fwhm(lor, gauss)
    try:
        cov = (np.linalg.inv(r.jac.T @ r.jac) * max(1.0, red))[:5, :5]
    except np.linalg.LinAlgError:
        cov = np.full((5, 5), np.nan)
    g = np.array([a, b]) / amp
    amp_err = float(np.sqrt(max(g @ cov[:2, :2] @ g, 0.0)))
    # FWHM error by finite differences in (u, v)
    h = 1e-6 * max(abs(u), abs(v), 1.0)
    dfw = np.array([(voigt_fwhm((u + h) ** 2 / np.pi, gauss) - fw) / h,
                    (voigt_fwhm(lor, 2 * np.sqrt(np.log(2)) * (v + h) ** 2 / np.pi) - fw) / h])
    fw_err = float(np.sqrt(max(dfw @ cov[3:, 3:] @ dfw, 0.0)))
    snr = amp / sigma
    rel = np.hypot(amp_err / amp, 1 / np.sqrt(2 * (2 * n_noise - 1)))
    notes = []
    if red > reduced_chi2_limit(r.dof):
        notes.append(f"the Voigt decay does not describe the FID well (reduced χ² {red:.2f})")
    broad, broad_err = 0.0, 0.0
    if k0 > 0:
        first = (_FilteredVoigt(filt, t, 0, 1, r.f0, 1, ncomp).value(r.raw)[0]
                 if filt is not None else _voigt_fid(r.x, t[:1])[0])
        excess = fid[0] - first
        broad, broad_err = float(abs(excess)) / sigma, float(np.sqrt(2.0))
        notes.append(f"fitted from {sk * 1e6:.0f} µs: a broad component decays before that "
                     f"(its first-point excess, SNR ≈ {broad:.1f}, is a lower bound)")
    return FidAmplitude(snr=Measurement(float(snr), float(snr * rel), ""), amplitude=amp,
                        sigma=sigma,
                        frequency_hz=Measurement(float(f), float(np.sqrt(max(cov[2, 2], 0))),
                                                 "Hz"),
                        fwhm_hz=Measurement(fw, fw_err, "Hz"), lorentz_fwhm_hz=float(lor),
                        gauss_fwhm_hz=float(gauss), skip_s=float(sk), points=(int(k0), int(k1)),
                        reduced_chi2=red, broad_snr=Measurement(broad, broad_err, ""),
                        notes=tuple(notes), dof=int(r.dof),
                        sigma_dof=float(2 * (n_noise - 1)))


@dataclass(frozen=True, slots=True)
class ResolvedLine:
    """A line of the magnitude spectrum (:func:`resolved_lines`), offsets from the carrier.

    ``region_hz`` is a band around it that holds no other line found (to the nearer dip
    to a neighbour, at most ten widths, symmetric about the line): what to give
    :func:`line_shift`."""

    offset_hz: float
    height_snr: float  #: magnitude peak over the spectrum's noise σ
    fwhm_hz: float  #: width at half power of the lightly apodised magnitude spectrum
    region_hz: tuple[float, float]


class SeveralLinesError(MeasurementError):
    """A spectrum (or a region) holds more than one resolved line: no single position is
    the line's. ``lines`` lists them, each with a region that selects it alone. Raised by
    :meth:`LineShift.raise_for_failure` (:func:`line_shift` itself returns the failure)."""

    def __init__(self, message: str, lines: Sequence[ResolvedLine]):
        super().__init__(message)
        self.lines = tuple(lines)


def resolved_lines(dataset: Dataset, params: ProcessingParams | None = None, *,
                   start: int = 0, region_hz: tuple[float, float] | None = None,
                   min_snr: float = 5.0, min_fraction: float = 0.2,
                   noise_fraction: float = 0.25) -> list[ResolvedLine]:
    """The resolved lines of an FID, from its magnitude spectrum.

    The DC-corrected, left-shifted FID from point ``start`` on is apodised lightly (an
    exponential falling to e⁻³ at its end, so truncation wiggles stay below the threshold),
    zero filled 4× and transformed; no phase enters. Peaks of |S| above ``min_snr`` times
    its noise σ (σ of the FID tail, per channel, × √Σw²; or the median of |S| over 1.177,
    the median of a Rayleigh distribution, when that is larger) and above ``min_fraction``
    of the tallest are lines. Two neighbouring peaks are separate lines when |S| between them falls
    below 1/√2 of the smaller one (half power: the power spectrum of a Lorentzian has the
    absorption line's width, so the lines are further apart than their half widths) and by
    more than ``min_snr`` σ; otherwise the smaller is part of the larger (a shoulder, a
    horn of one powder pattern, noise on a broad line). :func:`line_shift` asks only when
    one Voigt does not describe the FID within its noise.

    Parameters
    ----------
    dataset : Dataset
        Time-domain acquisition.
    params : ProcessingParams, optional
        DC removal, left shift and trace are used.
    start : int
        First point used (the start of the time-domain fit: a broad component that has
        decayed before it is no line of the fit).
    region_hz : (lo, hi), optional
        Offsets from the carrier (Hz): only peaks inside, ``min_fraction`` of the tallest
        inside.

    Returns
    -------
    list of ResolvedLine
        By increasing offset; empty when nothing rises above the noise.

    Raises
    ------
    MeasurementError
        Frequency-domain data (no FID).
    """
    from scipy.signal import find_peaks

    params = (params or ProcessingParams()).replace(lb_hz=0.0, gb_hz=0.0)
    x, spec, noise = _magnitude_spectrum(dataset, params, start, noise_fraction)
    if not noise > 0:
        return []
    inside = region_mask(x, [region_hz]) if region_hz else np.ones(spec.size, dtype=bool)
    if not inside.any() or spec[inside].max() < min_snr * noise:
        return []
    level = max(min_snr * noise, min_fraction * float(spec[inside].max()))
    idx, _ = find_peaks(spec, height=level)
    lines = _merge_unresolved(spec, [int(i) for i in idx if inside[i]], min_snr * noise)
    dips = [j + int(np.argmin(spec[j:i + 1])) for j, i in pairwise(lines)]
    return [_line_at(x, spec, i, noise,
                     [dips[k - 1] if k else None, dips[k] if k < len(dips) else None])
            for k, i in enumerate(lines)]


def _magnitude_spectrum(dataset: Dataset, params: ProcessingParams, start: int,
                        noise_fraction: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(offsets Hz, |S|, σ of |S| per channel) of the FID from point ``start`` on, lightly
    apodised and zero filled 4× (:func:`resolved_lines`)."""
    fid, valid, _n_noise, sigma = _fid_and_noise(dataset, params, noise_fraction)
    seg = fid[min(max(start, 0), valid - 8):valid]
    n = seg.size
    w = np.exp(-3.0 * np.arange(n) / n)
    size = 4 * (1 << int(np.ceil(np.log2(n))))
    spec = np.abs(np.fft.fftshift(np.fft.fft(seg * w, size)))
    x = (np.arange(size) - size // 2) * dataset.spectral_width_hz / size
    # σ of each channel of the spectrum: from the tail's σ, or from the median of |S| (a
    # Rayleigh median is 1.177σ) when that is larger (coloured noise, or mostly signal)
    noise = max(sigma * float(np.sqrt(np.sum(w * w))),
                float(np.median(spec)) / np.sqrt(2 * np.log(2)))
    return x, spec, noise


def _merge_unresolved(spec: np.ndarray, idx: Sequence[int], depth: float) -> list[int]:
    """The peaks ``idx`` (increasing) of ``spec`` with those not resolved at half power
    from their neighbour (or by less than ``depth``) merged into the taller one."""
    lines: list[int] = []
    for i in idx:
        if lines:
            j = lines[-1]
            dip = float(spec[j:i + 1].min())
            low = min(spec[i], spec[j])
            if dip >= low / np.sqrt(2) or low - dip < depth:
                if spec[i] > spec[j]:
                    lines[-1] = i
                continue
        lines.append(i)
    return lines


def _line_at(x: np.ndarray, spec: np.ndarray, i: int, noise: float,
             dips: Sequence[int | None]) -> ResolvedLine:
    """The line whose top is at index ``i`` of ``spec`` (offsets ``x``, Hz): its width at
    half power, its top by a parabola, a region to the nearer dip to a neighbour (``dips``:
    the indices of the dips on each side, None where there is no neighbour)."""
    size = spec.size
    half = spec[i] / np.sqrt(2)
    lo = i
    while lo > 0 and spec[lo] > half:
        lo -= 1
    hi = i
    while hi < size - 1 and spec[hi] > half:
        hi += 1
    # the top by a parabola through the three highest points
    y0, y1, y2 = spec[i - 1:i + 2] if 0 < i < size - 1 else (spec[i],) * 3
    den = y0 - 2 * y1 + y2
    pos = x[i] + (0.5 * (y0 - y2) / den if den else 0.0) * (x[1] - x[0])
    reach = [abs(x[d] - pos) for d in dips if d is not None]
    r = min([*reach, 10 * (x[hi] - x[lo])])  # ten widths hold the line
    return ResolvedLine(offset_hz=float(pos), height_snr=float(spec[i] / noise),
                        fwhm_hz=float(x[hi] - x[lo]),
                        region_hz=(float(pos - r), float(pos + r)))


def default_skip(nucleus: str | None) -> float | str:
    """Where the time-domain fit of a campaign acquisition starts: ``"auto"`` for ¹H (a
    broad H₂ component under the hydride line decays early and is left out), 0 otherwise."""
    return "auto" if nucleus == "1H" else 0.0


#: ``LineShift.reason`` of a spectrum (or region) of several resolved lines: no single
#: position is the line's, ``LineShift.lines`` lists them with a region for each
SEVERAL_LINES = "several-lines"
#: ``LineShift.reason`` of any other failure (the message says which)
NO_SHIFT = "no-shift"


@dataclass(frozen=True)
class LineShift(_Measured):
    """Position of the dominant line from the time-domain Voigt fit (:func:`line_shift`).

    The complex amplitude of the fit absorbs any zero-order phase, so the position does not
    depend on phasing; ``offset_hz.stderr`` is the fit's statistical σ combined in
    quadrature with ``systematic_hz``, the rms change of the position over the analysis
    choices that do enter (DC estimate, left shift, start and end of the fitted window).

    Failed: NaN values, the reason in ``message`` and, machine-readable, in ``reason``
    (:data:`SEVERAL_LINES`, with the lines found in ``lines``, or :data:`NO_SHIFT`);
    :meth:`raise_for_failure` raises :class:`SeveralLinesError` or
    :class:`MeasurementError` with that message.
    """

    offset_hz: Measurement  #: from the carrier
    shift_ppm: Measurement | None
    fwhm_hz: Measurement
    statistical_hz: float
    systematic_hz: float
    reference_hz: float | None
    carrier_hz: float
    variants: tuple[str, ...]
    fit: FidAmplitude
    method: str = "time-domain Voigt fit (phase-independent)"
    region_hz: tuple[float, float] | None = None  #: the band asked for (offsets, Hz)
    band_hz: tuple[float, float] | None = None  #: the band fitted (region and neighbours)
    neighbours_hz: tuple[float, ...] = ()  #: lines fitted alongside (offsets, Hz)
    success: bool = True
    message: str = "the line's position from the time-domain Voigt fit"
    reason: str = ""  #: why it failed, machine-readable ("" when it succeeded)
    lines: tuple[ResolvedLine, ...] = ()  #: the lines that stopped it (SEVERAL_LINES)

    @property
    def notes(self) -> tuple[str, ...]:
        """The notes of the Voigt fit (:attr:`FidAmplitude.notes`)."""
        return self.fit.notes

    def quantities(self) -> dict[str, Measurement]:
        q = {"offset_hz": self.offset_hz, "shift_ppm": self.shift_ppm,
             "fwhm_hz": self.fwhm_hz}
        return {k: m for k, m in q.items() if m is not None}

    def failure_exception(self) -> MeasurementError:
        if self.reason == SEVERAL_LINES:
            return SeveralLinesError(self.message, self.lines)
        return MeasurementError(self.message)

    def to_dict(self) -> dict[str, object]:
        return self.with_face(
            {"method": self.method, "offset_hz": self.offset_hz.to_dict(),
             "shift_ppm": self.shift_ppm.to_dict() if self.shift_ppm else None,
             "fwhm_hz": self.fwhm_hz.to_dict(), "statistical_hz": self.statistical_hz,
             "systematic_hz": self.systematic_hz, "reference_hz": self.reference_hz,
             "carrier_hz": self.carrier_hz, "variants": list(self.variants),
             "skip_s": self.fit.skip_s, "reduced_chi2": self.fit.reduced_chi2,
             "region_hz": list(self.region_hz) if self.region_hz else None,
             "band_hz": list(self.band_hz) if self.band_hz else None,
             "neighbours_hz": list(self.neighbours_hz)}) | {
            "reason": self.reason,
            "lines": [{"offset_hz": ln.offset_hz, "height_snr": ln.height_snr,
                       "fwhm_hz": ln.fwhm_hz, "region_hz": list(ln.region_hz)}
                      for ln in self.lines]}


def _where(offsets_hz: Sequence[float], carrier_hz: float, ref: float | None) -> str:
    """Offsets from the carrier as ppm (with a reference) or Hz, for messages."""
    if ref:
        return ", ".join(f"{float(hz_to_ppm(carrier_hz + v, ref)):.2f}" for v in offsets_hz) \
            + " ppm"
    return ", ".join(f"{v:.0f}" for v in offsets_hz) + " Hz from the carrier"


def _band(region: tuple[float, float], carrier_hz: float, ref: float | None) -> str:
    lo, hi = region
    if ref:
        return (f"{float(hz_to_ppm(carrier_hz + lo, ref)):.2f}:"
                f"{float(hz_to_ppm(carrier_hz + hi, ref)):.2f} ppm")
    return f"{lo:.0f}:{hi:.0f} Hz"


def _several(dataset: Dataset, lines: Sequence[ResolvedLine], ref: float | None,
             where: str = "") -> SeveralLinesError:
    c = dataset.carrier_hz
    regions = ", ".join(_band(ln.region_hz, c, ref) for ln in lines)
    return SeveralLinesError(
        f"{dataset.source}: several resolved lines{where} (near "
        f"{_where([ln.offset_hz for ln in lines], c, ref)}): no single position is the "
        f"line's; choose one with a region ({regions})", lines)


def line_shift(dataset: Dataset, params: ProcessingParams | None = None, *,
               reference_hz: float | None = None, skip_s: float | str | None = None,
               region_hz: tuple[float, float] | None = None) -> LineShift:
    """Offset (Hz) and shift (ppm) of the dominant line, independent of the phase.

    A spectrum of several resolved lines (:func:`resolved_lines`, from the start of the fit)
    has no single line position: the result then fails with ``reason`` :data:`SEVERAL_LINES`
    and lists them in ``lines``, each with a region that holds it alone. With ``region_hz``
    only the line in that band is fitted:
    the FID is band-limited to it (no phase enters) and the model filtered alike; resolved
    lines outside whose tails reach into the band (closer to it than five widths)
    are fitted alongside as Voigts of their own, with the band widened to hold them, so
    their leakage does not pull the line. The same σ recipe applies.

    The position is the frequency of :func:`fid_amplitude`'s Voigt decay. Its σ covers
    the noise (the fit's covariance, scaled by the reduced χ² when above 1) and the
    analysis choices: the fit is repeated with the DC offset estimated from the last 10 %
    and 30 % of the FID instead of ``params.dc_fraction``, one and two more points left
    shifted, the start moved later by 0.1/FWHM (at least 10 µs; a broad component that
decays early pulls the position otherwise) and the window ended at 5 % instead of 2 % of the
    envelope; the rms change of the position is added in quadrature. The
    frequency-domain baseline does not enter (the FID is fitted).

    Parameters
    ----------
    dataset : Dataset
        Time-domain acquisition.
    params : ProcessingParams, optional
        DC removal, left shift and trace are used; phase, apodization and baseline are not.
    reference_hz : float, optional
        0-ppm frequency (Hz); by default ``params.reference_hz`` or the dataset's.
    skip_s : float or "auto", optional
        Start of the fit (s); by default :func:`default_skip` of the dataset's nucleus.
    region_hz : (lo, hi), optional
        Offsets from the carrier (Hz) around the one line to measure.

    Returns
    -------
    LineShift
        Failed (``success=False``, NaN values, the reason in ``message``): with ``reason``
        :data:`SEVERAL_LINES` for several resolved lines (in the spectrum, or in
        ``region_hz``); :data:`NO_SHIFT` where :func:`fid_amplitude` fails
        (frequency-domain data, no signal) or no line rises above the noise in the region.
    """
    params = params or ProcessingParams()
    if skip_s is None:
        skip_s = default_skip(dataset.nucleus)
    ref = reference_hz or params.reference_hz or dataset.reference_hz
    try:
        return _line_shift(dataset, params, ref, skip_s, region_hz)
    except MeasurementError as exc:
        several = isinstance(exc, SeveralLinesError)
        ppm = nan_measurement("ppm") if ref else None
        return LineShift(offset_hz=nan_measurement("Hz"), shift_ppm=ppm,
                         fwhm_hz=nan_measurement("Hz"), statistical_hz=NAN,
                         systematic_hz=NAN, reference_hz=float(ref) if ref else None,
                         carrier_hz=float(dataset.carrier_hz), variants=(),
                         fit=_failed_fid(str(exc)), region_hz=region_hz, success=False,
                         message=str(exc), reason=SEVERAL_LINES if several else NO_SHIFT,
                         lines=exc.lines if several else ())


def _line_shift(dataset: Dataset, params: ProcessingParams, ref: float | None,
                skip_s: float | str, region_hz: tuple[float, float] | None) -> LineShift:
    """:func:`line_shift` against the 0-ppm frequency ``ref`` (Hz, or None), raising
    :class:`SeveralLinesError` or :class:`MeasurementError` where it fails."""
    fa = _fid_amplitude(dataset, params, skip_s=skip_s)
    start = fa.points[0]
    band = None
    lines_hz: list[tuple[float, float]] = []
    if region_hz is None:
        # a Voigt that describes the FID within its noise leaves no evidence of more lines
        found = [] if fa.acceptable else resolved_lines(dataset, params, start=start)
        if len(found) > 1:
            raise _several(dataset, found, ref)
    else:
        lo, hi = sorted(float(v) for v in region_hz)
        region_hz = (lo, hi)
        inside, lines_hz, band = _region_lines(dataset, params, start, region_hz, ref)
        fa = _fid_amplitude(dataset, params, skip_s=skip_s, region_hz=band, lines_hz=lines_hz)
        if len(inside) > 1 and not fa.acceptable:
            raise _several(dataset, inside, ref,
                           f" in the region {_band(region_hz, dataset.carrier_hz, ref)}")
    f0 = fa.frequency_hz.value
    stat = fa.frequency_hz.stderr
    sys_hz, names = _systematic(dataset, params, fa, band, lines_hz)
    err = float(np.hypot(stat, sys_hz))
    shift = None
    if ref:
        shift = Measurement(float(hz_to_ppm(dataset.carrier_hz + f0, ref)),
                            float(width_hz_to_ppm(err, ref)), "ppm")
    return LineShift(offset_hz=Measurement(float(f0), err, "Hz"), shift_ppm=shift,
                     fwhm_hz=fa.fwhm_hz, statistical_hz=float(stat), systematic_hz=sys_hz,
                     reference_hz=float(ref) if ref else None,
                     carrier_hz=float(dataset.carrier_hz), variants=tuple(names), fit=fa,
                     region_hz=region_hz, band_hz=band,
                     neighbours_hz=tuple(float(v) for v, _w in lines_hz[1:]))


def _region_lines(dataset: Dataset, params: ProcessingParams, start: int,
                  region_hz: tuple[float, float], ref: float | None
                  ) -> tuple[list[ResolvedLine], list[tuple[float, float]],
                             tuple[float, float]]:
    """The lines inside ``region_hz`` (lo ≤ hi, offsets Hz), the (offset, FWHM) in Hz of
    the one to fit (the tallest) followed by those of the neighbours that reach into the
    band, and the band widened to hold them. Raises :class:`MeasurementError` when no
    line rises above the noise in the region."""
    lo, hi = region_hz
    inside = resolved_lines(dataset, params, start=start, region_hz=region_hz)
    if not inside:
        raise MeasurementError(f"{dataset.source}: no line above 5σ of the noise in the "
                               f"region {_band(region_hz, dataset.carrier_hz, ref)}")
    main = max(inside, key=lambda ln: ln.height_snr)
    lines_hz = [(main.offset_hz, main.fwhm_hz)]
    others = [ln for ln in resolved_lines(dataset, params, start=start)
              if not lo <= ln.offset_hz <= hi]
    band = region_hz
    changed = True
    while changed:  # neighbours reaching into the band join the fit, and widen it
        changed = False
        for ln in others:
            if (ln.offset_hz, ln.fwhm_hz) in lines_hz[1:]:
                continue
            gap = max(band[0] - ln.offset_hz, ln.offset_hz - band[1])
            if gap < 5 * ln.fwhm_hz:
                lines_hz.append((ln.offset_hz, ln.fwhm_hz))
                band = (min(band[0], ln.offset_hz - 1.5 * ln.fwhm_hz),
                        max(band[1], ln.offset_hz + 1.5 * ln.fwhm_hz))
                changed = True
    return inside, lines_hz, band


def _systematic(dataset: Dataset, params: ProcessingParams, fa: FidAmplitude,
                band: tuple[float, float] | None, lines_hz: list[tuple[float, float]]
                ) -> tuple[float, list[str]]:
    """The rms change (Hz) of the fitted position ``fa`` over the analysis choices
    (:func:`line_shift`), and the names of the variants that could be fitted."""
    sk = fa.skip_s
    trials: list[tuple[str, ProcessingParams, float, float]] = []
    if params.dc:
        for frac in (0.1, 0.3):
            if abs(frac - params.dc_fraction) > 1e-9:
                trials.append((f"DC from the last {100 * frac:.0f} %",
                               params.replace(dc_fraction=frac), sk, 0.02))
    if not isinstance(params.left_shift, str):
        for extra in (1, 2):
            trials.append((f"left shift +{extra}",
                           params.replace(left_shift=int(params.left_shift) + extra), sk, 0.02))
    later = max(10e-6, 0.1 / max(fa.fwhm_hz.value, 1.0))  # a tenth of the decay time
    trials.append((f"start +{later * 1e6:.0f} µs", params, sk + later, 0.02))
    trials.append(("end at 5 % of the envelope", params, sk, 0.05))
    deltas, names = [], []
    for name, p, begin, end in trials:
        try:
            v = _fid_amplitude(dataset, p, skip_s=begin, end_fraction=end, region_hz=band,
                               lines_hz=lines_hz)
        except (MeasurementError, ValueError):
            continue
        deltas.append(v.frequency_hz.value - fa.frequency_hz.value)
        names.append(name)
    sys_hz = float(np.sqrt(np.mean(np.square(deltas)))) if deltas else 0.0
    return sys_hz, names
