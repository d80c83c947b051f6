"""The analysis recipes that moved out of the page stores (issue 15) give what the stores
gave: the display spectra, the array traces and fits, the H/La and Tc series with their
fitted curves, the overlap, the stacked spectra and the assumptions line, on the example
campaign.

``golden/recipes.json`` was recorded from the stores' own code before the move (commit
bb55c6b: ``display_spectrum``, ``EvolutionState``, ``RelaxationState``,
``pake.spectrum_for_fit``). On the machine that recorded it the arrays were equal bit for
bit; here every array is compared by a fingerprint (shape, Σ|a|, Σa², 12 samples) within
``by_value.RTOL`` of its largest magnitude, since FFT and BLAS builds round differently in
the last bit. Rewrite the file with ``python tests/test_recipes.py --record`` only when a
change of the values is intended, and say why in the commit.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from by_value import RTOL, value_differences

GOLDEN = Path(__file__).parent / "golden" / "recipes.json"
SAMPLES = 12
#: the acquisitions whose display spectra are checked: ¹³⁹La and ¹H before and after
#: heating (Fig. 1) and a ¹H spectrum late in the campaign (broad H₂ part)
DISPLAYED = ("nmr/N2/day-01/139La", "nmr/N2/day-01/1H", "nmr/N2/day000/139La",
             "nmr/N2/day000/1H", "nmr/N1/day054/1H")
PAKE_INPUT = "nmr/N2/day054/1H_h2_echo"
TC_CRITERIA = ("50", "onset", "zero")


def fingerprint(x):
    """A JSON-ready stand-in for ``x``: arrays by shape, sums and samples; the rest plain."""
    if isinstance(x, np.ndarray):
        a = np.asarray(x, float).ravel()
        idx = np.linspace(0, a.size - 1, SAMPLES).astype(int) if a.size else []
        return {"array": list(x.shape), "sum_abs": float(np.nansum(np.abs(a))),
                "sum_sq": float(np.nansum(a * a)),
                "max_abs": float(np.nanmax(np.abs(a))) if a.size else 0.0,
                "samples": [float(a[i]) for i in idx]}
    if isinstance(x, dict):
        return {str(k): fingerprint(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [fingerprint(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def differences(gold, now, path: str = "") -> list[str]:
    """Where ``now`` differs from ``gold`` (fingerprints): arrays within RTOL of their
    largest magnitude, everything else as :func:`by_value.value_differences`."""
    if isinstance(gold, dict) and "array" in gold and isinstance(now, dict) and "array" in now:
        if gold["array"] != now["array"]:
            return [f"{path}: shape {now['array']} instead of {gold['array']}"]
        scale = RTOL * gold["max_abs"]
        out = [f"{path}/{k}: {now[k]!r} instead of {gold[k]!r}"
               for k in ("sum_abs", "sum_sq", "max_abs")
               if not np.isclose(now[k], gold[k], rtol=RTOL, atol=0)]
        if not np.allclose(np.array(now["samples"], float), np.array(gold["samples"], float),
                           rtol=RTOL, atol=scale, equal_nan=True):
            out.append(f"{path}/samples differ")
        return out
    if isinstance(gold, dict) and isinstance(now, dict):
        out = [f"{path}/{k}: missing" for k in gold if k not in now]
        out += [f"{path}/{k}: unexpected" for k in now if k not in gold]
        return out + [d for k in gold if k in now
                      for d in differences(gold[k], now[k], f"{path}/{k}")]
    if isinstance(gold, list) and isinstance(now, list) and len(gold) == len(now):
        return [d for i, (g, n) in enumerate(zip(gold, now, strict=True))
                for d in differences(g, n, f"{path}[{i}]")]
    return value_differences(gold, now, path)


def display_values(camp) -> dict:
    from analysis import display, pake

    out = {f"display|{p}": display.display_spectrum(camp, camp.acquisition(p))
           for p in DISPLAYED}
    acq = camp.acquisition(PAKE_INPUT)
    out[f"pake_input|{PAKE_INPUT}"] = pake.spectrum_for_fit(camp.read(acq),
                                                            acq.default_processing())
    return out


def relaxation_values(camp) -> dict:
    from analysis import display
    from analysis import relaxation as rx

    t1_path = display.array_paths(camp, display.RECOVERY_KINDS)[0]
    t2_path = display.array_paths(camp, display.DECAY_KINDS)[0]
    out = {"traces|t1": display.array_traces(camp, t1_path),
           "traces|t2": display.array_traces(camp, t2_path),
           "train": display.echo_train(camp, display.array_paths(camp,
                                                                 display.TRAIN_KINDS)[0])}
    fits = [display.fit_array(camp, t1_path, rx.AUTO, kind="recovery"),
            display.fit_array(camp, t2_path, "hahn", kind="decay")]
    for name, f in zip(("t1", "t2"), fits, strict=True):
        out[name] = (f.amplitudes.x_s, f.amplitudes.amplitude, f.amplitudes.sigma,
                     dict(f.fit.values), dict(f.fit.stderr))
    out["choice"] = [(f.choice.method, f.choice.reason, f.choice.model_name) for f in fits]
    return out


DIFFUSION_KEYS_BEFORE_FACE = ("D_cm2_s", "D_m2_s", "D_hbar_cm2_s", "D_h_cm2_s", "prefactor",
                              "prefactor_value", "constant", "tau_s", "omega0_tau",
                              "extreme_narrowing", "T1_dipolar_min_s", "verdict")


def relaxation_store_values(example) -> dict:
    from dashboard.state import RelaxationState

    s = RelaxationState(example)
    d = s.diffusion()
    # the keys recorded before every result got the common face (issue 15), which appends
    # the quantities in SI and success/message/notes; those are checked in test_results.py
    face = set(d.face_dict()) - set(DIFFUSION_KEYS_BEFORE_FACE)
    out = {"bpp": s.bpp(), "diffusion": {k: v for k, v in d.to_dict().items()
                                         if k not in face}}
    assert d.to_dict()["success"] is True
    s.second_moment_e11 = 0
    out["bpp_pair"] = s.bpp()
    return out


def evolution_values(camp, results) -> dict:
    from analysis import evolution
    from analysis.transport import CRITERIA

    nmr, tr = evolution.nmr_cells(camp), evolution.transport_cells(camp)
    out = {"x_max": evolution.x_max(results)}
    for cal in (True, False):
        out[f"assumptions|{cal}"] = evolution.hla_assumptions(results, nmr, calibrated=cal)
    for cal, law in [(True, law) for law in evolution.LAW_CHOICES] + [(False, "best")]:
        out[f"hla|{cal}|{law}"] = evolution.hla_series(results, nmr, calibrated=cal, law=law)
    for law in evolution.LAW_CHOICES:
        for c in nmr:
            out[f"law_for|True|{law}|{c}"] = evolution.law_for(results, c, law)
    for cal, crit in ((True, "50"), (True, "onset"), (False, "50")):
        out[f"overlap|{cal}|{crit}"] = [p._asdict() for p in evolution.overlap(
            results, nmr, tr, calibrated=cal, criterion=crit)]
    for crit in TC_CRITERIA:
        out[f"tc|{crit}"] = evolution.tc_series(results, tr, crit)
    out["hla_sub"] = evolution.hla_series(results, nmr[:1])
    out["tc_sub"] = evolution.tc_series(results, tr[1:], CRITERIA[-1])
    out["overlap_sub"] = [p._asdict() for p in evolution.overlap(results, nmr[:1], tr[1:],
                                                                 criterion=CRITERIA[-1])]
    out["assumptions_sub"] = evolution.hla_assumptions(results, nmr[:1])
    for c in nmr:
        for nuc in ("139La", "1H"):
            stack = evolution.stacked_spectra(camp, c, nuc)
            assert stack.problems == ()
            out[f"stacked|{c}|{nuc}"] = stack.spectra
    return out


@pytest.fixture(scope="module")
def camp(example):
    from analysis import campaign

    return campaign.load(example)


@pytest.fixture(scope="module")
def results(camp, tmp_path_factory):
    from analysis import evolution
    from analysis.store import ResultsStore

    store = ResultsStore(tmp_path_factory.mktemp("store") / "r.sqlite")
    got = evolution.load_or_analyze(camp, store)
    assert got.version is not None and evolution.saved_version(store) == got.version
    again = evolution.load_or_analyze(camp, store)  # kept: read back, not recomputed
    assert again.version == got.version and again.results.kinetics == got.results.kinetics
    return got.results


def _check(values: dict) -> None:
    gold = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = fingerprint(values)
    missing = [k for k in now if k not in gold]
    assert not missing, missing
    diffs = [d for k in now for d in differences(gold[k], now[k], k)]
    assert not diffs, diffs[:10]


def test_display_recipes_give_what_the_stores_gave(camp):
    _check(display_values(camp))


def test_relaxation_recipes_give_what_the_store_gave(camp, example):
    _check({**relaxation_values(camp), **relaxation_store_values(example)})


def test_evolution_recipes_give_what_the_store_gave(camp, results):
    _check(evolution_values(camp, results))


def test_the_evolution_store_is_a_thin_call(example, tmp_path):
    """The store's methods keep their shapes for the components (tuples that unpack)."""
    from analysis.store import ResultsStore
    from dashboard.state import EvolutionState

    s = EvolutionState(example, store=ResultsStore(tmp_path / "r.sqlite"))
    series, fits = s.hla_data()
    days, value, err = series["N2"]
    assert days.shape == value.shape == err.shape and set(fits) <= set(series)
    _ppm, spectra, days = s.stacked_spectra("1H")
    assert spectra.shape[0] == len(days)
    assert set(s.overlap()[0]) == {"cell", "day", "H_per_La", "H_per_La_err", "Tc_ratio",
                                   "Tc_ratio_err"}
    s.results = None
    assert s.hla_data() == ({}, {}) and s.tc_data() == ({}, {}) and s.overlap() == []
    assert s.x_max() == 80.0 and s.law_for("N2") is None and s.hla_assumptions() == ""


