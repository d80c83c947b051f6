"""The shared FitResult: goodness-of-fit verdict, information criteria, model ranking."""

import json

import numpy as np
import pytest
from scipy import stats

from analysis import fitting, kinetics, pake
from analysis import lineshapes as L
from analysis.fitting import FitResult, fit_verdict, rank

A = 1e-10


def _result(chi2: float, n: int, k: int, **kw) -> FitResult:
    return FitResult(model_name=kw.pop("name", "m"), values={}, stderr={}, units={},
                     names=(), correlation=np.zeros((0, 0)), success=True, message="ok",
                     chi2=chi2, reduced_chi2=chi2 / (n - k), ndata=n, nvarys=k, **kw)


def test_verdict_flags_a_wrong_law_and_passes_the_right_one_sigma_known():
    """Seeded H/La(t) from a JMAK law with known σ: JMAK ok, a straight line a poor fit."""
    rng = np.random.default_rng(42)
    t = np.array([0, 1, 2, 3, 5, 7, 10, 14, 18, 22, 27, 32, 37, 42, 48, 54.0])
    sigma = np.full(t.size, 0.05)
    x = kinetics.model("jmak", t, {"x0": 10.2, "x_inf": 3.0, "tau_days": 40.0, "n": 1.8})
    x = x + rng.normal(0, 0.05, t.size)
    right = kinetics.fit_law(t, x, "jmak", sigma=sigma)
    wrong = kinetics.fit_law(t, x, "linear", sigma=sigma)
    assert right.success and wrong.success          # both converge …
    assert right.sigma_source == "known" and right.verdict.status == "ok"
    v = wrong.verdict                                # … but the line is flagged
    assert v.status == "poor-fit" and v.flagged and not v.ok
    assert v.reduced_chi2 > v.interval[1] and v.p_value < 0.0015
    assert "poor fit" in wrong.report() and "⚠ poor fit" in v.short
    d = wrong.to_dict()
    json.dumps(d)
    assert d["verdict"]["status"] == "poor-fit" and d["verdict"]["ok"] is False
    assert d["ic_form"] == "chi2" and d["sigma_source"] == "known"


def test_verdict_on_a_pake_spectrum_with_estimated_noise():
    """A central line in the data: the fit without one is flagged, the fit with one passes
    (σ from the spectrum's second differences, judged by F(ν, dof of σ̂))."""
    rng = np.random.default_rng(5)
    f = np.linspace(-1e6, 1e6, 2048, endpoint=False)
    a_n, a_nn = (0.75 * float(L.dipolar_coupling_hz(r * A)) for r in (0.75, 1.24))
    y = 0.5 * L.pake_binned(f, a_n, 9000.0, 16) + 0.5 * L.pake_binned(f, a_nn, 9000.0, 16)
    y = y / y.max()
    # a narrow line at the centre, taller than the horns (as a hydride's residual line)
    y = y + np.exp(-0.5 * (f / 6000.0) ** 2) + rng.normal(0, 0.01, f.size)
    without = pake.fit_pake(f, y, central_line=False)
    with_line = pake.fit_pake(f, y)                  # the default: pake.CENTRAL_LINE_DEFAULT
    assert pake.CENTRAL_LINE_DEFAULT and "line_area" in with_line.values
    assert without.success and without.verdict.status == "poor-fit"
    assert abs(without.values["r_nn_angstrom"] - 1.24) > 10 * without.stderr["r_nn_angstrom"]
    assert with_line.sigma_source == "estimated" and np.isfinite(with_line.sigma_dof)
    assert with_line.verdict.status == "ok", with_line.verdict
    assert abs(with_line.values["r_nn_angstrom"] - 1.24) < 3 * with_line.stderr["r_nn_angstrom"]


