"""Processing: phase convention, autophase, baselines, apodization, FFT axis."""

import numpy as np
import pytest

from analysis import processing as P
from analysis import simulate as S
from analysis.dataset import Dataset

SW = 100e3


def _ds(components, n=4096, **kw):
    fid = S.synthesize(components, n, SW, **kw)
    return Dataset(fid, "sim", "sim", carrier_hz=100e6, spectral_width_hz=SW,
                   reference_hz=100e6)


def test_frequency_axis_and_fft_put_a_line_where_it_is():
    ds = _ds([S.Line(12345.0, 1.0, 50.0)])
    sp = P.process(ds, P.ProcessingParams(zero_fill=65536))
    assert sp.offsets_hz[np.argmax(sp.real)] == pytest.approx(12345.0, abs=SW / 65536)
    assert np.all(np.diff(sp.offsets_hz) > 0)


def test_known_phase_error_is_removed_exactly():
    """Apply p0/p1 about a pivot, then undo it: the spectrum comes back to machine precision."""
    ds = _ds([S.Line(-20e3, 1.0, 200.0), S.Line(15e3, 0.5, 300.0)], noise_sigma=0.01)
    off, raw = P.transform(ds, P.ProcessingParams())
    bad = P.phase(raw, off, SW, 63.0, -140.0, pivot_hz=5e3)
    back = P.phase(bad, off, SW, -63.0, 140.0, pivot_hz=5e3)
    np.testing.assert_allclose(back, raw, atol=1e-12 * np.abs(raw).max())


def test_receiver_delay_is_undone_by_p1_convention():
    """A receiver delay t_d is a first-order phase p1 = −360·SW·t_d (about pivot 0)."""
    td = 0.37 / SW
    clean = _ds([S.Line(-20e3, 1.0, 200.0), S.Line(30e3, 0.7, 200.0)])
    delayed = _ds([S.Line(-20e3, 1.0, 200.0), S.Line(30e3, 0.7, 200.0)], phase0_deg=50.0,
                  receiver_delay_s=td)
    p = P.ProcessingParams(zero_fill=4096, first_point_scale=1.0)
    ref = P.process(clean, p)
    fixed = P.process(delayed, p.replace(p0_deg=-50.0, p1_deg=-360 * SW * td))
    # at the lines the phase is right (the wings carry the usual baseline roll)
    for f0 in (-20e3, 30e3):
        i = int(np.argmin(np.abs(ref.offsets_hz - f0)))
        assert np.angle(fixed.data[i] / ref.data[i], deg=True) == pytest.approx(0, abs=0.5)


def test_move_pivot_keeps_the_correction():
    off = np.linspace(-SW / 2, SW / 2, 1001)
    a = P.phase_factor(off, SW, 30.0, 90.0, 1000.0)
    p0b = P.move_pivot(30.0, 90.0, 1000.0, -7000.0, SW)
    b = P.phase_factor(off, SW, p0b, 90.0, -7000.0)
    np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("method", ["acme", "max-real"])
def test_autophase_gets_close_on_two_lines(method):
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(10):
        p0e = rng.uniform(-180, 180)
        td = rng.uniform(-0.4, 0.4) / SW
        ds = _ds([S.Line(-20e3, 1.0, 400.0), S.Line(25e3, 0.6, 400.0)], phase0_deg=p0e,
                 receiver_delay_s=td, noise_sigma=0.002, rng=rng)
        off, raw = P.transform(ds, P.ProcessingParams())
        p0, p1 = P.autophase(raw, off, SW, method=method, pivot_hz=0.0)
        r = P.phase(raw, off, SW, p0, p1, 0.0)
        i = int(np.argmin(np.abs(off + 20e3)))
        j = int(np.argmin(np.abs(off - 25e3)))
        ok = all(abs(np.angle(r[k], deg=True)) < 15 for k in (i, j))
        hits += ok
    assert hits >= 8


def test_zero_order_autophase_single_line():
    ds = _ds([S.Line(1e3, 1.0, 300.0)], phase0_deg=-123.0, noise_sigma=0.001)
    off, raw = P.transform(ds, P.ProcessingParams())
    p0, p1 = P.autophase(raw, off, SW, method="zero-order")
    assert p1 == 0.0
    assert P.wrap_phase(p0 - 123.0) == pytest.approx(0.0, abs=1.0)


def test_polynomial_baseline_recovers_a_known_baseline():
    x = np.linspace(-50e3, 50e3, 2001)
    base = 3.0 + 2e-5 * x - 4e-10 * x**2
    y = base + 100 * np.exp(-(x / 2e3) ** 2)
    regions = [(-50e3, -20e3), (20e3, 50e3)]
    fit = P.polynomial_baseline(x, y, regions, order=2)
    np.testing.assert_allclose(fit, base, atol=1e-6)


def test_polynomial_baseline_refuses_too_few_points():
    x = np.linspace(0, 1, 10)
    with pytest.raises(ValueError, match="baseline regions"):
        P.polynomial_baseline(x, x, [(0.0, 0.05)], order=3)


