"""Pake line shapes and the dipolar calculator: PHYSICS.md §10 rows 1–11, and the kernels."""

import itertools

import numpy as np
import pytest
from scipy import integrate, optimize

from analysis import lineshapes as L
from analysis.constants import HBAR, MU0_OVER_4PI, nucleus

A = 1e-10  # one ångström in metres


# -- rows 1–2: couplings --------------------------------------------------------------------------
def test_row1_coupling_at_one_angstrom():
    assert L.dipolar_coupling_hz(1 * A) == pytest.approx(120120.0, rel=1e-4)


@pytest.mark.parametrize("r, d", [(0.75, 284729.0), (1.24, 63001.0)])
def test_row2_couplings(r, d):
    assert L.dipolar_coupling_hz(r * A) == pytest.approx(d, rel=1e-4)
    assert L.distance_from_coupling_m(d) == pytest.approx(r * A, rel=1e-4)


# -- rows 3–4: line positions from exact diagonalisation ------------------------------------------
SX = np.array([[0, 1], [1, 0]]) / 2
SY = np.array([[0, -1j], [1j, 0]]) / 2
SZ = np.array([[1, 0], [0, -1]]) / 2
E2 = np.eye(2)


def _two(op1, op2):
    return np.kron(op1, op2)


def _lines(theta, d, like):
    """Transition frequencies (units of d) of the secular two-spin dipolar Hamiltonian,
    observed through the total transverse magnetisation, by exact diagonalisation."""
    p2 = (3 * np.cos(theta) ** 2 - 1) / 2
    izz = _two(SZ, SZ)
    if like:
        dot = _two(SX, SX) + _two(SY, SY) + izz
        h = -d * p2 * (3 * izz - dot)
        ix = _two(SX, E2) + _two(E2, SX)
    else:
        h = -d * p2 * 2 * izz
        ix = _two(SX, E2)           # observe spin I only
    w, v = np.linalg.eigh(h)
    m = np.abs(v.conj().T @ ix @ v) ** 2
    freqs = sorted({round(w[i] - w[j], 12) for i in range(4) for j in range(4)
                    if m[i, j] > 1e-9 and w[i] - w[j] > -1e-15})
    return np.array(freqs)


@pytest.mark.parametrize("like, horn, edge", [(True, 0.75, 1.5), (False, 0.5, 1.0)])
def test_rows3_4_horns_and_edges(like, horn, edge):
    at90 = _lines(np.pi / 2, 1.0, like)
    at0 = _lines(0.0, 1.0, like)
    assert np.max(np.abs(at90)) == pytest.approx(horn, abs=1e-12)
    assert np.max(np.abs(at0)) == pytest.approx(edge, abs=1e-12)
    # and our branch half-width a = horn position reproduces both
    a = float(L.branch_half_width_hz(1.0, "like" if like else "unlike"))
    assert a == pytest.approx(horn, abs=1e-12)
    assert 2 * a == pytest.approx(edge, abs=1e-12)


def test_weak_coupling_factor_is_caught():
    """mrsimulator's weak-coupling homonuclear pair has horns ±½d: 1.5× too close."""
    like = L.branch_half_width_hz(1.0, "like")
    unlike = L.branch_half_width_hz(1.0, "unlike")
    assert like / unlike == pytest.approx(1.5)
    # a spin-1 quadrupolar form with C_q = 2d is the like-spin pair
    assert L.branch_half_width_hz(2.0, "spin1") == pytest.approx(like)


# -- rows 5–6: area, second moment, values --------------------------------------------------------
def _integrate_density(fn, a):
    edges = [-2 * a, -a, 0.0, a, 2 * a]
    return sum(integrate.quad(fn, lo, hi, limit=400, epsabs=1e-14, epsrel=1e-12)[0]
               for lo, hi in itertools.pairwise(edges))


def test_row5_area_and_second_moment():
    d = 1.0
    a = 0.75 * d
    area = _integrate_density(lambda v: L.pake_density(v, a), a)
    m2 = _integrate_density(lambda v: v * v * L.pake_density(v, a), a)
    assert area == pytest.approx(1.0, rel=1e-6)
    assert m2 == pytest.approx(0.45 * d**2, rel=1e-6)
    assert L.second_moment_hz2(d) == pytest.approx(0.45)
    assert L.pake_cdf(2 * a, a) - L.pake_cdf(-2 * a, a) == pytest.approx(1.0, abs=1e-12)


def test_second_moment_is_van_vleck():
    r = 1.0 * A
    g = nucleus("1H").gamma
    van_vleck = 0.6 * MU0_OVER_4PI**2 * g**4 * HBAR**2 * 0.75 / r**6   # rad² s⁻²
    assert (2 * np.pi) ** 2 * L.second_moment_hz2(L.dipolar_coupling_hz(r)) == pytest.approx(
        van_vleck, rel=1e-9)


def test_row6_unbroadened_values():
    a = 0.75
    assert L.pake_density(0.0, a) == pytest.approx(0.384900, rel=1e-5)
    assert L.pake_density(1.0, a) == pytest.approx(0.125988, rel=1e-5)


# -- rows 7–10: broadening and orientation grids --------------------------------------------------
NU = np.linspace(-2.0, 2.0, 4001)


@pytest.fixture(scope="module")
def reference():
    return L.pake_gaussian_quadrature(NU, 0.75, 0.05, nodes=4000)


