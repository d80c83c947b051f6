"""The parameter layer (analysis.parameters): fixed/free/bounded bookkeeping by name, the
round trip to the optimiser's vector, fits by name, errors of fixed and derived quantities,
and Jacobians by name against finite differences."""

import numpy as np
import pytest

from analysis import lineshapes as L
from analysis import pake
from analysis.fitting import FitResult
from analysis.parameters import Parameter, Parameters, fit, propagate
from analysis.results import AnalysisError, Result

A = 1e-10


def _params():
    return Parameters([Parameter("M0", 1.0, -10, 10, unit="a.u."),
                       Parameter("T1_s", 0.2, 1e-6, 1e3, unit="s"),
                       Parameter("factor", 0.9, 0.0, 1.2)])


def test_fix_free_and_the_vector_round_trip():
    p = _params()
    assert list(p) == ["M0", "T1_s", "factor"] and p.free == ("M0", "T1_s", "factor")
    held = p.fix(factor=1.0)
    assert held.free == ("M0", "T1_s") and held.fixed == {"factor": 1.0}
    assert p.free == ("M0", "T1_s", "factor")          # the original is unchanged
    assert held == p.fix({"factor": 1.0}).fix()         # a mapping or keywords, alike
    p0, lo, hi = held.pack()
    np.testing.assert_array_equal(p0, [1.0, 0.2])
    np.testing.assert_array_equal(lo, [-10, 1e-6])
    np.testing.assert_array_equal(hi, [10, 1e3])
    v = held.unpack([2.5, 0.03])
    assert v == {"M0": 2.5, "T1_s": 0.03, "factor": 1.0}    # every value, fixed included
    assert list(v) == list(p)                                  # in the parameters' order
    again = held.with_values(v)
    assert again.values == v and again.free == held.free      # free stays free
    np.testing.assert_array_equal(again.pack()[0], [2.5, 0.03])
    assert held.units == {"M0": "a.u.", "T1_s": "s", "factor": ""}
    assert held["T1_s"].lower == 1e-6 and not held["factor"].vary


def test_bad_arguments_raise():
    p = _params()
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['beta'\]"):
        p.fix(beta=0.5)
    with pytest.raises(ValueError, match="unknown"):
        p.with_values({"T2_s": 1.0})
    assert p.unknown(["beta", "M0", "a"]) == ["a", "beta"]
    with pytest.raises(ValueError, match="given twice"):
        Parameters([Parameter("a", 1.0), Parameter("a", 2.0)])
    with pytest.raises(ValueError, match="lower bound"):
        Parameter("a", 1.0, 2.0, 1.0)
    with pytest.raises(ValueError):
        p.unpack([1.0, 2.0])                            # three free, two given


def _recovery(t, v):
    return v["M0"] * (1 - v["factor"] * np.exp(-t / v["T1_s"]))


def test_fit_by_name_with_a_fixed_parameter():
    t = np.geomspace(1e-3, 2.0, 25)
    truth = {"M0": 3.0, "T1_s": 0.25, "factor": 1.0}
    y = _recovery(t, truth) + np.random.default_rng(0).normal(0, 0.01, t.size)
    r = fit(lambda v: (y - _recovery(t, v)) / 0.01, _params().fix(factor=1.0),
            sigma_known=True)
    assert r.success and r.names == ("M0", "T1_s")
    assert r.values["factor"] == 1.0 and r.stderr["factor"] == 0.0
    for k in ("M0", "T1_s"):
        assert abs(r.values[k] - truth[k]) < 4 * r.stderr[k]
        assert r.params[k].value == r.values[k]        # the fitted values, as parameters
    assert r.correlation.shape == (2, 2) and r.correlation[0, 1] != 0
    assert r.propagate({"factor": 1e6}) == 0.0          # a fixed parameter adds nothing
    res = r.result("recovery", notes=("n",))
    assert isinstance(res, FitResult) and isinstance(res, Result)
    assert res.nvarys == 2 and res.stderr["factor"] == 0.0 and res.notes == ("n",)
    assert res.units["T1_s"] == "s" and res.measurement("T1_s").unit == "s"
    assert res.raise_for_failure() is res
    d = res.to_dict()
    assert d["T1_s"]["unit"] == "s" and d["success"] is True and d["notes"] == ["n"]


def test_sigma_known_inflates_only_above_chi2_one():
    t = np.geomspace(1e-3, 2.0, 25)
    y = _recovery(t, {"M0": 3.0, "T1_s": 0.25, "factor": 1.0})
    y = y + np.random.default_rng(1).normal(0, 0.01, t.size)
    p = _params().fix(factor=1.0)
    scaled = fit(lambda v: y - _recovery(t, v), p)                     # σ from residuals
    under = fit(lambda v: (y - _recovery(t, v)) / 0.003, p, sigma_known=True)  # σ too small
    over = fit(lambda v: (y - _recovery(t, v)) / 0.03, p, sigma_known=True)    # σ too big
    assert under.reduced_chi2 > 1 and under.inflated
    assert over.reduced_chi2 < 1 and not over.inflated
    # inflated by √χ²_ν, the errors are those the residual scatter gives …
    assert under.stderr["T1_s"] == pytest.approx(scaled.stderr["T1_s"], rel=1e-6)
    # … while a σ above the scatter keeps its absolute, larger errors
    assert over.stderr["T1_s"] > 2 * scaled.stderr["T1_s"]


