"""Dashboard stores and components without a server."""

import numpy as np
import panel as pn
from bokeh.document import Document

from dashboard.components.campaign_view import CampaignOverview
from dashboard.state import CampaignState


def test_state_opens_the_example(example):
    s = CampaignState(example)
    assert s.error == ""
    assert s.param.cell.objects == ["N1", "N2", "N3", "N4"]
    rows = s.rows()
    assert len(rows) >= 140 and all(r["status"] == "ok" for r in rows)
    assert {r["nucleus"] for r in rows} == {"1H", "139La"}


def test_state_survives_a_bad_folder(tmp_path):
    s = CampaignState(tmp_path / "missing")
    assert "not a folder" in s.error
    assert s.rows() == []


def test_overview_builds_bokeh_models_and_filters(example):
    s = CampaignState(example)
    view = CampaignOverview(state=s)
    root = pn.panel(view).get_root(Document())
    assert root is not None
    s.cell = "N3"
    assert set(view._table.value["cell"]) == {"N3"}


def test_two_sessions_share_nothing(example):
    a, b = CampaignState(example), CampaignState(example)
    a.cell = "N4"
    assert b.cell == "N1"


def test_plot_functions_label_units():
    import numpy as np

    from dashboard import plots

    c = plots.spectrum_curve(np.arange(3.0), np.ones(3), "ppm", "¹H")
    assert c.kdims[0].label == "¹H shift δ (ppm)"
    assert c.vdims[0].label == "intensity (a.u.)"
    f = plots.fid_curves(np.arange(4) * 1e-6, np.ones(4, complex))
    assert f.get(0).kdims[0].label == "time (µs)"
    x, y = plots.minmax_decimate(np.arange(10000.0), np.sin(np.arange(10000.0)), 100)
    assert x.size <= 201 and y.max() == np.sin(np.arange(10000.0)).max()


def test_processing_state_round_trip(tmp_path, example):
    from analysis.store import ResultsStore
    from dashboard.state import ProcessingState

    s = ProcessingState(example, store=ResultsStore(tmp_path / "r.sqlite"))
    s.cell = "N2"
    s.day = 1.0
    s.acquisition = "nmr/N2/day001/1H_satrec"
    assert s.dataset.traces == 16 and s.param.trace.bounds == (0, 15)
    s.trace = 15
    m = s.measurements()
    assert "peak" in m and m["snr_t"].value > 10
    s.set_pivot(1000.0)
    s.p0 = 10.0
    v = s.save("tester")
    s.p0 = 50.0
    s.restore(v.id)
    assert s.p0 == 10.0 and s.pivot_hz == 1000.0
    assert [r["version"] for r in s.history_rows()] == [v.id, v.id + 1]


def test_processing_state_lists_a_corrupt_file_and_keeps_working(tmp_path, example):
    import shutil

    from analysis.store import ResultsStore
    from dashboard.state import ProcessingState

    root = tmp_path / "camp"
    shutil.copytree(example, root, ignore=shutil.ignore_patterns(".hpnmr"))
    fid = root / "nmr/N1/day000/139La/fid"
    fid.write_bytes(fid.read_bytes()[:64])
    s = ProcessingState(root, store=ResultsStore(tmp_path / "r.sqlite"))
    assert "nmr/N1/day000/139La" in s.unreadable
    s.day = 0.0
    s.acquisition = "nmr/N1/day000/139La"
    assert s.dataset is None and s.status.startswith("Unreadable")
    assert s.spectrum() is None and "error" in s.measurements()
    s.acquisition = "nmr/N1/day000/1H"
    assert s.dataset is not None and s.spectrum() is not None


def test_pake_state_preview_fit_and_rows(example):
    from dashboard.state import PakeState

    s = PakeState(example)
    assert s.acquisition == "nmr/N2/day054/1H_h2_echo"
    assert "whole-echo" in s.how
    total, parts = s.preview()
    assert set(parts) == {"r_n doublet", "r_nn doublet"}
    s.r_n = 0.8
    total2, _ = s.preview()
    assert not np.allclose(total, total2)          # the model follows the start values
    s.r_n = 0.75
    s.fit()
    assert s.result.success and s.message == ""
    rows = {r["quantity"]: r for r in s.result_rows()}
    assert "±" in rows["r_n"]["value"] and rows["r_n"]["value"].endswith("Å")
    assert rows["r_nn"]["DFT phase III (as quoted)"] == "1.24 Å"
    s.components = 1
    s.fit()
    assert "r_nn_angstrom" not in s.result.values
