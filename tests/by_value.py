"""Compare generated files with committed ones by value, not by bytes.

Floating-point results are not bit-identical across machines and library builds (libm,
FFT and BLAS builds round differently in the last bit), so a file generated on another
machine can differ from the committed one in the last digit of a float, or by one count
where an integer was rounded from a float that sat on a .5 boundary. Reproducible means
the same values:

- JSON and TOML files and Bruker JCAMP parameter files (``acqus`` …) are parsed and
  compared key by key: integers, booleans and strings exactly, other numbers within
  ``RTOL`` relative (all their floats are written with ``repr``, the shortest exact form);
- Bruker ``fid``/``ser`` files are decoded with nmrglue and compared point by point within
  one count (integer storage) plus ``RTOL`` of the largest magnitude;
- other text files (CSV tables, ``vdlist``) are compared token by token: words exactly,
  numbers within ``RTOL`` relative or one unit in the last printed digit (a value printed
  with a fixed number of digits can round either way on a .5 boundary); a print with fewer
  than three significant digits counts as exact;
- anything else (binary files of unknown layout) byte for byte.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import nmrglue as ng
import numpy as np

#: relative tolerance for numbers that are the same computation on another machine
RTOL = 1e-9
#: prints with fewer significant digits than this are taken as exact (not rounded)
MIN_ROUNDED_DIGITS = 3
BRUKER_DATA = ("fid", "ser")

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def tree_differences(expected: Path, actual: Path, skip: tuple[str, ...] = (".hpnmr",)
                     ) -> list[str]:
    """Every difference in value between two folders of generated files, one line each.

    Parameters
    ----------
    expected, actual : Path
        The committed and the regenerated folder.
    skip : tuple of str
        Folder names left out (caches written next to the data).

    Returns
    -------
    list of str
        Empty when both hold the same files with the same values.
    """
    files = [{str(p.relative_to(root)) for p in root.rglob("*")
              if p.is_file() and not set(p.relative_to(root).parts) & set(skip)}
             for root in (expected, actual)]
    out = [f"{rel}: only in {root}" for k, root in enumerate((expected, actual))
           for rel in sorted(files[k] - files[1 - k])]
    for rel in sorted(files[0] & files[1]):
        out += [f"{rel}: {d}" for d in file_differences(expected / rel, actual / rel)]
    return out


def file_differences(expected: Path, actual: Path) -> list[str]:
    """Differences in value between two files of the same name (see the module notes)."""
    if expected.name in BRUKER_DATA:
        return _bruker_data_differences(expected, actual)
    a, b = expected.read_bytes(), actual.read_bytes()
    try:
        ta, tb = a.decode("utf-8"), b.decode("utf-8")
    except UnicodeDecodeError:
        return [] if a == b else ["binary contents differ"]
    if expected.suffix == ".json":
        return value_differences(json.loads(ta), json.loads(tb))
    if expected.suffix == ".toml":
        return value_differences(tomllib.loads(ta), tomllib.loads(tb))
    if ta.startswith("##"):  # JCAMP-DX (Bruker parameter files)
        return value_differences(*(ng.bruker.read_jcamp(str(p)) for p in (expected, actual)))
    return text_differences(ta, tb)


def value_differences(a, b, path: str = "") -> list[str]:
    """Differences between two parsed documents (dicts, lists, scalars), key by key."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: missing" for k in a if k not in b]
        out += [f"{path}/{k}: unexpected" for k in b if k not in a]
        for k in a:
            if k in b:
                out += value_differences(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{path}: {len(b)} items instead of {len(a)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in value_differences(x, y, f"{path}[{i}]")]
    if _is_float_like(a) and _is_float_like(b) and not (_is_int(a) and _is_int(b)):
        same = (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=RTOL)
    else:
        same = type(a) is type(b) and a == b
    return [] if same else [f"{path}: {b!r} instead of {a!r}"]


def text_differences(a: str, b: str) -> list[str]:
    """Differences between two text files, token by token (line numbers of ``a``)."""
    ta, tb = _tokens(a), _tokens(b)
    out = []
    for (line, x), (_, y) in zip(ta, tb, strict=False):
        if not (x == y or (_NUMBER.fullmatch(x) and _NUMBER.fullmatch(y)
                           and _same_printed_number(x, y))):
            out.append(f"line {line}: {y!r} instead of {x!r}")
            if len(out) >= 20:
                break
    if len(ta) != len(tb):
        out.append(f"{len(tb)} tokens instead of {len(ta)}")
    return out


def _bruker_data_differences(expected: Path, actual: Path) -> list[str]:
    (da, a), (_, b) = (ng.bruker.read(str(p.parent), read_pulseprogram=False)
                       for p in (expected, actual))
    if a.shape != b.shape:
        return [f"shape {b.shape} instead of {a.shape}"]
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    count = 1.0 if int(da.get("acqus", {}).get("DTYPA", 0)) == 0 else 0.0  # 0: int32
    tol = count + RTOL * scale
    worst = float(max(np.max(np.abs(a.real - b.real)), np.max(np.abs(a.imag - b.imag)))) \
        if a.size else 0.0
    return [] if worst <= tol else [
        f"data differ by up to {worst:g} (allowed {tol:g}: {count:g} count + {RTOL:g} of "
        f"the largest magnitude {scale:g})"]


def _tokens(text: str) -> list[tuple[int, str]]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        pos = 0
        for m in _NUMBER.finditer(line):
            out += [(n, w) for w in line[pos:m.start()].split()]
            out.append((n, m.group()))
            pos = m.end()
        out += [(n, w) for w in line[pos:].split()]
    return out


def _same_printed_number(x: str, y: str) -> bool:
    a, b = Decimal(x), Decimal(y)
    if _is_integer_print(x) and _is_integer_print(y):
        return a == b
    if abs(a - b) <= Decimal(RTOL) * max(abs(a), abs(b)):
        return True
    precise = max((x, y), key=_significant_digits)
    if _significant_digits(precise) < MIN_ROUNDED_DIGITS:
        return False
    return abs(a - b) <= Decimal(1).scaleb(Decimal(precise).as_tuple().exponent)


def _significant_digits(token: str) -> int:
    """Digits as printed, trailing zeros included ("9.980": 4; "0.012": 2)."""
    return len(Decimal(token).as_tuple().digits)


def _is_integer_print(token: str) -> bool:
    return not any(c in token for c in ".eE")


def _is_float_like(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
