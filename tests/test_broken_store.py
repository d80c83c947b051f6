"""A damaged or read-only results database (issue 14 §4): the Processing page opens with the
raw files and a one-line notice, saving is off with the reason, nothing is written over a
damaged database, and the "Shown: version …" line never carries over to another
acquisition."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from analysis import store as store_mod
from analysis.cache import ResultCache
from analysis.store import ResultsStore, StoreError
from dashboard.state import STORE_ENV, ProcessingState

GARBAGE = b"this is not an SQLite database \x00\xff" * 200
A, B = "nmr/N2/day001/1H", "nmr/N2/day001/139La"


@pytest.fixture
def camp(example, tmp_path):
    root = tmp_path / "camp"
    shutil.copytree(example / "nmr" / "N2" / "day001", root / "nmr" / "N2" / "day001")
    (root / "campaign.toml").write_text(
        '[campaign]\nname = "two"\n\n'
        f'[[acquisitions]]\npath = "{A}"\ncell = "N2"\nday = 1\nnucleus = "1H"\n\n'
        f'[[acquisitions]]\npath = "{B}"\ncell = "N2"\nday = 1\nnucleus = "139La"\n')
    return root


def _listing(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _one_line(text: str) -> bool:
    return bool(text) and "\n" not in text and "Traceback" not in text


def test_a_damaged_database_is_refused_and_left_as_it_is(tmp_path):
    db = tmp_path / ".hpnmr" / "results.sqlite"
    db.parent.mkdir()
    db.write_bytes(GARBAGE)
    before = _listing(db.parent)
    with pytest.raises(StoreError, match="the results database is damaged"):
        ResultsStore(db)
    assert _listing(db.parent) == before


def test_a_database_damaged_behind_a_valid_header_is_refused_unwritten(tmp_path):
    db = tmp_path / "results.sqlite"
    s = ResultsStore(db)
    for i in range(300):  # several pages of versions
        s.save(f"acq{i}", {"p0_deg": float(i), "pad": "x" * 200}, author="t")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[2 * page: 2 * page + 64] = b"\xa5" * 64  # scribble over the second page
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="the results database is damaged"):
        ResultsStore(db)
    assert db.read_bytes() == bytes(data)


def test_a_damaged_store_opens_the_raw_files_with_a_notice(camp, monkeypatch):
    db = camp / ".hpnmr" / "results.sqlite"
    db.parent.mkdir()
    db.write_bytes(GARBAGE)
    db.with_name("cache.sqlite").write_bytes(GARBAGE)
    before = _listing(db.parent)
    cache = ResultCache.beside(db)  # only a cache: used as if empty, never rewritten
    assert cache.problem
    assert cache.get_or_compute("k", {"f": "0" * 64}, {}, lambda: 3) == 3
    st = ProcessingState(camp)
    assert st.dataset is not None and st.acquisition == A
    assert _one_line(st.store_notice) and "damaged" in st.store_notice
    assert not st.can_save and st.saved == ""
    assert st.history_rows() == []
    assert st.save("me") is None and st.status.startswith("save failed")
    st.acquisition = B
    assert st.dataset is not None and st.saved == ""
    assert _listing(db.parent) == before


def test_a_store_that_cannot_be_created_does_not_stop_the_page(camp, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv(STORE_ENV, str(blocker / "results.sqlite"))  # its folder is a file
    st = ProcessingState(camp)
    assert st.dataset is not None and _one_line(st.store_notice) and not st.can_save


def _saved_version(camp) -> ResultsStore:
    s = ResultsStore(camp / ".hpnmr" / "results.sqlite")
    s.save(A, {"p0_deg": 12.5, "lb_hz": 3.0}, author="alice")
    return s


def _writes_refused(monkeypatch):
    """A read-only campaign, as root cannot make one with chmod: SQLite refuses every
    connection that may write (read-only URI connections still work)."""
    real = sqlite3.connect

    def connect(database, *args, **kwargs):
        if not kwargs.get("uri"):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real(database, *args, **kwargs)

    monkeypatch.setattr(store_mod.sqlite3, "connect", connect)


def test_a_read_only_store_shows_saved_processing_and_refuses_to_save(camp, monkeypatch):
    _saved_version(camp)
    _writes_refused(monkeypatch)
    s = ResultsStore(camp / ".hpnmr" / "results.sqlite")
    assert s.read_only and "readonly" in s.problem
    assert [v.author for v in s.history(A)] == ["alice"]
    with pytest.raises(StoreError, match="saving is off"):
        s.save(A, {})
    st = ProcessingState(camp)
    assert st.saved.startswith("version #1 saved by alice") and st.p0 == 12.5
    assert _one_line(st.store_notice) and st.store_notice.startswith("Read-only campaign")
    assert not st.can_save and [r["by"] for r in st.history_rows()] == ["alice"]
    assert st.save("bob") is None and st.status.startswith("save failed")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway "
                    "(the test above simulates it)")
def test_a_read_only_campaign_folder(camp):
    _saved_version(camp)
    hp = camp / ".hpnmr"
    for p in (hp / "results.sqlite", hp, camp):
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        st = ProcessingState(camp)
        assert st.saved.startswith("version #1 saved by alice")
        assert not st.can_save and _one_line(st.store_notice)
    finally:
        for p in (camp, hp, hp / "results.sqlite"):
            p.chmod(0o755 if p.is_dir() else 0o644)


def test_a_store_broken_while_serving_clears_the_shown_line(camp):
    _saved_version(camp)
    st = ProcessingState(camp)
    assert st.acquisition == A and st.saved.startswith("version #1 saved by alice")
    db = camp / ".hpnmr" / "results.sqlite"
    for extra in ("-wal", "-shm"):
        db.with_name(db.name + extra).unlink(missing_ok=True)
    db.write_bytes(GARBAGE)
    st.acquisition = B  # another acquisition: no saved line may carry over
    assert st.dataset is not None and st.saved == ""
    assert _one_line(st.store_notice) and not st.can_save
    st.acquisition = A
    assert st.saved == "" and st.history_rows() == []
    assert db.read_bytes() == GARBAGE
