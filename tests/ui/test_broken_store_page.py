"""Browser: the served Processing page of a campaign whose results database is damaged shows
the raw spectrum and a one-line notice, Save disabled, and no traceback (issue 14 §4)."""

import shutil

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect

from dashboard.processing_app import create_app
from dashboard.state import CAMPAIGN_ENV, STORE_ENV

from .util import serve_component

pytestmark = pytest.mark.ui


def test_a_damaged_store_gives_a_notice_not_a_traceback(page, example, tmp_path,
                                                        monkeypatch):
    root = tmp_path / "camp"
    shutil.copytree(example / "nmr" / "N2" / "day001", root / "nmr" / "N2" / "day001")
    db = root / ".hpnmr" / "results.sqlite"
    db.parent.mkdir()
    db.write_bytes(b"not a database " * 300)
    monkeypatch.setenv(CAMPAIGN_ENV, str(root))
    monkeypatch.delenv(STORE_ENV, raising=False)
    page.set_viewport_size({"width": 1500, "height": 1100})
    serve_component(page, create_app)  # a page per session, as `hpnmr serve` does
    expect(page.get_by_text("Saved processing is not available", exact=False).first
           ).to_be_visible()
    expect(page.get_by_text("the results database is damaged", exact=False).first
           ).to_be_visible()
    page.wait_for_selector("canvas")
    expect(page.get_by_role("button", name="Save")).to_be_disabled()
    expect(page.get_by_text("Saving is off", exact=False).first).to_be_visible()
    assert page.get_by_text("Traceback").count() == 0
    assert page.get_by_text("Shown: version", exact=False).count() == 0
    assert db.read_bytes() == b"not a database " * 300
