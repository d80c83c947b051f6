"""Time-evolution page: H/La against days beside Tc/Tc(0) against days (x axes linked), with
LaH₁₀/LaH₆/LaH₃ guide lines, kinetic fits, Knight shift and line width, Tc against H/La and
the stacked spectra (the study's Figs. 4 and 6)."""

import panel as pn

from dashboard._shell import alert, page
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

    messages = pn.bind(alert, state.param.message, "warning")

    main = [messages, SideBySide(state=state), KineticsTable(state=state),
            pn.pane.Markdown("### Trends"), Trends(state=state),
            pn.pane.Markdown("### Spectra against days"), StackedSpectra(state=state)]
    return page("Time evolution: H/La and Tc", main,
                sidebar=[EvolutionControls(state=state), export_for(evolution_export(state))])


if pn.state.served:
    create_app().servable()
