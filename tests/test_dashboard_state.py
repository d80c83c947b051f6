"""Dashboard stores and components without a server."""

import numpy as np
import panel as pn
import pytest
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
    from panel.models.tabulator import DataTabulator

    s = CampaignState(example)
    assert s.root == str(example) and s.campaign.root == example
    view = CampaignOverview(state=s)
    root = pn.panel(view).get_root(Document())
    (table,) = root.select({"type": DataTabulator})  # the browser gets every acquisition
    assert list(table.source.data["acquisition"]) == [r["acquisition"] for r in s.rows()]
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


def test_processing_parameters_are_declared_once(tmp_path, example):
    """One declaration: every processing parameter enters the record and comes back from
    it, nothing else does, and the derived values (so the views watching them) declare
    them. A new store parameter must be classified here."""
    from analysis.store import ResultsStore
    from dashboard.components.common import dependencies
    from dashboard.state import ProcessingState

    s = ProcessingState(example, store=ResultsStore(tmp_path / "r.sqlite"))
    keys = set(s.PROCESSING_KEYS)
    assert set(dependencies(s.params_record)) == keys
    assert set(dependencies(s.spectrum)) == keys | {"revision"}
    assert set(dependencies(s.transformed)) == set(s.TRANSFORM_KEYS) | {"revision"}
    assert set(dependencies(s.fid)) == keys - {"zero_fill", *s.BASELINE_KEYS} | {"revision"}
    s.param.trace.bounds = (0, 3)
    changes = {"p0": 12.5, "p1": 30.0, "pivot_hz": 250.0, "lb_hz": 40.0, "gb_hz": 60.0,
               "zero_fill": 131072 if s.zero_fill != 131072 else 65536, "left_shift": 7,
               "trace": 2, "baseline": "polynomial", "baseline_order": 3,
               "regions": [[-9000.0, -8000.0]], "anchors": [[5000.0, 0.5]],
               "echo": "whole-echo" if s.echo != "whole-echo" else "off",
               # not processing: display, messages, what the database allows
               "unit": "kHz", "show_corrected": True, "status": "x", "saved": "y",
               "store_notice": "z", "can_save": False}
    selection = {"name", "cell", "day", "acquisition", "revision"}
    assert set(changes) == set(s.param) - selection  # every parameter is classified
    for k, v in changes.items():
        before = s.params_record()
        setattr(s, k, v)
        assert (s.params_record() != before) == (k in keys), k
    t = ProcessingState(example, store=ResultsStore(tmp_path / "r2.sqlite"))
    t.param.trace.bounds = (0, 3)
    t.apply_params(s.params_record().to_dict())
    same = keys - {"left_shift"}  # an echo is recorded in place of the left shift
    assert {k: getattr(t, k) for k in same} == {k: getattr(s, k) for k in same}


def test_pake_parameters_are_declared_once(example):
    """The preview declares the start values it follows (the plot redraws on them), and a
    fit's inputs (what an export records) are every parameter but its outcome."""
    from dashboard.components.common import dependencies
    from dashboard.state import PakeState

    s = PakeState(example)
    assert dependencies(s.preview) == ["acquisition", *s.START_KEYS]
    assert set(s.param) - set(s.FIT_KEYS) == {"name", "result", "message", "how"}
    before = s.preview()[0]
    s.r_n = 0.8
    assert not np.allclose(s.preview()[0], before)


