"""Malformed, truncated and unsupported inputs raise ReaderError naming file and problem."""

import shutil

import numpy as np
import pytest

from analysis import io
from analysis.dataset import ReaderError
from analysis.io import bruker


def _bruker(tmp_path, name="ok", n=256, traces=1):
    data = np.ones((traces, n)) * (1000 + 500j)
    return bruker.write(tmp_path / name, data, nucleus="1H", carrier_hz=395e6,
                        reference_hz=395e6, spectral_width_hz=1e5, scans=4,
                        vdlist=[0.001 * (i + 1) for i in range(traces)] if traces > 1 else None)


def test_written_bruker_reads_back(tmp_path):
    ds = io.read(_bruker(tmp_path, traces=3))
    assert ds.traces == 3 and ds.points == 256
    assert ds.array.values == pytest.approx((0.001, 0.002, 0.003))
    assert ds.data[0, 0] == pytest.approx(1000 + 500j)


def test_truncated_bruker_fid(tmp_path):
    folder = _bruker(tmp_path)
    raw = (folder / "fid").read_bytes()
    (folder / "fid").write_bytes(raw[: len(raw) // 3])
    with pytest.raises(ReaderError) as exc:
        io.read(folder)
    assert str(folder) in str(exc.value)
    assert "truncated" in str(exc.value) or "malformed" in str(exc.value)


def test_bruker_acqus_missing_keys(tmp_path):
    folder = _bruker(tmp_path)
    text = (folder / "acqus").read_text().replace("##$TD=", "##$XX=")
    (folder / "acqus").write_text(text)
    with pytest.raises(ReaderError, match="acqus has no TD"):
        io.read(folder)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(ReaderError) as exc:
        io.read(p)
    assert "empty.csv" in str(exc.value)


def test_binary_garbage(tmp_path):
    p = tmp_path / "garbage.bin"
    p.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(ReaderError, match="unrecognised format"):
        io.read(p)


def test_fake_tnt(tmp_path):
    p = tmp_path / "x.tnt"
    p.write_bytes(b"TNT1.005" + b"\x00" * 20)
    with pytest.raises(ReaderError) as exc:
        io.read(p)
    assert "x.tnt" in str(exc.value)


def test_not_a_tnt(tmp_path):
    p = tmp_path / "y.tnt"
    p.write_bytes(b"hello world")
    with pytest.raises(ReaderError, match="not a Tecmag file"):
        io.read(p)


def test_truncated_real_tnt(realdata, tmp_path):
    raw = (realdata / "dnplab/data/tnmr/T1.tnt").read_bytes()
    for cut in (100, 2000, len(raw) // 2):
        p = tmp_path / f"cut{cut}.tnt"
        p.write_bytes(raw[:cut])
        with pytest.raises(ReaderError) as exc:
            io.read(p)
        assert p.name in str(exc.value)


def test_truncated_varian(realdata, tmp_path):
    src = realdata / "ssnake/Tutorial/DataFiles/satrec2D.fid"
    dst = tmp_path / "satrec.fid"
    shutil.copytree(src, dst)
    raw = (dst / "fid").read_bytes()
    (dst / "fid").write_bytes(raw[:5000])
    with pytest.raises(ReaderError) as exc:
        io.read(dst)
    assert "satrec.fid" in str(exc.value)


def test_csv_with_nan(tmp_path):
    p = tmp_path / "nan.csv"
    p.write_text("time_s,real,imag\n0,1,0\n1e-5,nan,0\n2e-5,0.5,0\n")
    with pytest.raises(ReaderError, match="NaN"):
        io.read(p)


def test_csv_non_monotonic(tmp_path):
    p = tmp_path / "mono.csv"
    p.write_text("0,1\n2e-5,0.5\n1e-5,0.2\n")
    with pytest.raises(ReaderError, match="monotonic"):
        io.read(p)


def test_csv_time_and_frequency(tmp_path):
    t = tmp_path / "fid.csv"
    t.write_text("# a FID\ntime_s,real,imag\n" + "".join(
        f"{k * 1e-5},{np.exp(-k / 50):.6f},0\n" for k in range(64)))
    ds = io.read(t)
    assert ds.domain == "time" and ds.spectral_width_hz == pytest.approx(1e5)
    f = tmp_path / "spec.csv"
    f.write_text("frequency_hz,intensity\n" + "".join(f"{k * 10.0},{k % 7}\n"
                                                       for k in range(-50, 50)))
    ds = io.read(f)
    assert ds.domain == "frequency" and ds.points == 100


def test_missing_path(tmp_path):
    with pytest.raises(ReaderError, match="no such file"):
        io.read(tmp_path / "nothing")


def test_folder_without_dataset(tmp_path):
    with pytest.raises(ReaderError, match="no Bruker"):
        io.read(tmp_path)


def test_unknown_nucleus_override(tmp_path):
    with pytest.raises(ReaderError, match="unknown nucleus"):
        io.read(_bruker(tmp_path), nucleus="Xx999")


def test_dataset_is_immutable(tmp_path):
    ds = io.read(_bruker(tmp_path))
    with pytest.raises(ValueError):
        ds.data[0, 0] = 0
    with pytest.raises(AttributeError):
        ds.nucleus = "13C"
