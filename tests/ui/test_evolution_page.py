"""Browser: the time-evolution page renders; hiding a cell hides its curve; zooming the H/La
plot's x axis zooms the Tc plot's. The transport page renders with its Tc table."""

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect

from dashboard.evolution_app import create_app
from dashboard.state import EvolutionState, TransportState
from dashboard.transport_app import create_app as create_transport

from .util import serve_component, wait_until

pytestmark = pytest.mark.ui

TITLED = """(t) => [...Bokeh.documents[0].all_models].some(
  m => m.title && m.title.text && m.title.text.startsWith(t))"""

LABELS = """() => {
  // legend entries whose curves are drawn (HoloViews hides, not removes, a dropped element)
  const out = [];
  for (const m of Bokeh.documents[0].all_models)
    if (m.renderers !== undefined && m.label !== undefined && m.label !== null
        && m.renderers.some(r => r.visible))
      out.push(JSON.stringify(m.label));
  return out.join(' ');
}"""

FIGS = """(titles) => {
  const figs = [];
  for (const m of Bokeh.documents[0].all_models)
    if (m.title && m.title.text && titles.some(t => m.title.text.startsWith(t)) && m.x_range)
      figs.push(m);
  return figs;
}"""

ZOOM = """() => {
  const figs = (""" + FIGS + """)(["Hydrogen content", "Superconducting Tc"]);
  const h = figs.find(f => f.title.text.startsWith("Hydrogen"));
  const t = figs.find(f => f.title.text.startsWith("Superconducting"));
  h.x_range.start = 20; h.x_range.end = 40;
  return [figs.length, t.x_range.start, t.x_range.end];
}"""


def test_evolution_page(page, example, tmp_path):
    from analysis.store import ResultsStore

    state = EvolutionState(example, store=ResultsStore(tmp_path / "r.sqlite"))
    page.set_viewport_size({"width": 1500, "height": 1300})
    serve_component(page, create_app(state))
    page.wait_for_selector("canvas", timeout=60000)
    wait_until(lambda: '"N2"' in page.evaluate(LABELS), page, timeout=30000)
    assert "Traceback" not in page.content()
    # hide cell N2: its legend entry and curve go
    page.get_by_role("button", name="N2", exact=True).click()
    wait_until(lambda: "N2" not in state.nmr_cells, page)
    wait_until(lambda: '"N2"' not in page.evaluate(LABELS), page, timeout=20000)
    assert '"N1"' in page.evaluate(LABELS)
    # zoom the H/La plot's x axis: the Tc plot follows
    n, start, end = page.evaluate(ZOOM)
    assert n == 2 and (start, end) == (20, 40)
    # the other views are drawn when their tab is opened
    assert not page.evaluate(TITLED, "¹³⁹La spectra by day")
    page.locator(".bk-tab", has_text="Spectra against days").click()
    wait_until(lambda: page.evaluate(TITLED, "¹³⁹La spectra by day"), page, timeout=30000)
    assert "Traceback" not in page.content()


def test_transport_page(page, example):
    state = TransportState(example)
    page.set_viewport_size({"width": 1400, "height": 1000})
    serve_component(page, create_transport(state))
    page.wait_for_selector("canvas", timeout=60000)
    expect(page.locator("td", has_text=" K").first).to_be_visible(timeout=30000)
    assert "Traceback" not in page.content()
