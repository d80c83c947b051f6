"""Kinetic laws: PHYSICS §10 rows 27–28, recovery of known parameters, global fits."""

import numpy as np
import pytest

from analysis import kinetics as k


def test_row27_first_order_tau_for_a_40_percent_drop():
    assert k.first_order_tau_for_drop(10.8, 3.0, 0.40, 30.0) == pytest.approx(37.171, rel=1e-4)
    p = {"x0": 10.8, "x_inf": 3.0, "tau_days": 37.171}
    assert k.model("first-order", 30.0, p) == pytest.approx(0.6 * 10.8, rel=1e-4)


def test_row28_linear_days_to_lah3():
    assert k.linear_days_to_reach(10.8, 3.0, 0.12) == pytest.approx(65.0, abs=1e-9)


@pytest.mark.parametrize("law, truth", [
    ("linear", {"x0": 10.5, "rate_per_day": 0.12}),
    ("first-order", {"x0": 10.5, "x_inf": 3.0, "tau_days": 30.0}),
    ("jmak", {"x0": 10.5, "x_inf": 3.0, "tau_days": 35.0, "n": 1.5}),
    ("contracting", {"x0": 10.5, "x_inf": 3.0, "tau_days": 90.0}),
])
def test_laws_recover_noise_free_parameters(law, truth):
    t = np.array([0, 1, 2, 3, 5, 7, 10, 14, 19, 24, 29, 34, 39, 44, 49, 54, 61, 68.0])
    x = k.model(law, t, truth)
    r = k.fit_law(t, x, law, sigma=np.full(t.size, 0.05))
    assert r.success, r.message
    for key, v in truth.items():
        assert r.values[key] == pytest.approx(v, rel=1e-4)
    assert r.values["average_rate_per_day"] > 0


def test_global_fit_shares_the_law():
    t = np.array([0, 2, 5, 10, 20, 30, 40, 50, 60.0])
    law = {"x_inf": 3.0, "tau_days": 35.0, "n": 1.5}
    series = {c: (t, k.model("jmak", t, law | {"x0": x0}), np.full(t.size, 0.05))
              for c, x0 in (("A", 10.2), ("B", 11.1))}
    r = k.fit_global(series, "jmak")
    assert r.success and r.values["tau_days"] == pytest.approx(35.0, rel=1e-4)
    assert r.values["x0_B"] == pytest.approx(11.1, rel=1e-5)


def test_tc_plateau_and_bad_input():
    t = np.array([0, 1, 2, 3, 5, 7, 10, 14, 21, 28, 35, 42, 56, 70, 80.0])
    y = 70 + 40 * np.exp(-t / 6.0)
    r = k.fit_tc_plateau(t, y, sigma=np.full(t.size, 0.2))
    assert r.success and r.values["tau_days"] == pytest.approx(6.0, rel=1e-4)
    assert k.tc_plateau_curve(r, 0.0) == pytest.approx(110, rel=1e-6)
    assert not k.fit_law([1, 2], [3, 4], "jmak").success
    assert "unknown law" in k.fit_law(t, y, "bogus").message
    assert not k.fit_law(t, np.full(t.size, np.nan), "linear").success
