"""Benchmark of ``hpnmr campaign`` (run on demand: ``make benchmark``).

Budget (DESIGN): the whole example campaign through the pipeline ≤ 3× the time it takes
merely to read its raw files (every NMR dataset and every R(T) file, one after the other).
Measured in process (no interpreter start-up on either side), median of repeats, serial and
with one worker process per CPU (what ``hpnmr campaign`` uses by default). The command
line end to end is timed as well, for the record.
"""

import os
import statistics
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.benchmark


def _median(fn, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def test_campaign_within_three_times_reading(example, tmp_path):
    from analysis import campaign, pipeline, transport

    camp = campaign.load(example)

    def read():
        for a in camp.acquisitions:
            camp.read(a)
        for cur in camp.transport_curves():
            transport.read_rt(camp.resolve(cur.path))

    read()  # warm the file cache and the imports on both sides
    t_read = _median(read, 5)
    workers = os.cpu_count() or 1
    t_serial = _median(lambda: pipeline.analyze_campaign(camp, workers=1), 3)
    t_par = _median(lambda: pipeline.analyze_campaign(camp, workers=workers), 3)
    res = pipeline.analyze_campaign(camp, workers=workers)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "dashboard.cli", "campaign", str(example),
                        "--out", str(tmp_path / "out"), "--no-store", "--no-cache", "--quiet",
                        "--json"],
                       capture_output=True, text=True)
    t_cli = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    from analysis.cache import ResultCache

    cache = ResultCache(tmp_path / "cache.sqlite")
    pipeline.analyze_campaign(camp, workers=1, cache=cache)  # fills the cache
    t_cached = _median(lambda: pipeline.analyze_campaign(camp, workers=1, cache=cache), 3)
    rows = [("read every raw file (NMR + R(T))", f"{t_read * 1e3:.0f} ms"),
            ("campaign, serial", f"{t_serial * 1e3:.0f} ms  ({t_serial / t_read:.2f}×)"),
            (f"campaign, {workers} worker processes",
             f"{t_par * 1e3:.0f} ms  ({t_par / t_read:.2f}×)"),
            ("  stages", ", ".join(f"{k} {v * 1e3:.0f} ms" if isinstance(v, float) else
                                   f"{k} {v}" for k, v in res.timings_s.items())),
            ("hpnmr campaign end to end (with start-up)", f"{t_cli:.2f} s"),
            ("campaign again, nothing changed (result cache)",
             f"{t_cached * 1e3:.0f} ms  ({t_cached / t_read:.2f}×)"),
            ("budget", "≤ 3× reading")]
    print("\nhpnmr campaign on the example campaign")
    w = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"  {a:<{w}}  {b}")
    assert t_par / t_read <= 3.0
