"""The result cache: keyed by raw-file digests + parameters, JSON only, shared safely by
processes, and never a reason for an analysis to fail."""

import json
import multiprocessing
import os
import sqlite3

import numpy as np
import pytest

from analysis import campaign, pipeline
from analysis.cache import ResultCache, cache_key, cached
from analysis.store import ResultsStore


def test_key_depends_on_content_parameters_and_kind_not_on_file_names():
    k = cache_key("fid_amplitude", {"fid": "aa", "procpar": "bb"}, {"lb_hz": 0.0})
    assert k == cache_key("fid_amplitude", {"fid.copy": "aa", "procpar": "bb"}, {"lb_hz": 0.0})
    assert k != cache_key("fid_amplitude", {"fid": "ab", "procpar": "bb"}, {"lb_hz": 0.0})
    assert k != cache_key("fid_amplitude", {"fid": "aa", "procpar": "bb"}, {"lb_hz": 1.0})
    assert k != cache_key("transport", {"fid": "aa", "procpar": "bb"}, {"lb_hz": 0.0})


def test_computes_once_then_hits_and_values_round_trip_as_json(tmp_path):
    c = ResultCache(tmp_path / "c.sqlite")
    calls = []

    def compute():
        calls.append(1)
        return {"snr": 12.5, "err": float("nan"), "notes": "ok", "rows": [1, 2]}

    a = c.get_or_compute("k", {"f": "00"}, {"p": 1}, compute)
    b = ResultCache(tmp_path / "c.sqlite").get_or_compute("k", {"f": "00"}, {"p": 1}, compute)
    assert len(calls) == 1 and c.misses == 1
    assert b["snr"] == 12.5 and np.isnan(b["err"]) and b["rows"] == [1, 2]
    assert a is not b  # every caller gets its own copy: sessions share no mutable object
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        c.get_or_compute("k", {"f": "01"}, {}, lambda: {"x": object()})


def test_inputs_without_digests_or_no_cache_are_computed_every_time(tmp_path):
    c = ResultCache(tmp_path / "c.sqlite")
    calls = []
    for cache in (c, c, None):
        assert cached(cache, "k", {}, {"p": 1}, lambda: calls.append(1) or 7) == 7
    assert len(calls) == 3 and c.count() == 0
    assert cached(c, "k", {"f": "00"}, {"p": 1}, lambda: calls.append(1) or 7) == 7
    assert cached(c, "k", {"f": "00"}, {"p": 1}, lambda: calls.append(1) or 7) == 7
    assert len(calls) == 4 and c.count() == 1


def test_a_failing_computation_is_not_remembered(tmp_path):
    c = ResultCache(tmp_path / "c.sqlite")
    with pytest.raises(ValueError):
        c.get_or_compute("k", {"f": "00"}, {}, lambda: (_ for _ in ()).throw(ValueError("x")))
    assert c.count() == 0
    assert c.get_or_compute("k", {"f": "00"}, {}, lambda: 3) == 3


def test_a_corrupt_or_unwritable_cache_only_costs_time(tmp_path):
    bad = tmp_path / "c.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    c = ResultCache(bad)
    assert c.get_or_compute("k", {"f": "00"}, {}, lambda: {"v": 1}) == {"v": 1}
    assert "result cache not used" in c.problem and str(bad) in c.problem
    assert bad.read_bytes().startswith(b"this is not")  # nothing overwritten
    if os.geteuid() != 0:  # root ignores permissions
        ro = tmp_path / "ro"
        ro.mkdir()
        os.chmod(ro, 0o500)
        try:
            c2 = ResultCache(ro / "sub" / "c.sqlite")
            assert c2.get_or_compute("k", {}, {}, lambda: 5) == 5 and c2.problem
        finally:
            os.chmod(ro, 0o700)


def _writer(path, start, n):
    c = ResultCache(path)
    for i in range(start, start + n):
        c.get_or_compute("k", {"f": f"{i % 40:04d}"}, {"i": i % 40}, lambda i=i: {"i": i % 40})


def test_processes_writing_at_once_leave_a_consistent_cache(tmp_path):
    path = tmp_path / "c.sqlite"
    ResultCache(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, k * 7, 60)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    c = ResultCache(path)
    assert c.count("k") == 40 and not c.problem
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for (text,) in con.execute("SELECT value_json FROM cache"):
            assert set(json.loads(text)) == {"i"}


def test_campaign_reuses_unchanged_files_and_refits_what_changed(tmp_path, example):
    camp = campaign.load(example)
    store = ResultsStore(tmp_path / "results.sqlite")
    cache = ResultCache.beside(store.path)
    assert cache.path == tmp_path / "cache.sqlite"
    first = pipeline.analyze_campaign(camp, store=store, cache=cache)
    n_files = len(first.nmr) + len({r["path"] for r in first.tc})
    assert cache.misses == n_files and cache.hits == 0
    again = pipeline.analyze_campaign(camp, store=store, cache=cache)
    assert cache.hits == n_files
    assert again.nmr == first.nmr and again.h_per_la == first.h_per_la
    assert [r["Tc_K"] for r in again.tc] == [r["Tc_K"] for r in first.tc]
    # new processing saved for one acquisition: only that one is fitted again
    acq = next(a for a in camp.acquisitions if a.kind == "fid")
    params = acq.default_processing().to_dict()
    params["p0_deg"] += 30.0
    store.save(acq.path, params, author="test")
    hits, misses = cache.hits, cache.misses
    pipeline.analyze_campaign(camp, store=store, cache=cache)
    assert cache.misses == misses + 1 and cache.hits == hits + n_files - 1
    # worker processes share it too (the cache goes to them as its path)
    par = pipeline.analyze_campaign(camp, store=store, cache=cache, workers=2)
    assert not par.errors and len(par.nmr) == len(first.nmr)
