"""What the components share: the parameters a store's derived value follows (read from its
``param.depends`` declaration, never listed again here), side effects run once the
parameters settle or inside the plot's session, and the HoloViews pane of the pages."""

from __future__ import annotations

import panel as pn
from panel.io.state import set_curdoc


def dependencies(method) -> list[str]:
    """The names of the store parameters a derived value follows: what ``method`` (a bound
    method of a store, declared with ``param.depends``) depends on, through the methods it
    depends on.

    A view watches these (``state.param.watch(fn, dependencies(state.spectrum))``) or binds
    the method itself (``pn.bind(f, state.rows)``), so adding a parameter to a store means
    editing the store's declaration only."""
    owner = method.__self__
    return list(dict.fromkeys(d.name for d in owner.param.method_dependencies(method.__name__)
                              if d.inst is owner))


def debounced(callback, delay_ms: int = 120):
    """Run ``callback`` once the parameters stop changing (in a served session), or at
    once without a server. A side effect of parameter changes, kept off the drag path."""
    token = {"n": 0}

    def trigger(*_):
        doc = pn.state.curdoc
        if doc is None or doc.session_context is None:
            callback()
            return
        token["n"] += 1
        mine = token["n"]

        def run():
            if token["n"] == mine:
                callback()

        doc.add_timeout_callback(run, delay_ms)

    return trigger


def in_session(get_document, fn):
    """A watcher that runs ``fn``, which sets properties of Bokeh models directly, so that
    the change reaches the plot's session in every context.

    This is what Panel does for its own model updates (``Syncable._apply_update``):

    - not served (no document or session): ``fn`` runs at once;
    - on the thread running the session's event loop with its document current
      (``pn.state._unblocked``): ``fn`` runs at once inside :func:`panel.io.unlocked`,
      which holds the document's events and writes them to the session's websockets.
      That thread does not always hold the document lock: Panel runs async callbacks, and
      widget changes still queued when a button event arrives, without it, and a bare
      model change there made Bokeh raise ``_pending_writes should be non-None when we
      have a document lock`` (the change never reached the browser);
    - anywhere else (another thread, another session's callback): ``fn`` runs on the
      session's next tick, with the lock held and errors going to Panel's exception
      handler (:meth:`pn.state.execute`).
    """

    def run(*_):
        doc = get_document()
        if doc is None or doc.session_context is None:
            fn()
        elif pn.state._unblocked(doc):
            with pn.io.unlocked():
                fn()
        else:
            with set_curdoc(doc):
                pn.state.execute(fn, schedule=True)

    return run


def unlinked(obj, **kw):
    """A HoloViews pane, full width, whose axes are not linked to the page's other plots
    (Panel links panes sharing a dimension: the log time axis of one fit would follow
    another's)."""
    return pn.pane.HoloViews(obj, linked_axes=False, sizing_mode="stretch_width", **kw)


def bokeh_figure(y_label: str, *, tools: str = "pan,wheel_zoom,box_zoom,reset,save",
                 wheel_zoom: bool = True, **kw):
    """A Bokeh figure for a plot whose data are updated in place (the processing and Pake
    pages): canvas output, a light grid, no logo, the wheel zooming unless ``wheel_zoom``
    is False; ``kw`` go to :func:`bokeh.plotting.figure`."""
    from bokeh.plotting import figure

    if wheel_zoom:
        kw["active_scroll"] = "wheel_zoom"
    fig = figure(tools=tools, output_backend="canvas", **kw)
    fig.yaxis.axis_label = y_label
    fig.grid.grid_line_alpha = 0.4
    fig.toolbar.logo = None
    return fig
