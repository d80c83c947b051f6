"""Campaign folders: corrupt files are listed with the reason, the rest keeps working."""

import shutil

import pytest

from analysis import campaign


@pytest.fixture
def small_campaign(tmp_path, example):
    root = tmp_path / "camp"
    root.mkdir()
    text = (example / "campaign.toml").read_text()
    head, _, _ = text.partition("[[acquisitions]]")
    keep = ["nmr/N1/day000/1H", "nmr/N1/day000/139La", "nmr/N1/day001/1H"]
    blocks = []
    for rel in keep:
        shutil.copytree(example / rel, root / rel)
        blocks.append(f'[[acquisitions]]\npath = "{rel}"\ncell = "N1"\n'
                      f'day = {int(rel.split("/")[2][3:])}\nnucleus = "{rel.split("/")[-1]}"\n')
    (root / "campaign.toml").write_text(head + "\n".join(blocks))
    return root


def test_corrupt_file_is_listed_with_reason(small_campaign):
    fid = small_campaign / "nmr/N1/day000/139La/fid"
    fid.write_bytes(fid.read_bytes()[:100])
    camp = campaign.load(small_campaign)
    statuses = {s.acquisition.path: s for s in camp.scan()}
    bad = statuses["nmr/N1/day000/139La"]
    assert not bad.ok and "139La" in bad.reason
    assert statuses["nmr/N1/day000/1H"].ok and statuses["nmr/N1/day001/1H"].ok
    assert camp.read("nmr/N1/day001/1H").cell == "N1"


def test_manifest_errors_name_the_problem(tmp_path):
    (tmp_path / "campaign.toml").write_text("[[acquisitions]]\ncell = 'N1'\nday = 1\n")
    with pytest.raises(campaign.CampaignError, match="has no 'path'"):
        campaign.load(tmp_path)
    (tmp_path / "campaign.toml").write_text("not = [valid")
    with pytest.raises(campaign.CampaignError, match="invalid TOML"):
        campaign.load(tmp_path)


def test_paths_outside_the_campaign_are_refused(small_campaign):
    camp = campaign.load(small_campaign)
    with pytest.raises(campaign.CampaignError, match="outside"):
        camp.resolve("../../etc/passwd")


def test_folder_without_manifest_is_discovered(tmp_path, example):
    shutil.copytree(example / "nmr/N3/day005", tmp_path / "N3/day005")
    camp = campaign.load(tmp_path)
    assert camp.cells == ["N3"]
    assert {a.day for a in camp.acquisitions} == {5.0}
    assert all(s.ok for s in camp.scan())


# ----------------------------------------------------------------------- referencing (§7)
def _set_referencing(root, block: str) -> None:
    """Replace the manifest's [referencing] table by ``block`` (TOML lines, may be empty)."""
    text = (root / "campaign.toml").read_text()
    start = text.index("[referencing]")
    end = text.index("[channels", start)
    (root / "campaign.toml").write_text(text[:start] + block + "\n" + text[end:])


def _line_hz(example, rel):
    """Absolute frequency (Hz) of the generated line of an example acquisition (truth)."""
    import json

    truth = json.loads((example / "truth.json").read_text())
    cell, day, nuc = rel.split("/")[1], int(rel.split("/")[2][3:]), rel.split("/")[3]
    d = truth["nmr_cells"][cell]["days"][str(day)]
    ppm = d["h_shift_ppm"] if nuc == "1H" else d["la_shift_ppm"]
    from analysis.constants import nucleus

    return nucleus(nuc).xi * truth["proton_reference_hz"] * (1 + 1e-6 * ppm)


