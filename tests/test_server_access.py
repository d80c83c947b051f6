"""Access limits and storage safety: data roots (no way out by '..', absolute paths or
symlinks), the password, concurrent saves from several processes, an interrupted writer."""

import multiprocessing
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from analysis import campaign
from analysis.campaign import CampaignError
from analysis.store import ResultsStore
from dashboard.cli import main
from dashboard.server import AccessError, check_under_roots


def test_paths_outside_the_data_roots_are_refused(example, tmp_path):
    check_under_roots(example, [example.parent])
    with pytest.raises(AccessError, match="outside the allowed data roots"):
        check_under_roots("/etc", [example])
    with pytest.raises(AccessError):
        check_under_roots(example / ".." / "..", [example])
    link = tmp_path / "root" / "escape"
    link.parent.mkdir()
    link.symlink_to("/etc")
    with pytest.raises(AccessError):
        check_under_roots(link, [tmp_path / "root"])


def test_campaign_paths_cannot_leave_the_campaign(example, tmp_path):
    import shutil

    root = tmp_path / "camp"
    shutil.copytree(example / "nmr" / "N2" / "day001", root / "nmr" / "N2" / "day001")
    (root / "nmr" / "N2" / "outside").symlink_to(tmp_path)
    camp = campaign.load(example)
    for bad in ("../../etc/passwd", "/etc/passwd", "nmr/../../x"):
        with pytest.raises(CampaignError, match="outside the campaign"):
            camp.resolve(bad)
    other = campaign.load(root)
    with pytest.raises(CampaignError, match="outside the campaign"):
        other.resolve("nmr/N2/outside")


def test_serve_refuses_a_campaign_outside_the_roots(example, capsys):
    assert main(["serve", "/etc", "--data-root", str(example)]) == 2
    assert "outside the allowed data roots" in capsys.readouterr().err



def test_password_protects_every_page(example, free_port):
    port = free_port
    env = dict(os.environ, HPNMR_PASSWORD="s3cret")
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", str(example),
                             "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 60
        body = ""
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/processing",
                                            timeout=5) as r:
                    body, url = r.read().decode(errors="replace"), r.geturl()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        assert "login" in url.lower() or "password" in body.lower()
        assert "bokeh-" not in url and "Processing" not in body.split("<title>")[-1][:40]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _saver(path, who, n, barrier):
    store = ResultsStore(path)
    barrier.wait()
    for i in range(n):
        store.save(f"acq{i % 3}", {"p0_deg": float(i)}, {"who": who}, author=who)


def test_concurrent_saves_from_processes_all_land(tmp_path):
    path = tmp_path / "results.sqlite"
    ResultsStore(path)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_saver, args=(path, f"p{k}", 40, barrier)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    history = ResultsStore(path).history()
    assert len(history) == 160
    assert len({v.id for v in history}) == 160
    assert {v.author for v in history} == {"p0", "p1", "p2", "p3"}


def _kill_me(path):
    store = ResultsStore(path)
    while True:
        store.save("acq", {"p0_deg": 1.0}, {"big": "x" * 200_000})


def test_a_writer_killed_mid_save_leaves_the_store_consistent(tmp_path):
    import sqlite3

    path = tmp_path / "results.sqlite"
    ResultsStore(path).save("acq", {"p0_deg": 0.0})
    ctx = multiprocessing.get_context("fork")
    p = ctx.Process(target=_kill_me, args=(path,))
    p.start()
    time.sleep(1.5)
    os.kill(p.pid, signal.SIGKILL)
    p.join()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    store = ResultsStore(path)
    n = len(store.history())
    assert n >= 2 and all(v.params == {"p0_deg": 1.0} or v.params == {"p0_deg": 0.0}
                          for v in store.history())
    store.save("acq", {"p0_deg": 2.0})  # and it keeps working
    assert len(store.history()) == n + 1
