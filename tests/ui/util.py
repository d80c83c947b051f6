"""Serving helpers for the browser tests, tolerant of a loaded two-core CI machine.

Panel's own ``panel.tests.util.serve_component`` waits a fixed 5 s for
``document.readyState`` and its ``wait_until`` gives up after 5 s; a page that builds
several HoloViews plots on a busy two-core machine can take longer than that to
arrive without anything being wrong.  These helpers do the same steps with timeouts
meant for such a machine (a real hang still fails, only later).
"""

from __future__ import annotations

from panel.tests.util import serve_and_wait
from panel.tests.util import wait_until as _panel_wait_until

#: How long a page may take to load and connect its websocket (ms).
LOAD_TIMEOUT_MS = 60_000
#: Default time for a condition to become true (ms).
WAIT_TIMEOUT_MS = 20_000


def wait_until(fn, page=None, timeout: int = WAIT_TIMEOUT_MS, interval: int = 100):
    """Panel's ``wait_until`` with a default timeout suited to a loaded machine."""
    return _panel_wait_until(fn, page, timeout=timeout, interval=interval)


def serve_component(page, app, suffix: str = "", **kwargs):
    """Serve ``app`` on a free port, open it in ``page`` and wait until it is live.

    Returns ``(console_messages, port)`` like Panel's helper.
    """
    msgs = []
    page.set_default_timeout(LOAD_TIMEOUT_MS)  # Playwright waits 30 s by default
    page.on("console", lambda msg: msgs.append(msg))
    port = serve_and_wait(app, **kwargs)
    page.goto(f"http://localhost:{port}{suffix}", wait_until="domcontentloaded",
              timeout=LOAD_TIMEOUT_MS)
    wait_until(lambda: any("Websocket connection 0 is now open" in str(m) for m in msgs),
               page, timeout=LOAD_TIMEOUT_MS, interval=20)
    page.wait_for_function("document.readyState === 'complete'", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
    return msgs, port
