"""The Transport page's store: R(T) curves of one cell with the Tc of a criterion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import param

from analysis import campaign as campaign_mod
from analysis import evolution

from .common import (
    day_value,
    default_campaign_dir,
    readable_transport,
)


class TransportState(param.Parameterized):
    """R(T) curves of one transport cell with the Tc of the chosen criterion."""

    cell = param.Selector(default=None, objects=[], allow_None=True, label="Transport cell",
                          doc="The transport cell whose R(T) curves are shown, one per day")
    criterion = param.Selector(default="50", objects=[], label="Tc criterion",
                               doc="How Tc is read off R(T) (analysis.transport.CRITERIA: "
                               "onset, a percentage of R_n, maximum slope, zero, offset)")
    message = param.String(default="", doc="The transport cells left out and the curves "
                           "that could not be read or analysed, and why (plain text)")

    def __init__(self, campaign_root: str | Path | None = None, **params):
        from analysis.transport import CRITERIA

        super().__init__(**params)
        self.campaign, self._refused = readable_transport(
            campaign_mod.load(campaign_root or default_campaign_dir()))
        self.message = "\n\n".join(self._refused)
        self.param.criterion.objects = list(CRITERIA)
        cells = evolution.transport_cells(self.campaign)
        self.param.cell.objects = cells
        self._cache: dict = {}
        self.cell = cells[0] if cells else None

    @param.depends("cell")
    def curves(self) -> list[dict]:
        """Per day of the cell: T, R, the transition (every criterion) or the error."""
        from analysis import transport
        from analysis.dataset import ReaderError

        if self.cell is None:
            return []
        if self.cell in self._cache:
            return self._cache[self.cell]
        out, errors = [], []
        for cur in sorted((c for c in self.campaign.transport_curves() if c.cell == self.cell),
                          key=lambda c: c.day):
            try:
                rt = self.campaign.read_rt(cur.path)
            except (ReaderError, campaign_mod.CampaignError) as exc:
                errors.append(str(exc))
                continue
            tr = transport.analyze(rt.temperature_k, rt.resistance_ohm)
            if not tr.success:
                errors.append(f"{cur.path}: {tr.message}")
            out.append({"day": cur.day, "T": rt.temperature_k, "R": rt.resistance_ohm,
                        "transition": tr, "path": cur.path})
        self.message = "\n\n".join([*self._refused, *errors])
        self._cache[self.cell] = out
        return out

    @param.depends("curves", "criterion")
    def rows(self) -> list[dict]:
        """The table: day, Tc ± σ by the chosen criterion, width, two-step flag."""
        rows = []
        for c in self.curves():
            tr = c["transition"]
            m = tr.criteria.get(self.criterion)
            rows.append({"day": day_value(c["day"]),
                         "Tc": str(m) if tr.success and np.isfinite(m.value) else "—",
                         "width T90−T10": str(tr.width) if tr.success else "—",
                         "two-step": "yes" if tr.two_step else "",
                         "normal state (Ω/K)": f"{tr.normal_slope_ohm_per_k:.3g}"
                         if tr.success else tr.message})
        return rows
