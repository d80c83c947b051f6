"""The layers keep apart: analysis/ never imports panel, holoviews or bokeh, nor do the
dashboard's stores (dashboard/state) — checked in the source and at runtime."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("panel", "holoviews", "bokeh")


def _imported(files) -> list[tuple[Path, str]]:
    """(file, module) for every import in ``files``, inside functions too; a relative
    import ``from ..x import y`` in ``dashboard/state`` gives ``dashboard.x``."""
    out = []
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            if isinstance(node, ast.Import):
                out += [(f, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((f, node.module))
            elif isinstance(node, ast.ImportFrom) and node.level >= 2:
                out.append((f, f"dashboard.{node.module}" if node.module else "dashboard"))
    return out


def _ui_libraries_loaded(imports: str) -> str:
    """Run ``imports`` in a fresh interpreter: the UI libraries it loaded, comma-separated."""
    code = (f"{imports}\nimport sys\n"
            f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def test_no_ui_imports_in_analysis_source():
    bad = [f"{f.relative_to(ROOT)}: {n}"
           for f, n in _imported(sorted((ROOT / "analysis").rglob("*.py")))
           if n.split(".")[0] in FORBIDDEN]
    assert not bad, bad


def test_importing_analysis_loads_no_ui_library():
    assert _ui_libraries_loaded(
        "import pkgutil, importlib, analysis\n"
        "for m in pkgutil.walk_packages(analysis.__path__, 'analysis.'):\n"
        "    importlib.import_module(m.name)") == ""


def _state_modules() -> list[str]:
    return sorted(f"dashboard.state.{f.stem}" for f in (ROOT / "dashboard" / "state").glob("*.py")
                  if f.stem != "__init__")


def test_no_ui_imports_in_the_stores_source():
    """dashboard/state imports no UI library, not even inside a function, and of the
    dashboard only what is Panel-free (the package's constants, :mod:`dashboard.text`)."""
    allowed = ("dashboard", "dashboard.text")
    bad = [f"{f.relative_to(ROOT)}: {n}"
           for f, n in _imported(sorted((ROOT / "dashboard" / "state").glob("*.py")))
           if n.split(".")[0] in FORBIDDEN
           or (n.startswith("dashboard") and n not in allowed
               and not n.startswith("dashboard.state"))]
    assert not bad, bad


def test_importing_the_stores_loads_no_ui_library():
    """Every store module (and dashboard.text, which the stores use) imports without Panel,
    Bokeh or HoloViews: the stores are testable without a server."""
    modules = [*_state_modules(), "dashboard.state", "dashboard.text"]
    assert _ui_libraries_loaded("import importlib\n"
                                f"for m in {modules!r}:\n"
                                "    importlib.import_module(m)") == ""


def test_every_store_parameter_has_a_doc():
    """Every parameter of every store says what it holds (and, for numbers, in which unit):
    the doc is the widget's tooltip and the reader's reference."""
    import importlib
    import inspect

    import param

    stores = {cls for m in _state_modules()
              for _, cls in inspect.getmembers(importlib.import_module(m), inspect.isclass)
              if issubclass(cls, param.Parameterized) and cls.__module__ == m}
    assert len(stores) >= 6
    missing = [f"{cls.__name__}.{name}" for cls in stores
               for name, p in cls.param.objects("existing").items()
               if name != "name" and not (p.doc or "").strip()]
    assert not missing, missing


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
