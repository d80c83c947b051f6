"""The transport page's component: R(T) curves of one cell by day with the Tc markers of
the chosen criterion, and the Tc table."""

from __future__ import annotations

import holoviews as hv
import panel as pn
import param

from .. import plots, text
from ..state import TransportState


class TransportView(pn.viewable.Viewer):
    """R(T) curves of one cell by day with the Tc markers, and the Tc table."""

    state = param.ClassSelector(class_=TransportState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        # both follow what the store declares: the curves their cell, the rows the
        # criterion too
        self.plot = hv.DynamicMap(pn.bind(plots.rt_plot, pn.rx(s.curves),
                                          s.param.criterion)).opts(
            hv.opts.Overlay(responsive=True, height=520, legend_position="right",
                            show_grid=True, title="R(T) by day (markers: Tc of the criterion)"))
        self.table = text.markdown(pn.rx(s.rows).rx.pipe(text.table, "no curves"),
                                   sizing_mode="stretch_width", name="tc-table")
        self.controls = [pn.widgets.Select.from_param(s.param.cell),
                         pn.widgets.Select.from_param(s.param.criterion)]

    def __panel__(self):
        return pn.Column(pn.pane.HoloViews(self.plot, sizing_mode="stretch_width"),
                         self.table, sizing_mode="stretch_width")
