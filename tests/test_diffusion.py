"""D from T1 and the BPP relations: PHYSICS §10 rows 12–16 and flags F3–F5."""

import numpy as np
import pytest

from analysis import diffusion as df

N0 = 3e23 * 1e6  # 3e23 cm⁻³ in m⁻³
A = 1e-10
T1 = 1.5e-3
OMEGA0 = 2.4826e9  # ¹H at 9.28 T, rad/s


def test_row12_paper_form_with_planck_h():
    r = df.diffusion_from_t1(T1, N0, A, prefactor="paper", constant="h")
    assert r.D_cm2_s == pytest.approx(9.538e-7, rel=1e-3)


def test_row13_paper_form_with_hbar_is_the_default():
    r = df.diffusion_from_t1(T1, N0, A)
    assert r.constant == "hbar" and r.prefactor == "paper"
    assert r.D_cm2_s == pytest.approx(2.416e-8, rel=1e-3)
    assert r.D_m2_s == pytest.approx(2.416e-12, rel=1e-3)


def test_row14_h_over_hbar_is_four_pi_squared():
    r = df.diffusion_from_t1(T1, N0, A)
    assert r.D_h_m2_s / r.D_hbar_m2_s == pytest.approx(4 * np.pi**2, rel=1e-9)


@pytest.mark.parametrize("prefactor, expected", [("torrey", 3.221e-8), ("ffhs", 3.579e-8)])
def test_textbook_prefactors(prefactor, expected):
    assert df.diffusion_from_t1(T1, N0, A, prefactor=prefactor).D_cm2_s == pytest.approx(
        expected, rel=1e-3)


def test_row15_bpp_t1_minimum():
    wt, rate = df.bpp_t1_minimum(A, OMEGA0)
    b2 = float(df.dipolar_b(A)) ** 2
    assert wt == pytest.approx(0.6158, rel=1e-3)
    assert rate == pytest.approx(0.4276 * b2 / OMEGA0, rel=1e-3)
    assert rate == pytest.approx(98.1, rel=1e-3)


def test_row16_extreme_narrowing_and_the_table():
    r1, r2 = df.bpp_rates(1e-12, A, OMEGA0)
    assert r1 == pytest.approx(0.8544, rel=1e-3) and r2 == pytest.approx(0.8544, rel=1e-3)
    assert float(df.dipolar_b(A)) ** 2 == pytest.approx(5.696e11, rel=1e-3)
    table = {1e-11: (8.527, 8.538), 1e-10: (70.93, 79.58), 1e-9: (50.5, 322.6),
             1e-8: (5.54, 2571)}
    for tau, (e1, e2) in table.items():
        r1, r2 = df.bpp_rates(tau, A, OMEGA0)
        assert r1 == pytest.approx(e1, rel=2e-3) and r2 == pytest.approx(e2, rel=2e-3)
    assert df.tau_from_rate_extreme_narrowing(0.8544, A) == pytest.approx(1e-12, rel=1e-3)


def test_self_check_flags_f4_and_f5():
    """With ħ, ω₀τ ≈ 1.7: not extreme narrowing; with h, 0.04. T₁ = 1.5 ms is below the
    dipolar minimum ≈ 6 ms for the LaH10 M₂."""
    hbar = df.diffusion_from_t1(T1, N0, A, second_moment_rad2_s2=4.40e11)
    h = df.diffusion_from_t1(T1, N0, A, constant="h")
    assert hbar.tau_s == pytest.approx(6.9e-10, rel=0.01)
    assert hbar.omega0_tau == pytest.approx(1.71, rel=0.01)
    assert not hbar.extreme_narrowing and "does NOT hold" in hbar.verdict
    assert h.omega0_tau == pytest.approx(0.0434, rel=0.01) and h.extreme_narrowing
    assert hbar.t1_dipolar_min_s == pytest.approx(5.94e-3, rel=0.01)
    assert "not dipolar" in hbar.verdict
    assert df.lattice_t1_minimum_s(4.40e11, OMEGA0) == pytest.approx(1 / 168, rel=0.01)


def test_uncertainty_is_linear_in_t1_and_json_has_units():
    r = df.diffusion_from_t1(T1, N0, A, t1_stderr_s=0.2e-3)
    d = r.to_dict()
    assert d["D_cm2_s"]["stderr"] / d["D_cm2_s"]["value"] == pytest.approx(0.2 / 1.5)
    assert d["D_cm2_s"]["unit"] == "cm^2/s" and d["D_h_cm2_s"]["value"] > d["D_cm2_s"]["value"]


@pytest.mark.parametrize("kw", [dict(t1_s=-1.0), dict(t1_s=float("nan")), dict(density_m3=0),
                                dict(distance_m=-1e-10), dict(prefactor="bogus"),
                                dict(constant="planck")])
def test_bad_input_is_a_clear_error(kw):
    args = dict(t1_s=T1, density_m3=N0, distance_m=A) | kw
    with pytest.raises(ValueError):
        df.diffusion_from_t1(**args)


def test_lattice_bpp_minimum_is_0p950_m2_over_omega0():
    """The lattice form's largest 1/T₁ is 0.950·M₂/ω₀: 168 s⁻¹ for the LaH10 M₂ (F5)."""
    tau = np.geomspace(1e-11, 1e-8, 20001)
    r1, r2 = df.bpp_rates_lattice(tau, 4.40e11, OMEGA0)
    assert r1.max() == pytest.approx(0.950 * 4.40e11 / OMEGA0, rel=1e-3)
    assert r1.max() == pytest.approx(168, rel=0.01)
    assert np.all(r2 >= r1 * 0.999)
