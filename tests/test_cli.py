"""The hpnmr command contract: one JSON object, clear one-line errors, exit codes."""

import json
import subprocess
import sys

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
    assert main(["pake", str(example / "nmr/N2/day054/1H_h2_echo"), "--central-line",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["success"] is True
    for k in ("r_n_angstrom", "r_nn_angstrom"):
        assert set(out[k]) == {"value", "stderr", "unit"} and out[k]["unit"] == "Å"
        assert abs(out[k]["value"] - t[k]) <= 2 * out[k]["stderr"]
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


def test_pake_bad_input(tmp_path, capsys):
    csv = tmp_path / "tiny.csv"
    csv.write_text("frequency_hz,intensity\n0,1\n1,2\n2,1\n")
    assert main(["pake", str(csv), "--json"]) == 2
    cap = capsys.readouterr()
    assert "too few" in json.loads(cap.out)["error"] and "tiny.csv" in cap.err
    assert main(["pake", str(csv), "--exclude", "nonsense"]) == 2
