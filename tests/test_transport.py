"""Tc from R(T): PHYSICS §10 row 26, messy files, the example campaign's truth, and the real
curves in ../shared/realdata/vextract."""

import json

import numpy as np
import pytest

from analysis import campaign, pipeline
from analysis import transport as tp
from analysis.dataset import ReaderError

VEX = "vextract/data"


def _tanh(rn_slope=0.0, step=0.01):
    t = np.arange(150.0, 330.0, step)
    rn = 1 + rn_slope * (t - 240)
    return t, rn * 0.5 * (1 + np.tanh((t - 240) / 4))


def test_row26_tanh_flat_normal_state():
    tr = tp.analyze(*_tanh())
    c = tr.criteria
    assert c["90"].value == pytest.approx(244.394, abs=1e-3)
    assert c["50"].value == pytest.approx(240.000, abs=1e-3)
    assert c["10"].value == pytest.approx(235.606, abs=1e-3)
    assert c["onset"].value == pytest.approx(244.000, abs=1e-3)
    assert c["offset"].value == pytest.approx(236.000, abs=1e-3)
    assert c["max-slope"].value == pytest.approx(240.000, abs=1e-3)
    assert tr.width.value == pytest.approx(244.394 - 235.606, abs=2e-3)


def test_sloped_normal_state_matches_physics_section6():
    c = tp.analyze(*_tanh(0.002)).criteria
    assert c["onset"].value == pytest.approx(244.03, abs=0.01)
    assert c["offset"].value == pytest.approx(236.03, abs=0.01)
    assert c["50"].value == pytest.approx(240.0, abs=1e-3)


def test_critical_temperature_api_and_normalised_series():
    r = tp.critical_temperature(*_tanh(), criterion="50")
    assert r.success and r.values["Tc_K"] == pytest.approx(240.0, abs=1e-3)
    assert r.units["Tc_K"] == "K" and "width_K" in r.values and "normal_state_ohm" in r.values
    assert "unknown criterion" in tp.critical_temperature(*_tanh(), "17").message
    ratio, sig = tp.normalised_series([110.0, 100.0, 88.0], [0.5, 0.5, 0.4])
    assert ratio[0] == 1.0 and sig[0] == 0.0
    assert sig[1] == pytest.approx(100 / 110 * np.hypot(0.5 / 100, 0.5 / 110))


def test_no_transition_and_bad_curves_say_so():
    t = np.linspace(10, 300, 200)
    r = tp.critical_temperature(t, 1 + 0.01 * t)
    assert not r.success and "no superconducting transition" in r.message
    assert not tp.analyze(t[:5], t[:5]).success
    assert not tp.analyze(t, np.full(t.size, np.nan)).success


def test_reader_handles_messy_files(tmp_path):
    t, r = _tanh(step=1.0)
    body = "\n".join(f"{a}\t{b}" for a, b in zip(t[::-1], r[::-1], strict=True))
    (tmp_path / "a.txt").write_text("# cell: X\n# T(K)\tR(Ohms)\n" + body + "\n240.0\t0.5\n")
    c = tp.read_rt(tmp_path / "a.txt")
    assert c.meta["cell"] == "X" and c.columns == ("T(K)", "R(Ohms)")
    assert c.sweep == "cooling" and np.all(np.diff(c.temperature_k) > 0)
    assert any("repeated" in n for n in c.notes)
    (tmp_path / "b.csv").write_text("\n".join(f"{a},{b}" for a, b in zip(t, r, strict=True)))
    assert tp.read_rt(tmp_path / "b.csv").columns == ("column 1", "column 2")
    (tmp_path / "c.csv").write_text("time,voltage,x\n1,2,3\n4,5,6\n")
    with pytest.raises(ReaderError, match=r"c\.csv"):
        tp.read_rt(tmp_path / "c.csv")
    (tmp_path / "d.csv").write_text("T,R\n-5,1\n" + "\n".join(f"{a},{b}" for a, b in
                                                            zip(t, r, strict=True)))
    with pytest.raises(ReaderError, match="non-positive"):
        tp.read_rt(tmp_path / "d.csv")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(ReaderError, match="no numeric rows"):
        tp.read_rt(tmp_path / "e.csv")