def test_fid_plot_follows_the_phase_and_keeps_its_view(tmp_path, example):
    from analysis.store import ResultsStore
    from dashboard.components.spectrum_bokeh import BokehFidPlot
    from dashboard.state import ProcessingState

    s = ProcessingState(example, store=ResultsStore(tmp_path / "r.sqlite"))
    plot = BokehFidPlot(state=s)
    assert plot.fig.xaxis[0].axis_label == "time (µs)"
    t, fid = s.fid()
    re0 = np.asarray(plot.re_src.data["y"], float)
    assert re0.size > 100 and np.asarray(plot.re_src.data["x"])[-1] <= t[4095] * 1e6 + 1e-9
    y_range = (plot.fig.y_range.start, plot.fig.y_range.end)
    assert y_range[1] >= np.abs(fid[:4096]).max()
    plot.fig.x_range.update(start=1.0, end=2.0)  # the user zooms in
    s.p0 = s.p0 - 90.0 if s.p0 > 0 else s.p0 + 90.0
    _t, fid90 = s.fid()
    shown = np.asarray(plot.re_src.data["y"], float)
    assert not np.allclose(shown, re0)
    # what is drawn is the new real part (min/max decimated for the screen)
    assert np.isin(shown.astype(np.float32), fid90[:4096].real.astype(np.float32)).all()
    assert abs(np.abs(shown).max() - np.abs(fid90[:4096].real).max()) < 1e-6 * np.abs(fid).max()
    assert (plot.fig.x_range.start, plot.fig.x_range.end) == (1.0, 2.0)  # zoom survives


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
    from analysis.pake import CENTRAL_LINE_DEFAULT

    assert s.central_line is CENTRAL_LINE_DEFAULT       # one default for page and CLI
    s.fit()
    assert s.result.success and s.message == ""
    rows = {r["quantity"]: r for r in s.result_rows()}
    assert rows["goodness of fit"]["value"].startswith("ok (χ²_ν = ")
    assert "±" in rows["r_n"]["value"] and rows["r_n"]["value"].endswith("Å")
    assert rows["r_nn"]["DFT phase III (as quoted)"] == "1.24 Å"
    s.central_line = False               # the example has a narrow line: a poor fit, said so
    s.fit()
    assert s.result.success and s.result.verdict.status == "poor-fit"
    assert s.message.startswith("⚠ poor fit")
    s.components = 1
    s.fit()
    assert "r_nn_angstrom" not in s.result.values


def test_relaxation_state_fits_compares_and_derives_d(example):
    from dashboard.state import RelaxationState

    s = RelaxationState(example)
    assert s.t1_acquisition.endswith("1H_satrec") and s.t2_acquisition.endswith("1H_hahn")
    _amps, res = s.t1
    assert res.success and abs(res.values["T1_s"] - 1.5e-3) < 3 * res.stderr["T1_s"]
    amps2, res2 = s.t2
    assert amps2.axis == "pulse-spacing" and abs(res2.values["T2_s"] - 1.5e-3) < 3e-5
    rows = s.compare("t1")
    # 16 delays for ≤ 5 parameters: ranked by AICc (the column was ΔAIC before issue 13)
    assert rows[0]["model"] in ("saturation", "inversion") and rows[0]["ΔAICc"] == "0.0"
    assert any(r["ΔAICc"].startswith("failed") for r in rows)  # biexp is degenerate here
    assert rows[0]["fit"] != "—"
    d = s.diffusion()
    assert d.D_cm2_s == pytest.approx(2.416e-8, rel=2e-3) and not d.extreme_narrowing
    table = s.diffusion_rows()
    assert len(table) == 3 and table[0]["chosen"] == "◀"
    s.constant = "h"
    assert s.diffusion().D_cm2_s == pytest.approx(9.538e-7, rel=2e-3)
    _t, _real, times, name = s.traces("t2")
    assert name == "2τ" and times[-1] == pytest.approx(5e-3)
    assert s.echo_train()[1].shape[0] == 8


def test_relaxation_state_reports_a_failed_fit_instead_of_raising(example):
    from dashboard.components.relaxation_view import RelaxationFit
    from dashboard.state import RelaxationState

    s = RelaxationState(example)
    s.t1_model = "biexponential"
    assert not s.t1[1].success and "biexponential" in s.message
    view = RelaxationFit(state=s, which="t1")
    assert "fit failed" in view._text(s.t1)
    pn.panel(view).get_root(Document())  # still renders
    s.t1_model = "saturation"
    assert s.t1[1].success and s.message == ""


