"""The time-evolution page's components: H/La beside Tc/Tc(0) against days with linked x
axes, the kinetics table, Knight shift and line width, Tc against H/La, stacked spectra."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import panel as pn
import param

from analysis import kinetics

from .. import plots, text
from .._shell import long_action
from ..state import EvolutionState
from .common import unlinked

HEIGHT = 380


class SideBySide(pn.viewable.Viewer):
    """H/La (left) and Tc/Tc(0) (right) against days; one layout, so the x axes are shared:
    zooming one zooms the other."""

    state = param.ClassSelector(class_=EvolutionState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state

        def hla(*_):
            series, fits = s.hla_data()
            return plots.hla_plot(series, fits, x_max=s.x_max())

        def tc(*_):
            series, fits = s.tc_data()
            return plots.tc_ratio_plot(series, fits, x_max=s.x_max(), criterion=s.criterion)

        left = hv.DynamicMap(pn.bind(hla, s.param.nmr_cells, s.param.calibrated, s.param.law,
                                     s.param.results))
        right = hv.DynamicMap(pn.bind(tc, s.param.transport_cells, s.param.criterion,
                                      s.param.results))
        opts = dict(responsive=True, height=HEIGHT, legend_position="right", show_grid=True)
        self.layout = (left.opts(hv.opts.Overlay(title="Hydrogen content (¹H/¹³⁹La μQ-NMR)",
                                                 **opts))
                       + right.opts(hv.opts.Overlay(title="Superconducting Tc (four-probe)",
                                                    **opts))).opts(shared_axes=True)
        self.pane = pn.pane.HoloViews(self.layout, sizing_mode="stretch_width",
                                      name="side-by-side")
        # what the H/La shown rests on (Λ choice, assumptions), shown literally
        self.assumptions = text.markdown(
            pn.bind(lambda *_: s.hla_assumptions(), s.param.nmr_cells,
                    s.param.calibrated, s.param.results),
            sizing_mode="stretch_width", name="hla-assumptions")

    def __panel__(self):
        return pn.Column(self.pane, self.assumptions, sizing_mode="stretch_width")


class KineticsTable(pn.viewable.Viewer):
    state = param.ClassSelector(class_=EvolutionState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self._md = text.markdown(pn.bind(self._text, s.param.nmr_cells, s.param.results,
                                          s.param.calibrated), sizing_mode="stretch_width",
                                 name="kinetics")

    def _text(self, *_):
        laws = ", ".join(f"**{k}**: {v}" for k, v in kinetics.LAW_FORMULAS.items())
        return text.Markdown(  # our own text and formulas, then the escaped table
            "Kinetic laws fitted to H/La(t) from day 0 (x∞ = 3, LaH₃), per cell and "
            "globally (shared τ, n; one x₀ per cell); ΔAICc (AIC corrected for few "
            "points; χ² + 2k with the H/La errors) to the best law of each row group, and "
            "the goodness of fit (χ²_ν against its 99.7 % range; ⚠ marks a poor fit). "
            f"{laws}\n\n" + text.table(self.state.kinetics_rows(), "no fits"))

    def __panel__(self):
        return self._md


class Trends(pn.viewable.Viewer):
    """¹³⁹La Knight shift and ¹H line width against days; Tc against H/La."""

    state = param.ClassSelector(class_=EvolutionState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state

        def trend(col, label):
            def make(cells, results):
                if results is None:
                    return plots.trend_plot({}, label)
                series = {}
                for cell in cells:  # from day 0 (the precursor is another compound)
                    rows = sorted((r for r in results.h_per_la if r["cell"] == cell and
                                   r["day"] >= 0), key=lambda r: r["day"])
                    series[cell] = tuple(np.array([r.get(k) if r.get(k) is not None
                                                   else np.nan for r in rows], float)
                                         for k in ("day", col, col + "_err"))
                    if col == "H_fwhm_hz":
                        series[cell] = (series[cell][0], series[cell][1] / 1e3,
                                        series[cell][2] / 1e3)
                text = label
                if col.endswith("_shift_ppm"):  # say what 0 ppm is
                    src_key = col.replace("shift_ppm", "reference_source")
                    sources = sorted({str(r[src_key]) for r in results.h_per_la
                                      if r["cell"] in cells and r.get(src_key)})
                    if sources:
                        text = f"{label[:-1]}; 0 ppm from the {', '.join(sources)})"
                return plots.trend_plot(series, text)
            return make

        o = dict(responsive=True, height=300, legend_position="top_left", show_grid=True)
        self.shift = hv.DynamicMap(pn.bind(trend("La_shift_ppm", "¹³⁹La Knight shift (ppm)"),
                                           s.param.nmr_cells, s.param.results)).opts(
            hv.opts.Overlay(title="¹³⁹La Knight shift", **o))
        self.width = hv.DynamicMap(pn.bind(trend("H_fwhm_hz", "¹H hydride FWHM (kHz)"),
                                           s.param.nmr_cells, s.param.results)).opts(
            hv.opts.Overlay(title="¹H hydride line width", **o))
        self.overlap = hv.DynamicMap(pn.bind(lambda *_: plots.tc_vs_hla_plot(s.overlap()),
                                             s.param.nmr_cells, s.param.transport_cells,
                                             s.param.criterion, s.param.calibrated,
                                             s.param.results)).opts(
            hv.opts.Overlay(title="Tc against H/La (days measured in both)", **o))

    def __panel__(self):
        return pn.Row(*(unlinked(x) for x in (self.shift, self.width, self.overlap)),
                      sizing_mode="stretch_width")


class StackedSpectra(pn.viewable.Viewer):
    """¹³⁹La and ¹H spectra of one cell stacked by day (Fig. 4)."""

    state = param.ClassSelector(class_=EvolutionState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state

        def make(nucleus, label, xlim, clip=None):
            def f(_cell):
                d = s.stacked_spectra(nucleus)
                if d is None:
                    return hv.Contours([])
                return plots.stacked_spectra(*d, label, xlim=xlim, clip=clip)
            return f

        o = dict(responsive=True, height=520)
        self.la = hv.DynamicMap(pn.bind(make("139La", "¹³⁹La", (4500, -1000)),
                                        s.param.spectra_cell)).opts(
            hv.opts.Contours(title="¹³⁹La spectra by day", **o))
        self.h = hv.DynamicMap(pn.bind(make("1H", "¹H", (1500, -1500), clip=1.5),
                                       s.param.spectra_cell)).opts(
            hv.opts.Contours(title="¹H by day: the broad H₂ grows (hydride clipped)", **o))

    def __panel__(self):
        return pn.Row(unlinked(self.la), unlinked(self.h), sizing_mode="stretch_width")


class EvolutionControls(pn.viewable.Viewer):
    state = param.ClassSelector(class_=EvolutionState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        w = pn.widgets
        self.nmr = w.CheckButtonGroup.from_param(s.param.nmr_cells, color="primary",
                                                 orientation="horizontal")
        self.transport = w.CheckButtonGroup.from_param(s.param.transport_cells,
                                                       color="primary")
        self.others = [w.Select.from_param(s.param.criterion),
                       w.Checkbox.from_param(s.param.calibrated),
                       w.Select.from_param(s.param.law),
                       w.Select.from_param(s.param.spectra_cell)]
        self.recompute = long_action(w.Button(label="Recompute from the raw files",
                                              color="default"),
                                     lambda: s.load(recompute=True))

    def __panel__(self):
        return pn.Column(pn.pane.Markdown("**NMR cells**"), self.nmr,
                         pn.pane.Markdown("**Transport cells**"), self.transport,
                         *self.others, self.recompute, sizing_mode="stretch_width")
