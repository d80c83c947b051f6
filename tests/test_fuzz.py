"""Fuzzing every reader: mutated and truncated versions of real and synthetic files raise
only the typed ReaderError (or read), each within a time cap.

The default suite runs a few hundred cases; ``make fuzz`` (``-m slow``) runs 10 000 per
reader. Mutations (seeded): truncation, byte flips, random insertions and deletions, a
duplicated chunk, a zeroed block, a text line rewritten with extreme numbers.
"""

import os
import shutil
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from analysis import io, transport
from analysis.dataset import ReaderError

CAP_S = 3.0  # per file
SMOKE = int(os.environ.get("HPNMR_FUZZ_SMOKE", "40"))
FULL = int(os.environ.get("HPNMR_FUZZ_FULL", "10000"))
ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "realdata"

# (name, source, file to mutate inside a folder or None, reader)
CASES = [
    ("bruker-ser", ROOT / "data/example/nmr/N2/day001/1H_satrec", "ser", "nmr"),
    ("bruker-acqus", ROOT / "data/example/nmr/N2/day001/1H_satrec", "acqus", "nmr"),
    ("bruker-vdlist", ROOT / "data/example/nmr/N2/day001/1H_satrec", "vdlist", "nmr"),
    ("bruker-fid", ROOT / "data/example/nmr/N2/day000/1H", "fid", "nmr"),
    ("rt-csv", ROOT / "data/example/transport/T1/day00.csv", None, "rt"),
    ("tecmag", REAL / "dnplab/data/tnmr/T1.tnt", None, "nmr"),
    ("varian-fid", REAL / "ssnake/Tutorial/DataFiles/satrec2D.fid", "fid", "nmr"),
    ("varian-procpar", REAL / "ssnake/Tutorial/DataFiles/satrec2D.fid", "procpar", "nmr"),
    ("jcamp", REAL / "nmrium/public/data/t1/1H_t1_1s.dx", None, "nmr"),
    ("nmrpipe", REAL / "nmr_datafiles/nmrpipe/1Dspectrumreal/test.fid", None, "nmr"),
    ("minispec", REAL / "nmr_datafiles/Minispec/Complex/T1Data1.sig", None, "nmr"),
    ("rt-raw", next(iter(sorted((REAL / "vextract/data/source_data").glob("*"))), REAL),
     None, "rt"),
]


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    b = bytearray(data)
    kind = int(rng.integers(0, 7))
    n = len(b)
    if n == 0:
        return bytes(rng.integers(0, 256, int(rng.integers(0, 64)), dtype=np.uint8))
    if kind == 0:  # truncate
        return bytes(b[: int(rng.integers(0, n))])
    if kind == 1:  # flip bytes
        for i in rng.integers(0, n, int(rng.integers(1, 16))):
            b[i] = int(rng.integers(0, 256))
        return bytes(b)
    if kind == 2:  # insert random bytes
        i = int(rng.integers(0, n))
        return bytes(b[:i] + bytes(rng.integers(0, 256, int(rng.integers(1, 64)),
                                                dtype=np.uint8)) + b[i:])
    if kind == 3:  # delete a chunk
        i = int(rng.integers(0, n))
        return bytes(b[:i] + b[i + int(rng.integers(1, max(2, n // 10))):])
    if kind == 4:  # duplicate a chunk
        i = int(rng.integers(0, n))
        return bytes(b[:i] + b[i:i + 256] * int(rng.integers(2, 5)) + b[i:])
    if kind == 5:  # zero a block
        i = int(rng.integers(0, n))
        b[i:i + int(rng.integers(1, 512))] = bytes(min(n - i, 512))
        return bytes(b)
    # rewrite a number in a text line with an extreme value
    text = bytes(b).decode("latin-1")
    lines = text.split("\n")
    j = int(rng.integers(0, len(lines)))
    extreme = ["1e308", "-1", "0", "nan", "inf", "99999999999", "-0", "1e-320", ""]
    words = lines[j].split(" ")
    words[int(rng.integers(0, len(words)))] = extreme[int(rng.integers(0, len(extreme)))]
    lines[j] = " ".join(words)
    return "\n".join(lines).encode("latin-1")


def _run(name, source, inner, reader, count, tmp_path):
    if not source.exists():
        pytest.skip(f"{source} not found (real files sit in ../shared/realdata)")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    work = tmp_path / name
    if source.is_dir():
        shutil.copytree(source, work)
        target, original = work / inner, (source / inner).read_bytes()
        path = work
    else:
        work.mkdir()
        target = work / source.name
        original, path = source.read_bytes(), target
    read = io.read if reader == "nmr" else transport.read_rt
    outcomes = {"read": 0, "ReaderError": 0}
    slowest = 0.0
    for _ in range(count):
        target.write_bytes(mutate(original, rng))
        t = time.perf_counter()
        try:
            read(path)
            outcomes["read"] += 1
        except ReaderError:
            outcomes["ReaderError"] += 1
        dt = time.perf_counter() - t
        slowest = max(slowest, dt)
        assert dt < CAP_S, f"{name}: {dt:.1f} s on one mutated file"
    return outcomes, slowest


@pytest.mark.parametrize("name, source, inner, reader", CASES, ids=[c[0] for c in CASES])
def test_fuzz_smoke(name, source, inner, reader, tmp_path):
    outcomes, _ = _run(name, source, inner, reader, SMOKE, tmp_path)
    assert sum(outcomes.values()) == SMOKE


@pytest.mark.slow
@pytest.mark.parametrize("name, source, inner, reader", CASES, ids=[c[0] for c in CASES])
def test_fuzz_full(name, source, inner, reader, tmp_path):
    t = time.perf_counter()
    outcomes, slowest = _run(name, source, inner, reader, FULL, tmp_path)
    print(f"\n{name:<16} {FULL} cases in {time.perf_counter() - t:6.1f} s: "
          f"{outcomes['read']} read, {outcomes['ReaderError']} ReaderError, "
          f"slowest {slowest * 1e3:.0f} ms")