def test_relaxation_state_names_an_unreadable_array(tmp_path, example):
    import shutil

    from dashboard.state import RelaxationState

    root = tmp_path / "camp"
    shutil.copytree(example, root)
    (root / "nmr/N2/day001/1H_satrec/ser").write_bytes(b"\x00" * 10)
    s = RelaxationState(root)
    assert s.t1 is None and "1H_satrec" in s.message
    assert s.t2[1].success and s.diffusion() is None


def test_relaxation_state_auto_method_says_what_it_chose(example):
    from dashboard.components.relaxation_view import RelaxationFit
    from dashboard.state import RelaxationState

    s = RelaxationState(example)
    assert s.method == "auto" and s.t1_model == "auto"
    assert s.t1_choice.method == s.t1[0].method == "projection"
    assert s.t1[1].model_name == "saturation" and s.t2_choice.model_name == "hahn"
    text = RelaxationFit(state=s, which="t1")._text(s.t1)
    assert "auto: projection" in text and "model saturation" in text
    s.method = "integral"
    assert s.t1_choice is None and s.t1[0].method == "integral" and s.t1[1].success
    assert "auto:" not in RelaxationFit(state=s, which="t1")._text(s.t1)


def test_relaxation_plots_label_axes():
    from analysis import relaxation as rx
    from dashboard import plots

    t = np.geomspace(1e-5, 1e-2, 12)
    amps = rx.Amplitudes(x_s=t, amplitude=np.exp(-2 * t / 1.5e-3), sigma=np.full(12, 0.01),
                         method="table", axis="pulse-spacing")
    res = amps.fit("hahn")
    ov = plots.relaxation_points(amps, res)
    assert ov.get(0).kdims[0].label == "echo time 2τ (ms)"
    assert plots.relaxation_residuals(amps, res).get(0).vdims[0].label == "residual / σ"
    tr = plots.array_traces(np.arange(100) * 1e-6, np.ones((3, 100)), [1e-3, 2e-3, 3e-3], "t")
    assert len(tr.data) == 3 and tr.vdims[0].label == "t (ms)"


def test_evolution_state_reads_saved_results_and_derives_views(example, tmp_path):
    from analysis.store import ResultsStore
    from dashboard.state import EvolutionState

    store = ResultsStore(tmp_path / "r.sqlite")
    s = EvolutionState(example, store=store)
    assert s.results is not None and not s.results.errors
    assert store.latest("campaign:results") is not None  # computed once, kept
    _d, v, e = s.results.series("N2", s.key)
    assert v[0] == pytest.approx(3.1) and np.all(e[1:] > 0)
    assert s.law_for("N2")["law"] == "jmak"
    s.law = "linear"
    assert s.law_for("N2")["law"] == "linear"
    rows = s.kinetics_rows()
    assert rows[0]["cell"] == "N1" and "H/La per day" in rows[0]["average rate"]
    assert rows[0]["ΔAICc"] == "0.0" and rows[0]["fit"].startswith("ok")
    assert any(r["cell"] == "global" for r in rows)
    over = s.overlap()
    assert over and all(0.4 < r["Tc_ratio"] <= 1.0 for r in over)
    _ppm, spectra, days = s.stacked_spectra("139La")
    assert spectra.shape[0] == len(days) and days[0] == -1
    again = EvolutionState(example, store=store)  # a second session reuses the results
    assert again.results is s.results
    # the line under the H/La plot: the Λ choice and the assumptions of the H/La shown
    line = s.hla_assumptions()
    assert line.startswith("H/La (calibrated)") and "calibrated: Λ_La/Λ_H measured" in line
    assert "Assumed: nothing" in line  # the example's manifest states ε and the saturation
    s.calibrated = False
    line = s.hla_assumptions()
    assert line.startswith("H/La (absolute)") and "t90:" in line and "Assumed: nothing" in line
    from analysis.pipeline import CampaignResults

    old = {k: v for k, v in s.results.h_per_la[0].items() if "efficiency" not in k
           and "assumptions" not in k}  # results saved before the columns existed
    s.results = CampaignResults(h_per_la=[old])
    assert "recompute" in s.hla_assumptions()


