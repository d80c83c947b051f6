"""The Pake page's components: live model overlay, start-value controls, fit results."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import panel as pn
import param

from .. import plots
from ..state import PakeState

LIVE = ["r_n", "r_nn", "weight_n", "broadening_khz", "center_khz", "components", "result",
        "acquisition"]


class PakePlot(pn.viewable.Viewer):
    """Data with the model at the start values (redrawn while dragging) or, after a fit,
    the fitted model with each component; residuals below."""

    state = param.ClassSelector(class_=PakeState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self._main = hv.DynamicMap(pn.bind(self._overlay, *[s.param[k] for k in LIVE]))
        self._resid = hv.DynamicMap(pn.bind(self._residual, s.param.result,
                                            s.param.acquisition))

    def _overlay(self, *_):
        s = self.state
        d = s.data()
        if d is None:
            return plots.pake_overlay([], [], [], {})
        f, y = d
        res = s.result
        if res is not None and res.success:
            parts = dict(res.components)
            base = parts.get("baseline", 0.0)
            parts = {k: v + base for k, v in parts.items() if k != "baseline"}
            return plots.pake_overlay(f, y, res.model, parts, "fitted model")
        total, parts = s.preview()
        return plots.pake_overlay(f, y, total, parts, "model at the start values (live)")

    def _residual(self, *_):
        s = self.state
        res = s.result
        if res is None or not res.success:
            d = s.data()
            f = d[0] if d is not None else np.zeros(0)
            return plots.residual_curve(f, np.zeros(f.size))
        return plots.residual_curve(res.x, res.residual)

    def __panel__(self):
        return pn.Column(
            pn.pane.HoloViews(self._main.opts(
                hv.opts.Curve(responsive=True, height=430, show_grid=True, framewise=True),
                hv.opts.Overlay(legend_position="top_right", responsive=True, height=430,
                                framewise=True)),
                sizing_mode="stretch_width", height=440),
            pn.pane.HoloViews(self._resid.opts(hv.opts.Curve(responsive=True, height=170,
                                                             show_grid=True, framewise=True,
                                                             yformatter="%.2g")),
                              sizing_mode="stretch_width", height=180),
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
        self.fit_btn = w.Button(label="Fit", color="primary", width=120)
        self.fit_btn.on_click(lambda _e: s.fit())

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
        self._table = pn.pane.Markdown(sizing_mode="stretch_width", name="pake-results")
        self._report = pn.pane.Markdown(sizing_mode="stretch_width")
        self.state.param.watch(self._refresh, ["result"])
        self._refresh()

    def _refresh(self, *_):
        s = self.state
        rows = s.result_rows()
        head = "| quantity | value | DFT phase III (as quoted) |\n|---|---|---|\n"
        self._table.object = head + "\n".join(
            f"| {r['quantity']} | {r['value']} | {r['DFT phase III (as quoted)']} |"
            for r in rows) if rows else "*No fit yet.*"
        res = s.result
        if res is None:
            self._report.object = ("Drag the start values until the model sits on the data, "
                                   "then **Fit**.")
            return
        corr = res.correlations(0.3)
        lines = [f"**{res.model_name}** — {res.message}"]
        if corr:
            lines.append("Correlations |C| ≥ 0.3: " + ", ".join(
                f"C({a}, {b}) = {c:+.2f}" for a, b, c in corr))
        lines += [f"- {n}" for n in res.notes]
        self._report.object = "\n\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:])

    def __panel__(self):
        return pn.Column(self._table, self._report, sizing_mode="stretch_width")
