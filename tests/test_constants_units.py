"""PHYSICS.md §10 rows 21–23, flag F1 and the nuclear table."""

import math

import pytest

from analysis import constants, units

B0 = 9.28


def test_row21_reference_frequencies():
    h = units.reference_frequency_hz("1H", field_t=B0)
    la = units.reference_frequency_hz("139La", field_t=B0)
    cu = units.reference_frequency_hz("63Cu", field_t=B0)
    assert h == pytest.approx(395.108850e6, abs=1.0)
    assert la == pytest.approx(55.811658e6, abs=1.0)
    assert cu == pytest.approx(104.764980e6, abs=1.0)


def test_row22_width_in_ppm():
    assert units.width_hz_to_ppm(1350.0, 395.10885e6) == pytest.approx(3.4168, abs=1e-4)


def test_row23_ppm_to_hz():
    assert units.width_ppm_to_hz(2950.0, 55.811658e6) == pytest.approx(164.644e3, abs=1.0)


def test_cu_chain_worked_example():
    # PHYSICS §7: Cu metal (K = 0.232 %) at 105.008 04 MHz → ¹H 395.108 85, ¹³⁹La 55.811 66
    href = units.proton_reference_from_cu(105.00804e6, 0.00232)
    assert href == pytest.approx(395.10885e6, abs=30)
    la = units.reference_frequency_hz("139La", proton_reference=href)
    assert la == pytest.approx(55.81166e6, abs=10)


def test_flag_f1_xi_differs_from_bare_gamma():
    la = constants.nucleus("139La")
    h = constants.nucleus("1H")
    bare = la.gamma / h.gamma
    assert (bare - la.xi) / la.xi * 1e6 == pytest.approx(7800, rel=0.01)
    # the paper's carrier 55.95 MHz sits ≈ +2480 ppm above the Ξ reference at 9.28 T
    ref = units.reference_frequency_hz("139La", field_t=B0)
    assert float(units.hz_to_ppm(55.95e6, ref)) == pytest.approx(2480, abs=5)


@pytest.mark.parametrize("label", ["139La", "La139", "^139La", "La-139", "¹³⁹La"])
def test_nucleus_spellings(label):
    assert constants.nucleus(label).symbol == "139La"


def test_unknown_nucleus():
    with pytest.raises(KeyError):
        constants.nucleus("999Xx")


def test_gamma_of_la_and_proton():
    assert constants.nucleus("139La").gamma_hz_per_t == pytest.approx(6.061148e6, rel=1e-6)
    assert constants.NUCLEI["1H"].gamma / constants.NUCLEI["139La"].gamma == pytest.approx(
        7.0247, rel=1e-4)
    assert math.isclose(constants.MU0_OVER_4PI, 1e-7, rel_tol=1e-9)


def test_axis_conversions_round_trip():
    off = 1234.5
    for unit in ("Hz", "kHz", "ppm"):
        v = units.offset_axis(off, unit, carrier_hz=395.0e6, reference_hz=395.1e6)
        back = units.offset_from_axis(v, unit, carrier_hz=395.0e6, reference_hz=395.1e6)
        assert float(back) == pytest.approx(off, abs=1e-6)
