"""Shared fixtures: the real-data folder, the example campaign, the system Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
EXAMPLE = ROOT / "data" / "example"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real spectrometer files not found at {REALDATA} (they sit in "
                    "../shared/realdata beside the project; a plain clone does not have them)")
    return REALDATA


@pytest.fixture(scope="session")
def example() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        if IN_CI:
            pytest.fail("CI=true but no Chromium found: .ci/run must install Debian chromium")
        pytest.skip("no system Chromium found (install Debian chromium and chromium-driver "
                    "to run the browser tests)")
    return {**browser_type_launch_args, "executable_path": path,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--disable-quic"]}


def pytest_collection_modifyitems(config, items):
    # browser tests are marked `ui` by their folder
    for item in items:
        if "/tests/ui/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.ui)


@pytest.fixture
def free_port() -> int:
    """A TCP port nobody listens on (for servers a test starts itself)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
