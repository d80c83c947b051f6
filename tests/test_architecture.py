"""analysis/ never imports panel, holoviews or bokeh — checked in the source and at runtime."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("panel", "holoviews", "bokeh")


def test_no_ui_imports_in_analysis_source():
    bad = []
    for f in sorted((ROOT / "analysis").rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            bad += [f"{f.relative_to(ROOT)}: {n}" for n in names
                    if n.split(".")[0] in FORBIDDEN]
    assert not bad, bad


def test_importing_analysis_loads_no_ui_library():
    code = ("import sys, pkgutil, importlib, analysis\n"
            "for m in pkgutil.walk_packages(analysis.__path__, 'analysis.'):\n"
            "    importlib.import_module(m.name)\n"
            f"bad = [m for m in {FORBIDDEN!r} if m in sys.modules]\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_version_is_written_once():
    """pyproject.toml reads the version from analysis/__init__.py (the wheel's metadata,
    tests/test_packaging.py); ``hpnmr --version`` prints it; no other file states one."""
    import re
    import tomllib

    from analysis import __version__

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in meta["project"] and meta["project"]["dynamic"] == ["version"]
    assert meta["tool"]["hatch"]["version"]["path"] == "analysis/__init__.py"
    stated = [str(f.relative_to(ROOT)) for d in ("analysis", "dashboard")
              for f in sorted((ROOT / d).rglob("*.py"))
              if re.search(r"^__version__\s*=", f.read_text(encoding="utf-8"), re.M)]
    assert stated == ["analysis/__init__.py"]
    out = subprocess.run([sys.executable, "-m", "dashboard.cli", "--version"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"hpnmr {__version__}"
