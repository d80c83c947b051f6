"""Forward models: line shapes → FID with the imperfections of a real DAC acquisition.

Every component is built analytically in the time domain (exact, no sampling error):
Voigt lines as products of exponential and Gaussian decays, Pake doublets through the
Fresnel closed form of :func:`analysis.lineshapes.pake_fid` times a Gaussian decay.
Imperfections: zero-order phase, receiver delay (a first-order phase), DC offset,
probe ringing on the first points, white complex noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lineshapes import pake_fid

FWHM_PER_SIGMA = 2 * np.sqrt(2 * np.log(2))


@dataclass(frozen=True)
class Line:
    """A Voigt line: offset from the carrier (Hz), area-normalised amplitude at t = 0,
    Lorentzian and Gaussian FWHM (Hz)."""

    offset_hz: float
    amplitude: float
    lorentz_fwhm_hz: float = 0.0
    gauss_fwhm_hz: float = 0.0

    def signal(self, t: np.ndarray) -> np.ndarray:
        ta = np.abs(t)
        decay = np.exp(-np.pi * self.lorentz_fwhm_hz * ta)
        decay *= np.exp(-((np.pi * self.gauss_fwhm_hz * ta) ** 2) / (4 * np.log(2)))
        return self.amplitude * decay * np.exp(2j * np.pi * self.offset_hz * t)


@dataclass(frozen=True)
class Pake:
    """A Pake doublet: coupling d (Hz), amplitude at t = 0, Gaussian broadening σ (Hz)."""

    d_hz: float
    amplitude: float
    sigma_hz: float = 0.0
    offset_hz: float = 0.0
    like_spins: bool = True

    def signal(self, t: np.ndarray) -> np.ndarray:
        g = pake_fid(t, self.d_hz, self.like_spins)
        g = g * np.exp(-2 * (np.pi * self.sigma_hz * t) ** 2)
        return self.amplitude * g * np.exp(2j * np.pi * self.offset_hz * t)


def sample_times(points: int, dwell_s: float, *, receiver_delay_s: float = 0.0,
                 ringing_points: int = 0, echo_index: int | None = None) -> np.ndarray:
    """Times (s) of the stored points.

    FID: point ``ringing_points`` is sampled at ``receiver_delay_s`` (so after a left
    shift by ``ringing_points`` the residual delay gives a first-order phase
    p1 = −360·SW·t_d). Echo: point ``echo_index`` is the echo top, at t = receiver_delay_s.
    """
    k = np.arange(points, dtype=float)
    origin = echo_index if echo_index is not None else ringing_points
    return receiver_delay_s + (k - origin) * dwell_s


def synthesize(components, points: int, spectral_width_hz: float, *, phase0_deg: float = 0.0,
               receiver_delay_s: float = 0.0, ringing_points: int = 0,
               ringing_amplitude: float = 0.0, dc_offset: complex = 0.0,
               noise_sigma: float = 0.0, echo_index: int | None = None,
               rng: np.random.Generator | None = None) -> np.ndarray:
    """Complex time signal of ``components`` (``Line``/``Pake``) with imperfections.

    Parameters
    ----------
    noise_sigma : float
        rms of the white noise in each of the real and imaginary channels.
    ringing_amplitude : float
        Size of the corrupted values on the first ``ringing_points`` points.
    """
    rng = rng or np.random.default_rng(0)
    dwell = 1.0 / spectral_width_hz
    t = sample_times(points, dwell, receiver_delay_s=receiver_delay_s,
                     ringing_points=ringing_points, echo_index=echo_index)
    sig = np.zeros(points, dtype=complex)
    for comp in components:
        sig += comp.signal(t)
    if echo_index is None and ringing_points:
        sig[:ringing_points] = 0.0
    sig *= np.exp(1j * np.deg2rad(phase0_deg))
    if ringing_points and ringing_amplitude:
        k = np.arange(ringing_points)
        ring = ringing_amplitude * np.exp(-k / 2.0) * np.exp(1j * (0.9 * k + 0.3))
        sig[:ringing_points] += ring
    sig += dc_offset
    if noise_sigma:
        sig += noise_sigma * (rng.standard_normal(points) + 1j * rng.standard_normal(points))
    return sig
