"""The bundled example campaign: reproducible (the same values on any machine), small,
readable, truthful."""

import json

import numpy as np
import pytest
from by_value import tree_differences

from analysis import campaign, example_campaign, io
from analysis import measure as M
from analysis import processing as P


def test_demo_data_regenerates_the_committed_files(tmp_path, example):
    """The same files with the same values (not bytes: floats differ in the last bit across
    machines and library builds; see tests/by_value.py for the tolerances)."""
    example_campaign.generate(tmp_path / "ex")
    problems = tree_differences(example, tmp_path / "ex")
    assert not problems, "\n".join(problems[:30])


def test_size_and_truth(example):
    size = sum(p.stat().st_size for p in example.rglob("*")
               if p.is_file() and ".hpnmr" not in p.parts)
    assert size <= 20 * 2**20
    truth = json.loads((example / "truth.json").read_text())
    assert set(truth["nmr_cells"]) == {"N1", "N2", "N3", "N4"}
    assert set(truth["transport"]) == {"T1", "T2", "T3", "T4"}


def test_manifest_lists_every_acquisition_readably(example):
    camp = campaign.load(example)
    statuses = camp.scan()
    assert len(statuses) >= 140
    assert all(s.ok for s in statuses), [s.reason for s in statuses if not s.ok]
    assert camp.cells == ["N1", "N2", "N3", "N4"]
    assert len(camp.transport_curves()) == 60
    hahn = camp.select(kind="hahn-echo")[0]
    assert hahn.array_kind == "pulse_spacing"


def test_h1_day0_shift_width_and_snr_match_truth(example):
    """Known phase from truth.json: shift, FWHM and time-domain SNR within 3σ."""
    truth = json.loads((example / "truth.json").read_text())
    rel = "nmr/N2/day000/1H"
    t = truth["acquisitions"][rel]
    day = truth["nmr_cells"]["N2"]["days"]["0"]
    ds = io.read(example / rel)
    params = P.ProcessingParams(left_shift=t["left_shift"], p0_deg=-t["phase0_deg"],
                                p1_deg=t["p1_deg_correction"], zero_fill=65536)
    pk = M.peak(P.process(ds, params))
    assert abs(pk.shift_ppm.value - day["h_shift_ppm"]) < 3 * pk.shift_ppm.stderr + 1e-3
    assert abs(pk.fwhm_hz.value - day["h_fwhm_hz"]) < 3 * pk.fwhm_hz.stderr + 5
    snr = M.snr_time(ds, params)
    assert abs(snr.value - day["snr_h_t0"]) < 3 * snr.stderr


def test_jmak_law_and_rates():
    x = example_campaign.x_of_t(10.5, np.array([0, 30, 60]), 36.0, 1.55)
    assert x[0] == pytest.approx(10.5)
    assert 0.3 < (x[0] - x[1]) / x[0] < 0.5  # ≈ 40 % lost after 30 days
    assert x[2] < 4.0  # near LaH₃ beyond 50 days
