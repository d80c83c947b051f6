"""The common face of every analysis result (analysis/results.py), and the failure policy:
for each result type a success and a failure, each with values, standard errors, units,
success, message, notes, measurement(key), a JSON-ready to_dict() that keeps the type's own
keys, and a report naming every quantity with its unit. Bad data give a failed result (NaN
values and a message), never an exception; bad arguments raise ValueError."""

import json
import math

import numpy as np
import pytest

from analysis import diffusion, measure, quantify, transport
from analysis import processing as P
from analysis import simulate as S
from analysis.dataset import Dataset
from analysis.results import AnalysisError, Measurement, json_number

SW, CARRIER, REF = 50e3, 395.0e6, 395.0e6


def _fid(lines, seed=0, nucleus="13C"):
    rng = np.random.default_rng(seed)
    data = S.synthesize([S.Line(f, a, lw) for f, a, lw in lines], 2048, SW, noise_sigma=0.003,
                        rng=rng)
    return Dataset(data, "sim", "sim", nucleus=nucleus, carrier_hz=CARRIER,
                   spectral_width_hz=SW, reference_hz=REF)


def _spectrum_dataset():
    return Dataset(np.ones(64, complex), "spec", "spec", domain="frequency",
                   frequency_offsets_hz=np.linspace(-1e3, 1e3, 64), reference_hz=REF)


def _tanh_curve(tc=200.0, width=3.0, n=300, seed=1):
    rng = np.random.default_rng(seed)
    t = np.linspace(150.0, 260.0, n)
    r = (10.0 + 0.02 * t) * 0.5 * (1 + np.tanh((t - tc) / width))
    return t, r + rng.normal(0, 0.01, n)


# (name, build, own to_dict keys that must stay) — build() returns the result
SUCCESSES = {
    "peak": (lambda: measure.peak(P.process(_fid([(1234.0, 1.0, 300.0)]))),
             ("position_hz", "shift_ppm", "height", "fwhm_hz", "fwhm_ppm", "noise_rms")),
    "fid_amplitude": (lambda: measure.fid_amplitude(_fid([(1234.0, 1.0, 300.0)])), ()),
    "line_shift": (lambda: measure.line_shift(_fid([(1234.0, 1.0, 300.0)])),
                   ("method", "offset_hz", "shift_ppm", "fwhm_hz", "statistical_hz",
                    "systematic_hz", "reference_hz", "carrier_hz", "variants", "skip_s",
                    "reduced_chi2", "region_hz", "band_hz", "neighbours_hz")),
    "h_per_la": (lambda: quantify.h_per_la(100.0, 20.0, 128, 16384, snr_h_err=2.0,
                                           snr_la_err=1.0),
                 ("H_per_La", "factors", "error_budget", "calibrated", "efficiency",
                  "assumptions", "t90_la_central", "notes")),
    "diffusion": (lambda: diffusion.diffusion_from_t1(0.1, 3e29, 1e-10, t1_stderr_s=0.01,
                                                      second_moment_rad2_s2=4.4e11),
                  ("D_cm2_s", "D_m2_s", "D_hbar_cm2_s", "D_h_cm2_s", "prefactor",
                   "prefactor_value", "constant", "tau_s", "omega0_tau", "extreme_narrowing",
                   "T1_dipolar_min_s", "verdict")),
    "transition": (lambda: transport.analyze(*_tanh_curve()), ()),
}

#: failed results from bad data (or, for the two that take numbers rather than data, built
#: as a caller would record a failure), with the text their message must hold
FAILURES = {
    "peak": (lambda: measure.peak(P.process(_fid([(0.0, 0.0, 300.0)]))), "no peak above 5σ"),
    "fid_amplitude": (lambda: measure.fid_amplitude(_spectrum_dataset()), "no FID"),
    "line_shift": (lambda: measure.line_shift(_spectrum_dataset()), "no FID"),
    "line_shift (several lines)": (
        lambda: measure.line_shift(_fid([(-2000.0, 1.0, 300.0), (1500.0, 0.9, 250.0)], 3)),
        "several resolved lines"),
    "h_per_la": (lambda: quantify.QuantResult(
        value=math.nan, error=math.nan, mc_median=math.nan, mc_mean=math.nan,
        mc_interval=(math.nan, math.nan), factors={}, budget={}, success=False,
        message="no ¹³⁹La signal: no H/La"), "no H/La"),
    "diffusion": (lambda: diffusion.DiffusionResult(
        *(math.nan,) * 4, "paper", "hbar", *(math.nan,) * 6, False, None, "",
        success=False, message="no converged T1"), "no converged T1"),
    "transition": (lambda: transport.analyze(np.linspace(10, 300, 200), np.full(200, 5.0)),
                   "no superconducting transition"),
}


