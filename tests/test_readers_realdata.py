"""Readers on the real public files of ../shared/realdata (skipped when absent).

Pinned: format, nucleus, carrier (MHz), full spectral width (Hz), complex points per trace,
traces, and the array axis (name, first values, unit) — the acceptance of ``hpnmr info``.
"""

import json

import numpy as np
import pytest

from analysis import io
from analysis.processing import ProcessingParams, process
from dashboard.cli import main

# path, format, nucleus, carrier MHz, SW Hz, points, traces, (array name, first values, unit)
CASES = [
    ("dnplab/data/tnmr/T1.tnt", "tecmag", "1H", 14.946627, 5000.0, 1024, 5,
     ("tau", [0.01, 0.09, 0.17, 0.25, 0.33], "s")),
    ("dnplab/data/tnmr/1D.tnt", "tecmag", "1H", 14.946627, 5000.0, 1024, 3, None),
    ("dnplab/data/topspin/28", "bruker", "1H", 14.83141327, 9980.03992015968, 7983, 8,
     ("vdlist", [0.02, 0.056854, 0.161616, 0.459422, 1.306, 3.713, 10.553, 30.0], "s")),
    ("ssnake/Tutorial/DataFiles/satrec2D.fid", "varian", "87Rb", 196.3444528, 192307.692308,
     1923, 12, ("tau_recovery", [0.001, 0.002, 0.005, 0.01], "s")),
    ("ssnake_tutorials/T2fitting/data/2", "bruker", "27Al", 208.496746, 500000.0, 750, 100,
     None),
    ("ssnake_tutorials/WholeEchoAcquisition/data", "varian", "139La", 84.7335957, 2500000.0,
     942, 1, None),
    ("ssnake_tutorials/QCPMG/data/raw.fid", "varian", "35Cl", 83.254547, 500000.0, 150000, 1,
     None),
    ("ssnake_tutorials/REDOR/data/REDOR_no_pulse.fid", "varian", "13C", 100.5769969, 50000.0,
     2500, 20, ("nYxy8", [2, 4, 6, 8], "")),
    ("ssnake_tutorials/REDOR/data/REDOR_with_pulse.fid", "varian", "13C", 100.5769969,
     50000.0, 2500, 20, None),
    ("ssnake_tutorials/Nutation/data", "varian", "55Mn", 148.731751, 10000.0, 1000, 128,
     ("pwX90", [6e-6, 12e-6, 18e-6], "s")),
    ("spectrochempy_data/testdata/nmrdata/bruker/tests/nmr/relax/100", "bruker", "29Si",
     158.84896602, 156250.0, 2048, 9, ("vdlist", [1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 50.0],
                                      "s")),
    ("nmr_datafiles/Bruker/Topspin/1D/1", "bruker", "1H", 599.7148786176, 7183.90804597701,
     14367, 1, None),
    ("nmr_datafiles/Bruker/Topspin/Topspin4/4", "bruker", "25Mg", 48.981038, 250000.0, 51200,
     1, None),
    ("nmr_datafiles/Bruker/XwinNMR/1D", "bruker", "13C", 75.4752953008526, 17985.6115107914,
     32768, 1, None),
    ("nmr_datafiles/Varian/VnmrJ3/1D.fid", "varian", "1H", 300.1480586, 192307.692308, 3846, 1,
     None),
    ("nmr_datafiles/JCAMP/1DSpectrum.jcamp", "jcamp", "1H", 300.1480586, None, 131072, 1, None),
    ("nmr_datafiles/Magritec/1D/nmr_fid.dx", "jcamp", "1H", 43.0773162844181, 20000.0, 32768,
     1, None),
    ("nmr_datafiles/nmrpipe/1Dspectrumreal/test.fid", "nmrpipe", "1H", None, None, 16384, 1,
     None),
    ("nmrium/public/data/t1/1H_t1_1s.dx", "jcamp", "1H", 600.20152, None, 8192, 1, None),
    ("nmr_datafiles/Minispec/Complex/T1Data1.sig", "minispec", None, None, None, 6272, 1,
     None),
    ("nmr_datafiles/Minispec/Magnitude/T1Data12.sig", "minispec", None, None, None, 6272, 1,
     None),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_reader_pins(realdata, case):
    rel, fmt, nuc, car, sw, points, traces, array = case
    ds = io.read(realdata / rel)
    assert ds.format == fmt
    assert ds.nucleus == nuc
    if car is not None:
        assert ds.carrier_hz / 1e6 == pytest.approx(car, abs=1e-6)
    if sw is not None:
        assert ds.spectral_width_hz == pytest.approx(sw, rel=1e-6)
    assert ds.points == points
    assert ds.traces == traces
    assert np.all(np.isfinite(ds.data))
    assert np.abs(ds.data).max() > 0
    if array is None:
        return
    name, values, unit = array
    assert ds.array is not None
    assert ds.array.name == name
    assert ds.array.unit == unit
    np.testing.assert_allclose(ds.array.values[: len(values)], values, rtol=1e-6)


def test_tecmag_t1_acceptance_via_cli(realdata, capsys):
    """The acceptance line: T1.tnt reports 5000 Hz and its five delays in seconds."""
    assert main(["info", str(realdata / "dnplab/data/tnmr/T1.tnt"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["spectral_width_hz"] == pytest.approx(5000.0)
    assert out["array"]["values"] == pytest.approx([0.01, 0.09, 0.17, 0.25, 0.33])
    assert out["array"]["unit"] == "s"
    assert out["array"]["name"] == "tau"
    assert out["nucleus"] == "1H"


def test_odnp_placeholder_nucleus_is_flagged(realdata):
    ds = io.read(realdata / "dnplab/data/topspin/28")
    assert any("15N" in w and "¹H" in w for w in ds.warnings)
    # the user can still force a label
    assert io.read(realdata / "dnplab/data/topspin/28", nucleus="15N").nucleus == "15N"


def _line_ppm(sp, lo_ppm: float, hi_ppm: float) -> float:
    """Shift (ppm, against the spectrum's own reference) of the strongest line of the
    magnitude spectrum between ``lo_ppm`` and ``hi_ppm``, by :func:`analysis.measure.peak`
    (magnitude: the position does not depend on phasing)."""
    import dataclasses

    from analysis import measure

    ref = sp.reference_hz
    region = tuple(ref * (1 + d * 1e-6) - sp.carrier_hz for d in (lo_ppm, hi_ppm))
    mag = dataclasses.replace(sp, data=np.abs(sp.data).astype(complex))
    return measure.peak(mag, region).shift_ppm.value


def test_bruker_13c_cdcl3_triplet_at_77p16_ppm(realdata):
    """Orientation on a known line: the CDCl₃ 1:1:1 triplet (J_CD ≈ 32 Hz) of the XwinNMR ¹³C
    spectrum is centred at 77.16 ppm, not at its mirror image about the carrier (122.9 ppm).

    This dataset has no pdata/procs, so 0 ppm is BF1, the console's nominal frequency with
    no spectrum-reference correction (SR): the centre reads 77.10 ppm. The tolerance is
    0.1 ppm for that reason; the mirror is 45 ppm away.
    """
    ds = io.read(realdata / "nmr_datafiles/Bruker/XwinNMR/1D")
    assert ds.reference_hz == pytest.approx(75.467749e6)  # BF1
    sp = process(ds, ProcessingParams(zero_fill=131072, lb_hz=1.0))
    lines = [_line_ppm(sp, lo, hi) for lo, hi in ((76.4, 76.9), (76.9, 77.3), (77.3, 77.8))]
    assert np.diff(lines) == pytest.approx([0.426, 0.426], abs=0.01)  # 32.2 Hz at 75.5 MHz
    assert np.mean(lines) == pytest.approx(77.16, abs=0.1)
    # nothing comparable at the mirror image
    mirror = 2 * (ds.carrier_hz - ds.reference_hz) / ds.reference_hz * 1e6 - 77.16
    ppm = sp.axis("ppm")
    near = np.abs(ppm - mirror) < 0.6
    assert np.abs(sp.data[near]).max() < 0.3 * np.abs(sp.data).max()


def test_bruker_1h_tms_and_methanol_d4(realdata):
    """The 600 MHz ¹H spectrum (CD₃OD): TMS at 0.00 ppm and the CHD₂OD quintet centred at
    3.31 ppm, referenced to the dataset's BF1 (no procs); mirrored they read 9.59 and 6.27."""
    ds = io.read(realdata / "nmr_datafiles/Bruker/Topspin/1D/1")
    assert ds.reference_hz == pytest.approx(599.712e6)
    sp = process(ds, ProcessingParams(zero_fill=131072))
    assert _line_ppm(sp, -0.2, 0.2) == pytest.approx(0.00, abs=0.05)
    # the quintet's centre line is its strongest (1:2:3:2:1, J_HD ≈ 1.6 Hz)
    assert _line_ppm(sp, 3.2, 3.45) == pytest.approx(3.31, abs=0.05)
    # the strongest line of the spectrum is HDO (4.87 ppm in CD₃OD at 25 °C)
    ppm = sp.axis("ppm")
    assert ppm[np.argmax(np.abs(sp.data))] == pytest.approx(4.87, abs=0.05)


def test_bruker_29si_line_inside_topspin_integration_region(realdata):
    """²⁹Si (γ < 0), the same rule as every nucleus: the strongest line falls inside the
    region TopSpin's relaxation module integrated (pdata/1/intrng, ppm on TopSpin's own
    scale), not at its mirror image about the carrier."""
    folder = realdata / "spectrochempy_data/testdata/nmrdata/bruker/tests/nmr/relax/100"
    rows = [ln.split("#")[0].split() for ln in
            (folder / "pdata/1/intrng").read_text().splitlines()[1:]]
    lo, hi = sorted(float(v) for v in next(r for r in rows if len(r) >= 2)[:2])
    ds = io.read(folder)
    sp = process(ds, ProcessingParams(trace=8, lb_hz=100.0, zero_fill=16384))
    ppm = sp.axis("ppm")[np.argmax(np.abs(sp.data))]
    assert lo < ppm < hi
    carrier_ppm = (ds.carrier_hz - ds.reference_hz) / ds.reference_hz * 1e6
    assert not lo < 2 * carrier_ppm - ppm < hi


def test_jcamp_fid_magritek_ibuprofen_orientation(realdata):
    """Magritek Spinsolve FID of ibuprofen (43 MHz ¹H, no reference in the file): the
    aromatic line (the strongest) lies 6.3 ppm *above* the isobutyl CH₃ doublet
    (δ 7.15 and 0.85). Read unconjugated, the pattern is mirrored and the doublet sits above.
    Also pins the FACTOR decoding: nmrglue reads this file's decimal commas as factors 0 and
    5·10¹⁴ (a real part of zeros)."""
    ds = io.read(realdata / "nmr_datafiles/Magritec/1D/nmr_fid.dx")
    assert np.abs(ds.data.real).max() > 0
    assert np.abs(ds.data).max() < 1e5  # FACTOR × 32767 ≈ 1666
    sp = process(ds, ProcessingParams(lb_hz=0.5))
    mhz = ds.carrier_hz / 1e6
    ppm = sp.offsets_hz / mhz
    mag = np.abs(sp.data)
    aromatic = ppm[np.argmax(mag)]
    below = (ppm > aromatic - 6.8) & (ppm < aromatic - 5.9)
    above = (ppm > aromatic + 5.9) & (ppm < aromatic + 6.8)
    assert mag[below].max() > 0.5 * mag.max()
    assert mag[above].max() < 0.2 * mag.max()
    # doublet (J ≈ 6.5 Hz): its two lines, centred 6.3 ppm below the aromatic line
    k = np.flatnonzero(below)[np.argmax(mag[below])]
    other = below & (np.abs(ppm - ppm[k]) > 0.08) & (np.abs(ppm - ppm[k]) < 0.25)
    j = np.flatnonzero(other)[np.argmax(mag[other])]
    assert aromatic - 0.5 * (ppm[k] + ppm[j]) == pytest.approx(6.30, abs=0.1)


def test_nmrpipe_spectrum_ethanol_orientation(realdata):
    """The NMRPipe ¹H spectrum is ethanol: CH₃ triplet at 1.22 ppm, CH₂ quartet at 3.69 ppm
    (a mirrored axis would put the quartet below the triplet)."""
    ds = io.read(realdata / "nmr_datafiles/nmrpipe/1Dspectrumreal/test.fid")
    sp = process(ds)
    assert _line_ppm(sp, 1.0, 1.4) == pytest.approx(1.22, abs=0.05)
    quartet = [_line_ppm(sp, lo, hi) for lo, hi in ((3.61, 3.69), (3.69, 3.77))]
    assert np.mean(quartet) == pytest.approx(3.69, abs=0.05)


def test_varian_fid_matches_its_jcamp_spectrum(realdata):
    """The VnmrJ FID, transformed, correlates with the JCAMP export of the same experiment."""
    from analysis import processing as P

    fid = io.read(realdata / "nmr_datafiles/Varian/VnmrJ3/1D.fid")
    spec = io.read(realdata / "nmr_datafiles/JCAMP/1DSpectrum.jcamp")
    sp = P.process(fid, P.ProcessingParams(zero_fill=131072))
    ppm_fid = sp.axis("ppm")
    ppm_j = spec.frequency_offsets_hz / (fid.reference_hz / 1e6)
    on_j = np.interp(ppm_j, ppm_fid, np.abs(sp.data))
    mirrored = np.interp(ppm_j, ppm_fid, np.abs(sp.data)[::-1])
    ref = np.abs(spec.data[0].real)
    assert np.corrcoef(on_j, ref)[0, 1] > 0.8
    assert np.corrcoef(on_j, ref)[0, 1] > np.corrcoef(mirrored, ref)[0, 1] + 0.2
    # the doublet's centre on a common ppm axis: 9.83 ppm in the JCAMP export; 11.31 ppm
    # (its mirror image about the carrier at 10.56 ppm) if the FID were not conjugated
    lines_j = [ppm_j[(ppm_j > lo) & (ppm_j < hi)][np.argmax(ref[(ppm_j > lo) & (ppm_j < hi)])]
               for lo, hi in ((6, 9.8), (9.8, 14))]
    lines_f = [_line_ppm(sp, lo, hi) for lo, hi in ((6, 9.8), (9.8, 14))]
    assert np.mean(lines_j) == pytest.approx(9.83, abs=0.03)
    assert np.mean(lines_f) == pytest.approx(np.mean(lines_j), abs=0.05)


def test_bruker_digital_filter_removed(realdata):
    """After removal the FID starts at its maximum region, not with the filter's ramp."""
    ds = io.read(realdata / "nmr_datafiles/Bruker/Topspin/1D/1")
    mag = np.abs(ds.data[0])
    assert mag[:10].max() > 0.5 * mag.max()


def test_pseudo2d_jcamp_ntuples(realdata):
    """nmrglue returns no data here; our reader decodes the 16 pages, keeps the 10 acquired
    rows and takes the (descending) delays from the embedded vdlist."""
    ds = io.read(realdata / "nmrium/public/data/t1-bruker-pseudo2d/1H_T1_2D.dx")
    assert ds.domain == "frequency" and ds.nucleus == "1H"
    assert ds.traces == 10 and ds.points == 8192
    assert ds.array.values == pytest.approx((10, 5, 4, 3, 2, 1, 0.5, 0.25, 0.1, 0.01))
    # inversion recovery: the strongest line is inverted at the shortest delay
    k = int(np.argmax(np.abs(ds.data[0].real)))
    assert np.sign(ds.data[0, k].real) != np.sign(ds.data[-1, k].real)
    # the same axis as the separately exported 1-D spectra of the series
    one = io.read(realdata / "nmrium/public/data/t1/1H_t1_10s.dx")
    np.testing.assert_allclose(one.frequency_offsets_hz, ds.frequency_offsets_hz, atol=1e-6)


def test_corrupt_pseudo2d_names_the_file(realdata, tmp_path):
    text = (realdata / "nmrium/public/data/t1-bruker-pseudo2d/1H_T1_2D.dx").read_text(
        encoding="latin-1")
    bad = tmp_path / "bad2d.dx"
    bad.write_text(text.replace("##VAR_DIM=", "##VAR_XX="), encoding="latin-1")
    with pytest.raises(io.ReaderError) as exc:
        io.read(bad)
    assert "bad2d.dx" in str(exc.value)
