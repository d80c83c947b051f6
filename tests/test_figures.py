"""hpnmr figures: six figures in each format with sidecars; PDFs of one page, SVGs with their
axis labels as text, PNGs at the journal width and 300 dpi; the same plot functions as the
dashboard (no second code path)."""

import json
from pathlib import Path

import pytest

from dashboard.cli import main

WIDTH_PX = {"fig1": 2100, "fig2": 1020, "fig3": 1020, "fig4": 2100, "fig5": 1020,
            "fig6": 2100}


@pytest.fixture(scope="module")
def figs(example, tmp_path_factory):
    out = tmp_path_factory.mktemp("figs")
    assert main(["figures", str(example), "--out", str(out), "--quiet"]) == 0
    return out


def test_six_figures_in_every_format_with_sidecars(figs):
    for name in WIDTH_PX:
        for ext in ("pdf", "svg", "png"):
            assert (figs / f"{name}.{ext}").stat().st_size > 5000, (name, ext)
        side = json.loads((figs / f"{name}.json").read_text())
        assert side["figure"].startswith(name) and side["raw_files_sha256"], name
    assert len(list(figs.glob("*.json"))) == 6


def test_pdfs_have_one_page_and_text(figs):
    from pypdf import PdfReader

    for name in WIDTH_PX:
        reader = PdfReader(figs / f"{name}.pdf")
        assert len(reader.pages) == 1
        width_pt = float(reader.pages[0].mediabox.width)
        assert width_pt == pytest.approx(WIDTH_PX[name] / 300 * 72, abs=1)
    assert "time after laser heating" in PdfReader(figs / "fig6.pdf").pages[0].extract_text()


def test_svgs_keep_axis_labels_as_text(figs):
    for name, label in (("fig6", "time after laser heating (days)"), ("fig3", "M / M"),
                        ("fig5", "frequency offset (kHz)"), ("fig2", "refocusing pulse")):
        svg = (figs / f"{name}.svg").read_text(encoding="utf-8")
        assert "<text" in svg and label in svg, name


def test_pngs_have_the_journal_width_at_300_dpi(figs):
    from PIL import Image

    for name, px in WIDTH_PX.items():
        im = Image.open(figs / f"{name}.png")
        assert im.size[0] == px
        assert im.info["dpi"][0] == pytest.approx(300, abs=1)


def test_sidecars_record_provenance(figs, example):
    from analysis import __version__

    side = json.loads((figs / "fig6.json").read_text())
    assert side["version"] == __version__ and side["program"] == "hpnmr"
    # the command the figures were made with (the one main() was given, not the test
    # runner's own command line)
    assert side["command"] == ["hpnmr", "figures", str(example), "--out", str(figs), "--quiet"]
    assert len(side["raw_files_sha256"]) > 100  # every FID and R(T) file used
    assert all(len(h) == 64 for h in side["raw_files_sha256"].values())
    assert side["view"]["criterion"] == "50" and side["fits"]["kinetics"]
    assert "resonator efficiency calibrated" in side["view"]["hla_assumptions"]
    f5 = json.loads((figs / "fig5.json").read_text())
    assert f5["fits"]["pake"]["r_n_angstrom"]["value"] == pytest.approx(0.75, abs=0.01)
    # the goodness-of-fit verdict travels with every fit (issue 13 §6)
    assert f5["view"]["central_line"] is True
    assert f5["fits"]["pake"]["verdict"]["status"] == "ok"
    assert all("verdict" in r and "ic_name" in r for r in side["fits"]["kinetics"])
    f3 = json.loads((figs / "fig3.json").read_text())
    assert f3["fits"]["T1"]["T1_s"]["value"] == pytest.approx(1.5e-3, rel=0.01)
    assert f3["fits"]["T1"]["verdict"]["status"] in ("ok", "uninformative")
    # what "auto" chose, not just "auto"
    assert f3["view"]["chosen"]["T1"]["method"] in ("projection", "integral", "echo-top")
    assert f3["view"]["chosen"]["T1"]["reason"]
    # what the ppm axes are against: the manifest's ⁶³Cu chain
    truth = json.loads((example / "truth.json").read_text())
    f1 = json.loads((figs / "fig1.json").read_text())
    for nuc, xi in (("1H", 1.0), ("139La", 0.14125641)):
        ref = f1["referencing"][nuc]
        assert ref["source"] == "⁶³Cu chain"
        assert ref["reference_hz"] == pytest.approx(xi * truth["proton_reference_hz"],
                                                    rel=1e-9)


