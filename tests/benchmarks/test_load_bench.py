"""Load benchmark (run on demand: ``make benchmark``): ten browser sessions on different
acquisitions of one ``hpnmr serve``; the p0 round trip (slider step → new spectrum drawn)
measured in every session in turn. Budget: p95 ≤ 200 ms; no session sees another's state.
"""

import os
import signal
import statistics
import subprocess
import sys
import time

import numpy as np
import pytest

pytestmark = pytest.mark.benchmark

SESSIONS = int(os.environ.get("HPNMR_LOAD_SESSIONS", "10"))
STEPS = 12

SETUP = """() => {
  let best = null;
  for (const m of Bokeh.documents[0].all_models)
    if (m.data && m.data.y && (!best || m.data.y.length > best.data.y.length)) best = m;
  window.__src = best;
  best.change.connect(() => requestAnimationFrame(() => { window.__t1 = performance.now(); }));
}"""


def _wait_for_options(select, wanted: str, timeout_s: float = 60.0) -> None:
    """Wait until ``select`` offers ``wanted`` (the choices arrive after the page has
    loaded, and change with the cell)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if wanted in select.locator("option").all_inner_texts():
            return
        time.sleep(0.1)
    raise AssertionError(f"{wanted!r} not offered within {timeout_s:.0f} s")


def test_ten_sessions_p95_round_trip(browser, example, tmp_path, free_port):
    port = free_port
    env = dict(os.environ, HPNMR_STORE=str(tmp_path / "r.sqlite"))
    server = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", str(example),
                               "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    pages = []
    try:
        time.sleep(4)
        from analysis.campaign import load
        from dashboard.state import day_value

        camp = load(example)
        cells = ["N1", "N2", "N3", "N4"]
        t_open = time.perf_counter()
        for k in range(SESSIONS):
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            page = ctx.new_page()
            page.goto(f"http://127.0.0.1:{port}/processing", timeout=120000)
            page.wait_for_selector("canvas", timeout=120000)
            selects = page.locator("select")
            # the page reads the campaign once the browser is connected (onload): wait for
            # the choices, then pick the cell and one of its days by their labels
            cell_days = camp.days(cells[k % 4])
            want = f"day {day_value(cell_days[min(k, len(cell_days) - 1)])}"
            _wait_for_options(selects.nth(0), cells[k % 4])
            selects.nth(0).select_option(label=cells[k % 4])
            _wait_for_options(selects.nth(1), want)
            selects.nth(1).select_option(label=want)
            page.wait_for_timeout(1500)
            day = selects.nth(1).input_value()
            page.evaluate(SETUP)
            pages.append((page, cells[k % 4], day))
        t_open = time.perf_counter() - t_open
        times = []
        for _step in range(STEPS):
            for page, _cell, _day in pages:
                handle = page.locator(".noUi-handle").first
                handle.focus()
                page.evaluate("() => { window.__t1 = null; window.__t0 = performance.now(); }")
                handle.press("ArrowRight")
                page.wait_for_function("() => window.__t1 !== null", timeout=20000)
                times.append(page.evaluate("() => window.__t1 - window.__t0"))
        times = np.array(times[SESSIONS:])  # the first round warms up
        # isolation: every session shows its own acquisition and its own p0
        seen = []
        for page, cell, day in pages:
            sel = page.locator("select")
            seen.append((sel.nth(0).input_value(), sel.nth(1).input_value()))
            assert sel.nth(0).input_value() == cell and sel.nth(1).input_value() == day
        p95 = float(np.percentile(times, 95))
        print(f"\n{SESSIONS} sessions of /processing on one server ({len(times)} steps)")
        print(f"  opening the {SESSIONS} sessions            {t_open:.1f} s")
        print(f"  p0 round trip median                {statistics.median(times):.0f} ms")
        print(f"  p0 round trip p95                   {p95:.0f} ms   (budget ≤ 200 ms)")
        print(f"  sessions on (cell, day): {seen}")
        print(f"  all round trips (ms): {np.round(times).astype(int).tolist()}")
        assert len(set(seen)) == SESSIONS or len({s[0] for s in seen}) == min(4, SESSIONS)
        assert p95 <= 200.0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