def test_evolution_plots_label_guides_and_units(example, tmp_path):
    from analysis.store import ResultsStore
    from dashboard import plots
    from dashboard.components.evolution_view import SideBySide
    from dashboard.state import EvolutionState

    s = EvolutionState(example, store=ResultsStore(tmp_path / "r.sqlite"))
    ov = plots.hla_plot({"N1": s.results.series("N1")})
    texts = [e.text for e in ov if isinstance(e, __import__("holoviews").Text)]
    assert texts == ["LaH₁₀", "LaH₆", "LaH₃"]
    view = SideBySide(state=s)
    model = pn.panel(view).get_root(Document())
    figs = {f.title.text: f for f in model.select({"type": __import__("bokeh").models.Plot})}
    hla, tc = figs["Hydrogen content (¹H/¹³⁹La μQ-NMR)"], figs["Superconducting Tc (four-probe)"]

    def legend(fig):
        return [getattr(i.label, "value", i.label) for lg in fig.legend for i in lg.items]

    assert hla.x_range is tc.x_range  # zooming one zooms the other
    assert legend(hla) == s.nmr_cells == ["N1", "N2", "N3", "N4"]
    assert legend(tc) == s.transport_cells and len(s.transport_cells) == 4
    s.nmr_cells = ["N1"]  # hiding cells re-renders without error
    assert legend(hla) == ["N1"]
    # the Knight-shift trend says what 0 ppm is (the rows carry the reference used)
    from dashboard.components.evolution_view import Trends

    assert {r["La_reference_source"] for r in s.results.h_per_la} == {"⁶³Cu chain"}
    shift = Trends(state=s).shift[()]
    label = next(iter(shift)).vdims[0].label
    assert label == "¹³⁹La Knight shift (ppm; 0 ppm from the ⁶³Cu chain)"


def test_transport_state_rows(example):
    from dashboard.state import TransportState

    s = TransportState(example)
    rows = s.rows()
    assert len(rows) == 15 and rows[0]["two-step"] == "yes" and "K" in rows[0]["Tc"]
    s.criterion = "onset"
    assert s.rows()[0]["Tc"] != rows[0]["Tc"]


