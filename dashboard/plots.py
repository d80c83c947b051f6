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


# ---------------------------------------------------------------------------------------------
# relaxation (the page and the paper figures, Figs. 2 and 3)
# ---------------------------------------------------------------------------------------------
RELAXATION_COLORS = {"T1": "#1b9e77", "T2": "#d95f02"}


def trace_colors(n: int) -> list[str]:
    """``n`` colours along a colour-blind-safe sequential map (viridis), early → late."""
    from bokeh.palettes import Viridis256

    idx = np.linspace(0, 230, max(n, 1)).astype(int)
    return [Viridis256[i] for i in idx]


def _time_dim(label: str) -> hv.Dimension:
    return hv.Dimension("t", label=f"{label} (ms)")


def relaxation_points(amps, result, color: str = "#1f5f8b", normalise: bool = False,
                      label: str = "") -> hv.Overlay:
    """Amplitudes ± σ against the delay (or echo time 2τ) with the fitted model, log time.

    ``normalise`` divides by the fitted M₀ (T1-vs-T2 comparison as in the study's Fig. 3).
    """
    from analysis import relaxation as rx

    t = np.asarray(result.x if result is not None and result.x.size else amps.time_s)
    y = np.asarray(amps.amplitude, float)
    order = np.argsort(amps.time_s)
    t, y = np.asarray(amps.time_s)[order], y[order]
    sig = amps.fit_sigma[order] if amps.fit_sigma is not None else np.zeros_like(y)
    scale = 1.0
    ok = result is not None and result.success
    if normalise and ok and result.values.get("M0"):
        scale = 1.0 / result.values["M0"]
    kd = [_time_dim(amps.axis_label)]
    vd = [hv.Dimension("a", label="M / M₀" if normalise else "amplitude (a.u.)")]
    pos = t > 0
    els = [hv.ErrorBars((t[pos] * 1e3, y[pos] * scale, sig[pos] * scale), kd,
                        [*vd, "err"]).opts(color=color, line_width=1),
           hv.Scatter((t[pos] * 1e3, y[pos] * scale), kd, vd, label=label or "data").opts(
               color=color, size=6)]
    if ok:
        tt = np.geomspace(t[pos].min() / 1.5, t.max() * 1.5, 300)
        fit_label = f"{label} fit" if label else f"fit: {result.model_name}"
        els.append(hv.Curve((tt * 1e3, rx.curve(result, tt) * scale), kd, vd,
                            label=fit_label).opts(color=color, line_width=2))
    return hv.Overlay(els).opts(logx=True)


def t1_t2_comparison(t1, t2) -> hv.Overlay:
    """M/M₀ of a recovery and an echo decay on one log time axis (the study's Fig. 3);
    ``t1``, ``t2``: (Amplitudes, FitResult) or None."""
    els = []
    for pair, label in ((t1, "T1"), (t2, "T2")):
        if pair is not None and pair[1].success:
            els.append(relaxation_points(*pair, color=RELAXATION_COLORS[label],
                                         normalise=True, label=label))
    if not els:
        return hv.Overlay([hv.Scatter(([], []))])
    out = els[0]
    for e in els[1:]:
        out = out * e
    return out.opts(xlabel="delay / echo time 2τ (ms)", logx=True)


def relaxation_residuals(amps, result, color: str = "#444444") -> hv.Overlay:
    """(data − model)/σ against time (log), with the ±1 band."""
    kd = [_time_dim(amps.axis_label)]
    vd = [hv.Dimension("r", label="residual / σ")]
    if result is None or not result.success:
        return hv.Overlay([hv.Scatter(([], []), kd, vd)])
    sig = amps.fit_sigma
    # result.x is the echo time for decays; match the amplitudes' order
    r = result.residual / (sig if sig is not None else np.std(result.residual) or 1.0)
    t = np.asarray(result.x) * 1e3
    return hv.Overlay([hv.Scatter((t, r), kd, vd).opts(color=color, size=5),
                       hv.HLine(0).opts(color="#999999", line_width=1)]).opts(logx=True)


