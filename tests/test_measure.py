"""Measurements with uncertainties, and the simulate → write → read → process → measure
round trip at SNR 100 (the acceptance of the foundation issue)."""

import re

import numpy as np
import pytest

from analysis import io
from analysis import measure as M
from analysis import processing as P
from analysis import simulate as S
from analysis.dataset import Dataset
from analysis.io import bruker

SW = 50e3
CARRIER = 395.0e6
REF = 395.0e6


def _sim(seed, *, sigma, lw=300.0, gauss=0.0, offset=1234.0, n=4096, **kw):
    rng = np.random.default_rng(seed)
    return S.synthesize([S.Line(offset, 1.0, lw, gauss)], n, SW, noise_sigma=sigma, rng=rng,
                        **kw)


def test_round_trip_through_bruker_files_at_snr_100(tmp_path):
    """Truth within the reported uncertainties (2σ for ≥ 90 % of 40 seeded spectra)."""
    lw = 800.0
    shift_true = 1e6 * (CARRIER + 1234.0 - REF) / REF
    hits_shift = hits_fwhm = 0
    n = 40
    for seed in range(n):
        # amplitude 1, noise per channel chosen for a peak SNR of ≈ 100
        sigma = SW / (np.pi * lw * 100 * np.sqrt(4096))
        p0, td, ring = 77.0, 0.3 / SW, 4
        fid = _sim(seed, sigma=sigma, lw=lw, phase0_deg=p0, receiver_delay_s=td,
                   ringing_points=ring, ringing_amplitude=3.0, dc_offset=0.01) * 1e6
        folder = bruker.write(tmp_path / f"s{seed}", fid, nucleus="1H", carrier_hz=CARRIER,
                              reference_hz=REF, spectral_width_hz=SW, scans=16)
        ds = io.read(folder)
        # a delayed first point leaves a broad baseline offset after the p1 correction:
        # corrected, as a user would, by a quadratic through the line-free wings
        params = P.ProcessingParams(left_shift=ring, p0_deg=-p0, p1_deg=-360 * SW * td,
                                    zero_fill=16384, baseline="polynomial", baseline_order=2,
                                    baseline_regions_hz=((-25e3, -10e3), (12e3, 25e3)))
        pk = M.peak(P.process(ds, params))
        snr = pk.height.value / pk.noise_rms
        assert 60 < snr < 160
        hits_shift += abs(pk.shift_ppm.value - shift_true) < 2 * pk.shift_ppm.stderr
        hits_fwhm += abs(pk.fwhm_hz.value - lw) < 2 * pk.fwhm_hz.stderr
    assert hits_shift >= 0.9 * n
    assert hits_fwhm >= 0.9 * n


def test_uncertainties_are_honest_not_inflated():
    """Across seeds the scatter of the position matches the reported σ within a factor 2."""
    errs, sig = [], []
    for seed in range(60):
        fid = _sim(seed, sigma=0.003, lw=300.0)
        ds = Dataset(fid, "sim", "sim", carrier_hz=CARRIER, spectral_width_hz=SW,
                     reference_hz=REF)
        pk = M.peak(P.process(ds))
        errs.append(pk.position_hz.value - 1234.0)
        sig.append(pk.position_hz.stderr)
        # FWHM in ppm is the Hz value over the reference
        assert pk.fwhm_ppm.value == pytest.approx(pk.fwhm_hz.value / (REF / 1e6))
    ratio = np.std(errs) / np.mean(sig)
    assert 0.5 < ratio < 2.0


def test_integral_of_a_line_is_its_area():
    # time signal amplitude A at t = 0 ⇔ spectral area A·N·Δf/… : compare with the DFT sum
    fid = _sim(0, sigma=0.0005, lw=300.0)
    ds = Dataset(fid, "sim", "sim", carrier_hz=CARRIER, spectral_width_hz=SW, reference_hz=REF)
    sp = P.process(ds, P.ProcessingParams(zero_fill=4096))
    full = M.integral(sp, (-SW / 2, SW / 2))
    # the DFT of a line of amplitude 1 sums to N·(first point)·½ → area N·½·Δf
    assert full.value == pytest.approx(0.5 * 4096 * SW / 4096, rel=0.02)
    part = M.integral(sp, (1234.0 - 3000, 1234.0 + 3000))
    assert part.stderr > 0
    assert part.value < full.value


def test_time_domain_snr_recovers_the_truth():
    hits = 0
    for seed in range(30):
        sigma = 0.01
        fid = _sim(seed, sigma=sigma, lw=1350.0, phase0_deg=40.0, ringing_points=3,
                   ringing_amplitude=2.0, dc_offset=0.02j)
        ds = Dataset(fid, "sim", "sim", carrier_hz=CARRIER, spectral_width_hz=SW,
                     reference_hz=REF)
        snr = M.snr_time(ds, P.ProcessingParams(left_shift=3, p0_deg=-40.0))
        hits += abs(snr.value - 1 / sigma) < 2 * snr.stderr
    assert hits >= 26


