"""Fit one or two Pake doublets to a ¹H spectrum for H–H distances (PHYSICS §2, §2.5).

Model (per point, intensity units)::

    S(ν) = A·[w·P(ν − ν_c; a(r_n), β_n) + (1 − w)·P(ν − ν_c; a(r_nn), β_nn)]
           + L·g(ν − ν_L; β_L) + b₀ + b₁·(ν − ν_mid)

P is the unit-area Pake pattern of a like-spin pair (horns at ±¾d, the default), an unlike pair
(±½d) or the spin-1 form, with Gaussian (or Lorentzian) broadening β given as a FWHM; d(r)
from :func:`analysis.lineshapes.dipolar_coupling_hz`. The model is evaluated exactly on the
data's uniform grid by the closed-form FID times the broadening decay, one FFT for all
components (:class:`analysis.lineshapes.UniformGrid`), so a fit of 4 096 points takes tens of
milliseconds. The fit is noise-weighted least squares in r (Å) directly, so the standard
errors are on the distances; r_n < r_nn is enforced after the fit by relabelling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .fitting import FitResult, failed, robust_noise_dof, robust_noise_sigma
from .lineshapes import (
    PAKE_KINDS,
    UniformGrid,
    branch_half_width_hz,
    dipolar_coupling_hz,
    pake_fid_a,
    pake_lorentzian,
    pake_spectrum,
    pattern_extent_hz,
)
from .parameters import Parameter, Parameters, fit
from .results import correlation_from_covariance

FWHM_PER_SIGMA = 2 * np.sqrt(2 * np.log(2))
ANGSTROM = 1e-10
#: half-width (Hz) of the frequency window a Pake spectrum is shown and fitted in: the
#: ¹H–¹H doublets of H₂ phase III lie within ±200 kHz, the window leaves room for the wings
PAKE_WINDOW_HZ = 700e3
SOLVER = "exact"
#: Fit a narrow central line by default — the one default of the ``hpnmr pake`` command, the
#: Pake page and the figures. A hydride cell's ¹H spectrum carries a narrow residual line at
#: the centre of the H₂ doublets; without it in the model the doublets absorb it and the fit
#: is poor (issue 13: on the example's H₂ spectrum χ²_ν ≈ 50 and r_nn several σ above the
#: true 1.24 Å). With nothing at the centre the line's area goes to ~0 and costs little.
CENTRAL_LINE_DEFAULT = True
#: difference order of the default noise estimate (second differences follow the horns)
NOISE_ORDER = 2
#: fewest points a spectrum must have for a fit
MIN_POINTS = 16
#: relative tolerance of the frequency steps for an axis to count as uniform
UNIFORM_RTOL = 1e-6
#: bounds (Å) of the fitted distances: from shorter than the gas-phase H₂ bond (0.741 Å) to
#: well beyond the nearest-neighbour distances of the solid
DISTANCE_BOUNDS_ANGSTROM = (0.6, 2.0)
#: default start of the broadening FWHM, as a fraction of d(r_nn) (of d(r_n) for one doublet)
START_WIDTH_PER_COUPLING = 0.25
#: the amplitude (and the central line's area) may reach this many times the data's area, or
#: its largest point × the frequency span; the baseline this many times the largest point
AMPLITUDE_HEADROOM = 10.0
#: the baseline's start: the median of one point in this many at each end
BASELINE_EDGE_SHARE = 20
#: the central line's start: this fraction of the area, a FWHM of this many points, and at
#: most this fraction of the span wide
LINE_START_AREA_FRACTION = 0.05
LINE_START_FWHM_POINTS = 4
LINE_MAX_FWHM_FRACTION = 0.05

#: Distances in hydrogen phase III for comparison. The study reports r_n = 0.75(1) Å and
#: r_nn = 1.24(2) Å "in excellent agreement" with the ab-initio calculations of Labet et al.
#: (J. Chem. Phys. 136, 074501, 2012); the numbers here are those quoted by the study, not
#: taken from the calculation itself. Gas-phase H₂: 0.741 Å.
PHASE_III_REFERENCE = {
    "source": "ab-initio hydrogen phase III (Labet et al. 2012), as quoted by the study; "
              "gas-phase H₂ bond length for scale",
    "r_n_angstrom": 0.75, "r_nn_angstrom": 1.24, "gas_phase_bond_angstrom": 0.741,
}

CAVEATS = (
    "A many-spin solid is not a sum of isolated pairs: the second doublet stands in for all "
    "intermolecular couplings, so r_nn is an effective distance, biased low by the "
    "many-neighbour second moment.",
    "Finite excitation bandwidth and the probe dead time suppress the broad r_n component "
    "(its FID is mostly over within 1–2 µs): its weight is a lower bound unless an echo "
    "refocused it.",
)


class PakeModel:
    """The model on a fixed frequency grid, evaluated from a dict of parameter values.

    Parameters
    ----------
    freq_hz : array
        Uniform, monotonic frequency axis (Hz).
    components : {1, 2}
        One doublet (r_n) or two (r_n, r_nn).
    kind : {"like", "unlike", "spin1"}
        Pake parameterisation (see :data:`analysis.lineshapes.PAKE_KINDS`); for "spin1" the
        coupling is C_q = 2d so a like pair is reproduced.
    broadening : {"gaussian", "lorentzian"}
        Kernel of the broadening; its width parameters are FWHM in Hz.
    shared_broadening : bool
        One width for both doublets, or one each.
    central_line : bool
        Add a narrow Gaussian line (area, centre, FWHM) — e.g. a residual hydride signal.
    baseline : {"none", "constant", "linear"}
    nucleus : str
        Spin pair nucleus for d(r) (¹H by default).
    """

    def __init__(self, freq_hz, components: int = 2, *, kind: str = "like",
                 broadening: str = "gaussian", shared_broadening: bool = True,
                 central_line: bool = False, baseline: str = "constant",
                 nucleus: str = "1H"):
        f = np.asarray(freq_hz, dtype=float)
        if components not in (1, 2):
            raise ValueError("components must be 1 or 2")
        if kind not in PAKE_KINDS:
            raise ValueError(f"unknown Pake parameterisation {kind!r}")
        if broadening not in ("gaussian", "lorentzian"):
            raise ValueError("broadening must be 'gaussian' or 'lorentzian'")
        if baseline not in ("none", "constant", "linear"):
            raise ValueError("baseline must be 'none', 'constant' or 'linear'")
        self.freq_hz = f
        self.components = components
        self.kind = kind
        self.broadening = broadening
        self.shared = shared_broadening or components == 1
        self.central_line = central_line
        self.baseline = baseline
        self.nucleus = nucleus
        self.df = abs(f[-1] - f[0]) / max(f.size - 1, 1)
        self.mid = 0.5 * (f[0] + f[-1])
        self._grids: dict[tuple[int, int], UniformGrid] = {}
        self._fids: dict[tuple[int, float], np.ndarray] = {}

    # -- pieces ----------------------------------------------------------------------------
    def a_hz(self, r_angstrom: float) -> float:
        """Branch half-width a (Hz) for a distance (Å) in this parameterisation."""
        d = float(dipolar_coupling_hz(r_angstrom * ANGSTROM, self.nucleus))
        coupling = 2 * d if self.kind == "spin1" else d
        return float(branch_half_width_hz(coupling, self.kind))

    def doublet_names(self) -> list[tuple[str, str, str]]:
        """(label, distance key, width key) for each doublet."""
        out = [("r_n", "r_n_angstrom",
                "broadening_hz" if self.shared else "broadening_n_hz")]
        if self.components == 2:
            out.append(("r_nn", "r_nn_angstrom",
                        "broadening_hz" if self.shared else "broadening_nn_hz"))
        return out

    def _grid(self, sigma_min: float, a_max: float, sigma_max: float) -> UniformGrid:
        """The DFT grid for the current widths: oversampling k in powers of two and the
        period in steps of 512 points, so that a fit reuses a handful of grids."""
        from scipy import fft as sfft

        k = max(1, int(np.ceil(2.2 * self.df / sigma_min)))
        k = 1 << int(np.ceil(np.log2(k)))
        extent = float(pattern_extent_hz(self.freq_hz, a_max, sigma_max))
        span = abs(self.freq_hz[-1] - self.freq_hz[0])
        m = sfft.next_fast_len(512 * int(np.ceil((span + 2 * extent) / self.df / 512)))
        key = (k, m)
        if key not in self._grids:
            self._grids[key] = UniformGrid(self.freq_hz, 0.5 * (m * self.df - span),
                                           2.2 * self.df / k)
        return self._grids[key]

    def _fid_pair(self, grid: UniformGrid, a: float, sigma: float):
        """(G, ∂G/∂a, n): the unbroadened FID and its derivative on the grid's first n |t|
        points — those where the Gaussian decay exceeds 1e-13 (beyond, zero to that
        precision). Cached, so a step that does not move r reuses them."""
        th = grid.abs_t_half
        n = min(th.size, int(3.87 / (np.pi * sigma * grid.dt)) + 2)
        key = (id(grid), a)
        hit = self._fids.get(key)
        if hit is None or hit[0].size < n:
            if len(self._fids) > 8:
                self._fids.clear()
            hit = self._fids[key] = pake_fid_a(th[:n], a, derivative=True)
        return hit[0][:n], hit[1][:n], n

    def _half(self, grid: UniformGrid, a: float, sigma: float) -> np.ndarray:
        """The Gaussian-broadened FID of one unit-area doublet on the grid's |t|."""
        g, _, n = self._fid_pair(grid, a, sigma)
        out = np.zeros(grid.abs_t_half.size)
        out[:n] = g * np.exp(-2 * (np.pi * sigma * grid.abs_t_half[:n]) ** 2)
        return out

    def _doublet_inputs(self, v: Mapping[str, float]):
        """(labels, areas, branch half-widths a (Hz), Gaussian σ (Hz)) of the doublets."""
        labels = self.doublet_names()
        amps = [v["amplitude"] * (v["weight_n"] if self.components == 2 else 1.0)]
        if self.components == 2:
            amps.append(v["amplitude"] * (1 - v["weight_n"]))
        a = [self.a_hz(v[rk]) for _, rk, _ in labels]
        sig = [v[wk] / FWHM_PER_SIGMA for _, _, wk in labels]
        return labels, amps, a, sig

    def _line_shape(self, v: Mapping[str, float]) -> np.ndarray:
        """The unit-area Gaussian central line on the grid."""
        s = v["line_fwhm_hz"] / FWHM_PER_SIGMA
        return np.exp(-0.5 * ((self.freq_hz - v["line_center_hz"]) / s) ** 2) / (
            np.sqrt(2 * np.pi) * s)

    def jacobian(self, v: Mapping[str, float], names: Sequence[str]) -> np.ndarray | None:
        """∂model/∂p (points × len(names)) in closed form: every doublet-derived column is
        the transform of an analytic time-domain derivative, all in one batched FFT.
        ``None`` for the Lorentzian kernel (the caller differentiates numerically)."""
        if self.broadening != "gaussian":
            return None
        f = self.freq_hz
        labels, amps, a, sig = self._doublet_inputs(v)
        grid = self._grid(min(sig), max(a), max(sig))
        th = grid.abs_t_half
        size = th.size
        rows: dict[str, np.ndarray] = {}
        halves = []
        for (_, rk, wk), ai, s, amp in zip(labels, a, sig, amps, strict=True):
            g, dg, n = self._fid_pair(grid, ai, s)
            dec = np.exp(-2 * (np.pi * s * th[:n]) ** 2)
            h = np.zeros(size)
            h[:n] = g * dec
            halves.append(h)
            dr = np.zeros(size)
            dr[:n] = amp * dg * dec * (-3 * ai / v[rk])            # a ∝ r⁻³
            rows[rk] = dr
            dw = np.zeros(size)
            dw[:n] = amp * h[:n] * (-4 * np.pi**2 * s * th[:n] ** 2) / FWHM_PER_SIGMA
            rows[wk] = rows.get(wk, 0) + dw
        total = sum(amp * h for amp, h in zip(amps, halves, strict=True))
        if self.components == 2:
            w = v["weight_n"]
            rows["amplitude"] = w * halves[0] + (1 - w) * halves[1]
            rows["weight_n"] = v["amplitude"] * (halves[0] - halves[1])
        else:
            rows["amplitude"] = halves[0]
        fft_keys = [k for k in names if k in rows]
        batch = grid.full(np.array([rows[k] for k in fft_keys] + [total])).astype(complex)
        if "center_hz" in names:
            batch = np.vstack([batch, batch[-1] * (2j * np.pi * grid.t)])
        spectra = grid.spectrum(batch, v["center_hz"])
        out = np.zeros((f.size, len(names)))
        col = {k: i for i, k in enumerate(names)}
        for i, k in enumerate(fft_keys):
            out[:, col[k]] = spectra[i]
        if "center_hz" in names:
            out[:, col["center_hz"]] = spectra[-1]
        if self.central_line:
            s = v["line_fwhm_hz"] / FWHM_PER_SIGMA
            x = f - v["line_center_hz"]
            gl = self._line_shape(v)
            line = v["line_area"] * gl
            for k, c in (("line_area", gl), ("line_center_hz", line * x / s**2),
                         ("line_fwhm_hz", line * (x**2 / s**2 - 1) / s / FWHM_PER_SIGMA)):
                if k in col:
                    out[:, col[k]] = c
        if "baseline_0" in col:
            out[:, col["baseline_0"]] = 1.0
        if "baseline_1" in col:
            out[:, col["baseline_1"]] = (f - self.mid) / 1e6
        return out

    def doublets(self, v: Mapping[str, float]) -> list[np.ndarray]:
        """Each doublet's contribution (area A·weight) on the grid."""
        _, amps, a, sig = self._doublet_inputs(v)
        if self.broadening == "lorentzian":
            # half-width γ = FWHM/2 = σ·FWHM_PER_SIGMA/2
            return [amp * pake_lorentzian(self.freq_hz - v["center_hz"], ai,
                                          0.5 * s * FWHM_PER_SIGMA)
                    for amp, ai, s in zip(amps, a, sig, strict=True)]
        grid = self._grid(min(sig), max(a), max(sig))
        return [grid.spectrum(grid.full(amp * self._half(grid, ai, s)), v["center_hz"])
                for ai, amp, s in zip(a, amps, sig, strict=True)]

    def evaluate(self, v: Mapping[str, float], parts: bool = False):
        """The model (and, with ``parts``, a dict of its components) for values ``v``."""
        f = self.freq_hz
        comps = {}
        if self.broadening == "gaussian" and not parts:
            # one FFT for all doublets
            _, amps, a, sig = self._doublet_inputs(v)
            grid = self._grid(min(sig), max(a), max(sig))
            half = sum(amp * self._half(grid, ai, s) for amp, ai, s in zip(amps, a, sig,
                                                                          strict=True))
            total = grid.spectrum(grid.full(half), v["center_hz"])
        else:
            d = self.doublets(v)
            comps = {name: c for (name, _, _), c in zip(self.doublet_names(), d, strict=True)}
            total = np.sum(d, axis=0)
        if self.central_line:
            line = v["line_area"] * self._line_shape(v)
            comps["central line"] = line
            total = total + line
        if self.baseline != "none":
            b = np.full_like(f, v["baseline_0"])
            if self.baseline == "linear":
                b = b + v["baseline_1"] * (f - self.mid) / 1e6
            comps["baseline"] = b
            total = total + b
        return (total, comps) if parts else total

    # -- parameters ------------------------------------------------------------------------
    def parameters(self, data, *, r_n: float, r_nn: float, weight_n: float,
                   broadening_hz: float | None, center_hz: float | None,
                   mask) -> Parameters:
        """The model's parameters, all free, with bounds and starting values estimated from
        ``data`` (intensity units) over the points of ``mask``; ``r_n``, ``r_nn`` in Å,
        ``broadening_hz`` (FWHM) and ``center_hz`` in Hz (None: estimated)."""
        f = self.freq_hz
        y = np.asarray(data, float)
        n_edge = max(2, f.size // BASELINE_EDGE_SHARE)
        edges = np.concatenate([y[:n_edge], y[-n_edge:]])
        b0 = float(np.median(edges)) if self.baseline != "none" else 0.0
        pos = np.clip(y - b0, 0, None) * mask
        area = float(np.sum(y[mask] - b0) * self.df)
        span = float(f.max() - f.min())
        c0 = float(np.sum(f * pos) / np.sum(pos)) if pos.sum() > 0 else self.mid
        if center_hz is not None:
            c0 = float(center_hz)
        amp_hi = max(AMPLITUDE_HEADROOM * abs(area),
                     AMPLITUDE_HEADROOM * float(np.abs(y).max()) * span)
        r_lo, r_hi = DISTANCE_BOUNDS_ANGSTROM
        out = [Parameter("amplitude", max(area, 1e-12 * amp_hi), 0.0, amp_hi, unit="a.u.·Hz")]
        if self.components == 2:
            out.append(Parameter("weight_n", weight_n, 0.0, 1.0, unit=""))
        out.append(Parameter("r_n_angstrom", r_n, r_lo, r_hi, unit="Å"))
        if self.components == 2:
            out.append(Parameter("r_nn_angstrom", r_nn, r_lo, r_hi, unit="Å"))
        w_lo, w_hi = max(self.df, 1e-9), 0.5 * span
        d_ref = float(dipolar_coupling_hz((r_nn if self.components == 2 else r_n) * ANGSTROM,
                                          self.nucleus))
        w0 = float(np.clip(broadening_hz if broadening_hz else START_WIDTH_PER_COUPLING * d_ref,
                           1.01 * w_lo, 0.99 * w_hi))
        for key in dict.fromkeys(wk for _, _, wk in self.doublet_names()):
            out.append(Parameter(key, w0, w_lo, w_hi, unit="Hz"))
        out.append(Parameter("center_hz", c0, float(f.min()), float(f.max()), unit="Hz"))
        if self.central_line:
            ipk = int(np.argmax(np.where(mask, y - b0, -np.inf)))
            out += [Parameter("line_area", LINE_START_AREA_FRACTION * max(area, 0.0)
                              + 1e-12 * amp_hi, 0.0, amp_hi, unit="a.u.·Hz"),
                    Parameter("line_center_hz", float(f[ipk]), float(f.min()), float(f.max()),
                              unit="Hz"),
                    Parameter("line_fwhm_hz", LINE_START_FWHM_POINTS * self.df, self.df,
                              LINE_MAX_FWHM_FRACTION * span, unit="Hz")]
        if self.baseline != "none":
            hi = AMPLITUDE_HEADROOM * float(np.abs(y).max()) + 1e-300
            out.append(Parameter("baseline_0", b0, -hi, hi, unit="a.u."))
            if self.baseline == "linear":
                out.append(Parameter("baseline_1", 0.0, -hi, hi, unit="a.u./MHz"))
        return Parameters(out)


def spectrum_for_fit(dataset, params=None, echo: str = "auto"):
    """(frequency_hz, intensity, how) of a dataset prepared for a Pake fit.

    A frequency-domain dataset is taken as given. An FID or echo is processed without zero
    filling or apodization (so the points stay independent), as a whole echo when the echo
    top is not at the start (``echo="auto"``; or "whole", "half", "none"), with a zero-order
    autophase; ``params`` gives the rest of the processing (default: none).
    """
    from .processing import ProcessingParams, echo_top, process

    if dataset.domain == "frequency":
        return (np.asarray(dataset.frequency_offsets_hz), np.asarray(dataset.data[0]).real,
                "spectrum as given")
    params = params or ProcessingParams()
    if echo == "auto":
        if params.left_shift == 0 and echo_top(np.asarray(dataset.data[0])) > 2:
            params = params.replace(left_shift="whole-echo")
    else:
        params = params.replace(left_shift={"whole": "whole-echo", "half": "echo",
                                            "none": 0}[echo])
    params = params.replace(zero_fill=dataset.points, lb_hz=0.0, gb_hz=0.0)
    sp = process(dataset, params, autophase="zero-order")
    p0 = sp.params.p0_deg
    how = (f"{dataset.points} points, SW {dataset.spectral_width_hz / 1e3:g} kHz, "
           f"echo: {params.left_shift or 'none'}, p0 = {p0:.1f}° (zero-order autophase), "
           "no zero filling or apodization")
    return np.asarray(sp.offsets_hz), np.asarray(sp.real), how


def _relabel(names, p, cov):
    """Swap the doublets if the fit ended with r_n > r_nn: names keep their meaning
    (r_n the shorter distance), w → 1 − w, covariance transformed exactly."""
    idx = {n: i for i, n in enumerate(names)}
    if "r_nn_angstrom" not in idx or p[idx["r_n_angstrom"]] <= p[idx["r_nn_angstrom"]]:
        return p, cov, False
    k = len(names)
    t = np.eye(k)
    c = np.zeros(k)

    def swap(a, b):
        if a in idx and b in idx:
            i, j = idx[a], idx[b]
            t[[i, j]] = t[[j, i]]

    swap("r_n_angstrom", "r_nn_angstrom")
    swap("broadening_n_hz", "broadening_nn_hz")
    if "weight_n" in idx:
        i = idx["weight_n"]
        t[i] = -t[i]
        c[i] = 1.0
    return t @ p + c, t @ cov @ t.T, True


def _apparent_horn_hz(a_hz: float, width_fwhm_hz: float, broadening: str) -> float:
    """Position (Hz) of the maximum of a broadened doublet's right horn (grid search on
    a 0.1 %-of-a grid, then a parabola through the three best points)."""
    nu = np.linspace(0.3 * a_hz, 1.2 * a_hz, 901)
    if broadening == "lorentzian":
        y = pake_lorentzian(nu, a_hz, 0.5 * width_fwhm_hz)
    else:
        y = pake_spectrum(nu, a_hz, width_fwhm_hz / FWHM_PER_SIGMA)
    i = int(np.clip(np.argmax(y), 1, nu.size - 2))
    den = y[i - 1] - 2 * y[i] + y[i + 1]
    step = nu[1] - nu[0]
    return float(nu[i] + (0.5 * step * (y[i - 1] - y[i + 1]) / den if den < 0 else 0.0))


def fit_pake(frequency_hz, intensity, components: int = 2, *, r_n: float = 0.75,
             r_nn: float = 1.24, weight_n: float = 0.5, broadening_hz: float | None = None,
             center_hz: float | None = None, fix: Mapping[str, float] | None = None,
             kind: str = "like", broadening: str = "gaussian", shared_broadening: bool = True,
             central_line: bool = CENTRAL_LINE_DEFAULT, baseline: str = "constant",
             exclude: Sequence[tuple[float, float]] = (), noise_sigma: float | None = None,
             bootstrap: int = 0, seed: int = 0, nucleus: str = "1H") -> FitResult:
    """Fit one or two Pake doublets; distances in Å with standard errors.

    Parameters
    ----------
    frequency_hz, intensity : array
        Real spectrum on a uniform axis (Hz; any offset origin).
    components : {1, 2}
    r_n, r_nn : float
        Starting distances (Å); bounds 0.6–2.0 Å.
    weight_n : float
        Starting fraction of the area in the r_n doublet.
    broadening_hz : float, optional
        Starting FWHM (Hz) of the broadening; default a quarter of d(r_nn).
    center_hz : float, optional
        Starting centre (Hz); default the intensity centroid.
    fix : mapping, optional
        Parameters held at a value (e.g. ``{"weight_n": 0.5}``: one intramolecular partner
        per H — a modelling choice the report states).
    kind, broadening, shared_broadening, central_line, baseline
        See :class:`PakeModel`; ``central_line`` defaults to :data:`CENTRAL_LINE_DEFAULT`.
    exclude : sequence of (lo, hi)
        Frequency ranges (Hz) left out of the fit.
    noise_sigma : float, optional
        Noise σ per point (intensity units); default a robust estimate from the second
        differences (:data:`NOISE_ORDER`). The errors are scaled by the reduced χ² either
        way; the goodness-of-fit verdict treats a given σ as known and the estimate as one
        with :func:`analysis.fitting.robust_noise_dof` degrees of freedom.
    bootstrap : int
        Residual-bootstrap refits for 68 % intervals (0: none).

    Returns
    -------
    FitResult
        ``values``: ``r_n_angstrom`` (± Å), ``r_nn_angstrom``, ``weight_n``, ``broadening_hz``
        (or ``broadening_n_hz``/``broadening_nn_hz``), ``center_hz``, ``amplitude`` and the
        derived ``d_n_hz``/``d_nn_hz``, horn splittings; components per doublet.
    """
    name = f"Pake ×{components} ({kind}-spin, {broadening})"
    spectrum = _checked_spectrum(frequency_hz, intensity)
    if isinstance(spectrum, str):
        return failed(name, spectrum)
    f, y = spectrum
    try:
        model = PakeModel(f, components, kind=kind, broadening=broadening,
                          shared_broadening=shared_broadening, central_line=central_line,
                          baseline=baseline, nucleus=nucleus)
    except ValueError as exc:
        return failed(name, str(exc))
    if not np.allclose(np.diff(f), model.df, rtol=UNIFORM_RTOL, atol=0):
        return failed(name, "the frequency axis is not uniform")
    if np.ptp(y) == 0:
        return failed(name, "the spectrum is flat (every point has the same value): no "
                            "Pake pattern to fit")
    mask = np.ones(f.size, bool)
    for lo, hi in exclude:
        mask &= ~((f >= min(lo, hi)) & (f <= max(lo, hi)))
    fix = dict(fix or {})
    params = model.parameters(y, r_n=r_n, r_nn=r_nn, weight_n=weight_n,
                              broadening_hz=broadening_hz, center_hz=center_hz, mask=mask)
    unknown = params.unknown(fix)
    if unknown:
        return failed(name, f"cannot fix unknown parameter(s) {unknown}")
    params = params.fix(fix)
    if mask.sum() <= len(params.free):
        return failed(name, f"{int(mask.sum())} points left after exclusions for "
                            f"{len(params.free)} free parameters")
    sigma, sigma_source, sigma_dof = _noise(y[mask], noise_sigma)
    ym = y[mask]

    def residual(v, target=ym):
        return (target - model.evaluate(v)[mask]) / sigma

    def jacobian(v, names):
        return -model.jacobian(v, names)[mask] / sigma

    jac = jacobian if model.broadening == "gaussian" else None   # analytic: Gaussian only
    pf = fit(residual, params, jacobian=jac, tr_solver=SOLVER)
    names = list(pf.names)
    p, cov, swapped = _relabel(names, pf.p, pf.covariance)
    err, corr = correlation_from_covariance(cov)
    if not all(np.isfinite(pf.stderr[k]) for k in names):
        err = [pf.stderr[k] for k in names]
    v = params.unpack(p)
    stderr = {k: 0.0 for k in params} | dict(zip(names, err, strict=True))
    intervals = _bootstrap(model, residual, jac, pf, mask, sigma, int(bootstrap), seed) \
        if bootstrap and pf.success else {}
    total, comps = model.evaluate(v, parts=True)
    derived, notes = _derived(model, v, stderr, pf.success)
    notes += _choices(fix, swapped, kind, pf.at_bound)
    vals = {k: float(x) for k, x in v.items()} | {k: m[0] for k, m in derived.items()}
    units = params.units
    if components == 2:
        vals["weight_nn"] = 1 - v["weight_n"]
        stderr["weight_nn"] = stderr.get("weight_n", 0.0)
        units["weight_nn"] = ""
    stderr.update({k: m[1] for k, m in derived.items()})
    units.update({k: m[2] for k, m in derived.items()})
    comp_named = {("r_n doublet" if k == "r_n" else "r_nn doublet" if k == "r_nn" else k): c
                  for k, c in comps.items()}
    return pf.result(name, values=vals, stderr=stderr, units=units, correlation=corr, x=f,
                     data=y, model=total, weights_mask=mask, components=comp_named,
                     intervals=intervals, notes=tuple(notes), noise_sigma=sigma,
                     sigma_source=sigma_source, sigma_dof=float(sigma_dof))


def _checked_spectrum(frequency_hz, intensity) -> tuple[np.ndarray, np.ndarray] | str:
    """(frequency, real intensity) in increasing frequency, or why they cannot be fitted."""
    f = np.asarray(frequency_hz, dtype=float).ravel()
    y = np.asarray(intensity).ravel()
    if np.iscomplexobj(y):
        y = y.real
    y = y.astype(float)
    if f.size != y.size:
        return f"frequency ({f.size}) and intensity ({y.size}) lengths differ"
    if f.size < MIN_POINTS:
        return f"{f.size} points: too few for a Pake fit (need ≥ {MIN_POINTS})"
    bad = ~(np.isfinite(f) & np.isfinite(y))
    if bad.any():
        return f"{int(bad.sum())} points are NaN or infinite; remove them first"
    if f[-1] < f[0]:
        f, y = f[::-1], y[::-1]
    return f, y


def _noise(y, noise_sigma: float | None) -> tuple[float, str, float]:
    """(σ, where it came from, its degrees of freedom) for the points ``y`` that count: the
    given σ (known), else the robust estimate (:data:`NOISE_ORDER`), else — no estimate —
    the data's scatter, signal included (σ from the residuals: χ² says nothing)."""
    if noise_sigma:
        sigma, source, dof = float(noise_sigma), "known", np.inf
    else:
        sigma, source = robust_noise_sigma(y, NOISE_ORDER), "estimated"
        dof = robust_noise_dof(int(y.size), NOISE_ORDER)
    if not (np.isfinite(sigma) and sigma > 0):
        return float(np.std(y)) or 1.0, "residuals", dof
    return sigma, source, dof


def _derived(model: PakeModel, v: Mapping[str, float], stderr: Mapping[str, float],
             success: bool) -> tuple[dict[str, tuple[float, float, str]], list[str]]:
    """The couplings d and horn splittings (like spins: 1.5·d) of each doublet as
    {key: (value, error, unit)}, and the caveats with each doublet's bias check."""
    out: dict[str, tuple[float, float, str]] = {}
    notes = list(CAVEATS)
    for label, rk, wk in model.doublet_names():
        r, sr = v[rk], stderr[rk]
        d = float(dipolar_coupling_hz(r * ANGSTROM, model.nucleus))
        out[f"d_{label[2:]}_hz"] = (d, 3 * d * sr / r, "Hz")       # d ∝ r⁻³
        a = model.a_hz(r)
        out[f"horn_splitting_{label[2:]}_hz"] = (2 * a, 6 * a * sr / r, "Hz")
        if success and v[wk] > 0:
            horn = _apparent_horn_hz(a, v[wk], model.broadening)
            naive_r = r * (a / horn) ** (1 / 3) if horn > 0 else float("nan")
            notes.append(f"Bias check (PHYSICS §2.3): the broadened {label} horns sit at "
                         f"±{horn / 1e3:.2f} kHz, not ±{a / 1e3:.2f} kHz; reading r from them "
                         f"without the broadening model would give {naive_r:.3f} Å instead "
                         f"of {r:.3f} Å ({100 * (naive_r / r - 1):+.1f} %).")
    return out, notes


def _choices(fix: Mapping[str, float], swapped: bool, kind: str,
             at_bound: Sequence[str]) -> list[str]:
    """Notes on what the fit was told or did: a fixed weight, relabelled doublets, a
    parameterisation other than like spins, parameters at a bound."""
    notes = []
    if "weight_n" in fix:
        notes.append(f"weight_n was fixed at {fix['weight_n']:g} (e.g. one intramolecular "
                     "partner per H): a modelling choice, not a result.")
    if swapped:
        notes.append("The optimiser ended with the doublets in the other order; they were "
                     "relabelled so that r_n < r_nn.")
    if kind != "like":
        notes.append(f"Parameterisation '{kind}': horns at ±{PAKE_KINDS[kind]:g}× the "
                     "coupling; for a homonuclear pair the like-spin form (±0.75·d) is the "
                     "physical one.")
    if at_bound:
        notes.append(f"At a bound (error not meaningful): {', '.join(at_bound)}.")
    return notes


def _bootstrap(model, residual, jac, best, mask, sigma, n, seed):
    """Residual bootstrap: refit model + resampled residuals ``n`` times from the fit
    ``best``; 16–84 % ranges (relabelled so r_n < r_nn)."""
    rng = np.random.default_rng(seed)
    names = list(best.names)
    model_best = model.evaluate(best.values)[mask]
    res = residual(best.values) * sigma
    res = res - res.mean()
    draws = []
    for _ in range(n):
        target = model_best + rng.choice(res, size=res.size, replace=True)
        refit = fit(lambda v, t=target: residual(v, t), best.params, jacobian=jac)
        if refit.success:
            q, _, _ = _relabel(names, refit.p, np.eye(len(names)))
            draws.append(q)
    if len(draws) < max(5, n // 2):
        return {}
    arr = np.array(draws)
    return {k: (float(np.percentile(arr[:, i], 16)), float(np.percentile(arr[:, i], 84)))
            for i, k in enumerate(names)}
