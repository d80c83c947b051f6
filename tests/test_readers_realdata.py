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


def test_bruker_signs_put_hdo_at_4p8_ppm(realdata):
    """Conjugation check: the 600 MHz ¹H sample's strongest line is HDO near 4.8 ppm."""
    from analysis import processing as P

    ds = io.read(realdata / "nmr_datafiles/Bruker/Topspin/1D/1")
    sp = P.process(ds, P.ProcessingParams(zero_fill=65536))
    ppm = sp.axis("ppm")
    assert ppm[np.argmax(np.abs(sp.data))] == pytest.approx(4.77, abs=0.05)


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


def test_bruker_negative_gamma_nucleus_is_not_mirrored(realdata):
    """²⁹Si (γ < 0): the strongest line falls inside the region TopSpin's relaxation module
    integrated (−51…−136 ppm on its own scale), not at its mirror image (+13…+45 ppm)."""
    ds = io.read(realdata / "spectrochempy_data/testdata/nmrdata/bruker/tests/nmr/relax/100")
    sp = process(ds, ProcessingParams(trace=8, lb_hz=100.0))
    ppm = sp.axis("ppm")[np.argmax(np.abs(sp.data))]
    assert -136 < ppm < -51
