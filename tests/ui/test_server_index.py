"""Browser: `/` of the server `hpnmr serve` starts lists the pages and links to them."""


import pytest

pytest.importorskip("playwright")

import panel as pn
from playwright.sync_api import expect

from dashboard import server

from .util import wait_until


def test_root_lists_the_pages(page, example, monkeypatch, free_port):
    monkeypatch.setenv("HPNMR_CAMPAIGN", str(example))
    port = free_port
    srv = pn.serve(server.apps(), port=port, address="127.0.0.1", threaded=True, show=False,
                   websocket_origin=[f"127.0.0.1:{port}"], **server.serve_options())
    wait_until(lambda: bool(getattr(srv, "_started", True)), page)
    page.goto(f"http://127.0.0.1:{port}/")
    expect(page.get_by_text("Processing", exact=True).first).to_be_visible(timeout=20000)
    expect(page.get_by_text("Campaign", exact=True).first).to_be_visible()
    assert page.get_by_text("Internal Server Error").count() == 0
    page.get_by_role("link", name="Campaign").click()
    page.wait_for_selector(".tabulator-row", timeout=30000)
    assert page.url.endswith("/campaign")
