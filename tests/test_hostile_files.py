"""Hostile and broken files from the red-team pass (issue 14 §3): each gives a typed
ReaderError in < 20 s and < 1.5 GB.

Every case is read in a child interpreter with ``RLIMIT_AS`` = 1.5 GB and a 20 s timeout
(:mod:`sandbox`), so a regression fails here instead of freezing the machine. A refusal
must come from the reader itself, not from the last-resort ``except`` in ``io.read``
(which turns a MemoryError into a ReaderError only after the damage is done).
"""

from __future__ import annotations

import struct
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from sandbox import MEMORY_BYTES, Worker

from analysis.io import bruker

TIME_S = 20.0

JCAMP_HEAD = ("##TITLE=hostile\n##JCAMP-DX=5.01\n##DATA TYPE=NMR SPECTRUM\n"
              "##.OBSERVE FREQUENCY=400.13\n##.OBSERVE NUCLEUS=^1H\n##XUNITS=HZ\n"
              "##YUNITS=ARBITRARY UNITS\n##FIRSTX=0\n##LASTX=4000\n##NPOINTS=8\n"
              "##YFACTOR=1\n##XYDATA=(X++(Y..Y))\n")

PROCPAR = """sw 1 1 1e+18 0 0 2 1 0 1 64
1 100000
0
sfrq 1 1 1e+18 0 0 2 1 0 1 64
1 400.13
0
np 7 1 1e+18 0 0 2 1 0 1 64
1 64
0
tn 2 2 8 0 0 2 1 0 1 64
1 "H1"
0
array 2 2 8 0 0 2 1 0 1 64
1 ""
0
"""


def _read(path: Path, reader: str = "nmr", env: dict | None = None) -> dict:
    with Worker(MEMORY_BYTES, env=env) as w:
        t0 = time.perf_counter()
        answer = w.read(path, reader, timeout_s=TIME_S)
        answer["wall"] = time.perf_counter() - t0
    return answer


def _refused(answer: dict, name: str, *words: str) -> None:
    assert answer["outcome"] == "typed", answer
    assert answer["seconds"] < TIME_S and answer["rss_kb"] * 1024 < MEMORY_BYTES, answer
    assert name in answer["message"], answer
    for w in words:
        assert w in answer["message"].lower(), answer


# -- JCAMP: DUP counts --------------------------------------------------------------------

@pytest.mark.parametrize("data, label", [
    ("0 A1s99999999\n", "DUP 1e9"),
    ("0 A1J0s99999999\n", "DIF+DUP 1e9"),
    ("0 A1s999999999\n", "DUP 1e10"),
    ("0 A1J0s999999999\n", "DIF+DUP 1e10"),
    ("0 A1J0s9999999\n", "DIF+DUP 1e7, under the points limit but not NPOINTS = 8"),
], ids=["dup-1e9", "dif-dup-1e9", "dup-1e10", "dif-dup-1e10", "dif-dup-1e7"])
def test_jcamp_dup_bomb(tmp_path, data, label):
    p = tmp_path / "bomb.dx"
    p.write_text(JCAMP_HEAD + data + "##END=\n")
    assert p.stat().st_size < 300
    _refused(_read(p), "bomb.dx", "dup")


def test_jcamp_dup_bomb_under_the_points_limit_stays_small(tmp_path):
    """NPOINTS and DUP agree on 10⁷ values — under the 64 Mi points ceiling, but nmrglue
    would hold them as ≈ 30 B Python floats (> 1.5 GB with the decoding copies): JCAMP-DX
    tables are capped at an eighth of the points ceiling."""
    p = tmp_path / "agreeing.dx"
    p.write_text(JCAMP_HEAD.replace("##NPOINTS=8", "##NPOINTS=10000000")
                 + "0 A1J0s9999999\n##END=\n")
    _refused(_read(p), "agreeing.dx", "8,388,608")


def test_jcamp_absurd_npoints(tmp_path):
    p = tmp_path / "npoints.dx"
    p.write_text(JCAMP_HEAD.replace("##NPOINTS=8", "##NPOINTS=99999999999")
                 + "0 1 2 3 4 5 6 7 8\n##END=\n")
    _refused(_read(p), "npoints.dx", "npoints")


# -- Varian --------------------------------------------------------------------------------

def _varian(folder: Path, nblocks: int, size: int, np_: int = 64) -> Path:
    folder.mkdir()
    (folder / "procpar").write_text(PROCPAR)
    # file header: nblocks, ntraces, np, ebytes, tbytes, bbytes, vers_id, status, nbheaders
    head = struct.pack(">6lhhl", nblocks, 1, np_, 4, 4 * np_, 4 * np_ + 28, 0, 0x45, 1)
    (folder / "fid").write_bytes(head + bytes(max(0, size - len(head))))
    return folder


