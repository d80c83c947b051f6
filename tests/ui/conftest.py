"""Browser-test housekeeping, as in Panel's own suite: stop every server a test started
(a threaded Tornado server left running keeps the interpreter from exiting)."""

import pytest

try:  # Playwright's expect() waits 5 s by default: too short on a loaded 2-core machine
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
except ImportError:  # the browser tests skip themselves
    pass


@pytest.fixture(autouse=True)
def _stop_panel_servers():
    yield
    import panel as pn

    pn.state.kill_all_servers()
    pn.state.reset()
    # a session's document left current (a page's onload still running in the server's
    # thread when the server was stopped never leaves Bokeh's patch_curdoc) makes the next
    # test's pn.state.onload wait for a session that never loads: a page built outside a
    # session must run its onload at once again
    from bokeh.io import doc as bokeh_doc

    bokeh_doc._PATCHED_CURDOCS.clear()
    pn.state.curdoc = None
