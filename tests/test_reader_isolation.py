"""Reading off the event loop (issue 14 §3): the reader pool's time and memory limits, its
workers replaced after a kill, confinement inside the worker, and the server's per-process
scan of a campaign."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from analysis import campaign as campaign_mod
from analysis import files, io
from analysis.dataset import ReaderError
from analysis.io import isolated

#: 98 bytes: one value repeated 10⁹ times (DUP count "S000000000"): nmrglue appends them
#: one by one (> 2 min, > 8 GB when nothing stops it)
HOSTILE_JCAMP = (b"##TITLE=x\n##JCAMP-DX=5.0\n##DATATYPE=NMR FID\n##NPOINTS=4\n"
                 b"##XYDATA=(X++(R..R))\n0 AS000000000\n##END=\n")


@pytest.fixture(scope="module")
def pool():
    p = isolated.ReaderPool(max_workers=2)
    yield p
    p.close()


def _same(a, b) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y, f.name


def test_read_isolated_gives_the_same_dataset_as_io_read(example):
    for rel in ("nmr/N2/day001/1H", "nmr/N2/day001/1H_satrec"):
        path = example / rel
        _same(io.read(path), isolated.read_isolated(path))


def test_reader_errors_keep_their_class_and_message(example, tmp_path):
    with pytest.raises(ReaderError, match="no such file or folder") as err:
        isolated.read_isolated(tmp_path / "missing")
    assert str(tmp_path / "missing") in str(err.value)
    # refused by the confinement in the worker, with the caller's roots passed along
    with files.confined(tmp_path), pytest.raises(files.ConfinementError):
        isolated.read_isolated(example / "nmr" / "N2" / "day001" / "1H")


def test_a_read_over_the_time_limit_is_refused_and_its_worker_replaced(pool):
    pool.run(abs, -1, label="warm-up")
    before = set(pool.pids())
    t0 = time.monotonic()
    with pytest.raises(isolated.ReadTimeoutError, match=r"x\.dx: reading took longer than "
                                                        r"1 s: refused"):
        pool.run(time.sleep, 60, label="x.dx", timeout=1)
    assert time.monotonic() - t0 < 5
    assert not (set(pool.pids()) & before) or len(before) > 1  # the sleeper is gone
    assert pool.run(abs, -3, label="after") == 3  # a fresh worker answers


def test_the_hostile_jcamp_file_is_refused_within_the_time_limit(tmp_path):
    bad = tmp_path / "dup.dx"
    bad.write_bytes(HOSTILE_JCAMP)
    t0 = time.monotonic()
    with pytest.raises(ReaderError, match=r"dup\.dx"):
        isolated.read_isolated(bad, timeout=3)
    assert time.monotonic() - t0 < 8


def test_running_out_of_memory_is_a_reader_error(pool):
    with pytest.raises(ReaderError, match=r"big\.fid: reading needed more than the memory "
                                          r"limit of \d+ MiB: refused"):
        pool.run(bytearray, 8 * 2**30, label="big.fid")
    assert pool.run(abs, -2, label="after") == 2


def test_a_killed_worker_is_replaced(pool):
    assert pool.run(abs, -1, label="a") == 1
    for pid in pool.pids():  # killed while idle: the next read starts a new worker
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert pool.run(abs, -4, label="b") == 4
    # killed during a read: that read is refused, the next one works
    import threading

    def killer():
        time.sleep(1.0)
        for pid in pool.pids():
            os.kill(pid, signal.SIGKILL)

    threading.Thread(target=killer).start()
    with pytest.raises(ReaderError, match=r"c: the reading process stopped \(signal 9\)"):
        pool.run(time.sleep, 30, label="c", timeout=20)
    assert pool.run(abs, -5, label="d") == 5


def test_an_unexpected_exception_in_a_reader_becomes_a_reader_error(pool):
    with pytest.raises(ReaderError, match=r"odd\.fid: could not be read \(ValueError: "):
        pool.run(int, "not a number", label="odd.fid")


def test_io_read_uses_the_pool_when_isolation_is_on(example, monkeypatch):
    monkeypatch.setattr(isolated, "_POOL", None)
    path = example / "nmr" / "N2" / "day001" / "1H"
    try:
        io.set_reader_isolation(True)
        assert isolated.reader_isolation()
        ds = io.read(path)
        assert isolated.pool().pids()  # a worker read it
    finally:
        io.set_reader_isolation(False)
    assert not isolated.reader_isolation()
    _same(ds, io.read(path))


# -- the server's scan -------------------------------------------------------------------
def test_the_scan_is_remembered_until_a_file_changes(example, tmp_path, monkeypatch):
    from dashboard import state

    root = tmp_path / "camp"
    shutil.copytree(example / "nmr" / "N2" / "day001", root / "nmr" / "N2" / "day001")
    camp = campaign_mod.load(root)
    reads = []
    real = campaign_mod.Campaign.read

    def counting(self, acq):
        reads.append(acq)
        return real(self, acq)

    monkeypatch.setattr(campaign_mod.Campaign, "read", counting)
    first = state.scan_statuses(camp)
    assert len(reads) == len(camp.acquisitions) > 1
    assert [s.ok for s in first] == [s.ok for s in camp.scan()]
    reads.clear()
    again = state.scan_statuses(campaign_mod.load(root))
    assert reads == [] and [s.summary for s in again] == [s.summary for s in first]
    fid = root / "nmr" / "N2" / "day001" / "1H" / "fid"
    st = fid.stat()
    os.utime(fid, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    state.scan_statuses(camp)
    assert [a.path for a in reads] == ["nmr/N2/day001/1H"]


def test_the_served_pages_read_nothing_until_the_browser_is_connected(example, tmp_path,
                                                                      monkeypatch):
    from analysis.store import ResultsStore
    from dashboard.state import CampaignState, ProcessingState

    calls = []
    monkeypatch.setattr(campaign_mod.Campaign, "read",
                        lambda self, acq: calls.append(acq) or pytest.fail("read"))
    cs = CampaignState(example, scan=False)
    ps = ProcessingState(example, store=ResultsStore(tmp_path / "r.sqlite"), load=False)
    assert calls == [] and cs.scanning and ps.dataset is None
    assert ps.status.startswith("Reading")
    monkeypatch.undo()
    cs.scan()
    ps.start()
    assert not cs.scanning and cs.statuses and all(s.ok for s in cs.statuses)
    assert ps.dataset is not None and ps.acquisition and not ps.status.startswith("Reading")


def test_rt_files_are_read_in_the_pool_when_isolation_is_on(example, monkeypatch):
    """R(T) files were read in the server process with no time or memory limit (a 165 MB
    file of 3.3·10⁷ short rows, under every ceiling: 25 s and 3 GB per Transport page)."""
    camp = campaign_mod.load(example)
    rel = camp.transport_curves()[0].path
    direct = camp.read_rt(rel)
    monkeypatch.setattr(isolated, "_POOL", None)
    calls = []
    real = isolated.run_isolated
    monkeypatch.setattr(isolated, "run_isolated",
                        lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    try:
        io.set_reader_isolation(True)
        curve = camp.read_rt(rel)
        assert isolated.pool().pids()
        # refused files keep their reason, from the worker
        with pytest.raises(ReaderError, match="no such file"):
            camp.read_rt("transport/missing.csv")
    finally:
        io.set_reader_isolation(False)
    assert calls and calls[0] == camp.resolve(rel)
    np.testing.assert_array_equal(curve.temperature_k, direct.temperature_k)
    np.testing.assert_array_equal(curve.resistance_ohm, direct.resistance_ohm)


def test_the_first_read_of_a_fresh_process_inside_a_confinement_works(example):
    """``hpnmr serve --num-procs 2`` does not warm the pool, so each server process starts
    it on its first read, inside the campaign's confinement: multiprocessing's temp folder
    (and tempfile's probe of /tmp) were refused, and every acquisition was listed as
    "/tmp/xyz: refused: it leads outside the campaign folder"."""
    import subprocess
    import sys

    code = (
        "from analysis import campaign, io\n"
        "from analysis.io import isolated\n"
        "if __name__ == '__main__':\n"
        "    io.set_reader_isolation(True)\n"
        f"    c = campaign.load({str(example)!r})\n"
        "    print(c.read(c.acquisitions[0]).points)\n"
        "    print(len(c.read_rt(c.transport_curves()[0].path).temperature_k))\n"
        "    isolated.pool().close()\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "refused" not in out.stdout + out.stderr


def test_a_busy_reader_exits_when_the_server_is_killed(tmp_path):
    """A reader in the middle of a long read outlived a server killed with SIGKILL (or
    stopped by SIGTERM without --password): the forkserver's child, it kept the forkserver
    alive too, and went on reading with nobody to stop it."""
    import subprocess
    import sys

    code = (
        "import threading, time\n"
        "from analysis.io import isolated\n"
        "if __name__ == '__main__':\n"
        "    p = isolated.ReaderPool(1)\n"
        "    threading.Thread(target=lambda: p.run(time.sleep, 3600, timeout=3600),\n"
        "                     daemon=True).start()\n"
        "    while not p.pids():\n"
        "        time.sleep(0.1)\n"
        "    time.sleep(1.0)\n"
        "    print(p.pids()[0], flush=True)\n"
        "    time.sleep(3600)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              text=True, env=env)
    try:
        reader = int(server.stdout.readline())
    finally:
        server.kill()
        server.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(reader, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(reader, signal.SIGKILL)
        pytest.fail("the reader outlived the server")