def test_frequency_snr_and_errors():
    fid = _sim(1, sigma=0.003, lw=300.0)
    ds = Dataset(fid, "sim", "sim", carrier_hz=CARRIER, spectral_width_hz=SW, reference_hz=REF)
    sp = P.process(ds)
    snr = M.snr_frequency(sp)
    assert snr.value > 50 and snr.stderr > 0
    noise_only = Dataset(_sim(2, sigma=0.003, lw=300.0) * 0 + _sim(3, sigma=0.003, lw=300.0)
                         - _sim(3, sigma=0.0, lw=300.0), "sim", "sim", carrier_hz=CARRIER,
                         spectral_width_hz=SW, reference_hz=REF)
    failed = M.peak(P.process(noise_only))  # a failed result, not an exception
    assert not failed.success and re.search("no peak", failed.message)
    with pytest.raises(M.MeasurementError, match="no peak"):
        failed.raise_for_failure()
    with pytest.raises(M.MeasurementError, match="no peak"):  # a primitive raises
        M.snr_frequency(P.process(noise_only))


def test_measurement_formats_with_unit():
    m = M.Measurement(1.23456, 0.0123, "ppm")
    assert str(m) == "1.235 ± 0.012 ppm"
    assert str(M.Measurement(3773.2, 341.0, "Hz")) == "3770 ± 340 Hz"
    assert str(M.Measurement(1.802e11, 1.5e9, "a.u.")) == "(1.802 ± 0.015)e+11 a.u."
    assert f"{m:.3f}" == "1.235 ± 0.012 ppm"
    assert m.to_dict() == {"value": 1.23456, "stderr": 0.0123, "unit": "ppm"}


def test_line_shift_sigma_covers_the_scatter_and_ignores_the_phase():
    """60 seeded realisations of a ¹H-like line with random phase, DC offset and ringing:
    the time-domain position is unbiased, its σ is not smaller than the scatter (nor
    inflated beyond 2×), and the phase in the processing does not move it."""
    sw, n, offset = 200e3, 2048, 1234.0
    pos, sig = [], []
    for seed in range(60):
        rng = np.random.default_rng(1000 + seed)
        fid = S.synthesize([S.Line(offset, 1.0, 212.0, 1100.0)], n, sw,
                           phase0_deg=float(rng.uniform(-180, 180)), ringing_points=4,
                           ringing_amplitude=2.0, receiver_delay_s=0.2 / sw,
                           dc_offset=complex(*rng.normal(0, 0.02, 2)), noise_sigma=0.01,
                           rng=rng)
        ds = Dataset(fid, "sim", "sim", nucleus="1H", carrier_hz=CARRIER,
                     spectral_width_hz=sw, reference_hz=REF)
        params = P.ProcessingParams(left_shift=4)
        ls = M.line_shift(ds, params)
        pos.append(ls.offset_hz.value)
        sig.append(ls.offset_hz.stderr)
        if seed < 3:  # any phase in the processing gives the same position
            for p0 in (-20.0, 20.0, 137.0):
                again = M.line_shift(ds, params.replace(p0_deg=p0, p1_deg=30.0))
                assert again.offset_hz.value == ls.offset_hz.value
            assert ls.shift_ppm.value == pytest.approx(1e6 * (CARRIER + ls.offset_hz.value
                                                              - REF) / REF)
            assert ls.systematic_hz > 0 and len(ls.variants) == 6
    pos, sig = np.array(pos), np.array(sig)
    scatter = np.std(pos, ddof=1)
    assert abs(pos.mean() - offset) < 3 * scatter / np.sqrt(pos.size)
    assert np.mean(sig) >= scatter
    assert np.mean(sig) < 2 * scatter


def test_line_shift_needs_a_fid():
    ds = Dataset(np.ones(64, complex), "sim", "sim", domain="frequency",
                 frequency_offsets_hz=np.linspace(-1e3, 1e3, 64), reference_hz=REF)
    ls = M.line_shift(ds)
    assert not ls.success and re.search("no FID", ls.message)


@pytest.mark.parametrize("mode", ["echo", "whole-echo"])
def test_time_domain_snr_of_an_echo_ignores_the_padded_end(mode):
    """After the shift to the echo top the end is zero-padded: not noise (σ was too small
    for "echo", and "whole-echo" raised)."""
    fid = S.synthesize([S.Line(500.0, 1.0, 300.0)], 2048, SW, echo_index=300,
                       noise_sigma=0.01, rng=np.random.default_rng(5))
    ds = Dataset(fid, "sim", "sim", carrier_hz=CARRIER, spectral_width_hz=SW,
                 reference_hz=REF)
    snr = M.snr_time(ds, P.ProcessingParams(left_shift=mode))
    assert abs(snr.value - 100.0) < 3 * snr.stderr
    fa = M.fid_amplitude(ds, P.ProcessingParams(left_shift=mode))
    assert abs(fa.snr.value - 100.0) < 3 * fa.snr.stderr
    assert abs(fa.frequency_hz.value - 500.0) < 3 * fa.frequency_hz.stderr


