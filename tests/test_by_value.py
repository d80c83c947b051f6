"""The by-value comparison of generated files: machine-level differences (last bit of a
float, one count of a rounded FID point, a printed digit on a rounding boundary) pass,
real differences are each reported."""

import json

import numpy as np
from by_value import tree_differences

from analysis.io import bruker

TRUTH = {"d_n_hz": 284729.14448136336, "left_shift": 3, "two_step": True,
         "days": {"0": {"h_fwhm_hz": 1350.0, "alpha": 0.0}}, "cells": ["N1", "N2"]}
CSV = "# cell: T1\n# day: 0\nT_K,R_ohm\n9.986,-7.713398e-05\n10.506,-3.161503e-05\n"
TOML = 'name = "x"\nfield_t = 9.28\n[[acquisitions]]\npath = "nmr/N1"\nscans = 128\n'


def _fid(n=512):
    t = np.arange(n) / 2e6
    return 1e6 * np.exp(2j * np.pi * 3e4 * t - t / 2e-4)


def _tree(root, truth=TRUTH, csv=CSV, toml=TOML, vdlist="2e-05\n3.10957e-05\n", fid=None,
          sw=2e6, nucleus="1H"):
    root.mkdir()
    (root / "truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    (root / "day00.csv").write_text(csv)
    (root / "campaign.toml").write_text(toml)
    bruker.write(root / "nmr", _fid() if fid is None else fid, nucleus=nucleus,
                 carrier_hz=395e6, reference_hz=395e6, spectral_width_hz=sw, scans=128)
    (root / "nmr" / "vdlist").write_text(vdlist)
    return root


def _diff(tmp_path, **changed):
    return tree_differences(_tree(tmp_path / "a"), _tree(tmp_path / "b", **changed))


def test_machine_level_differences_pass(tmp_path):
    fid = _fid()
    fid[[3, 70, 200]] += [1.0, -1.0, 1.0j]  # one count where rint landed the other way
    assert _diff(
        tmp_path,
        truth=TRUTH | {"d_n_hz": 284729.1444813633},  # the last digit (the reported case)
        csv=CSV.replace("9.986,-7.713398e-05", "9.987,-7.713399e-05"),  # printed .5 cases
        toml=TOML.replace("9.28", "9.280000000000001"),
        vdlist="1.99999e-05\n3.10957e-05\n", fid=fid, sw=2e6 * (1 + 1e-13),
    ) == []


def test_real_differences_are_reported(tmp_path):
    fid = _fid()
    fid[5] += 3.0
    truth = TRUTH | {"d_n_hz": 284729.2, "left_shift": 4, "two_step": False, "new": 1}
    truth["days"] = {"0": {"h_fwhm_hz": 1350.0}}
    problems = _diff(tmp_path, truth=truth,
                     csv=CSV.replace("9.986", "9.988").replace("day: 0", "day: 1")
                     .replace("R_ohm", "R_kohm"),
                     toml=TOML.replace("128", "256"), vdlist="3e-05\n3.10957e-05\n",
                     fid=fid, nucleus="2H")
    text = "\n".join(problems)
    for where in ("truth.json: /d_n_hz", "truth.json: /left_shift", "truth.json: /two_step",
                  "truth.json: /new: unexpected", "truth.json: /days/0/alpha: missing",
                  "day00.csv: line 2", "day00.csv: line 3", "day00.csv: line 4",
                  "campaign.toml: /acquisitions[0]/scans", "nmr/vdlist: line 1",
                  "nmr/fid: data differ by up to 3", "nmr/acqus: /NUC1"):
        assert where in text, (where, text)


def test_missing_and_extra_files_are_reported_and_caches_skipped(tmp_path):
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    (a / "only_a.csv").write_text("1\n")
    (b / ".hpnmr").mkdir()
    (b / ".hpnmr" / "cache.sqlite").write_bytes(b"\x00\x01")
    (b / "blob.bin").write_bytes(b"\xff\xfe")
    (a / "blob.bin").write_bytes(b"\xff\xfd")
    assert tree_differences(a, b) == [f"only_a.csv: only in {a}",
                                      "blob.bin: binary contents differ"]
