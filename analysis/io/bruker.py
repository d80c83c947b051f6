"""Bruker TopSpin/XwinNMR fid and ser (pseudo-2D) reader on top of nmrglue.

Corrections applied here, not by nmrglue:

* rows are trimmed to TD/2 complex points (TopSpin pads each FID of a ser file to 1 KiB);
* the digital-filter group delay is removed (``nmrglue.bruker.remove_digital_filter``);
* the data are left as stored: Bruker's fid/ser already follow this package's sign
  convention s(t) ∝ exp(+i·2π·(ν − ν_carrier)·t) for every nucleus, whatever the sign of γ
  (``fftshift(fft(fid))`` on an increasing offset axis is TopSpin's spectrum read from right
  to left). Checked on real files with known lines: the CDCl₃ triplet of an XwinNMR ¹³C
  spectrum at 77.16 ppm, TMS at 0.00 ppm and CHD₂OD at 3.31 ppm in a 600 MHz ¹H spectrum,
  and a ²⁹Si line inside TopSpin's own integration region (``pdata/1/intrng``). The same
  convention is used by nmrglue's format converter, ssNake and DNPLab;
* ``vdlist`` (s), ``vplist`` (µs unless suffixed) and ``vclist`` (counts) become the
  array axis;
* the nucleus label is checked against the frequencies (see :func:`_check_nucleus`).
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import nmrglue as ng
import numpy as np

from ..constants import H_TMS_HZ_PER_T
from ..constants import nucleus as lookup
from ..dataset import ArrayAxis, Dataset, ReaderError, hashes
from ..files import check_file_size, check_points
from ._common import as_traces, canonical_nucleus, data_file_size, parse_si_number

#: Nominal ¹H frequencies (MHz) of commercial NMR magnets, used to sanity-check NUC1.
_MAGNETS_MHZ = (40, 43, 60, 80, 90, 100, 200, 250, 270, 300, 360, 400, 500, 600, 700, 750,
                800, 850, 900, 950, 1000, 1100, 1200)
#: X-band (≈0.35 T) Overhauser-DNP window for ¹H (MHz).
_ODNP_PROTON_MHZ = (14.0, 15.5)

_LISTS = (("vdlist", "delay", "s", 1.0), ("vplist", "pulse_length", "s", 1e-6),
          ("vclist", "count", "", 1.0))


def _folder(path: Path) -> Path:
    if path.is_dir():
        return path
    return path.parent


def _read_list(path: Path, default_scale: float) -> list[float]:
    """Values of a vdlist/vplist/vclist (one per line, SI suffixes allowed).

    Raises
    ------
    ReaderError
        A line that is not a finite number, naming the list and the line.
    """
    check_file_size(path)
    values = []
    for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        tok = line.split("#")[0].strip()
        if not tok:
            continue
        try:
            if tok[-1].isdigit() or tok[-1] == ".":
                value = float(tok) * default_scale
            else:
                value = parse_si_number(tok)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value):
            raise ReaderError(path, f"line {i} is not a finite number: {tok[:60]!r}")
        values.append(value)
    return values


def _check_nucleus(label: str | None, bf1_mhz: float) -> tuple[str | None, list[str]]:
    """Check NUC1 against BF1; relabel the ODNP placeholder case.

    A Bruker console derives BF1 = Ξ(NUC1)·BF(¹H); BF(¹H) is the magnet's proton
    frequency, which is close to a nominal value. Low-field Overhauser-DNP set-ups drive an
    X-band (≈0.35 T) magnet from a high-field console and commonly keep a placeholder X
    nucleus (e.g. ¹⁵N) while BF1 is set by hand to the ¹H frequency (≈14.8 MHz). When the
    stated nucleus implies no commercial magnet and BF1 lies in the X-band ¹H window, the
    nucleus is reported as ¹H with a warning; any other mismatch only warns.
    """
    notes: list[str] = []
    if label is None:
        return None, notes
    proton_mhz = bf1_mhz / lookup(label).xi
    plausible = any(abs(proton_mhz - m) <= 0.02 * m for m in _MAGNETS_MHZ)
    if plausible or label == "1H":
        return label, notes
    if _ODNP_PROTON_MHZ[0] <= bf1_mhz <= _ODNP_PROTON_MHZ[1]:
        notes.append(f"NUC1 says {label}, but BF1 = {bf1_mhz:g} MHz would need a "
                     f"{proton_mhz:.1f} MHz (¹H) magnet; read as ¹H at "
                     f"{bf1_mhz / H_TMS_HZ_PER_T * 1e6:.3f} T (X-band DNP set-up)")
        return "1H", notes
    notes.append(f"NUC1 = {label} with BF1 = {bf1_mhz:g} MHz implies a {proton_mhz:.1f} MHz "
                 "magnet; check the nucleus")
    return label, notes


_PARAMETER_FILES = ("acqus", "acqu2s", "acqu3s", "pdata/1/procs")


_ARRAY = re.compile(r"^##\$?([^=]+)=[^(]*\((\d+)\.\.(\d+)\)(.*)$")


def _check_parameter_files(folder: Path) -> None:
    """nmrglue's JCAMP parser loops for ever on a parameter file cut before ``##END=`` or
    on an array holding fewer values than its ``(0..N)`` declares: refuse those first."""
    for name in _PARAMETER_FILES:
        f = folder / name
        if not f.is_file():
            continue
        if check_file_size(f) == 0:
            raise ReaderError(folder, f"{name} is an empty file (the acquisition may still "
                                      "be running)")
        raw = f.read_bytes()
        if b"##END=" not in raw[-4096:]:
            raise ReaderError(folder, f"{name} is truncated (no ##END= line)")
        if b"\x00" in raw:
            raise ReaderError(folder, f"{name} holds NUL bytes: not a parameter file")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReaderError(folder, f"{name}: byte {exc.start} is not UTF-8 text") from exc
        lines = raw.decode("latin-1").splitlines()
        for i, line in enumerate(lines):
            # mirror nmrglue's parse_jcamp_line: a value holding "<" is a string read up to
            # a ">" on any later line; else one holding "(" is an array of N + 1 values for
            # "(a..N)", read from the rest of the line and then line after line — at the end
            # of the file both loops wait for ever
            if not line.startswith("##") or "=" not in line:
                continue
            value = line[line.index("=") + 1:].lstrip()
            if "<" in value:
                if ">" not in value and not any(">" in nxt for nxt in lines[i + 1:]):
                    raise ReaderError(folder, f"{name}: unterminated string in {line[:40]!r}")
                continue
            if "(" not in value:
                continue
            m = _ARRAY.match(line)
            if not m:
                raise ReaderError(folder, f"{name}: malformed array declaration "
                                          f"{line[:40]!r}")
            want = int(m.group(3)) + 1
            have = len(m.group(4).split())
            for nxt in lines[i + 1:]:
                if have >= want or nxt.startswith("##"):
                    break
                have += len(nxt.split())
            if have < want:
                raise ReaderError(folder, f"{name}: {m.group(1)} declares {want} values "
                                          f"and holds {have}")


_TD = re.compile(rb"^##\$TD=[ \t]*([^\r\n]*)$", re.M)
_DTYPA = re.compile(rb"^##\$DTYPA=[ \t]*([^\r\n]*)$", re.M)


def _whole(folder: Path, name: str, key: str, raw: bytes, allowed=None) -> int:
    """A whole-number parameter from a parameter file's text, or a ReaderError."""
    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    if value is None or (allowed is not None and value not in allowed):
        raise ReaderError(folder, f"{name}: {key} = {raw[:20].decode('latin-1')!r} is not "
                                  + ("a whole number" if allowed is None else
                                     " or ".join(map(str, allowed))))
    return value