# ------------------------------------------------- several resolved lines, and a region for one
def _two_lines(seed, *, a2=0.9, f1=-2000.0, f2=1500.0, sw=50e3):
    rng = np.random.default_rng(seed)
    fid = S.synthesize([S.Line(f1, 1.0, 300.0), S.Line(f2, a2, 250.0)], 2048, sw,
                       phase0_deg=float(rng.uniform(-180, 180)), noise_sigma=0.003, rng=rng)
    return Dataset(fid, "sim2", "sim2", nucleus="13C", carrier_hz=CARRIER,
                   spectral_width_hz=sw, reference_hz=REF)


def test_two_resolved_lines_are_refused_and_each_region_measures_its_line():
    """One Voigt through two lines would report the dip between them; instead the error
    names both and a region for each, and each region gives its own line (truth within 3σ,
    σ a few Hz), whatever the phase."""
    f1, f2 = -2000.0, 1500.0
    ds = _two_lines(3, f1=f1, f2=f2)
    err = M.line_shift(ds)
    assert not err.success and err.reason == M.SEVERAL_LINES
    assert re.search("several resolved lines", err.message)
    lines = err.lines
    assert len(lines) == 2
    assert [round(ln.offset_hz, -2) for ln in lines] == [f1, f2]
    msg = err.message
    assert msg.startswith("sim2: ") and "choose one with a region" in msg and " ppm" in msg
    for ln, truth in zip(lines, (f1, f2), strict=True):
        lo, hi = ln.region_hz
        assert lo < truth < hi and not lo < (f1 + f2 - truth) < hi  # holds its line alone
        ls = M.line_shift(ds, region_hz=ln.region_hz)
        assert abs(ls.offset_hz.value - truth) < 3 * ls.offset_hz.stderr
        assert ls.offset_hz.stderr < 10.0
        assert ls.region_hz == (lo, hi) and ls.to_dict()["region_hz"] == [lo, hi]
    # a region around both refuses too; a region with no line says so
    both = M.line_shift(ds, region_hz=(-4000.0, 4000.0))
    assert not both.success and both.reason == M.SEVERAL_LINES
    assert re.search("in the region", both.message)
    with pytest.raises(M.SeveralLinesError, match="in the region"):
        both.raise_for_failure()
    empty = M.line_shift(ds, region_hz=(8000.0, 9000.0))
    assert not empty.success and empty.reason == M.NO_SHIFT
    assert re.search("no line above 5σ", empty.message)


def test_region_fit_is_unbiased_and_its_sigma_honest_over_seeds():
    """10 noise realisations of two overlapping lines (1.2 kHz apart, 300 Hz wide): the
    position from a region around one is unbiased (the other is fitted alongside, not
    leaking in) and its σ covers the scatter without inflating it."""
    f1, f2 = -600.0, 600.0
    pos, sig = [], []
    for seed in range(10):
        ds = _two_lines(100 + seed, f1=f1, f2=f2, a2=1.0)
        ls = M.line_shift(ds, region_hz=(-1200.0, 0.0))
        assert ls.neighbours_hz and abs(ls.neighbours_hz[0] - f2) < 100  # fitted alongside
        pos.append(ls.offset_hz.value)
        sig.append(ls.offset_hz.stderr)
    pos, sig = np.array(pos), np.array(sig)
    scatter = np.std(pos, ddof=1)
    assert abs(pos.mean() - f1) < 3 * scatter / np.sqrt(pos.size)
    assert 0.7 * scatter < np.mean(sig) < 2.5 * scatter


def test_one_line_on_a_broad_component_is_not_refused():
    """The hydride case: a narrow ¹H line on a broad component that decays within the
    skipped start (H₂-like): one line, measured as before."""
    sw, offset = 200e3, 1234.0
    rng = np.random.default_rng(7)
    fid = S.synthesize([S.Line(offset, 1.0, 212.0, 1100.0), S.Line(-3000.0, 2.0, 0.0, 60e3)],
                       2048, sw, phase0_deg=40.0, ringing_points=4, ringing_amplitude=2.0,
                       noise_sigma=0.01, rng=rng)
    ds = Dataset(fid, "sim", "sim", nucleus="1H", carrier_hz=CARRIER, spectral_width_hz=sw,
                 reference_hz=REF)
    ls = M.line_shift(ds, P.ProcessingParams(left_shift=4))
    assert ls.region_hz is None and ls.fit.skip_s > 0
    assert abs(ls.offset_hz.value - offset) < 3 * ls.offset_hz.stderr


