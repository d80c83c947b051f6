"""Relaxation page: T1 and T2 from the campaign's arrays, the T1-vs-T2 comparison (the
study's Fig. 3), the echo train (Fig. 2) and D from T1 with its self-check."""

import panel as pn

from dashboard._shell import messages, page
from dashboard.components.export import export_for, relaxation_export
from dashboard.components.relaxation_view import (
    ArrayTraces,
    DiffusionPanel,
    ModelComparison,
    RelaxationControls,
    RelaxationFit,
    T1T2Comparison,
)
from dashboard.state import RelaxationState


def create_app(state: RelaxationState | None = None):
    """A fresh page per session (no state shared between sessions)."""
    pn.extension()
    state = state or RelaxationState()
    diffusion = DiffusionPanel(state=state)

    main = [messages(state, "danger"),
            pn.Row(RelaxationFit(state=state, which="t1"), RelaxationFit(state=state, which="t2"),
                   sizing_mode="stretch_width"),
            pn.Row(T1T2Comparison(state=state), ModelComparison(state=state),
                   sizing_mode="stretch_width"),
            # the traces are drawn only when their tab is opened (dynamic tabs)
            pn.Tabs(("Diffusion coefficient from T1", diffusion),
                    ("Traces and echo train", ArrayTraces(state=state)),
                    dynamic=True, sizing_mode="stretch_width")]
    return page("Relaxation: T1, T2 and diffusion", main,
                sidebar=[RelaxationControls(state=state), diffusion.sidebar(),
                         export_for(relaxation_export(state))])


if pn.state.served:
    create_app().servable()
