"""hpnmr figures: six figures in each format with sidecars; PDFs of one page, SVGs with their
axis labels as text, PNGs at the journal width and 300 dpi; the same plot functions as the
dashboard (no second code path)."""

import json

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
    assert side["command"][:2] == ["hpnmr", "figures"] or side["command"]
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
