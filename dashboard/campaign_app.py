"""Campaign page: the index of a campaign's cells, days and acquisitions.

Serve with ``hpnmr serve [DIR]`` or ``panel serve dashboard/campaign_app.py``
(the campaign folder comes from ``$HPNMR_CAMPAIGN``, default: the bundled example).
"""

import panel as pn

from dashboard._shell import page
from dashboard.components.campaign_view import CampaignOverview
from dashboard.state import CampaignState


def create_app():
    """A fresh page per session (no state shared between sessions)."""
    pn.extension("tabulator", notifications=True)
    # the manifest now; the acquisitions once the browser is connected, in Panel's thread
    # pool when it has one (`hpnmr serve`): a slow file never holds up the event loop
    state = CampaignState(scan=False)
    pn.state.onload(state.scan)
    about = pn.pane.Markdown(
        "**hpnmr** — NMR and transport analysis for superhydrides in diamond anvil cells.\n\n"
        "This page lists the campaign's cells, days and acquisitions. Unreadable files are "
        "listed with the reason.", sizing_mode="stretch_width")
    return page("Campaign", [CampaignOverview(state=state)], sidebar=[about])


if pn.state.served:
    create_app().servable()