def test_sidecar_referencing_without_a_manifest(tmp_path, example):
    import shutil

    from analysis import campaign
    from dashboard import figures

    shutil.copytree(example / "nmr/N3/day005", tmp_path / "N3/day005")
    ref = figures.campaign_referencing(campaign.load(tmp_path))
    assert ref["any nucleus"]["source"] == "file"
    assert ref["any nucleus"]["reference_hz"] is None
    assert "each file's own reference" in ref["any nucleus"]["detail"]


def test_bad_format_is_refused(example, tmp_path, capsys):
    assert main(["figures", str(example), "--out", str(tmp_path), "--format", "gif",
                 "--json"]) == 2
    assert "gif" in json.loads(capsys.readouterr().out)["error"]


FIGURES_PACKAGE = Path(__file__).resolve().parents[1] / "dashboard" / "figures"


def test_no_figure_module_imports_a_page_store():
    """The figures call analysis functions, never a page store (issue 15): no import of
    ``dashboard.state`` in the source, and none loaded by importing the package."""
    import ast
    import subprocess
    import sys

    bad = []
    for f in sorted(FIGURES_PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(f))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                # dashboard/figures/x.py: "." is dashboard.figures, ".." is dashboard
                base = ["dashboard", "figures"][:max(0, 3 - node.level)] if node.level else []
                names = [".".join([*base, node.module or ""]).strip(".")]
                names += [f"{names[0]}.{a.name}" for a in node.names]
            bad += [f"{f.name}: {n}" for n in names
                    if n == "dashboard.state" or n.startswith("dashboard.state.")]
    assert not bad, bad
    code = ("import sys, dashboard.figures\n"
            "print(sorted(m for m in sys.modules if m.startswith('dashboard.state')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=FIGURES_PACKAGE.parents[1],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_paper_figures_use_the_pages_defaults(example):
    """Figs. 3, 5 and 6 show what the Relaxation, Pake and Evolution pages open with."""
    from dashboard.figures import paper
    from dashboard.state import EvolutionState, PakeState, RelaxationState

    r, p, e = RelaxationState.param, PakeState.param, EvolutionState.param
    pages = {"fig3": (r.method.default, r.t1_model.default, r.t2_model.default),
             "fig5": (p.components.default, {
                 "r_n_angstrom": p.r_n.default, "r_nn_angstrom": p.r_nn.default,
                 "weight_n": p.weight_n.default,
                 "broadening_hz": p.broadening_khz.default * 1e3,
                 "center_hz": p.center_khz.default * 1e3}),
             "fig6": (e.calibrated.default, e.law.default, e.criterion.default)}
    assert pages == {
        "fig3": (paper.FIG3_METHOD, paper.FIG3_T1_MODEL, paper.FIG3_T2_MODEL),
        "fig5": (paper.FIG5_COMPONENTS, paper.FIG5_START),
        "fig6": (paper.FIG6_CALIBRATED, paper.FIG6_LAW, paper.FIG6_CRITERION)}


def test_builders_return_named_figures(example):
    from analysis import campaign
    from dashboard import figures

    fig = figures.figure_2(campaign.load(example))
    assert isinstance(fig, figures.Figure)
    assert fig.view == {"acquisition": "nmr/N2/day001/1H_echotrain"} and fig.raw_files
    assert fig.processing == {} and fig.fits == {}
    assert all(isinstance(spec, figures.PaperFigure) and spec.width in figures.WIDTHS_IN
               for spec in figures.BUILDERS.values())
    titles = {k: spec.title for k, spec in figures.BUILDERS.items()}
    assert titles == figures.FIGURES
