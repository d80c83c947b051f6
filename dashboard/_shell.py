"""The page template, chosen in this one module (migrating to panel-material-ui later is a
one-file change)."""

from __future__ import annotations

import panel as pn

ACCENT = "#1f5f8b"
SITE = "hpnmr"


def page(title: str, main, sidebar=None) -> pn.template.FastListTemplate:
    """A page of the dashboard with the shared header and style."""
    return pn.template.FastListTemplate(
        site=SITE, title=title, main=list(main), sidebar=list(sidebar or []),
        accent=ACCENT, header_background=ACCENT, main_layout=None,
        theme_toggle=False, sidebar_width=320,
    )


def alert(message: str, kind: str = "warning"):
    """The page's message box: nothing when there is no message."""
    if not message:
        return pn.Column()
    return pn.pane.Alert(message, alert_type=kind, sizing_mode="stretch_width")