def test_verdict_ranges_small_chi2_and_uninformative_sigma():
    # the accepted range is the central 99.7 % of χ²(ν)/ν (σ known) …
    v = fit_verdict(1.0, 13)
    lo, hi = stats.chi2.ppf([0.0015, 0.9985], 13) / 13
    assert v.interval == pytest.approx((lo, hi)) and v.status == "ok"
    assert v.p_value == pytest.approx(stats.chi2.sf(13.0, 13))
    # … or of F(ν, m) when σ was estimated with m degrees of freedom (wider)
    e = fit_verdict(1.0, 13, "estimated", sigma_dof=30)
    assert e.interval == pytest.approx(tuple(stats.f.ppf([0.0015, 0.9985], 13, 30)))
    assert e.interval[1] > hi
    assert fit_verdict(0.1, 13).status == "chi2-too-small"
    assert "overestimated" in fit_verdict(0.1, 13).message
    assert fit_verdict(3.5, 13).status == "poor-fit"
    assert fit_verdict(3.5, 13, "residuals").status == "uninformative"
    assert fit_verdict(1.0, 0).status == "not-assessed"
    # σ overestimated threefold on a correct model: χ² too small
    rng = np.random.default_rng(1)
    t = np.arange(20.0)
    x = kinetics.model("linear", t, {"x0": 10.0, "rate_per_day": 0.1})
    x = x + rng.normal(0, 0.05, t.size)
    assert kinetics.fit_law(t, x, "linear", sigma=0.15).verdict.status == "chi2-too-small"
    # no σ: unit weights, χ²_ν is the residual scatter and says nothing
    r = kinetics.fit_law(t, x, "linear")
    assert r.sigma_source == "residuals" and r.verdict.status == "uninformative"
    assert r.ic_form == "rss"
    failed = fitting.failed("m", "bad input")
    assert failed.verdict.status == "not-assessed" and not failed.verdict.flagged


def test_information_criteria_by_hand():
    n, k, chi2 = 16, 3, 12.0
    known = _result(chi2, n, k, noise_sigma=0.05)
    assert known.sigma_source == "known" and known.ic_form == "chi2"
    assert known.aic == pytest.approx(12.0 + 6.0)
    assert known.aicc == pytest.approx(18.0 + 2 * 3 * 4 / (16 - 3 - 1))      # 20.0
    assert known.bic == pytest.approx(12.0 + 3 * np.log(16))
    rss = _result(chi2, n, k)                                  # σ from the residuals
    assert rss.sigma_source == "residuals" and rss.ic_form == "rss"
    assert rss.aic == pytest.approx(16 * np.log(12.0 / 16) + 6.0)
    assert rss.bic == pytest.approx(16 * np.log(12.0 / 16) + 3 * np.log(16))
    assert rss.aicc == pytest.approx(rss.aic + 2.0)
    assert np.isnan(_result(1.0, 4, 3, noise_sigma=1.0).aicc)   # n − k − 1 = 0
    d = known.to_dict()
    assert d["aic"] == pytest.approx(18.0) and d["aicc"] == pytest.approx(20.0)


def test_rank_uses_aicc_for_few_points():
    # AIC prefers the 4-parameter model (17 < 18), AICc the 2-parameter one (20.6 > 18.9)
    big = _result(9.0, 16, 4, noise_sigma=1.0, name="big")
    small = _result(14.0, 16, 2, noise_sigma=1.0, name="small")
    fits, ic = rank([big, small])
    assert ic == "AICc" and [r.model_name for r in fits] == ["small", "big"]
    assert big.aic < small.aic and big.aicc > small.aicc
    many = [_result(9.0, 400, 4, noise_sigma=1.0, name="big"),
            _result(14.0, 400, 2, noise_sigma=1.0, name="small")]
    fits, ic = rank(many)                            # n/k ≥ 40: plain AIC
    assert ic == "AIC" and fits[0].model_name == "big"
    fits, _ = rank([fitting.failed("f", "no"), small])
    assert fits[0].model_name == "small"             # failed fits last
