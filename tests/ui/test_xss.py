"""Browser: text from files, the manifest and users is shown as text, never run (issue 14 §1).

One hostile campaign (the example, with ``<img src=x onerror=alert(N)>`` in each place a
file, a manifest or a user can put text) is served by one server for the whole module; each
test opens a page, records every dialog (an ``alert`` that ran) and checks that the payload
is visible literally. N tells which place fired:

1 campaign name · 2 NMR cell id · 3 transport cell id · 4 acquisition path with backticks ·
5 ``vdlist`` contents · 6 JCAMP ``##XUNITS`` (the reader upper-cases it, hence the entities)
· 7 R(T) header · 8 transport folder (a symlink out of the campaign: refused) · 9 "Your name"
on the Save panel, with 10 a Markdown link in it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("playwright")

import panel as pn
from playwright.sync_api import expect

from dashboard import server

from .util import LOAD_TIMEOUT_MS, wait_until

pytestmark = pytest.mark.ui

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"


def payload(n: int) -> str:
    return f"<img src=x onerror=alert({n})>"


#: survives the JCAMP reader's .upper(): &#97;… decode to "alert" in the attribute
XUNITS = "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(6)>"
NAME = payload(9) + " [see](javascript:alert(10))"
#: every <img> a payload would create (the checks look through shadow roots)
INJECTED = """() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'IMG' && /^x$/i.test(el.getAttribute('src') || '')) found.push('img');
      if (el.tagName === 'A' && /^\\s*javascript:/i.test(el.getAttribute('href') || ''))
        found.push('a');
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}"""


def build_hostile(dst: Path, outside: Path) -> Path:
    """The example campaign with a payload in every place a file or manifest holds text."""
    shutil.copytree(EXAMPLE, dst, ignore=shutil.ignore_patterns(".hpnmr"))
    toml = (dst / "campaign.toml").read_text(encoding="utf-8")
    toml = toml.replace('name = "LaH10+x hydrogen desorption — synthetic example campaign"',
                        f'name = "{payload(1)}"')
    toml = toml.replace('"N1"', f'"{payload(2)}"').replace('"T1"', f'"{payload(3)}"')
    # a transport folder named with the payload, symlinked out of the campaign (refused)
    shutil.move(dst / "transport" / "T4", outside)
    (dst / "transport" / payload(8)).symlink_to(outside, target_is_directory=True)
    toml = toml.replace('folder = "transport/T4"', f'folder = "transport/{payload(8)}"')
    toml += f"""
[[acquisitions]]
path = "nmr/N3/day000/x`{payload(4)}`"
cell = "N3"
day = 0
nucleus = "1H"
kind = "fid"

[[acquisitions]]
path = "nmr/N3/day000/bad.jdx"
cell = "N3"
day = 0
nucleus = "1H"
kind = "fid"
"""
    (dst / "campaign.toml").write_text(toml, encoding="utf-8")
    (dst / "nmr/N2/day001/1H_satrec/vdlist").write_text(payload(5) + "\n")
    (dst / "nmr/N3/day000/bad.jdx").write_text(
        "##TITLE= x\n##JCAMP-DX= 5.01\n##DATA TYPE= NMR SPECTRUM\n##.OBSERVE FREQUENCY= 400\n"
        f"##XUNITS= {XUNITS}\n##YUNITS= ARBITRARY UNITS\n##FIRSTX= 0\n##LASTX= 100\n"
        "##NPOINTS= 4\n##XYDATA= (X++(Y..Y))\n0 1 2 3 4\n##END=\n")
    # an R(T) file of the first transport cell (the one the Transport page opens on) whose
    # header names no temperature column: the error quotes it
    (dst / "transport/T1/day99.csv").write_text(
        f"a,b,{payload(7)}\n" + "".join(f"{10 + i},{i},{i}\n" for i in range(20)))
    return dst


@pytest.fixture(autouse=True)
def _stop_panel_servers():
    """The module's one server outlives each test (stopped by :func:`hostile_server`)."""
    yield


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """``hpnmr serve``'s pages for the hostile campaign: the base URL."""
    from panel.tests.util import get_open_ports

    tmp = tmp_path_factory.mktemp("xss")
    camp = build_hostile(tmp / "campaign", tmp / "outside")
    mp = pytest.MonkeyPatch()
    mp.setenv("HPNMR_CAMPAIGN", str(camp))
    mp.setenv("HPNMR_STORE", str(tmp / "results.sqlite"))
    old_handler = pn.config.exception_handler
    pn.config.exception_handler = server._exception_handler
    port = get_open_ports()[0]
    pn.serve(server.apps(), port=port, address="127.0.0.1", threaded=True, show=False,
             websocket_origin=[f"127.0.0.1:{port}"], **server.serve_options())
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        pn.state.kill_all_servers()
        pn.state.reset()
        pn.config.exception_handler = old_handler
        mp.undo()


def open_page(page, url: str) -> list[str]:
    """Open ``url``, recording every dialog (dismissed); returns that record."""
    dialogs: list[str] = []

    def on_dialog(d):
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    page.set_viewport_size({"width": 1500, "height": 1200})
    page.goto(url, wait_until="domcontentloaded", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
    return dialogs


def shown(page, text: str) -> None:
    """``text`` is visible somewhere on the page, literally."""
    expect(page.get_by_text(text, exact=False).filter(visible=True).first).to_be_visible(
        timeout=LOAD_TIMEOUT_MS)


def clean(page, dialogs: list[str]) -> None:
    page.wait_for_timeout(500)  # an injected <img> fails to load and fires
    assert dialogs == [], f"script ran: alert({', '.join(dialogs)})"
    assert page.evaluate(INJECTED) == []
    assert "Traceback" not in page.content()


def test_campaign_page(page, hostile_server):
    dialogs = open_page(page, hostile_server + "/campaign")
    page.wait_for_selector(".tabulator-row")
    for n in (1, 2, 3, 4, 5):
        shown(page, payload(n))
    shown(page, XUNITS.upper())
    shown(page, payload(8))  # the refused transport folder: one line naming it
    clean(page, dialogs)


def test_processing_page_and_saved_by(page, hostile_server):
    dialogs = open_page(page, hostile_server + "/processing")
    page.wait_for_selector("canvas")
    for text in (payload(4), payload(5), XUNITS.upper()):
        shown(page, text)
    page.get_by_placeholder("who saves").fill(NAME)
    page.get_by_role("button", name="Save", exact=True).click()
    shown(page, f"saved by {NAME}")
    clean(page, dialogs)
    # every later visitor sees the name as text, in "Shown: …" and in the history
    dialogs = open_page(page, hostile_server + "/processing")
    page.wait_for_selector("canvas")
    shown(page, f"saved by {NAME}")
    wait_until(lambda: page.locator(".tabulator-cell", has_text=payload(9)).count() > 0, page)
    clean(page, dialogs)


def test_relaxation_page(page, hostile_server):
    dialogs = open_page(page, hostile_server + "/relaxation")
    page.wait_for_selector("canvas")
    shown(page, payload(5))
    clean(page, dialogs)


def test_evolution_page(page, hostile_server):
    dialogs = open_page(page, hostile_server + "/evolution")
    page.wait_for_selector("canvas")
    for n in (7, 8):
        shown(page, payload(n))
    page.locator(".bk-tab", has_text="Kinetic fits").click()  # the table names the cells
    shown(page, payload(2))
    clean(page, dialogs)


def test_transport_page(page, hostile_server):
    dialogs = open_page(page, hostile_server + "/transport")
    page.wait_for_selector("canvas")
    shown(page, payload(7))
    shown(page, payload(8))
    clean(page, dialogs)
