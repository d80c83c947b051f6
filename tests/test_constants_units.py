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


# --------------------------------------------------------------- manifest referencing (§7)
def test_manifest_cu_chain_gives_the_row21_references():
    """⁶³Cu line of metal at 9.28 T with K = 0.232 % → the §10 row 21 ¹H and ¹³⁹La
    references (1 Hz), through the same function the campaigns use."""
    cu_metal = units.reference_frequency_hz("63Cu", field_t=B0) * (1 + 0.00232)
    assert cu_metal == pytest.approx(105.00804e6, abs=10)  # §7 worked example
    ref = {"cu63_observed_hz": cu_metal, "cu_knight_shift": 0.00232}
    h = units.manifest_reference(ref, "1H", 400e6)
    la = units.manifest_reference(ref, "139La", 56e6)
    assert h.source == la.source == units.SOURCE_CU_CHAIN
    assert h.nu_ref_hz == pytest.approx(395.108850e6, abs=1.0)
    assert la.nu_ref_hz == pytest.approx(55.811658e6, abs=1.0)
    assert la.proton_reference_hz == pytest.approx(h.nu_ref_hz, rel=1e-15)
    assert "K_Cu = 0.232 %" in la.detail and "differs" in la.detail  # the file said 56 MHz
    # the Knight shift is a parameter: a larger K puts ¹H lower by the same fraction
    k2 = units.manifest_reference(ref | {"cu_knight_shift": 0.00238}, "1H")
    assert k2.nu_ref_hz / h.nu_ref_hz == pytest.approx(1.00232 / 1.00238, rel=1e-12)


def test_manifest_proton_reference_and_fallbacks():
    h_only = units.manifest_reference({"proton_reference_hz": 395.0e6}, "139La", 55.8e6)
    assert h_only.source == units.SOURCE_MANIFEST_H
    assert h_only.nu_ref_hz == pytest.approx(0.14125641 * 395.0e6, rel=1e-12)
    # no referencing: the file's own, and the detail says why
    f = units.manifest_reference({}, "1H", 395.001e6)
    assert (f.source, f.nu_ref_hz) == (units.SOURCE_FILE, 395.001e6)
    assert "no [referencing]" in f.detail
    none = units.manifest_reference({}, "1H", None)
    assert none.nu_ref_hz is None and "no ppm" in none.detail
    # an unknown nucleus has no Ξ: the file's own reference
    unk = units.manifest_reference({"proton_reference_hz": 395.0e6}, "999Xx", 12.3e6)
    assert (unk.source, unk.nu_ref_hz) == (units.SOURCE_FILE, 12.3e6)
    assert "no Ξ" in unk.detail
    # both given and inconsistent: the Cu chain is used and the disagreement named
    cu = 0.26515473 * 395.0e6 * 1.00232
    both = units.manifest_reference({"cu63_observed_hz": cu, "proton_reference_hz": 395.002e6},
                                    "1H")
    assert both.source == units.SOURCE_CU_CHAIN
    assert both.nu_ref_hz == pytest.approx(395.0e6, abs=0.01)
    assert "+5.063 ppm and is not used" in both.detail
    assert both.to_dict()["reference_hz"] == both.nu_ref_hz
