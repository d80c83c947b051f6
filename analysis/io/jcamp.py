"""JCAMP-DX reader (1-D NMR spectra and FIDs) on top of nmrglue.

Spectra: the x axis is read in Hz (``XUNITS=HZ``, 0 Hz = 0 ppm per the JCAMP-DX NMR
convention) or ppm and stored as offsets from ``.OBSERVE FREQUENCY``, which serves as both
carrier and reference; the axis itself fixes the orientation. FIDs (``NMR FID``, NTUPLES
with real and imaginary pages): the dwell comes from the time axis, and the data are
conjugated to this package's sign convention (see :mod:`analysis.dataset`): the stored
signal turns as exp(−i·2π·(ν − ν_carrier)·t). Evidence: the Magritek Spinsolve FID of
ibuprofen in DMSO-d₆ in the test files puts the aromatic line 6.3 ppm *above* the
isobutyl CH₃ doublet only when conjugated (as stored, the pattern is mirrored about the
carrier); ssNake reads JCAMP FIDs and Magritek's own format with the same conjugation.
Decimal commas (written by some Magritek versions) are accepted, in the data tables' FACTORs
too (nmrglue reads those as 0 and 5·10¹⁴, see :func:`_ntuple_fid_pages`).
"""

from __future__ import annotations

import re
from pathlib import Path

import nmrglue as ng
import numpy as np

from ..dataset import Dataset, ReaderError, hashes
from ..files import LimitError, check_count, limits
from ._common import canonical_nucleus, data_file_size

_LABEL = re.compile(r"^[ \t]*##([^=\n]*)=([^\n]*)$", re.M)
_TABLES = ("XYDATA", "DATATABLE", "XYPOINTS", "PEAKTABLE")
_DUP = {"S": 1, "T": 2, "U": 3, "V": 4, "W": 5, "X": 6, "Y": 7, "Z": 8, "s": 9}
_DUP_TOKEN = re.compile(r"([S-Zs])(\d*)")
_PSEUDO = re.compile(r"[@%A-Ra-r]")
_NO_X = re.compile(r"^(?![ \t]*(?:[+-]?\d|[+-]?\.\d|\r?$))[^\n]*$", re.M)
_PLAIN = re.compile(r"(?<![\w.@%])[-+]?(?:\d+\.?\d*|\.\d+)")


#: how much more memory nmrglue's JCAMP decoding costs per point than the data it yields
COST_RATIO = 8


def check_expansion(path: Path, text: str) -> int:
    """Refuse a JCAMP-DX file whose data tables would expand past the points ceiling.

    nmrglue expands ASDF compression one Python float at a time: a DUP token repeats
    the previous value (or difference) as many times as it says, so a 279-byte file with
    ``s99999999`` asks for 10⁹ values (minutes and gigabytes). This pre-scan adds up,
    without decoding, an upper bound on the values every data table yields (one per
    number or pseudo-digit, plus each DUP count − 1) and compares it, and every
    ``##NPOINTS``, with :func:`analysis.files.limits`. nmrglue holds each expanded value
    as a Python float in a list (≈ 30 B, against 16 B for the complex point it becomes), so
    JCAMP-DX tables may expand to at most 1/:data:`COST_RATIO` of the points ceiling (8 Mi
    values by default, ≈ 0.25 GB while decoding).

    Returns
    -------
    int
        The upper bound on the number of values (all tables together).

    Raises
    ------
    LimitError
        Naming the file, the declared size and the limit.
    """
    cap = limits().max_points // COST_RATIO
    labels = list(_LABEL.finditer(text))
    total = dup_total = declared_sum = 0
    for i, m in enumerate(labels):
        key = re.sub(r"[\s_-]", "", m.group(1)).upper()
        if key == "NPOINTS":
            raw = m.group(2).split("$$", 1)[0].strip()
            try:
                declared = int(float(raw.replace(",", ".")))
            except (ValueError, OverflowError):
                raise ReaderError(path, f"##NPOINTS= {raw[:20]!r} is not a count") from None
            declared_sum += check_count(path, declared, cap, "points (##NPOINTS)")
            continue
        if key not in _TABLES:
            continue
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        body = re.sub(r"\$\$[^\n]*", "", text[m.end():end])
        bad = _NO_X.search(body)
        if bad:
            line = text.count("\n", 0, m.end() + bad.start()) + 1
            raise ReaderError(path, f"line {line} of ##{m.group(1).strip()} does not start "
                                    "with an X value")
        for dm in _DUP_TOKEN.finditer(body):
            digits = dm.group(2)
            if len(digits) > 12:
                raise LimitError(path, f"a DUP count of {len(digits) + 1} digits in "
                                       f"##{m.group(1).strip()}, more than the limit of "
                                       f"{cap:,} points")
            dup_total += int(f"{_DUP[dm.group(1)]}{digits}") - 1
        total += len(_PSEUDO.findall(body)) + len(_PLAIN.findall(body))
        if total + dup_total > cap:
            raise LimitError(path, f"its data tables declare {total + dup_total:,} values "
                                   f"(DUP counts included), more than the limit of {cap:,} "
                                   f"values for JCAMP-DX, 1/{COST_RATIO} of $HPNMR_MAX_POINTS")
    # an XY table holds NPOINTS values, plus one X value and one DIF check value per line
    slack = 2 * declared_sum + 2 * text.count("\n") + 16
    if declared_sum and "##NTUPLES" not in text.upper() and dup_total > slack:
        raise LimitError(path, f"DUP counts expand its data tables by {dup_total:,} values "
                               f"where ##NPOINTS declares {declared_sum:,}")
    return total + dup_total