def test_manifest_reference_wins_over_the_files_in_reads_and_tables(small_campaign, example):
    """The files say ν_ref(¹H) = 395 MHz; a manifest 5 ppm higher moves every shift by
    −5 ppm, in the dataset read, the pipeline table and the saved-processing-free row."""
    from analysis import io, pipeline
    from analysis.constants import nucleus

    h_ref = 395.0e6 * (1 + 5e-6)
    _set_referencing(small_campaign, f"[referencing]\nproton_reference_hz = {h_ref!r}\n")
    camp = campaign.load(small_campaign)
    for rel in ("nmr/N1/day000/1H", "nmr/N1/day000/139La"):
        own = io.read(small_campaign / rel).reference_hz
        ds, ref = camp.read_with_reference(rel)
        expect = nucleus(rel.split("/")[-1]).xi * h_ref
        assert ref.source == "manifest ¹H" and ref.nu_ref_hz == pytest.approx(expect)
        assert ds.reference_hz == ref.nu_ref_hz != pytest.approx(own, rel=1e-7)
        assert "differs by -5.000 ppm" in ref.detail
        row = pipeline.measure_acquisition(camp, camp.acquisition(rel))
        assert row["reference_source"] == "manifest ¹H"
        assert row["reference_hz"] == pytest.approx(expect)
        truth_ppm = 1e6 * (_line_hz(example, rel) / expect - 1)  # the line against it
        assert abs(row["shift_ppm"] - truth_ppm) < 3 * row["shift_ppm_err"]
        own_ppm = 1e6 * (_line_hz(example, rel) / own - 1)
        assert abs(row["shift_ppm"] - own_ppm) > 4.9  # not the file's reference


def test_cu_chain_of_the_manifest_and_no_referencing(small_campaign):
    from analysis import pipeline

    h_ref = 395.0e6 * (1 - 3e-6)
    cu = 0.26515473 * h_ref * (1 + 0.0025)
    _set_referencing(small_campaign, f"[referencing]\ncu63_observed_hz = {cu!r}\n"
                                     "cu_knight_shift = 0.0025\n")
    camp = campaign.load(small_campaign)
    ref = campaign.reference_for(camp, camp.read("nmr/N1/day000/1H"))
    assert ref.source == "⁶³Cu chain" and ref.nu_ref_hz == pytest.approx(h_ref, abs=1e-3)
    assert camp.reference("139La").nu_ref_hz == pytest.approx(0.14125641 * h_ref, rel=1e-12)
    # without [referencing]: each file's own reference, and the row says so
    _set_referencing(small_campaign, "")
    camp = campaign.load(small_campaign)
    row = pipeline.measure_acquisition(camp, camp.acquisition("nmr/N1/day000/1H"))
    assert row["reference_source"] == "file" and row["reference_hz"] == 395.0e6
    assert "no [referencing]" in row["reference_detail"]
    assert camp.reference("1H").nu_ref_hz is None


@pytest.mark.parametrize("block, needle", [
    ("cu63_observed_hz = 'high'", "must be a number"),
    ("cu63_observed_hz = 104.98", "not a frequency in Hz"),
    ("cu63_observed_hz = 104979106.1\ncu_knight_shift = 0.232", "give a fraction"),
])
def test_bad_referencing_names_the_problem(small_campaign, block, needle):
    _set_referencing(small_campaign, f"[referencing]\n{block}\n")
    with pytest.raises(campaign.CampaignError, match=needle):
        campaign.load(small_campaign)


def test_example_manifest_referencing_agrees_with_its_files(example):
    """The example's ⁶³Cu chain and its files give the same 0 ppm (so truth.json's shifts
    hold with the manifest applied)."""
    from analysis import io

    camp = campaign.load(example)
    for rel in ("nmr/N1/day000/1H", "nmr/N1/day000/139La"):
        ds, ref = camp.read_with_reference(rel)
        assert ref.source == "⁶³Cu chain" and ds.reference_hz == ref.nu_ref_hz
        assert ref.nu_ref_hz == pytest.approx(io.read(example / rel).reference_hz, rel=1e-9)