def test_row7_gaussian_horn_and_centre(reference):
    right = NU > 0
    horn = NU[right][np.argmax(reference[right])]
    assert horn == pytest.approx(0.7114, abs=5e-4)
    assert reference[NU.size // 2] == pytest.approx(0.38555, rel=1e-3)


def test_row8_lorentzian_closed_form_equals_quadrature():
    a, g = 0.75, 0.05

    def quad(v):
        def f(x):
            b = a * (3 * x * x - 1)
            return 0.5 * g / np.pi * (1 / ((v - b) ** 2 + g**2) + 1 / ((v + b) ** 2 + g**2))
        return integrate.quad(f, 0, 1, limit=500, epsabs=1e-13, epsrel=1e-12)[0]

    for v in (0.0, 0.3, 0.7, 0.75, 0.8, 1.2, 1.5, 1.6, 2.5):
        assert L.pake_lorentzian(v, a, g) == pytest.approx(quad(v), abs=1e-9)


def test_row9_midpoint_cos_grid_converges(reference):
    grid = L.pake_powder_grid(NU, 0.75, 0.05, n=300)
    assert np.max(np.abs(grid - reference)) < 2e-4 * reference.max()


def test_row10_uniform_theta_grid_is_wrong(reference):
    """The classic mistake must show: θ uniform without sinθ is off by > 10 % of the peak."""
    bad = L.pake_powder_grid(NU, 0.75, 0.05, n=1000, uniform_theta=True)
    assert np.max(np.abs(bad - reference)) > 0.1 * reference.max()


# -- row 11: FID ----------------------------------------------------------------------------------
def test_row11_fid_first_zero():
    d = 1.0
    t0 = optimize.brentq(lambda t: L.pake_fid(t, d), 0.3, 0.6, xtol=1e-14)
    assert t0 == pytest.approx(0.45825 / d, rel=1e-4)
    # 1.61 µs for r = 0.75 Å
    d75 = float(L.dipolar_coupling_hz(0.75 * A))
    assert 0.45825 / d75 == pytest.approx(1.61e-6, rel=2e-3)


# -- the fast kernel ------------------------------------------------------------------------------
@pytest.mark.parametrize("n, centre, sigma, nodes", [(4001, 0.0, 0.05, 4000),
                                                     (777, 0.123, 0.05, 4000),
                                                     (601, 1.9, 0.02, 6000),
                                                     (301, -0.4, 0.01, 8000)])
def test_time_domain_kernel_is_exact(n, centre, sigma, nodes):
    nu = np.linspace(-2.0, 2.0, n)
    fast = L.pake_spectrum(nu, 0.75, sigma, center_hz=centre)
    ref = L.pake_gaussian_quadrature(nu - centre, 0.75, sigma, nodes=nodes)
    assert np.max(np.abs(fast - ref)) < 1e-8 * ref.max()


def test_time_domain_kernel_descending_axis_and_lorentzian():
    nu = np.linspace(2.0, -2.0, 801)
    assert np.allclose(L.pake_spectrum(nu, 0.75, 0.05)[::-1],
                       L.pake_spectrum(nu[::-1], 0.75, 0.05), atol=1e-13)
    assert np.allclose(L.pake_spectrum(nu, 0.75, 0.0, gamma_hz=0.05),
                       L.pake_lorentzian(nu, 0.75, 0.05))
    # Voigt (both): area 1 and close to the Lorentzian for tiny σ
    v = L.pake_spectrum(np.linspace(-20, 20, 40001), 0.75, 0.01, gamma_hz=0.05)
    assert np.sum(v) * 0.001 == pytest.approx(1.0, rel=5e-3)


def test_exact_binning_route(reference):
    nu = NU[::5]
    binned = L.pake_binned(nu, 0.75, 0.05, oversample=16)
    assert np.max(np.abs(binned - reference[::5])) < 5e-5 * reference.max()
    assert np.allclose(L.pake_binned(nu[::-1], 0.75, 0.05, 16), binned[::-1], atol=1e-12)


def test_kernel_rejects_non_uniform_grid():
    with pytest.raises(ValueError, match="not uniform"):
        L.pake_spectrum(np.array([0.0, 1.0, 3.0, 4.0]), 0.75, 0.05)


# -- the calculator -------------------------------------------------------------------------------
def test_dipolar_calculator_round_trips():
    p = L.dipolar_pair(r_m=1.24 * A)
    assert p.d_hz == pytest.approx(63001.0, rel=1e-4)
    assert p.horn_splitting_hz == pytest.approx(94.50e3, rel=1e-3)
    assert p.edge_splitting_hz == pytest.approx(189.0e3, rel=1e-3)
    q = L.dipolar_pair(m2_hz2=p.m2_hz2)
    assert q.r_m == pytest.approx(p.r_m, rel=1e-12)
    assert L.dipolar_pair(d_hz=p.d_hz).r_m == pytest.approx(p.r_m, rel=1e-12)
    het = L.dipolar_pair(r_m=1.09 * A, nuc1="13C", nuc2="1H")
    assert not het.like_spins and het.horn_splitting_hz == pytest.approx(het.d_hz)
    assert p.to_dict()["r_angstrom"] == pytest.approx(1.24)
    with pytest.raises(ValueError):
        L.dipolar_pair(r_m=1 * A, d_hz=1e3)
    with pytest.raises(ValueError):
        L.dipolar_pair(r_m=-1.0)
