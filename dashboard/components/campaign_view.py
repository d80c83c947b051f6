"""The campaign overview: cells, days and acquisitions, with unreadable files and why."""

from __future__ import annotations

import pandas as pd
import panel as pn
import param

from .. import text
from ..state import CampaignState, readable_transport


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
            return text.alert(text.md("Cannot open the campaign: {}", self.state.error),
                              alert_type="danger")
        camp = self.state.campaign
        folder = text.md("Folder: {:code}", camp.root)
        if camp.field_t:
            folder = text.md("{} · field {:.4f} T", folder, camp.field_t)
        lines = [text.md("### {}", camp.name), "", folder, ""]
        for cell in camp.cells:
            days = camp.days(cell)
            n = len(camp.select(cell=cell))
            lines.append(text.md("- **{}**: {} acquisitions on {} days (day {:g} to {:g})",
                                 cell, n, len(days), min(days), max(days)))
        readable, refused = readable_transport(camp)
        curves = readable.transport_curves()
        if curves:
            cells = sorted({c.cell for c in curves})
            lines.append(text.md("- Transport: {} R(T) curves from cells {}", len(curves),
                                 ", ".join(cells)))
        if self.state.scanning:
            lines += ["", text.md("*Reading the acquisitions…*")]
        items = [text.markdown(text.join("\n", lines), sizing_mode="stretch_width")]
        if refused:
            items.append(text.alert("\n\n".join(refused), sizing_mode="stretch_width"))
        bad = self.state.unreadable
        if bad:
            listing = text.join("\n", (text.md("- {:code}: {}", s.acquisition.path, s.reason)
                                       for s in bad))
            items.append(text.alert(text.md("**{} unreadable acquisition(s)**\n\n{}",
                                            len(bad), listing), alert_type="warning"))
        return pn.Column(*items, sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Column(self._summary, self._cell, self._table, sizing_mode="stretch_width")