def _trace_paths(t, traces, values, kd, vd, value_dim: hv.Dimension) -> hv.Contours:
    """Many traces as one multi-line glyph coloured by ``value_dim`` (viridis, colour bar):
    one Bokeh renderer instead of one per trace, each trace min/max-decimated to 400
    points, keeps the page quick to build and to send."""
    paths = []
    for y, v in zip(traces, values, strict=True):
        tx, yy = minmax_decimate(np.asarray(t), np.asarray(y), 200)  # what a screen shows
        paths.append({kd[0].name: tx, vd[0].name: yy, value_dim.name: float(v)})
    return hv.Contours(paths, kdims=[*kd, *vd], vdims=[value_dim]).opts(
        color=value_dim.name, cmap="viridis", colorbar=True, line_width=1.2,
        clabel=value_dim.label)


def echo_train_curves(t_s, magnitudes, taus_s) -> hv.Contours:
    """|s(t)| of every trace of an echo train, coloured by the pulse spacing τ (Fig. 2)."""
    kd = [hv.Dimension("t", label="time after the refocusing pulse (ms)")]
    vd = [hv.Dimension("s", label="|signal| (a.u.)")]
    return _trace_paths(np.asarray(t_s) * 1e3, magnitudes, np.asarray(taus_s) * 1e6, kd, vd,
                        hv.Dimension("tau", label="pulse spacing τ (µs)"))


def array_traces(t_s, traces, times_s, name: str, window: int | None = None) -> hv.Contours:
    """The real, commonly phased traces of an array coloured along the array; ``times_s``
    the delay (or echo time) of each trace, ``name`` its symbol for the colour bar."""
    n = window or traces.shape[1]
    kd = [hv.Dimension("t", label="acquisition time (µs)")]
    vd = [hv.Dimension("s", label="signal, real part (a.u.)")]
    return _trace_paths(np.asarray(t_s[:n]) * 1e6, [tr[:n] for tr in traces],
                        np.asarray(times_s) * 1e3, kd, vd,
                        hv.Dimension("array_value", label=f"{name} (ms)"))


def bpp_curves(second_moment_rad2_s2: float, omega0_rad_s: float, rate1: float | None = None,
               rate2: float | None = None, tau_s: float | None = None) -> hv.Overlay:
    """BPP 1/T₁ and 1/T₂ against the correlation time for a lattice with M₂, the measured
    rates as horizontal lines and the τ implied by D as a vertical line (log–log)."""
    from analysis import diffusion as df

    tau = np.geomspace(1e-13, 1e-6, 400)
    r1, r2 = df.bpp_rates_lattice(tau, second_moment_rad2_s2, omega0_rad_s)
    kd = [hv.Dimension("tau", label="correlation time τ_c (s)")]
    vd = [hv.Dimension("rate", label="relaxation rate (s⁻¹)")]
    els = [hv.Curve((tau, r1), kd, vd, label="BPP 1/T1").opts(
               color=RELAXATION_COLORS["T1"], line_width=2),
           hv.Curve((tau, r2), kd, vd, label="BPP 1/T2").opts(
               color=RELAXATION_COLORS["T2"], line_width=2)]
    for rate, key in ((rate1, "T1"), (rate2, "T2")):
        if rate:
            els.append(hv.Curve(([tau[0], tau[-1]], [rate, rate]), kd, vd,
                                label=f"measured 1/{key}").opts(
                color=RELAXATION_COLORS[key], line_dash="dashed", line_width=1.5))
    if tau_s:
        els.append(hv.VLine(tau_s).opts(color="#444444", line_dash="dotted", line_width=1.5))
    return hv.Overlay(els).opts(logx=True, logy=True, ylim=(max(1e-2, r1.min()), None))