def test_spline_baseline_passes_through_anchors():
    x = np.linspace(-10, 10, 201)
    anchors = [(-8.0, 1.0), (-2.0, 3.0), (4.0, -1.0), (9.0, 0.5)]
    b = P.spline_baseline(x, anchors)
    for ax, ay in anchors:
        assert b[np.argmin(np.abs(x - ax))] == pytest.approx(ay, abs=0.05)
    assert P.spline_baseline(x, [(0.0, 2.0)]) == pytest.approx(np.full_like(x, 2.0))
    np.testing.assert_allclose(P.spline_baseline(x, [(-10.0, 0.0), (10.0, 2.0)]), (x + 10) / 10)


def test_baseline_in_pipeline_is_subtracted_and_kept():
    ds = _ds([S.Line(0.0, 1.0, 500.0)], dc_offset=0.0)
    p = P.ProcessingParams(baseline="spline", baseline_anchors=((-40e3, 5.0), (40e3, 5.0)))
    sp = P.process(ds, p)
    assert sp.baseline is not None
    assert sp.baseline == pytest.approx(np.full(sp.offsets_hz.size, 5.0))


@pytest.mark.parametrize(("lb", "gb"), [(200.0, 0.0), (0.0, 300.0)])
def test_apodization_adds_its_width(lb, gb):
    from analysis import measure as M

    ds = _ds([S.Line(0.0, 1.0, 100.0)])
    w0 = M.peak(P.process(ds, P.ProcessingParams(zero_fill=65536))).fwhm_hz.value
    w1 = M.peak(P.process(ds, P.ProcessingParams(zero_fill=65536, lb_hz=lb,
                                                 gb_hz=gb))).fwhm_hz.value
    if lb:
        assert w1 - w0 == pytest.approx(lb, rel=0.02)
    else:  # Voigt of 100 Hz Lorentzian and 300 Hz Gaussian (Olivero–Longbothum)
        expect = 0.5346 * 100 + np.sqrt(0.2166 * 100**2 + 300**2)
        assert w1 == pytest.approx(expect, rel=0.02)


def test_left_shift_and_echo_top():
    ds = _ds([S.Line(0.0, 1.0, 2000.0)], echo_index=100)
    assert P.echo_top(ds.data[0]) == 100
    fid, shift = P.prepare_fid(ds, P.ProcessingParams(left_shift="echo", dc=False))
    assert shift == 100
    assert np.abs(fid[0]) == pytest.approx(1.0, rel=1e-6)
    assert fid.size == ds.points


def test_whole_echo_gives_pure_absorption_and_more_signal():
    """A symmetric echo, whole-echo processed, is pure absorption after p0 (no dispersion),
    and the line integral doubles relative to the half echo."""
    ds = _ds([S.Line(300.0, 1.0, 0.0, 800.0)], echo_index=200, phase0_deg=40.0)
    whole = P.process(ds, P.ProcessingParams(left_shift="whole-echo", dc=False, p0_deg=-40.0,
                                             zero_fill=4096))
    half = P.process(ds, P.ProcessingParams(left_shift="echo", dc=False, p0_deg=-40.0,
                                            zero_fill=4096))
    assert np.max(np.abs(whole.data.imag)) < 1e-3 * np.max(whole.real)
    assert np.max(np.abs(half.data.imag)) > 0.3 * np.max(half.real)      # dispersion left
    assert whole.offsets_hz[np.argmax(whole.real)] == pytest.approx(300.0, abs=SW / 4096)
    assert np.sum(whole.real) == pytest.approx(2 * np.sum(half.real), rel=1e-3)
    # symmetric apodization keeps it absorptive
    lb = P.process(ds, P.ProcessingParams(left_shift="whole-echo", dc=False, p0_deg=-40.0,
                                          lb_hz=200.0, zero_fill=4096))
    assert np.max(np.abs(lb.data.imag)) < 1e-3 * np.max(lb.real)
    q = P.ProcessingParams.from_json(P.ProcessingParams(left_shift="whole-echo").to_json())
    assert q.left_shift == "whole-echo"


def test_dc_offset_removed():
    ds = _ds([S.Line(0.0, 1.0, 2000.0)], dc_offset=0.3 - 0.2j)
    fid = P.remove_dc(ds.data[0], 0.2)
    assert abs(fid[-500:].mean()) < 1e-9


def test_processing_params_json_round_trip():
    p = P.ProcessingParams(left_shift="echo", lb_hz=10, p0_deg=12.5, baseline="polynomial",
                           baseline_regions_hz=[(-5, -1), (1, 5)])
    q = P.ProcessingParams.from_json(p.to_json())
    assert q == p
    assert hash(q) == hash(p)


def test_frequency_domain_dataset_passes_through():
    x = np.linspace(-1000, 1000, 501)
    y = np.exp(-(x / 50) ** 2)
    ds = Dataset(y, "text", "t", carrier_hz=100e6, spectral_width_hz=2004.0,
                 domain="frequency", frequency_offsets_hz=x, reference_hz=100e6)
    sp = P.process(ds)
    assert sp.real.max() == pytest.approx(1.0)
