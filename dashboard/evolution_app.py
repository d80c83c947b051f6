"""Time-evolution page: H/La against days beside Tc/Tc(0) against days (x axes linked), with
LaH₁₀/LaH₆/LaH₃ guide lines, kinetic fits, Knight shift and line width, Tc against H/La and
the stacked spectra (the study's Figs. 4 and 6)."""

import panel as pn

from dashboard._shell import messages, page
from dashboard.components.evolution_view import (
    EvolutionControls,
    KineticsTable,
    SideBySide,
    StackedSpectra,
    Trends,
)
from dashboard.components.export import evolution_export, export_for
from dashboard.state import EvolutionState


def create_app(state: EvolutionState | None = None):
    """A fresh page per session (no state shared between sessions)."""
    pn.extension()
    state = state or EvolutionState()

    # the side-by-side view is drawn at once; the other views only when their tab is
    # opened (dynamic tabs): the page appears in a few seconds instead of ten
    more = pn.Tabs(("Kinetic fits", KineticsTable(state=state)),
                   ("Trends: Knight shift, line width, Tc against H/La", Trends(state=state)),
                   ("Spectra against days", StackedSpectra(state=state)),
                   dynamic=True, sizing_mode="stretch_width")
    main = [messages(state, "warning"), SideBySide(state=state), more]
    return page("Time evolution: H/La and Tc", main,
                sidebar=[EvolutionControls(state=state), export_for(evolution_export(state))])


if pn.state.served:
    create_app().servable()
