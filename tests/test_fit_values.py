"""Every fitter's numbers, pinned: Pake, T1/T2, the kinetic laws, the global fit and the Tc
plateau on fixed seeds, against values recorded before the parameter layer
(:mod:`analysis.parameters`) replaced the hand-written bookkeeping of each fitter.

Values, standard errors, correlations and χ² must agree to ``by_value.RTOL`` (1e-9)
relative; names, messages, notes, counts and flags exactly. Re-record (only for an intended
change of behaviour, said so in the commit) with
``python tests/test_fit_values.py --record``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis import kinetics, pake, relaxation
from analysis import lineshapes as L

RTOL = 1e-9
GOLDEN = Path(__file__).with_name("fit_values.json")
A = 1e-10
F = np.linspace(-1e6, 1e6, 2048, endpoint=False)


def _pake_data(seed, r_n=0.75, r_nn=1.24, w=0.5, sigma=9000.0, centre=1200.0, snr=100.0,
               line=0.0):
    rng = np.random.default_rng(seed)
    a_n, a_nn = (0.75 * float(L.dipolar_coupling_hz(r * A)) for r in (r_n, r_nn))
    y = (w * L.pake_binned(F - centre, a_n, sigma, 16)
         + (1 - w) * L.pake_binned(F - centre, a_nn, sigma, 16))
    y = y / y.max() + line * np.exp(-0.5 * (F / 6000.0) ** 2)
    return y + rng.normal(0, 1 / snr, F.size)


def _one_doublet(seed):
    rng = np.random.default_rng(seed)
    a = 0.75 * float(L.dipolar_coupling_hz(1.1 * A))
    y = L.pake_lorentzian(F, a, 5000.0)
    y = y / y.max() + 1e-3 * F / 1e6 + rng.normal(0, 0.01, F.size)
    y[1000:1010] += 5.0
    return y


def _pake_cases():
    return {
        "pake default": lambda: pake.fit_pake(F, _pake_data(7)),
        "pake central line in the data": lambda: pake.fit_pake(F, _pake_data(5, line=1.0)),
        "pake swapped start": lambda: pake.fit_pake(F, _pake_data(3, 0.74, 1.30, 0.4, 8000.0,
                                                                  0.0, 150),
                                                    r_n=1.30, r_nn=0.74, weight_n=0.6),
        "pake fixed weight": lambda: pake.fit_pake(F, _pake_data(3, 0.74, 1.30, 0.4, 8000.0,
                                                                 0.0, 150),
                                                   fix={"weight_n": 0.5}),
        "pake separate widths, sigma given": lambda: pake.fit_pake(
            F, _pake_data(9), central_line=False, shared_broadening=False,
            noise_sigma=0.01, baseline="linear"),
        "pake one lorentzian doublet, exclusion, bootstrap": lambda: pake.fit_pake(
            F, _one_doublet(11), components=1, r_n=1.0, broadening="lorentzian",
            baseline="linear", central_line=False, exclude=[(F[995], F[1015])],
            bootstrap=6, seed=1),
        "pake spin1 kind": lambda: pake.fit_pake(F, _pake_data(2), kind="spin1",
                                                 fix={"center_hz": 1200.0}),
    }


def _relaxation_cases():
    t = np.geomspace(10e-6, 20e-3, 25)

    def noisy(f, seed, s=0.01):
        return f + np.random.default_rng(seed).normal(0, s, t.size)

    sat = 3.0 * (1 - 0.95 * np.exp(-t / 2e-3))
    inv = 1.0 - 1.9 * np.exp(-t / 4e-3)
    stretched = 1 - np.exp(-(t / 1e-3) ** 0.6)
    biexp = 1 - (0.4 * np.exp(-t / 1e-3) + 0.6 * np.exp(-t / 8e-3))
    la_ct = relaxation.model("la-ct")(t, [2.0, 1.5e-3, 0.97])
    tau = np.geomspace(10e-6, 3e-3, 15)
    return {
        "T1 saturation, sigma": lambda: relaxation.fit_t1(t, noisy(sat, 1), sigma=0.01),
        "T1 saturation, factor fixed": lambda: relaxation.fit_t1(
            t, noisy(sat / 3, 0), fix={"saturation_factor": 1.0}),
        "T1 inversion, no sigma": lambda: relaxation.fit_t1(t, noisy(inv, 2), "inversion"),
        "T1 stretched": lambda: relaxation.fit_t1(t, noisy(stretched, 3), "stretched",
                                                  sigma=0.01),
        "T1 stretched, beta fixed": lambda: relaxation.fit_t1(
            t, noisy(stretched, 3), "stretched", fix={"beta": 0.6}),
        "T1 biexponential": lambda: relaxation.fit_t1(t, noisy(biexp, 4, 0.002),
                                                      "biexponential", sigma=0.002),
        "T1 la-ct": lambda: relaxation.fit_t1(t, noisy(la_ct, 5), "la-ct", sigma=0.01),
        "T1 noise only": lambda: relaxation.fit_t1(t, noisy(0 * t + 1.0, 6), sigma=0.01),
        "T2 hahn on pulse spacing": lambda: relaxation.fit_t2(
            tau, 5 * np.exp(-2 * tau / 1.5e-3) + np.random.default_rng(7).normal(
                0, 0.02, tau.size), axis="pulse-spacing", sigma=0.02),
        "T2 hahn-stretched": lambda: relaxation.fit_t2(
            tau, 5 * np.exp(-(tau / 1.5e-3) ** 1.5) + np.random.default_rng(8).normal(
                0, 0.02, tau.size), "hahn-stretched"),
        "compare T1 models": lambda: relaxation.compare_models(
            t, noisy(sat, 1), ["saturation", "stretched", "biexponential"], sigma=0.01),
    }


def _kinetics_cases():
    t = np.array([0, 1, 2, 3, 5, 7, 10, 14, 18, 22, 27, 32, 37, 42, 48, 54.0])
    rng = np.random.default_rng(42)
    noise = rng.normal(0, 0.05, t.size)
    truth = {"x0": 10.2, "x_inf": 3.0, "tau_days": 40.0, "n": 1.8}
    x = kinetics.model("jmak", t, truth) + noise
    s = np.full(t.size, 0.05)
    series = {c: (t, kinetics.model("jmak", t, truth | {"x0": x0})
                  + np.random.default_rng(i).normal(0, 0.05, t.size), s)
              for i, (c, x0) in enumerate((("A", 10.2), ("B", 11.1)))}
    tc_t = np.array([0, 1, 2, 3, 5, 7, 10, 14, 21, 28, 35, 42, 56, 70, 80.0])
    tc = 70 + 40 * np.exp(-tc_t / 6.0) + np.random.default_rng(3).normal(0, 0.5, tc_t.size)
    cases = {f"law {law}, sigma": (lambda law=law: kinetics.fit_law(t, x, law, sigma=s))
             for law in kinetics.LAWS}
    cases.update({
        "law linear, no sigma": lambda: kinetics.fit_law(t, x, "linear"),
        "law jmak, x_inf fitted, t0": lambda: kinetics.fit_law(
            np.r_[-1.0, t], np.r_[11.0, x], "jmak", sigma=np.r_[0.05, s], x_inf=None,
            t0_days=0.0),
        "law first-order, no sigma": lambda: kinetics.fit_law(t, x, "first-order"),
        "compare laws": lambda: kinetics.compare_laws(t, x, sigma=s),
        "global jmak": lambda: kinetics.fit_global(series, "jmak"),
        "global linear, x_inf fitted": lambda: kinetics.fit_global(series, "linear",
                                                                   x_inf=None),
        "global first-order, x_inf fitted": lambda: kinetics.fit_global(
            series, "first-order", x_inf=None),
        "Tc plateau, sigma": lambda: kinetics.fit_tc_plateau(tc_t, tc, sigma=0.5),
        "Tc plateau, no sigma": lambda: kinetics.fit_tc_plateau(tc_t, tc),
    })
    return cases


def cases():
    return _pake_cases() | _relaxation_cases() | _kinetics_cases()


def _array(a) -> list:
    a = np.asarray(a, float).ravel()
    if a.size <= 64:
        return [float(v) for v in a]
    return [float(np.sum(a)), float(np.sum(np.abs(a))), *map(float, a[:: a.size // 16])]


def snapshot(r) -> dict:
    """The recorded face of a FitResult (or a list of them)."""
    if isinstance(r, list):
        return {"ranked": [snapshot(x) for x in r]}
    return {
        "model_name": r.model_name, "success": bool(r.success), "message": r.message,
        "values": {k: float(v) for k, v in r.values.items()},
        "stderr": {k: float(v) for k, v in r.stderr.items()},
        "units": dict(r.units), "names": list(r.names),
        "correlation": [_array(row) for row in np.atleast_2d(r.correlation)],
        "chi2": float(r.chi2), "reduced_chi2": float(r.reduced_chi2), "ndata": int(r.ndata),
        "nvarys": int(r.nvarys), "nfev": int(r.nfev), "at_bound": list(r.at_bound),
        "notes": list(r.notes), "intervals": {k: list(v) for k, v in r.intervals.items()},
        "noise_sigma": float(r.noise_sigma), "sigma_source": r.sigma_source,
        "sigma_dof": float(r.sigma_dof), "model": _array(r.model),
        "components": {k: _array(v) for k, v in r.components.items()},
        "weights_mask": int(np.sum(r.weights_mask)),
    }


def _encode(v):
    if isinstance(v, float) and not math.isfinite(v):
        return {"float": repr(v)}
    if isinstance(v, dict):
        return {k: _encode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_encode(x) for x in v]
    return v


def _decode(v):
    if isinstance(v, dict) and set(v) == {"float"}:
        return float(v["float"])
    if isinstance(v, dict):
        return {k: _decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decode(x) for x in v]
    return v


def differences(expected, actual, path="") -> list[str]:
    """Every difference beyond RTOL (floats) or at all (everything else), one line each."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = [f"{path}: keys {sorted(set(expected) ^ set(actual))} differ"] \
            if list(expected) != list(actual) else []
        for k in expected:
            if k in actual:
                out += differences(expected[k], actual[k], f"{path}/{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(expected)} items, now {len(actual)}"]
        return [d for i, (a, b) in enumerate(zip(expected, actual, strict=True))
                for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(expected, float) or isinstance(actual, float):
        a, b = float(expected), float(actual)
        if (math.isnan(a) and math.isnan(b)) or a == b:
            return []
        if math.isfinite(a) and math.isfinite(b) and abs(a - b) <= RTOL * max(abs(a), abs(b)):
            return []
        return [f"{path}: {a!r} → {b!r}"]
    return [] if expected == actual else [f"{path}: {expected!r} → {actual!r}"]


def _golden() -> dict:
    return _decode(json.loads(GOLDEN.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", list(cases()))
def test_fit_values_unchanged(name):
    golden = _golden()
    assert name in golden, f"{name!r} was not recorded"
    diff = differences(golden[name], _decode(_encode(snapshot(cases()[name]()))))
    assert not diff, "\n".join([name, *diff[:20]])


def test_every_recorded_case_is_run():
    assert set(_golden()) == set(cases())


def test_differences_catches_a_change_beyond_rtol():
    a = {"values": {"T1_s": 1.0}, "names": ["T1_s"]}
    assert differences(a, {"values": {"T1_s": 1.0 + 1e-12}, "names": ["T1_s"]}) == []
    assert differences(a, {"values": {"T1_s": 1.0 + 1e-8}, "names": ["T1_s"]})
    assert differences(a, {"values": {"T1_s": 1.0}, "names": ["M0"]})


if __name__ == "__main__" and "--record" in sys.argv:
    GOLDEN.write_text(json.dumps({k: _encode(snapshot(f())) for k, f in cases().items()},
                                 indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"recorded {len(cases())} fits in {GOLDEN}")