def test_varian_billion_block_headers(tmp_path):
    folder = _varian(tmp_path / "blocks.fid", 10**9, 30_000)
    _refused(_read(folder), "blocks.fid", "block")


def test_varian_empty_fid(tmp_path):
    folder = _varian(tmp_path / "running.fid", 0, 0)
    (folder / "fid").write_bytes(b"")
    _refused(_read(folder), "running.fid", "empty", "still be running")


def test_varian_truncated_header(tmp_path):
    folder = _varian(tmp_path / "cut.fid", 1, 0)
    (folder / "fid").write_bytes((folder / "fid").read_bytes()[:20])
    _refused(_read(folder), "cut.fid", "header")


def test_varian_empty_fid_in_cli(tmp_path):
    """``hpnmr info`` on an acquisition still running: one message, no traceback, exit 2."""
    import sys

    folder = _varian(tmp_path / "running.fid", 0, 0)
    (folder / "fid").write_bytes(b"")
    cli = subprocess.run([sys.executable, "-c",
                          "import sys; from dashboard.cli import main; "
                          f"sys.exit(main(['info', {str(folder)!r}]))"],
                         capture_output=True, text=True, cwd=Path(__file__).parents[1],
                         timeout=60)
    assert "Traceback" not in cli.stderr, cli.stderr
    assert cli.returncode == 2 and "running.fid" in cli.stderr, cli.stderr


# -- Bruker -------------------------------------------------------------------------------

def _bruker_folder(tmp_path: Path, name: str, td: int, size: int) -> Path:
    folder = bruker.write(tmp_path / name, np.ones((1, 16)), nucleus="1H",
                          carrier_hz=400e6, reference_hz=400e6, spectral_width_hz=1e5)
    acqus = folder / "acqus"
    acqus.write_text(acqus.read_text().replace("##$TD= 32", f"##$TD= {td}"))
    fid = folder / "fid"
    fid.write_bytes(b"")
    subprocess.run(["truncate", "-s", str(size), str(fid)], check=True)
    return folder


def test_bruker_sparse_2gib(tmp_path):
    folder = _bruker_folder(tmp_path, "huge", 2**29, 2**31)
    _refused(_read(folder), "huge", "limit")


def test_bruker_td_beyond_limit(tmp_path):
    """A file under the size ceiling whose TD is above the points ceiling."""
    folder = _bruker_folder(tmp_path, "td", 2**22, 2**24)
    _refused(_read(folder, env={"HPNMR_MAX_POINTS": str(2**20)}), "td", "limit")


def test_bruker_rows_beyond_file(tmp_path):
    """acqu2s declaring 10⁹ rows for a two-row ser."""
    folder = bruker.write(tmp_path / "rows", np.ones((2, 16)), nucleus="1H", carrier_hz=400e6,
                          reference_hz=400e6, spectral_width_hz=1e5, vdlist=[0.1, 0.2])
    acqu2s = folder / "acqu2s"
    acqu2s.write_text(acqu2s.read_text().replace("##$TD= 2", "##$TD= 1000000000"))
    _refused(_read(folder), "rows", "acqu2s", "1,000,000,000 rows")


@pytest.mark.parametrize("line", ["##$PLW= (0..63)0 0.0 0.0 0.0", "##$PLW= x<y"],
                         ids=["array-values-on-its-line", "string-in-mid-value"])
def test_bruker_parameter_lines_that_hang_nmrglue(tmp_path, line):
    """Found by ``make fuzz``: an array declaration followed by values on its own line, and
    a "<" in mid-value, send nmrglue's JCAMP parser reading past the end of the file for
    ever (it counts values after ")" and reads lines until it has N + 1, or until a ">")."""
    folder = bruker.write(tmp_path / "params", np.ones((1, 16)), nucleus="1H",
                          carrier_hz=400e6, reference_hz=400e6, spectral_width_hz=1e5)
    acqus = folder / "acqus"
    acqus.write_text(acqus.read_text().replace("##END=", line + "\n##END="))
    _refused(_read(folder), "params", "acqus")


def test_bruker_empty_fid(tmp_path):
    folder = _bruker_folder(tmp_path, "running", 32, 0)
    _refused(_read(folder), "running", "empty", "still be running")


# -- text / CSV and R(T) ---------------------------------------------------------------------

def _big_csv(path: Path, rows: int, header: str = "time,signal") -> Path:
    """``rows`` evenly spaced rows ``i+1, i mod 97`` (≈ 1 s per 10⁶ rows to write)."""
    with open(path, "w") as fh:
        fh.write(header + "\n")
        for start in range(0, rows, 10**6):
            fh.write("\n".join(f"{i + 1},{i % 97}"
                               for i in range(start, min(rows, start + 10**6))) + "\n")
    return path


