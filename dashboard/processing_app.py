"""Processing page: phase and baseline on real spectra, with saved, shared processing."""

import panel as pn

from dashboard import text
from dashboard._shell import page
from dashboard.components.export import export_for, processing_export
from dashboard.components.processing_view import ProcessingControls, Readouts
from dashboard.components.spectrum_bokeh import BokehFidPlot, BokehSpectrumPlot
from dashboard.state import ProcessingState


def create_app(state: ProcessingState | None = None):
    """A fresh page per session (no state shared between sessions)."""
    pn.extension("tabulator", notifications=True)
    if state is None:
        # the manifest and the store now; the scan and the first dataset once the browser
        # is connected, in Panel's thread pool when it has one (`hpnmr serve`)
        state = ProcessingState(load=False)
        pn.state.onload(state.start)
    controls = ProcessingControls(state=state)

    @pn.depends(state.param.status, state.param.saved, state.param.store_notice)
    def messages(status, saved, store_notice):
        items = [text.markdown(text.md("Shown: {}", saved), styles={"color": "#555"})] \
            if saved else []
        if store_notice:  # one line: the database is damaged or read-only
            items.append(text.alert(store_notice, alert_type="warning"))
        if status:
            kind = "danger" if status.lower().startswith(("unreadable", "save failed")) \
                else "info"
            items.append(text.alert(status, alert_type=kind))
        return pn.Column(*items, sizing_mode="stretch_width")

    @pn.depends(state.param.revision)
    def unreadable(_revision):
        if not state.unreadable:
            return pn.Column()
        listing = text.join("\n", (text.md("- {:code}: {}", k, v)
                                   for k, v in state.unreadable.items()))
        return text.alert(text.md("**Unreadable acquisitions**\n\n{}", listing),
                          alert_type="warning")

    main = [
        unreadable,
        messages,
        pn.Row(pn.Column(BokehSpectrumPlot(state=state), BokehFidPlot(state=state),
                         sizing_mode="stretch_both"),
               pn.Column(Readouts(state=state), controls.phase_panel(),
                         controls.baseline_panel(), width=430),
               sizing_mode="stretch_both"),  # as its plots (Panel would override)
        controls.save_panel(),
    ]
    return page("Processing", main,
                sidebar=[*controls.sidebar(), export_for(processing_export(state), "single")])


if pn.state.served:
    create_app().servable()
