"""Spectrum orientation: a line at higher frequency must read a higher shift, on every reader.

For each format that has a writer (Bruker, through :func:`analysis.io.bruker.write`) or can be
synthesised (Varian and NMRPipe through nmrglue's writers, JCAMP-DX ``NMR FID`` and text by
hand, Tecmag by replacing the data of a copy of a real ``.tnt``), a simulated FID with one line
at +Δν and then +2Δν above the 0-ppm reference is written *in the vendor's documented sign*,
read back with :func:`analysis.io.read`, processed with :mod:`analysis.processing` and measured
with :func:`analysis.measure.peak`. A Knight-shift trend must come out rising and at the
expected ppm: a mirrored reader would put the lines below the carrier and make them fall.

Vendor signs (see each reader's docstring for the evidence): Bruker, NMRPipe and text store
exp(+i·2π·Δν·t); Varian, Tecmag and JCAMP-DX ``NMR FID`` store the conjugate.
"""

from __future__ import annotations

import struct
from pathlib import Path

import nmrglue as ng
import numpy as np
import pytest

from analysis import io, measure
from analysis import processing as P
from analysis.simulate import Line, synthesize

CARRIER_HZ = 100.0e6
REFERENCE_HZ = CARRIER_HZ - 3000.0  # carrier 30 ppm above 0 ppm: a mirror is not symmetric
SW_HZ = 20_000.0
POINTS = 2048
STEP_HZ = 1500.0  # Δν: the lines sit at +Δν and +2Δν above the reference


def _fid(offset_from_carrier_hz: float, points: int = POINTS, sw: float = SW_HZ) -> np.ndarray:
    """A Lorentzian line in this package's convention, exp(+i·2π·Δν·t), no noise."""
    return synthesize([Line(offset_from_carrier_hz, 1.0e5, 40.0)], points, sw)


def _shift_ppm(ds: io.Dataset, trace: int = 0) -> tuple[float, float]:
    """(shift in ppm, position from the carrier in Hz) of the strongest line of ``trace``.

    The magnitude spectrum is measured, so the test does not depend on phasing.
    """
    sp = P.process(ds, P.ProcessingParams(trace=trace, zero_fill=8 * ds.points))
    sp = P.Spectrum(offsets_hz=sp.offsets_hz, data=np.abs(sp.data).astype(complex),
                    carrier_hz=sp.carrier_hz, reference_hz=sp.reference_hz,
                    spectral_width_hz=sp.spectral_width_hz, nucleus=sp.nucleus,
                    time_points=sp.time_points, params=sp.params)
    pk = measure.peak(sp)
    assert pk.shift_ppm is not None, "the dataset has no reference"
    return pk.shift_ppm.value, pk.position_hz.value


# --- writers: our-convention FID → file in the vendor's sign -------------------------------
def _write_bruker(folder: Path, fid: np.ndarray, *, carrier: float, reference: float,
                  sw: float) -> Path:
    return io.bruker.write(folder, fid, nucleus="1H", carrier_hz=carrier,
                           reference_hz=reference, spectral_width_hz=sw)


def _write_varian(folder: Path, fid: np.ndarray, *, carrier: float, reference: float,
                  sw: float) -> Path:
    udic = ng.fileiobase.create_blank_udic(1)
    udic[0].update(size=fid.size, complex=True, encoding="direct", sw=sw,
                   obs=carrier / 1e6, car=0.0, label="H1", time=True, freq=False)
    dic = ng.varian.create_dic(udic)
    pp = dic["procpar"]
    for name, value in (("sw", sw), ("sfrq", carrier / 1e6), ("reffrq", reference / 1e6),
                        ("tn", "H1")):
        pp[name] = ng.varian.create_pdic_param(name, [repr(value) if not isinstance(
            value, str) else value])
    folder.mkdir(parents=True)
    # VnmrJ stores exp(−i·2π·Δν·t): conjugate on the way out
    ng.varian.write(str(folder), dic, np.conj(fid).astype(np.complex64), overwrite=True)
    return folder


def _write_pipe(folder: Path, fid: np.ndarray, *, carrier: float, reference: float,
                sw: float) -> Path:
    udic = ng.fileiobase.create_blank_udic(1)
    udic[0].update(size=fid.size, complex=True, encoding="direct", sw=sw,
                   obs=carrier / 1e6, car=0.0, label="1H", time=True, freq=False)
    dic = ng.pipe.create_dic(udic)
    folder.mkdir(parents=True)
    path = folder / "test.fid"
    ng.pipe.write(str(path), dic, fid.astype(np.complex64), overwrite=True)
    return path