@pytest.mark.slow
def test_csv_ten_million_rows(tmp_path):
    answer = _read(_big_csv(tmp_path / "rows.csv", 10**7))
    assert answer["outcome"] in ("dataset", "typed"), answer
    assert answer["seconds"] < TIME_S and answer["rss_kb"] * 1024 < MEMORY_BYTES, answer


@pytest.mark.slow
def test_rt_ten_million_rows(tmp_path):
    answer = _read(_big_csv(tmp_path / "rt.csv", 10**7, "T (K),R (Ohm)"), "rt")
    assert answer["outcome"] in ("dataset", "typed"), answer
    assert answer["seconds"] < TIME_S and answer["rss_kb"] * 1024 < MEMORY_BYTES, answer


@pytest.mark.parametrize("reader", ["nmr", "rt"])
def test_rows_beyond_limit(tmp_path, reader):
    """Refused from a count of lines, before anything is parsed."""
    p = _big_csv(tmp_path / "rows.csv", 2 * 10**6, "T (K),R (Ohm)")
    answer = _read(p, reader, env={"HPNMR_MAX_POINTS": str(10**6)})
    _refused(answer, "rows.csv", "limit")
    assert answer["seconds"] < 2.0, answer


def test_one_million_rows_quickly(tmp_path):
    """The default-suite stand-in for the 10⁷-row case: 10⁶ rows in < 4 s each."""
    p = _big_csv(tmp_path / "rows.csv", 10**6, "T (K),R (Ohm)")
    for reader in ("nmr", "rt"):
        answer = _read(p, reader)
        assert answer["outcome"] == "dataset", answer
        assert answer["seconds"] < 4.0 and answer["rss_kb"] * 1024 < 2**29, answer


# -- empty files of every format --------------------------------------------------------------

EMPTY = ["x.tnt", "x.dx", "x.csv", "x.sig", "x.fid"]


def test_empty_files_every_format(tmp_path):
    cases: list[tuple[Path, str]] = []
    for name in EMPTY:
        p = tmp_path / name
        p.write_bytes(b"")
        cases.append((p, "nmr"))
    rt = tmp_path / "rt_empty.dat"
    rt.write_bytes(b"")
    cases.append((rt, "rt"))
    bru = _bruker_folder(tmp_path, "bru", 32, 0)
    (bru / "acqus").write_bytes(b"")
    cases.append((bru, "nmr"))
    var = _varian(tmp_path / "var.fid", 1, 4 * 64 + 60)
    (var / "procpar").write_bytes(b"")
    cases.append((var, "nmr"))
    with Worker() as w:
        for path, reader in cases:
            answer = w.read(path, reader, timeout_s=TIME_S)
            assert answer["outcome"] == "typed", (path, answer)
            assert path.name in answer["message"], (path, answer)
            problem = answer["message"].replace(str(path), "")
            assert "empty" in problem.lower(), (path, answer)


# -- files the server itself opens (red-team pass after issue 14) --------------------------

def _fifo_campaign(tmp_path: Path) -> Path:
    import os

    root = tmp_path / "camp"
    (root / "transport" / "T1").mkdir(parents=True)
    (root / "campaign.toml").write_text(
        '[campaign]\nname = "fifo"\n[[transport_cells]]\nid = "T1"\n'
        'folder = "transport/T1"\n', encoding="utf-8")
    os.mkfifo(root / "transport" / "T1" / "day1.csv")
    return root


def _within(seconds: float, fn):
    """``fn()``'s outcome (value or exception) if it ends within ``seconds``; else fail
    (a thread stuck in ``open`` of a FIFO is released by opening its other end)."""
    import threading

    out: dict = {}

    def go():
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed to the test
            out["error"] = exc

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(seconds)
    return t.is_alive(), out


def test_a_fifo_in_a_transport_folder_is_refused_by_the_hashes(tmp_path):
    """The export sidecar hashes every R(T) file: a FIFO made the server thread wait for a
    writer forever (four exports: every Panel thread stuck)."""
    import os

    from analysis import campaign
    from analysis.dataset import ReaderError

    root = _fifo_campaign(tmp_path)
    camp = campaign.load(root)
    fifo = root / "transport" / "T1" / "day1.csv"
    assert [c.path for c in camp.transport_curves()] == ["transport/T1/day1.csv"]
    stuck, out = _within(5.0, lambda: camp.file_sha256("transport/T1/day1.csv"))
    if stuck:  # release the thread before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert not stuck, "hashing a FIFO blocked"
    assert isinstance(out.get("error"), ReaderError), out
    assert "not a regular file" in str(out["error"])
