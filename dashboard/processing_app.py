"""Processing page: phase and baseline on real spectra, with saved, shared processing."""

import panel as pn

from dashboard._shell import page
from dashboard.components.export import export_for, processing_export
from dashboard.components.processing_view import Notices, ProcessingControls, Readouts
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
    notices = Notices(state=state)

    main = [
        notices.unreadable,
        notices.messages,
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
