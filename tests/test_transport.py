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
    n = 0
    for r in rows:
        t = truth[r["cell"]]["days"][str(int(r["day"]))]
        if r["criterion"] in ("10", "50", "90"):
            assert abs(r["Tc_K"] - t["criteria_k"][r["criterion"]]) < 3 * r["Tc_K_err"], r
            n += 1
        assert r["two_step"] == t["two_step"], r
    assert n == 3 * sum(len(c["days"]) for c in truth.values())
    first = [r for r in rows if r["day"] == 0 and r["criterion"] == "50"]
    assert all(r["Tc_ratio"] == 1.0 for r in first)


PINNED = {  # file: (Tc50, onset, zero) in K
    "source_data/31_ReBe22_OmniDAC_Run1_15p0bar_14p9GPa_Warming_At5K_Withoutlaser_V34I25_0p1mA":
        (7.20, 7.40, 6.87),
    "extracted_data/Be22Re-Fig3/15_GPa.csv": (7.20, 7.40, 6.86),
    "extracted_data/CSH-Fig1a/174_GPa.csv": (179.89, 180.01, 179.51),
    "extracted_data/CSH-Fig1a/267_GPa.csv": (287.49, 287.66, 286.34),
    "extracted_data/CSH-Fig2b/00_T.csv": (287.26, 287.35, None),
    "extracted_data/CSH-Fig2b/09_T.csv": (265.47, 265.70, 265.08),
}


@pytest.mark.parametrize("rel", sorted(PINNED))
def test_real_curves_every_criterion(realdata, rel):
    c = tp.read_rt(realdata / VEX / rel)
    tr = tp.analyze(c.temperature_k, c.resistance_ohm)
    assert tr.success, tr.message
    t50, onset, zero = PINNED[rel]
    assert tr.criteria["50"].value == pytest.approx(t50, abs=0.05)
    assert tr.criteria["onset"].value == pytest.approx(onset, abs=0.05)
    if zero is not None:
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
