"""H/La from time-domain SNR: PHYSICS §10 rows 17–20, the worked example, the FID amplitude
fit, and the example campaign's H/La per cell and day."""

import json

import numpy as np
import pytest

from analysis import campaign, measure, pipeline
from analysis import quantify as q
from analysis.simulate import Line, synthesize


def test_row17_per_spin_factor():
    assert q.per_spin_factor() == pytest.approx(16.507, rel=1e-4)
    assert q.per_spin_factor(abundance=True) == pytest.approx(16.519, rel=1e-4)


def test_row18_worked_example_and_its_uncertainty():
    r = q.h_per_la(309.74, 25.0, 1024, 16384, snr_h_err=1.0, snr_la_err=1.0,
                   monte_carlo=400_000)
    assert r.value == pytest.approx(3.000, rel=1e-3)
    assert r.stderr == pytest.approx(0.24, abs=0.01)  # 8.1 %
    assert r.mc_median == pytest.approx(3.002, abs=0.01)
    assert r.mc_mean == pytest.approx(3.012, abs=0.01)  # biased high by 1/SNR_La
    assert r.mc_interval[0] == pytest.approx(2.77, abs=0.02)
    assert r.mc_interval[1] == pytest.approx(3.26, abs=0.02)
    for name in ("SNR_H/SNR_La", "sqrt(NS_La/NS_H)", "epsilon_La/epsilon_H",
                 "Lambda_La/Lambda_H"):
        assert name in r.factors


def test_row19_la_central_transition_factors_and_flag_f6():
    assert q.central_transition_share(3.5) == pytest.approx(4 / 21, abs=1e-15)
    assert q.central_transition_selective(3.5) == pytest.approx(1 / 21, abs=1e-15)
    assert q.LA_EXCITATION["ct-linear"] == 4 / 21 and q.LA_EXCITATION["ct-selective"] == 1 / 21
    full = q.h_per_la(309.74, 25.0, 1024, 16384, monte_carlo=0)
    ct = q.h_per_la(309.74, 25.0, 1024, 16384, epsilon_la="ct-selective", monte_carlo=0)
    assert ct.value == pytest.approx(full.value / 21, rel=1e-12)  # 0.143: 21× lower


def test_calibration_cancels_instrumental_factors():
    """The same later day, calibrated on the precursor, whatever Λ is assumed."""
    out = []
    for t90_la in (6e-6, 9e-6):
        kw = dict(snr_h_err=1, snr_la_err=1, t90_h_s=1.5e-6, power_h_w=40, t90_la_s=t90_la,
                  power_la_w=150, monte_carlo=0)
        ref = q.h_per_la(80.0, 30.0, 128, 16384, **kw)
        cal = q.calibration_factor(3.1, ref)
        assert q.h_per_la(80.0, 30.0, 128, 16384, calibration=cal, **kw).value == \
            pytest.approx(3.1)
        later = q.h_per_la(250.0, 29.0, 128, 16384, calibration=cal, **kw)
        assert "Lambda_H" not in later.budget and later.calibrated
        out.append(later.value)
    assert out[0] == pytest.approx(out[1], rel=1e-12)


@pytest.mark.parametrize("kw", [dict(snr_la=0), dict(scans_h=-1), dict(snr_h=float("nan")),
                                dict(bandwidth_la_hz=0), dict(snr_h_err=-1)])
def test_bad_quantification_input(kw):
    args = dict(snr_h=100.0, snr_la=20.0) | kw
    with pytest.raises(ValueError):
        q.h_per_la(**args)


def test_fid_amplitude_recovers_truth_behind_dead_time():
    """A 38 kHz ¹³⁹La-like line whose first 6 points are lost: the Voigt fit extrapolates to
    t = 0; a broad component under a narrow line is skipped and reported."""
    from analysis.dataset import Dataset

    rng = np.random.default_rng(3)
    sw, n = 0.5e6, 2048
    data = synthesize([Line(20e3, 30.0, 3000.0, 35e3)], n, sw, phase0_deg=70,
                      noise_sigma=1.0, rng=rng)
    ds = Dataset(data=data, format="synthetic", source="mem", nucleus="139La",
                 carrier_hz=55.95e6, reference_hz=55.9e6, spectral_width_hz=sw)
    from analysis.processing import ProcessingParams

    fa = measure.fid_amplitude(ds, ProcessingParams(left_shift=0))
    assert abs(fa.snr.value - 30.0) < 3 * fa.snr.stderr
    assert fa.frequency_hz.value == pytest.approx(20e3, abs=3 * fa.frequency_hz.stderr + 50)


@pytest.fixture(scope="module")
def results(example):
    return pipeline.analyze_campaign(campaign.load(example))


def test_example_h_per_la_matches_truth_every_cell_and_day(results, example):
    truth = json.loads((example / "truth.json").read_text())["nmr_cells"]
    assert not results.errors
    assert len(results.h_per_la) == sum(len(c["days"]) for c in truth.values())
    for row in results.h_per_la:
        t = truth[row["cell"]]["days"][str(int(row["day"]))]["H_per_La"]
        assert abs(row["H_per_La"] - t) < 3 * row["H_per_La_err"], row
        assert abs(row["H_per_La_cal"] - t) < 3 * row["H_per_La_cal_err"], row
        if row["day"] == -1:  # the precursor
            assert row["H_per_La"] == pytest.approx(3.1, abs=0.15)
            assert row["H_per_La_cal"] == pytest.approx(3.1)


def test_example_shifts_and_widths_match_truth(results, example):
    truth = json.loads((example / "truth.json").read_text())["nmr_cells"]
    zs = []
    for row in results.h_per_la:
        t = truth[row["cell"]]["days"][str(int(row["day"]))]
        zs.append((row["La_shift_ppm"] - t["la_shift_ppm"]) / row["La_shift_ppm_err"])
        zs.append((row["H_fwhm_hz"] - t["h_fwhm_hz"]) / row["H_fwhm_hz_err"])
    assert np.mean(np.abs(zs) < 3) > 0.97


def test_example_kinetics_prefers_jmak_and_rate_near_study(results):
    per_cell = [r for r in results.kinetics if r["cell"] == "N2"]
    assert per_cell[0]["law"] == "jmak"  # sorted by AIC
    glob = {r["law"]: r for r in results.kinetics if r["cell"] == "global"}
    assert min(glob.values(), key=lambda r: r["aic"])["law"] == "jmak"
    lin = next(r for r in per_cell if r["law"] == "linear")
    assert 0.07 < lin["rate_per_day"] < 0.17  # the study: 0.12(5) per day