def _json_ready(obj):
    """``obj`` with every float through :func:`json_number` (NaN, ±∞ → None)."""
    if isinstance(obj, dict):
        return {k: _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return json_number(obj)
    return obj


def _check_face(res):
    """The face every result shows, successful or not."""
    q = res.quantities()
    assert q and all(isinstance(m, Measurement) for m in q.values())
    assert list(res.values) == list(res.units) == list(q)
    for k, m in q.items():
        got = res.measurement(k)
        assert got == m or (math.isnan(got.value) and math.isnan(m.value))
        assert res.units[k] == m.unit
        assert res.values[k] == m.value or math.isnan(m.value)
    with pytest.raises(KeyError):
        res.measurement("no such quantity")
    assert isinstance(res.success, bool) and isinstance(res.message, str) and res.message
    assert all(isinstance(n, str) for n in res.notes)
    d = res.to_dict()
    text = json.dumps(_json_ready(d), allow_nan=False)
    assert json.loads(text)["success"] is res.success
    assert d["message"] == res.message and d["notes"] == list(res.notes)
    for k, m in q.items():  # every quantity as {"value", "stderr", "unit"} under its name
        assert {"value", "stderr", "unit"} <= set(d[k]) and d[k]["unit"] == m.unit
    report = res.report().splitlines()
    assert ("ok" if res.success else "FAILED") in report[1] and res.message in report[1]
    for k, m in q.items():  # each quantity on a line of its own, ending with its unit
        line = next((ln for ln in report if ln.split() and ln.split()[0] == k), None)
        assert line is not None, (k, report)
        assert line.rstrip().endswith(m.unit)
    return d


@pytest.mark.parametrize("name", list(SUCCESSES))
def test_every_result_succeeds_with_the_common_face(name):
    build, own_keys = SUCCESSES[name]
    res = build()
    assert res.success, res.message
    d = _check_face(res)
    assert set(own_keys) <= set(d)  # the keys saved results and the CLI's JSON hold stay
    assert all(math.isfinite(v) for v in res.values.values() if not math.isnan(v))
    assert any(math.isfinite(m.stderr) and m.stderr > 0 for m in res.quantities().values())
    assert res.raise_for_failure() is res


@pytest.mark.parametrize("name", list(FAILURES))
def test_bad_data_give_a_failed_result_not_an_exception(name):
    build, text = FAILURES[name]
    res = build()  # does not raise
    assert res.success is False and text in res.message
    _check_face(res)
    main = next(iter(res.values))
    assert math.isnan(res.values[main])  # no number where the data gave none
    with pytest.raises(AnalysisError, match=text.split(" ")[0]):
        res.raise_for_failure()


def test_a_failed_measurement_raises_the_measurement_errors():
    """raise_for_failure of the measure results raises what the functions used to:
    MeasurementError (an AnalysisError, a ValueError), SeveralLinesError with the lines."""
    assert issubclass(measure.MeasurementError, AnalysisError)
    assert issubclass(AnalysisError, ValueError)
    with pytest.raises(measure.MeasurementError, match="no FID"):
        measure.line_shift(_spectrum_dataset()).raise_for_failure()
    several = measure.line_shift(_fid([(-2000.0, 1.0, 300.0), (1500.0, 0.9, 250.0)], 3))
    assert several.reason == measure.SEVERAL_LINES and len(several.lines) == 2
    with pytest.raises(measure.SeveralLinesError) as err:
        several.raise_for_failure()
    assert err.value.lines == several.lines and str(err.value) == several.message
    d = several.to_dict()
    assert d["reason"] == "several-lines"
    assert [ln["region_hz"] for ln in d["lines"]] == [list(ln.region_hz) for ln in several.lines]
    assert measure.line_shift(_spectrum_dataset()).reason == measure.NO_SHIFT
    # the primitives that return a bare number raise
    with pytest.raises(measure.MeasurementError, match="no peak"):
        measure.snr_frequency(P.process(_fid([(0.0, 0.0, 300.0)])))


def test_bad_arguments_still_raise_value_error():
    with pytest.raises(ValueError, match="SNR_La"):
        quantify.h_per_la(100.0, 0.0)
    with pytest.raises(ValueError, match="T1"):
        diffusion.diffusion_from_t1(float("nan"), 3e29, 1e-10)
    with pytest.raises(ValueError, match="trace"):
        measure.fid_amplitude(_fid([(1234.0, 1.0, 300.0)]), P.ProcessingParams(trace=3))


def test_quant_result_measurement_keeps_its_old_call():
    r = quantify.h_per_la(100.0, 20.0, 128, 16384, snr_h_err=2.0, monte_carlo=0)
    assert r.measurement() == r.measurement(key="H_per_La") == Measurement(r.value, r.error, "")
    assert r.stderr == {"H_per_La": r.error}  # the face's mapping, like every result
    assert "[[Monte Carlo]]" in r.report() and "Lambda_La/Lambda_H" in r.report()


def test_transition_face_holds_every_criterion_in_kelvin():
    tr = transport.analyze(*_tanh_curve())
    for c in transport.CRITERIA:
        assert tr.measurement(c) == tr.criteria[c] and tr.units[c] == "K"
    assert tr.measurement("width") == tr.width
    assert tr.stderr["normal_slope_ohm_per_k"] == pytest.approx(np.sqrt(tr.normal_cov[1][1]))
    assert tr.to_dict()["two_step"] is False


def test_zero_data_give_typed_failures_not_arithmetic_errors():
    """All-zero data (a receiver left off, a blank export) are bad data like any other: the
    relaxation amplitudes (a primitive) refuse them with AnalysisError, the automatic method
    choice and the Pake fit return failed results; nothing divides by zero."""
    from analysis import pake
    from analysis import relaxation as rx
    from analysis.dataset import ArrayAxis

    ds = Dataset(np.zeros((8, 256), complex), "text", "zeros", nucleus="1H", carrier_hz=4e8,
                 spectral_width_hz=1e5,
                 array=ArrayAxis("vdlist", tuple(np.geomspace(1e-3, 1, 8))))
    with pytest.raises(AnalysisError, match="every trace is zero"):
        rx.amplitudes(ds, "projection")
    choice = rx.auto_fit(ds, kind="recovery")
    assert not choice.fit.success and choice.fit.message
    r = pake.fit_pake(np.linspace(-3e5, 3e5, 512), np.zeros(512))
    assert not r.success and "flat" in r.message
    assert json.dumps(r.to_dict(), allow_nan=False)