def _get(dic: dict, *keys: str) -> str | None:
    for k in keys:
        v = dic.get(k)
        if v:
            return str(v[0]).strip()
    return None


def _num(token: str) -> float:
    return float(token.strip().replace(",", "."))


def _tuple(text: str | None) -> list[float]:
    if not text:
        return []
    out = []
    for tok in re.split(r",\s+|;\s*", text.strip()):
        tok = tok.strip().rstrip(",")
        if tok:
            try:
                out.append(_num(tok))
            except ValueError:
                out.append(float("nan"))
    return out


def _ntuple_fields(text: str) -> dict[str, list[str]]:
    """The NTUPLES header fields (first occurrence), split on commas."""
    out: dict[str, list[str]] = {}
    for key in ("VAR_DIM", "FACTOR", "FIRST", "LAST", "UNITS", "VAR_NAME"):
        m = re.search(rf"^##{key}=\s*(.*)$", text, re.M)
        if m:
            out[key] = [v.strip() for v in m.group(1).split(",")]
    return out


def _bruker_list(text: str, name: str) -> list[float]:
    """Values of an embedded Bruker list (``##$BRUKER FILE EXP=vdlist`` + ``$$ 10s`` lines)."""
    from ._common import parse_si_number

    m = re.search(rf"^##\$BRUKER FILE EXP={name}\s*$", text, re.M)
    if not m:
        return []
    values = []
    for line in text[m.end():].splitlines()[1:]:
        if not line.startswith("$$"):
            break
        tok = line[2:].strip()
        if tok:
            try:
                values.append(parse_si_number(tok))
            except ValueError:
                break
    return values