# ---------------------------------------------------------------------------------------------
# time evolution (the study's Figs. 4 and 6) and transport
# ---------------------------------------------------------------------------------------------
#: Okabe–Ito, colour-blind safe; one colour per cell, the same on every page and figure
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#999999")  # Okabe–Ito without its yellow, which vanishes on white
#: stoichiometry guide lines (H/La)
GUIDES = (("LaH₁₀", 10.0), ("LaH₆", 6.0), ("LaH₃", 3.0))
DAY_DIM = hv.Dimension("day", label="time after laser heating (days)")


def cell_color(cell: str) -> str:
    """The colour of a cell: N1… and T1… take the palette in order, others by hash."""
    import re

    m = re.fullmatch(r"[A-Za-z]+(\d+)", str(cell))
    i = int(m.group(1)) - 1 if m else sum(map(ord, str(cell)))
    offset = 0 if str(cell).upper().startswith("N") else 4
    return OKABE_ITO[(i + offset) % len(OKABE_ITO)]


def _points(x, y, e, label, color, vdim):
    kd, vd = [DAY_DIM], [vdim]
    ok = np.isfinite(y)
    return [hv.ErrorBars((x[ok], y[ok], np.nan_to_num(e[ok])), kd, [*vd, "err"]).opts(
                color=color, line_width=1.2),
            hv.Scatter((x[ok], y[ok]), kd, vd, label=label).opts(color=color, size=6)]


def _cells_with_fits(series: dict, fits: dict | None, vd) -> list:
    """Points ± σ of every cell in its colour, with its fitted curve dashed."""
    els = []
    for cell, (d, v, e) in series.items():
        els += _points(d, v, e, cell, cell_color(cell), vd)
        if fits and cell in fits:
            fd, fy = fits[cell]
            els.append(hv.Curve((fd, fy), [DAY_DIM], [vd]).opts(
                color=cell_color(cell), line_dash="dashed", line_width=1.5))
    return els


def hla_plot(series: dict, fits: dict | None = None, x_max: float | None = None
             ) -> hv.Overlay:
    """H/La ± σ against days for every cell with the fitted laws and the labelled LaH₁₀,
    LaH₆ and LaH₃ guide lines. ``series``: cell → (days, value, err); ``fits``: cell →
    (days, model)."""
    vd = hv.Dimension("hla", label="H/La")
    x_max = x_max or max((float(np.nanmax(d)) for d, *_ in series.values() if len(d)),
                         default=70.0)
    els = []
    for name, y in GUIDES:
        els.append(hv.HLine(y).opts(color="#777777", line_dash="dotted", line_width=1))
        els.append(hv.Text(x_max * 1.11, y + 0.12, name, halign="right", valign="bottom",
                           fontsize=9).opts(color="#555555"))
    els += _cells_with_fits(series, fits, vd)
    return hv.Overlay(els).opts(ylim=(0, 12.5), xlim=(-3, x_max * 1.12), xlabel=DAY_DIM.label,
                                ylabel="H/La")


def tc_ratio_plot(series: dict, fits: dict | None = None, x_max: float | None = None,
                  criterion: str = "50") -> hv.Overlay:
    """Tc/Tc(0) ± σ against days per transport cell, one criterion throughout."""
    vd = hv.Dimension("tc_ratio", label=f"Tc / Tc(day 0)  (criterion {criterion})")
    els = [hv.HLine(1.0).opts(color="#777777", line_dash="dotted", line_width=1)]
    els += _cells_with_fits(series, fits, vd)
    opts = {"ylim": (0.4, 1.08), "xlabel": DAY_DIM.label, "ylabel": vd.label}
    if x_max:
        opts["xlim"] = (-3, x_max * 1.12)
    return hv.Overlay(els).opts(**opts)