def test_example_tc_matches_truth(example):
    truth = json.loads((example / "truth.json").read_text())["transport"]
    errors: list[str] = []
    rows = pipeline.analyze_transport(campaign.load(example), errors)
    assert not errors
    z: dict[str, list[float]] = {"10": [], "50": [], "90": []}
    for r in rows:
        t = truth[r["cell"]]["days"][str(int(r["day"]))]
        if r["criterion"] in z:
            assert abs(r["Tc_K"] - t["criteria_k"][r["criterion"]]) < 3 * r["Tc_K_err"], r
            z[r["criterion"]].append((r["Tc_K"] - t["criteria_k"][r["criterion"]])
                                     / r["Tc_K_err"])
        assert r["two_step"] == t["two_step"], r
    assert sum(map(len, z.values())) == 3 * sum(len(c["days"]) for c in truth.values())
    # the σ are neither inflated (the sampling term vanishes on these well-sampled curves)
    # nor too small: rms z near 1 for each criterion (0.77–0.85 over 60 curves each)
    rms = {k: float(np.sqrt(np.mean(np.square(v)))) for k, v in z.items()}
    assert all(0.6 < v < 1.4 for v in rms.values()), rms
    first = [r for r in rows if r["day"] == 0 and r["criterion"] == "50"]
    assert all(r["Tc_ratio"] == 1.0 for r in first)


PINNED = {  # file: (Tc50, onset, zero) in K
    # issue 13 §7 moved the C-S-H onsets (the 1.1 K smoothing window had widened the
    # 0.16–0.3 K transitions) and gave 00_T.csv its zero-resistance temperature (the old
    # noise floor, 3σ of point-to-point differences, lay below the digitised floor's scatter)
    "source_data/31_ReBe22_OmniDAC_Run1_15p0bar_14p9GPa_Warming_At5K_Withoutlaser_V34I25_0p1mA":
        (7.20, 7.42, 6.85),
    "extracted_data/Be22Re-Fig3/15_GPa.csv": (7.20, 7.42, 6.85),
    "extracted_data/CSH-Fig1a/174_GPa.csv": (179.90, 179.96, 179.03),
    "extracted_data/CSH-Fig1a/267_GPa.csv": (287.50, 287.59, 286.43),
    "extracted_data/CSH-Fig2b/00_T.csv": (287.27, 287.35, 286.75),
    "extracted_data/CSH-Fig2b/09_T.csv": (265.49, 265.63, 265.18),
}


@pytest.mark.parametrize("rel", sorted(PINNED))
def test_real_curves_every_criterion(realdata, rel):
    c = tp.read_rt(realdata / VEX / rel)
    tr = tp.analyze(c.temperature_k, c.resistance_ohm)
    assert tr.success, tr.message
    t50, onset, zero = PINNED[rel]
    assert tr.criteria["50"].value == pytest.approx(t50, abs=0.05)
    assert tr.criteria["onset"].value == pytest.approx(onset, abs=0.05)
    assert tr.criteria["zero"].value == pytest.approx(zero, abs=0.1)
    order = [tr.criteria[k].value for k in ("onset", "90", "50", "10", "offset")]
    assert order[1] >= order[2] >= order[3]  # 90 ≥ 50 ≥ 10
    for crit in tp.CRITERIA:
        m = tr.criteria[crit]
        assert not np.isfinite(m.value) or (m.stderr > 0 and np.isfinite(m.stderr))


def test_raw_be22re_messy_columns(realdata):
    """Tab separated, a '#' header of nine columns with a time column t(s) before T(K) and a
    thermometer R_therm after R(Ohms), 'NA' cells, repeated and out-of-order points."""
    c = tp.read_rt(realdata / VEX / next(k for k in PINNED if "ReBe22" in k))
    assert c.columns == ("T(K)", "R(Ohms)") and c.sweep == "warming"
    assert any("repeated" in n for n in c.notes)


@pytest.mark.parametrize("rel", ["extracted_data/MnS2/13_GPa.csv",
                                 "extracted_data/GeSe4-FigB4/16_GPa.csv"])
def test_curves_without_transition_are_refused(realdata, rel):
    c = tp.read_rt(realdata / VEX / rel)
    assert not tp.analyze(c.temperature_k, c.resistance_ohm).success


# ---------------------------------------------------------------- issue 13 §7: narrow C-S-H
def _raw_crossing(t, ratio, level):
    """Linear interpolation between the raw points: the highest T where R/R_n falls below
    ``level`` coming from high T."""
    i = np.flatnonzero((ratio[1:] >= level) & (ratio[:-1] < level))[-1]
    return t[i] + (level - ratio[i]) * (t[i + 1] - t[i]) / (ratio[i + 1] - ratio[i])


