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
    # the worked example states equal Δf, T_n, Λ and saturation: Λ equal is chosen
    r = q.h_per_la(309.74, 25.0, 1024, 16384, snr_h_err=1.0, snr_la_err=1.0,
                   efficiency="equal", monte_carlo=400_000)
    assert r.value == pytest.approx(3.000, rel=1e-3)
    assert r.stderr["H_per_La"] == pytest.approx(0.24, abs=0.01)  # 8.1 %
    assert r.mc_median == pytest.approx(3.002, abs=0.01)
    assert r.mc_mean == pytest.approx(3.012, abs=0.01)  # biased high by 1/SNR_La
    assert r.mc_interval[0] == pytest.approx(2.77, abs=0.02)
    assert r.mc_interval[1] == pytest.approx(3.26, abs=0.02)
    for name in ("SNR_H/SNR_La", "sqrt(NS_La/NS_H)", "epsilon_La/epsilon_H",
                 "Lambda_La/Lambda_H"):
        assert name in r.factors
    assert r.efficiency == "equal" and not any("Λ_La/Λ_H" in a for a in r.assumptions)
    assert any("equal noise bandwidths" in a for a in r.assumptions)


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


# ------------------------------------------------------- issue 13 §8: no silent assumptions
WORKED = (309.74, 25.0, 1024, 16384)  # PHYSICS §4.2: H/La = 3.000 at equal Λ


def test_without_lambda_the_shared_coil_default_is_applied_and_named():
    """No Λ, no calibration: Λ_La/Λ_H = (ω_H/ω_La)^¼ = 1.628 (PHYSICS §4.1), said so."""
    assert q.shared_coil_ratio() == pytest.approx(1.628, abs=5e-4)
    equal = q.h_per_la(*WORKED, efficiency="equal", monte_carlo=0)
    default = q.h_per_la(*WORKED, monte_carlo=0)
    assert equal.value == pytest.approx(3.000, rel=1e-3)
    assert default.value == pytest.approx(3.000 * q.shared_coil_ratio(), rel=1e-3)  # 4.88
    assert default.efficiency == q.DEFAULT_EFFICIENCY == "shared-coil"
    assert default.factors["Lambda_La/Lambda_H"] == pytest.approx(1.628, abs=5e-4)
    said = [a for a in default.assumptions if "Λ_La/Λ_H" in a]
    assert len(said) == 1 and "1.628" in said[0] and "shared-coil" in said[0]
    chosen = q.h_per_la(*WORKED, efficiency="shared-coil", monte_carlo=0)
    assert chosen.value == default.value  # chosen explicitly: a note, not an assumption
    assert not any("Λ_La/Λ_H" in a for a in chosen.assumptions)
    assert any("efficiency chosen: shared-coil" in n for n in chosen.notes)
    d = default.to_dict()
    assert d["efficiency"] == "shared-coil" and d["assumptions"] == list(default.assumptions)


def test_every_input_left_out_is_listed_and_none_when_all_given():
    bare = q.h_per_la(100.0, 20.0, monte_carlo=0)
    text = " | ".join(bare.assumptions)
    for needle in ("scans", "noise bandwidths", "noise temperatures", "ε_La = 1",
                   "s_H = 1", "s_La = 1", "Λ_La/Λ_H", "Λ known to 5 %"):
        assert needle in text
    given = dict(bandwidth_h_hz=2e6, bandwidth_la_hz=5e5, noise_temperature_h_k=300,
                 noise_temperature_la_k=310, epsilon_la="full", saturation_h=1.0,
                 saturation_la=0.9, t90_h_s=1.5e-6, power_h_w=40, t90_la_s=6e-6,
                 power_la_w=150)
    # Λ's σ and how the ¹³⁹La t₉₀ was measured are inputs too
    some = q.h_per_la(100.0, 20.0, 128, 16384, monte_carlo=0, **given)
    assert [a[:14] for a in some.assumptions] == ["Λ known to 5 %", "¹³⁹La t₉₀ take"]
    full = q.h_per_la(100.0, 20.0, 128, 16384, lambda_rel_err_h=0.05, lambda_rel_err_la=0.08,
                      t90_la_central=False, monte_carlo=0, **given)
    assert full.assumptions == () and full.efficiency == "t90"
    assert full.budget["Lambda_La"] == 0.08
    assert full.factors["Lambda_La/Lambda_H"] == pytest.approx(
        q.resonator_efficiency("139La", 6e-6, 150) / q.resonator_efficiency("1H", 1.5e-6, 40))


@pytest.mark.parametrize("kw, needle", [
    (dict(scans_h=128), "scans"),
    (dict(bandwidth_la_hz=5e5), "noise bandwidth"),
    (dict(noise_temperature_h_k=300.0), "noise temperature"),
    (dict(t90_h_s=1.5e-6, power_h_w=40.0), "both channels"),
    (dict(efficiency="t90"), "both channels"),
    (dict(efficiency="calibrated"), "calibration"),
    (dict(efficiency="equal", calibration=(1.0, 0.01)), "contradicts"),
    (dict(efficiency="unequal"), "one of"),
    (dict(epsilon_la="ct-lin"), "one of"),
])
def test_incomplete_or_contradictory_efficiency_inputs_are_refused(kw, needle):
    with pytest.raises(ValueError, match=needle):
        q.h_per_la(100.0, 20.0, monte_carlo=0, **kw)


