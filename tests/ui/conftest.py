"""Browser-test housekeeping, as in Panel's own suite: stop every server a test started
(a threaded Tornado server left running keeps the interpreter from exiting)."""

import pytest


@pytest.fixture(autouse=True)
def _stop_panel_servers():
    yield
    import panel as pn

    pn.state.kill_all_servers()
    pn.state.reset()