def test_long_action_shows_loading_only_on_its_button_and_always_clears_it():
    from dashboard._shell import long_action, page

    seen = []
    btn = pn.widgets.Button(label="Fit")
    long_action(btn, lambda: seen.append(btn.loading))
    btn.clicks += 1
    assert seen == [True] and btn.loading is False

    bad = pn.widgets.Button(label="Fit")
    long_action(bad, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        bad.clicks += 1
    assert bad.loading is False
    # in a session: the work runs on the next tick, and its error reaches the handler
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    doc = Document()
    doc._session_context = lambda: object()  # as if served
    caught = []
    late = pn.widgets.Button(label="Fit")
    long_action(late, lambda: 1 / 0)
    old = pn.config.exception_handler
    pn.config.exception_handler = caught.append
    try:
        with set_curdoc(doc):
            late.clicks += 1
        assert late.loading is True and len(doc.session_callbacks) == 1
        doc.session_callbacks[0].callback()
    finally:
        pn.config.exception_handler = old
    assert late.loading is False and isinstance(caught[0], ZeroDivisionError)
    # no process-wide busy spinner: pn.state.busy is shared by every session
    assert page("x", [pn.pane.Markdown("y")]).busy_indicator is None


# ------------------------------------------------------- shift: reference and phase (§3, §4)
def _truth_ppm(example, rel, reference_hz):
    """The generated line of an example acquisition, in ppm against ``reference_hz``."""
    import json

    from analysis.constants import nucleus

    truth = json.loads((example / "truth.json").read_text())
    cell, day, nuc = rel.split("/")[1], int(rel.split("/")[2][3:]), rel.split("/")[3]
    d = truth["nmr_cells"][cell]["days"][str(day)]
    ppm = d["h_shift_ppm"] if nuc == "1H" else d["la_shift_ppm"]
    line = nucleus(nuc).xi * truth["proton_reference_hz"] * (1 + 1e-6 * ppm)
    return 1e6 * (line / reference_hz - 1)


def test_processing_shift_does_not_follow_the_phase(tmp_path, example):
    """The example ¹H shift moves < 1σ under a ±20° p0 error and under Autophase (the
    peak of the real spectrum, kept as a labelled secondary readout, moves many σ)."""
    from analysis.store import ResultsStore
    from dashboard.components.processing_view import Readouts
    from dashboard.state import ProcessingState

    s = ProcessingState(example, store=ResultsStore(tmp_path / "r.sqlite"))
    s.cell, s.day = "N1", 0.0
    s.acquisition = "nmr/N1/day000/1H"
    m = s.measurements()
    base, peak0 = m["shift"].shift_ppm, m["peak"].shift_ppm
    truth = _truth_ppm(example, s.acquisition, m["reference"].nu_ref_hz)
    assert abs(base.value - truth) < 3 * base.stderr
    p0 = s.p0
    peak_moves = []
    for change in ({"p0": p0 - 20}, {"p0": p0 + 20}, "acme", "max-real"):
        if isinstance(change, str):
            s.p0 = p0 + 30
            s.autophase(change)
        else:
            s.param.update(change)
        m = s.measurements()
        assert abs(m["shift"].shift_ppm.value - base.value) < base.stderr, change
        peak_moves.append(abs(m["peak"].shift_ppm.value - peak0.value) / peak0.stderr)
    assert max(peak_moves) > 10  # the perturbations are real: the peak follows the phase
    md = Readouts(state=s)._md.object
    assert "shift (time-domain fit)" in md and "phase-independent" in md
    assert "peak shift (phase-dependent)" in md
    assert r"0 ppm ⓘ</span> | 395\.000000 MHz \(⁶³Cu chain\) |" in md  # escaped (manifest text)
    assert "K_Cu = 0.232 %" in md  # the chain's numbers in the tooltip


def test_processing_store_uses_the_manifest_reference(tmp_path, example):
    """A manifest whose ¹H reference differs from the files' wins on the page: axis, shift
    and the saved results name it."""
    import shutil

    from analysis.constants import nucleus
    from analysis.store import ResultsStore
    from dashboard.state import ProcessingState

    root = tmp_path / "camp"
    rel = "nmr/N1/day000/139La"
    shutil.copytree(example / rel, root / rel)
    h_ref = 395.0e6 * (1 - 4e-6)
    (root / "campaign.toml").write_text(
        f"[referencing]\nproton_reference_hz = {h_ref!r}\n\n[[acquisitions]]\n"
        f'path = "{rel}"\ncell = "N1"\nday = 0\nnucleus = "139La"\n')
    s = ProcessingState(root, store=ResultsStore(tmp_path / "r.sqlite"))
    assert s.acquisition == rel
    m = s.measurements()
    la_ref = nucleus("139La").xi * h_ref
    assert m["reference"].source == "manifest ¹H"
    assert m["reference"].nu_ref_hz == pytest.approx(la_ref)
    assert m["shift"].reference_hz == pytest.approx(la_ref)
    assert abs(m["shift"].shift_ppm.value - _truth_ppm(example, rel, la_ref)) \
        < 3 * m["shift"].shift_ppm.stderr
    assert float(s.to_display(0.0)) == pytest.approx(1e6 * (s.dataset.carrier_hz / la_ref - 1))
    v = s.save("tester")
    assert v.results["reference"]["source"] == "manifest ¹H"
    assert v.results["reference"]["reference_hz"] == pytest.approx(la_ref)
    assert v.results["shift"]["method"].startswith("time-domain")


def test_processing_shows_a_message_not_a_shift_for_several_lines(tmp_path):
    """An acquisition with two resolved lines: the page's time-domain shift is a message
    naming the lines and how to choose one, not a number between them."""
    from analysis import simulate
    from analysis.io import bruker
    from analysis.store import ResultsStore
    from dashboard.components.processing_view import Readouts
    from dashboard.state import ProcessingState

    root = tmp_path / "camp"
    rel = "nmr/N1/day000/1H"
    fid = simulate.synthesize([simulate.Line(-2000.0, 1.0, 300.0),
                               simulate.Line(1500.0, 0.9, 250.0)], 2048, 50e3,
                              phase0_deg=30.0, noise_sigma=0.003,
                              rng=np.random.default_rng(1)) * 1e6
    bruker.write(root / rel, fid, nucleus="1H", carrier_hz=395e6, reference_hz=395e6,
                 spectral_width_hz=50e3, scans=16)
    (root / "campaign.toml").write_text(
        f'[[acquisitions]]\npath = "{rel}"\ncell = "N1"\nday = 0\nnucleus = "1H"\n')
    s = ProcessingState(root, store=ResultsStore(tmp_path / "r.sqlite"))
    assert s.acquisition == rel
    m = s.measurements()
    assert "shift" not in m
    assert "several resolved lines" in m["shift_error"] and "--region" in m["shift_error"]
    view = Readouts(state=s)
    assert "| shift (time-domain fit) | — (see the note below) |" in view._md.object
    assert view._alert.visible and "several resolved lines" in view._alert.object


#: the arguments the declared methods taking one are called with (a new one must be listed)
_ARGUMENTS = {"law_for": [("N2",)], "stacked_spectra": [("139La",), ("1H",)],
              "compare": [("t1",), ("t2",)], "traces": [("t1",), ("t2",)]}


def _declared_methods(store) -> dict[str, list[tuple]]:
    """Name → the argument tuples to call it with, for every derived value the store
    declares with ``param.depends`` (watchers, ``watch=True``, are side effects: left out)."""
    import inspect

    out = {}
    for name in dir(type(store)):
        info = getattr(getattr(type(store), name, None), "_dinfo", None)
        if info is None or info.get("watch"):
            continue
        takes = len(inspect.signature(getattr(store, name)).parameters)
        out[name] = _ARGUMENTS[name] if takes else [()]
    return out


def _reads(store, monkeypatch, fn) -> set[str]:
    """The store parameters ``fn()`` reads (every parameter descriptor's ``__get__`` on
    ``store`` recorded while it runs)."""
    seen: set[str] = set()
    for kind in {type(p) for p in store.param.objects("existing").values()}:
        original = kind.__get__

        def get(self, obj, objtype=None, _original=original):
            if obj is store:
                seen.add(self.name)
            return _original(self, obj, objtype)

        monkeypatch.setattr(kind, "__get__", get)
    try:
        fn()
    finally:
        monkeypatch.undo()
    return seen


@pytest.fixture(params=["evolution", "relaxation"])
def declared_store(request, example, tmp_path):
    from analysis.store import ResultsStore
    from dashboard.state import EvolutionState, RelaxationState

    if request.param == "evolution":
        return EvolutionState(example, store=ResultsStore(tmp_path / "r.sqlite"))
    return RelaxationState(example)


def test_derived_values_declare_what_they_read(declared_store, monkeypatch):
    """Every derived value of the Evolution and Relaxation stores names in ``param.depends``
    every parameter it reads (through the methods it depends on), so a view binding it
    redraws whenever its value may change."""
    from dashboard.components.common import dependencies

    s = declared_store
    methods = _declared_methods(s)
    assert len(methods) >= 8
    for name, calls in methods.items():
        declared = set(dependencies(getattr(s, name)))
        for args in calls:
            read = _reads(s, monkeypatch, lambda name=name, args=args: getattr(s, name)(*args))
            assert read and read <= declared, (name, args, read - declared)


def test_bound_derived_values_follow_their_declarations(declared_store):
    """A derived value bound the way the views bind it (``pn.rx(state.method)``) is
    evaluated again when a parameter it declares changes (directly, or through the fits a
    parameter change runs), and not when any other parameter changes."""
    from dashboard.components.common import dependencies

    s = declared_store
    names = [n for n, calls in _declared_methods(s).items() if calls == [()]]
    deps = {n: set(dependencies(getattr(s, n))) for n in names}
    evaluated = {n: 0 for n in names}
    bound = []
    for n in names:
        r = pn.rx(getattr(s, n))
        r.rx.watch(lambda _v, n=n: evaluated.__setitem__(n, evaluated[n] + 1))
        bound.append(r)
    fired: set[str] = set()
    params = [p for p in s.param if p != "name"]
    s.param.watch(lambda *events: fired.update(e.name for e in events), params)
    unrelated = {n: 0 for n in names}
    for p in params:
        fired.clear()
        for n in names:
            evaluated[n] = 0
        s.param.trigger(p)
        for n in names:
            follows = bool(fired & deps[n])
            assert (evaluated[n] > 0) == follows, (n, p, sorted(fired))
            unrelated[n] += not follows
    assert all(unrelated.values()), unrelated  # each was left alone by some change


def test_views_bind_declared_values_not_parameter_lists():
    """No component hands ``pn.bind`` a list of store parameters to say when a derived
    value changes (``pn.bind(lambda *_: s.rows(), s.param.a, s.param.b)``): a store
    parameter passed to ``pn.bind`` is an argument the function takes by name (no ``*``),
    and a derived value is bound as the store's declared method (``pn.rx(s.rows)``)."""
    import ast
    from pathlib import Path

    def store_params(node) -> int:
        return sum(1 for a in node.args for x in ast.walk(a)
                   if isinstance(x, ast.Attribute) and x.attr == "param")

    def functions(path) -> dict:
        return {d.name: d for d in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef))}

    dashboard = Path(__file__).resolve().parents[1] / "dashboard"
    plot_functions = functions(dashboard / "plots.py")
    bad = []
    for f in sorted((dashboard / "components").glob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        defs = functions(f)
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "bind" and call.args):
                continue
            n = store_params(call)
            if not n:
                continue
            where = f"{f.name}:{call.lineno}"
            fn = call.args[0]
            if any(isinstance(a, ast.Starred) for a in call.args):
                bad.append(f"{where}: a starred list of parameters")
                continue
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            plotting = isinstance(fn, ast.Attribute) and getattr(fn.value, "id", "") == "plots"
            target = (fn if isinstance(fn, ast.Lambda) else
                      plot_functions.get(name) if plotting else defs.get(name))
            if target is None:
                bad.append(f"{where}: bound function not found in the file")
                continue
            a = target.args
            positional = [x.arg for x in [*a.posonlyargs, *a.args] if x.arg != "self"]
            if a.vararg is not None or len(positional) < n:
                bad.append(f"{where}: parameters passed only as triggers")
    assert not bad, bad