@pytest.mark.parametrize("name", ["174", "210", "220", "243", "250", "258", "267"])
def test_csh_width_and_points_match_the_raw_points(realdata, name):
    """The local fits follow 0.16–0.6 K transitions (the old 1.1 K smoothing window read
    174 GPa's width as 0.476 K and moved its 90/10 % points by 0.1–0.26 K)."""
    c = tp.read_rt(realdata / VEX / f"extracted_data/CSH-Fig1a/{name}_GPa.csv")
    t, r = c.temperature_k, c.resistance_ohm
    tr = tp.analyze(t, r)
    ratio = r / tr.normal_state(t)
    t90, t10 = _raw_crossing(t, ratio, 0.9), _raw_crossing(t, ratio, 0.1)
    assert tr.criteria["90"].value == pytest.approx(t90, abs=0.02)
    assert tr.criteria["10"].value == pytest.approx(t10, abs=0.02)
    assert tr.width.value == pytest.approx(t90 - t10, abs=0.03)
    assert tr.smoothing_k < 0.25  # a few point spacings, not 1 % of the 120 K span
    if name == "174":
        assert tr.width.value == pytest.approx(0.158, abs=0.01)


def test_normal_state_is_fitted_just_above_the_onset(realdata):
    """174 GPa: R_n bends (a bump near 210 K); one line over 181–290 K put R_n(Tc) 5 % low."""
    c = tp.read_rt(realdata / VEX / "extracted_data/CSH-Fig1a/174_GPa.csv")
    t, r = c.temperature_k, c.resistance_ohm
    res = tp.critical_temperature(t, r, "50")
    onset = tp.analyze(t, r).criteria["onset"].value
    above = np.median(r[(t > onset + 0.3) & (t < onset + 1.5)])  # the raw points just above
    rn = res.measurement("normal_state_ohm")
    assert rn.value == pytest.approx(above, rel=0.01) and 0 < rn.stderr < 0.01 * rn.value
    slope, icpt = np.polyfit(t[t > 181], r[t > 181], 1)
    assert icpt + slope * res.values["Tc_K"] < 0.96 * above  # what one line would give


def test_curved_normal_state_is_fitted_locally():
    """R_n bends over 200 K: one line above the transition puts R_n(Tc) 20 % high, the local
    line (its window stops where the curvature becomes significant) within 1 %. (A line
    still extrapolates the curvature over the gap above the onset: its σ does not cover
    that.)"""
    rng = np.random.default_rng(7)
    t = np.arange(50.0, 300.0, 0.25)
    rn = 1 + 0.01 * (t - 100) - 2.5e-5 * (t - 100) ** 2
    r = rn * 0.5 * (1 + np.tanh((t - 100) / 1.5)) + rng.normal(0, 1e-3, t.size)
    res = tp.critical_temperature(t, r, "50")
    assert res.values["normal_state_ohm"] == pytest.approx(1.0, rel=0.01)
    assert tp.analyze(t, r).normal_window_k[1] < 150
    slope, icpt = np.polyfit(t[t > 110], r[t > 110], 1)
    assert icpt + slope * 100 > 1.15
    assert res.values["Tc_K"] == pytest.approx(100.0, abs=0.05)


def test_zero_resistance_where_the_digitised_curve_reaches_its_floor(realdata):
    """CSH-Fig2b 00_T: the floor wobbles by ~0.02 R_n; the old 3σ of point-to-point
    differences lay inside that wobble and gave 260.5 K, 27 K below the curve's own 10 %
    point, though R leaves the floor at ≈ 286.8 K."""
    c = tp.read_rt(realdata / VEX / "extracted_data/CSH-Fig2b/00_T.csv")
    t, r = c.temperature_k, c.resistance_ohm
    tr = tp.analyze(t, r)
    zero, t10 = tr.criteria["zero"].value, tr.criteria["10"].value
    assert 286.6 < zero < 286.95 and 0 < t10 - zero < 0.5
    floor = r[(t > 240) & (t < 280)]
    # R stays within the floor's scatter below the zero-resistance temperature ...
    assert np.median(r[(t > zero - 3) & (t < zero)]) < np.median(floor) + 3 * floor.std()
    # ... and is well above it halfway to T10
    assert np.median(r[(t > 0.5 * (zero + t10) - 0.05) & (t < 0.5 * (zero + t10) + 0.05)]) > \
        np.median(floor) + 3 * floor.std()


