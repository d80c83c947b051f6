"""The processing page's components: readouts, controls, save/restore (the spectrum and
FID plots are in :mod:`.spectrum_bokeh`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import panel as pn
import param

from .. import text
from .._shell import long_action
from ..state import ProcessingState
from .common import debounced, dependencies


class LiveSlider(pn.widgets.FloatSlider):
    """A float slider whose moves reach the server without Panel's 50 ms coalescing delay.

    Panel waits ``_debounce`` ms after a browser change before it applies it, to gather
    bursts; a phase step costs ~5 ms on the server, so the wait would be most of the round
    trip. Bursts still coalesce: changes arriving while one is pending are merged."""

    _debounce = 2


def _tip(label: str, tip: str) -> str:
    """A table label (trusted) with ``tip`` (escaped) as its hover tooltip (ⓘ marks it)."""
    return f'<span title="{text.html(tip)}">{label} ⓘ</span>'


class Readouts(pn.viewable.Viewer):
    """Shift, the reference it is against, FWHM, integral and SNR, each with its
    uncertainty and unit (refreshed when the controls settle, so dragging stays fast). The
    shift is the time-domain fit's, which no phase or baseline choice moves; the peak of the
    real spectrum follows as a secondary, phase-dependent readout."""

    state = param.ClassSelector(class_=ProcessingState)

    def __init__(self, **params):
        super().__init__(**params)
        self._md = text.markdown(sizing_mode="stretch_width", name="readouts")
        self._alert = text.alert("", alert_type="warning", visible=False)
        # the measurements are cached on the spectrum: they follow what it depends on
        self.state.param.watch(debounced(self.refresh, 150),
                               dependencies(self.state.spectrum))
        self.refresh()

    def refresh(self) -> None:
        m = self.state.measurements()
        rows = []
        ls = m.get("shift")
        if ls is not None:  # the primary shift: no phase or baseline choice moves it
            tip = (f"{ls.method}; σ = noise {ls.statistical_hz:.2g} Hz ⊕ analysis choices "
                   f"{ls.systematic_hz:.2g} Hz ({', '.join(ls.variants)}); offset from the "
                   f"carrier {ls.offset_hz}")
            if ls.shift_ppm is not None:
                rows.append((_tip("shift (time-domain fit)", tip), format(ls.shift_ppm)))
            else:
                rows.append((_tip("offset (time-domain fit)", tip), format(ls.offset_hz)))
        elif "shift_error" in m:  # no number rather than a misleading one
            rows.append(("shift (time-domain fit)", "— (see the note below)"))
        ref = m.get("reference")
        if ref is not None:
            rows.append((_tip("0 ppm", ref.detail), text.literal(ref)))  # names the manifest's
        pk = m.get("peak")
        if pk is not None:
            tip = ("the peak of the real spectrum: it moves with the phase (and the baseline); "
                   f"position {pk.position_hz} from the carrier")
            if pk.shift_ppm is not None:
                rows.append((_tip("peak shift (phase-dependent)", tip), format(pk.shift_ppm)))
            else:
                rows.append((_tip("peak (phase-dependent)", tip), format(pk.position_hz)))
            rows.append(("FWHM", format(pk.fwhm_hz)))
            if pk.fwhm_ppm is not None:
                rows.append(("FWHM", format(pk.fwhm_ppm)))
        if "integral" in m:
            rows.append(("integral (±2 FWHM)", format(m["integral"])))
        if "snr_t" in m:
            rows.append(("SNR, time domain", format(m["snr_t"])))
        if "snr_f" in m:
            rows.append(("SNR, frequency domain", format(m["snr_f"])))
        # labels and numbers are ours (tooltips escaped by _tip, the reference by literal)
        self._md.object = text.Markdown("| quantity | value |\n|---|---|\n"
                                        + "\n".join(f"| {a} | {b} |" for a, b in rows))
        problems = [m[k] for k in ("error", "shift_error") if k in m]
        self._alert.param.update(object=text.paragraphs("\n\n".join(problems)),
                                 visible=bool(problems))

    def __panel__(self):
        return pn.Column(self._md, self._alert, sizing_mode="stretch_width")


class Notices(pn.viewable.Viewer):
    """What the page says above the plots: the unreadable acquisitions (``unreadable``),
    then the version shown, the results database's notice and the status (``messages``).
    Every text comes from files or users and is shown literally."""

    state = param.ClassSelector(class_=ProcessingState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.unreadable = pn.bind(self._unreadable, s.param.revision)
        self.messages = pn.bind(self._messages, s.param.status, s.param.saved,
                                s.param.store_notice)

    def _unreadable(self, _revision):
        if not self.state.unreadable:
            return pn.Column()
        listing = text.join("\n", (text.md("- {:code}: {}", k, v)
                                   for k, v in self.state.unreadable.items()))
        return text.alert(text.md("**Unreadable acquisitions**\n\n{}", listing),
                          alert_type="warning")

    @staticmethod
    def _messages(status, saved, store_notice):
        items = [text.markdown(text.md("Shown: {}", saved), styles={"color": "#555"})] \
            if saved else []
        if store_notice:  # one line: the database is damaged or read-only
            items.append(text.alert(store_notice, alert_type="warning"))
        if status:
            kind = "danger" if status.lower().startswith(("unreadable", "save failed")) \
                else "info"
            items.append(text.alert(status, alert_type=kind))
        return pn.Column(*items, sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Column(self.unreadable, self.messages, sizing_mode="stretch_width")


class ProcessingControls(pn.viewable.Viewer):
    """Selection, phase (sliders + fine steps + autophase), apodization, baseline, save."""

    state = param.ClassSelector(class_=ProcessingState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        w = pn.widgets
        self.cell = w.Select.from_param(s.param.cell, label="Cell")
        self.day = w.Select.from_param(s.param.day, label="Day")
        self.acq = w.Select.from_param(s.param.acquisition, label="Acquisition")
        self.trace = w.IntInput.from_param(s.param.trace, label="Trace (arrays)")
        self.unit = w.RadioButtonGroup.from_param(s.param.unit, color="primary")
        self.lb = w.FloatInput.from_param(s.param.lb_hz, label="Exponential LB (Hz)")
        self.gb = w.FloatInput.from_param(s.param.gb_hz, label="Gaussian LB (Hz)")
        self.zf = w.Select.from_param(s.param.zero_fill, label="Zero fill (0 = auto)")
        self.ls = w.IntInput.from_param(s.param.left_shift, label="Left shift (points)")
        self.echo = w.RadioButtonGroup.from_param(s.param.echo, color="default",
                                                  options={"no echo": "off",
                                                           "half echo": "echo",
                                                           "whole echo": "whole-echo"})
        self._phase_widgets()
        self._baseline_widgets()
        self._saving_widgets()
        s.param.watch(self._update_history, dependencies(s.history_rows))
        s.param.watch(self._update_pivot, ["pivot_hz", *dependencies(s.to_display)])
        s.param.watch(self._update_saving, ["can_save", "revision", "store_notice"])
        self._update_history()
        self._update_pivot()
        self._update_saving()

    def _phase_widgets(self):
        s, w = self.state, pn.widgets
        self.p0 = LiveSlider.from_param(s.param.p0, label="p0 (°)",
                                        sizing_mode="stretch_width")
        self.p1 = LiveSlider.from_param(s.param.p1, label="p1 (° across SW)",
                                        sizing_mode="stretch_width")
        self.fine = pn.Column(
            pn.Row(*[self._step_button(k, d) for k, d in
                     (("p0", -1.0), ("p0", -0.1), ("p0", 0.1), ("p0", 1.0))]),
            pn.Row(*[self._step_button(k, d) for k, d in
                     (("p1", -5.0), ("p1", -1.0), ("p1", 1.0), ("p1", 5.0))]))
        self.method = w.Select(options=["acme", "max-real", "zero-order"], value="acme",
                               label="Autophase method", width=140)
        self.auto = long_action(w.Button(label="Autophase", color="primary", width=120),
                                lambda: s.autophase(self.method.value))
        self.pivot = pn.pane.Markdown(sizing_mode="stretch_width")

    def _baseline_widgets(self):
        s, w = self.state, pn.widgets
        self.baseline = w.RadioButtonGroup.from_param(s.param.baseline, color="default")
        self.order = w.IntInput.from_param(s.param.baseline_order, label="Polynomial order",
                                           width=140)
        self.corrected = w.Checkbox.from_param(s.param.show_corrected,
                                               label="Show corrected spectrum")
        self.clear = w.Button(label="Clear regions/anchors", width=170)
        self.clear.on_click(lambda _e: s.param.update(regions=[], anchors=[]))
        self.anchor_btn = w.Button(label="Place anchors", width=130)
        self.anchor_btn.on_click(lambda _e: s.auto_anchors())

    def _saving_widgets(self):
        s, w = self.state, pn.widgets
        self.author = w.TextInput(label="Your name", placeholder="who saves", width=160,
                                  max_length=text.NAME_MAX)
        self.save_btn = w.Button(label="Save", color="success", width=100)
        self.save_btn.on_click(lambda _e: s.save(self.author.value))
        self.save_reason = pn.pane.Markdown("", sizing_mode="stretch_width",
                                            styles={"color": "#8a5300"})
        self.history = w.Tabulator(pd.DataFrame(), disabled=True, show_index=False,
                                   height=180, sizing_mode="stretch_width",
                                   selectable=1)
        self.restore_btn = w.Button(label="Restore selected", width=150)
        self.restore_btn.on_click(self._restore)
        self.export_btn = w.FileDownload(callback=self._export, filename="history.json",
                                         label="Export history (JSON)", width=190)

    def _step_button(self, key: str, delta: float):
        b = pn.widgets.Button(label=f"{key} {delta:+g}°", width=70, margin=(2, 2))

        def click(_e):
            p = self.state.param[key]
            lo, hi = p.bounds
            self.state.param.update({key: float(np.clip(getattr(self.state, key) + delta,
                                                        lo, hi))})

        b.on_click(click)
        return b

    def _update_pivot(self, *_):
        s = self.state
        if s.dataset is None:
            self.pivot.object = ""
            return
        unit = "Hz" if s.unit == "ppm" and not s.dataset.reference_hz else s.unit
        self.pivot.object = (f"Pivot: **{float(s.to_display(s.pivot_hz)):.6g} {unit}** "
                             "(tap the spectrum to move it)")

    def _update_saving(self, *_):
        """Save and Restore only when a dataset is shown and the database can be written;
        otherwise they are disabled and the reason is shown beside them."""
        s = self.state
        ok = s.can_save and s.dataset is not None
        self.save_btn.disabled = self.restore_btn.disabled = not ok
        self.save_reason.object = "" if s.can_save else "Saving is off (see the notice above)."

    def _update_history(self, *_):
        self.history.value = pd.DataFrame(self.state.history_rows())

    def _restore(self, _e):
        sel = self.history.selection
        if not sel:
            self.state.status = "select a version in the history first"
            return
        vid = int(self.history.value.iloc[sel[0]]["version"])
        self.state.restore(vid)

    def _export(self):
        import io

        return io.StringIO(self.state.versions.export_json())

    def sidebar(self):
        return [self.cell, self.day, self.acq, self.trace,
                pn.pane.Markdown("**Axis**"), self.unit,
                pn.pane.Markdown("**Apodization and transform**"), self.lb, self.gb, self.zf,
                self.ls, self.echo]

    def phase_panel(self):
        return pn.Column(pn.pane.Markdown("**Phase** — p0 at the pivot, p1 across the full "
                                          "spectral width"),
                         self.p0, self.p1, self.fine, pn.Row(self.method, self.auto),
                         self.pivot, sizing_mode="stretch_width")

    def baseline_panel(self):
        return pn.Column(pn.pane.Markdown(
            "**Baseline** — polynomial: box-select signal-free regions on the spectrum; "
            "spline: drag the orange anchors (tap with the point tool to add)."),
            self.baseline, pn.Row(self.order, self.corrected),
            pn.Row(self.anchor_btn, self.clear),
            sizing_mode="stretch_width")

    def save_panel(self):
        return pn.Column(pn.pane.Markdown("**Save** — every save is a new version; restore "
                                          "any earlier one."),
                         pn.Row(self.author, self.save_btn, self.restore_btn,
                                self.export_btn),
                         self.save_reason,
                         self.history, sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Column(*self.sidebar(), self.phase_panel(), self.baseline_panel(),
                         self.save_panel())
