"""Pure functions → HoloViews elements (styled for the Bokeh app; the matplotlib export
of a later issue styles the same elements)."""

from __future__ import annotations

import holoviews as hv
import numpy as np

hv.extension("bokeh")

UNIT_LABEL = {"Hz": "frequency offset (Hz)", "kHz": "frequency offset (kHz)",
              "ppm": "shift δ (ppm)"}
SPECTRUM_COLOR = "#1f5f8b"
BASELINE_COLOR = "#d95f02"
PIVOT_COLOR = "#7570b3"
IMAG_COLOR = "#999999"


def nucleus_label(nucleus: str | None) -> str | None:
    """``"139La"`` → ``"¹³⁹La"`` for axis labels (unknown labels pass through)."""
    if not nucleus:
        return None
    from analysis.constants import nucleus as lookup

    try:
        return lookup(nucleus).label
    except KeyError:
        return nucleus


def axis_label(unit: str, nucleus: str | None = None) -> str:
    label = UNIT_LABEL[unit]
    return f"{nucleus} {label}" if nucleus else label


def spectrum_curve(x: np.ndarray, y: np.ndarray, unit: str, nucleus: str | None = None
                   ) -> hv.Curve:
    """The real spectrum on a frequency axis (x reversed for ppm, as spectroscopists read)."""
    return hv.Curve((x, y), kdims=[hv.Dimension("x", label=axis_label(unit, nucleus))],
                    vdims=[hv.Dimension("y", label="intensity (a.u.)")]).opts(
        color=SPECTRUM_COLOR, line_width=1.2, invert_xaxis=(unit == "ppm"))


def baseline_curve(x: np.ndarray, y: np.ndarray | None, unit: str) -> hv.Curve:
    data = (x, y) if y is not None else ([], [])
    return hv.Curve(data, kdims=[hv.Dimension("x", label=UNIT_LABEL[unit])],
                    vdims=[hv.Dimension("y", label="intensity (a.u.)")]).opts(
        color=BASELINE_COLOR, line_dash="dashed", line_width=1.5)


def fid_curves(t_s: np.ndarray, fid: np.ndarray) -> hv.Overlay:
    """Real and imaginary FID against time in µs."""
    t = t_s * 1e6
    kd = [hv.Dimension("t", label="time (µs)")]
    vd = [hv.Dimension("s", label="signal (a.u.)")]
    return (hv.Curve((t, fid.imag), kd, vd, label="imaginary").opts(color=IMAG_COLOR,
                                                                     line_width=1)
            * hv.Curve((t, fid.real), kd, vd, label="real").opts(color=SPECTRUM_COLOR,
                                                                  line_width=1.2))


def minmax_decimate(x: np.ndarray, y: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the min and max of each of ``bins`` equal groups (shape-preserving display).

    Only what the screen can show is sent to the browser; peaks are never lost.
    """
    n = y.size
    if n <= 2 * bins:
        return x, y
    width = n // bins
    m = width * bins
    blocks = y[:m].reshape(bins, width)
    base = np.arange(bins) * width
    imin = blocks.argmin(axis=1) + base
    imax = blocks.argmax(axis=1) + base
    idx = np.empty(2 * bins, dtype=int)
    idx[0::2] = np.minimum(imin, imax)
    idx[1::2] = np.maximum(imin, imax)
    if m < n:
        idx = np.concatenate([idx, [n - 1]])
    return x[idx], y[idx]


PAKE_COLORS = {"data": "#444444", "model": "#d95f02", "r_n doublet": "#1b9e77",
               "r_nn doublet": "#7570b3", "central line": "#e7298a", "baseline": "#999999"}


def pake_overlay(freq_hz, data, model, parts: dict, title: str = "") -> hv.Overlay:
    """Data, model and each component against the offset in kHz."""
    x = np.asarray(freq_hz) / 1e3
    kd = [hv.Dimension("f", label="¹H frequency offset (kHz)")]
    vd = [hv.Dimension("I", label="intensity (a.u.)")]
    els = [hv.Curve((x, data), kd, vd, label="data").opts(color=PAKE_COLORS["data"],
                                                           line_width=1, alpha=0.8)]
    for name, y in parts.items():
        if name == "baseline":
            continue
        els.append(hv.Curve((x, y), kd, vd, label=name).opts(
            color=PAKE_COLORS.get(name, "#666"), line_dash="dashed", line_width=1.5))
    els.append(hv.Curve((x, model), kd, vd, label="model").opts(color=PAKE_COLORS["model"],
                                                                 line_width=2))
    opts = {"title": title}
    doublets = [np.asarray(y) for k, y in parts.items() if "doublet" in k]
    if doublets and "central line" in parts:
        # a narrow central line would flatten the doublets: scale to them (zoom shows all)
        top = float(np.max(np.sum(doublets, axis=0)))
        low = float(np.min(data)) if len(data) else 0.0
        opts["ylim"] = (min(low, -0.1 * top), 1.6 * top)
    if x.size:
        edge = max(abs(x.min()), abs(x.max()))
        span = min(edge, 700.0)
        opts["xlim"] = (-span, span)
    return hv.Overlay(els).opts(**opts)


def residual_curve(freq_hz, residual) -> hv.Curve:
    """data − model against the offset in kHz (same window as :func:`pake_overlay`)."""
    x = np.asarray(freq_hz) / 1e3
    span = min(max(abs(x.min()), abs(x.max())), 700.0) if x.size else 1.0
    return hv.Curve((x, residual), [hv.Dimension("f", label="¹H frequency offset (kHz)")],
                    [hv.Dimension("r", label="residual (a.u.)")]).opts(
        color="#444444", line_width=1, xlim=(-span, span))
