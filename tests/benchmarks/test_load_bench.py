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



def test_ten_sessions_p95_round_trip(browser, example, tmp_path, free_port):
    port = free_port
    env = dict(os.environ, HPNMR_STORE=str(tmp_path / "r.sqlite"))
    server = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", str(example),
                               "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    pages = []
    try:
        time.sleep(4)
        days = ["0", "1", "2", "3", "5", "7", "10", "14", "18", "22"]
        cells = ["N1", "N2", "N3", "N4"]
        t_open = time.perf_counter()
        for k in range(SESSIONS):
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            page = ctx.new_page()
            page.goto(f"http://127.0.0.1:{port}/processing", timeout=120000)
            page.wait_for_selector("canvas", timeout=120000)
            selects = page.locator("select")
            selects.nth(0).select_option(cells[k % 4])
            page.wait_for_timeout(800)
            opts = selects.nth(1).locator("option").all_inner_texts()
            day = days[k] if days[k] in opts else opts[min(k, len(opts) - 1)]
            selects.nth(1).select_option(day)
            page.wait_for_timeout(1500)
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
