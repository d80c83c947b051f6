"""The time-evolution page's components: H/La beside Tc/Tc(0) against days with linked x
axes, the kinetics table, Knight shift and line width, Tc against H/La, stacked spectra."""

from __future__ import annotations

import holoviews as hv
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

        def hla(data, x_max):
            return plots.hla_plot(*data, x_max=x_max)

        def tc(data, x_max, criterion):
            return plots.tc_ratio_plot(*data, x_max=x_max, criterion=criterion)

        # each redraws on what the store declares its data follow
        left = hv.DynamicMap(pn.bind(hla, pn.rx(s.hla_data), pn.rx(s.x_max)))
        right = hv.DynamicMap(pn.bind(tc, pn.rx(s.tc_data), pn.rx(s.x_max), s.param.criterion))
        opts = dict(responsive=True, height=HEIGHT, legend_position="right", show_grid=True)
        self.layout = (left.opts(hv.opts.Overlay(title="Hydrogen content (¹H/¹³⁹La μQ-NMR)",
                                                 **opts))
                       + right.opts(hv.opts.Overlay(title="Superconducting Tc (four-probe)",
                                                    **opts))).opts(shared_axes=True)
        self.pane = pn.pane.HoloViews(self.layout, sizing_mode="stretch_width",
                                      name="side-by-side")
        # what the H/La shown rests on (Λ choice, assumptions), shown literally
        self.assumptions = text.markdown(s.hla_assumptions,
                                         sizing_mode="stretch_width", name="hla-assumptions")

    def __panel__(self):
        return pn.Column(self.pane, self.assumptions, sizing_mode="stretch_width")


class KineticsTable(pn.viewable.Viewer):
    state = param.ClassSelector(class_=EvolutionState)

    def __init__(self, **params):
        super().__init__(**params)
        self._md = text.markdown(pn.rx(self.state.kinetics_rows).rx.pipe(self._text),
                                 sizing_mode="stretch_width", name="kinetics")

    @staticmethod
    def _text(rows):
        laws = ", ".join(f"**{k}**: {v}" for k, v in kinetics.LAW_FORMULAS.items())
        return text.Markdown(  # our own text and formulas, then the escaped table
            "Kinetic laws fitted to H/La(t) from day 0 (x∞ = 3, LaH₃), per cell and "
            "globally (shared τ, n; one x₀ per cell); ΔAICc (AIC corrected for few "
            "points; χ² + 2k with the H/La errors) to the best law of each row group, and "
            "the goodness of fit (χ²_ν against its 99.7 % range; ⚠ marks a poor fit). "
            f"{laws}\n\n" + text.table(rows, "no fits"))

    def __panel__(self):
        return self._md


class Trends(pn.viewable.Viewer):
    """¹³⁹La Knight shift and ¹H line width against days; Tc against H/La."""

    state = param.ClassSelector(class_=EvolutionState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state

        def shift(got):
            label = "¹³⁹La Knight shift (ppm)"
            if got.references:  # say what 0 ppm is
                label = f"{label[:-1]}; 0 ppm from the {', '.join(got.references)})"
            return plots.trend_plot(got.series, label)

        def width(got):
            khz = {c: (d, v / 1e3, e / 1e3) for c, (d, v, e) in got.series.items()}
            return plots.trend_plot(khz, "¹H hydride FWHM (kHz)")

        o = dict(responsive=True, height=300, legend_position="top_left", show_grid=True)
        self.shift = hv.DynamicMap(pn.bind(shift, pn.rx(s.knight_shift))).opts(
            hv.opts.Overlay(title="¹³⁹La Knight shift", **o))
        self.width = hv.DynamicMap(pn.bind(width, pn.rx(s.line_width))).opts(
            hv.opts.Overlay(title="¹H hydride line width", **o))
        self.overlap = hv.DynamicMap(pn.bind(plots.tc_vs_hla_plot, pn.rx(s.overlap))).opts(
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

        def stack(label, xlim, clip=None):
            def f(d):
                if d is None:
                    return hv.Contours([])
                return plots.stacked_spectra(*d, label, xlim=xlim, clip=clip)
            return f

        o = dict(responsive=True, height=520)
        self.la = hv.DynamicMap(pn.bind(stack("¹³⁹La", (4500, -1000)),
                                        pn.rx(s.la_spectra))).opts(
            hv.opts.Contours(title="¹³⁹La spectra by day", **o))
        self.h = hv.DynamicMap(pn.bind(stack("¹H", (1500, -1500), clip=1.5),
                                       pn.rx(s.h_spectra))).opts(
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
