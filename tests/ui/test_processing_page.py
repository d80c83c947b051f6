"""Browser: the processing page — p0 drag, tap pivot, anchor drag, save and reload."""

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect

from analysis.store import ResultsStore
from dashboard.processing_app import create_app
from dashboard.state import ProcessingState

from .util import serve_component, wait_until

JS_FIGURE = """
(() => {
  let figs = [];
  const walk = (v) => { if (!v) return;
    if (v.frame && v.model && v.model.x_range && v.canvas_view) figs.push(v);
    for (const c of (v.child_views || [])) walk(c); };
  for (const v of Object.values(Bokeh.index)) walk(v);
  return figs;
})()
"""

SIGNATURE = """() => {
  // Σ|y|·(k+1) over every plotted y column: changes when any curve (spectrum, baseline)
  let s = 0, k = 0;
  for (const m of Bokeh.documents[0].all_models) {
    if (m.data && m.data.y) { k += 1; for (const v of m.data.y) s += Math.abs(v) * k; }
  }
  return s;
}"""

TO_PAGE = f"""([xd, yd]) => {{
  const fig = {JS_FIGURE.strip()}[0];
  const r = fig.canvas_view.el.getBoundingClientRect();
  return [r.left + fig.frame.x_scale.compute(xd), r.top + fig.frame.y_scale.compute(yd)];
}}"""


@pytest.fixture
def state(tmp_path, example):
    return ProcessingState(example, store=ResultsStore(tmp_path / "results.sqlite"))


def _open(page, state):
    page.set_viewport_size({"width": 1500, "height": 1100})
    msgs, _ = serve_component(page, create_app(state))
    page.wait_for_selector("canvas", timeout=30000)
    wait_until(lambda: page.evaluate(SIGNATURE) > 0, page, timeout=20000)
    return msgs


def test_renders_and_dragging_p0_changes_the_spectrum(page, state):
    msgs = _open(page, state)
    assert page.get_by_text("Traceback").count() == 0
    before_sig = page.evaluate(SIGNATURE)
    before_p0 = state.p0
    handle = page.locator(".noUi-handle").first
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 80, y, steps=8)
    page.mouse.up()
    wait_until(lambda: state.p0 != before_p0, page)
    wait_until(lambda: page.evaluate(SIGNATURE) != before_sig, page)
    errors = [m.text for m in msgs if m.type == "error" and "ERR_NAME_NOT_RESOLVED" not in m.text]
    assert not errors


def test_tap_moves_the_pivot(page, state):
    _open(page, state)
    old = state.pivot_hz
    target = float(state.to_display(state.pivot_hz + 150e3))  # 150 kHz from the old pivot
    px, py = page.evaluate(TO_PAGE, [target, 0.0])
    page.mouse.click(px, py)
    wait_until(lambda: abs(state.pivot_hz - old - 150e3) < 5e3, page)
    expect(page.get_by_text("Pivot:", exact=False)).not_to_contain_text("Pivot: 0 ppm")


def test_dragging_an_anchor_changes_the_baseline(page, state):
    _open(page, state)
    page.get_by_role("button", name="Place anchors").click()
    wait_until(lambda: state.baseline == "spline" and len(state.anchors) >= 4, page)
    base_before = state.spectrum().baseline.copy()
    sig_before = page.evaluate(SIGNATURE)
    n = len(state.anchors)
    wait_until(lambda: page.evaluate(
        "(n) => [...Bokeh.documents[0].all_models].some(m => m.data && m.data.x && "
        "m.data.y && m.data.x.length === n && !m.data.xs)", n), page)
    page.locator(".bk-tool-icon-point-draw").first.click()  # activate the point-draw tool
    page.wait_for_timeout(300)
    ax, ay = state.anchors[2]
    # anchors sit on the baseline drawn over the uncorrected spectrum
    px, py = page.evaluate(TO_PAGE, [float(state.to_display(ax)), float(ay)])
    page.mouse.move(px, py)
    page.mouse.down()
    page.mouse.move(px, py - 60, steps=6)
    page.mouse.up()
    wait_until(lambda: state.anchors[2][1] != ay, page)
    assert abs(state.spectrum().baseline - base_before).max() > 0
    wait_until(lambda: page.evaluate(SIGNATURE) != sig_before, page)


