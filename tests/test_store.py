"""Results store: append-only, atomic, concurrent-safe, restorable, exportable."""

import json
import multiprocessing as mp
import sqlite3

import pytest

from analysis.processing import ProcessingParams
from analysis.store import ResultsStore, StoreError


def test_save_latest_history_restore(tmp_path):
    st = ResultsStore(tmp_path / "r.sqlite")
    p1 = ProcessingParams(p0_deg=10).to_dict()
    p2 = ProcessingParams(p0_deg=20).to_dict()
    v1 = st.save("nmr/N1/day000/1H", p1, {"shift_ppm": {"value": 10.0}}, author="ana")
    v2 = st.save("nmr/N1/day000/1H", p2, author="ben")
    assert st.latest("nmr/N1/day000/1H").id == v2.id
    assert ProcessingParams.from_dict(st.latest("nmr/N1/day000/1H").params).p0_deg == 20
    v3 = st.restore(v1.id, author="ana")
    assert v3.params == p1 and v3.restored_from == v1.id
    assert [v.id for v in st.history("nmr/N1/day000/1H")] == [v1.id, v2.id, v3.id]
    assert st.latest("nmr/N1/day000/1H").author == "ana"
    assert st.latest("other") is None
    data = json.loads(st.export_json(tmp_path / "h.json"))
    assert len(data["versions"]) == 3 and (tmp_path / "h.json").is_file()


def test_history_is_append_only(tmp_path):
    st = ResultsStore(tmp_path / "r.sqlite")
    st.save("a", {"p0_deg": 1})
    con = sqlite3.connect(st.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE versions SET author = 'mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM versions")
    con.close()


def test_wal_mode(tmp_path):
    st = ResultsStore(tmp_path / "r.sqlite")
    con = sqlite3.connect(st.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_failed_save_changes_nothing(tmp_path):
    st = ResultsStore(tmp_path / "r.sqlite")
    st.save("a", {"x": 1})
    with pytest.raises(StoreError):
        st.save("a", {"x": float("nan")})  # not valid JSON: refused before writing
    assert len(st.history("a")) == 1


def _saver(path, worker, n, barrier):
    st = ResultsStore(path)
    barrier.wait()
    for i in range(n):
        st.save("nmr/N2/day001/1H", {"p0_deg": float(i), "worker": worker},
                author=f"w{worker}")


def test_concurrent_processes_lose_nothing(tmp_path):
    path = tmp_path / "r.sqlite"
    ResultsStore(path)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_saver, args=(path, w, 25, barrier)) for w in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    hist = ResultsStore(path).history("nmr/N2/day001/1H")
    assert len(hist) == 50
    assert sorted(v.author for v in hist).count("w1") == 25


def test_unusable_location(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open"):
        ResultsStore(blocker / "sub" / "r.sqlite")
