"""hpnmr as a user installs it: the wheel, its version, its command and the example campaign
(which the wheel does not carry: ``dashboard.example_campaign`` writes it on first use)."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from by_value import tree_differences

import dashboard
from analysis import __version__, campaign
from analysis import example_campaign as generator

ROOT = Path(__file__).resolve().parents[1]


# -- the example campaign outside a checkout (fast: the generator is stood in for) ---------

@pytest.fixture
def installed_layout(tmp_path, monkeypatch):
    """No repository copy; the cache in ``tmp_path``; a generator that writes a marker."""
    calls = []

    def fake_generate(out, seed=20240304):
        calls.append(Path(out))
        (Path(out) / "campaign.toml").write_text("# example\n")
        return {}

    monkeypatch.setattr(dashboard, "REPO_EXAMPLE", tmp_path / "site-packages/data/example")
    monkeypatch.setattr(generator, "generate", fake_generate)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return calls


def test_in_a_checkout_the_example_is_the_repository_copy():
    assert dashboard.REPO_EXAMPLE == ROOT / "data" / "example"
    assert dashboard.EXAMPLE_CAMPAIGN == ROOT / "data" / "example"
    assert dashboard.example_campaign() == dashboard.EXAMPLE_CAMPAIGN


def test_installed_example_is_generated_once_into_the_user_cache(installed_layout, tmp_path):
    want = tmp_path / "cache" / "hpnmr" / f"example-{__version__}"
    assert dashboard.example_cache_dir() == want
    found = dashboard.EXAMPLE_CAMPAIGN  # read: generated
    assert found == want
    assert (want / "campaign.toml").is_file()
    assert dashboard.example_campaign() == want  # the second time: found, not made again
    assert len(installed_layout) == 1 and installed_layout[0].parent == want.parent
    assert sorted(p.name for p in want.parent.iterdir()) == [want.name]  # no leftovers


def test_a_relative_cache_home_is_ignored(installed_layout, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert dashboard.example_cache_dir() == (tmp_path / "home" / ".cache" / "hpnmr"
                                             / f"example-{__version__}")


def test_a_foreign_folder_in_the_cache_is_not_replaced(installed_layout, tmp_path):
    out = dashboard.example_cache_dir()
    out.mkdir(parents=True)
    (out / "mine.txt").write_text("not an example")
    with pytest.raises(OSError):
        dashboard.example_campaign()
    assert (out / "mine.txt").read_text() == "not an example"
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_a_page_store_asks_for_the_example_only_without_a_campaign(installed_layout,
                                                                   tmp_path, monkeypatch):
    from dashboard.state.common import CAMPAIGN_ENV, default_campaign_dir

    monkeypatch.setenv(CAMPAIGN_ENV, str(tmp_path / "mine"))
    assert default_campaign_dir() == tmp_path / "mine" and installed_layout == []
    monkeypatch.delenv(CAMPAIGN_ENV)
    assert default_campaign_dir() == dashboard.example_cache_dir()


# -- the wheel, installed into a fresh environment ------------------------------------------

def _dependencies(into: Path) -> Path:
    """A folder of links to this environment's installed packages, without hpnmr itself
    (its metadata, its editable-install path files): the dependencies for PYTHONPATH."""
    into.mkdir()
    for sp in map(Path, site.getsitepackages()):
        for entry in sp.iterdir() if sp.is_dir() else ():
            name = entry.name
            if (name.startswith(("hpnmr", "_editable_impl_hpnmr", "__editable__", "pip"))
                    or name.endswith(".pth") or name in ("analysis", "dashboard")
                    or (into / name).exists()):
                continue
            (into / name).symlink_to(entry)
    return into


def _run(cmd, cwd, env, timeout=300) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, f"{cmd}: {r.stdout}\n{r.stderr}"
    return r


@pytest.mark.slow  # ≈ 15–25 s, and the build backend comes from the package index
def test_the_wheel_installs_and_finds_its_example_campaign(tmp_path, example):
    """``make wheel-check``: the wheel built from this tree, installed into a fresh venv
    (its dependencies lent by this environment), run from a folder outside the checkout."""
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                            str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True,
                           timeout=600)
    if build.returncode and "hatchling" in build.stderr and "No matching" in build.stderr:
        pytest.skip(f"the build backend is not reachable: {build.stderr[-300:]}")
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == f"hpnmr-{__version__}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert "dashboard/templates/index.html" in names and "dashboard/cli/__main__.py" in names
    assert not [n for n in names if n.startswith(("data/", "tests/"))]
    assert wheel.stat().st_size < 2**20

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
          "--no-deps", "--no-index", str(wheel)], tmp_path, None)
    elsewhere = tmp_path / "elsewhere"  # not the repository
    elsewhere.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path / "home"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PYTHONPATH": str(_dependencies(tmp_path / "deps")), "OPENBLAS_NUM_THREADS": "1"}

    r = _run([str(venv / "bin" / "hpnmr"), "--version"], elsewhere, env)
    assert r.stdout.strip() == f"hpnmr {__version__}"
    r = _run([str(python), "-c", "import dashboard; print(dashboard.__file__); "
              "print(dashboard.EXAMPLE_CAMPAIGN)"], elsewhere, env)
    where, ex = map(Path, r.stdout.split())
    assert where.is_relative_to(venv)
    assert ex == tmp_path / "cache" / "hpnmr" / f"example-{__version__}"
    # the same campaign, value for value, as the repository's
    problems = tree_differences(example, ex)
    assert not problems, "\n".join(problems[:30])
    r = _run([str(venv / "bin" / "hpnmr"), "campaign", str(ex), "--out", "tables", "--json",
              "--workers", "1"], elsewhere, env)
    out = json.loads(r.stdout)
    fids = [a for a in campaign.load(example).acquisitions if a.kind == "fid"]
    assert out["errors"] == [] and out["acquisitions"] == len(fids)
    assert out["store_version"] == 1  # the copy in the cache is writable
