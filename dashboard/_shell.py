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
        # Panel's header spinner follows pn.state.busy, which is one flag for the whole
        # process: every session's spinner turned on whenever any session worked, and the
        # broadcast repaints made the phase drag twice as slow with ten users (load
        # benchmark). Long actions show their own button's loading state instead.
        busy_indicator=None,
    )


def alert(message: str, kind: str = "warning"):
    """The page's message box: nothing when there is no message. ``message`` is plain text
    (it quotes file names and contents), shown literally (:func:`dashboard.text.alert`)."""
    from . import text

    if not message:
        return pn.Column()
    return text.alert(message, alert_type=kind, sizing_mode="stretch_width")


def messages(state, kind: str = "warning"):
    """The page store's ``message`` (plain text) in the page's message box, following it."""
    return pn.bind(alert, state.param.message, kind)


def long_action(button, action):
    """Run ``action`` when ``button`` is clicked, showing the button as loading meanwhile;
    returns ``button``.

    The loading state reaches the browser before the work starts (the work runs on the
    session's next tick), and only this session sees it. An error in the work goes to
    ``pn.config.exception_handler`` in that session, as for Panel's own callbacks (a
    next-tick callback would otherwise only log it)."""
    from panel.io.state import set_curdoc

    def finish():
        try:
            action()
        finally:
            button.loading = False

    def click(_event):
        button.loading = True
        doc = pn.state.curdoc
        if doc is None or doc.session_context is None:
            finish()
            return

        def in_session():
            with set_curdoc(doc):
                try:
                    finish()
                except Exception as exc:
                    if pn.config.exception_handler is None:
                        raise
                    pn.config.exception_handler(exc)

        doc.add_next_tick_callback(in_session)

    button.on_click(click)
    return button
