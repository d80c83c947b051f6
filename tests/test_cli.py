"""The hpnmr command contract: one JSON object, clear one-line errors, exit codes."""

import json
import subprocess
import sys

import numpy as np
import pytest

from dashboard.cli import main


def test_info_json_on_example(example, capsys):
    assert main(["info", str(example / "nmr/N2/day001/1H_hahn"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == "bruker"
    assert out["nucleus"] == "1H"
    assert out["carrier_mhz"] == pytest.approx(395.0)
    assert out["traces"] == 12
    assert out["array"]["name"] == "vdlist" and out["array"]["unit"] == "s"


def test_info_error_json_and_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.tnt"
    bad.write_bytes(b"nope")
    assert main(["info", str(bad), "--json"]) == 2
    cap = capsys.readouterr()
    assert json.loads(cap.out)["error"].startswith(str(bad))
    assert cap.err.count("\n") == 1 and "bad.tnt" in cap.err


def test_no_traceback_from_the_console_script(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n")
    r = subprocess.run([sys.executable, "-m", "dashboard.cli", "info", str(bad)],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "bad.csv" in r.stderr


def test_demo_data_refuses_to_overwrite_foreign_folder(tmp_path, capsys):
    (tmp_path / "precious.txt").write_text("raw data")
    assert main(["demo-data", str(tmp_path)]) == 2
    assert (tmp_path / "precious.txt").read_text() == "raw data"
    assert "refusing" in capsys.readouterr().err


def test_pake_json_on_example_and_on_csv(example, tmp_path, capsys):
    import numpy as np

    from analysis import lineshapes as L

    truth = json.loads((example / "truth.json").read_text())["acquisitions"]
    t = truth["nmr/N2/day054/1H_h2_echo"]
    # the default is the page's: a central line (pake.CENTRAL_LINE_DEFAULT)
    assert main(["pake", str(example / "nmr/N2/day054/1H_h2_echo"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["success"] is True and out["central_line"] is True
    assert out["verdict"]["status"] == "ok" and out["verdict"]["ok"] is True
    for k in ("r_n_angstrom", "r_nn_angstrom"):
        assert set(out[k]) == {"value", "stderr", "unit"} and out[k]["unit"] == "Å"
        assert abs(out[k]["value"] - t[k]) <= 3 * out[k]["stderr"]
    assert {"weight_n", "broadening_hz", "center_hz", "reduced_chi2"} <= set(out)
    # a CSV spectrum, one component
    f = np.linspace(-5e5, 5e5, 1024)
    y = L.pake_binned(f, 0.75 * float(L.dipolar_coupling_hz(1.1e-10)), 5e3, 16)
    y = y / y.max() + np.random.default_rng(0).normal(0, 0.01, f.size)
    csv = tmp_path / "s.csv"
    rows = (f"{a},{b}" for a, b in zip(f, y, strict=True))
    csv.write_text("frequency_hz,intensity\n" + "\n".join(rows))
    assert main(["pake", str(csv), "--components", "1", "--r-n", "1.0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["r_n_angstrom"]["value"] == pytest.approx(1.1, abs=0.01)
    assert "r_nn_angstrom" not in out


def test_pake_without_the_central_line_is_flagged_poor(example, capsys):
    # the model without the example's narrow residual line converges, but does not fit
    assert main(["pake", str(example / "nmr/N2/day054/1H_h2_echo"), "--no-central-line",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["success"] is True and out["central_line"] is False
    v = out["verdict"]
    assert v["status"] == "poor-fit" and v["ok"] is False
    assert v["reduced_chi2"] > v["interval"][1]


def test_pake_bad_input(tmp_path, capsys):
    csv = tmp_path / "tiny.csv"
    csv.write_text("frequency_hz,intensity\n0,1\n1,2\n2,1\n")
    assert main(["pake", str(csv), "--json"]) == 2
    cap = capsys.readouterr()
    assert "too few" in json.loads(cap.out)["error"] and "tiny.csv" in cap.err
    assert main(["pake", str(csv), "--exclude", "nonsense"]) == 2


# ------------------------------------------------------------------- t1, t2, diffusion
def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_t1_on_example_uses_the_manifest(example, capsys):
    truth = json.loads((example / "truth.json").read_text())["acquisitions"]
    path = "nmr/N2/day001/1H_satrec"
    assert main(["t1", str(example / path), "--json", "--compare", "stretched"]) == 0
    out = _json(capsys)
    assert out["success"] and out["model"] == "saturation" and out["axis"] == "delay"
    t1 = out["T1_s"]
    assert t1["unit"] == "s" and abs(t1["value"] - truth[path]["T1_s"]) < 3 * t1["stderr"]
    assert any("campaign manifest" in n for n in out["notes"])
    assert [c["model"] for c in out["comparison"]] == ["saturation", "stretched"]
    assert out["ranked_by"] == "AICc"          # 16 delays: AIC corrected for few points
    assert out["verdict"]["status"] in ("ok", "uninformative") and "aicc" in out
    # σ from the residuals ⇔ n·ln(RSS/n) criteria ⇔ χ²_ν uninformative
    assert (out["ic_form"] == "rss") == (out["verdict"]["status"] == "uninformative")


def test_t2_turns_the_hahn_tau_list_into_echo_time(example, capsys):
    assert main(["t2", str(example / "nmr/N2/day001/1H_hahn"), "--json"]) == 0
    out = _json(capsys)
    assert out["axis"] == "pulse-spacing"
    assert out["T2_s"]["value"] == pytest.approx(1.5e-3, rel=2e-3)
    assert out["x_s"][-1] == pytest.approx(2 * 2.5e-3)


def test_t1_stretched_and_csv(tmp_path, capsys):
    t = np.geomspace(1e-5, 2e-2, 20)
    y = 1 - np.exp(-((t / 1.5e-3) ** 0.7))
    f = tmp_path / "rec.csv"
    f.write_text("delay_s,amplitude\n" + "\n".join(f"{a},{b}" for a, b in zip(t, y, strict=True)))
    assert main(["t1", str(f), "--model", "stretched", "--json"]) == 0
    out = _json(capsys)
    assert out["beta"]["value"] == pytest.approx(0.7, rel=1e-4)
    assert out["T1_s"]["value"] == pytest.approx(1.5e-3, rel=1e-4)
    assert main(["t2", str(f), "--json"]) == 0  # a recovery read as a decay: fails, says so
    out = _json(capsys)
    assert out["success"] is False and out["message"]


def test_diffusion_json_contract(capsys):
    assert main(["diffusion", "--t1-s", "1.5e-3", "--density-cm3", "3e23",
                 "--distance-angstrom", "1", "--json"]) == 0
    out = _json(capsys)
    assert out["D_cm2_s"]["value"] == pytest.approx(2.416e-8, rel=1e-3)
    assert out["D_h_cm2_s"]["value"] == pytest.approx(9.538e-7, rel=1e-3)
    assert out["extreme_narrowing"] is False and "ω₀τ" in out["verdict"]
    assert main(["diffusion", "--t1-s", "1.5e-3", "--constant", "h", "--prefactor", "paper",
                 "--json"]) == 0
    assert _json(capsys)["D_cm2_s"]["value"] == pytest.approx(9.538e-7, rel=1e-3)


@pytest.mark.parametrize("argv, needle", [
    (["t1", "{ex}/nmr/N2/day054/1H_h2_echo"], "no delay list"),
    (["t1", "{ex}/nmr/N2/day001/1H_satrec", "--delays", "1m,2m"], "2 delays for 16"),
    (["t1", "{ex}/nmr/N2/day001/1H_satrec", "--delays", "5m:1m:1m"], "range"),
    (["t2", "{ex}/nmr/N2/day001/1H_hahn", "--region", "abc"], "LO:HI"),
    (["diffusion", "--t1-s", "-1"], "positive"),
    (["t1", "{ex}/missing"], "no such"),
])
def test_relaxation_bad_input_is_one_line(example, capsys, argv, needle):
    argv = [a.format(ex=example) for a in argv]
    assert main([*argv, "--json"]) == 2
    cap = capsys.readouterr()
    assert needle in json.loads(cap.out)["error"]
    assert cap.err.count("\n") == 1


def test_t1_csv_with_negative_delays_and_nan(tmp_path, capsys):
    f = tmp_path / "neg.csv"
    f.write_text("-1e-3,0.1\n1e-3,0.5\n2e-3,0.7\n4e-3,0.9\n")
    assert main(["t1", str(f), "--json"]) == 2
    assert "negative" in _json(capsys)["error"]
    g = tmp_path / "nan.csv"
    g.write_text("1e-3,nan\n2e-3,0.5\n3e-3,0.7\n4e-3,0.9\n5e-3,0.95\n")
    assert main(["t1", str(g), "--json"]) == 2
    assert "NaN" in _json(capsys)["error"]


# ------------------------------------------------------------------- campaign, quantify, tc
def test_campaign_writes_tables_and_keeps_results(example, tmp_path, capsys, monkeypatch):
    import shutil

    from analysis import pipeline
    from analysis.store import ResultsStore, default_path

    root = tmp_path / "camp"
    shutil.copytree(example, root, ignore=shutil.ignore_patterns(".hpnmr"))
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    assert main(["campaign", str(root), "--out", str(out), "--json"]) == 0
    d = _json(capsys)
    assert d["acquisitions"] == 142 and d["cell_days"] == 71 and not d["errors"]
    assert d["best_law"]["global"] == "jmak"
    best = d["best_law_fit"]["global"]
    assert best["ranked_by"] == "AICc" and best["verdict"] == "ok"
    for name in ("nmr", "h_per_la", "tc", "kinetics", "tc_kinetics"):
        assert (out / f"{name}.csv").stat().st_size > 100
    saved = pipeline.load_saved(ResultsStore(default_path(root)))
    assert saved is not None and len(saved.h_per_la) == 71
    for p, data in before.items():  # raw data untouched
        assert p.read_bytes() == data


def test_quantify_json_contract(example, capsys):
    assert main(["quantify", "--snr-h", "309.74", "--snr-la", "25", "--scans-h", "1024",
                 "--scans-la", "16384", "--snr-h-err", "1", "--snr-la-err", "1",
                 "--bandwidth-h", "1e6", "--bandwidth-la", "1e6", "--efficiency", "equal",
                 "--json"]) == 0
    d = _json(capsys)
    assert d["H_per_La"]["value"] == pytest.approx(3.0, rel=1e-3)
    assert d["efficiency"] == "equal" and "assumptions" in d
    assert "sqrt(NS_La/NS_H)" in d["factors"] and d["error_budget"]["Lambda_H"] == 0.05
    assert main(["quantify", "--h", str(example / "nmr/N2/day-01/1H"), "--la",
                 str(example / "nmr/N2/day-01/139La"), "--json"]) == 0
    d = _json(capsys)
    assert d["H_per_La"]["value"] == pytest.approx(3.1, abs=0.3)  # the precursor
    assert d["manifest"].endswith("campaign.toml")
    for key in ("fit_h", "fit_la"):   # the time-domain Voigt fits, judged
        assert d[key]["status"] in ("ok", "poor-fit", "chi2-too-small") and d[key]["dof"] > 0


def test_quantify_short_form_names_what_it_cannot_know(capsys):
    """Bare SNRs (the README's old short form gave 0.497 silently): exit 2 naming the
    missing channel data, in one line."""
    base = ["quantify", "--snr-h", "230", "--snr-la", "28", "--json"]
    assert main(base) == 2
    cap = capsys.readouterr()
    err = json.loads(cap.out)["error"]
    for needle in ("--scans-h/--scans-la", "--bandwidth-h/--bandwidth-la", "--efficiency",
                   "--assume-defaults"):
        assert needle in err
    assert cap.err.count("\n") == 1
    assert main([*base, "--scans-h", "128", "--scans-la", "16384", "--bandwidth-h", "2e6",
                 "--bandwidth-la", "5e5"]) == 2
    err = json.loads(capsys.readouterr().out)["error"]
    assert "--efficiency" in err and "--scans-h" not in err and "--bandwidth-h" not in err


def test_quantify_assume_defaults_lists_every_assumption(capsys):
    assert main(["quantify", "--snr-h", "230", "--snr-la", "28", "--assume-defaults",
                 "--json"]) == 0
    d = _json(capsys)
    assert d["efficiency"] == "shared-coil"
    text = " | ".join(d["assumptions"])
    for needle in ("scans", "noise bandwidths", "noise temperatures", "ε_La = 1", "1.628"):
        assert needle in text
    # 0.497 (equal Λ, the old silent answer) × 1.628
    assert d["H_per_La"]["value"] == pytest.approx(0.4972 * 1.628, rel=1e-3)


def test_quantify_readme_example_matches_the_files(example, capsys):
    """The README's short form with the example's channel data gives the files' answer."""
    assert main(["quantify", "--snr-h", "231.1", "--snr-la", "28.68", "--snr-h-err", "2.56",
                 "--snr-la-err", "1.07", "--scans-h", "128",
                 "--scans-la", "16384", "--bandwidth-h", "2e6", "--bandwidth-la", "5e5",
                 "--t90-h-us", "1.5", "--power-h", "40", "--t90-la-us", "6",
                 "--power-la", "150", "--json"]) == 0
    short = _json(capsys)
    assert main(["quantify", "--h", str(example / "nmr/N1/day000/1H"), "--la",
                 str(example / "nmr/N1/day000/139La"), "--json"]) == 0
    files = _json(capsys)
    assert files["efficiency"] == short["efficiency"] == "t90"
    assert files["H_per_La"]["value"] == pytest.approx(10.01, abs=0.01)
    assert short["H_per_La"]["value"] == pytest.approx(files["H_per_La"]["value"], rel=2e-3)
    assert short["H_per_La"]["stderr"] == pytest.approx(files["H_per_La"]["stderr"], rel=0.01)
    assert not any("scans" in a or "bandwidth" in a for a in files["assumptions"])


def test_quantify_files_outside_a_campaign_say_what_they_assume(example, tmp_path, capsys):
    import shutil

    for nuc in ("1H", "139La"):
        shutil.copytree(example / "nmr/N1/day000" / nuc, tmp_path / nuc)
    assert main(["quantify", "--h", str(tmp_path / "1H"), "--la", str(tmp_path / "139La"),
                 "--json"]) == 0
    d = _json(capsys)
    assert "manifest" not in d and d["efficiency"] == "shared-coil"
    assert d["factors"]["sqrt(bandwidth_H/bandwidth_La)"] == pytest.approx(2.0)
    assert any("spectral widths" in a for a in d["assumptions"])
    assert any("1.628" in a for a in d["assumptions"])
    assert main(["quantify", "--h", str(tmp_path / "1H"), "--la", str(tmp_path / "139La"),
                 "--efficiency", "equal", "--json"]) == 0
    e = _json(capsys)
    assert e["H_per_La"]["value"] == pytest.approx(d["H_per_La"]["value"] / 1.628, rel=1e-3)
    assert not any("Λ_La/Λ_H" in a for a in e["assumptions"])


def test_quantify_t90_on_the_la_central_transition(capsys):
    base = ["quantify", "--snr-h", "309.74", "--snr-la", "25", "--scans-h", "1024",
            "--scans-la", "16384", "--bandwidth-h", "1e6", "--bandwidth-la", "1e6",
            "--t90-h-us", "1.5", "--power-h", "40", "--t90-la-us", "1.5", "--power-la", "150",
            "--epsilon-la", "ct-linear", "--json"]
    assert main(base) == 2
    assert "central transition" in json.loads(capsys.readouterr().out)["error"]
    out = {}
    for where in ("central", "all"):
        assert main([*base, "--t90-la-transition", where]) == 0
        out[where] = _json(capsys)
    assert out["central"]["t90_la_central"] is True and out["all"]["t90_la_central"] is False
    assert out["central"]["H_per_La"]["value"] == pytest.approx(
        out["all"]["H_per_La"]["value"] / 4, rel=1e-9)


def test_tc_json_contract(example, capsys):
    assert main(["tc", str(example / "transport/T4/day80.csv"), "--criterion", "onset",
                 "--json"]) == 0
    d = _json(capsys)
    assert d["criterion"] == "onset" and d["Tc_K"]["unit"] == "K"
    assert 80 < d["Tc_K"]["value"] < 95 and d["width_K"]["value"] > 0
    assert set(d["all_criteria"]) >= {"onset", "90", "50", "10", "max-slope", "zero"}


@pytest.mark.parametrize("argv, needle", [
    (["tc", "{tmp}/missing.csv"], "no such file"),
    (["tc", "{tmp}/flat.csv"], "no superconducting transition"),
    (["quantify", "--snr-h", "10"], "--snr-la"),
    (["quantify", "--snr-h", "10", "--snr-la", "-2", "--assume-defaults"], "positive"),
    (["quantify", "--h", "{tmp}/flat.csv"], "go together"),
    (["campaign", "{tmp}/nowhere", "--out", "{tmp}/o"], "not a folder"),
])
def test_h_la_tc_bad_input_is_one_line(tmp_path, capsys, argv, needle):
    (tmp_path / "flat.csv").write_text("T,R\n" + "\n".join(f"{t},{1 + 0.01 * t}"
                                                          for t in range(10, 300, 5)))
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main([*argv, "--json"]) == 2
    cap = capsys.readouterr()
    assert needle in json.loads(cap.out)["error"]
    assert cap.err.count("\n") == 1


# ------------------------------------------------------------- shifts and their reference
def _campaign_with_reference(example, root, block: str):
    """Two day-0 acquisitions of N1 under a manifest with the given [referencing] lines."""
    import shutil

    for nuc in ("1H", "139La"):
        shutil.copytree(example / f"nmr/N1/day000/{nuc}", root / f"nmr/N1/day000/{nuc}")
    acqs = "".join(f'[[acquisitions]]\npath = "nmr/N1/day000/{nuc}"\ncell = "N1"\nday = 0\n'
                   f'nucleus = "{nuc}"\nleft_shift = 4\n\n' for nuc in ("1H", "139La"))
    (root / "campaign.toml").write_text(block + "\n" + acqs)
    return root


def test_shift_info_and_campaign_json_use_the_manifest_reference(example, tmp_path, capsys):
    import csv

    from analysis.constants import nucleus

    h_ref = 395.0e6 * (1 + 7e-6)
    root = _campaign_with_reference(example, tmp_path / "camp",
                                    f"[referencing]\nproton_reference_hz = {h_ref!r}\n")
    la = root / "nmr/N1/day000/139La"
    assert main(["shift", str(la), "--json"]) == 0
    d = _json(capsys)
    la_ref = nucleus("139La").xi * h_ref
    assert d["reference"]["source"] == "manifest ¹H"
    assert d["reference_hz"] == pytest.approx(la_ref)
    assert d["method"].startswith("time-domain") and d["shift_ppm"]["unit"] == "ppm"
    assert d["shift_ppm"]["value"] == pytest.approx(
        1e6 * (d["carrier_hz"] + d["offset_hz"]["value"] - la_ref) / la_ref)
    assert main(["info", str(la), "--json"]) == 0
    info = _json(capsys)
    assert info["reference_mhz"] == pytest.approx(la_ref / 1e6)
    assert info["reference"]["source"] == "manifest ¹H"
    out = tmp_path / "out"
    assert main(["campaign", str(root), "--out", str(out), "--json", "--no-store",
                 "--no-cache", "--workers", "1"]) == 0
    summary = _json(capsys)
    assert summary["referencing"]["1H"]["source"] == "manifest ¹H"
    assert summary["referencing"]["1H"]["reference_hz"] == pytest.approx(h_ref)
    with (out / "nmr.csv").open() as fh:
        rows = {r["nucleus"]: r for r in csv.DictReader(fh)}
    assert rows["139La"]["reference_source"] == "manifest ¹H"
    assert float(rows["139La"]["shift_ppm"]) == pytest.approx(d["shift_ppm"]["value"],
                                                               rel=1e-5)


def test_shift_outside_a_campaign_uses_the_file_reference(example, tmp_path, capsys):
    import shutil

    shutil.copytree(example / "nmr/N1/day000/1H", tmp_path / "1H")
    assert main(["shift", str(tmp_path / "1H"), "--json", "--left-shift", "4"]) == 0
    d = _json(capsys)
    assert d["reference"]["source"] == "file"
    assert "not an acquisition of a campaign manifest" in d["reference"]["detail"]
    assert d["reference_hz"] == pytest.approx(395.0e6)
    assert main(["shift", str(tmp_path / "missing"), "--json"]) == 2
    assert "error" in _json(capsys)


def test_shift_of_a_real_whole_echo_from_its_top(realdata, capsys):
    """The static ¹³⁹La whole echo of LaF₃: fitted from the echo top (the zero-padded end
    after the shift is not taken as noise), σ finite, against the file's reference."""
    path = realdata / "ssnake_tutorials/WholeEchoAcquisition/data"
    assert main(["shift", str(path), "--left-shift", "echo", "--json"]) == 0
    d = _json(capsys)
    assert d["nucleus"] == "139La" and d["reference"]["source"] == "file"
    assert 0 < d["shift_ppm"]["stderr"] < 500
    assert abs(d["shift_ppm"]["value"]) < 1000  # a diamagnetic salt: no Knight shift
    assert 10e3 < d["fwhm_hz"]["value"] < 200e3


def test_shift_of_several_lines_exits_2_naming_them_and_takes_a_region(realdata, capsys):
    """Two resolved ¹H lines: exit 2 with one line naming the file, the lines (ppm) and the
    --region to use; with --region (ppm against the file's reference) the line's shift."""
    path = realdata / "nmr_datafiles/Varian/VnmrJ3/1D.fid"
    assert main(["shift", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(path) in err and "several resolved lines (near " in err and " ppm)" in err
    assert f"hpnmr shift {path} --region " in err
    region = err.rsplit("--region ", 1)[1]
    lo, hi = (float(v) for v in region.split(":"))
    assert lo < 8.30 < hi < 11.0
    assert main(["shift", str(path), "--region", region, "--json"]) == 0
    d = _json(capsys)
    assert d["shift_ppm"]["value"] == pytest.approx(8.30, abs=0.03)
    assert d["region"] == {"lo": lo, "hi": hi, "unit": "ppm"}
    assert d["region_hz"][0] < d["offset_hz"]["value"] < d["region_hz"][1]
    assert main(["shift", str(path), "--region", "8:x"]) == 2
    assert "expected LO:HI" in capsys.readouterr().err
