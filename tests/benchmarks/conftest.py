"""The benchmarks serve pages as the browser tests do: the same housekeeping stops every
server a benchmark started (a threaded Tornado server left running kept ``make benchmark``
from ever exiting)."""

from ui.conftest import _stop_panel_servers  # noqa: F401 (an autouse fixture)
