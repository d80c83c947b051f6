"""The Pake page's components: live model overlay, start-value controls, fit results."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Range1d, Title

from .. import plots, text
from .._shell import long_action
from ..state import PakeState
from .common import bokeh_figure, dependencies, in_session

SERIES_STYLE = (("data", "data", "solid", 1.0), ("r_n doublet", "r_n doublet", "dashed", 1.5),
                ("r_nn doublet", "r_nn doublet", "dashed", 1.5),
                ("central line", "central line", "dashed", 1.5), ("model", "model", "solid", 2))
SERIES = [k for k, *_ in SERIES_STYLE]


class PakePlot(pn.viewable.Viewer):
    """Data with the model at the start values (redrawn while dragging) or, after a fit,
    the fitted model with each component; residuals below.

    On Bokeh models directly, as the processing page's spectrum: a slider step must redraw
    within a few milliseconds, and HoloViews' update of a five-curve overlay costs ~70 ms
    here (tests/benchmarks). Zoom survives updates; the x axes of the two plots are linked.
    The same curves for paper figures come from :func:`dashboard.plots.pake_overlay`.
    """

    state = param.ClassSelector(class_=PakeState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        x_range = Range1d(-700, 700)
        self._ranged = None
        self.fig = bokeh_figure("intensity (a.u.)", sizing_mode="stretch_width", height=430,
                                x_range=x_range, y_range=Range1d(0, 1))
        self.res_fig = bokeh_figure("residual (a.u.)", sizing_mode="stretch_width",
                                    height=170, x_range=x_range, wheel_zoom=False)
        self.src = {k: ColumnDataSource({"x": [], "I": []}) for k in SERIES}
        for key, label, dash, width in SERIES_STYLE:
            self.fig.line("x", "I", source=self.src[key], color=plots.PAKE_COLORS[key],
                          line_dash=dash, line_width=width, legend_label=label)
        self.res_src = ColumnDataSource({"x": [], "I": []})
        self.res_fig.line("x", "I", source=self.res_src, color="#444444", line_width=1)
        for f in (self.fig, self.res_fig):
            f.xaxis.axis_label = "¹H frequency offset (kHz)"
        self.fig.legend.location = "top_right"
        self.fig.legend.click_policy = "hide"
        self.title = Title(text="")
        self.fig.add_layout(self.title, "above")
        # redrawn at once (the drag path) when the preview's inputs or the fit change
        s.param.watch(in_session(lambda: self.fig.document, self._update),
                      [*dependencies(s.preview), "result"])
        self._update()

    def _update(self, *_):
        s = self.state
        d = s.data()
        if d is None:
            for src in (*self.src.values(), self.res_src):
                src.data = {"x": [], "I": []}
            return
        f, y = d
        x = f / 1e3
        res = s.result
        if res is not None and res.success:
            parts = dict(res.components)
            base = parts.pop("baseline", 0.0)
            parts = {k: v + base for k, v in parts.items()}
            total, title, resid = res.model, "fitted model", res.residual
        else:
            total, parts = s.preview()
            title, resid = "model at the start values (follows the sliders)", None
        series = {"data": y, "model": total, **parts}
        for key, src in self.src.items():
            v = series.get(key)
            src.data = {"x": x, "I": v} if v is not None else {"x": [], "I": []}
        self.res_src.data = ({"x": x, "I": resid} if resid is not None
                             else {"x": [], "I": []})
        self.title.text = title
        if self._ranged != s.acquisition:
            # scale to the doublets (a narrow central line would flatten them); zooming
            # or reset shows everything, and the range is kept across updates
            top = float(np.max(np.sum(list(s.preview()[1].values()), axis=0)))
            self.fig.y_range.update(start=min(float(y.min()), -0.1 * top), end=1.6 * top)
            self.fig.x_range.update(start=-min(700.0, abs(x).max()),
                                    end=min(700.0, abs(x).max()))
            self._ranged = s.acquisition

    def __panel__(self):
        return pn.Column(pn.pane.Bokeh(self.fig, sizing_mode="stretch_width"),
                         pn.pane.Bokeh(self.res_fig, sizing_mode="stretch_width"),
                         sizing_mode="stretch_width")


class PakeControls(pn.viewable.Viewer):
    """Acquisition, start values (sliders), options and the Fit button."""

    state = param.ClassSelector(class_=PakeState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        w = pn.widgets
        self.acq = w.Select.from_param(s.param.acquisition, label="Acquisition (¹H)")
        self.components = w.RadioButtonGroup.from_param(s.param.components, color="default")
        self.sliders = [w.FloatSlider.from_param(s.param[k], sizing_mode="stretch_width")
                        for k in ("r_n", "r_nn", "weight_n", "broadening_khz", "center_khz")]
        self.line = w.Checkbox.from_param(s.param.central_line)
        self.fixw = w.Checkbox.from_param(s.param.fix_weight)
        self.fit_btn = long_action(w.Button(label="Fit", color="primary", width=120), s.fit)

    def __panel__(self):
        return pn.Column(self.acq, pn.pane.Markdown("**Number of doublets**"),
                         self.components, pn.pane.Markdown("**Start values** (the model "
                                                           "follows as you drag)"),
                         *self.sliders, self.line, self.fixw, self.fit_btn,
                         sizing_mode="stretch_width")


class PakeResults(pn.viewable.Viewer):
    """The results table (value ± error, unit, DFT reference), correlations and caveats."""

    state = param.ClassSelector(class_=PakeState)

    def __init__(self, **params):
        super().__init__(**params)
        self._table = text.markdown(
            pn.rx(self.state.result_rows).rx.pipe(text.table, "No fit yet."),
            sizing_mode="stretch_width", name="pake-results")
        self._report = pn.pane.Markdown(sizing_mode="stretch_width")
        self.state.param.watch(self._refresh, ["result"])
        self._refresh()

    def _refresh(self, *_):
        res = self.state.result
        if res is None:
            self._report.object = ("Drag the start values until the model sits on the data, "
                                   "then **Fit**.")
            return
        corr = res.correlations(0.3)
        v = res.verdict
        flag = f"**{v.short}**: {v.message}" if v.flagged else f"goodness of fit: {v}"
        lines = [f"**{res.model_name}** — {res.message}  \n{flag}"]
        if corr:
            lines.append("Correlations |C| ≥ 0.3: " + ", ".join(
                f"C({a}, {b}) = {c:+.2f}" for a, b, c in corr))
        lines += [f"- {n}" for n in res.notes]
        self._report.object = "\n\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:])

    def __panel__(self):
        return pn.Column(self._table, self._report, sizing_mode="stretch_width")
