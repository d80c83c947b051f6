"""The processing page's spectrum and FID plots on Bokeh models directly.

Why not a HoloViews DynamicMap here (the other pages' plots are): a drag of p0 must reach
the browser in a few milliseconds, and HoloViews' per-update machinery for an overlay costs
50–90 ms on this machine (see tests/benchmarks). A ColumnDataSource update costs ~1 ms.
The FID plot follows for the same reason: as a HoloViews pane, each of its refreshes held
up the next phase step by ~300 ms in the browser (the load benchmark's alternating slow
steps); as a data update it costs nothing measurable.
Zoom survives updates (the ranges are only reset when the dataset or unit changes), and
the decimation follows the visible x range, so zooming in shows every point.
"""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh import events
from bokeh.models import (
    BoxAnnotation,
    ColumnDataSource,
    HoverTool,
    PointDrawTool,
    Range1d,
    Span,
)

from .. import plots
from ..state import ProcessingState
from .common import bokeh_figure, debounced, dependencies, in_session

DISPLAY_BINS = 2000
FID_POINTS = 4096  # the FID plot shows the first 4096 points (where the signal is)
FID_BINS = 400  # min/max pairs per FID curve: the plot is ~1000 px wide


class BokehSpectrumPlot(pn.viewable.Viewer):
    """Spectrum, baseline, pivot (tap), regions (x box-select), anchors (point-draw)."""

    state = param.ClassSelector(class_=ProcessingState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self.spec_src = ColumnDataSource({"x": [], "y": []})
        self.base_src = ColumnDataSource({"x": [], "y": []})
        self.anchor_src = ColumnDataSource({"x": [], "y": []})
        fig = bokeh_figure("intensity (a.u.)", sizing_mode="stretch_both", min_height=420,
                           tools="pan,wheel_zoom,box_zoom,xbox_select,reset,save",
                           x_range=Range1d(0, 1), y_range=Range1d(0, 1))
        fig.line("x", "y", source=self.spec_src, color=plots.SPECTRUM_COLOR, line_width=1.2)
        fig.line("x", "y", source=self.base_src, color=plots.BASELINE_COLOR,
                 line_dash="dashed", line_width=1.5)
        pts = fig.scatter("x", "y", source=self.anchor_src, size=11,
                          color=plots.BASELINE_COLOR, line_color="white")
        fig.add_tools(PointDrawTool(renderers=[pts], add=False),
                      HoverTool(renderers=[pts], tooltips=[("anchor", "@x, @y")]))
        self.pivot = Span(location=0, dimension="height", line_color=plots.PIVOT_COLOR,
                          line_dash="dotted", line_width=1.5)
        fig.add_layout(self.pivot)
        self.fig = fig
        self._boxes: list[BoxAnnotation] = []
        fig.on_event(events.Tap, self._on_tap)
        fig.on_event(events.SelectionGeometry, self._on_select)
        fig.x_range.on_change("start", self._on_range)
        fig.x_range.on_change("end", self._on_range)
        self.anchor_src.on_change("data", self._on_draw)
        # the curve follows what the spectrum declares it depends on (at once: the drag
        # path), and the display choice; a new dataset or axis unit resets the view instead
        reset = dependencies(s.to_display)
        s.param.watch(self._in_session(self._update_curve),
                      [*(k for k in dependencies(s.spectrum) if k not in reset),
                       "show_corrected"])
        s.param.watch(self._in_session(self._reset_view), reset)
        s.param.watch(self._in_session(self._update_overlays),
                      ["pivot_hz", "regions", "anchors", "show_corrected"])
        self._reset_view()

    # -- updates ---------------------------------------------------------------------------
    def _in_session(self, fn):
        return in_session(lambda: self.fig.document, fn)

    def _spectrum_xy(self):
        s = self.state
        sp = s.spectrum()
        if sp is None:
            return None
        x = np.asarray(s.to_display(sp.offsets_hz))
        order = np.argsort(x)
        y = sp.data.real if (sp.baseline is None or s.show_corrected) \
            else sp.data.real + sp.baseline
        base = None
        if sp.baseline is not None:
            base = np.zeros_like(sp.baseline) if s.show_corrected else sp.baseline
            base = base[order]
        return sp, x[order], y[order], base

    def _visible(self, x, y):
        r = self.fig.x_range
        lo, hi = sorted((r.start, r.end))
        i0, i1 = np.searchsorted(x, [lo, hi])
        i0, i1 = max(0, i0 - 1), min(x.size, i1 + 1)
        if i1 - i0 < 2:
            i0, i1 = 0, x.size
        return plots.minmax_decimate(x[i0:i1], y[i0:i1], DISPLAY_BINS)

    def _update_curve(self, *_):
        out = self._spectrum_xy()
        if out is None:
            self.spec_src.data = {"x": [], "y": []}
            self.base_src.data = {"x": [], "y": []}
            return
        _sp, x, y, base = out
        self._x, self._y = x, y
        xd, yd = self._visible(x, y)
        self.spec_src.data = {"x": xd, "y": yd.astype(np.float32)}
        if base is None:
            self.base_src.data = {"x": [], "y": []}
        else:
            step = max(1, x.size // 400)
            self.base_src.data = {"x": x[::step], "y": base[::step].astype(np.float32)}

    def _reset_view(self, *_):
        s = self.state
        out = self._spectrum_xy()
        if out is not None:
            _sp, x, y, _base = out
            lo, hi = float(x[0]), float(x[-1])
            ymin, ymax = float(np.min(y)), float(np.max(y))
            pad = 0.05 * (ymax - ymin or 1.0)
            if s.unit == "ppm" and s.dataset is not None and s.dataset.reference_hz:
                self.fig.x_range.update(start=hi, end=lo)  # ppm reads right to left
            else:
                self.fig.x_range.update(start=lo, end=hi)
            self.fig.y_range.update(start=ymin - pad, end=ymax + pad)
            nuc = plots.nucleus_label(s.dataset.nucleus)
            unit = "Hz" if s.unit == "ppm" and not s.dataset.reference_hz else s.unit
            self.fig.xaxis.axis_label = plots.axis_label(unit, nuc)
        self._update_curve()  # once, after the ranges: decimated for the visible window
        self._update_overlays()

    def _update_overlays(self, *_):
        s = self.state
        if s.dataset is None:
            return
        self.pivot.location = float(s.to_display(s.pivot_hz))
        for b in self._boxes:
            b.visible = False
        for i, (a, b) in enumerate(s.regions):
            xa, xb = sorted((float(s.to_display(a)), float(s.to_display(b))))
            if i >= len(self._boxes):
                box = BoxAnnotation(fill_color=plots.BASELINE_COLOR, fill_alpha=0.12)
                self.fig.add_layout(box)
                self._boxes.append(box)
            self._boxes[i].update(left=xa, right=xb, visible=True)
        data = self._anchor_data()
        if data != {k: list(v) for k, v in self.anchor_src.data.items()}:
            self._syncing = True
            self.anchor_src.data = data
            self._syncing = False

    def _anchor_data(self):
        s = self.state
        if not s.anchors:
            return {"x": [], "y": []}
        xs = [float(s.to_display(a[0])) for a in s.anchors]
        ys = [0.0 if s.show_corrected else float(a[1]) for a in s.anchors]
        return {"x": xs, "y": ys}

    # -- interactions ----------------------------------------------------------------------
    def _on_tap(self, event):
        if self.state.dataset is not None and event.x is not None:
            self.state.set_pivot(float(self.state.from_display(event.x)))

    def _on_select(self, event):
        g = event.geometry
        if not event.final or self.state.dataset is None or g.get("type") != "rect":
            return
        lo, hi = (float(self.state.from_display(v)) for v in (g["x0"], g["x1"]))
        self.state.add_region(lo, hi)

    def _on_range(self, _attr, _old, _new):
        if self._x.size:
            xd, yd = self._visible(self._x, self._y)
            self.spec_src.data = {"x": xd, "y": yd.astype(np.float32)}

    def _on_draw(self, _attr, _old, new):
        s = self.state
        if getattr(self, "_syncing", False) or s.dataset is None:
            return
        off = [float(s.from_display(x)) for x in new.get("x", [])]
        ys = list(new.get("y", []))
        sp = s.spectrum()
        if s.show_corrected and sp is not None and sp.baseline is not None:
            anchors = [[o, float(np.interp(o, sp.offsets_hz, sp.baseline)) + float(y)]
                       for o, y in zip(off, ys, strict=False)]
        else:
            anchors = [[o, float(y)] for o, y in zip(off, ys, strict=False)]
        if anchors != [list(a) for a in s.anchors]:
            s.param.update(anchors=anchors, baseline="spline")

    def __panel__(self):
        return pn.pane.Bokeh(self.fig, sizing_mode="stretch_both", min_height=420)



class BokehFidPlot(pn.viewable.Viewer):
    """The processed FID (real and imaginary, phase applied, no apodization shown beyond
    the processing's), refreshed when the controls settle; zoom survives refreshes."""

    state = param.ClassSelector(class_=ProcessingState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.re_src = ColumnDataSource({"x": [], "y": []})
        self.im_src = ColumnDataSource({"x": [], "y": []})
        fig = bokeh_figure("signal (a.u.)", sizing_mode="stretch_width", height=220,
                           x_range=Range1d(0, 1), y_range=Range1d(-1, 1))
        fig.line("x", "y", source=self.im_src, color=plots.IMAG_COLOR, line_width=1,
                 legend_label="imaginary")
        fig.line("x", "y", source=self.re_src, color=plots.SPECTRUM_COLOR, line_width=1.2,
                 legend_label="real")
        fig.xaxis.axis_label = "time (µs)"
        fig.legend.location = "top_right"
        fig.legend.background_fill_alpha = 0.7
        self.fig = fig
        # the FID follows its declared dependencies once they settle; a new dataset or
        # trace resets the view instead
        reset = ["revision", "trace"]
        s.param.watch(debounced(self._in_session(self._update)),
                      [k for k in dependencies(s.fid) if k not in reset])
        s.param.watch(self._in_session(self._reset_view), reset)
        self._reset_view()

    def _in_session(self, fn):
        return in_session(lambda: self.fig.document, fn)

    def _data(self):
        f = self.state.fid()
        if f is None:
            return None
        t, fid = f
        n = min(fid.size, FID_POINTS)
        return t[:n] * 1e6, fid[:n]

    def _update(self, *_):
        d = self._data()
        if d is None:
            self.re_src.data = self.im_src.data = {"x": [], "y": []}
            return
        t, fid = d
        for src, y in ((self.re_src, fid.real), (self.im_src, fid.imag)):
            xd, yd = plots.minmax_decimate(t, y, FID_BINS)
            src.data = {"x": xd, "y": yd.astype(np.float32)}

    def _reset_view(self, *_):
        d = self._data()
        if d is not None and d[0].size > 1:
            t, fid = d
            top = float(np.max(np.abs(fid))) or 1.0
            self.fig.x_range.update(start=float(t[0]), end=float(t[-1]))
            self.fig.y_range.update(start=-1.05 * top, end=1.05 * top)
        self._update()

    def __panel__(self):
        return pn.pane.Bokeh(self.fig, sizing_mode="stretch_width", height=230)