def test_t90_on_the_la_central_transition_is_stated_and_applied():
    """A CT ε with Λ_La from t₉₀ needs to know whether t₉₀ was measured on the CT, which
    nutates (I+½) = 4× faster: then Λ_La is 4× smaller and H/La 4× lower."""
    kw = dict(t90_h_s=1.5e-6, power_h_w=40, t90_la_s=1.5e-6, power_la_w=150,
              epsilon_la="ct-linear", monte_carlo=0)
    with pytest.raises(ValueError, match="central transition"):
        q.h_per_la(*WORKED, **kw)
    on_ct = q.h_per_la(*WORKED, t90_la_central=True, **kw)
    on_all = q.h_per_la(*WORKED, t90_la_central=False, **kw)
    assert on_ct.value == pytest.approx(on_all.value / 4, rel=1e-12)
    assert on_ct.factors["Lambda_La/Lambda_H"] == pytest.approx(
        q.resonator_efficiency("139La", 4 * 1.5e-6, 150)
        / q.resonator_efficiency("1H", 1.5e-6, 40), rel=1e-12)
    assert on_ct.t90_la_central is True and on_all.t90_la_central is False
    assert on_ct.to_dict()["t90_la_central"] is True
    assert any("central transition" in n for n in on_ct.notes)
    # the cubic site (ε = 1) nutates at ω₁: no statement needed, none recorded
    cubic = q.h_per_la(*WORKED, **(kw | {"epsilon_la": "full"}))
    assert cubic.t90_la_central is None and cubic.value == pytest.approx(on_all.value * 21 / 4)
    # Λ_La not from t₉₀: the statement is not used, and the result says so
    unused = q.h_per_la(*WORKED, efficiency="equal", t90_la_central=True, epsilon_la="ct-linear",
                        monte_carlo=0)
    assert unused.t90_la_central is None
    assert any("t90_la_central not used" in n for n in unused.notes)


def test_calibration_measures_the_efficiency_ratio_whatever_was_assumed():
    """A precursor simulated with Λ_La/Λ_H = 1.3: the calibration factor is 1.3, and a
    later day's calibrated H/La is the same whichever Λ the reference was computed with."""
    true_ratio, known = 1.3, 3.1
    unit = q.h_per_la(1.0, 30.0, 128, 16384, efficiency="equal", monte_carlo=0).value
    snr_h = known / (true_ratio * unit)
    later = []
    for eff in ("equal", "shared-coil"):
        ref = q.h_per_la(snr_h, 30.0, 128, 16384, snr_h_err=0.5, snr_la_err=1.0,
                         efficiency=eff, monte_carlo=0)
        cal = q.calibration_factor(known, ref)
        assert cal[0] == pytest.approx(true_ratio, rel=1e-12)
        r = q.h_per_la(3 * snr_h, 30.0, 128, 16384, calibration=cal, monte_carlo=0)
        assert r.efficiency == "calibrated" and r.factors["Lambda_La/Lambda_H"] == 1.0
        assert not any("Λ_La/Λ_H" in a for a in r.assumptions)
        later.append(r.value)
    assert later[0] == pytest.approx(3 * known, rel=1e-12) and later[1] == later[0]
    with pytest.raises(ValueError, match="uncalibrated"):
        q.calibration_factor(known, q.h_per_la(snr_h, 30.0, 128, 16384, calibration=cal,
                                               monte_carlo=0))


def test_example_table_names_efficiency_and_assumptions(results, example):
    """The example's manifest gives t₉₀ and power per channel, ε_La and the saturation it
    was simulated with: Λ is measured and nothing is assumed. Without ε and saturation in
    the manifest, what is then assumed (ε_La = 1, full recovery) is in the table."""
    import dataclasses

    for row in results.h_per_la:
        assert row["efficiency"] == "t90" and row["efficiency_cal"] == "calibrated"
        assert row["assumptions"] == "" and row["assumptions_cal"] == ""
    camp = campaign.load(example)
    strip = {n: {k: v for k, v in c.items() if k not in ("epsilon", "saturation")}
             for n, c in camp.channels.items()}
    rows = [r for r in results.nmr if r["cell"] == "N1"]
    got = pipeline.quantify_cell(dataclasses.replace(camp, channels=strip), "N1", rows,
                                 monte_carlo=0)
    for row in got:
        assert "ε_La = 1" in row["assumptions"] and "Λ" not in row["assumptions"]
        assert "recovery" in row["assumptions_cal"]


def test_a_campaign_without_lambda_gets_the_shared_coil_default_and_a_chosen_one(results,
                                                                                example):
    """Without t₉₀ in the manifest the absolute H/La takes the shared-coil Λ ratio and says
    so; ``[channels] efficiency`` chooses explicitly; calibrated values do not change."""
    import dataclasses

    camp = campaign.load(example)
    rows = [r for r in results.nmr if r["cell"] == "N1"]
    base = {r["day"]: r for r in pipeline.quantify_cell(camp, "N1", rows, monte_carlo=0)}
    strip = {n: {k: v for k, v in c.items() if k not in ("t90_us", "power_w")}
             for n, c in camp.channels.items()}
    lam = q.resonator_efficiency("139La", 6e-6, 150) / q.resonator_efficiency("1H", 1.5e-6, 40)
    for channels, eff, ratio in ((strip, "shared-coil", q.shared_coil_ratio()),
                                 (strip | {"efficiency": "equal"}, "equal", 1.0)):
        other = dataclasses.replace(camp, channels=channels)
        got = {r["day"]: r for r in pipeline.quantify_cell(other, "N1", rows, monte_carlo=0)}
        for day, r in got.items():
            assert r["efficiency"] == eff
            assert r["H_per_La"] == pytest.approx(base[day]["H_per_La"] * ratio / lam,
                                                  rel=1e-9)
            assert r["H_per_La_cal"] == pytest.approx(base[day]["H_per_La_cal"], rel=1e-9)
        assert ("Λ" in got[0.0]["assumptions"]) == (eff == "shared-coil")
