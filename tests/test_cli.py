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
