"""The campaign overview: cells, days and acquisitions, with unreadable files and why."""

from __future__ import annotations

import pandas as pd
import panel as pn
import param

from ..state import CampaignState


class CampaignOverview(pn.viewable.Viewer):
    """Summary cards and a filterable table of every acquisition of the campaign."""

    state = param.ClassSelector(class_=CampaignState)

    def __init__(self, **params):
        super().__init__(**params)
        self._table = pn.widgets.Tabulator(
            pd.DataFrame(self.state.rows()), disabled=True, show_index=False,
            pagination="local", page_size=25, sizing_mode="stretch_width",
            header_filters=True, label="Acquisitions")
        self._cell = pn.widgets.Select.from_param(self.state.param.cell, label="Cell")

    @param.depends("state.cell", "state.statuses", watch=True)
    def _filter(self) -> None:
        df = pd.DataFrame(self.state.rows())
        if self.state.cell and not df.empty:
            df = df[df["cell"] == self.state.cell]
        self._table.value = df

    @param.depends("state.statuses", "state.error", "state.scanning")
    def _summary(self):
        if self.state.error:
            return pn.pane.Alert(f"Cannot open the campaign: {self.state.error}",
                                 alert_type="danger")
        camp = self.state.campaign
        lines = [f"### {camp.name}", "", f"Folder: `{camp.root}`"]
        if camp.field_t:
            lines[-1] += f" · field {camp.field_t:.4f} T"
        lines.append("")
        for cell in camp.cells:
            days = camp.days(cell)
            n = len(camp.select(cell=cell))
            lines.append(f"- **{cell}**: {n} acquisitions on {len(days)} days "
                         f"(day {min(days):g} to {max(days):g})")
        curves = camp.transport_curves()
        if curves:
            cells = sorted({c.cell for c in curves})
            lines.append(f"- Transport: {len(curves)} R(T) curves from cells "
                         + ", ".join(cells))
        if self.state.scanning:
            lines += ["", "*Reading the acquisitions…*"]
        items = [pn.pane.Markdown("\n".join(lines), sizing_mode="stretch_width")]
        bad = self.state.unreadable
        if bad:
            text = "\n".join(f"- `{s.acquisition.path}`: {s.reason}" for s in bad)
            items.append(pn.pane.Alert(f"**{len(bad)} unreadable acquisition(s)**\n\n{text}",
                                       alert_type="warning"))
        return pn.Column(*items, sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Column(self._summary, self._cell, self._table, sizing_mode="stretch_width")