def _ntuple_fid_pages(text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Real and imaginary pages of an ``NMR FID`` NTUPLES, scaled by their own FACTORs.

    nmrglue splits ``##FACTOR=`` on every comma, so a file written with decimal commas
    (Magritek Spinsolve: ``0,0508…``) gets factors 0 and 5·10¹⁴: the pages are decoded here
    instead and scaled with the factors split on comma *and space* (:func:`_tuple`).
    Returns ``None`` when the file is not such an NTUPLES.
    """
    from nmrglue.fileio import jcampdx as _j

    fields = _ntuple_fields(text)
    m = re.search(r"^##FACTOR=\s*(.*)$", text, re.M)
    s = re.search(r"^##SYMBOL=\s*(.*)$", text, re.M)
    if not (m and s and "VAR_DIM" in fields):
        return None
    factors = _tuple(m.group(1))
    symbols = [v.strip() for v in s.group(1).split(",")]
    if "R" not in symbols or "I" not in symbols or len(factors) < len(symbols) - 1:
        return None
    pages: dict[str, np.ndarray] = {}
    for block in re.split(r"^##PAGE=.*$", text, flags=re.M)[1:]:
        head = re.search(r"^##DATA TABLE=\s*(.*)$", block, re.M)
        if not head:
            continue
        body = block[head.end():].split("\n##", 1)[0]
        body = "\n".join(line.split("$$", 1)[0] for line in body.splitlines())
        parsed = _j._parse_data(head.group(1).split("$$", 1)[0] + body)
        if parsed is None:
            return None
        values, kind = parsed
        if kind not in pages:
            pages[kind] = np.asarray(values, dtype=float) * factors[symbols.index(kind)]
    if set(pages) != {"R", "I"} or pages["R"].size != pages["I"].size:
        return None
    return pages["R"], pages["I"]


def read_ntuples_2d(path: Path, text: str) -> Dataset:
    """Pseudo-2D ``nD NMR SPECTRUM`` NTUPLES (one page per row, ASDF data tables).

    Rows are processed spectra (real); the array axis comes from the embedded ``vdlist``.
    Trailing all-zero pages (rows never acquired) are dropped when the list is shorter.
    """
    from nmrglue.fileio import jcampdx as _j

    from ..dataset import ArrayAxis

    fields = _ntuple_fields(text)
    try:
        dims = [int(float(v)) for v in fields["VAR_DIM"][:2]]
        yfactor = float(fields["FACTOR"][2])
        first_x, last_x = float(fields["FIRST"][1]), float(fields["LAST"][1])
    except (KeyError, IndexError, ValueError) as exc:
        raise ReaderError(path, f"NTUPLES header incomplete ({exc})") from exc
    rows = []
    for block in re.split(r"^##PAGE=.*$", text, flags=re.M)[1:]:
        m = re.search(r"^##DATA TABLE=\s*(.*)$", block, re.M)
        if not m:
            continue
        body = block[m.end():].split("\n##", 1)[0]
        parsed = _j._parse_data(m.group(1) + body)
        if parsed is None:
            raise ReaderError(path, "undecodable data table")
        y = np.asarray(parsed[0], dtype=float)[: dims[1]]
        if y.size != dims[1]:
            raise ReaderError(path, f"page with {y.size} points, header says {dims[1]}")
        rows.append(y * yfactor)
    if not rows:
        raise ReaderError(path, "NTUPLES without pages")
    data = np.array(rows)
    warnings = []
    vd = _bruker_list(text, "vdlist")
    if vd and len(vd) < len(rows) and not np.any(data[len(vd):]):
        warnings.append(f"dropped {len(rows) - len(vd)} empty pages (rows never acquired)")
        data = data[: len(vd)]
    array = ArrayAxis("vdlist", tuple(vd), "s", "delay") if len(vd) == data.shape[0] else None
    if array is None and data.shape[0] > 1:
        warnings.append("no delay list matching the pages: supply the delays")
    x = np.linspace(first_x, last_x, dims[1])
    order = np.argsort(x)
    obs_m = re.search(r"^##\.OBSERVE FREQUENCY=\s*([-+\d.eE]+)", text, re.M)
    obs_hz = float(obs_m.group(1)) * 1e6 if obs_m else 0.0
    nuc_m = re.search(r"^##\.OBSERVE NUCLEUS=\s*\^?(\S+)", text, re.M)
    return Dataset(data=data[:, order].astype(complex), format="jcamp", source=str(path),
                   nucleus=canonical_nucleus(nuc_m.group(1)) if nuc_m else None,
                   carrier_hz=obs_hz, spectral_width_hz=abs(x[-1] - x[0]) * dims[1] / (
                       dims[1] - 1), domain="frequency", reference_hz=obs_hz or None,
                   frequency_offsets_hz=x[order], array=array, sha256=hashes([path]),
                   warnings=tuple(warnings), params={"datatype": "nD NMR SPECTRUM"})


def read(path: Path, **_: object) -> Dataset:
    path = Path(path)
    data_file_size(path)
    text = path.read_text(encoding="latin-1")
    check_expansion(path, text)
    if re.search(r"^##DATA ?TYPE=\s*nD NMR SPECTRUM", text, re.M | re.I):
        return read_ntuples_2d(path, text)
    dic, data = ng.jcampdx.read(str(path))
    if dic is None or not isinstance(dic, dict) or not dic:
        raise ReaderError(path, "no JCAMP-DX records found")
    datatype = (_get(dic, "DATATYPE", "DATA TYPE") or "").upper()
    obs = _get(dic, ".OBSERVEFREQUENCY", "$SFO1", "$BF1")
    obs_hz = _num(obs) * 1e6 if obs else 0.0
    nuc = canonical_nucleus((_get(dic, ".OBSERVENUCLEUS") or "").lstrip("^"))
    warnings: list[str] = []
    if isinstance(data, list):
        if len(data) == 0 or (isinstance(data[0], np.ndarray) and data[0].size == 0):
            raise ReaderError(path, "no data table (pseudo-2D NTUPLES with several spectra "
                              "are not read by this version)")
        if len(data) >= 2 and np.ndim(data[0]) == 1 and len(data[0]) == len(data[1]):
            values = np.asarray(data[0], float) + 1j * np.asarray(data[1], float)
        else:
            values = np.asarray(data[0], float)
    else:
        values = np.asarray(data)
    if values.ndim != 1 or values.size < 2:
        raise ReaderError(path, f"expected 1-D data, found shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ReaderError(path, "the data contain NaN or infinite values")
    n = values.size
    if "FID" in datatype:
        pages = _ntuple_fid_pages(text)
        if pages is not None and pages[0].size == n:
            values = pages[0] + 1j * pages[1]
        values = np.conj(values)  # stored as exp(−i·2π·Δν·t): module docstring
        first, last = _tuple(_get(dic, "FIRST")), _tuple(_get(dic, "LAST"))
        if first and last and np.isfinite(first[0]) and np.isfinite(last[0]) and last[0] > first[0]:
            dwell = (last[0] - first[0]) / (n - 1)
        else:
            factor = _tuple(_get(dic, "FACTOR"))
            if not factor or not factor[0] > 0:
                raise ReaderError(path, "cannot find the time axis of the FID")
            dwell = factor[0]
        return Dataset(data=values.astype(complex), format="jcamp", source=str(path),
                       nucleus=nuc, carrier_hz=obs_hz, spectral_width_hz=1.0 / dwell,
                       reference_hz=obs_hz or None, sha256=hashes([path]),
                       scans=int(_num(_get(dic, ".AVERAGES", "$NS") or "0")) or None,
                       acquired=_get(dic, "LONGDATE"), warnings=tuple(warnings),
                       params={"datatype": datatype})
    firstx, lastx = _get(dic, "FIRSTX"), _get(dic, "LASTX")
    if firstx is None or lastx is None:
        raise ReaderError(path, "spectrum without FIRSTX/LASTX")
    x = np.linspace(_num(firstx), _num(lastx), n)
    xunits = (_get(dic, "XUNITS") or "HZ").upper()
    if "PPM" in xunits:
        if not obs_hz:
            raise ReaderError(path, "ppm axis without .OBSERVE FREQUENCY")
        x = x * obs_hz / 1e6
    elif "HZ" not in xunits:
        raise ReaderError(path, f"unsupported x units {xunits!r}")
    order = np.argsort(x)
    x, values = x[order], values[order]
    sw = abs(x[-1] - x[0]) * n / (n - 1)
    if not obs_hz:
        warnings.append("no observe frequency: ppm axis unavailable")
    return Dataset(data=values.astype(complex), format="jcamp", source=str(path),
                   nucleus=nuc, carrier_hz=obs_hz, spectral_width_hz=sw, domain="frequency",
                   reference_hz=obs_hz or None, frequency_offsets_hz=x,
                   acquired=_get(dic, "LONGDATE"), sha256=hashes([path]),
                   warnings=tuple(warnings), params={"datatype": datatype})
