"""A sweep of bad inputs through the command line and the page stores: each gives one clear
message naming the file or the problem, and the next call still works."""

import json

import pytest

from dashboard.cli import main

GOOD_RT = "T,R\n" + "\n".join(f"{t},{0.05 + 0.0005 * t if t > 100 else 1e-6}"
                               for t in range(10, 300, 2))


def _files(tmp):
    f = {
        "empty.csv": "",
        "nan.csv": "delay_s,amplitude\n1e-3,nan\n2e-3,0.5\n3e-3,0.7\n4e-3,0.9\n",
        "inf.csv": "delay_s,amplitude\n1e-3,inf\n2e-3,0.5\n3e-3,0.7\n4e-3,0.9\n",
        "neg.csv": "delay_s,amplitude\n-1e-3,0.1\n2e-3,0.5\n3e-3,0.7\n4e-3,0.9\n",
        "two.csv": "delay_s,amplitude\n1e-3,0.1\n2e-3,0.5\n",
        "same.csv": "delay_s,amplitude\n" + "1e-3,0.5\n" * 6,
        "onecol.csv": "x\n1\n2\n3\n",
        "text.txt": "hello world\nthis is not data\n",
        "garbage.bin": "\x00\x01\x02\x03" * 100,
        "fake.tnt": "TNT1.000 but nothing else",
        "flat_rt.csv": "T,R\n" + "\n".join(f"{t},{1 + 0.01 * t}" for t in range(10, 300, 5)),
        "neg_t.csv": "T,R\n-5,1\n" + GOOD_RT.split("\n", 1)[1],
        "short_rt.csv": "T,R\n10,1\n20,2\n",
        "pake.csv": "frequency_hz,intensity\n1,2\n2,3\n",
        "pake_nan.csv": "frequency_hz,intensity\n" + "\n".join(f"{i},nan" for i in range(50)),
        "zeros.csv": "delay_s,amplitude\n" + "\n".join(f"{i}e-3,0" for i in range(1, 10)),
    }
    for name, text in f.items():
        (tmp / name).write_text(text, encoding="latin-1")
    (tmp / "emptydir").mkdir()
    bad = tmp / "brk"
    bad.mkdir()
    (bad / "acqus").write_text("##TITLE= x\n##$TD= 4096\n")  # no ##END=
    (bad / "fid").write_bytes(b"\x00" * 64)
    nocamp = tmp / "camp_missing_keys"
    nocamp.mkdir()
    (nocamp / "campaign.toml").write_text("[[acquisitions]]\npath = 'x'\n")
    badtoml = tmp / "camp_bad_toml"
    badtoml.mkdir()
    (badtoml / "campaign.toml").write_text("this is [not toml")
    return tmp


