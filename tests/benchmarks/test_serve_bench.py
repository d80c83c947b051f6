"""Serving budgets (run on demand: ``make benchmark``): ``hpnmr serve`` cold start to a
rendered page ≤ 5 s, and each extra browser session ≤ 60 MB of server memory.

Memory is the resident set of the server process, read from /proc after every new session
has drawn its plots; the per-session figure is the slope over the sessions after the first
(the first one also loads the libraries and the process-wide caches).
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.benchmark

COLD_BUDGET_S = 5.0
SESSION_BUDGET_MB = 60.0
EXTRA_SESSIONS = 4


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _serve(example, port, tmp_path):
    env = dict(os.environ, HPNMR_STORE=str(tmp_path / "r.sqlite"))
    return subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", str(example),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _wait_listening(port, timeout_s=60.0):
    t_end = time.monotonic() + timeout_s
    while time.monotonic() < t_end:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/liveness", timeout=2)
            return
        except OSError:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                return
            except OSError:
                time.sleep(0.05)
    raise TimeoutError("the server did not start")


def _open(browser, url, selector="canvas"):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.goto(url, timeout=120_000)
    page.wait_for_selector(selector, timeout=120_000)
    return page


def test_cold_start_and_memory_per_session(browser, example, tmp_path, free_port):
    port = free_port
    t0 = time.perf_counter()
    server = _serve(example, port, tmp_path)
    try:
        _wait_listening(port)
        t_listen = time.perf_counter() - t0
        _open(browser, f"http://127.0.0.1:{port}/campaign", ".tabulator-row")
        t_campaign = time.perf_counter() - t0
        t1 = time.perf_counter()
        _open(browser, f"http://127.0.0.1:{port}/", "a:has-text('Campaign')")
        t_index = time.perf_counter() - t1
        t1 = time.perf_counter()
        _open(browser, f"http://127.0.0.1:{port}/processing")
        t_processing = time.perf_counter() - t1
        rows = []
        for route in ("processing", "relaxation", "evolution", "pake"):
            _open(browser, f"http://127.0.0.1:{port}/{route}")
            time.sleep(1.0)
            before = _rss_mb(server.pid)
            times = []
            for _ in range(EXTRA_SESSIONS):
                t = time.perf_counter()
                _open(browser, f"http://127.0.0.1:{port}/{route}")
                times.append(time.perf_counter() - t)
            time.sleep(1.0)
            after = _rss_mb(server.pid)
            rows.append((route, before, (after - before) / EXTRA_SESSIONS,
                         float(np.median(times))))
        print(f"\ncold start: listening after {t_listen:.2f} s, campaign table drawn after "
              f"{t_campaign:.2f} s (budget ≤ {COLD_BUDGET_S:.0f} s); then the index page "
              f"{t_index:.2f} s, a first /processing session {t_processing:.2f} s")
        print("page          RSS before (MB)   per extra session (MB)   page drawn (s)")
        for route, before, per, t in rows:
            print(f"/{route:<12} {before:>10.0f}        {per:>10.1f}               {t:.1f}")
        assert t_campaign <= COLD_BUDGET_S
        assert max(r[2] for r in rows) <= SESSION_BUDGET_MB
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
