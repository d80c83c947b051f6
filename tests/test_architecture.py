"""The layers keep apart: analysis/ never imports panel, holoviews or bokeh, nor do the
dashboard's stores (dashboard/state) — checked in the source and at runtime; and the
imports run one way, pages → components → stores → analysis (docs/architecture.md)."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("panel", "holoviews", "bokeh")


def _is_module(name: str) -> bool:
    """Whether the dotted ``name`` is a module or package of this tree."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imported(files) -> list[tuple[Path, str]]:
    """(file, module) for every import in ``files``, inside functions too. A relative
    import is resolved from the file's own package (``from ..x import y`` in
    ``dashboard/state/a.py`` gives ``dashboard.x``), and ``from p import m`` also gives
    ``p.m`` when ``m`` is a module of this tree (``from dashboard import figures``)."""
    out = []
    for f in files:
        package = list(f.relative_to(ROOT).parent.parts)
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            if isinstance(node, ast.Import):
                out += [(f, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                out.append((f, module))
                out += [(f, f"{module}.{a.name}") for a in node.names
                        if _is_module(f"{module}.{a.name}")]
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


#: (files of a layer, what they must not import, why): the dashboard's imports run one way,
#: pages → components → stores → analysis, and analysis never imports the dashboard
LAYERS = (
    ("analysis", (r"dashboard(\.|$)",), "analysis imports no dashboard module"),
    ("dashboard/state", (r"dashboard\.components(\.|$)", r"dashboard\.\w+_app$",
                         r"dashboard\.cli(\.|$)", r"dashboard\.figures(\.|$)",
                         r"dashboard\.plots$"),
     "a store imports no component, page, CLI, figure or plot module"),
    ("dashboard/components", (r"dashboard\.\w+_app$", r"dashboard\.cli(\.|$)"),
     "a component imports no page and no CLI module"),
    ("dashboard/figures", (r"dashboard\.state(\.|$)",), "the figures import no store"),
)


def _layer_violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    """``file: module`` for every import in ``folder`` that matches a ``forbidden`` pattern."""
    return [f"{f.relative_to(ROOT)}: {n}"
            for f, n in _imported(sorted((ROOT / folder).rglob("*.py")))
            if any(re.match(pattern, n) for pattern in forbidden)]


@pytest.mark.parametrize("folder, forbidden, why", LAYERS, ids=[x[0] for x in LAYERS])
def test_the_layers_import_one_way(folder, forbidden, why):
    """Pages → components → stores → analysis: no module imports a layer above its own
    (imports inside functions and relative imports included)."""
    assert list((ROOT / folder).rglob("*.py")), folder
    bad = _layer_violations(folder, forbidden)
    assert not bad, f"{why}: {bad}"


def test_the_layer_check_sees_every_way_of_importing(tmp_path, monkeypatch):
    """The check can fail: a bad import written absolutely, relatively, as a module of a
    package or inside a function is found in each layer."""
    bad = {"analysis": "def f():\n    from dashboard import text\n",
           "dashboard/state": "from ..components import common\n",
           "dashboard/components": "from .. import processing_app\n",
           "dashboard/figures": "import dashboard.state.processing\n"}
    for folder, source in bad.items():
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "intruder.py").write_text(source)
    (tmp_path / "dashboard" / "processing_app.py").touch()  # a page module, for _is_module
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    for folder, forbidden, _why in LAYERS:
        found = _layer_violations(folder, forbidden)
        assert found and all("intruder.py" in v for v in found), (folder, found)
