"""Fuzzing every reader: mutated, truncated and emptied versions of real and synthetic
files give a Dataset or the typed ReaderError, each within a time and a memory cap.

Every mutant is read in a worker process (:mod:`sandbox`: ``RLIMIT_AS`` 1.5 GB, a
per-file timeout; many mutants per worker, a worker that hangs or dies is replaced).
Outcomes: dataset, typed ReaderError, *catch-all* (a ReaderError made by the last-resort
``except`` of ``io.read`` out of an untyped exception — counted, so the readers' own
checks can be judged), untyped exception, hang, crash. Untyped, hangs and crashes fail.

Mutations (seeded per case): the generic ones (truncation, byte flips, insertions,
deletions, a duplicated chunk, a zeroed block, a number rewritten with an extreme value);
**header words** of the binary formats (Varian file and block headers, Tecmag section
lengths and TMAG sizes, NMRPipe header floats) overwritten with 0, 1, −1, 2³¹−1, huge and
random values; **declared sizes** in parameter and text files (Bruker TD, procpar counts,
JCAMP NPOINTS, minispec DataLimits); JCAMP **DUP/DIF counts**; the empty file and
truncation at every structural boundary (headers, blocks, sections, lines).

The default suite runs a quick sample (``$HPNMR_FUZZ_SMOKE`` per case, < 30 s in all);
``make fuzz`` (``-m slow``) runs ``$HPNMR_FUZZ_FULL`` (10 000) per case and prints a
summary table.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sandbox import MEMORY_BYTES, Worker

CAP_S = 5.0  # per file
SMOKE = int(os.environ.get("HPNMR_FUZZ_SMOKE", "25"))
FULL = int(os.environ.get("HPNMR_FUZZ_FULL", "10000"))
ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "realdata"
I32 = 2**31 - 1

Word = tuple[int, str]  # (byte offset, struct format)


# -- where the sizes and the boundaries are, per format ------------------------------------

def varian_layout(data: bytes) -> tuple[list[Word], list[int]]:
    words: list[Word] = [(o, ">i") for o in range(0, 24, 4)] + [(24, ">h"), (26, ">h"),
                                                                  (28, ">i")]
    bounds = [0, 4, 16, 31, 32]
    if len(data) >= 32:
        bbytes = struct.unpack(">i", data[20:24])[0]
        if bbytes > 0:
            starts = list(range(32, len(data), bbytes))
            for s in starts[:3] + starts[-2:]:
                words += [(s + o, ">h") for o in (0, 2, 4, 6)] + [(s + 8, ">i")]
                words += [(s + o, ">f") for o in (12, 16, 20, 24)]
            for s in starts[:20] + starts[-3:]:
                bounds += [s, s + 28, s + 29]
    return words, bounds


def tecmag_layout(data: bytes) -> tuple[list[Word], list[int]]:
    words: list[Word] = []
    bounds = [0, 4, 8]
    pos = 8
    while pos + 12 <= len(data):
        tag = data[pos:pos + 4]
        length = struct.unpack("<i", data[pos + 8:pos + 12])[0]
        words.append((pos + 8, "<i"))
        bounds += [pos, pos + 12]
        if tag == b"TMAG":
            words += [(pos + 12 + o, "<i") for o in range(0, 32, 4)]
        if length < 0:
            break
        pos += 12 + length
        bounds.append(pos)
    return words, bounds


def pipe_layout(data: bytes) -> tuple[list[Word], list[int]]:
    fmt = "<f"
    if len(data) >= 12 and abs(struct.unpack(">f", data[8:12])[0] - 2.345) < 1e-4:
        fmt = ">f"
    # FDDIMCOUNT, FDDIMORDER, FDF2QUADFLAG, FDPIPEFLAG, FDF2CENTER, FDREALSIZE, FDSIZE,
    # FDF2SW, FDQUADFLAG, FDF2OBS, FDSPECNUM, FDF2FTFLAG, FDTRANSPOSED, FDF1FTFLAG,
    # FDF2TDSIZE, FDFILECOUNT, FDSLICECOUNT
    idx = [0, 2, 9, 24, 25, 55, 56, 57, 79, 97, 99, 100, 106, 119, 219, 220, 221, 222, 386,
           442, 443]
    words = [(4 * i, fmt) for i in idx]
    n = len(data)
    bounds = [0, 4, 12, 2044, 2048, 2052, n // 2 - n // 2 % 4, n - 4]
    return words, bounds


def bytes_layout(step: int) -> Callable[[bytes], tuple[list[Word], list[int]]]:
    def layout(data: bytes) -> tuple[list[Word], list[int]]:
        n = len(data)
        return [], [0, step, 1024, n // 2 - n // 2 % step, n - step, n - 1]
    return layout


def lines_layout(data: bytes) -> tuple[list[Word], list[int]]:
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
    if len(starts) > 200:
        starts = starts[:100] + starts[-100:]
    return [], starts + [s - 1 for s in starts if s > 1]


# (name, source, file mutated inside a folder or None, reader, layout, keys: patterns of
#  declared sizes and counts whose numbers are rewritten, DUP/DIF mutations)
CASES = [
    ("bruker-ser", ROOT / "data/example/nmr/N2/day001/1H_satrec", "ser", "nmr",
     bytes_layout(4), (), False),
    ("bruker-fid", ROOT / "data/example/nmr/N2/day000/1H", "fid", "nmr",
     bytes_layout(4), (), False),
    ("bruker-acqus", ROOT / "data/example/nmr/N2/day001/1H_satrec", "acqus", "nmr",
     lines_layout, (rb"##\$TD=", rb"##\$DTYPA=", rb"##\$BYTORDA=", rb"##\$DECIM=",
                    rb"##\$GRPDLY=", rb"##\$DSPFVS=", rb"##\$SW_h="), False),
    ("bruker-acqu2s", ROOT / "data/example/nmr/N2/day001/1H_satrec", "acqu2s", "nmr",
     lines_layout, (rb"##\$TD=",), False),
    ("bruker-vdlist", ROOT / "data/example/nmr/N2/day001/1H_satrec", "vdlist", "nmr",
     lines_layout, (), False),
    ("varian-fid", REAL / "ssnake/Tutorial/DataFiles/satrec2D.fid", "fid", "nmr",
     varian_layout, (), False),
    ("varian-1d-fid", REAL / "nmr_datafiles/Varian/VnmrJ3/1D.fid", "fid", "nmr",
     varian_layout, (), False),
    ("varian-procpar", REAL / "ssnake/Tutorial/DataFiles/satrec2D.fid", "procpar", "nmr",
     lines_layout, (rb"^np ", rb"^arraydim ", rb"^array ", rb"^tau_recovery ", rb"^sw "),
     False),
    ("tecmag", REAL / "dnplab/data/tnmr/T1.tnt", None, "nmr", tecmag_layout, (), False),
    ("jcamp", REAL / "nmrium/public/data/t1/1H_t1_1s.dx", None, "nmr", lines_layout,
     (rb"##NPOINTS=", rb"##VAR_DIM=", rb"##FIRSTX=", rb"##LASTX=", rb"##FACTOR="), True),
    ("nmrpipe", REAL / "nmr_datafiles/nmrpipe/1Dspectrumreal/test.fid", None, "nmr",
     pipe_layout, (), False),
    ("minispec", REAL / "nmr_datafiles/Minispec/Complex/T1Data1.sig", None, "nmr",
     lines_layout, (rb"DataLimits=",), False),
    ("text-csv", ROOT / "data/example/transport/T1/day00.csv", None, "nmr", lines_layout,
     (), False),
    ("rt-csv", ROOT / "data/example/transport/T1/day00.csv", None, "rt", lines_layout, (),
     False),
    ("rt-raw", next(iter(sorted((REAL / "vextract/data/source_data").glob("*"))), REAL),
     None, "rt", lines_layout, (), False),
]

INTS = [0, 1, -1, 2, I32, -I32 - 1, 2**30, 10**9, 2**16, 65535]
FLOATS = [0.0, 1.0, -1.0, float(I32), 1e30, -1e30, float("nan"), float("inf"), 2.345, 1e9]
EXTREME = [b"0", b"1", b"-1", b"2147483647", b"2147483648", b"1000000000", b"999999999999",
           b"1e308", b"-1e308", b"nan", b"inf", b"1e-320", b""]


def _word(data: bytearray, word: Word, rng: np.random.Generator) -> None:
    off, fmt = word
    size = struct.calcsize(fmt)
    if off + size > len(data):
        return
    if fmt.endswith("f"):
        pick = int(rng.integers(0, len(FLOATS) + 1))
        value = (FLOATS[pick] if pick < len(FLOATS)
                 else float(rng.normal() * 10.0 ** rng.integers(0, 12)))
    else:
        bits = 8 * size
        pick = int(rng.integers(0, len(INTS) + 1))
        value = (INTS[pick] if pick < len(INTS)
                 else int(rng.integers(-2**(bits - 1), 2**(bits - 1))))
        value = (value + 2**(bits - 1)) % 2**bits - 2**(bits - 1)
    data[off:off + size] = struct.pack(fmt, value)


_NUMBER = re.compile(rb"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def _numbers(data: bytes, keys, rng: np.random.Generator) -> bytes:
    """Rewrite one number: on a line that declares a size (``keys``, and the line after
    it: procpar's values), else anywhere."""
    spans: list[tuple[int, int]] = []
    if keys and rng.random() < 0.7:
        for k in keys:
            for m in re.finditer(k, data, re.M):
                end = data.find(b"\n", m.end())
                nxt = data.find(b"\n", end + 1) if end >= 0 else -1
                nxt = len(data) if nxt < 0 else nxt
                spans += [(m.end() + x.start(), m.end() + x.end())
                          for x in _NUMBER.finditer(data[m.end():nxt])]
    if not spans:
        spans = [m.span() for m in _NUMBER.finditer(data[:200_000])]
    if not spans:
        return data
    a, b = spans[int(rng.integers(0, len(spans)))]
    pick = int(rng.integers(0, len(EXTREME) + 1))
    value = (EXTREME[pick] if pick < len(EXTREME)
             else str(int(rng.integers(-2**40, 2**40))).encode())
    return data[:a] + value + data[b:]


def _dup(data: bytes, rng: np.random.Generator) -> bytes:
    """Rewrite or insert a DUP count (with a DIF before it, sometimes)."""
    counts = [b"s99999999", b"s999999999", b"s9999999999999", b"T", b"S0", b"s" + b"9" * 40,
              b"Z" + str(int(rng.integers(0, 10**9))).encode()]
    body = data.find(b"##XYDATA=")
    body = data.find(b"##DATA TABLE=") if body < 0 else body
    if body < 0:
        body = 0
    spots = [m.start() for m in re.finditer(rb"[STUVWXYZs]\d*", data[body:body + 200_000])]
    new = counts[int(rng.integers(0, len(counts)))]
    if spots and rng.random() < 0.5:
        i = body + spots[int(rng.integers(0, len(spots)))]
        m = re.match(rb"[STUVWXYZs]\d*", data[i:])
        return data[:i] + new + data[i + m.end():]
    spots = [m.end() for m in re.finditer(rb"[@A-IJ-Ra-ij-r%]\d*", data[body:body + 200_000])]
    if not spots:
        return data
    i = body + spots[int(rng.integers(0, len(spots)))]
    dif = b"J0" if rng.random() < 0.5 else b""
    return data[:i] + dif + new + data[i:]


def mutate(data: bytes, rng: np.random.Generator, layout=lines_layout, keys=(),
           dup: bool = False) -> bytes:
    b = bytearray(data)
    n = len(b)
    if n == 0:
        return bytes(rng.integers(0, 256, int(rng.integers(0, 64)), dtype=np.uint8))
    kind = int(rng.integers(0, 11))
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
    words, bounds = layout(data)
    if kind in (6, 7) and words:  # header words: sizes, counts, block headers
        for _ in range(1 if kind == 6 else int(rng.integers(2, 5))):
            _word(b, words[int(rng.integers(0, len(words)))], rng)
        return bytes(b)
    if kind == 8:  # truncate at a structural boundary (0: the empty file)
        cut = [c for c in bounds if 0 <= c <= n] or [0]
        return bytes(b[: cut[int(rng.integers(0, len(cut)))]])
    if kind == 9 and dup:
        return _dup(data, rng)
    return _numbers(data, keys, rng)


# -- running -------------------------------------------------------------------------------

OUTCOMES = ("dataset", "typed", "catchall", "untyped", "hang", "crash")
SUMMARY: dict[str, dict] = {}


def _run(case, count: int, tmp_path: Path) -> dict:
    name, source, inner, reader, layout, keys, dup = case
    if not source.exists():
        pytest.skip(f"{source} not found (real files sit in ../shared/realdata)")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    work = tmp_path / name
    if source.is_dir():
        shutil.copytree(source, work)
        target, original, path = work / inner, (source / inner).read_bytes(), work
    else:
        work.mkdir()
        target = work / source.name
        original, path = source.read_bytes(), target
    stats = {k: 0 for k in OUTCOMES} | {"mutants": 0, "max_s": 0.0, "rss_kb": 0,
                                         "examples": [], "first": {}}
    t0 = time.perf_counter()
    with Worker(MEMORY_BYTES) as worker:
        target.write_bytes(original)  # the harness sees a good file as one
        stats["first"]["original"] = worker.read(path, reader, timeout_s=CAP_S)["outcome"]
        for i in range(count):
            blob = b"" if i == 0 else mutate(original, rng, layout, keys, dup)
            target.write_bytes(blob)
            answer = worker.read(path, reader, timeout_s=CAP_S)
            stats["mutants"] += 1
            stats[answer["outcome"]] += 1
            if i == 0:
                stats["first"]["empty"] = answer["outcome"]
            stats["max_s"] = max(stats["max_s"], answer["seconds"])
            if answer["outcome"] in ("untyped", "hang", "crash", "catchall") and len(
                    stats["examples"]) < 8:
                keep = tmp_path / f"{name}-{i}.bin"
                keep.write_bytes(blob)
                stats["examples"].append((answer["outcome"], answer["type"],
                                          answer["message"][-160:], str(keep)))
        stats["rss_kb"] = worker.peak_rss_kb
    stats["wall_s"] = time.perf_counter() - t0
    return stats


def _check(name: str, stats: dict) -> None:
    bad = stats["untyped"] + stats["hang"] + stats["crash"]
    assert bad == 0, (f"{name}: {stats['untyped']} untyped, {stats['hang']} hangs, "
                      f"{stats['crash']} crashes; e.g. {stats['examples']}")
    assert stats["rss_kb"] * 1024 < MEMORY_BYTES


#: the outcomes of the unmutated and of the empty file where they are not a dataset and the
#: typed refusal
ENDS = {
    "text-csv": ("typed", "typed"),  # an R(T) curve is no NMR table: T not monotonic
    "bruker-vdlist": ("dataset", "dataset"),  # an empty vdlist: the ser reads, no delays
}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_fuzz_smoke(case, tmp_path):
    stats = _run(case, SMOKE, tmp_path)
    _check(case[0], stats)
    # every mutant was read or refused with the typed error (a sum over the outcomes the
    # harness knows, so a new or misfiled outcome fails too) …
    answered = stats["dataset"] + stats["typed"] + stats["catchall"]
    assert answered == SMOKE, stats
    # … and the classes are real: the unmutated file reads, the empty file is refused by
    # the reader's own check (not the catch-all), the mutants include refusals
    original, empty = ENDS.get(case[0], ("dataset", "typed"))
    assert stats["first"] == {"original": original, "empty": empty}
    assert stats["typed"] + stats["catchall"] >= 1, stats


@pytest.fixture(scope="module")
def summary():
    yield SUMMARY
    if SUMMARY:
        head = (f"{'reader':<16}{'mutants':>8}{'dataset':>9}{'typed':>7}{'catch-all':>10}"
                f"{'untyped':>8}{'hangs':>6}{'crash':>6}{'max s':>7}{'max RSS MB':>11}"
                f"{'wall s':>8}")
        print("\n" + head + "\n" + "-" * len(head))
        for name, s in SUMMARY.items():
            print(f"{name:<16}{s['mutants']:>8}{s['dataset']:>9}{s['typed']:>7}"
                  f"{s['catchall']:>10}{s['untyped']:>8}{s['hang']:>6}{s['crash']:>6}"
                  f"{s['max_s']:>7.2f}{s['rss_kb'] / 1024:>11.0f}{s['wall_s']:>8.0f}")


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_fuzz_full(case, tmp_path, summary):
    stats = _run(case, FULL, tmp_path)
    summary[case[0]] = stats
    _check(case[0], stats)
