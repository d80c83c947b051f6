"""Two `hpnmr serve --num-procs 2` workers and a command-line process save into the same
results database at once: every version lands."""

import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("playwright")

from analysis.store import ResultsStore

pytestmark = pytest.mark.ui

SESSIONS, CLICKS, CLI_SAVES = 4, 4, 40

CLI = """
import sys
from analysis.store import ResultsStore
s = ResultsStore(sys.argv[1])
for i in range(int(sys.argv[2])):
    s.save("nmr/N1/day000/1H", {"p0_deg": float(i)}, {"from": "cli"}, author="cli")
"""



def test_two_workers_and_the_cli_lose_no_version(browser, example, tmp_path, free_port):
    port = free_port
    db = tmp_path / "results.sqlite"
    env = dict(os.environ, HPNMR_STORE=str(db))
    server = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", str(example),
                               "--port", str(port), "--num-procs", "2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    contexts = []
    try:
        time.sleep(5)
        pages = []
        for k in range(SESSIONS):
            contexts.append(browser.new_context())
            page = contexts[-1].new_page()
            page.goto(f"http://127.0.0.1:{port}/processing", timeout=120000)
            page.wait_for_selector("canvas", timeout=120000)
            page.get_by_placeholder("who saves").fill(f"session{k}")
            pages.append(page)
        cli = subprocess.Popen([sys.executable, "-c", CLI, str(db), str(CLI_SAVES)])
        for _ in range(CLICKS):
            for page in pages:
                page.get_by_role("button", name="Save").click()
        cli.wait(timeout=120)
        assert cli.returncode == 0
        want = SESSIONS * CLICKS + CLI_SAVES
        deadline = time.time() + 60
        while time.time() < deadline and len(ResultsStore(db).history()) < want:
            time.sleep(0.5)
        history = ResultsStore(db).history()
        assert len(history) == want
        authors = {v.author for v in history}
        assert authors == {"cli"} | {f"session{k}" for k in range(SESSIONS)}
        assert len({v.id for v in history}) == want
    finally:
        # pages left open outlive the test (the browser is the session's) and keep a core
        # busy each, trying to reach the stopped server: the rest of the suite ran 3× slower
        for context in contexts:
            context.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
