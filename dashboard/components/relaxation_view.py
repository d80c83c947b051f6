"""The relaxation page's components: fits of T1 and T2 with residuals, the T1-vs-T2 view
(the study's Fig. 3), the array traces, the echo train (Fig. 2) and the diffusion panel."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import panel as pn
import param

from analysis.measure import Measurement

from .. import plots, text
from ..state import RelaxationState
from .common import unlinked

FIT_HEIGHT = 300
RES_HEIGHT = 130


class RelaxationFit(pn.viewable.Viewer):
    """One array: amplitudes ± σ with the fit (log time) and normalised residuals below."""

    state = param.ClassSelector(class_=RelaxationState)
    which = param.Selector(default="t1", objects=["t1", "t2"])

    def __init__(self, **params):
        super().__init__(**params)
        color = plots.RELAXATION_COLORS["T1" if self.which == "t1" else "T2"]
        dep = self.state.param[self.which]

        def points(pair):
            if pair is None:
                return hv.Overlay([hv.Scatter(([], []))])
            amps, res = pair
            return plots.relaxation_points(amps, res, color=color)

        def residuals(pair):
            if pair is None:
                return hv.Overlay([hv.Scatter(([], []))])
            return plots.relaxation_residuals(*pair, color=color)

        title = ("T1: recovery" if self.which == "t1" else "T2: Hahn-echo decay")
        self._points = hv.DynamicMap(pn.bind(points, dep)).opts(
            hv.opts.Overlay(responsive=True, height=FIT_HEIGHT, title=title,
                            legend_position="bottom_right" if self.which == "t1"
                            else "top_right"))
        self._res = hv.DynamicMap(pn.bind(residuals, dep)).opts(
            hv.opts.Overlay(responsive=True, height=RES_HEIGHT))
        self._summary = pn.pane.Markdown(pn.bind(self._text, dep), sizing_mode="stretch_width")

    def _text(self, pair) -> str:
        if pair is None:
            return "*No array of this kind in the campaign.*"
        amps, res = pair
        key = "T1_s" if self.which == "t1" else "T2_s"
        formula = next((n[7:] for n in res.notes if n.startswith("model: ")), "")
        if not res.success:
            return f"**{res.model_name}: fit failed**: {res.message}"
        m = res.measurement(key)
        shown = Measurement(m.value * 1e3, m.stderr * 1e3, "ms")
        extra = [f"{k} = {res.measurement(k)}" for k in res.values
                 if k not in ("M0", key) and res.stderr.get(k, 0) > 0]
        corr = ", ".join(f"C({a}, {b}) = {c:+.2f}" for a, b, c in res.correlations(0.3))
        axis = amps.axis_label + (" (the file's list holds τ; doubled)"
                                  if amps.axis == "pulse-spacing" else "")
        return (f"**{key[:2]} = {shown}** "
                f"({res.model_name}: `{formula}`)  \n"
                + (", ".join(extra) + "  \n" if extra else "")
                + (f"correlations: {corr}  \n" if corr else "")
                + f"x axis: {axis}; amplitudes: {amps.method}; reduced χ² "
                  f"{res.reduced_chi2:.3g}, AIC {res.aic:.1f}, AICc {res.aicc:.1f}, "
                  f"BIC {res.bic:.1f}  \n"
                + f"goodness of fit: **{res.verdict.short}** — {res.verdict.message}"
                + self._choice_text(key))

    def _choice_text(self, key: str) -> str:
        """Why auto chose the method (and the model), and the methods that disagree."""
        choice = getattr(self.state, f"{self.which}_choice")
        if choice is None:
            return ""
        text = f"  \nauto: {choice.reason}"
        if choice.model_reason:
            text += f"  \nmodel {choice.model_reason}"
        for o, z in choice.disagreeing():
            t, s = o.time()
            text += (f"  \n⚠️ {o.method} amplitudes give {key[:2]} = "
                     f"{Measurement(t * 1e3, s * 1e3, 'ms')}, {z:.1f}σ away")
        return text

    def __panel__(self):
        return pn.Column(unlinked(self._points),
                         unlinked(self._res),
                         self._summary, sizing_mode="stretch_width")


class T1T2Comparison(pn.viewable.Viewer):
    """M/M₀ of the recovery and of the echo decay on one log time axis (Fig. 3)."""

    state = param.ClassSelector(class_=RelaxationState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state

        self._dmap = hv.DynamicMap(pn.bind(plots.t1_t2_comparison, s.param.t1, s.param.t2)).opts(
            hv.opts.Overlay(responsive=True, height=FIT_HEIGHT, legend_position="right",
                            title="T1 vs T2 (normalised to the fitted M₀)"))
        self._ratio = pn.pane.Markdown(pn.rx(s.t1_t2_ratio).rx.pipe(self._text),
                                       sizing_mode="stretch_width")

    @staticmethod
    def _text(ratio) -> str:
        return "" if ratio is None else f"T1/T2 = {ratio.value:.4f} ± {ratio.stderr:.2g}"

    def __panel__(self):
        return pn.Column(unlinked(self._dmap),
                         self._ratio, sizing_mode="stretch_width")


class ModelComparison(pn.viewable.Viewer):
    """Every model of each kind on the current amplitudes, ranked by AICc (AIC when n/k ≥
    40), with the goodness-of-fit verdict."""

    state = param.ClassSelector(class_=RelaxationState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self._md = pn.pane.Markdown(pn.bind(self._text, pn.rx(s.t1_models),
                                            pn.rx(s.t2_models)),
                                    sizing_mode="stretch_width", name="model-comparison")

    @staticmethod
    def _text(t1_rows, t2_rows):
        return ("**T1 models** (best first: lowest AICc when n/k < 40, else AIC)\n\n"
                + text.table(t1_rows, "no fit")
                + "\n\n**T2 models**\n\n" + text.table(t2_rows, "no fit"))

    def __panel__(self):
        return self._md


class ArrayTraces(pn.viewable.Viewer):
    """The traces of the T1 and T2 arrays (real part, one phase for all) and the echo
    train's magnitudes against the time after the refocusing pulse (Fig. 2)."""

    state = param.ClassSelector(class_=RelaxationState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state

        def traces(d):
            if d is None:
                return hv.Contours([])
            t, real, times, name = d
            # show the part with signal: until the strongest trace decays to 2 %
            env = np.abs(real).max(axis=0)
            n = int(np.nonzero(env > 0.02 * env.max())[0].max()) + 1
            return plots.array_traces(t, real, times, name, window=max(n, 16))

        def train(d):
            if d is None:
                return hv.Contours([])
            return plots.echo_train_curves(*d)

        def opts(title):
            return hv.opts.Contours(responsive=True, height=280, title=title)
        self._t1 = hv.DynamicMap(pn.bind(traces, pn.rx(s.t1_traces))).opts(
            opts("recovery array: traces"))
        self._t2 = hv.DynamicMap(pn.bind(traces, pn.rx(s.t2_traces))).opts(
            opts("Hahn-echo array: echoes"))
        self._train = hv.DynamicMap(pn.bind(train, pn.rx(s.echo_train))).opts(
            opts("echo train (Fig. 2): echoes refocused at increasing τ"))

    def __panel__(self):
        return pn.Column(
            pn.Row(unlinked(self._t1),
                   unlinked(self._t2),
                   sizing_mode="stretch_width"),
            unlinked(self._train),
            sizing_mode="stretch_width")


class DiffusionPanel(pn.viewable.Viewer):
    """D from the fitted T1: inputs, the formula, ħ and h side by side, the self-check."""

    state = param.ClassSelector(class_=RelaxationState)

    FORMULA = ("D = C · (μ₀/4π)² · γ⁴ · ħ² · N · T₁ / a  (extreme narrowing; "
               "τ = a²/6D for the self-check)")

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        w = pn.widgets
        self.inputs = [w.FloatInput.from_param(s.param.density_e23_cm3),
                       w.FloatInput.from_param(s.param.distance_angstrom),
                       w.Select.from_param(s.param.prefactor),
                       w.RadioButtonGroup.from_param(s.param.constant, color="default"),
                       w.FloatInput.from_param(s.param.second_moment_e11)]
        self._md = pn.pane.Markdown(pn.bind(self._text, pn.rx(s.diffusion),
                                            pn.rx(s.diffusion_rows)),
                                    sizing_mode="stretch_width", name="diffusion")

        def bpp(d):
            return plots.bpp_curves(**d) if d else hv.Overlay([hv.Curve(([], []))])

        self._bpp = hv.DynamicMap(pn.bind(bpp, pn.rx(s.bpp))).opts(hv.opts.Overlay(
            responsive=True, height=320, legend_position="right",
            title="BPP rates for M₂ (dotted: τ = a²/6D from D)"))

    def _text(self, res, rows):
        if res is None:
            return "*D needs a converged T1 fit.*"
        d = Measurement(res.D_cm2_s, res.D_stderr_m2_s * 1e4, "cm²/s")
        head = (f"`{self.FORMULA}`\n\n**D = {d}** (prefactor {res.prefactor}, constant "
                f"{'ħ' if res.constant == 'hbar' else 'h'}; T1 = {res.t1_s * 1e3:.4g} ms)\n\n")
        check = ("✅ " if res.extreme_narrowing else "⚠️ ") + res.verdict.replace("; ", "\n\n")
        note = ("\n\n*ħ is the physically consistent constant; Planck's h reproduces the "
                "study's D ≈ 10⁻⁶ cm²/s (×4π² = 39.5). D from T1 assumes dipolar relaxation "
                "by translational diffusion.*")
        return head + text.table(rows, "") + "\n\n**Self-check**: " + check + note

    def sidebar(self):
        return pn.Column(pn.pane.Markdown("**Diffusion inputs**"), *self.inputs,
                         sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Row(self._md, unlinked(self._bpp),
                      sizing_mode="stretch_width")


class RelaxationControls(pn.viewable.Viewer):
    """Which arrays, how amplitudes are taken, which models."""

    state = param.ClassSelector(class_=RelaxationState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        w = pn.widgets
        self.widgets = [w.Select.from_param(s.param[k]) for k in
                        ("t1_acquisition", "t2_acquisition", "train_acquisition")]
        self.widgets += [w.RadioButtonGroup.from_param(s.param.method, color="default"),
                         w.FloatInput.from_param(s.param.region_lo_khz),
                         w.FloatInput.from_param(s.param.region_hi_khz),
                         w.Select.from_param(s.param.t1_model),
                         w.Select.from_param(s.param.t2_model)]

    def __panel__(self):
        return pn.Column(*self.widgets, sizing_mode="stretch_width")