def test_csv_tables_keep_the_reference_frequencies(small_campaign, tmp_path):
    """A table re-read must give the shift again: ν_ref written to the mHz, not to six
    significant figures (55.7966 MHz was 0.7 ppm off the ¹³⁹La reference)."""
    import csv

    from analysis import pipeline

    h_ref = 395.0e6 * (1 + 5.0013e-6)
    _set_referencing(small_campaign, f"[referencing]\nproton_reference_hz = {h_ref!r}\n")
    camp = campaign.load(small_campaign)
    rows = [pipeline.measure_acquisition(camp, camp.acquisition(rel))
            for rel in ("nmr/N1/day000/1H", "nmr/N1/day000/139La")]
    paths = pipeline.CampaignResults(nmr=rows).write_csv(tmp_path / "out")
    table = next(p for p in paths if p.name == "nmr.csv")
    with table.open() as fh:
        back = list(csv.DictReader(fh))
    for row, got in zip(rows, back, strict=True):
        assert abs(float(got["reference_hz"]) - row["reference_hz"]) < 1e-3
        nu = row["reference_hz"] * (1 + row["shift_ppm"] * 1e-6)
        again = 1e6 * (nu / float(got["reference_hz"]) - 1)
        assert again == pytest.approx(float(got["shift_ppm"]), abs=1e-5)


def test_no_example_acquisition_is_taken_for_several_lines(example):
    """Every acquisition of the example (¹H with and without the broad H₂ under the
    hydride line, the H₂ Pake whole echo, echoes and arrays, ¹³⁹La) gives one line
    position: the several-lines check of line_shift refuses none of them."""
    from analysis.measure import SEVERAL_LINES, default_skip, line_shift

    camp = campaign.load(example)
    refused, measured = [], 0
    for acq in camp.acquisitions:
        ds, ref = camp.read_with_reference(acq)
        ls = line_shift(ds, acq.default_processing(), reference_hz=ref.nu_ref_hz,
                        skip_s=default_skip(acq.nucleus))
        if ls.reason == SEVERAL_LINES:
            refused.append(f"{acq.path}: {ls.message}")
        else:
            ls.raise_for_failure()  # any other failure fails the test, as it always did
            measured += 1
    assert not refused, refused
    assert measured == len(camp.acquisitions) > 100
    assert {a.kind for a in camp.acquisitions} >= {"fid", "whole-echo"}


# -- hostile manifests (red-team pass after issue 14): a CampaignError, never a traceback ----
HOSTILE_MANIFESTS = {
    "channels not a table": "channels = 5\n",
    "cells not a list": "nmr_cells = 5\n",
    "acquisition not a table": "acquisitions = [5]\n",
    "acquisitions a table": '[acquisitions]\npath = "x"\n',
    "campaign not a table": 'campaign = "x"\n',
    "transport cell not a table": "transport_cells = [5]\n",
    "transport cell without id": 'transport_cells = [{folder = "t"}]\n',
    "nested arrays": "x = " + "[" * 5000 + "]" * 5000 + "\n",
    "nested tables": "x = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n",
}


@pytest.mark.parametrize("text", HOSTILE_MANIFESTS.values(), ids=HOSTILE_MANIFESTS.keys())
def test_a_malformed_manifest_is_a_campaign_error(tmp_path, text, capsys):
    from dashboard.cli import main

    (tmp_path / "campaign.toml").write_text(text, encoding="utf-8")
    with pytest.raises(campaign.CampaignError, match=r"campaign\.toml"):
        campaign.load(tmp_path)
    assert main(["campaign", str(tmp_path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("path", ["a\x00b", "a" * 5000, "a/" * 3000 + "x"],
                         ids=["NUL", "long name", "long path"])
def test_an_unusable_acquisition_path_is_listed_unreadable(tmp_path, path):
    """One acquisition path with a NUL or too long for the system stopped the whole scan
    (a ValueError / OSError escaped Campaign.scan: the Campaign page listed nothing)."""
    import json

    (tmp_path / "campaign.toml").write_text(
        f"[[acquisitions]]\npath = {json.dumps(path)}\ncell = \"A\"\nday = 1\n",
        encoding="utf-8")
    [status] = campaign.load(tmp_path).scan()
    assert not status.ok and status.reason