def trend_plot(series: dict, label: str) -> hv.Overlay:
    """A quantity ± σ against days per cell (Knight shift, line width)."""
    vd = hv.Dimension("v", label=label)
    els = []
    for cell, (d, v, e) in series.items():
        els += _points(d, v, e, cell, cell_color(cell), vd)
    return hv.Overlay(els) if els else hv.Overlay([hv.Scatter([], [DAY_DIM], [vd])])


def tc_vs_hla_plot(rows: list[dict]) -> hv.Overlay:
    """Tc/Tc(0) of each transport cell against H/La of the NMR cells on the same day."""
    kd = [hv.Dimension("hla", label="H/La (NMR cells, same day)")]
    vd = [hv.Dimension("tc", label="Tc / Tc(day 0)")]
    els = []
    for cell in sorted({r["cell"] for r in rows}):
        rr = [r for r in rows if r["cell"] == cell]
        x = np.array([r["H_per_La"] for r in rr])
        y = np.array([r["Tc_ratio"] for r in rr])
        ex = np.array([r["H_per_La_err"] for r in rr])
        ey = np.array([r["Tc_ratio_err"] for r in rr])
        c = cell_color(cell)
        els += [hv.ErrorBars((x, y, ex), kd, [*vd, "ex"], horizontal=True).opts(color=c),
                hv.ErrorBars((x, y, ey), kd, [*vd, "ey"]).opts(color=c),
                hv.Scatter((x, y), kd, vd, label=cell).opts(color=c, size=6)]
    return hv.Overlay(els) if els else hv.Overlay([hv.Scatter([], kd, vd)])


def stacked_spectra(ppm, spectra, days, nucleus_name: str, step: float = 0.6,
                    xlim=None, clip: float | None = None) -> hv.Contours:
    """Spectra offset upwards by day (Fig. 4), coloured by day, one multi-line glyph;
    ``clip`` cuts each spectrum at that height (to show a broad component under a narrow
    line)."""
    kd = [hv.Dimension("ppm", label=f"{nucleus_name} shift (ppm)")]
    vd = [hv.Dimension("I", label="intensity (normalised, offset by day)")]
    paths = []
    for y, d in zip(spectra, days, strict=True):
        y = np.minimum(np.asarray(y), clip) if clip is not None else np.asarray(y)
        x, yy = minmax_decimate(np.asarray(ppm), y + step * float(d) / 5.0, 600)
        paths.append({"ppm": x, "I": yy, "day": float(d)})
    opts = {"invert_xaxis": True}
    if xlim:
        opts["xlim"] = xlim
    return hv.Contours(paths, kdims=[*kd, *vd], vdims=[hv.Dimension("day", label="day")]).opts(
        color="day", cmap="viridis", colorbar=True, line_width=1.1, clabel="day", **opts)


def rt_plot(curves: list[dict], criterion: str) -> hv.Overlay:
    """R(T) of one cell for every day, coloured by day, with the chosen criterion's Tc."""
    kd = [hv.Dimension("T", label="temperature (K)")]
    vd = [hv.Dimension("R", label="resistance (Ω)")]
    cols = trace_colors(len(curves))
    els, mx, my = [], [], []
    for c, col in zip(curves, cols, strict=True):
        t, r = np.asarray(c["T"]), np.asarray(c["R"])
        els.append(hv.Curve((t, r), kd, vd, label=f"day {c['day']:g}").opts(color=col,
                                                                           line_width=1.2))
        tr = c["transition"]
        m = tr.criteria.get(criterion) if tr.success else None
        if m is not None and np.isfinite(m.value):
            mx.append(m.value)
            my.append(float(np.interp(m.value, t, r)))
    if mx:
        els.append(hv.Scatter((mx, my), kd, vd, label=f"Tc ({criterion})").opts(
            color="#D55E00", marker="diamond", size=9, line_color="black"))
    return hv.Overlay(els) if els else hv.Overlay([hv.Curve([], kd, vd)])
