"""Browser: the relaxation page — T1 and T2 with errors, the τ → 2τ axis, the diffusion panel,
a failing model shown as a message, and the amplitude method switch."""

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect

from dashboard.relaxation_app import create_app
from dashboard.state import RelaxationState

from .util import serve_component, wait_until

pytestmark = pytest.mark.ui

TITLED = """(t) => [...Bokeh.documents[0].all_models].some(
  m => m.title && m.title.text && m.title.text.startsWith(t))"""


def test_relaxation_page(page, example):
    state = RelaxationState(example)
    page.set_viewport_size({"width": 1500, "height": 1200})
    serve_component(page, create_app(state))
    page.wait_for_selector("canvas", timeout=60000)
    expect(page.get_by_text("T1 = 1.49").first).to_be_visible(timeout=30000)
    expect(page.get_by_text("T2 = 1.49").first).to_be_visible()
    expect(page.get_by_text("the file's list holds τ; doubled")).to_be_visible()
    expect(page.get_by_text("extreme narrowing does NOT hold", exact=False)).to_be_visible()
    assert "Traceback" not in page.content()
    # a model that cannot be determined: a message, not a crash
    page.locator("select").nth(3).select_option("biexponential")
    wait_until(lambda: state.t1_model == "biexponential", page)
    expect(page.get_by_text("fit failed", exact=False).first).to_be_visible(timeout=20000)
    page.locator("select").nth(3).select_option("saturation")
    wait_until(lambda: state.t1[1].success, page)
    page.get_by_role("button", name="integral").click()
    wait_until(lambda: state.method == "integral", page)
    expect(page.get_by_text("amplitudes: integral").first).to_be_visible(timeout=20000)
    assert "Traceback" not in page.content()
    # the traces are drawn when their tab is opened
    assert not page.evaluate(TITLED, "echo train")
    page.locator(".bk-tab", has_text="Traces and echo train").click()
    wait_until(lambda: page.evaluate(TITLED, "echo train"), page, timeout=30000)
