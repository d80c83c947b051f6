"""Param stores of the dashboard (no Panel import): testable without a server."""

from __future__ import annotations

import os
from pathlib import Path

import param

from analysis import campaign as campaign_mod

from . import EXAMPLE_CAMPAIGN

CAMPAIGN_ENV = "HPNMR_CAMPAIGN"


def default_campaign_dir() -> Path:
    """The campaign to open: ``$HPNMR_CAMPAIGN`` or the bundled example."""
    return Path(os.environ.get(CAMPAIGN_ENV) or EXAMPLE_CAMPAIGN)


def _day(day: float) -> int | float:
    return int(day) if float(day).is_integer() else day


class CampaignState(param.Parameterized):
    """The open campaign and which acquisitions could be read."""

    root = param.String(default="", doc="Campaign folder")
    error = param.String(default="", doc="Why the campaign could not be opened")
    campaign = param.Parameter(default=None, doc="analysis.campaign.Campaign")
    statuses = param.List(default=[], doc="AcquisitionStatus per acquisition")
    cell = param.Selector(default=None, objects=[], allow_None=True, doc="Selected cell")

    def __init__(self, root: str | Path | None = None, **params):
        super().__init__(**params)
        self.open(root or default_campaign_dir())

    def open(self, root: str | Path) -> None:
        """Load a campaign folder; on failure keep the session alive and say why."""
        self.root = str(root)
        try:
            camp = campaign_mod.load(root)
        except campaign_mod.CampaignError as exc:
            self.param.update(campaign=None, statuses=[], error=str(exc))
            self.param.cell.objects = []
            return
        statuses = camp.scan()
        self.param.cell.objects = camp.cells
        self.param.update(campaign=camp, statuses=statuses, error="",
                          cell=camp.cells[0] if camp.cells else None)

    def rows(self) -> list[dict]:
        """One row per acquisition for tables."""
        out = []
        for s in self.statuses:
            a = s.acquisition
            sm = s.summary
            out.append({
                "cell": a.cell, "day": _day(a.day),
                "nucleus": a.nucleus or sm.get("nucleus") or "",
                "kind": a.kind, "acquisition": a.path,
                "format": sm.get("format", ""), "points": sm.get("points"),
                "traces": sm.get("traces"), "scans": sm.get("scans"),
                "SW (kHz)": round(sm["spectral_width_hz"] / 1e3, 3) if s.ok else None,
                "status": "ok" if s.ok else f"unreadable: {s.reason}",
            })
        return out

    @property
    def unreadable(self) -> list:
        return [s for s in self.statuses if not s.ok]