def test_error_of_a_derived_quantity_matches_the_analytic_gradient():
    t = np.geomspace(1e-3, 2.0, 25)
    y = _recovery(t, {"M0": 3.0, "T1_s": 0.25, "factor": 0.9})
    y = y + np.random.default_rng(2).normal(0, 0.01, t.size)
    r = fit(lambda v: (y - _recovery(t, v)) / 0.01, _params(), sigma_known=True)
    value, err = r.error_of(lambda v: v["M0"] * v["factor"])
    assert value == pytest.approx(r.values["M0"] * r.values["factor"])
    grad = {"M0": r.values["factor"], "factor": r.values["M0"]}
    assert err == pytest.approx(r.propagate(grad), rel=1e-4)
    assert propagate(grad, r.names, r.covariance) == r.propagate(grad)


def _pake_setup():
    f = np.linspace(-1e6, 1e6, 1024, endpoint=False)
    m = pake.PakeModel(f, 2, central_line=True, baseline="linear")
    a = [0.75 * float(L.dipolar_coupling_hz(r * A)) for r in (0.75, 1.24)]
    y = 0.5 * L.pake_binned(f - 800.0, a[0], 9000.0, 8) + 0.5 * L.pake_binned(
        f - 800.0, a[1], 9000.0, 8)
    y = y / y.max() + np.random.default_rng(4).normal(0, 0.01, f.size)
    params = m.parameters(y, r_n=0.76, r_nn=1.22, weight_n=0.45, broadening_hz=20e3,
                          center_hz=500.0, mask=np.ones(f.size, bool))
    return f, y, m, params


def test_pake_jacobian_by_name_equals_finite_differences():
    _, _, m, params = _pake_setup()
    v = params.values | {"line_area": 300.0, "line_fwhm_hz": 15e3, "baseline_1": 0.002}
    names = ["r_nn_angstrom", "center_hz", "amplitude", "line_fwhm_hz", "weight_n",
             "broadening_hz", "baseline_1", "r_n_angstrom", "line_center_hz"]  # any order
    jac = m.jacobian(v, names)
    assert jac.shape == (m.freq_hz.size, len(names))
    scale = np.max(np.abs(m.evaluate(v)))
    for i, k in enumerate(names):
        h = 1e-6 * max(abs(v[k]), 1.0)
        num = (m.evaluate(v | {k: v[k] + h}) - m.evaluate(v | {k: v[k] - h})) / (2 * h)
        assert np.max(np.abs(jac[:, i] - num)) * abs(v[k] or 1.0) <= 1e-6 * scale, k


def test_a_fit_with_the_jacobian_by_name_agrees_with_finite_differences():
    _, y, m, params = _pake_setup()
    params = params.fix(weight_n=0.5)

    def residual(v):
        return (y - m.evaluate(v)) / 0.01

    analytic = fit(residual, params, jacobian=lambda v, names: -m.jacobian(v, names) / 0.01)
    numeric = fit(residual, params)
    assert analytic.success and numeric.success
    assert "weight_n" not in analytic.names and analytic.stderr["weight_n"] == 0.0
    for k in ("r_n_angstrom", "r_nn_angstrom"):
        assert analytic.values[k] == pytest.approx(numeric.values[k],
                                                   abs=0.05 * analytic.stderr[k])
        assert analytic.stderr[k] == pytest.approx(numeric.stderr[k], rel=0.02)


def test_failed_results_keep_the_common_face():
    from analysis import kinetics

    r = kinetics.fit_law([1, 2], [3, 4], "jmak")
    assert not r.success and isinstance(r, Result)
    with pytest.raises(AnalysisError, match="points for"):
        r.raise_for_failure()


def test_unbounded_parameters_fit():
    """Parameters without bounds (the default ±∞) start where they are told: the engine's
    nudge inside the bounds leaves an infinite side alone (it made the start NaN)."""
    t = np.linspace(0, 1, 20)
    y = 2.0 - 3.0 * t + np.random.default_rng(3).normal(0, 0.01, t.size)
    p = Parameters([Parameter("a", 0.0), Parameter("b", 0.0, upper=10.0)])
    r = fit(lambda v: y - (v["a"] + v["b"] * t), p)
    assert r.success, r.message
    assert r.values["a"] == pytest.approx(2.0, abs=0.05)
    assert r.values["b"] == pytest.approx(-3.0, abs=0.05)
