"""Transport page: R(T) curves per cell and day with the Tc markers of the chosen criterion."""

import panel as pn

from dashboard._shell import messages, page
from dashboard.components.export import export_for, transport_export
from dashboard.components.transport_view import TransportView
from dashboard.state import TransportState


def create_app(state: TransportState | None = None):
    """A fresh page per session (no state shared between sessions)."""
    pn.extension()
    state = state or TransportState()
    view = TransportView(state=state)

    return page("Transport: R(T) and Tc", [messages(state, "warning"), view],
                sidebar=[*view.controls, export_for(transport_export(state))])


if pn.state.served:
    create_app().servable()
