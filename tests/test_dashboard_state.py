"""Dashboard stores and components without a server."""

import panel as pn
from bokeh.document import Document

from dashboard.components.campaign_view import CampaignOverview
from dashboard.state import CampaignState


def test_state_opens_the_example(example):
    s = CampaignState(example)
    assert s.error == ""
    assert s.param.cell.objects == ["N1", "N2", "N3", "N4"]
    rows = s.rows()
    assert len(rows) >= 140 and all(r["status"] == "ok" for r in rows)
    assert {r["nucleus"] for r in rows} == {"1H", "139La"}


def test_state_survives_a_bad_folder(tmp_path):
    s = CampaignState(tmp_path / "missing")
    assert "not a folder" in s.error
    assert s.rows() == []


def test_overview_builds_bokeh_models_and_filters(example):
    s = CampaignState(example)
    view = CampaignOverview(state=s)
    root = pn.panel(view).get_root(Document())
    assert root is not None
    s.cell = "N3"
    assert set(view._table.value["cell"]) == {"N3"}


def test_two_sessions_share_nothing(example):
    a, b = CampaignState(example), CampaignState(example)
    a.cell = "N4"
    assert b.cell == "N1"