def test_region_on_a_single_line_agrees_with_the_whole_fit():
    ds = _two_lines(11, a2=0.0)
    whole = M.line_shift(ds)
    part = M.line_shift(ds, region_hz=(-3000.0, -1000.0))
    assert abs(part.offset_hz.value - whole.offset_hz.value) < whole.offset_hz.stderr
    assert part.neighbours_hz == () and part.band_hz == (-3000.0, -1000.0)


def _magnitude_peak_ppm(ds, near_ppm: float, lb_hz: float) -> float:
    """The top of |S| nearest ``near_ppm`` (8× zero filling, exponential lb, parabola): a
    frequency-domain position with no phase in it."""
    fid = np.asarray(ds.data[0], complex)
    t = np.arange(fid.size) * ds.dwell_s
    size = 8 * fid.size
    spec = np.abs(np.fft.fftshift(np.fft.fft(fid * np.exp(-np.pi * lb_hz * t), size)))
    x = (np.arange(size) - size // 2) * ds.spectral_width_hz / size
    ppm = 1e6 * (ds.carrier_hz + x - ds.reference_hz) / ds.reference_hz
    near = np.flatnonzero(np.abs(ppm - near_ppm) < 0.1)
    i = int(near[np.argmax(spec[near])])
    y0, y1, y2 = spec[i - 1:i + 2]
    return float(ppm[i] + 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2) * (ppm[1] - ppm[0]))


def test_real_varian_two_lines_refused_then_measured_one_by_one(realdata):
    """The VnmrJ ¹H FID has two broad lines 3 ppm apart: one Voigt put a line at the dip
    (9.84 ± 0.03 ppm). Now it refuses, and the region of each (from the error) gives the
    line within 0.03 ppm of the peaks of the spectrometer's own JCAMP export."""
    ds = io.read(realdata / "nmr_datafiles/Varian/VnmrJ3/1D.fid")
    err = M.line_shift(ds)
    assert not err.success and err.reason == M.SEVERAL_LINES
    assert len(err.lines) == 2 and "1D.fid: several resolved lines" in err.message
    jc = io.read(realdata / "nmr_datafiles/JCAMP/1DSpectrum.jcamp")
    y = np.asarray(jc.data[0].real)
    x = np.asarray(jc.frequency_offsets_hz)
    from scipy.signal import find_peaks

    idx, _ = find_peaks(y, height=0.5 * y.max())
    jpeaks = sorted(1e6 * (jc.carrier_hz + x[idx] - jc.reference_hz) / jc.reference_hz)
    assert jpeaks == pytest.approx([8.300, 11.365], abs=0.005)
    for ln, want in zip(err.lines, jpeaks, strict=True):
        ls = M.line_shift(ds, region_hz=ln.region_hz)
        assert abs(ls.shift_ppm.value - want) < 0.03
        assert ls.shift_ppm.stderr < 0.03
        assert len(ls.neighbours_hz) == 1  # the other line, fitted alongside


def test_real_13c_lines_refused_and_one_line_by_region(realdata):
    """The XwinNMR ¹³C spectrum (~10 narrow lines, 30–176 ppm): one Voigt said 103 ± 20 ppm,
    where nothing is. Now it refuses; the region of the 40 ppm line and of the middle CDCl₃
    triplet member give them within 0.02 ppm of the frequency-domain peak; a region around
    the whole triplet refuses (three lines)."""
    from analysis.units import ppm_to_hz

    ds = io.read(realdata / "nmr_datafiles/Bruker/XwinNMR/1D")
    err = M.line_shift(ds)
    assert not err.success and err.reason == M.SEVERAL_LINES
    lines = err.lines
    assert len(lines) >= 8
    ppm = [1e6 * (ds.carrier_hz + ln.offset_hz - ds.reference_hz) / ds.reference_hz
           for ln in lines]
    assert not any(90 < p < 170 for p in ppm)  # nothing where the single fit put it
    for near in (40.06, 77.10):
        k = int(np.argmin(np.abs(np.array(ppm) - near)))
        ls = M.line_shift(ds, region_hz=lines[k].region_hz)
        assert abs(ls.shift_ppm.value - _magnitude_peak_ppm(ds, near, 0.3)) < 0.02
        assert ls.shift_ppm.stderr < 0.01
    triplet = tuple(float(ppm_to_hz(v, ds.reference_hz)) - ds.carrier_hz for v in (76.4, 77.8))
    whole = M.line_shift(ds, region_hz=triplet)
    assert not whole.success and whole.reason == M.SEVERAL_LINES
    assert re.search("in the region", whole.message)