def test_save_then_reload_in_a_new_page_shows_it(page, tmp_path, example, monkeypatch):
    monkeypatch.setenv("HPNMR_STORE", str(tmp_path / "shared.sqlite"))
    monkeypatch.setenv("HPNMR_CAMPAIGN", str(example))
    sessions = []

    def app():
        st = ProcessingState()
        sessions.append(st)
        return create_app(st)

    serve_component(page, app)
    page.wait_for_selector("canvas", timeout=30000)
    wait_until(lambda: len(sessions) == 1 and sessions[0].dataset is not None, page)
    first = sessions[0]
    first.param.update(p0=42.5, baseline="polynomial", baseline_order=2,
                       regions=[[-900e3, -300e3], [300e3, 900e3]])
    page.get_by_placeholder("who saves").fill("playwright")
    page.get_by_role("button", name="Save").click()
    wait_until(lambda: "saved version" in first.status, page)
    url = page.url
    page2 = page.context.new_page()
    page2.goto(url)
    page2.wait_for_selector("canvas", timeout=30000)
    wait_until(lambda: len(sessions) == 2 and sessions[1].dataset is not None, page2)
    second = sessions[1]
    assert second is not first
    assert second.p0 == pytest.approx(42.5)
    assert second.baseline == "polynomial" and second.regions == first.regions
    expect(page2.get_by_text("p0 (°): 42.5", exact=False)).to_be_visible()
    expect(page2.get_by_text("saved by playwright", exact=False)).to_be_visible()


def test_corrupt_file_is_listed_and_the_page_works(page, tmp_path, example):
    import shutil

    root = tmp_path / "camp"
    shutil.copytree(example, root, ignore=shutil.ignore_patterns(".hpnmr"))
    fid = root / "nmr/N1/day-01/139La/fid"
    fid.write_bytes(b"\x00" * 10)
    st = ProcessingState(root, store=ResultsStore(tmp_path / "r.sqlite"))
    _open(page, st)
    alert = page.locator(".alert-warning").filter(has_text="Unreadable acquisitions")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("nmr/N1/day-01/139La")
    st.acquisition = "nmr/N1/day-01/139La"  # the broken one: a message, no crash
    wait_until(lambda: st.status.startswith("Unreadable"), page)
    st.acquisition = "nmr/N1/day-01/1H"
    wait_until(lambda: st.dataset is not None and page.evaluate(SIGNATURE) > 0, page)
    assert page.get_by_text("Traceback").count() == 0


def test_readouts_show_the_phase_independent_shift_and_its_reference(page, state):
    """The shift readout is the time-domain fit's (unchanged by a p0 step), the peak of the
    spectrum is labelled phase-dependent, and 0 ppm names its source with the chain's
    numbers on hover."""
    _open(page, state)
    shift = page.get_by_text("shift (time-domain fit)", exact=False).first
    expect(shift).to_be_visible(timeout=20000)
    expect(page.get_by_text("peak shift (phase-dependent)", exact=False).first).to_be_visible()
    ref = page.locator("span[title*='K_Cu']").first
    expect(ref).to_contain_text("0 ppm")
    table = page.locator("table").filter(has_text="shift (time-domain fit)").first
    expect(table).to_contain_text("395.000000 MHz (⁶³Cu chain)")
    fit = state.measurements()["shift"].shift_ppm
    expect(table).to_contain_text(format(fit))
    state.p0 = state.p0 + 20.0
    wait_until(lambda: state.measurements()["peak"] is not None, page)
    expect(table).to_contain_text(format(state.measurements()["peak"].shift_ppm))
    expect(table).to_contain_text(format(fit))  # the fit's shift did not move
