"""Confinement that holds (issue 14 §2): every file a campaign makes the program open or
write — each reader's files, parameter files, delay lists, R(T) files, the manifest, the
results and cache databases — is checked against the campaign folder when it is opened
(:func:`analysis.files.confined`), through ``Campaign.read``/``scan``, the dashboard's
state objects and ``hpnmr campaign``. Refusals name the path, never the file's content.

An audit hook of this module records every open of a watched outside path together with
whether a confinement block refused it: ``_assert_never_read`` fails when one was opened
unconfined (what the base commit did).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from pathlib import Path

import pytest

from analysis import campaign, files, io
from analysis.cache import ResultCache
from analysis.dataset import ReaderError
from analysis.store import ResultsStore, StoreError, default_path
from dashboard.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"
REAL = ROOT.parent / "shared" / "realdata"
SECRET = "SECRET-7f3a9-do-not-show"
BRUKER_FID = EXAMPLE / "nmr" / "N2" / "day000" / "1H"
BRUKER_SER = EXAMPLE / "nmr" / "N2" / "day001" / "1H_satrec"
VARIAN = REAL / "ssnake" / "Tutorial" / "DataFiles" / "satrec2D.fid"
TECMAG = REAL / "dnplab" / "data" / "tnmr" / "T1.tnt"
JCAMP = REAL / "nmrium" / "public" / "data" / "t1" / "1H_t1_1s.dx"

# -- a recorder of opens of watched (outside) paths ----------------------------------------
_WATCH: list[str] = []
_SEEN: list[tuple[str, str, bool]] = []


def _recorder(event: str, args: tuple) -> None:
    if not _WATCH or event not in ("open", "sqlite3.connect", "os.mkdir") or not args:
        return
    target = args[0]
    if not isinstance(target, (str, bytes, os.PathLike)):
        return
    real = os.path.realpath(os.fsdecode(target))
    if any(real == w or real.startswith(w + os.sep) for w in _WATCH):
        roots = files.current_roots()
        refused = roots is not None and not any(
            real == str(r) or real.startswith(str(r) + os.sep) for r in roots)
        _SEEN.append((event, real, refused))


sys.addaudithook(_recorder)


@pytest.fixture
def outside(tmp_path):
    """A folder outside the campaign; opens of anything in it are recorded."""
    out = tmp_path / "outside"
    out.mkdir()
    _WATCH[:] = [os.path.realpath(out), "/etc/passwd"]
    _SEEN.clear()
    yield out
    _WATCH.clear()
    _SEEN.clear()


def _assert_never_read() -> None:
    unconfined = [(e, p) for e, p, refused in _SEEN if not refused]
    assert not unconfined, f"opened outside the campaign, unconfined: {unconfined}"


# -- campaign building ---------------------------------------------------------------------
def _campaign(tmp_path: Path, acqs: dict[str, Path], kind: str = "fid",
              transport: dict[str, Path] | None = None) -> Path:
    """A campaign folder with copies of ``acqs`` (relative path → source) and a manifest;
    ``transport``: cell id → folder of R(T) files copied to ``transport/<id>``."""
    root = tmp_path / "camp"
    root.mkdir()
    lines = ['[campaign]\nname = "confinement"\n']
    for rel, src in acqs.items():
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
        lines.append(f'[[acquisitions]]\npath = "{rel}"\ncell = "C1"\nday = 1\n'
                     f'kind = "{kind}"\n')
    for cell, src in (transport or {}).items():
        shutil.copytree(src, root / "transport" / cell)
        lines.append(f'[[transport_cells]]\nid = "{cell}"\n')
    (root / campaign.MANIFEST).write_text("\n".join(lines))
    return root


def _move_out(path: Path, outside: Path, content: str | None = None) -> Path:
    """Replace ``path`` by a symlink to a file outside (its old content, or ``content``)."""
    target = outside / f"{path.parent.name}_{path.name}"
    if content is None:
        shutil.move(path, target)
    else:
        path.unlink(missing_ok=True)
        target.write_text(content)
    path.symlink_to(target)
    _SEEN.clear()   # the set-up's own writes are not what is tested
    return target


def _cli_campaign(root: Path, tmp_path: Path, *extra: str) -> tuple[int, dict]:
    out = tmp_path / "out"
    code = main(["campaign", str(root), "--out", str(out), "--workers", "1", "--quiet",
                 "--json", *extra])
    return code, out


def _cli_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


# -- the files.confined mechanism ----------------------------------------------------------
def test_nested_blocks_confine_to_the_intersection(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "inner").mkdir(parents=True)
    b.mkdir()
    (a / "x").write_text("x")
    (a / "inner" / "y").write_text("y")
    with files.confined(a):
        with files.confined(a / "inner"):
            assert (a / "inner" / "y").read_text() == "y"
            with pytest.raises(files.ConfinementError):
                (a / "x").read_text()
        with files.confined(tmp_path):      # wider than the outer block: the outer holds
            with pytest.raises(files.ConfinementError):
                (tmp_path / "z").write_text("z")
            assert (a / "x").read_text() == "x"
        with files.confined(b):             # apart from the outer block: nothing passes
            with pytest.raises(files.ConfinementError):
                (a / "x").read_text()
            with pytest.raises(files.ConfinementError):
                (b / "w").write_text("w")
    assert not (b / "w").exists() and not (tmp_path / "z").exists()


def test_threads_do_not_inherit_a_block(tmp_path):
    """A block holds for the thread that entered it only: another session's thread (or a
    thread started inside the block) reads unconfined. (Passes on the base commit too: it
    guards the per-thread design, a global switch would confine every session.)"""
    inside, elsewhere = tmp_path / "in", tmp_path / "elsewhere.txt"
    inside.mkdir()
    elsewhere.write_text("ok")
    got = []
    with files.confined(inside):
        t = threading.Thread(target=lambda: got.append(elsewhere.read_text()))
        t.start()
        t.join()
        with pytest.raises(files.ConfinementError):
            elsewhere.read_text()
    assert got == ["ok"]


def test_lazy_import_inside_a_block_works_and_writes_its_bytecode(tmp_path, monkeypatch):
    """Python's import system may read modules and write ``__pycache__`` inside a block
    (PYTHONDONTWRITEBYTECODE is not set on a server); module source is readable (for
    tracebacks) but never writable through the exemption."""
    pkg = tmp_path / "site"
    pkg.mkdir()
    (pkg / "hpnmr_lazy_probe.py").write_text("VALUE = 42\n")
    camp = tmp_path / "camp"
    camp.mkdir()
    monkeypatch.syspath_prepend(str(pkg))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delitem(sys.modules, "hpnmr_lazy_probe", raising=False)
    with files.confined(camp):
        import hpnmr_lazy_probe

        assert hpnmr_lazy_probe.VALUE == 42
        import traceback

        try:
            raise RuntimeError("probe")
        except RuntimeError:
            assert "raise RuntimeError" in traceback.format_exc()  # source lines read
        with pytest.raises(files.ConfinementError):
            (pkg / "hpnmr_lazy_probe.py").write_text("VALUE = 0\n")
    assert list((pkg / "__pycache__").glob("hpnmr_lazy_probe.*.pyc"))
    assert (pkg / "hpnmr_lazy_probe.py").read_text() == "VALUE = 42\n"


# -- readers' files ------------------------------------------------------------------------
@pytest.mark.parametrize("src,name", [(BRUKER_FID, "fid"), (BRUKER_SER, "ser"),
                                      (BRUKER_FID, "acqus")])
def test_bruker_file_symlinked_out_is_refused(tmp_path, outside, capsys, src, name):
    root = _campaign(tmp_path, {"nmr/a": src})
    _move_out(root / "nmr" / "a" / name, outside)
    camp = campaign.load(root)
    with pytest.raises(files.ConfinementError, match="outside the campaign") as err:
        camp.read("nmr/a")
    assert err.value.path.endswith(f"nmr/a/{name}")
    [status] = camp.scan()
    assert not status.ok and "outside the campaign" in status.reason
    code, _ = _cli_campaign(root, tmp_path, "--no-store", "--no-cache")
    assert code == 0
    assert any("outside the campaign" in e for e in _cli_json(capsys)["errors"])
    _assert_never_read()


def test_bruker_pulseprogram_symlinked_out_is_not_opened(tmp_path, outside):
    """nmrglue reads ``pulseprogram`` itself and swallows every error: the data still
    read, the outside file is never opened."""
    root = _campaign(tmp_path, {"nmr/a": BRUKER_FID})
    _move_out(root / "nmr" / "a" / "pulseprogram", outside, content=f"# {SECRET}\nzg\n")
    ds = campaign.load(root).read("nmr/a")
    assert ds.points > 0
    assert SECRET not in json.dumps(ds.summary(), default=str)
    _assert_never_read()


def test_bruker_procs_symlinked_to_etc_passwd_is_refused(tmp_path, outside):
    root = _campaign(tmp_path, {"nmr/a": BRUKER_FID})
    procs = root / "nmr" / "a" / "pdata" / "1" / "procs"
    procs.parent.mkdir(parents=True)
    procs.symlink_to("/etc/passwd")
    camp = campaign.load(root)
    with pytest.raises(files.ConfinementError, match="outside the campaign") as err:
        camp.read("nmr/a")
    assert "procs" in str(err.value) and "root:" not in str(err.value)
    _assert_never_read()


def test_vdlist_symlinked_out_is_refused_without_quoting_it(tmp_path, outside, capsys):
    from dashboard.state import ProcessingState

    root = _campaign(tmp_path, {"nmr/a": BRUKER_SER}, kind="saturation-recovery")
    _move_out(root / "nmr" / "a" / "vdlist", outside, content=f"{SECRET}\n0.1\n0.2\n")
    camp = campaign.load(root)
    with pytest.raises(files.ConfinementError, match="outside the campaign") as err:
        camp.read("nmr/a")
    assert "vdlist" in str(err.value) and SECRET not in str(err.value)
    [status] = camp.scan()
    assert not status.ok and SECRET not in status.reason
    state = ProcessingState(root, store=ResultsStore(tmp_path / "r.sqlite"))
    assert "outside the campaign" in state.unreadable["nmr/a"]
    assert SECRET not in state.unreadable["nmr/a"] and SECRET not in state.status
    assert SECRET not in capsys.readouterr().err
    _assert_never_read()


@pytest.mark.parametrize("name", ["fid", "procpar"])
def test_varian_file_symlinked_out_is_refused(tmp_path, outside, name):
    if not VARIAN.is_dir():
        pytest.skip(f"{VARIAN} not found (real spectrometer files)")
    root = _campaign(tmp_path, {"nmr/v": VARIAN}, kind="saturation-recovery")
    _move_out(root / "nmr" / "v" / name, outside)
    camp = campaign.load(root)
    with pytest.raises(files.ConfinementError, match="outside the campaign"):
        camp.read("nmr/v")
    [status] = camp.scan()
    assert not status.ok and "outside the campaign" in status.reason
    _assert_never_read()


def _text_fid(path: Path) -> Path:
    path.write_text("time_s,real,imag\n" + "".join(
        f"{k * 1e-5},{0.99 ** k:.6f},0\n" for k in range(256)))
    return path


@pytest.mark.parametrize("fmt", ["tecmag", "jcamp", "text"])
def test_single_file_dataset_swapped_for_a_symlink_is_refused_when_opened(
        tmp_path, outside, monkeypatch, fmt):
    """A one-file acquisition symlinked out is refused; so is one replaced by a symlink
    after the path was checked and before the reader opens it (checked at the open)."""
    src = {"tecmag": TECMAG, "jcamp": JCAMP, "text": None}[fmt]
    if src is not None and not src.is_file():
        pytest.skip(f"{src} not found (real spectrometer files)")
    if src is None:
        src = _text_fid(tmp_path / "fid.csv")
    rel = f"nmr/{src.name}"
    root = _campaign(tmp_path, {rel: src})
    camp = campaign.load(root)
    assert camp.read(rel).points > 0
    real_detect = io.detect
    dataset = root / rel

    def swap_then_detect(path):
        if Path(path) == dataset and not dataset.is_symlink():
            _move_out(dataset, outside)
        return real_detect(path)

    monkeypatch.setattr(io, "detect", swap_then_detect)
    with pytest.raises(files.ConfinementError, match="outside the campaign"):
        camp.read(rel)
    with pytest.raises(files.ConfinementError, match="outside the campaign"):
        camp.read(rel)                      # now plainly symlinked out
    _assert_never_read()


def test_rt_file_symlinked_out_is_refused_on_the_transport_page(tmp_path, outside, capsys,
                                                                 monkeypatch):
    from analysis import transport
    from dashboard.state import TransportState

    root = _campaign(tmp_path, {}, transport={"T1": EXAMPLE / "transport" / "T1"})
    _move_out(root / "transport" / "T1" / "day01.csv", outside)
    state = TransportState(root)
    days = [c["day"] for c in state.curves()]
    assert 1.0 not in days and 0.0 in days
    assert "day01.csv" in state.message and "outside the campaign" in state.message
    code, _ = _cli_campaign(root, tmp_path, "--no-store", "--no-cache")
    assert code == 0
    assert any("day01.csv" in e and "outside the campaign" in e
               for e in _cli_json(capsys)["errors"])
    _assert_never_read()
    # an R(T) file replaced by a symlink after its path was checked: refused at the open
    real_read_rt = transport.read_rt
    victim = root / "transport" / "T1" / "day02.csv"

    def swap_then_read(path):
        if Path(path).name == victim.name and not victim.is_symlink():
            _move_out(victim, outside)
        return real_read_rt(path)

    monkeypatch.setattr(transport, "read_rt", swap_then_read)
    state = TransportState(root)
    assert 2.0 not in [c["day"] for c in state.curves()]
    assert "day02.csv" in state.message and "outside the campaign" in state.message
    _assert_never_read()


def test_transport_folder_symlinked_out_is_refused(tmp_path, outside, capsys):
    root = _campaign(tmp_path, {"nmr/a": BRUKER_FID},
                     transport={"T1": EXAMPLE / "transport" / "T1"})
    folder = root / "transport" / "T1"
    shutil.move(folder, outside / "T1")
    folder.symlink_to(outside / "T1")
    camp = campaign.load(root)
    with pytest.raises(files.ConfinementError, match="outside the campaign") as err:
        camp.transport_curves()
    assert isinstance(err.value, campaign.CampaignError)
    code, _ = _cli_campaign(root, tmp_path, "--no-store", "--no-cache")
    assert code == 0                        # the NMR part is analysed; the folder refused
    summary = _cli_json(capsys)
    assert summary["acquisitions"] == 1
    assert any("transport/T1" in e and "outside the campaign" in e for e in summary["errors"])
    _assert_never_read()


def test_manifest_symlinked_out_is_refused(tmp_path, outside, capsys):
    from dashboard.state import CampaignState

    root = _campaign(tmp_path, {"nmr/a": BRUKER_FID})
    _move_out(root / campaign.MANIFEST, outside, content=f'[campaign]\nname = "{SECRET}"\n')
    with pytest.raises(campaign.CampaignError, match="outside the campaign") as err:
        campaign.load(root)
    assert isinstance(err.value, files.ConfinementError) and SECRET not in str(err.value)
    state = CampaignState(root)
    assert state.campaign is None and "outside the campaign" in state.error
    code, _ = _cli_campaign(root, tmp_path, "--no-store", "--no-cache")
    assert code == 2 and SECRET not in capsys.readouterr().err
    _assert_never_read()


# -- the stores ----------------------------------------------------------------------------
def _processing_state_without_store(cls, root: Path) -> None:
    """The Processing page's state on a campaign whose default store is refused: a
    StoreError saying why (or, should the page open without a store, no store)."""
    try:
        state = cls(root)
    except StoreError as exc:
        assert "outside the campaign" in str(exc)
    else:
        assert state.store is None


def test_hpnmr_folder_symlinked_out_nothing_is_created_there(tmp_path, outside, capsys,
                                                            monkeypatch):
    from dashboard.state import EvolutionState, ProcessingState

    monkeypatch.delenv("HPNMR_STORE", raising=False)
    root = _campaign(tmp_path, {"nmr/a": BRUKER_FID})
    (root / ".hpnmr").symlink_to(outside, target_is_directory=True)
    _processing_state_without_store(ProcessingState, root)
    assert list(outside.iterdir()) == []
    evo = EvolutionState(root)
    assert evo.store is None and "outside the campaign" in evo.message
    assert list(outside.iterdir()) == []
    code, _ = _cli_campaign(root, tmp_path)
    assert code == 0
    err = capsys.readouterr().err
    assert "results not kept" in err and "outside the campaign" in err
    assert list(outside.iterdir()) == []
    with pytest.raises(StoreError, match="outside the campaign"):
        ResultsStore(default_path(root), root=root)
    cache = ResultCache.beside(default_path(root), root=root)
    assert "outside the campaign" in cache.problem
    assert list(outside.iterdir()) == []
    _assert_never_read()
    # an administrator's $HPNMR_STORE is trusted wherever it is
    monkeypatch.setenv("HPNMR_STORE", str(tmp_path / "admin" / "results.sqlite"))
    ProcessingState(root)
    assert (tmp_path / "admin" / "results.sqlite").is_file()


@pytest.mark.parametrize("name", ["results.sqlite", "results.sqlite-wal", "cache.sqlite"])
def test_store_file_symlinked_out_is_refused(tmp_path, outside, capsys, monkeypatch, name):
    from dashboard.state import ProcessingState

    monkeypatch.delenv("HPNMR_STORE", raising=False)
    root = _campaign(tmp_path, {"nmr/a": BRUKER_FID})
    (root / ".hpnmr").mkdir()
    target = outside / name
    (root / ".hpnmr" / name).symlink_to(target)   # dangling: SQLite would create it
    code, _ = _cli_campaign(root, tmp_path)
    assert code == 0
    assert not target.exists() and list(outside.iterdir()) == []
    assert "outside the campaign" in capsys.readouterr().err
    if name.startswith("results"):
        _processing_state_without_store(ProcessingState, root)
        with pytest.raises(StoreError, match="outside the campaign"):
            ResultsStore(default_path(root), root=root)
    else:
        cache = ResultCache.beside(default_path(root), root=root)
        assert "outside the campaign" in cache.problem
        cache.put("k", "kind", 1)
        assert cache.get("k") is None
    assert not target.exists() and list(outside.iterdir()) == []
    _assert_never_read()


def test_store_swapped_for_a_symlink_while_open_is_refused(tmp_path, outside):
    """Each connection is checked: a database replaced by a symlink after the store was
    opened is refused at the next use, not written through."""
    root = tmp_path / "camp"
    root.mkdir()
    store = ResultsStore(default_path(root), root=root)
    store.save("acq", {"p0_deg": 1.0})
    db = default_path(root)
    for side in db.parent.glob("results.sqlite*"):
        shutil.move(side, outside / side.name)
    db.symlink_to(outside / db.name)
    with pytest.raises(StoreError, match="outside the campaign"):
        store.save("acq", {"p0_deg": 2.0})
    with pytest.raises(StoreError, match="outside the campaign"):
        store.history()
    _assert_never_read()


def test_reader_error_is_the_base_of_a_refusal():
    """Callers that catch ReaderError or CampaignError both see a refused campaign path."""
    camp = campaign.load(EXAMPLE)
    with pytest.raises(ReaderError, match="outside the campaign"):
        camp.resolve("../../etc/passwd")
    with pytest.raises(campaign.CampaignError, match="outside the campaign"):
        camp.read_rt("/etc/passwd")


def test_a_sqlite_uri_is_checked_by_its_path(tmp_path):
    """Read-only stores connect by URI (``file:…?mode=ro``): the path inside it is what
    the hook checks, inside the root and out."""
    import sqlite3

    root, outside = tmp_path / "camp", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    for folder in (root, outside):
        sqlite3.connect(folder / "db.sqlite").close()
    with files.confined(root):
        sqlite3.connect(f"{(root / 'db.sqlite').as_uri()}?mode=ro", uri=True).close()
        with pytest.raises(files.ConfinementError):
            sqlite3.connect(f"{(outside / 'db.sqlite').as_uri()}?mode=ro", uri=True)
