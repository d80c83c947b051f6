"""Pake page: two Pake doublets fitted to the H₂ phase III spectrum for r_n and r_nn."""

import panel as pn

from dashboard import text
from dashboard._shell import page
from dashboard.components.export import export_for, pake_export
from dashboard.components.pake_view import PakeControls, PakePlot, PakeResults
from dashboard.state import PakeState


def create_app(state: PakeState | None = None):
    """A fresh page per session (no state shared between sessions)."""
    pn.extension("tabulator")
    state = state or PakeState()

    @pn.depends(state.param.message, state.param.how)
    def messages(message, how):
        items = [text.markdown(text.md("Spectrum: {}", how), styles={"color": "#555"})] \
            if how else []
        if message:
            items.append(text.alert(message, alert_type="danger"))
        return pn.Column(*items, sizing_mode="stretch_width")

    main = [messages,
            pn.Row(PakePlot(state=state), pn.Column(PakeResults(state=state), width=460),
                   sizing_mode="stretch_width")]
    return page("Pake: H–H distances", main,
                sidebar=[PakeControls(state=state), export_for(pake_export(state), "single")])


if pn.state.served:
    create_app().servable()