def test_trend_is_a_column_of_the_hla_rows_from_day_zero():
    """analysis.evolution.trend: a column ± σ by day from day 0, NaN where a row has no
    value; a shift says where its 0 ppm comes from, another column does not."""
    from analysis import evolution
    from analysis.pipeline import CampaignResults

    rows = [{"cell": "A", "day": 3, "La_shift_ppm": 2.0, "La_shift_ppm_err": 0.1,
             "La_reference_source": "ref", "H_fwhm_hz": None},
            {"cell": "A", "day": -1, "La_shift_ppm": 9.0, "La_shift_ppm_err": 0.1},
            {"cell": "A", "day": 1, "La_shift_ppm": 1.0, "La_shift_ppm_err": 0.2,
             "H_fwhm_hz": 5e3, "H_fwhm_hz_err": 10.0},
            {"cell": "B", "day": 2, "La_shift_ppm": 7.0, "La_reference_source": "other"}]
    res = CampaignResults(h_per_la=rows)
    got = evolution.trend(res, ["A"], "La_shift_ppm")
    assert got.references == ("ref",) and list(got.series) == ["A"]
    np.testing.assert_array_equal(got.series["A"].days, [1, 3])
    np.testing.assert_array_equal(got.series["A"].value, [1.0, 2.0])
    width = evolution.trend(res, ["A", "B"], "H_fwhm_hz")
    assert width.references == ()
    np.testing.assert_array_equal(width.series["A"].value, [5e3, np.nan])
    assert np.isnan(width.series["B"].stderr).all()
