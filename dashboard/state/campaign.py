"""The Campaign page's store: the open campaign and which acquisitions could be read."""

from __future__ import annotations

from pathlib import Path

import param

from analysis import campaign as campaign_mod

from .common import (
    day_value,
    default_campaign_dir,
)
from .scan import scan_statuses


class CampaignState(param.Parameterized):
    """The open campaign and which acquisitions could be read."""

    root = param.String(default="", doc="Campaign folder")
    error = param.String(default="", doc="Why the campaign could not be opened")
    campaign = param.Parameter(default=None, doc="analysis.campaign.Campaign")
    statuses = param.List(default=[], doc="AcquisitionStatus per acquisition")
    scanning = param.Boolean(default=False, doc="The acquisitions are being read")
    cell = param.Selector(default=None, objects=[], allow_None=True, doc="Selected cell")

    def __init__(self, root: str | Path | None = None, *, scan: bool = True, **params):
        super().__init__(**params)
        self.open(root or default_campaign_dir(), scan=scan)

    def open(self, root: str | Path, *, scan: bool = True) -> None:
        """Load a campaign folder; on failure keep the session alive and say why.
        ``scan=False`` reads only the manifest; :meth:`scan` then reads the acquisitions
        (the served page does it once the browser is connected, off the event loop)."""
        self.root = str(root)
        try:
            camp = campaign_mod.load(root)
        except campaign_mod.CampaignError as exc:
            self.param.update(campaign=None, statuses=[], error=str(exc), scanning=False)
            self.param.cell.objects = []
            return
        statuses = scan_statuses(camp) if scan else []
        self.param.cell.objects = camp.cells
        self.param.update(campaign=camp, statuses=statuses, error="", scanning=not scan,
                          cell=camp.cells[0] if camp.cells else None)

    def scan(self) -> None:
        """Read every acquisition of the open campaign (:func:`scan_statuses`)."""
        if self.campaign is None:
            return
        self.scanning = True
        try:
            statuses = scan_statuses(self.campaign)
        except BaseException:
            self.scanning = False
            raise
        self.param.update(statuses=statuses, scanning=False)

    def rows(self) -> list[dict]:
        """One row per acquisition for tables."""
        out = []
        for s in self.statuses:
            a = s.acquisition
            sm = s.summary
            out.append({
                "cell": a.cell, "day": day_value(a.day),
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
