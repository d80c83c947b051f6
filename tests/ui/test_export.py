"""Browser: a page's export downloads the current view as a figure (PDF, SVG, PNG at the
journal width) with its JSON sidecar recording the view."""

import io
import json
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("playwright")

from dashboard.state import TransportState
from dashboard.transport_app import create_app

from .util import serve_component, wait_until

pytestmark = pytest.mark.ui


def test_transport_export_downloads_the_view(page, example):
    from PIL import Image

    state = TransportState(example)
    page.set_viewport_size({"width": 1400, "height": 1000})
    serve_component(page, create_app(state))
    page.wait_for_selector("canvas", timeout=60000)
    page.locator("select").nth(1).select_option("onset")  # the criterion
    wait_until(lambda: state.criterion == "onset", page)
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name="Export figure").click()
    data = Path(info.value.path()).read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    assert {"rt_T1.pdf", "rt_T1.svg", "rt_T1.png", "rt_T1.json"} <= names
    side = json.loads(zf.read("rt_T1.json"))
    assert side["view"] == {"cell": "T1", "criterion": "onset"}
    assert side["raw_files_sha256"] and side["width"] == "double"
    im = Image.open(io.BytesIO(zf.read("rt_T1.png")))
    assert im.size[0] == 2100
    assert "temperature (K)" in zf.read("rt_T1.svg").decode()
