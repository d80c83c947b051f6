"""Browser: the plots that update their Bokeh models directly (processing spectrum and FID,
Pake) stay live when a parameter changes where the session's document lock is not held.

Panel runs async callbacks, and widget changes still queued when a button event arrives,
on the server's event loop with the session's document current but without its lock. A
plot that then assigned ``ColumnDataSource.data`` directly made Bokeh raise
``_pending_writes should be non-None when we have a document lock`` and the browser never
saw the change (the Pake page's flaky Fit test). The same change made from another thread
must reach the browser too.
"""

import threading

import panel as pn
import pytest

pytest.importorskip("playwright")

from dashboard.components.pake_view import PakePlot
from dashboard.components.spectrum_bokeh import BokehFidPlot, BokehSpectrumPlot
from dashboard.state import PakeState, ProcessingState

from .util import serve_component, wait_until

pytestmark = pytest.mark.ui

# one number per plotted column family: changes when any curve of that family changes
SIGNATURE = """(col) => {
  let s = 0, k = 0;
  for (const m of Bokeh.documents[0].all_models)
    if (m.data && m.data[col] && m.data[col].length) {
      k += 1; for (const v of m.data[col]) s += Math.abs(v) * k; }
  return s;
}"""


@pytest.fixture
def served(page, example, monkeypatch):
    """The three direct-Bokeh plots on one page with two ways to change their states:
    an async button callback (no document lock) and a plain thread."""
    errors = []
    monkeypatch.setattr(pn.config, "exception_handler", errors.append)
    pake, proc = PakeState(example), ProcessingState(example)
    assert proc.dataset is not None

    def change(k):
        pake.r_n = (0.80, 0.90)[k]
        proc.p0 = (proc.p0 + 270.0) % 360.0 - 180.0  # a 90° step within ±180°

    async def unlocked(_event):
        change(0)

    def from_thread(_event):
        threading.Thread(target=change, args=(1,)).start()

    b1 = pn.widgets.Button(label="async change")
    b1.on_click(unlocked)
    b2 = pn.widgets.Button(label="thread change")
    b2.on_click(from_thread)
    app = pn.Column(b1, b2, PakePlot(state=pake), BokehSpectrumPlot(state=proc),
                    BokehFidPlot(state=proc), width=900)
    page.set_viewport_size({"width": 1000, "height": 1400})
    serve_component(page, app)
    wait_until(lambda: page.evaluate(SIGNATURE, "I") > 0 and page.evaluate(SIGNATURE, "y") > 0,
               page)
    return pake, proc, errors


@pytest.mark.parametrize("button", ["async change", "thread change"])
def test_direct_bokeh_updates_reach_the_browser_without_the_lock(page, served, button):
    pake, proc, errors = served
    before = {c: page.evaluate(SIGNATURE, c) for c in ("I", "y")}
    r_n, p0 = pake.r_n, proc.p0
    page.get_by_role("button", name=button).click()
    wait_until(lambda: bool(errors) or (pake.r_n != r_n and proc.p0 != p0), page)
    assert not errors, errors

    def arrived():
        return bool(errors) or all(page.evaluate(SIGNATURE, c) != before[c] for c in before)

    wait_until(arrived, page)
    assert not errors, errors