SWEEP = [  # argv, what the message must contain
    (["info", "{t}/empty.csv"], "empty.csv"),
    (["info", "{t}/garbage.bin"], "garbage.bin"),
    (["info", "{t}/fake.tnt"], "fake.tnt"),
    (["info", "{t}/text.txt"], "text.txt"),
    (["info", "{t}/emptydir"], "emptydir"),
    (["info", "{t}/brk"], "no ##END="),
    (["info", "{t}/missing"], "missing"),
    (["t1", "{t}/nan.csv"], "NaN"),
    (["t1", "{t}/inf.csv"], "infinite"),
    (["t1", "{t}/neg.csv"], "negative"),
    (["t1", "{t}/two.csv"], "too few"),
    (["t1", "{t}/same.csv"], "same"),
    (["t1", "{t}/zeros.csv"], "zero"),
    (["t1", "{t}/onecol.csv"], "onecol.csv"),
    (["t2", "{t}/neg.csv"], "negative"),
    (["t1", "{ex}/nmr/N2/day001/1H_satrec", "--delays", "1m,2m"], "2 delays for 16"),
    (["t1", "{ex}/nmr/N2/day001/1H_satrec", "--delays", "5m:1m:1m"], "range"),
    (["t1", "{ex}/nmr/N2/day054/1H_h2_echo"], "no delay list"),
    (["t2", "{ex}/nmr/N2/day001/1H_hahn", "--region", "a:b"], "LO:HI"),
    (["tc", "{t}/flat_rt.csv"], "no superconducting transition"),
    (["tc", "{t}/neg_t.csv"], "non-positive"),
    (["tc", "{t}/short_rt.csv"], "usable points"),
    (["tc", "{t}/empty.csv"], "no numeric rows"),
    (["pake", "{t}/pake.csv"], "pake.csv"),
    (["pake", "{t}/pake_nan.csv"], "pake_nan.csv"),
    (["diffusion", "--t1-s", "0"], "positive"),
    (["diffusion", "--t1-s", "1e-3", "--distance-angstrom", "-1"], "positive"),
    (["diffusion", "--t1-s", "nan"], "positive"),
    (["quantify", "--snr-h", "100", "--snr-la", "0", "--assume-defaults"], "positive"),
    (["quantify", "--snr-h", "100", "--snr-la", "20", "--scans-h", "0", "--scans-la", "16",
      "--assume-defaults"], "positive"),
    (["quantify", "--snr-h", "100", "--snr-la", "20", "--epsilon-la", "huge",
      "--assume-defaults"], "epsilon"),
    (["quantify", "--snr-h", "100", "--snr-la", "20"], "--assume-defaults"),
    (["quantify", "--snr-h", "100", "--snr-la", "20", "--scans-h", "8", "--assume-defaults"],
     "both channels"),
    (["quantify", "--snr-h", "100", "--snr-la", "20", "--efficiency", "calibrated",
      "--assume-defaults"], "calibration"),
    (["quantify", "--h", "{t}/garbage.bin", "--la", "{t}/garbage.bin"], "garbage.bin"),
    (["campaign", "{t}/camp_missing_keys", "--out", "{t}/o1"], "no 'day'"),
    (["campaign", "{t}/camp_bad_toml", "--out", "{t}/o2"], "invalid TOML"),
    (["figures", "{ex}", "--out", "{t}/f", "--format", "tiff"], "tiff"),
    (["serve", "/etc", "--data-root", "{ex}"], "outside the allowed data roots"),
]


def test_sweep_has_at_least_thirty_distinct_cases():
    assert len({tuple(a) for a, _ in SWEEP}) >= 30


@pytest.mark.parametrize("argv, needle", SWEEP, ids=[" ".join(a[:2]).replace("{t}/", "")
                                                     .replace("{ex}/", "")
                                                     for a, _ in SWEEP])
def test_bad_input_gives_one_clear_line(tmp_path, example, capsys, argv, needle):
    t = _files(tmp_path)
    argv = [a.format(t=t, ex=example) for a in argv]
    as_json = argv[0] != "serve"
    code = main([*argv, "--json"] if as_json else argv)
    cap = capsys.readouterr()
    assert code == 2, (argv, cap.out, cap.err)
    assert cap.err.count("\n") == 1 and "Traceback" not in cap.err
    msg = json.loads(cap.out)["error"] if as_json else cap.err
    assert needle in msg, msg
    assert main(["diffusion", "--t1-s", "1.5e-3", "--json"]) == 0  # still working
    capsys.readouterr()


def test_pages_list_bad_files_and_keep_working(tmp_path, example):
    """A corrupt FID, a broken R(T) file and an absurd parameter: the stores say so."""
    import shutil

    import param

    from analysis.store import ResultsStore
    from dashboard.state import EvolutionState, PakeState, RelaxationState, TransportState

    root = tmp_path / "camp"
    shutil.copytree(example, root, ignore=shutil.ignore_patterns(".hpnmr"))
    (root / "nmr/N2/day001/1H_satrec/ser").write_bytes(b"\x00" * 10)
    (root / "nmr/N3/day010/139La/fid").write_bytes(b"\x00" * 10)
    (root / "transport/T2/day05.csv").write_text("T,R\nnot,numbers\n")
    rel = RelaxationState(root)
    assert rel.t1 is None and "1H_satrec" in rel.message and rel.t2[1].success
    evo = EvolutionState(root, store=ResultsStore(tmp_path / "r.sqlite"))
    assert any("N3/day010/139La" in e for e in evo.results.errors)
    assert any("day05.csv" in e for e in evo.results.errors)
    assert "Some files were left out" in evo.message and evo.results.h_per_la
    tr = TransportState(root)
    tr.cell = "T2"
    assert len(tr.rows()) == 14 and "day05.csv" in tr.message
    pk = PakeState(root)
    with pytest.raises(ValueError):
        pk.r_n = 50.0  # outside its bounds: a widget cannot send it
    with pytest.raises(ValueError):
        pk.broadening_khz = -1.0
    assert pk.r_n == 0.75
    pk.fit()
    assert pk.result.success
    assert isinstance(pk.param, param.parameterized.Parameters)
