"""Browser: the Pake page — renders, a start-value slider redraws the model, Fit fills the
results table with r_n and r_nn ± errors."""

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect

from dashboard.pake_app import create_app
from dashboard.state import PakeState

from .util import serve_component, wait_until

pytestmark = pytest.mark.ui

MODEL_SUM = """() => {
  let s = 0, n = 0;
  for (const m of Bokeh.documents[0].all_models)
    if (m.data && m.data.I) { n += 1; for (const v of m.data.I) s += Math.abs(v) * n; }
  return s;
}"""


def test_pake_page_live_model_and_fit(page, example):
    state = PakeState(example)
    page.set_viewport_size({"width": 1500, "height": 1000})
    serve_component(page, create_app(state))
    page.wait_for_selector("canvas", timeout=30000)
    expect(page.get_by_text("Drag the start values")).to_be_visible(timeout=20000)
    assert "Traceback" not in page.content()
    before = page.evaluate(MODEL_SUM)
    handle = page.locator(".noUi-handle").first          # r_n start
    handle.focus()
    for _ in range(5):
        handle.press("ArrowRight")
    wait_until(lambda: state.r_n > 0.75, page)
    wait_until(lambda: page.evaluate(MODEL_SUM) != before, page)
    page.get_by_role("button", name="Fit").click()
    wait_until(lambda: state.result is not None, page, timeout=20000)
    assert state.result.success
    expect(page.get_by_text("reduced χ²")).to_be_visible(timeout=20000)
    cell = page.locator("td", has_text="Å").first
    expect(cell).to_contain_text("±")
    expect(page.get_by_text("effective distance", exact=False)).to_be_visible()