def _check_data_size(folder: Path) -> None:
    """The fid/ser file against acqus (and acqu2s) TD and :func:`analysis.files.limits`,
    before nmrglue reads the file whole and shapes it from TD.

    Raises
    ------
    ReaderError
        Empty data file, or one shorter than a single FID of TD points.
    LimitError
        A data file above ``$HPNMR_MAX_FILE_MB`` or TD/2 × rows above
        ``$HPNMR_MAX_POINTS``.
    """
    data = folder / "fid" if (folder / "fid").is_file() else folder / "ser"
    if not data.is_file():
        return  # nmrglue names the missing file
    size = data_file_size(data)
    acqus = (folder / "acqus").read_bytes() if (folder / "acqus").is_file() else b""
    td_m = _TD.search(acqus)
    if not td_m:
        return  # read() refuses an acqus without TD
    td = _whole(folder, "acqus", "TD", td_m.group(1))
    if td <= 0:
        raise ReaderError(folder, f"acqus gives TD={td}")
    aq_mod = re.search(rb"^##\$AQ_mod=[ \t]*([^\r\n]*)$", acqus, re.M)
    if aq_mod:
        _whole(folder, "acqus", "AQ_mod", aq_mod.group(1), (0, 1, 2, 3))
    dtypa = _DTYPA.search(acqus)
    point_bytes = 4
    if dtypa:
        point_bytes = 8 if _whole(folder, "acqus", "DTYPA", dtypa.group(1), (0, 2)) else 4
    if size % (2 * point_bytes):
        raise ReaderError(folder, f"truncated: {data.name} holds {size:,} bytes, not a whole "
                                  f"number of complex points of 2 × {point_bytes} bytes")
    row_bytes = td * point_bytes
    if row_bytes > size:
        raise ReaderError(folder, f"truncated: TD = {td:,} needs {row_bytes:,} bytes per "
                                  f"FID, {data.name} holds {size:,} bytes")
    rows = max(1, size // row_bytes)
    if data.name == "ser" and (folder / "acqu2s").is_file():
        m = _TD.search((folder / "acqu2s").read_bytes())
        if m:
            td2 = _whole(folder, "acqu2s", "TD", m.group(1))
            padded = -(-row_bytes // 1024) * 1024  # each FID of a ser starts on 1 KiB
            if td2 <= 0 or td2 * padded > size:
                raise ReaderError(folder, f"acqu2s declares {td2:,} rows of {padded:,} bytes; "
                                          f"ser holds {size:,} bytes (truncated, or the "
                                          "acquisition may still be running)")
            rows = min(rows, td2)
    check_points(folder, (td // 2) * rows, "complex points (TD/2 × rows)")


def read(path: Path, **_: object) -> Dataset:
    folder = _folder(Path(path))
    _check_parameter_files(folder)
    _check_data_size(folder)
    try:
        dic, data = ng.bruker.read(str(folder))
    except FileNotFoundError as exc:
        raise ReaderError(folder, f"missing Bruker file: {Path(exc.filename).name}") from exc
    acqus = dic.get("acqus") or {}
    for key in ("TD", "SW_h", "SFO1"):
        if key not in acqus:
            raise ReaderError(folder, f"acqus has no {key}")
    try:
        td = int(acqus["TD"])
        sw = float(acqus["SW_h"])
    except (TypeError, ValueError, OverflowError):
        raise ReaderError(folder, f"acqus gives TD={acqus['TD']!r}, "
                                  f"SW_h={acqus['SW_h']!r}") from None
    if td <= 0 or not 0 < sw < float("inf"):
        raise ReaderError(folder, f"acqus gives TD={td}, SW_h={sw}")
    data = np.asarray(data)
    if data.size == 0:
        raise ReaderError(folder, "the fid/ser file holds no data")
    npts = td // 2
    if data.shape[-1] < npts:
        raise ReaderError(folder, f"truncated: {data.shape[-1]} complex points stored, "
                          f"TD/2 = {npts}")
    data = data[..., :npts]
    try:
        decim = float(acqus.get("DECIM", 1))
    except (TypeError, ValueError):
        decim = float("nan")
    if not np.isfinite(decim):
        raise ReaderError(folder, f"acqus gives DECIM={acqus.get('DECIM')!r}")
    if "DSPFVS" in acqus and "DECIM" in acqus and decim > 1:
        data = ng.bruker.remove_digital_filter(dic, data)
        # nmrglue drops the last group-delay points; restore TD/2 with zeros (signal-free tail)
        pad = [(0, 0)] * (data.ndim - 1) + [(0, npts - data.shape[-1])]
        data = np.pad(data, pad)
    data = as_traces(data)
    if not np.all(np.isfinite(data)):
        raise ReaderError(folder, "the data contain NaN or infinite values")

    warnings: list[str] = []
    bf1 = float(acqus.get("BF1", acqus["SFO1"]))
    nuc, notes = _check_nucleus(canonical_nucleus(acqus.get("NUC1")), bf1)
    warnings += notes

    reference = bf1 * 1e6
    procs = folder / "pdata" / "1" / "procs"
    if procs.is_file():
        try:
            sf = float(ng.bruker.read_jcamp(str(procs)).get("SF", 0))
            if sf > 0:
                reference = sf * 1e6
        except (ValueError, OSError):
            warnings.append("pdata/1/procs unreadable; reference = BF1")

    array = None
    for fname, kind, unit, scale in _LISTS:
        lp = folder / fname
        if data.shape[0] > 1 and lp.is_file():
            vals = _read_list(lp, scale)
            if len(vals) >= data.shape[0]:
                array = ArrayAxis(fname, tuple(vals[: data.shape[0]]), unit, kind)
                break
            warnings.append(f"{fname} has {len(vals)} values for {data.shape[0]} rows; ignored")
    if array is None and data.shape[0] > 1:
        warnings.append("arrayed data without a vdlist/vplist/vclist: supply the delays")

    p = acqus.get("P") or []
    plw = acqus.get("PLW") or []
    date = acqus.get("DATE")
    try:
        acquired = (_dt.datetime.fromtimestamp(int(date), tz=_dt.UTC).isoformat()
                    if isinstance(date, (int, float)) and date > 0 else None)
    except (OverflowError, OSError, ValueError):
        acquired = None
        warnings.append(f"acqus DATE = {date!r} is not a time; acquisition date unknown")
    files = [folder / n for n in ("acqus", "acqu2s", "fid", "ser", "vdlist", "vplist",
                                  "vclist")]
    field_t = reference / (lookup(nuc).xi * H_TMS_HZ_PER_T) if nuc else None
    return Dataset(
        data=data,
        format="bruker",
        source=str(folder),
        nucleus=nuc,
        carrier_hz=float(acqus["SFO1"]) * 1e6,
        spectral_width_hz=sw,
        reference_hz=reference,
        scans=int(acqus["NS"]) if "NS" in acqus else None,
        receiver_gain=float(acqus["RG"]) if "RG" in acqus else None,
        pulse_90_s=float(p[1]) * 1e-6 if len(p) > 1 and p[1] else None,
        pulse_power_w=float(plw[1]) if len(plw) > 1 and plw[1] and plw[1] > 0 else None,
        array=array,
        acquired=acquired,
        field_t=field_t,
        sequence=str(acqus.get("PULPROG") or "") or None,
        sha256=hashes(files),
        warnings=tuple(warnings),
        params={"TD": td, "acquired_points": npts, "DECIM": acqus.get("DECIM"),
                "DSPFVS": acqus.get("DSPFVS"), "GRPDLY": acqus.get("GRPDLY"),
                "BYTORDA": acqus.get("BYTORDA"), "DTYPA": acqus.get("DTYPA"),
                "O1": acqus.get("O1")},
    )


def write(folder: str | Path, data: np.ndarray, *, nucleus: str, carrier_hz: float,
          reference_hz: float, spectral_width_hz: float, scans: int = 1,
          pulse_90_us: float = 0.0, power_w: float = 0.0, pulprog: str = "zg",
          date: int = 0, vdlist=None) -> Path:
    """Write simulated data as a TopSpin-style fid (1 trace) or ser (several) with acqus.

    ``data`` follows this package's sign convention, which is also Bruker's (see the module
    docstring): it is rounded to int32 and stored as is, little-endian, without a digital
    filter (DECIM = 1). Only for new folders (simulations, exports): raw data are never
    rewritten.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = np.atleast_2d(np.asarray(data))
    npts = data.shape[1]
    acqus = {
        # no trailing newlines: nmrglue adds them, and reads a blank line as end of file
        "_coreheader": ["##TITLE= Parameter file, hpnmr", "##JCAMPDX= 5.0",
                        "##DATATYPE= Parameter Values", "##ORIGIN= hpnmr", "##OWNER= hpnmr"],
        "_comments": [],
        "TD": 2 * npts, "SW_h": float(spectral_width_hz),
        "SW": float(spectral_width_hz / (carrier_hz / 1e6)),
        "SFO1": carrier_hz / 1e6, "BF1": reference_hz / 1e6, "O1": carrier_hz - reference_hz,
        "NUC1": nucleus, "NS": int(scans), "RG": 1.0, "BYTORDA": 0, "DTYPA": 0, "DECIM": 1,
        "PULPROG": pulprog, "DATE": int(date), "AQ_mod": 3, "DIGMOD": 0,
        "P": [0.0, float(pulse_90_us), 2 * float(pulse_90_us)] + [0.0] * 61,
        "PLW": [0.0, float(power_w)] + [0.0] * 62,
    }
    dic = {"acqus": acqus}
    raw = np.rint(data).astype(complex)
    if data.shape[0] > 1:
        dic["acqu2s"] = dict(acqus, TD=int(data.shape[0]), _comments=[])
        ng.bruker.write(str(folder), dic, raw, overwrite=True, write_prog=False, big=False,
                        isfloat=False)
    else:
        ng.bruker.write(str(folder), dic, raw[0], overwrite=True, write_prog=False, big=False,
                        isfloat=False)
    if vdlist is not None:
        (folder / "vdlist").write_text("".join(f"{v:.6g}\n" for v in vdlist))
    return folder