def test_zero_resistance_ignores_a_wobbling_floor_and_spikes():
    """A floor with a slow wobble (1 % of R_n, as a digitised figure has) and two spikes far
    below the transition: zero resistance stays at the foot of the transition."""
    rng = np.random.default_rng(3)
    t = np.arange(150.0, 300.0, 0.05)
    rn = 2 + 0.005 * (t - 250)
    r = rn * 0.5 * (1 + np.tanh((t - 250) / 0.2)) + rng.normal(0, 2e-4, t.size)
    r += np.where(t < 249, 0.01 * (1 + np.sin(t / 1.7)), 0.0)
    r[[400, 900]] += 0.5
    tr = tp.analyze(t, r)
    zero, t10 = tr.criteria["zero"].value, tr.criteria["10"].value
    assert t10 - 1.0 < zero < t10 and np.isfinite(tr.criteria["zero"].stderr)


def test_cli_tc_on_a_narrow_real_transition(realdata, capsys):
    from dashboard.cli import main

    path = realdata / VEX / "extracted_data/CSH-Fig1a/174_GPa.csv"
    assert main(["tc", str(path), "--criterion", "90", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["width_K"]["value"] == pytest.approx(0.158, abs=0.01)
    assert 0 < d["width_K"]["stderr"] < 0.05 and d["Tc_K"]["stderr"] < 0.05
    assert d["normal_state_ohm"]["value"] == pytest.approx(6.24, abs=0.06)
    assert np.isfinite(d["normal_state_ohm"]["stderr"])
    assert d["all_criteria"]["zero"]["value"] < d["all_criteria"]["10"]["value"]


# ------------------------------------------- sampling σ: a transition resolved by a few points
def _subsample_spread(t, r, key):
    """rms change (K) of a criterion when the curve is analysed on every 2nd and every 3rd
    point (all five interleaved subsets) — what an independent check of σ does."""
    def value(tr):
        return (tr.width if key == "width" else tr.criteria[key]).value

    full = value(tp.analyze(t, r, sampling=False))
    d = [value(tp.analyze(t[o::m], r[o::m], sampling=False)) - full
         for m in (2, 3) for o in range(m)]
    return float(np.sqrt(np.mean(np.square(d))))


CSH_174 = "extracted_data/CSH-Fig1a/174_GPa.csv"
CSH_00T = "extracted_data/CSH-Fig2b/00_T.csv"


@pytest.mark.parametrize(("rel", "key", "least"), [
    *((CSH_174, k, 0.45) for k in (*tp.CRITERIA, "width")),
    # (not 00_T's tangent criteria and width: 13 points resolve its transition, their halves
    # move by less than 12σ of their noise, and σ stays 0.2–0.4 of the spread)
    *((CSH_00T, k, 0.45) for k in ("90", "50", "10", "zero"))])
def test_csh_sigma_covers_the_subsampling_spread(realdata, rel, key, least):
    """174 GPa has 3 points between 10 and 90 % of R_n, 0.05 K apart: σ(T₅₀) was 0.00007 K
    from the digitised points' scatter alone, against 0.013 K rms when the crossings are
    recomputed on every 2nd/3rd point. With the sampling term σ is comparable to that
    spread: at least about half of it, and not inflated beyond three times."""
    c = tp.read_rt(realdata / VEX / rel)
    t, r = c.temperature_k, c.resistance_ohm
    tr = tp.analyze(t, r)
    m = tr.width if key == "width" else tr.criteria[key]
    spread = _subsample_spread(t, r, key)
    assert least * spread <= m.stderr <= 3 * spread, (m, spread)
    if rel == CSH_174:  # the sampling term, not the noise, carries it
        assert tr.sampling_k[key] > tr.noise_k[key]
    # and the noise-only σ is what it was (sampling=False)
    bare = tp.analyze(t, r, sampling=False)
    assert not bare.sampling_k
    assert (bare.width if key == "width" else bare.criteria[key]).stderr <= m.stderr


def test_sampling_term_vanishes_where_the_transition_is_well_sampled():
    """A noisy tanh step with 25 points across T₉₀ − T₁₀: the halves agree within their noise,
    so the sampling term adds (almost) nothing to the level crossings' σ."""
    rng = np.random.default_rng(11)
    added = []
    for _ in range(10):
        t = np.arange(185.0, 230.0, 0.05) + rng.uniform(0, 0.05)
        r = (5 + 0.01 * (t - 200)) * 0.5 * (1 + np.tanh((t - 200) / 0.5))
        tr = tp.analyze(t, r + rng.normal(0, 0.01, t.size))
        added += [tr.criteria[k].stderr / tr.noise_k[k] for k in ("90", "50", "10")]
    assert np.median(added) < 1.05 and np.mean(np.array(added) > 1.3) < 0.2, added