def _write_jcamp(folder: Path, fid: np.ndarray, *, carrier: float, reference: float,
                 sw: float) -> Path:
    """A JCAMP-DX 6 ``NMR FID`` NTUPLES with AFFN pages, stored as the conjugate."""
    stored = np.conj(fid)
    scale = float(np.abs(stored).max()) / 1e6
    re_i = np.rint(stored.real / scale).astype(int)
    im_i = np.rint(stored.imag / scale).astype(int)
    n = fid.size
    dwell = 1.0 / sw

    def page(values: np.ndarray, sym: str) -> list[str]:
        lines = [f"##PAGE=N={1 if sym == 'R' else 2}",
                 f"##DATA TABLE=(X++({sym}..{sym})), XYDATA"]
        for k in range(0, n, 8):
            lines.append(f"{k} " + " ".join(str(v) for v in values[k:k + 8]))
        return lines

    lines = ["##TITLE=orientation test", "##JCAMP-DX=6.00", "##DATA TYPE=NMR FID",
             "##DATA CLASS=NTUPLES", "##ORIGIN=hpnmr test", "##OWNER=public",
             f"##.OBSERVE FREQUENCY={carrier / 1e6!r}", "##.OBSERVE NUCLEUS=^1H",
             "##NTUPLES=NMR FID",
             "##VAR_NAME= TIME, FID/REAL, FID/IMAG, PAGE NUMBER",
             "##SYMBOL= X, R, I, N",
             "##VAR_TYPE= INDEPENDENT, DEPENDENT, DEPENDENT, PAGE",
             "##VAR_FORM= AFFN, AFFN, AFFN, AFFN",
             f"##VAR_DIM= {n}, {n}, {n}, 2",
             "##UNITS= SECONDS, ARBITRARY UNITS, ARBITRARY UNITS,",
             f"##FIRST= 0, {re_i[0]}, {im_i[0]}, 1",
             f"##LAST= {(n - 1) * dwell!r}, {re_i[-1]}, {im_i[-1]}, 2",
             f"##FACTOR= {dwell!r}, {scale!r}, {scale!r}, 1"]
    lines += page(re_i, "R") + page(im_i, "I")
    lines += ["##END NTUPLES=NMR FID", "##END="]
    folder.mkdir(parents=True)
    path = folder / "fid.dx"
    path.write_text("\n".join(lines) + "\n")
    return path


def _write_text(folder: Path, fid: np.ndarray, *, carrier: float, reference: float,
                sw: float) -> Path:
    folder.mkdir(parents=True)
    path = folder / "fid.csv"
    t = np.arange(fid.size) / sw
    rows = "\n".join(f"{a:.9e},{b:.9e},{c:.9e}" for a, b, c in zip(t, fid.real, fid.imag,
                                                                      strict=True))
    path.write_text("time_s,real,imag\n" + rows + "\n")
    return path


WRITERS = {"bruker": _write_bruker, "varian": _write_varian, "nmrpipe": _write_pipe,
           "jcamp": _write_jcamp, "text": _write_text}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_higher_frequency_reads_higher_shift(fmt, tmp_path):
    """Lines at +Δν and +2Δν above the reference read +Δν/ν_ref and +2Δν/ν_ref (ppm)."""
    # JCAMP FIDs, NMRPipe and text files state no separate reference: 0 ppm is the carrier
    own_reference = fmt in ("bruker", "varian")
    reference = REFERENCE_HZ if own_reference else CARRIER_HZ
    shifts = []
    for k in (1, 2):
        fid = _fid(reference + k * STEP_HZ - CARRIER_HZ)
        path = WRITERS[fmt](tmp_path / f"{fmt}{k}", fid, carrier=CARRIER_HZ,
                            reference=reference, sw=SW_HZ)
        kwargs = {"carrier_hz": CARRIER_HZ, "reference_hz": reference} if fmt == "text" \
            else {}
        ds = io.read(path, **kwargs)
        assert ds.format == fmt
        assert ds.reference_hz == pytest.approx(reference)
        shift, position = _shift_ppm(ds)
        assert position == pytest.approx(reference + k * STEP_HZ - CARRIER_HZ, abs=0.5)
        shifts.append(shift)
    expected = [k * STEP_HZ / reference * 1e6 for k in (1, 2)]
    assert shifts[1] > shifts[0]
    assert shifts == pytest.approx(expected, abs=0.01)


def _tnt_sections(raw: bytes) -> dict[str, tuple[int, int]]:
    """{tag: (offset of the section's data, length)} of a TNMR file."""
    out, pos = {}, 8
    while pos + 12 <= len(raw):
        tag, _flag, length = struct.unpack("<4sII", raw[pos:pos + 12])
        out[tag.decode("latin-1")] = (pos + 12, length)
        pos += 12 + length
    return out


def test_tecmag_round_trip_in_tnmr_sign(realdata, tmp_path):
    """A copy of a real ``.tnt`` with its three traces replaced by lines at +Δν, +2Δν, +3Δν
    above the reference, written in TNMR's sign (the conjugate, see the reader's docstring)
    and with a reference offset ``ref_freq`` set, reads a rising shift at the right ppm."""
    raw = bytearray((realdata / "dnplab/data/tnmr/1D.tnt").read_bytes())
    sec = _tnt_sections(bytes(raw))
    tmag_at, _ = sec["TMAG"]
    data_at, data_len = sec["DATA"]
    npts, traces = struct.unpack("<2i", raw[tmag_at:tmag_at + 8])
    dwell = struct.unpack("<d", raw[tmag_at + 272:tmag_at + 280])[0]
    carrier = struct.unpack("<d", raw[tmag_at + 84:tmag_at + 92])[0] * 1e6
    assert data_len == 8 * npts * traces and traces == 3
    ref_freq = 400.0  # TNMR: the carrier sits at −ref_freq from 0 ppm
    raw[tmag_at + 180:tmag_at + 188] = struct.pack("<d", ref_freq)
    reference = carrier + ref_freq
    step = 500.0
    fids = [_fid(reference + k * step - carrier, npts, 1.0 / dwell) for k in (1, 2, 3)]
    stored = np.conj(np.array(fids)).astype(np.complex64)  # TNMR's left-handed sign
    raw[data_at:data_at + data_len] = stored.tobytes()  # trace after trace
    path = tmp_path / "synthetic.tnt"
    path.write_bytes(bytes(raw))

    ds = io.read(path)
    assert ds.format == "tecmag" and ds.traces == 3
    assert ds.reference_hz == pytest.approx(reference)
    shifts = [_shift_ppm(ds, trace=k)[0] for k in range(3)]
    assert np.all(np.diff(shifts) > 0)
    assert shifts == pytest.approx([k * step / reference * 1e6 for k in (1, 2, 3)], abs=0.05)
