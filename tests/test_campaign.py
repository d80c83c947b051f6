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