def test_process_autophases_like_the_recipe_it_replaces(camp):
    """``process(…, autophase=m)`` is transform → autophase (pivot at the strongest point)
    → finish, written once."""
    from analysis import processing

    acq = camp.acquisition("nmr/N2/day000/1H")
    ds = camp.read(acq)
    p = acq.default_processing()
    off, raw = processing.transform(ds, p)
    for method in ("max-real", "zero-order"):
        p0, p1 = processing.autophase(raw, off, ds.spectral_width_hz, method=method)
        pivot = float(off[np.argmax(np.abs(raw))])
        want = processing.finish(ds, p.replace(p0_deg=p0, p1_deg=p1, pivot_hz=pivot), off,
                                 raw)
        got = processing.process(ds, p, autophase=method)
        assert np.array_equal(got.data, want.data) and got.params == want.params
    assert processing.process(ds, p).params == p  # without autophase: the phase given


def test_echo_train_without_a_list_numbers_its_traces(camp, monkeypatch):
    """An echo train whose file lists no spacings: the trace number on the axis (this
    raised TypeError before: ``np.arange(n, float)``)."""
    import dataclasses

    from analysis import display

    path = display.array_paths(camp, display.TRAIN_KINDS)[0]
    ds = camp.read(path)
    monkeypatch.setattr(type(camp), "read", lambda self, p: dataclasses.replace(ds,
                                                                                array=None))
    train = display.echo_train(camp, path)
    assert np.array_equal(train.spacings_s, np.arange(ds.traces, dtype=float))


def _record() -> None:  # pragma: no cover - run by hand, see the module docstring
    from conftest import EXAMPLE

    from analysis import campaign, evolution
    from analysis.store import ResultsStore

    camp = campaign.load(EXAMPLE)
    with tempfile.TemporaryDirectory() as tmp:
        results = evolution.load_or_analyze(camp, ResultsStore(Path(tmp) / "r.sqlite")).results
    values = {**display_values(camp), **relaxation_values(camp),
              **relaxation_store_values(EXAMPLE), **evolution_values(camp, results)}
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(fingerprint(values), ensure_ascii=False) + "\n",
                      encoding="utf-8")


if __name__ == "__main__" and "--record" in sys.argv:  # pragma: no cover
    _record()
