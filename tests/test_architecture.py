"""The layers keep apart: analysis/ never imports panel, holoviews or bokeh, nor do the
dashboard's stores (dashboard/state) — checked in the source and at runtime."""

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


def _state_modules() -> list[str]:
    return sorted(f"dashboard.state.{f.stem}" for f in (ROOT / "dashboard" / "state").glob("*.py")
                  if f.stem != "__init__")


def test_no_ui_imports_in_the_stores_source():
    """dashboard/state imports no UI library, not even inside a function, and of the
    dashboard only what is Panel-free (the package's constants, :mod:`dashboard.text`)."""
    bad = []
    for f in sorted((ROOT / "dashboard" / "state").glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level >= 2:
                names = [f"dashboard.{node.module}"] if node.module not in (None, "text") \
                    else []
            bad += [f"{f.relative_to(ROOT)}: {n}" for n in names
                    if n.split(".")[0] in FORBIDDEN or (n.startswith("dashboard.") and
                                                        not n.startswith("dashboard.state"))]
    assert not bad, bad


def test_importing_the_stores_loads_no_ui_library():
    """Every store module (and dashboard.text, which the stores use) imports without Panel,
    Bokeh or HoloViews: the stores are testable without a server."""
    modules = [*_state_modules(), "dashboard.state", "dashboard.text"]
    code = ("import sys, importlib\n"
            f"for m in {modules!r}:\n"
            "    importlib.import_module(m)\n"
            f"bad = [m for m in {FORBIDDEN!r} if m in sys.modules]\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == ""


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
